//! Throughput of the core on the shared benchmark corpus: escape, unescape, parse (every value
//! read), command compilation, and the state machine on pipelined responses with events.
//!
//! The corpus is generated (never committed): `python3 ../shared/make_bench_corpus.py DIR`;
//! this bench makes it under `target/bench-corpus` when `TS3_BENCH_CORPUS` does not name one.
//! Each parse is checked against the corpus's expected parses before it is timed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
#[cfg(feature = "serde")]
#[path = "shared/entry.rs"]
mod entry;
#[path = "shared/values.rs"]
mod values;
use serde_json::Value as Json;
use ts3q::internals::Tier;
use ts3q::{Bytes, Client, Command, Config, Items, Mode, Output};
use values::read_all;

fn corpus() -> PathBuf {
    if let Some(dir) = std::env::var_os("TS3_BENCH_CORPUS") {
        return PathBuf::from(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-corpus");
    if !dir.join("SHA256SUMS").exists() {
        let script = root.join("../shared/make_bench_corpus.py");
        let ok = std::process::Command::new("python3")
            .arg(&script)
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "could not run {} (set TS3_BENCH_CORPUS to a generated corpus)",
            script.display()
        );
    }
    dir
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// The data line of a `.resp` file (everything before the first line end).
fn data_line(resp: &[u8]) -> Bytes {
    let end = resp.iter().position(|&b| b == b'\n').unwrap_or(resp.len());
    Bytes::copy_from_slice(&resp[..end])
}

/// Checks a parse against `NAME.expected.json` (`count` and the first items).
fn verify(items: &Items, expected: &Json, name: &str) {
    assert_eq!(
        items.len() as u64,
        expected["count"].as_u64().unwrap(),
        "{name}: item count"
    );
    for (i, want) in expected["items"].as_array().unwrap().iter().enumerate() {
        let item = items.get(i).unwrap();
        let got: Vec<Json> = item
            .iter()
            .map(|(k, v)| {
                let value = if v.is_bare() {
                    Json::Null
                } else {
                    Json::String(v.to_str_lossy().into_owned())
                };
                Json::Array(vec![
                    Json::String(String::from_utf8_lossy(k).into_owned()),
                    value,
                ])
            })
            .collect();
        assert_eq!(&Json::Array(got), want, "{name}: item {i}");
    }
}

/// Copies every value of every item, unescaped, into one reused buffer.
fn copy_all(items: &Items, buf: &mut Vec<u8>) -> usize {
    let mut n = 0;
    for item in items {
        for (_, v) in item.iter() {
            buf.clear();
            v.unescape_into(buf);
            n += buf.len();
        }
    }
    n
}

fn benches(c: &mut Criterion) {
    let dir = corpus();
    let plain = read(&dir, "plain.txt");
    let mixed = read(&dir, "mixed.txt");
    let escaped = read(&dir, "mixed.escaped.txt");
    assert_eq!(
        ts3q::escape_bytes(&mixed).as_ref(),
        escaped.as_slice(),
        "escape(mixed) == mixed.escaped"
    );
    assert_eq!(
        ts3q::unescape_bytes(&escaped).as_ref(),
        mixed.as_slice(),
        "unescape(mixed.escaped) == mixed"
    );
    for name in ["verify", "clientlist10k", "channellist500"] {
        let items = Items::parse(data_line(&read(&dir, &format!("{name}.resp")))).unwrap();
        let expected: Json =
            serde_json::from_slice(&read(&dir, &format!("{name}.expected.json"))).unwrap();
        verify(&items, &expected, name);
    }

    let mut out = Vec::with_capacity(3 << 20);
    let mut g = c.benchmark_group("escape");
    for (name, input) in [("plain", &plain), ("mixed", &mixed)] {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                ts3q::escape_into(input, &mut out);
                out.len()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("unescape");
    g.throughput(Throughput::Bytes(escaped.len() as u64));
    g.bench_function("mixed.escaped", |b| {
        b.iter(|| {
            out.clear();
            ts3q::unescape_into(&escaped, &mut out);
            out.len()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("parse");
    for name in ["clientlist10k", "channellist500"] {
        let line = data_line(&read(&dir, &format!("{name}.resp")));
        g.throughput(Throughput::Bytes(line.len() as u64));
        let mut buf = Vec::new();
        g.bench_function(format!("{name}/values read"), |b| {
            b.iter(|| {
                let items = Items::parse(line.clone()).unwrap();
                read_all(&items, &mut buf)
            })
        });
        g.bench_function(format!("{name}/values copied"), |b| {
            b.iter(|| {
                let items = Items::parse(line.clone()).unwrap();
                copy_all(&items, &mut buf)
            })
        });
        g.bench_function(format!("{name}/index only"), |b| {
            b.iter(|| Items::parse(line.clone()).unwrap().len())
        });
    }
    g.finish();

    // Typed: the clientlist into a struct of six fields (feature `serde`), beside "values read"
    // on the same input in the same run.
    #[cfg(feature = "serde")]
    {
        use entry::{checksum, Entry};
        let mut g = c.benchmark_group("deserialize");
        let line = data_line(&read(&dir, "clientlist10k.resp"));
        g.throughput(Throughput::Bytes(line.len() as u64));
        let mut buf = Vec::new();
        g.bench_function("clientlist10k/values read", |b| {
            b.iter(|| {
                let items = Items::parse(line.clone()).unwrap();
                read_all(&items, &mut buf)
            })
        });
        // Parsed inside the loop, like "values read": every row includes indexing the line.
        let ok = ts3q::Bytes::from_static(b"error id=0 msg=ok");
        g.bench_function("clientlist10k/into 6-field structs", |b| {
            b.iter(|| {
                let resp = ts3q::Response::parse(line.clone(), ok.clone()).unwrap();
                let all: Vec<Entry> = resp.deserialize().unwrap();
                checksum(&all)
            })
        });
        // The same with room lent for escaped text (reused, as a caller would reuse it).
        let mut room = Vec::new();
        g.bench_function("clientlist10k/into 6-field structs, lent room", |b| {
            b.iter(|| {
                let resp = ts3q::Response::parse(line.clone(), ok.clone()).unwrap();
                let all: Vec<Entry> = resp.deserialize_in(&mut room).unwrap();
                checksum(&all)
            })
        });
        g.finish();
    }

    let mut g = c.benchmark_group("command");
    g.throughput(Throughput::Elements(1));
    g.bench_function("clientkick 3 pipes", |b| {
        b.iter(|| {
            Command::new("clientkick")
                .param("reasonid", 5)
                .param("reasonmsg", "Go away! | for now")
                .param("clid", 1)
                .pipe()
                .param("clid", 2)
                .pipe()
                .param("clid", 3)
                .into_bytes(Mode::ServerQuery)
                .unwrap()
        })
    });
    g.bench_function("sendtextmessage", |b| {
        b.iter(|| {
            Command::new("sendtextmessage")
                .param("targetmode", 3)
                .param("target", 0)
                .param("msg", "Whirlpool in 5 seconds, hold on to your chairs!")
                .into_bytes(Mode::ServerQuery)
                .unwrap()
        })
    });
    g.finish();

    // The same work on every SIMD tier this CPU runs (the groups above use the best one).
    let best = ts3q::internals::detect();
    let line = data_line(&read(&dir, "clientlist10k.resp"));
    let mut buf = Vec::new();
    let mut g = c.benchmark_group("tier");
    for tier in [Tier::Avx512, Tier::Avx2, Tier::Portable] {
        if tier > best {
            continue;
        }
        ts3q::internals::use_tier(tier);
        g.throughput(Throughput::Bytes(mixed.len() as u64));
        g.bench_function(format!("{tier:?}/escape mixed"), |b| {
            b.iter(|| {
                out.clear();
                ts3q::escape_into(&mixed, &mut out);
                out.len()
            })
        });
        g.throughput(Throughput::Bytes(escaped.len() as u64));
        g.bench_function(format!("{tier:?}/unescape"), |b| {
            b.iter(|| {
                out.clear();
                ts3q::unescape_into(&escaped, &mut out);
                out.len()
            })
        });
        g.throughput(Throughput::Bytes(line.len() as u64));
        g.bench_function(format!("{tier:?}/parse clientlist10k, values read"), |b| {
            b.iter(|| {
                let items = Items::parse(line.clone()).unwrap();
                read_all(&items, &mut buf)
            })
        });
    }
    ts3q::internals::use_tier(best);
    g.finish();

    // The machine on 1000 pipelined responses (each a channellist-like item and an event).
    let responses = 1000;
    let mut stream = Vec::new();
    for i in 0..responses {
        stream.extend_from_slice(format!("cid={i} pid=0 channel_order=0 channel_name=Channel\\s{i} total_clients=3 channel_needed_subscribe_power=0\n\r").as_bytes());
        stream.extend_from_slice(format!("notifytextmessage targetmode=3 msg=hello\\sworld\\s{i} invokerid=5 invokername=Ben invokeruid=abc\\/def=\n\r").as_bytes());
        stream.extend_from_slice(b"error id=0 msg=ok\n\r");
    }
    // Items are indexed on first access: the first row is the machine alone (framing, routing,
    // status ids), the second adds reading every value of every response and event.
    let mut g = c.benchmark_group("machine");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    for (name, read_values) in [
        ("1000 pipelined responses + events, 16 KiB reads", false),
        (
            "1000 pipelined responses + events, 16 KiB reads, every value read",
            true,
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let now = Instant::now();
                    let mut m = Client::new_open(
                        Config::server_query().flood_limit(None).keepalive(None),
                        now,
                    );
                    for _ in 0..responses {
                        m.send(Command::new("channelinfo").param("cid", 1), now)
                            .unwrap();
                    }
                    while m.poll_transmit().is_some() {}
                    (m, now)
                },
                |(mut m, now)| {
                    let mut delivered = 0;
                    let mut buf = Vec::new();
                    for chunk in stream.chunks(16 * 1024) {
                        m.handle_input(chunk, now);
                        while let Some(o) = m.poll_output() {
                            let items = match &o {
                                Output::Response { result: Ok(r), .. } => r.items(),
                                Output::Event(e) => e.items(),
                                _ => continue,
                            };
                            delivered += 1;
                            if read_values {
                                read_all(items, &mut buf);
                            }
                        }
                    }
                    assert_eq!(delivered, 2 * responses);
                    delivered
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(core, benches);
criterion_main!(core);
