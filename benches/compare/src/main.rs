//! ts3q next to the other TS3 query text processors, on the shared benchmark corpus: py-ts3
//! 2.0.0b3 (through `pyts3_bench.py`) and the Rust crates `ts3-query`, `tsproto-packets` and
//! `ts3`. Each is checked against the corpus's expected output first; wrong ones are marked.
//!
//! ```sh
//! python3 ../shared/make_bench_corpus.py /tmp/corpus     # from the repository root
//! cargo run --release --manifest-path benches/compare/Cargo.toml -- /tmp/corpus
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value as Json;
use ts3::Decode;

/// Bytes per second of the best of several runs of `f`.
fn rate(bytes: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut best = f64::INFINITY;
    let start = Instant::now();
    let mut runs = 0;
    while runs < 3 || (start.elapsed().as_secs_f64() < 1.0 && runs < 200) {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
        runs += 1;
    }
    bytes as f64 / best / 1e9
}

struct Row {
    op: String,
    imp: &'static str,
    gbps: f64,
    correct: bool,
}

/// Expected items: (key, value or None for a bare key), per item.
type Expected = Vec<Vec<(String, Option<String>)>>;

fn expected(dir: &Path, name: &str) -> (usize, Expected) {
    let j: Json =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.expected.json"))).unwrap())
            .unwrap();
    let items = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| {
            it.as_array()
                .unwrap()
                .iter()
                .map(|kv| {
                    (
                        kv[0].as_str().unwrap().to_string(),
                        kv[1].as_str().map(str::to_string),
                    )
                })
                .collect()
        })
        .collect();
    (j["count"].as_u64().unwrap() as usize, items)
}

/// Compares parsed items; `strict` also requires key order and bare keys told apart.
fn matches(
    got: &[Vec<(String, Option<String>)>],
    count: usize,
    want: &Expected,
    strict: bool,
) -> bool {
    if got.len() != count {
        return false;
    }
    got.iter().zip(want).all(|(g, w)| {
        if strict {
            g == w
        } else {
            let g: HashMap<_, _> = g
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
                .collect();
            g.len() == w.len()
                && w.iter()
                    .all(|(k, v)| g.get(k) == Some(&v.clone().unwrap_or_default()))
        }
    })
}

fn data_line(resp: &[u8]) -> &[u8] {
    &resp[..resp.iter().position(|&b| b == b'\n').unwrap_or(resp.len())]
}

// ------------------------------------------------------------------ the implementations

fn ts3q_items(line: &[u8]) -> Vec<Vec<(String, Option<String>)>> {
    let items = ts3q::Items::parse(ts3q::Bytes::copy_from_slice(line)).unwrap();
    items
        .iter()
        .map(|i| {
            i.iter()
                .map(|(k, v)| {
                    (
                        String::from_utf8_lossy(k).into_owned(),
                        (!v.is_bare()).then(|| v.to_str_lossy().into_owned()),
                    )
                })
                .collect()
        })
        .collect()
}

fn ts3_query_items(line: &[u8]) -> Vec<Vec<(String, Option<String>)>> {
    let maps =
        ts3_query::raw::parse_multi_hashmap(vec![String::from_utf8_lossy(line).into_owned()], true);
    maps.into_iter().map(|m| m.into_iter().collect()).collect()
}

/// tsproto-packets as its users call it: the parser borrows the line, names are borrowed and
/// values are a `Cow` (borrowed unless escaped); every value is read, nothing is copied out.
fn tsproto_read(line: &[u8]) -> usize {
    let (_, parser) = tsproto_packets::commands::CommandParser::new(line);
    let mut total = 0;
    for it in parser {
        match it {
            tsproto_packets::commands::CommandItem::NextCommand => total += 1,
            tsproto_packets::commands::CommandItem::Argument(a) => {
                total += a.name().len() + a.value().get().len();
            }
        }
    }
    total
}

/// tsproto-packets' items as owned strings, for the correctness check only (not timed).
fn tsproto_items(line: &[u8]) -> Vec<Vec<(String, Option<String>)>> {
    let (_, parser) = tsproto_packets::commands::CommandParser::new(line);
    let mut items = vec![Vec::new()];
    for it in parser {
        match it {
            tsproto_packets::commands::CommandItem::NextCommand => items.push(Vec::new()),
            tsproto_packets::commands::CommandItem::Argument(a) => {
                let v = String::from_utf8_lossy(&a.value().get()).into_owned();
                if let Some(last) = items.last_mut() {
                    last.push((String::from_utf8_lossy(a.name()).into_owned(), Some(v)));
                }
            }
        }
    }
    items
}

/// ts3 as its users call it: decode, then read each value by its key (users name the keys
/// they want; here, every key of the expected parse, borrowed).
fn ts3_read(line: &[u8], keys: &Expected) -> usize {
    let Ok(resp) = ts3::response::Response::decode(line) else {
        return 0;
    };
    let mut total = 0;
    for (i, e) in resp.iter().enumerate() {
        let Some(keys) = keys.get(i).or(keys.first()) else {
            continue;
        };
        for (k, _) in keys {
            total += e.get::<String>(k).map_or(0, |v| v.len());
        }
    }
    total
}

/// ts3 keeps fields in a private map: values are read by the expected keys.
fn ts3_items(line: &[u8], keys: &Expected) -> Vec<Vec<(String, Option<String>)>> {
    let Ok(resp) = ts3::response::Response::decode(line) else {
        return Vec::new();
    };
    resp.iter()
        .enumerate()
        .map(|(i, e)| {
            let keys = keys.get(i).or(keys.first()).cloned().unwrap_or_default();
            keys.iter()
                .filter(|(k, _)| e.contains(k))
                .map(|(k, _)| (k.clone(), e.get::<String>(k).ok()))
                .collect()
        })
        .collect()
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: compare CORPUS_DIR"));
    let rd = |n: &str| std::fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
    let plain = rd("plain.txt");
    let mixed = rd("mixed.txt");
    let escaped = rd("mixed.escaped.txt");
    let (plain_s, mixed_s, escaped_s) = (
        String::from_utf8(plain.clone()).unwrap(),
        String::from_utf8(mixed.clone()).unwrap(),
        String::from_utf8(escaped.clone()).unwrap(),
    );
    let mut rows = Vec::new();
    let mut out = Vec::with_capacity(4 << 20);

    // escape
    for (op, input, s, want) in [
        ("escape plain", &plain, &plain_s, &plain),
        ("escape mixed", &mixed, &mixed_s, &escaped),
    ] {
        let ok = ts3q::escape_bytes(input).as_ref() == want.as_slice();
        rows.push(Row {
            op: op.into(),
            imp: "ts3q",
            correct: ok,
            gbps: rate(input.len(), || {
                out.clear();
                ts3q::escape_into(input, &mut out);
                out.len()
            }),
        });
        let ok = ts3_query::raw::escape_arg(s).as_bytes() == want.as_slice();
        rows.push(Row {
            op: op.into(),
            imp: "ts3-query",
            correct: ok,
            gbps: rate(input.len(), || ts3_query::raw::escape_arg(s).len()),
        });
        let enc = |s: &str| {
            let mut o = String::new();
            ts3::Encode::encode(&s, &mut o);
            o
        };
        let ok = enc(s).as_bytes() == want.as_slice();
        rows.push(Row {
            op: op.into(),
            imp: "ts3",
            correct: ok,
            gbps: rate(input.len(), || enc(s).len()),
        });
    }

    // unescape
    let op = "unescape mixed.escaped";
    rows.push(Row {
        op: op.into(),
        imp: "ts3q",
        correct: ts3q::unescape_bytes(&escaped).as_ref() == mixed.as_slice(),
        gbps: rate(escaped.len(), || {
            out.clear();
            ts3q::unescape_into(&escaped, &mut out);
            out.len()
        }),
    });
    rows.push(Row {
        op: op.into(),
        imp: "ts3-query",
        correct: ts3_query::raw::unescape_val(&escaped_s).as_bytes() == mixed.as_slice(),
        gbps: rate(escaped.len(), || {
            ts3_query::raw::unescape_val(&escaped_s).len()
        }),
    });
    let mut kv = b"k=".to_vec();
    kv.extend_from_slice(&escaped);
    let tsproto_unescape = |kv: &[u8]| -> Vec<u8> {
        let (_, mut p) = tsproto_packets::commands::CommandParser::new(kv);
        match p.next() {
            Some(tsproto_packets::commands::CommandItem::Argument(a)) => {
                a.value().get().into_owned()
            }
            _ => Vec::new(),
        }
    };
    rows.push(Row {
        op: op.into(),
        imp: "tsproto-packets",
        correct: tsproto_unescape(&kv) == mixed,
        gbps: rate(escaped.len(), || tsproto_unescape(&kv).len()),
    });
    rows.push(Row {
        op: op.into(),
        imp: "ts3",
        correct: String::decode(&escaped)
            .map(|s| s.into_bytes())
            .ok()
            .as_deref()
            == Some(mixed.as_slice()),
        gbps: rate(escaped.len(), || {
            String::decode(&escaped).map_or(0, |s| s.len())
        }),
    });

    // parse, every value read
    let (vcount, vexp) = expected(&dir, "verify");
    let verify = rd("verify.resp");
    for name in ["clientlist10k", "channellist500"] {
        let resp = rd(&format!("{name}.resp"));
        let line = data_line(&resp);
        let (count, exp) = expected(&dir, name);
        let op = format!("parse {name}");
        let n = line.len();
        let ok = matches(&ts3q_items(line), count, &exp, true)
            && matches(&ts3q_items(data_line(&verify)), vcount, &vexp, true);
        let bytes = ts3q::Bytes::copy_from_slice(line);
        let mut buf = Vec::new();
        rows.push(Row {
            op: op.clone(),
            imp: "ts3q",
            correct: ok,
            gbps: rate(n, || {
                let items = ts3q::Items::parse(bytes.clone()).unwrap();
                let mut total = 0;
                for item in &items {
                    for (_, v) in item.iter() {
                        total += v.decode(&mut buf).len();
                    }
                }
                total
            }),
        });
        let ok = matches(&ts3_query_items(line), count, &exp, false)
            && matches(&ts3_query_items(data_line(&verify)), vcount, &vexp, false);
        rows.push(Row {
            op: op.clone(),
            imp: "ts3-query",
            correct: ok,
            gbps: rate(n, || ts3_query_items(line).len()),
        });
        let ok = matches(&tsproto_items(line), count, &exp, false)
            && matches(&tsproto_items(data_line(&verify)), vcount, &vexp, false);
        rows.push(Row {
            op: op.clone(),
            imp: "tsproto-packets",
            correct: ok,
            gbps: rate(n, || tsproto_read(line)),
        });
        let ok = matches(&ts3_items(line, &exp), count, &exp, false)
            && matches(&ts3_items(data_line(&verify), &vexp), vcount, &vexp, false);
        rows.push(Row {
            op: op.clone(),
            imp: "ts3",
            correct: ok,
            gbps: rate(n, || ts3_read(line, &exp)),
        });
    }

    // py-ts3 through its own venv.
    match pyts3(&dir) {
        Ok(j) => {
            for (op, v) in j.as_object().into_iter().flatten() {
                rows.push(Row {
                    op: op.clone(),
                    imp: "py-ts3 2.0.0b3",
                    gbps: v["gbps"].as_f64().unwrap_or(0.0),
                    correct: v["correct"].as_bool().unwrap_or(false),
                });
            }
        }
        Err(e) => eprintln!("py-ts3 skipped: {e}"),
    }

    println!("| operation | implementation | GB/s | ts3q is ×faster | output correct |");
    println!("|---|---|---:|---:|---|");
    let mut ops: Vec<String> = rows.iter().map(|r| r.op.clone()).collect();
    ops.dedup();
    ops.sort();
    ops.dedup();
    for op in ops {
        let ours = rows
            .iter()
            .find(|r| r.op == op && r.imp == "ts3q")
            .map_or(f64::NAN, |r| r.gbps);
        for r in rows.iter().filter(|r| r.op == op) {
            let ratio = if r.imp == "ts3q" {
                "—".to_string()
            } else {
                format!("{:.1}", ours / r.gbps)
            };
            println!(
                "| {} | {} | {:.3} | {} | {} |",
                r.op,
                r.imp,
                r.gbps,
                ratio,
                if r.correct { "yes" } else { "**no**" }
            );
        }
    }
}

fn pyts3(dir: &Path) -> Result<Json, String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyts3-venv");
    let py = venv.join("bin/python");
    if !py.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| e.to_string())?
            .success()
            && Command::new(&py)
                .args(["-m", "pip", "install", "-q", "ts3==2.0.0b3"])
                .status()
                .map_err(|e| e.to_string())?
                .success();
        if !ok {
            return Err("could not make the py-ts3 venv".into());
        }
    }
    let out = Command::new(&py)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("pyts3_bench.py"))
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}
