//! The simulator under load: its resident memory with many idle logged-in query connections,
//! and a well-behaved client's `clientinfo` round trip while they stay connected.
//!
//! ```sh
//! ulimit -n 65536      # two descriptors per connection: this process's and the simulator's
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin sim_load -- [CONNECTIONS] [--baseline PATH]
//! ```
//! The simulator runs as its own process (the `ts3-sim` binary of this checkout, built first), so
//! its memory is its own. `--baseline PATH` runs another `ts3-sim` binary the same way in the same
//! run (for instance one built from a commit before the event loop) and prints its line too.
//!
//! One line per simulator: `NAME connections=N rss=MiB peak=MiB p50=ms p99=ms max=ms`, where the
//! round trips are 2000 `clientinfo` commands sent one at a time by one blocking connection
//! after the N idle ones logged in (and, first, with no idle connections: `idle=0`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{options, status_kib};
use ts3q::Command;

mod common;

const ROUND_TRIPS: usize = 2000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let connections: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let baseline = args
        .iter()
        .position(|a| a == "--baseline")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let ours = common::build_sim();
    let mut sims = vec![("ts3-sim (event loop)", ours)];
    if let Some(b) = baseline {
        sims.push(("ts3-sim (baseline)", b));
    }
    for (name, bin) in sims {
        run(name, &bin, connections);
    }
}

struct Sim {
    process: ts3_sim::testing::Process,
    port: u16,
}

fn spawn(bin: &Path) -> Sim {
    let mut cmd = ts3_sim::testing::sim_command_for(
        bin,
        &[
            "--password",
            "pw",
            "--no-flood",
            "--idle-timeout",
            "0",
            "--demo",
        ],
    );
    let (process, port) = ts3_sim::testing::spawn_command(&mut cmd).expect("start ts3-sim");
    Sim { process, port }
}

/// Round trips of `clientinfo`, one at a time, in milliseconds, sorted.
fn round_trips(port: u16) -> Vec<f64> {
    let mut conn = ts3q_blocking::Connection::connect(options(port)).expect("connect");
    conn.exec(Command::new("use").param("sid", 1)).expect("use");
    let mut times: Vec<f64> = (0..ROUND_TRIPS)
        .map(|_| {
            let t = Instant::now();
            conn.exec(Command::new("clientinfo").param("clid", 1))
                .expect("clientinfo");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn report(name: &str, sim: &Sim, idle: usize, times: &[f64]) {
    let pid = sim.process.id();
    println!(
        "{name} connections={idle} rss={:.1}MiB peak={:.1}MiB p50={:.2}ms p99={:.2}ms max={:.2}ms",
        status_kib(&pid.to_string(), "VmRSS:") as f64 / 1024.0,
        status_kib(&pid.to_string(), "VmHWM:") as f64 / 1024.0,
        percentile(times, 0.5),
        percentile(times, 0.99),
        times.last().copied().unwrap_or(f64::NAN),
    );
}

fn run(name: &str, bin: &Path, connections: usize) {
    let sim = spawn(bin);
    report(name, &sim, 0, &round_trips(sim.port));
    let started = Instant::now();
    let idle = smol::block_on(async {
        let mut v = Vec::with_capacity(connections);
        while v.len() < connections {
            let batch: Vec<_> = (0..200.min(connections - v.len()))
                .map(|_| smol::spawn(ts3q_smol::Connection::connect(options(sim.port))))
                .collect();
            for b in batch {
                match b.await {
                    Ok(c) => v.push(c),
                    Err(e) => {
                        eprintln!("{name}: stopped at {} connections: {e}", v.len());
                        return v;
                    }
                }
            }
        }
        v
    });
    eprintln!(
        "{name}: {} connections logged in in {:.1} s",
        idle.len(),
        started.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs(1));
    report(name, &sim, idle.len(), &round_trips(sim.port));
    drop(idle);
}
