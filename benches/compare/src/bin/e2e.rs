//! End to end over loopback against the simulator (flood protection off): command throughput of
//! the blocking runtime, the smol runtime (one task, and many tasks pipelining through one
//! connection) and py-ts3; then the client-side memory of many idle smol connections.
//!
//! ```sh
//! ulimit -n 65536      # for the idle-connection figure
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin e2e -- [IDLE_CONNECTIONS]
//! ```
//! The simulator for the memory figure runs as its own process (`ts3-sim`), so the resident
//! memory reported is the client's alone.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use ts3q::{Command, Config, Mode, Transport};

const N: usize = 5000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn options(port: u16) -> ts3q::options::Options {
    ts3q::options::Options::new(Mode::ServerQuery, Transport::Tcp, "127.0.0.1", port)
        .login("serveradmin", "pw")
        .config(Config::server_query().flood_limit(None).keepalive(None))
}

fn main() {
    let idle: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
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
            "| ts3q-smol | one at a time | {:.0} |",
            N as f64 / t.elapsed().as_secs_f64()
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

    // Idle connections: the simulator as another process, so this process's RSS is the client's.
    let bin = ts3_sim::ssh::bridge_binary().expect("ts3-sim binary");
    let mut child = Process::new(bin)
        .args([
            "--query-port",
            "0",
            "--client-query-port",
            "0",
            "--ft-port",
            "0",
            "--password",
            "pw",
            "--no-flood",
            "--idle-timeout",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("ts3-sim");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .unwrap();
    let port: u16 = first
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let before = rss_kib();
    let conns = smol::block_on(async {
        let mut v = Vec::with_capacity(idle);
        for chunk in 0..idle.div_ceil(200) {
            let batch: Vec<_> = (0..200.min(idle - chunk * 200))
                .map(|_| smol::spawn(ts3q_smol::Connection::connect(options(port))))
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
    drop(conns);
    let _ = child.kill();
    let _ = child.wait();
}
