//! The response, error-line and event parsers on arbitrary lines: no panic, and every field
//! can be read.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ts3q::{Bytes, Event, Items, Status};

fuzz_target!(|data: &[u8]| {
    let line = Bytes::copy_from_slice(data);
    if let Ok(items) = Items::parse(line.clone()) {
        for item in items.iter() {
            for (key, value) in item.iter() {
                let _ = value.to_str();
                let _ = value.to_str_lossy();
                if let Ok(k) = std::str::from_utf8(key) {
                    assert!(item.get(k).is_some());
                    let _ = item.parse::<u32>(k);
                }
            }
            let _ = format!("{item:?}");
        }
        let _ = items.get_shared(items.len().saturating_sub(1), "clid");
    }
    if let Ok(status) = Status::parse(line.clone()) {
        let _ = (status.msg(), status.extra_msg(), status.failed_permid(), status.flood_wait_secs());
        let _ = format!("{status:?}");
    }
    if let Ok(event) = Event::parse(line) {
        let _ = event.name();
        let _ = format!("{event:?}");
    }
});
