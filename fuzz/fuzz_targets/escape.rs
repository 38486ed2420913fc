//! unescape never panics; escape → unescape gives back the input; escaped text holds no raw
//! separator or line end; every SIMD tier the CPU runs agrees with the portable code.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ts3q::internals::{use_tier, Tier};

fuzz_target!(|data: &[u8]| {
    let mut unescaped = Vec::new();
    ts3q::internals::portable_unescape_into(data, &mut unescaped);
    let mut escaped = Vec::new();
    ts3q::internals::portable_escape_into(data, &mut escaped);
    assert!(!escaped
        .iter()
        .any(|b| matches!(b, b' ' | b'|' | b'\n' | b'\r')));
    let needs = ts3q::internals::portable_needs_escaping(data);

    for tier in [Tier::Avx512, Tier::Avx2, Tier::Portable] {
        use_tier(tier);
        assert_eq!(ts3q::unescape_bytes(data).as_ref(), unescaped.as_slice());
        let mut buf = b"prefix".to_vec();
        ts3q::unescape_into(data, &mut buf);
        assert_eq!(&buf[6..], unescaped.as_slice());
        assert_eq!(ts3q::escape_bytes(data).as_ref(), escaped.as_slice());
        let mut buf = ts3q::BytesMut::from(&b"prefix"[..]);
        ts3q::escape_into(data, &mut buf);
        assert_eq!(&buf[6..], escaped.as_slice());
        assert_eq!(ts3q::escape::needs_escaping(data), needs);
        assert_eq!(ts3q::unescape_bytes(&escaped).as_ref(), data);
    }
    use_tier(Tier::Avx512);
});
