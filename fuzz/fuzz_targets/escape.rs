//! unescape never panics; escape → unescape gives back the input; escaped text holds no raw
//! separator or line end.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ts3q::unescape_bytes(data);
    let escaped = ts3q::escape_bytes(data);
    assert!(!escaped.iter().any(|b| matches!(b, b' ' | b'|' | b'\n' | b'\r')));
    assert_eq!(ts3q::unescape_bytes(&escaped).as_ref(), data);
    let mut buf = Vec::new();
    ts3q::escape_into(data, &mut buf);
    assert_eq!(buf.as_slice(), escaped.as_ref());
});
