//! The response, error-line and event parsers on arbitrary lines: no panic, and every field
//! can be read.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ts3q::internals::{use_tier, Tier};
use ts3q::{Bytes, Event, Items, Status};

fuzz_target!(|data: &[u8]| {
    let line = Bytes::copy_from_slice(data);
    // Every SIMD indexer the CPU runs agrees with the portable one on every field, and so does
    // the framer's newline search.
    let newlines = ts3q::internals::portable_positions(data, b'\n');
    for tier in [Tier::Avx2, Tier::Avx512] {
        use_tier(tier);
        assert_eq!(ts3q::internals::positions(data, b'\n'), newlines);
        if let (Ok(items), Ok(portable)) = (
            Items::parse(line.clone()),
            ts3q::internals::parse_portable(line.clone()),
        ) {
            assert_eq!(items.len(), portable.len());
            let mut scratch = Vec::new();
            for (a, b) in items.iter().zip(portable.iter()) {
                assert!(a.iter().eq(b.iter()));
                for (_, v) in a.iter() {
                    assert_eq!(v.bytes(), ts3q::unescape_bytes(v.raw()));
                    assert_eq!(
                        v.decode(&mut scratch),
                        ts3q::unescape_bytes(v.raw()).as_ref()
                    );
                }
            }
        }
    }
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
        let _ = (
            status.msg(),
            status.extra_msg(),
            status.failed_permid(),
            status.flood_wait_secs(),
        );
        let _ = format!("{status:?}");
    }
    if let Ok(event) = Event::parse(line) {
        let _ = event.name();
        let _ = format!("{event:?}");
    }
});
