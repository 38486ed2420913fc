//! What the comparison binaries share: timing jobs in turns, reading a process's memory, and
//! the options of a query connection to the simulator.

#![allow(dead_code)] // each binary uses its part

use std::time::Instant;

use ts3q::{Config, Mode, Transport};

/// A field of `/proc/PID/status` in KiB (`pid` may be `self`): `VmRSS:`, `VmHWM:`; 0 if absent.
pub fn status_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// ServerQuery over TCP to the simulator on `port`, logged in as `serveradmin`/`pw`, without
/// flood pacing or keepalive.
pub fn options(port: u16) -> ts3q::options::Options {
    ts3q::options::Options::new(Mode::ServerQuery, Transport::Tcp, "127.0.0.1", port)
        .login("serveradmin", "pw")
        .config(Config::server_query().flood_limit(None).keepalive(None))
}

/// Builds this checkout's `ts3-sim` binary next to the running one (a no-op when it is up to
/// date: a stale simulator would measure old code) and returns its path.
pub fn build_sim() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "-p", "ts3-sim", "--bin", "ts3-sim"])
        .arg("--manifest-path")
        .arg(&manifest)
        .status()
        .expect("cargo build");
    assert!(status.success(), "building ts3-sim failed");
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().expect("target dir").join("ts3-sim")
}

/// A timed job: one implementation's work on one input, returning something to keep alive.
pub type Job<'a> = Box<dyn FnMut() -> usize + 'a>;

/// GB/s of each job on `bytes` of input: the best single run, over five rounds that take the
/// jobs in turn (about 0.2 s each per round). A slow spell of this shared machine then falls
/// on every implementation alike, not on whichever happened to be measured in it.
pub fn rates(bytes: usize, mut jobs: Vec<Job<'_>>) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; jobs.len()];
    for _ in 0..5 {
        for (job, best) in jobs.iter_mut().zip(&mut best) {
            let start = Instant::now();
            let mut runs = 0;
            while runs < 2 || (start.elapsed().as_secs_f64() < 0.2 && runs < 60) {
                let t = Instant::now();
                std::hint::black_box(job());
                *best = best.min(t.elapsed().as_secs_f64());
                runs += 1;
            }
        }
    }
    best.into_iter().map(|b| bytes as f64 / b / 1e9).collect()
}
