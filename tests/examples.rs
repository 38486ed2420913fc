//! Every example, run as a new user would (no arguments: the embedded simulator), with what it
//! printed checked, so that none of them can rot.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The example's binary (built by `cargo test` beside the tests; built here when missing, as
/// under `cargo test --test examples`).
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let bin = profile.join("examples").join(name);
    if !bin.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --example {name} failed");
    }
    bin
}

/// Runs an example with no arguments; its standard output, once it exited 0 within 60 s.
fn run(name: &str) -> String {
    let mut child = Command::new(binary(name))
        .env_remove("TS3_URI")
        .env_remove("TS3_APIKEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "example {name} still running after 60 s (killed); it printed:\n{}",
                out.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    eprintln!("--- {name} ({:?}):\n{out}{err}", start.elapsed());
    assert!(status.success(), "example {name} failed: {status}\n{err}");
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("no --uri given: running against the embedded simulator"),
        "{name}'s first line says where it runs: {first:?}"
    );
    out
}

const TREE: &str = "|- TeamSpeak ]I[ Server
   |- Default Channel
      -> Jürgen | bot
   |- Lobby
      -> Ben
   |- Gaming
      -> Alice
      |- Counter-Strike
         -> Bob
   |- AFK
";

#[test]
fn viewer_prints_the_channel_tree() {
    let out = run("viewer");
    assert_eq!(out.split_once('\n').map(|(_, rest)| rest), Some(TREE));
}

#[test]
fn viewer_smol_prints_the_same_tree() {
    let out = run("viewer_smol");
    assert_eq!(out.split_once('\n').map(|(_, rest)| rest), Some(TREE));
}

fn check_hello_bot(out: &str) {
    for line in [
        "Client 'Newcomer' connected.",
        "Client 'Visitor' connected.",
        "  event: notifyclientmoved clid=\"6\" ctid=\"3\" reasonid=\"0\"",
        // Sent as `hello\sserver\\world`: the bot sees the text unescaped.
        "  event: notifytextmessage targetmode=\"3\" invokername=\"Visitor\" msg=\"hello server\\\\world\"",
        "  event: notifyclientleftview clid=\"7\" ctid=\"0\" reasonid=\"8\"",
        "greeted 2 clients and the scene is over; stopping (--greet 2)",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn hello_bot_greets_the_newcomers() {
    check_hello_bot(&run("hello_bot"));
}

#[test]
fn hello_bot_smol_greets_the_newcomers() {
    check_hello_bot(&run("hello_bot_smol"));
}

#[test]
fn endless_poke_stops_after_three_rounds() {
    let out = run("endless_poke");
    let rounds: Vec<&str> = out.lines().filter(|l| l.starts_with("round ")).collect();
    assert_eq!(
        rounds,
        [1, 2, 3].map(|i| format!("round {i}: poked 1 client(s) matching \"Ben\""))
    );
    assert!(
        out.ends_with("stopping after 3 rounds (--rounds 3)\n"),
        "{out}"
    );
}

#[test]
fn mute_unmute_sees_both_updates() {
    let out = run("mute_unmute");
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "authenticated; server connection handler Some(1)",
            "  event: notifyclientupdated clid=\"5\" client_input_muted=\"1\" client_output_muted=\"1\"",
            "muted for 1 s",
            "  event: notifyclientupdated clid=\"5\" client_input_muted=\"0\" client_output_muted=\"0\"",
            "unmuted",
        ]
    );
}

#[test]
fn whirlpool_moves_everyone_and_back() {
    let out = run("whirlpool");
    let last = out.lines().last().unwrap_or_default();
    let moves: u32 = last
        .strip_prefix("whirlpool done: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected last line {last:?}"));
    assert!(moves > 0, "{last}");
    assert!(last.ends_with("4 clients back where they were"), "{last}");
    assert_eq!(out.matches("Whirlpool in ").count(), 5);
}

#[test]
fn transfer_round_trips_a_file() {
    let out = run("transfer");
    assert!(
        out.ends_with("upload complete.\ndownload complete.\nidentical (4194304 bytes)\n"),
        "{out}"
    );
}

#[test]
fn embed_drives_the_core_by_hand() {
    let out = run("embed");
    for line in [
        "greeting: ServerQuery interface",
        "whoami: client id 5",
        "clientlist: 5 clients",
        "  event: notifyclientleftview clid=\"7\" ctid=\"0\" reasonid=\"8\"",
        "closed: Quit",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing {line:?} in:\n{out}"
        );
    }
}
