//! py-ts3 2.0.0b3, the Python library, run against the simulator over raw TCP: its viewer,
//! whirlpool, hello-bot event wait and upload/download. The venv is made on first use (under
//! target/), with py-ts3 from PyPI.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ts3_sim::{Sim, SimConfig};

/// The venv's python, created (once) with py-ts3 installed.
pub fn python() -> PathBuf {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyts3-venv");
    let py = target.join("bin/python");
    let ready = target.join(".ts3-installed");
    if !ready.exists() {
        let lock = std::fs::create_dir_all(&target);
        assert!(lock.is_ok(), "cannot create {}", target.display());
        let status = Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&target)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "python3 -m venv failed");
        let out = Command::new(&py)
            .args(["-m", "pip", "install", "-q", "ts3==2.0.0b3"])
            .output()
            .expect("pip runs");
        assert!(
            out.status.success(),
            "pip install ts3==2.0.0b3 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&ready, b"ok").expect("marker");
    }
    py
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyts3/clients.py")
}

fn run(sim: &Sim, what: &str) -> Output {
    let uri = format!(
        "telnet://serveradmin:{}@{}",
        sim.password(),
        sim.query_addr()
    );
    let out = Command::new(python())
        .arg(script())
        .arg(uri)
        .arg(what)
        .output()
        .expect("run py-ts3");
    eprintln!(
        "py-ts3 {what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "py-ts3 {what} failed");
    out
}

fn demo() -> Sim {
    // py-ts3 does not pace its commands: run like a host on the server's allow list.
    Sim::start(SimConfig {
        demo: true,
        flood: None,
        password: "Z0YxRb7u".into(),
        ..SimConfig::default()
    })
    .expect("sim")
}

// One test drives all four programs so the venv is made once, in order.
#[test]
fn py_ts3_examples_work_against_the_simulator() {
    let sim = demo();

    let out = String::from_utf8_lossy(&run(&sim, "viewer").stdout).into_owned();
    let expected = "|- TeamSpeak ]I[ Server\n   |- Default Channel\n      -> Jürgen | bot\n   |- Lobby\n      -> Ben\n   |- Gaming\n      -> Alice\n      |- Counter-Strike\n         -> Bob\n   |- AFK\n";
    assert_eq!(out, expected);

    let before: Vec<_> = sim
        .clients()
        .into_iter()
        .filter(|c| c.client_type == 0)
        .map(|c| (c.clid, c.cid))
        .collect();
    let out = String::from_utf8_lossy(&run(&sim, "whirlpool").stdout).into_owned();
    assert!(out.starts_with("whirlpool moves="), "{out}");
    assert!(!out.contains("moves=0 "), "clients were moved: {out}");
    let after: Vec<_> = sim
        .clients()
        .into_iter()
        .filter(|c| c.client_type == 0)
        .map(|c| (c.clid, c.cid))
        .collect();
    assert_eq!(before, after, "everyone is back where they were");

    // Hello bot: waits for an enter event, greets with a poke.
    let uri = format!(
        "telnet://serveradmin:{}@{}",
        sim.password(),
        sim.query_addr()
    );
    let mut child = Command::new(python())
        .arg(script())
        .arg(uri)
        .arg("hellobot")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).expect("ready line");
    assert_eq!(line, "ready\n");
    sim.add_client("Newcomer", 2).expect("client joins");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("output");
    let start = Instant::now();
    let status = child.wait().expect("exit");
    assert!(status.success() && start.elapsed() < Duration::from_secs(20));
    eprintln!("py-ts3 hellobot:\nready\n{rest}");
    assert_eq!(rest, "Client 'Newcomer' connected.\npoked\n");

    let out = String::from_utf8_lossy(&run(&sim, "transfer").stdout).into_owned();
    assert_eq!(out, "upload complete.\ndownload complete.\nidentical\n");
    assert_eq!(sim.file(1, "/comic.png").map(|d| d.len()), Some(200_000));

    // The same through a real OpenSSH server bridged to the simulator: py-ts3's ssh:// URI.
    let bin = Path::new(env!("CARGO_BIN_EXE_ts3-sim"));
    let ssh = ts3_sim::ssh::SshBridge::start(bin, sim.query_addr(), "serveradmin", &sim.password())
        .expect("sshd starts (needs root and openssh-server)");
    let uri = format!("ssh://serveradmin:{}@{}", sim.password(), ssh.addr());
    let out = Command::new(python())
        .arg(script())
        .arg(&uri)
        .arg("viewer")
        .output()
        .expect("run py-ts3");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "py-ts3 viewer over ssh:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "py-ts3 over ssh failed");
    assert_eq!(
        text,
        expected.replace("-> Ben\n", "-> Ben\n      -> Newcomer\n"),
        "the hello bot's newcomer is in the lobby now"
    );
    let out = Command::new(python())
        .arg(script())
        .arg(&uri)
        .arg("transfer")
        .output()
        .expect("run py-ts3");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "upload complete.\ndownload complete.\nidentical\n"
    );
}
