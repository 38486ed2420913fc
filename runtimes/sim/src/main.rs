//! `ts3-sim`: run the simulator from the command line, or bridge an SSH session to it.
//!
//! `ts3-sim --help` lists the flags. On start it prints one line per port, in this order and
//! format, for scripts that read them to find the ports:
//! ```text
//! query 127.0.0.1:10011
//! client-query 127.0.0.1:25639
//! filetransfer 127.0.0.1:30033
//! ```
//! `--activity` keeps voice clients joining, talking, moving and leaving (a bot in any language
//! sees events), `--scenario FILE` plays a JSON script (see `ts3_sim::script::Script::from_json`),
//! and `--seed N` makes a run repeatable.
//!
//! `ts3-sim bridge` joins stdin/stdout to a query port: used as an OpenSSH `ForceCommand`, it
//! turns the simulator into an SSH ServerQuery (the SSH login is the query login, so the bridge
//! logs in itself and swallows that reply).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ts3_sim::script::Script;
use ts3_sim::{Sim, SimConfig};

/// A TeamSpeak 3 query and file transfer server simulator.
#[derive(Debug, Parser)]
#[command(
    name = "ts3-sim",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    bridge: Option<Bridge>,
    #[command(flatten)]
    serve: Serve,
}

#[derive(Debug, Args)]
struct Serve {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// ServerQuery port (0 picks a free one).
    #[arg(long, default_value_t = 10011)]
    query_port: u16,
    /// ClientQuery port (0 picks a free one).
    #[arg(long, default_value_t = 25639)]
    client_query_port: u16,
    /// File transfer port (0 picks a free one).
    #[arg(long, default_value_t = 30033)]
    ft_port: u16,
    /// Query login name.
    #[arg(long, default_value = "serveradmin")]
    login: String,
    /// Query login password.
    #[arg(long, default_value = "secret")]
    password: String,
    /// ClientQuery API key.
    #[arg(long, default_value = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")]
    apikey: String,
    /// Populate a few channels and voice clients.
    #[arg(long)]
    demo: bool,
    /// Turn flood protection off (as for a host on the server's allow list).
    #[arg(long)]
    no_flood: bool,
    /// Flood limit: commands per window.
    #[arg(long, default_value_t = 10)]
    flood_commands: u32,
    /// Flood limit: the window in seconds.
    #[arg(long, default_value_t = 3.0)]
    flood_seconds: f64,
    /// Seconds without a command before a query connection is closed (0 = never).
    #[arg(long, default_value_t = 300.0)]
    idle_timeout: f64,
    /// Keep voice clients joining, talking (channel, server and private chat), moving and
    /// leaving, one step every --pace-ms, for as long as the simulator runs (implies --demo).
    #[arg(long, conflicts_with = "scenario")]
    activity: bool,
    /// Play the scenario in FILE (JSON; see the README) once, after start-up.
    #[arg(long, value_name = "FILE")]
    scenario: Option<std::path::PathBuf>,
    /// Seed of every random choice (transfer keys, unique ids, --activity): the same seed
    /// replays the same run.
    #[arg(long)]
    seed: Option<u64>,
    /// Query connections served at once (0 = no cap); one beyond gets error 1027 and is closed.
    #[arg(long, default_value_t = 0)]
    max_connections: usize,
    /// Milliseconds between --activity steps.
    #[arg(long, default_value_t = 1000)]
    pace_ms: u64,
    /// Log to stderr: -v connections and transfers, -vv also every command (secrets replaced
    /// by <redacted>) and every event sent, -vvv everything.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Bridge {
    /// Join stdin/stdout to a query port (an OpenSSH `ForceCommand`).
    Bridge {
        /// The query port to join, HOST:PORT.
        #[arg(long)]
        connect: String,
        /// Log in with this name before passing the session through.
        #[arg(long, requires = "password")]
        login: Option<String>,
        /// The login's password.
        #[arg(long, requires = "login")]
        password: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.bridge {
        Some(Bridge::Bridge {
            connect,
            login,
            password,
        }) => bridge(&connect, login.zip(password)),
        None => serve(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ts3-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn seconds(s: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s).map_err(|_| format!("{flag}: invalid number of seconds {s}"))
}

fn serve(a: Serve) -> Result<(), String> {
    let level = match a.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    // Standard output is for the port lines alone; the log goes to standard error.
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let idle = seconds(a.idle_timeout, "--idle-timeout")?;
    let c = SimConfig {
        listen: a.listen,
        query_port: a.query_port,
        client_query_port: a.client_query_port,
        ft_port: a.ft_port,
        login: a.login,
        password: a.password,
        apikey: a.apikey,
        demo: a.demo || a.activity,
        seed: a.seed,
        max_connections: (a.max_connections > 0).then_some(a.max_connections),
        flood: match a.no_flood {
            true => None,
            false => Some((
                a.flood_commands,
                seconds(a.flood_seconds, "--flood-seconds")?,
            )),
        },
        idle_timeout: (!idle.is_zero()).then_some(idle),
        ..SimConfig::default()
    };
    let scenario = match &a.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--scenario {}: {e}", path.display()))?;
            Some(Script::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let sim = Sim::start(c).map_err(|e| e.to_string())?;
    println!("query {}", sim.query_addr());
    println!("client-query {}", sim.client_query_addr());
    println!("filetransfer {}", sim.ft_addr());
    let _ = std::io::stdout().flush();
    if let Some(script) = scenario {
        sim.play(script).wait();
    }
    if a.activity {
        // Rounds of activity, each from the seed and its number: repeatable, and endless.
        let seed = a.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
        let pace = Duration::from_millis(a.pace_ms.max(1));
        for round in 0u64.. {
            sim.play(Script::activity(seed.wrapping_add(round), pace, 1000))
                .wait();
        }
    }
    loop {
        std::thread::park();
    }
}

fn bridge(addr: &str, login: Option<(String, String)>) -> Result<(), String> {
    // Clients that ask for a pseudo-terminal (py-ts3 does) must not get echo or line editing:
    // switch the terminal to raw mode; on a pipe this fails and changes nothing.
    let _ = std::process::Command::new("stty")
        .args(["raw", "-echo"])
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let stream = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut out = std::io::stdout();
    let mut line = Vec::new();
    // The greeting passes through.
    for _ in 0..2 {
        line.clear();
        reader
            .read_until(b'\r', &mut line)
            .map_err(|e| e.to_string())?;
        out.write_all(&line).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    if let Some((user, pass)) = login {
        let cmd = ts3q::Command::new("login")
            .param("client_login_name", user.as_str())
            .param("client_login_password", pass.as_str());
        let bytes = cmd
            .into_bytes(ts3q::Mode::ServerQuery)
            .map_err(|e| e.to_string())?;
        (&stream).write_all(&bytes).map_err(|e| e.to_string())?;
        line.clear();
        reader
            .read_until(b'\r', &mut line)
            .map_err(|e| e.to_string())?;
        if !line.starts_with(b"error id=0 ") {
            out.write_all(&line).map_err(|e| e.to_string())?;
            return Err("login refused".into());
        }
    }
    let mut upstream = stream.try_clone().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut upstream);
        let _ = upstream.shutdown(std::net::Shutdown::Write);
    });
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = reader.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
}
