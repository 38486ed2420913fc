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

use serde_json::Value as Json;
use ts3::Decode;

#[path = "bin/common/mod.rs"]
mod common;
use common::{rates, Job};

/// One row per implementation of `op`, in order.
fn push_rows(rows: &mut Vec<Row>, op: &str, imps: &[&'static str], correct: &[bool], gbps: &[f64]) {
    for ((&imp, &correct), &gbps) in imps.iter().zip(correct).zip(gbps) {
        rows.push(Row {
            op: op.into(),
            imp,
            correct,
            gbps,
        });
    }
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
        let enc = |s: &str| {
            let mut o = String::new();
            ts3::Encode::encode(&s, &mut o);
            o
        };
        let correct = [
            ts3q::escape_bytes(input).as_ref() == want.as_slice(),
            ts3_query::raw::escape_arg(s).as_bytes() == want.as_slice(),
            enc(s).as_bytes() == want.as_slice(),
        ];
        let out = &mut out;
        let jobs: Vec<Job> = vec![
            Box::new(move || {
                out.clear();
                ts3q::escape_into(input, out);
                out.len()
            }),
            Box::new(|| ts3_query::raw::escape_arg(s).len()),
            Box::new(|| enc(s).len()),
        ];
        let gbps = rates(input.len(), jobs);
        push_rows(
            &mut rows,
            op,
            &["ts3q", "ts3-query", "ts3"],
            &correct,
            &gbps,
        );
    }

    // unescape
    let op = "unescape mixed.escaped";
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
    let correct = [
        ts3q::unescape_bytes(&escaped).as_ref() == mixed.as_slice(),
        ts3_query::raw::unescape_val(&escaped_s).as_bytes() == mixed.as_slice(),
        tsproto_unescape(&kv) == mixed,
        String::decode(&escaped)
            .map(|s| s.into_bytes())
            .ok()
            .as_deref()
            == Some(mixed.as_slice()),
    ];
    {
        let out = &mut out;
        let jobs: Vec<Job> = vec![
            Box::new(|| {
                out.clear();
                ts3q::unescape_into(&escaped, out);
                out.len()
            }),
            Box::new(|| ts3_query::raw::unescape_val(&escaped_s).len()),
            Box::new(|| tsproto_unescape(&kv).len()),
            Box::new(|| String::decode(&escaped).map_or(0, |s| s.len())),
        ];
        let gbps = rates(escaped.len(), jobs);
        let imps = ["ts3q", "ts3-query", "tsproto-packets", "ts3"];
        push_rows(&mut rows, op, &imps, &correct, &gbps);
    }

    // parse, every value read
    let (vcount, vexp) = expected(&dir, "verify");
    let verify = rd("verify.resp");
    for name in ["clientlist10k", "channellist500"] {
        let resp = rd(&format!("{name}.resp"));
        let line = data_line(&resp);
        let (count, exp) = expected(&dir, name);
        let op = format!("parse {name}");
        let vline = data_line(&verify);
        let correct = [
            matches(&ts3q_items(line), count, &exp, true)
                && matches(&ts3q_items(vline), vcount, &vexp, true),
            matches(&ts3_query_items(line), count, &exp, false)
                && matches(&ts3_query_items(vline), vcount, &vexp, false),
            matches(&tsproto_items(line), count, &exp, false)
                && matches(&tsproto_items(vline), vcount, &vexp, false),
            matches(&ts3_items(line, &exp), count, &exp, false)
                && matches(&ts3_items(vline, &vexp), vcount, &vexp, false),
        ];
        let bytes = ts3q::Bytes::copy_from_slice(line);
        let mut buf = Vec::new();
        let jobs: Vec<Job> = vec![
            Box::new(|| {
                let items = ts3q::Items::parse(bytes.clone()).unwrap();
                let mut total = 0;
                for item in &items {
                    for (_, v) in item.iter() {
                        total += v.decode(&mut buf).len();
                    }
                }
                total
            }),
            Box::new(|| ts3_query_items(line).len()),
            Box::new(|| tsproto_read(line)),
            Box::new(|| ts3_read(line, &exp)),
        ];
        let gbps = rates(line.len(), jobs);
        let imps = ["ts3q", "ts3-query", "tsproto-packets", "ts3"];
        push_rows(&mut rows, &op, &imps, &correct, &gbps);
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
