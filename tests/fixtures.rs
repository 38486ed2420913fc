//! Runs every parser fixture (`tests/fixtures/*.in` + `.json`, and every fixture in the directory
//! named by `TS3_FIXTURES`) through the client state machine: fed whole, byte by byte, and in
//! random chunk sizes. See `tests/fixtures/README.md` for the format.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{normalize_actual, normalize_expected, output_json, random_chunks, Rng};
use serde_json::Value as Json;
use ts3q::internals::{detect, use_tier, Tier};
use ts3q::{Client, Command, Config, Output};

fn fixtures_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read fixture directory {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "in"))
        .collect();
    v.sort();
    v
}

/// Feeds `chunks` to a fresh machine set up as the fixture says; returns what it delivered.
fn run(spec: &Json, chunks: &[&[u8]]) -> Result<Vec<Json>, String> {
    let t0 = Instant::now();
    let greeting = spec["greeting"].as_str().unwrap_or("none");
    let config = match greeting {
        "client" => Config::client_query(),
        _ => Config::server_query(),
    }
    .flood_limit(None)
    // Fixtures describe parsing: a 524 in one is a response to deliver, not a cue to resend.
    .flood_retries(0);
    let mut c = match greeting {
        "none" => Client::new_open(config, t0),
        "server" | "client" => Client::new(config, t0),
        other => return Err(format!("unknown greeting kind {other:?}")),
    };
    let expect = spec["expect"].as_array().ok_or("no expect array")?;
    let commands = expect
        .iter()
        .filter(|e| e.get("response").is_some() || e.get("error").is_some())
        .count();
    for _ in 0..commands {
        c.send(Command::new("whoami"), t0)
            .map_err(|e| e.to_string())?;
    }
    let mut got = Vec::new();
    let mut greeted = false;
    for chunk in chunks {
        c.handle_input(chunk, t0);
        while c.poll_transmit().is_some() {}
        while let Some(out) = c.poll_output() {
            if let Output::Greeting(g) = &out {
                greeted = true;
                if greeting == "client" && g.schandlerid.is_none() {
                    return Err("client greeting without schandlerid".into());
                }
            }
            got.extend(output_json(&out));
        }
    }
    if greeting != "none" && !greeted {
        return Err("greeting not recognised".into());
    }
    if c.in_flight() != 0 || c.queued() != 0 {
        return Err(format!(
            "{} commands unanswered, {} queued; got {got:?}",
            c.in_flight(),
            c.queued()
        ));
    }
    Ok(got)
}

fn check_fixture(path: &Path) -> Result<usize, String> {
    let input = std::fs::read(path).map_err(|e| e.to_string())?;
    let spec_path = path.with_extension("json");
    let spec: Json = serde_json::from_slice(
        &std::fs::read(&spec_path).map_err(|e| format!("{}: {e}", spec_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let expected: Vec<Json> = spec["expect"]
        .as_array()
        .ok_or("no expect")?
        .iter()
        .map(normalize_expected)
        .collect();

    let mut rng = Rng(0x5EED ^ input.len() as u64);
    let mut chunkings: Vec<(String, Vec<&[u8]>)> = vec![
        ("whole".into(), vec![&input[..]]),
        ("byte by byte".into(), input.chunks(1).collect()),
    ];
    for round in 0..20 {
        chunkings.push((
            format!("random chunks #{round}"),
            random_chunks(&input, &mut rng, 17),
        ));
    }
    // On every SIMD tier this CPU runs: the portable code is what every non-x86 CPU gets.
    let _one_at_a_time = TIER.lock().unwrap_or_else(|e| e.into_inner());
    let mut runs = 0;
    for tier in tiers() {
        for (how, chunks) in &chunkings {
            let got: Vec<Json> = run(&spec, chunks)?.iter().map(normalize_actual).collect();
            if got != expected {
                return Err(format!(
                    "fed {how} on the {tier:?} tier:\n  expected {}\n  got      {}",
                    serde_json::to_string(&expected).unwrap_or_default(),
                    serde_json::to_string(&got).unwrap_or_default()
                ));
            }
            runs += 1;
        }
    }
    use_tier(detect());
    Ok(runs)
}

/// The tier is one setting for the whole process: the fixture tests take turns with it.
static TIER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Each SIMD tier this CPU runs, switched to in turn (the last one is the best).
fn tiers() -> impl Iterator<Item = Tier> {
    let mut seen = Vec::new();
    [Tier::Portable, Tier::Avx2, Tier::Avx512]
        .into_iter()
        .map(use_tier)
        .filter(move |t| {
            !seen.contains(t) && {
                seen.push(*t);
                true
            }
        })
}

fn check_dir(dir: &Path) -> usize {
    let files = fixtures_in(dir);
    let mut failures = Vec::new();
    for f in &files {
        match check_fixture(f) {
            Ok(n) => eprintln!("ok   {} ({n} chunkings and tiers)", f.display()),
            Err(e) => failures.push(format!("FAIL {}: {e}", f.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn project_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let n = check_dir(&dir);
    assert!(
        n >= 13,
        "expected the shared fixtures plus our own, found {n}"
    );
}

#[test]
fn fixtures_from_env() {
    match std::env::var_os("TS3_FIXTURES") {
        Some(dir) => {
            let n = check_dir(Path::new(&dir));
            eprintln!("TS3_FIXTURES: {n} fixtures passed");
        }
        None => eprintln!("TS3_FIXTURES not set: nothing extra to run"),
    }
}
