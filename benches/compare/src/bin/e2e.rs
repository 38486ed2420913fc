//! End to end over loopback against the simulator (flood protection off): command throughput of
//! the blocking runtime, the smol runtime (one task, and many tasks pipelining through one
//! connection) and py-ts3; then the client-side memory of many idle smol connections.
//!
//! ```sh
//! ulimit -n 65536      # for the idle-connection figure
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin e2e -- [IDLE_CONNECTIONS] [--idle-only]
//! ```
//! The simulator for the memory figure runs as its own process (`ts3-sim`), so the resident
//! memory reported for the client is the client's alone; the simulator's is reported apart
//! (`sim_load` measures the simulator itself).

use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use common::{options, status_kib};
use ts3q::Command;

mod common;

const N: usize = 5000;

/// Live heap bytes and blocks by power-of-two size class, to show where idle memory goes.
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

    pub struct Counting;
    pub static BYTES: [AtomicI64; 32] = [const { AtomicI64::new(0) }; 32];
    pub static BLOCKS: [AtomicI64; 32] = [const { AtomicI64::new(0) }; 32];

    fn class(size: usize) -> usize {
        (usize::BITS - size.max(1).leading_zeros()) as usize % 32
    }
    fn track(size: usize, sign: i64) {
        BYTES[class(size)].fetch_add(sign * size as i64, Relaxed);
        BLOCKS[class(size)].fetch_add(sign, Relaxed);
    }
    // SAFETY: every call is passed unchanged to the system allocator; counting touches only
    // atomics and never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            track(l.size(), 1);
            unsafe { System.alloc(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            track(l.size(), -1);
            unsafe { System.dealloc(p, l) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            track(l.size(), -1);
            track(new, 1);
            unsafe { System.realloc(p, l, new) }
        }
    }
    pub fn snapshot() -> [(i64, i64); 32] {
        std::array::from_fn(|i| (BYTES[i].load(Relaxed), BLOCKS[i].load(Relaxed)))
    }
}

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

fn rss_kib() -> u64 {
    status_kib("self", "VmRSS:")
}

fn main() {
    let idle: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let idle_only = std::env::args().any(|a| a == "--idle-only");
    if !idle_only {
        throughput();
    }
    idle_connections(idle);
}

fn throughput() {
    let sim = ts3_sim::Sim::start(ts3_sim::SimConfig {
        flood: None,
        idle_timeout: None,
        demo: true,
        password: "pw".into(),
        ..Default::default()
    })
    .unwrap();
    let port = sim.query_addr().port();
    println!("| client | mode | commands/s |");
    println!("|---|---|---:|");

    let mut conn = ts3q_blocking::Connection::connect(options(port)).unwrap();
    conn.exec(Command::new("use").param("sid", 1)).unwrap();
    let t = Instant::now();
    for _ in 0..N {
        conn.exec(Command::new("clientinfo").param("clid", 1))
            .unwrap();
    }
    println!(
        "| ts3q-blocking | one at a time | {:.0} |",
        N as f64 / t.elapsed().as_secs_f64()
    );
    drop(conn);

    smol::block_on(async {
        let conn = ts3q_smol::Connection::connect(options(port)).await.unwrap();
        println!(
            "| ts3q-smol | one at a time | {:.0} |",
            smol_one_at_a_time(&conn).await
        );
        for tasks in [8usize, 64] {
            let t = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let c = conn.clone();
                    smol::spawn(async move {
                        for _ in 0..N / tasks {
                            c.exec(Command::new("clientinfo").param("clid", 1))
                                .await
                                .unwrap();
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await;
            }
            println!(
                "| ts3q-smol | {tasks} tasks pipelined on one connection | {:.0} |",
                (N / tasks * tasks) as f64 / t.elapsed().as_secs_f64()
            );
        }
    });

    // The driver on the caller's own executor, on the caller's thread: no cross-thread wake-ups.
    let ex = std::sync::Arc::new(smol::Executor::new());
    let sp = ex.clone();
    smol::block_on(ex.run(async move {
        let conn = ts3q_smol::Connection::connect_on(options(port), |d| sp.spawn(d).detach())
            .await
            .unwrap();
        println!(
            "| ts3q-smol | one at a time, driver on the caller's executor (`connect_on`) | {:.0} |",
            smol_one_at_a_time(&conn).await
        );
    }));

    // tokio: the multi-threaded runtime (its default), then a current-thread runtime, where
    // the driver runs on the caller's thread.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let conn = ts3q_tokio::Connection::connect(options(port))
            .await
            .unwrap();
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        let t = Instant::now();
        for _ in 0..N {
            conn.exec(Command::new("clientinfo").param("clid", 1))
                .await
                .unwrap();
        }
        println!(
            "| ts3q-tokio | one at a time (multi-thread runtime) | {:.0} |",
            N as f64 / t.elapsed().as_secs_f64()
        );
        for tasks in [8usize, 64] {
            let t = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let c = conn.clone();
                    tokio::spawn(async move {
                        for _ in 0..N / tasks {
                            c.exec(Command::new("clientinfo").param("clid", 1))
                                .await
                                .unwrap();
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            println!(
                "| ts3q-tokio | {tasks} tasks pipelined on one connection | {:.0} |",
                (N / tasks * tasks) as f64 / t.elapsed().as_secs_f64()
            );
        }
    });
    drop(rt);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let conn = ts3q_tokio::Connection::connect(options(port))
            .await
            .unwrap();
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        let t = Instant::now();
        for _ in 0..N {
            conn.exec(Command::new("clientinfo").param("clid", 1))
                .await
                .unwrap();
        }
        println!(
            "| ts3q-tokio | one at a time (current-thread runtime) | {:.0} |",
            N as f64 / t.elapsed().as_secs_f64()
        );
    });
    drop(rt);

    // py-ts3, the same loop.
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyts3-venv/bin/python");
    if py.exists() {
        let script = format!(
            "import time, ts3\nc = ts3.query.TS3ServerConnection('telnet://serveradmin:pw@127.0.0.1:{port}')\nc.exec_('use', sid=1)\nt = time.perf_counter()\nfor _ in range({N}):\n    c.exec_('clientinfo', clid=1)\nprint({N} / (time.perf_counter() - t))\n"
        );
        if let Ok(out) = Process::new(&py).arg("-c").arg(script).output() {
            let rate = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<f64>()
                .unwrap_or(0.0);
            println!("| py-ts3 2.0.0b3 | one at a time | {rate:.0} |");
        }
    } else {
        println!("| py-ts3 2.0.0b3 | (run the compare binary first: it makes the venv) | — |");
    }
    drop(sim);
}

/// `use sid=1`, then `N` commands one after the other; commands per second.
async fn smol_one_at_a_time(conn: &ts3q_smol::Connection) -> f64 {
    conn.exec(Command::new("use").param("sid", 1))
        .await
        .unwrap();
    let t = Instant::now();
    for _ in 0..N {
        conn.exec(Command::new("clientinfo").param("clid", 1))
            .await
            .unwrap();
    }
    N as f64 / t.elapsed().as_secs_f64()
}

/// Client-side resident memory of `idle` logged-in idle smol connections.
fn idle_connections(idle: usize) {
    common::build_sim();
    let sims = [ts3_sim::testing::spawn_process().expect("ts3-sim process")];
    let before = rss_kib();
    let heap_before = heap::snapshot();
    let conns = smol::block_on(async {
        let mut v = Vec::with_capacity(idle);
        for chunk in 0..idle.div_ceil(200) {
            let batch: Vec<_> = (0..200.min(idle - chunk * 200))
                .map(|i| {
                    let port = sims[(chunk * 200 + i) % sims.len()].1;
                    smol::spawn(ts3q_smol::Connection::connect(options(port)))
                })
                .collect();
            for b in batch {
                match b.await {
                    Ok(c) => v.push(c),
                    Err(e) => {
                        eprintln!("stopped at {} connections: {e}", v.len());
                        return v;
                    }
                }
            }
        }
        v
    });
    std::thread::sleep(Duration::from_secs(1));
    let after = rss_kib();
    println!(
        "\n{} idle logged-in smol connections: client RSS +{:.1} MiB ({:.1} KiB per connection)",
        conns.len(),
        (after - before) as f64 / 1024.0,
        (after - before) as f64 / conns.len().max(1) as f64
    );
    let heap_after = heap::snapshot();
    let per = conns.len().max(1) as i64;
    let mut live = 0;
    for (i, (a, b)) in heap_after.iter().zip(heap_before).enumerate() {
        let (bytes, blocks) = (a.0 - b.0, a.1 - b.1);
        live += bytes;
        if bytes / per > 16 {
            println!(
                "  heap blocks of {}..{} bytes: {:.1} per connection, {} bytes per connection",
                1u64 << i.saturating_sub(1),
                1u64 << i,
                blocks as f64 / per as f64,
                bytes / per
            );
        }
    }
    println!("  live heap: {} bytes per connection", live / per);
    let sim_kib: u64 = sims
        .iter()
        .map(|(c, _)| status_kib(&c.id().to_string(), "VmRSS:"))
        .sum();
    println!("simulator: RSS {:.1} MiB", sim_kib as f64 / 1024.0);
    drop(conns);
    for (mut child, _) in sims {
        let _ = child.kill();
        let _ = child.wait();
    }
}
