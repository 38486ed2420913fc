//! The file transfer reply parser on arbitrary data lines: a ticket, a refusal or a typed
//! error, never a panic; a ticket always has a key and a port.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ts3q::filetransfer::{Direction, Ticket};
use ts3q::{Bytes, Response};

fuzz_target!(|data: &[u8]| {
    let Ok(resp) = Response::parse(
        Bytes::copy_from_slice(data),
        Bytes::from_static(b"error id=0 msg=ok"),
    ) else {
        return;
    };
    for dir in [Direction::Upload, Direction::Download] {
        if let Ok(t) = Ticket::from_response(&resp, dir) {
            assert!(!t.key.is_empty());
            let _ = t.host("query.host");
            let _ = format!("{t:?}");
        }
    }
});
