//! "Values read", the row every other is measured against, shared by `benches/core.rs`,
//! `benches/compare`'s `deser` and `benches/ab`, so that each times the same work.

/// Reads every value of every item once, unescaped: borrowed when clean, decoded into one
/// reused buffer otherwise (`Value::decode`).
pub fn read_all(items: &ts3q::Items, buf: &mut Vec<u8>) -> usize {
    let mut n = 0;
    for item in items {
        for (_, v) in item.iter() {
            n += v.decode(buf).len();
        }
    }
    n
}
