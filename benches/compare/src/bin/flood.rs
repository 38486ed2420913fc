//! A hostile server floods a client with a million events a second for 10 s while the client
//! runs a command every 100 ms and reads no event: the client's resident memory at the end,
//! for each runtime and each event queue policy. Each case runs in a child process of its own,
//! so that one case's heap does not count in another's.
//!
//! ```sh
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin flood [-- SECONDS]
//! ```

use std::time::{Duration, Instant};

use ts3q::options::{EventQueue, Options, Overflow};
use ts3q::{Command, Config, Mode};

fn rss_mib() -> f64 {
    ts3_sim::testing::resident_bytes() as f64 / (1 << 20) as f64
}

fn options(addr: std::net::SocketAddr, overflow: Overflow) -> Options {
    Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
        .unwrap()
        .config(
            Config::server_query()
                .flood_limit(None)
                .keepalive(None)
                .response_timeout(Some(Duration::from_millis(500))),
        )
        .events(EventQueue {
            capacity: 10_000,
            overflow,
        })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    if args.len() >= 4 {
        return case(&args[2], &args[3], Duration::from_secs(secs));
    }
    println!("| runtime | policy | commands answered | client RSS after {secs} s |");
    println!("|---|---|---:|---:|");
    for runtime in ["blocking", "smol", "tokio"] {
        for policy in ["drop-oldest", "back-pressure"] {
            let out = std::process::Command::new(&args[0])
                .args([secs.to_string(), runtime.into(), policy.into()])
                .output()
                .expect("run a case");
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

fn case(runtime: &str, policy: &str, length: Duration) {
    let overflow = match policy {
        "back-pressure" => Overflow::BackPressure,
        _ => Overflow::DropOldest,
    };
    let addr = ts3_sim::testing::flood_server(1_000_000, length);
    let o = options(addr, overflow);
    let start = Instant::now();
    let mut answered = 0;
    let mut tick = |ok: bool| {
        answered += usize::from(ok);
        std::thread::sleep(Duration::from_millis(100));
        start.elapsed() < length
    };
    match runtime {
        "blocking" => {
            let mut c = ts3q_blocking::Connection::connect(o).unwrap();
            while tick(c.exec(Command::new("version")).is_ok()) {}
        }
        "smol" => smol::block_on(async {
            let c = ts3q_smol::Connection::connect(o).await.unwrap();
            while tick(c.exec(Command::new("version")).await.is_ok()) {}
        }),
        _ => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let c = ts3q_tokio::Connection::connect(o).await.unwrap();
                while tick(c.exec(Command::new("version")).await.is_ok()) {}
            }),
    }
    println!(
        "| {runtime} | {policy} | {answered} | {:.1} MiB |",
        rss_mib()
    );
}
