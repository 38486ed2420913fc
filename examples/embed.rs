//! The sans-IO core in your own loop: a plain `std::net::TcpStream`, no runtime.
//!
//! This is all a runtime does. The machine never touches the socket or the clock:
//! - in:  `handle_input(bytes, now)`, `handle_eof(now)`, `handle_timeout(now)`, `send(cmd, now)`
//! - out: `poll_transmit()` (bytes to write), `poll_output()` (greeting, responses, events,
//!   warnings, closed), `poll_timeout()` (when to call `handle_timeout` next)
//!
//! ```sh
//! cargo run --example embed                       # embedded simulator, plays a short scene
//! cargo run --example embed -- --uri telnet://serveradmin:PASSWORD@HOST:10011
//! ```

mod common;

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use clap::Parser;
use common::{describe, Result, ServerArgs, Target};
use ts3q::{Client, Command, Output, RequestId, Transport};

/// Drive the protocol state machine by hand from a blocking socket.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// The virtual server.
    #[arg(long, default_value_t = 1)]
    sid: u32,
    /// How long to watch events (default 30 s; on the simulator, until its scene is over).
    #[arg(long)]
    watch: Option<f64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let target = Target::server_query(&args.server)?;
    let o = &target.options;
    if o.transport == Transport::Ssh {
        return Err("this example speaks raw TCP; ts3q-blocking and ts3q-smol do SSH".into());
    }
    let mut sock = TcpStream::connect((o.host.as_str(), o.port))?;
    let mut client = Client::new(o.config.clone(), Instant::now());

    // Commands may be queued before the greeting: the machine holds them until it has arrived.
    let now = Instant::now();
    let mut names: HashMap<RequestId, String> = HashMap::new();
    let mut send = |client: &mut Client, cmd: Command| -> Result<()> {
        let name = cmd.name().to_string();
        names.insert(client.send(cmd, now)?, name);
        Ok(())
    };
    if let Some((user, pass)) = &o.login {
        let login = Command::new("login")
            .param("client_login_name", user.as_str())
            .param("client_login_password", pass.as_str());
        send(&mut client, login)?;
    }
    send(&mut client, Command::new("use").param("sid", args.sid))?;
    send(
        &mut client,
        Command::new("servernotifyregister").param("event", "server"),
    )?;
    send(&mut client, Command::new("whoami"))?;
    send(&mut client, Command::new("clientlist"))?;

    let watch = match args.watch {
        Some(s) => Some(Duration::try_from_secs_f64(s)?),
        None => target.pick(None, Some(Duration::from_secs(30))),
    };
    let mut scene = None;
    let mut watch_until: Option<Instant> = None;
    let mut closing = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // 1. Write whatever the machine wants written (commands, keepalives, `quit`).
        while let Some(bytes) = client.poll_transmit() {
            sock.write_all(&bytes)?;
        }

        // 2. Take what it parsed.
        while let Some(output) = client.poll_output() {
            match output {
                Output::Greeting(g) => println!("greeting: {} interface", g.mode),
                Output::Response { id, result } => {
                    let name = names.remove(&id).unwrap_or_default();
                    let response = result?.into_result()?; // timeout / refused: stop here
                    match name.as_str() {
                        "whoami" => {
                            let me = response.first().ok_or("empty whoami")?;
                            println!(
                                "whoami: client id {}",
                                me.str("client_id").unwrap_or_default()
                            );
                        }
                        "clientlist" => {
                            println!("clientlist: {} clients", response.len());
                            // Everything is set up: now let events come.
                            scene = target.play_demo_scene();
                            watch_until = watch.map(|w| Instant::now() + w);
                        }
                        other => println!("{other}: ok"),
                    }
                }
                Output::Event(event) => println!("  event: {}", describe(&event)),
                Output::Warning(w) => eprintln!("warning: {w}"),
                Output::Closed(reason) => {
                    println!("closed: {reason:?}");
                    return Ok(());
                }
                _ => {} // `Resumed` (only after `Client::resume`), and outputs added later
            }
        }

        // 3. Done watching? Close: the machine sends `quit` and reports `Closed`.
        let now = Instant::now();
        let scene_over = scene
            .as_ref()
            .is_some_and(|s: &ts3_sim::script::Player| s.is_finished());
        if !closing && (watch_until.is_some_and(|t| now >= t) || scene_over) {
            if scene_over {
                // Let the scene's last events arrive before closing.
                std::thread::sleep(Duration::from_millis(200));
                scene = None;
                watch_until = Some(Instant::now());
                continue;
            }
            client.close(now);
            closing = true;
            continue;
        }

        // 4. Read, but no longer than until the machine's next deadline.
        let deadline = client.poll_timeout();
        let mut wait = deadline.map(|d| d.saturating_duration_since(now));
        if scene.is_some() {
            // The scene ends on its own thread: look again every 100 ms.
            wait = Some(wait.map_or(Duration::from_millis(100), |w| {
                w.min(Duration::from_millis(100))
            }));
        }
        sock.set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
        match sock.read(&mut buf) {
            Ok(0) => client.handle_eof(Instant::now()),
            Ok(n) => client.handle_input(&buf[..n], Instant::now()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }

        // 5. The deadline, after EVERY read, not only after a read that timed out: under a
        //    steady stream of events reads never time out, and without this a command's
        //    timeout or the keepalive would never fire.
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            client.handle_timeout(now);
        }
    }
}
