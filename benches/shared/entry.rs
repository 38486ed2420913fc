//! The struct of the `deserialize` rows, shared by `benches/core.rs`, `benches/compare`'s
//! `deser` and `benches/ab`, so that every harness times the same work.

use std::borrow::Cow;

/// Six fields of a `clientlist` item.
#[derive(serde::Deserialize)]
pub struct Entry<'a> {
    pub clid: u32,
    pub cid: u32,
    pub client_database_id: u32,
    #[serde(borrow)]
    pub client_nickname: Cow<'a, str>,
    pub client_type: u8,
    pub client_servergroups: Vec<u32>,
}

/// What a caller might do with the structs (so that none of their fields is optimized away).
pub fn checksum(all: &[Entry]) -> usize {
    all.iter()
        .map(|e| {
            e.clid as usize
                + e.cid as usize
                + e.client_database_id as usize
                + e.client_nickname.len()
                + e.client_type as usize
                + e.client_servergroups.len()
        })
        .sum()
}
