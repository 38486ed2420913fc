//! unescape never panics; escape → unescape gives back the input; escaped text holds no raw
//! separator or line end; the SIMD kernels (when the CPU has them) agree with the portable code.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let unescaped = ts3q::unescape_bytes(data);
    let mut portable = Vec::new();
    ts3q::escape::portable_unescape_into(data, &mut portable);
    assert_eq!(unescaped.as_ref(), portable.as_slice());

    let escaped = ts3q::escape_bytes(data);
    assert!(!escaped.iter().any(|b| matches!(b, b' ' | b'|' | b'\n' | b'\r')));
    assert_eq!(ts3q::unescape_bytes(&escaped).as_ref(), data);
    let mut buf = Vec::new();
    ts3q::escape_into(data, &mut buf);
    assert_eq!(buf.as_slice(), escaped.as_ref());
    let mut portable = Vec::new();
    ts3q::escape::portable_escape_into(data, &mut portable);
    assert_eq!(portable, buf);
    assert_eq!(
        ts3q::escape::needs_escaping(data),
        ts3q::escape::portable_needs_escaping(data)
    );
});
