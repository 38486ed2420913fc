//! py-ts3 2.0.0b3, the Python library, run against the simulator over raw TCP: its viewer,
//! whirlpool, hello-bot event wait and upload/download; then over SSH through a real OpenSSH
//! server. The venv is made on first use (under target/), with py-ts3 from PyPI, so these tests
//! need the network (and, over SSH, root and openssh-server): they are `#[ignore]`d, and
//! `.ci/run` runs them. Every Python process has a time limit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use ts3_sim::testing::output_within;
use ts3_sim::{Sim, SimConfig};

/// Longest a py-ts3 program may take against the simulator.
const PY_LIMIT: Duration = Duration::from_secs(60);

/// The venv's python, created (once) with py-ts3 installed.
pub fn python() -> PathBuf {
    // The two tests may ask at once: one makes the venv, the other waits for it.
    static MAKING: Mutex<()> = Mutex::new(());
    let _one = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyts3-venv");
    let py = target.join("bin/python");
    let ready = target.join(".ts3-installed");
    if !ready.exists() {
        let made = std::fs::create_dir_all(&target);
        assert!(made.is_ok(), "cannot create {}", target.display());
        let venv = output_within(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&target),
            Duration::from_secs(120),
        )
        .expect("python3 -m venv runs");
        assert!(
            venv.status.success(),
            "python3 -m venv failed (needs python3-venv): {}",
            String::from_utf8_lossy(&venv.stderr)
        );
        let pip = output_within(
            Command::new(&py).args(["-m", "pip", "install", "-q", "ts3==2.0.0b3"]),
            Duration::from_secs(600),
        )
        .expect("pip runs");
        assert!(
            pip.status.success(),
            "pip install ts3==2.0.0b3 failed (needs the network to PyPI): {}",
            String::from_utf8_lossy(&pip.stderr)
        );
        std::fs::write(&ready, b"ok").expect("marker");
    }
    py
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyts3/clients.py")
}

/// Runs `clients.py URI WHAT` within [`PY_LIMIT`]; its output, once it succeeded.
fn run_uri(uri: &str, what: &str) -> Output {
    let out = output_within(
        Command::new(python()).arg(script()).arg(uri).arg(what),
        PY_LIMIT,
    )
    .unwrap_or_else(|e| panic!("py-ts3 {what} via {uri}: {e}"));
    eprintln!(
        "py-ts3 {what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "py-ts3 {what} failed");
    out
}

fn run(sim: &Sim, what: &str) -> Output {
    run_uri(&telnet_uri(sim), what)
}

fn telnet_uri(sim: &Sim) -> String {
    format!(
        "telnet://serveradmin:{}@{}",
        sim.password(),
        sim.query_addr()
    )
}

const TREE: &str = "|- TeamSpeak ]I[ Server\n   |- Default Channel\n      -> Jürgen | bot\n   |- Lobby\n      -> Ben\n   |- Gaming\n      -> Alice\n      |- Counter-Strike\n         -> Bob\n   |- AFK\n";

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

// One test drives the four programs in order, on one simulator.
#[test]
#[ignore = "needs py-ts3 from PyPI (network); .ci/run runs it"]
fn py_ts3_examples_work_against_the_simulator() {
    let sim = demo();

    let out = String::from_utf8_lossy(&run(&sim, "viewer").stdout).into_owned();
    assert_eq!(out, TREE);

    let positions = || -> Vec<_> {
        sim.clients()
            .into_iter()
            .filter(|c| c.client_type == 0)
            .map(|c| (c.clid, c.cid))
            .collect()
    };
    let before = positions();
    let out = String::from_utf8_lossy(&run(&sim, "whirlpool").stdout).into_owned();
    assert!(out.starts_with("whirlpool moves="), "{out}");
    assert!(!out.contains("moves=0 "), "clients were moved: {out}");
    assert_eq!(before, positions(), "everyone is back where they were");

    // Hello bot: waits for an enter event, greets with a poke.
    let mut child = Command::new(python())
        .arg(script())
        .arg(telnet_uri(&sim))
        .arg("hellobot")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut next = |what: &str| {
        lines.recv_timeout(PY_LIMIT).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("py-ts3 hellobot printed no {what} within {PY_LIMIT:?}")
        })
    };
    assert_eq!(next("ready line"), "ready");
    sim.add_client("Newcomer", 2).expect("client joins");
    assert_eq!(next("greeting"), "Client 'Newcomer' connected.");
    assert_eq!(next("poke report"), "poked");
    let status = child.wait().expect("exit");
    assert!(status.success(), "py-ts3 hellobot: {status}");

    let out = String::from_utf8_lossy(&run(&sim, "transfer").stdout).into_owned();
    assert_eq!(out, "upload complete.\ndownload complete.\nidentical\n");
    assert_eq!(sim.file(1, "/comic.png").map(|d| d.len()), Some(200_000));
}

// The same programs through a real OpenSSH server bridged to the simulator: py-ts3's ssh:// URI.
#[test]
#[ignore = "needs root, openssh-server and py-ts3 from PyPI (network); .ci/run runs it"]
fn py_ts3_over_ssh() {
    let sim = demo();
    let bin = Path::new(env!("CARGO_BIN_EXE_ts3-sim"));
    let ssh = ts3_sim::ssh::SshBridge::start(bin, sim.query_addr(), "serveradmin", &sim.password())
        .expect("sshd starts (needs root and openssh-server)");
    let uri = format!("ssh://serveradmin:{}@{}", sim.password(), ssh.addr());
    let out = run_uri(&uri, "viewer");
    assert_eq!(String::from_utf8_lossy(&out.stdout), TREE);
    let out = run_uri(&uri, "transfer");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "upload complete.\ndownload complete.\nidentical\n"
    );
}

/// A py-ts3 event loop against the `ts3-sim` binary run with `--activity`: it sees voice
/// clients join and talk, with no test code driving the simulator.
#[test]
#[ignore = "needs py-ts3 from PyPI (network); .ci/run runs it"]
fn py_ts3_sees_the_binarys_activity() {
    let (sim, port) =
        ts3_sim::testing::spawn_process_with(&["--activity", "--seed", "11", "--pace-ms", "50"])
            .expect("ts3-sim starts");
    let result = output_within(
        Command::new(python())
            .arg(script())
            .arg(format!("telnet://serveradmin:pw@127.0.0.1:{port}"))
            .arg("activity"),
        PY_LIMIT,
    );
    drop(sim);
    let result = result.expect("py-ts3 runs");
    let stdout = String::from_utf8_lossy(&result.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&result.stderr));
    assert!(result.status.success());
    assert!(stdout.contains("message from "), "{stdout}");
    assert!(
        stdout.contains("seen: ")
            && stdout.contains("notifycliententerview")
            && stdout.contains("notifytextmessage"),
        "{stdout}"
    );
}
