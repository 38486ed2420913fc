//! Side by side: the `deserialize` rows of `benches/core` with two builds of the core in one
//! binary, `ts3q_base` (a commit) and `ts3q` (the working tree). Each iteration runs the base,
//! the working tree and "values read" in turn (the two builds swapping places every other
//! iteration), so that a slow spell of a shared machine falls on all three alike; the 10th
//! percentile of each is compared. Built and run by `run.sh`.

use std::time::Instant;

mod entry;
mod values;
use entry::{checksum, Entry};
use values::read_all;

/// The 10th percentile of `times` (seconds), as GB/s of `bytes`.
fn p10(times: &mut [f64], bytes: usize) -> f64 {
    times.sort_by(f64::total_cmp);
    bytes as f64 / times[times.len() / 10] / 1e9
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: ab CORPUS_DIR [ITERATIONS]"));
    let n: usize = args
        .next()
        .map_or(200, |s| s.parse().expect("ITERATIONS is a number"));
    let resp = std::fs::read(dir.join("clientlist10k.resp")).expect("clientlist10k.resp");
    let line = &resp[..resp.iter().position(|&b| b == b'\n').unwrap_or(resp.len())];
    let base_bytes = ts3q_base::Bytes::copy_from_slice(line);
    let new_bytes = ts3q::Bytes::copy_from_slice(line);
    let base_ok = ts3q_base::Bytes::from_static(b"error id=0 msg=ok");
    let new_ok = ts3q::Bytes::from_static(b"error id=0 msg=ok");

    // Both builds must read the same structs.
    let base = ts3q_base::Response::parse(base_bytes.clone(), base_ok.clone()).expect("parses");
    let new = ts3q::Response::parse(new_bytes.clone(), new_ok.clone()).expect("parses");
    let (b, w): (Vec<Entry>, Vec<Entry>) = (
        base.deserialize().expect("base deserializes"),
        new.deserialize().expect("working tree deserializes"),
    );
    assert_eq!(
        checksum(&b),
        checksum(&w),
        "the two builds read different structs"
    );
    drop((b, w));
    drop((base, new));

    let mut buf = Vec::new();
    let mut jobs: [Box<dyn FnMut() -> usize>; 3] = [
        Box::new(|| {
            let r =
                ts3q_base::Response::parse(base_bytes.clone(), base_ok.clone()).expect("parses");
            let all: Vec<Entry> = r.deserialize().expect("deserializes");
            checksum(&all)
        }),
        Box::new(|| {
            let r = ts3q::Response::parse(new_bytes.clone(), new_ok.clone()).expect("parses");
            let all: Vec<Entry> = r.deserialize().expect("deserializes");
            checksum(&all)
        }),
        Box::new(|| {
            read_all(
                &ts3q::Items::parse(new_bytes.clone()).expect("parses"),
                &mut buf,
            )
        }),
    ];
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    let mut sink = 0usize;
    for i in 0..n {
        // The two builds swap places every other iteration: neither always runs first, or
        // always right after "values read".
        let order = if i % 2 == 0 { [0, 1, 2] } else { [1, 0, 2] };
        for j in order {
            let t = Instant::now();
            sink += jobs[j]();
            times[j].push(t.elapsed().as_secs_f64());
        }
    }
    std::hint::black_box(sink);
    let [base, new, read] = times.map(|mut t| p10(&mut t, line.len()));
    println!("clientlist10k, 10th percentile of {n} iterations in turns:");
    println!("  {:<36}{read:.3} GB/s", "values read (working tree)");
    let builds = [
        ("into 6-field structs, base", base),
        ("into 6-field structs, working tree", new),
    ];
    for (name, gbps) in builds {
        println!(
            "  {name:<36}{gbps:.3} GB/s ({:.1}% of values read)",
            100.0 * gbps / read
        );
    }
    println!(
        "  {:<36}{:+.1}%",
        "working tree vs base",
        100.0 * (new / base - 1.0)
    );
}
