//! `ts3-sim`: run the simulator from the command line, or bridge an SSH session to it.
//!
//! ```text
//! ts3-sim [--listen ADDR] [--query-port N] [--client-query-port N] [--ft-port N]
//!         [--login NAME] [--password PW] [--apikey KEY] [--demo] [--no-flood]
//!         [--flood-commands N] [--flood-seconds S] [--idle-timeout S]
//! ts3-sim bridge --connect HOST:PORT [--login NAME --password PW]
//! ```
//! `bridge` joins stdin/stdout to a query port: used as an OpenSSH `ForceCommand`, it turns
//! the simulator into an SSH ServerQuery (the SSH login is the query login, so the bridge logs
//! in itself and swallows that reply).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use ts3_sim::{Sim, SimConfig};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("bridge") {
        bridge(&args[1..])
    } else {
        serve(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ts3-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value"))
}

fn parse<T: std::str::FromStr>(s: &str, flag: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{flag}: invalid value {s:?}"))
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut c = SimConfig {
        query_port: 10011,
        client_query_port: 25639,
        ft_port: 30033,
        ..SimConfig::default()
    };
    let (mut flood_n, mut flood_s) = (10u32, 3.0f64);
    let mut flood_on = true;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--listen" => c.listen = parse(value(args, &mut i, flag)?, flag)?,
            "--query-port" => c.query_port = parse(value(args, &mut i, flag)?, flag)?,
            "--client-query-port" => c.client_query_port = parse(value(args, &mut i, flag)?, flag)?,
            "--ft-port" => c.ft_port = parse(value(args, &mut i, flag)?, flag)?,
            "--login" => c.login = value(args, &mut i, flag)?.into(),
            "--password" => c.password = value(args, &mut i, flag)?.into(),
            "--apikey" => c.apikey = value(args, &mut i, flag)?.into(),
            "--demo" => c.demo = true,
            "--no-flood" => flood_on = false,
            "--flood-commands" => flood_n = parse(value(args, &mut i, flag)?, flag)?,
            "--flood-seconds" => flood_s = parse(value(args, &mut i, flag)?, flag)?,
            "--idle-timeout" => {
                let s: f64 = parse(value(args, &mut i, flag)?, flag)?;
                c.idle_timeout = (s > 0.0).then(|| Duration::from_secs_f64(s));
            }
            "-h" | "--help" => {
                println!(
                    "{}",
                    include_str!("main.rs")
                        .lines()
                        .filter_map(|l| l.strip_prefix("//! "))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
        i += 1;
    }
    c.flood = flood_on.then(|| (flood_n, Duration::from_secs_f64(flood_s)));
    let sim = Sim::start(c).map_err(|e| e.to_string())?;
    println!("query {}", sim.query_addr());
    println!("client-query {}", sim.client_query_addr());
    println!("filetransfer {}", sim.ft_addr());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

fn bridge(args: &[String]) -> Result<(), String> {
    let (mut connect, mut login, mut password) = (None, None, None);
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--connect" => connect = Some(value(args, &mut i, flag)?.to_string()),
            "--login" => login = Some(value(args, &mut i, flag)?.to_string()),
            "--password" => password = Some(value(args, &mut i, flag)?.to_string()),
            other => return Err(format!("bridge: unknown argument {other:?}")),
        }
        i += 1;
    }
    let addr = connect.ok_or("bridge needs --connect HOST:PORT")?;
    // Clients that ask for a pseudo-terminal (py-ts3 does) must not get echo or line editing:
    // switch the terminal to raw mode; on a pipe this fails and changes nothing.
    let _ = std::process::Command::new("stty")
        .args(["raw", "-echo"])
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let stream = TcpStream::connect(&addr).map_err(|e| format!("{addr}: {e}"))?;
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
    if let (Some(user), Some(pass)) = (login, password) {
        let cmd = ts3q::Command::new("login")
            .param("client_login_name", user.as_str())
            .param("client_login_password", pass.as_str());
        let bytes = cmd
            .into_bytes(ts3q::CommandSet::ServerQuery)
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
