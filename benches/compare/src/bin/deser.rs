//! Deserializing the corpus's 10 000-client `clientlist` into a struct of six fields (plain,
//! and with room lent for escaped text), beside reading every value of the same line: the
//! rows of `benches/core`'s `deserialize` group, timed here in turns (the best of five rounds
//! each), so that a slow spell of this shared VM falls on all alike rather than on one of
//! criterion's five-second windows.
//!
//! With `--parts`, the same list also goes into structs of fewer fields, and each row is
//! printed in ns per item: what each kind of field adds.
//!
//! ```sh
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin deser -- CORPUS_DIR [--parts]
//! ```

use serde_json::Value as Json;

mod common;
use common::{rates, Job};
#[path = "../../../shared/entry.rs"]
mod entry;
use entry::{checksum, Entry};
#[path = "../../../shared/values.rs"]
mod values;
use values::read_all;

pub fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: deser CORPUS_DIR"));
    let resp = std::fs::read(dir.join("clientlist10k.resp")).expect("clientlist10k.resp");
    let line = &resp[..resp.iter().position(|&b| b == b'\n').unwrap_or(resp.len())];
    let expected: Json = serde_json::from_slice(
        &std::fs::read(dir.join("clientlist10k.expected.json")).expect("expected.json"),
    )
    .expect("expected.json is JSON");
    let bytes = ts3q::Bytes::copy_from_slice(line);
    let ok = ts3q::Bytes::from_static(b"error id=0 msg=ok");

    // Checked first: the count, and the nickname and id of each item the corpus spells out.
    let r = ts3q::Response::parse(bytes.clone(), ok.clone()).expect("parses");
    let all: Vec<Entry> = r.deserialize().expect("deserializes");
    assert_eq!(
        Some(all.len() as u64),
        expected["count"].as_u64(),
        "item count"
    );
    for (got, want) in all
        .iter()
        .zip(expected["items"].as_array().into_iter().flatten())
    {
        let field = |key: &str| {
            want.as_array()
                .into_iter()
                .flatten()
                .find(|kv| kv[0] == key)
                .and_then(|kv| kv[1].as_str().map(str::to_owned))
        };
        assert_eq!(field("clid"), Some(got.clid.to_string()));
        assert_eq!(
            field("client_nickname").as_deref(),
            Some(&*got.client_nickname)
        );
    }
    let mut room = Vec::new();
    let lent: Vec<Entry> = r.deserialize_in(&mut room).expect("deserializes");
    assert!(all
        .iter()
        .zip(&lent)
        .all(|(a, b)| (a.clid, &a.client_nickname) == (b.clid, &b.client_nickname)));
    drop((all, lent));

    let mut buf = Vec::new();
    let jobs: Vec<Job> = vec![
        Box::new(|| {
            read_all(
                &ts3q::Items::parse(bytes.clone()).expect("parses"),
                &mut buf,
            )
        }),
        Box::new(|| {
            let r = ts3q::Response::parse(bytes.clone(), ok.clone()).expect("parses");
            let all: Vec<Entry> = r.deserialize().expect("deserializes");
            checksum(&all)
        }),
        Box::new(|| {
            let r = ts3q::Response::parse(bytes.clone(), ok.clone()).expect("parses");
            let all: Vec<Entry> = r.deserialize_in(&mut room).expect("deserializes");
            checksum(&all)
        }),
    ];
    let gbps = rates(line.len(), jobs);
    if std::env::args().any(|a| a == "--parts") {
        parts(&bytes, &ok, line.len(), gbps[0], gbps[1]);
    }
    println!(
        "clientlist10k: values read {:.3} GB/s, into 6-field structs {:.3} GB/s ({:.0}% of values read), \
         with lent room {:.3} GB/s ({:.0}%)",
        gbps[0],
        gbps[1],
        100.0 * gbps[1] / gbps[0],
        gbps[2],
        100.0 * gbps[2] / gbps[0]
    );
}

/// Structs of fewer fields than [`Entry`], for `--parts`.
mod part {
    use std::borrow::Cow;

    #[derive(serde::Deserialize)]
    pub struct NoField {}
    #[derive(serde::Deserialize)]
    pub struct Clid {
        pub clid: u32,
    }
    #[derive(serde::Deserialize)]
    pub struct Numbers {
        pub clid: u32,
        pub cid: u32,
        pub client_database_id: u32,
        pub client_type: u8,
    }
    #[derive(serde::Deserialize)]
    pub struct Nickname<'a> {
        #[serde(borrow)]
        pub client_nickname: Cow<'a, str>,
    }
    #[derive(serde::Deserialize)]
    pub struct Groups {
        pub client_servergroups: Vec<u32>,
    }
}

/// ns per item of each part, timed in turns like the main rows (each parsing the line inside
/// its work, as they do); `read` and `six` are the main rows' rates, printed for scale.
fn parts(bytes: &ts3q::Bytes, ok: &ts3q::Bytes, len: usize, read: f64, six: f64) {
    let parse = || ts3q::Response::parse(bytes.clone(), ok.clone()).expect("parses");
    let items = parse().items().len() as f64;
    // A job deserializing into `Vec<$t>`, then summing what `$size` makes of each struct.
    macro_rules! job {
        ($t:ty, $size:expr) => {
            Box::new(|| {
                let r = parse();
                let all: Vec<$t> = r.deserialize().expect("deserializes");
                all.iter().map($size).sum::<usize>()
            })
        };
    }
    let jobs: Vec<Job> = vec![
        Box::new(|| parse().items().len()),
        job!(part::NoField, |_| 1),
        job!(part::Clid, |e| e.clid as usize),
        job!(part::Numbers, |e| [e.clid, e.cid, e.client_database_id]
            .map(|n| n as usize)
            .iter()
            .sum::<usize>()
            + e.client_type as usize),
        job!(part::Nickname, |e| e.client_nickname.len()),
        job!(part::Groups, |e| e.client_servergroups.len()),
    ];
    let names = [
        "index only",
        "no field",
        "clid",
        "clid, cid, client_database_id, client_type",
        "client_nickname: Cow<str>",
        "client_servergroups: Vec<u32>",
    ];
    let ns = |gbps: f64| len as f64 / gbps / items;
    for (name, gbps) in names.iter().zip(rates(len, jobs)) {
        println!("  {name}: {:.0} ns per item", ns(gbps));
    }
    println!("  the six fields: {:.0} ns per item", ns(six));
    println!("  (every value read: {:.0} ns per item)", ns(read));
}
