//! File transfer speed and memory: upload then download a file of N MiB (default 100) on
//! loopback, with each ts3q runtime and with py-ts3 2.0.0b3's `TS3FileTransfer`, against one
//! simulator process, in the same run. Each client runs in a process of its own and reports
//! its peak resident memory (`VmHWM`; py-ts3: `ru_maxrss`).
//!
//! ```sh
//! cargo run --release --manifest-path benches/compare/Cargo.toml --bin ft -- 100
//! ```
//! prints one line per client: `NAME upload=MB/s download=MB/s rss=MB` (MB = 10^6 bytes).
//! `ts3q-smol` and `ts3q-tokio` send from and write to disk with `upload_file` /
//! `download_file` (a thread of their own does the file I/O); the `-fs` lines pass the
//! runtime's own async file types to `upload` / `download` instead.
//! py-ts3 runs when `benches/compare/target/pyts3-venv` exists (the `compare` binary makes it).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Instant;

use ts3q::options::Options;
use ts3q::{Command, Config, Mode};
use ts3q_blocking::transfer::{Download, Upload};

mod common;

fn peak_rss_mb() -> f64 {
    common::status_kib("self", "VmHWM:") as f64 * 1024.0 / 1e6
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("case") {
        let port: u16 = args[3].parse().expect("port");
        return case(&args[2], port, Path::new(&args[4]));
    }
    let mib: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("ts3q-ft-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("file.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&src).unwrap());
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mib {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = (x >> 32) as u8;
            }
            f.write_all(&block).unwrap();
        }
    }
    println!("{}", loopback_ceiling(mib));
    // The simulator this checkout builds (spawn_process runs the binary next to this one).
    common::build_sim();
    let (mut sim, port) = ts3_sim::testing::spawn_process().expect("ts3-sim process");
    // The simulator keeps the memory of deleted files for later uploads. One upload and delete
    // first, so that every client below, the first one included, uploads into memory that is
    // already resident (each deletes its file after checking it).
    server_file(port, "/warmup.bin", Some(&src));
    // `-fs`: the same runtime with its own async file types instead of `upload_file` /
    // `download_file`, to show what those cost.
    for name in [
        "ts3q-blocking",
        "ts3q-smol",
        "ts3q-tokio",
        "ts3q-smol-fs",
        "ts3q-tokio-fs",
    ] {
        let out = Process::new(&args[0])
            .args(["case", name, &port.to_string(), src.to_str().unwrap()])
            .output()
            .expect("client process");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        server_file(port, &format!("/{name}.bin"), None);
    }
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyts3-venv/bin/python");
    if py.exists() {
        let out = Process::new(py)
            .arg("-c")
            .arg(PY)
            .args([
                &port.to_string(),
                src.to_str().unwrap(),
                dir.join("py-copy.bin").to_str().unwrap(),
            ])
            .output()
            .expect("py-ts3");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
    } else {
        println!("py-ts3 (no venv: run the compare binary first)");
    }
    let _ = sim.kill();
    let _ = sim.wait();
    let _ = std::fs::remove_dir_all(dir);
}

const PY: &str = r#"
import resource, sys, time, ts3
port, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
with ts3.query.TS3ServerConnection("telnet://serveradmin:pw@127.0.0.1:" + port) as c:
    c.exec_("use", sid=1)
    ft = ts3.filetransfer.TS3FileTransfer(c)
    size = __import__("os").path.getsize(src)
    t = time.perf_counter()
    with open(src, "rb") as f:
        ft.init_upload(input_file=f, name="/py.bin", cid=1)
    up = size / (time.perf_counter() - t) / 1e6
    t = time.perf_counter()
    with open(dst, "wb") as f:
        ft.init_download(output_file=f, name="/py.bin", cid=1)
    down = size / (time.perf_counter() - t) / 1e6
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print("py-ts3 upload=%.0fMB/s download=%.0fMB/s rss=%.1fMB" % (up, down, rss))
"#;

/// Deletes `remote` on the simulator at `port`, after uploading `upload` there first if given.
fn server_file(port: u16, remote: &str, upload: Option<&Path>) {
    let mut c =
        ts3q_blocking::Connection::open(&format!("telnet://serveradmin:pw@127.0.0.1:{port}"))
            .expect("connect");
    c.exec(Command::new("use").param("sid", 1)).expect("use");
    if let Some(src) = upload {
        c.upload(
            &Upload::new(remote, 1),
            &mut std::fs::File::open(src).unwrap(),
        )
        .expect("upload");
    }
    c.exec(
        Command::new("ftdeletefile")
            .param("cid", 1)
            .param("cpw", "")
            .param("name", remote),
    )
    .expect("ftdeletefile");
}

/// What one TCP connection on loopback carries at most here: `mib` MiB sent from memory in
/// 1 MiB writes and received into one reused 1 MiB buffer, no file and no protocol. No
/// transfer client can beat it, so it bounds every ratio below.
fn loopback_ceiling(mib: u64) -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let total = mib << 20;
    let rx = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let mut got = 0u64;
        while got < total {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n as u64,
            }
        }
    });
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let block = vec![7u8; 1 << 20];
    let t = Instant::now();
    for _ in 0..mib {
        s.write_all(&block).unwrap();
    }
    rx.join().unwrap();
    let rate = total as f64 / t.elapsed().as_secs_f64() / 1e6;
    format!("loopback-ceiling one-connection={rate:.0}MB/s")
}

/// One client: upload `src`, download it back, check it, print the line.
fn case(name: &str, port: u16, src: &Path) {
    let size = std::fs::metadata(src).unwrap().len();
    let dst: PathBuf = src.with_extension(format!("{name}.copy"));
    let options = Options::from_uri(
        &format!("telnet://serveradmin:pw@127.0.0.1:{port}"),
        Mode::ServerQuery,
    )
    .unwrap()
    .config(Config::server_query().flood_limit(None));
    let remote = format!("/{name}.bin");
    let (up, down);
    match name {
        "ts3q-blocking" => {
            let mut c = ts3q_blocking::Connection::connect(options).unwrap();
            c.exec(Command::new("use").param("sid", 1)).unwrap();
            let t = Instant::now();
            c.upload(
                &Upload::new(&remote, 1),
                &mut std::fs::File::open(src).unwrap(),
            )
            .unwrap();
            up = t.elapsed();
            let t = Instant::now();
            let mut out = std::fs::File::create(&dst).unwrap();
            c.download(&Download::new(&remote, 1), &mut out).unwrap();
            down = t.elapsed();
        }
        "ts3q-smol" | "ts3q-smol-fs" => {
            (up, down) = smol::block_on(async {
                let c = ts3q_smol::Connection::connect(options).await.unwrap();
                c.exec(Command::new("use").param("sid", 1)).await.unwrap();
                let (up_req, down_req) = (Upload::new(&remote, 1), Download::new(&remote, 1));
                let t = Instant::now();
                if name == "ts3q-smol" {
                    c.upload_file(&up_req, src).await.unwrap();
                } else {
                    let mut f = smol::fs::File::open(src).await.unwrap();
                    c.upload(&up_req, &mut f).await.unwrap();
                }
                let up = t.elapsed();
                let t = Instant::now();
                if name == "ts3q-smol" {
                    c.download_file(&down_req, &dst).await.unwrap();
                } else {
                    let mut out = smol::fs::File::create(&dst).await.unwrap();
                    c.download(&down_req, &mut out).await.unwrap();
                }
                (up, t.elapsed())
            });
        }
        _ => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            (up, down) = rt.block_on(async {
                let c = ts3q_tokio::Connection::connect(options).await.unwrap();
                c.exec(Command::new("use").param("sid", 1)).await.unwrap();
                let (up_req, down_req) = (Upload::new(&remote, 1), Download::new(&remote, 1));
                let t = Instant::now();
                if name == "ts3q-tokio" {
                    c.upload_file(&up_req, src).await.unwrap();
                } else {
                    let mut f = tokio::fs::File::open(src).await.unwrap();
                    c.upload(&up_req, &mut f).await.unwrap();
                }
                let up = t.elapsed();
                let t = Instant::now();
                if name == "ts3q-tokio" {
                    c.download_file(&down_req, &dst).await.unwrap();
                } else {
                    let mut out = tokio::fs::File::create(&dst).await.unwrap();
                    c.download(&down_req, &mut out).await.unwrap();
                }
                (up, t.elapsed())
            });
        }
    }
    assert!(same(src, &dst), "{name}: the copy differs");
    let _ = std::fs::remove_file(&dst);
    let mbps = |d: std::time::Duration| size as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{name} upload={:.0}MB/s download={:.0}MB/s rss={:.1}MB",
        mbps(up),
        mbps(down),
        peak_rss_mb()
    );
}

fn same(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut x).unwrap();
        if n == 0 {
            return b.read(&mut y).unwrap() == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}
