//! Quick throughput figures on the benchmark corpus (the criterion benches are the reference):
//!
//! ```sh
//! python3 ../shared/make_bench_corpus.py /tmp/corpus
//! cargo run --release --example throughput -- /tmp/corpus
//! ```

use std::time::Instant;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: throughput CORPUS_DIR   (make it with make_bench_corpus.py)");
        std::process::exit(2);
    };
    let read = |name: &str| {
        std::fs::read(format!("{dir}/{name}")).unwrap_or_else(|e| {
            eprintln!("{dir}/{name}: {e}");
            std::process::exit(1)
        })
    };
    let plain = read("plain.txt");
    let mixed = read("mixed.txt");
    let escaped = read("mixed.escaped.txt");
    let clientlist = read("clientlist10k.resp");

    let rate = |name: &str, bytes: usize, f: &mut dyn FnMut() -> usize| {
        let start = Instant::now();
        let (mut runs, mut check) = (0usize, 0usize);
        while start.elapsed().as_secs_f64() < 1.0 {
            check = check.wrapping_add(f());
            runs += 1;
        }
        let gbps = (bytes * runs) as f64 / start.elapsed().as_secs_f64() / 1e9;
        println!("{name:<40} {gbps:>6.2} GB/s   (check {check})");
    };

    let mut out = Vec::with_capacity(3 << 20);
    rate("escape plain", plain.len(), &mut || {
        out.clear();
        ts3q::escape_into(&plain, &mut out);
        out.len()
    });
    rate("escape mixed", mixed.len(), &mut || {
        out.clear();
        ts3q::escape_into(&mixed, &mut out);
        out.len()
    });
    rate("unescape mixed.escaped", escaped.len(), &mut || {
        out.clear();
        ts3q::unescape_into(&escaped, &mut out);
        out.len()
    });
    let end = clientlist
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(clientlist.len());
    let line = ts3q::Bytes::copy_from_slice(&clientlist[..end]);
    rate("parse clientlist10k, index only", end, &mut || {
        ts3q::Items::parse(line.clone()).map_or(0, |items| items.len())
    });
    let mut value = Vec::new();
    rate(
        "parse clientlist10k, every value into a buffer",
        end,
        &mut || {
            let Ok(items) = ts3q::Items::parse(line.clone()) else {
                return 0;
            };
            let mut n = 0;
            for item in items.iter() {
                for (_, v) in item.iter() {
                    value.clear();
                    v.unescape_into(&mut value);
                    n += value.len();
                }
            }
            n
        },
    );
    rate(
        "parse clientlist10k, every value read (Cow)",
        end,
        &mut || {
            let Ok(items) = ts3q::Items::parse(line.clone()) else {
                return 0;
            };
            items
                .iter()
                .flat_map(|item| item.iter().map(|(_, v)| v.bytes().len()))
                .sum()
        },
    );
}
