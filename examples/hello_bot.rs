//! Greets every client that joins the server with a poke, like py-ts3's `hello_bot.py`.
//!
//! ```sh
//! cargo run --example hello_bot                   # embedded simulator, plays a short scene
//! cargo run --example hello_bot -- --uri telnet://serveradmin:PASSWORD@HOST:10011
//! ```
//!
//! Against a real server it runs until stopped. The core sends a keepalive whenever the
//! connection has been quiet for a while; on this blocking runtime it can only do so inside a
//! call, which is why the wait below has a timeout (as the seed's `wait_for_event(timeout=60)`).

mod common;

use std::time::{Duration, Instant};

use clap::Parser;
use common::{describe, Result, ServerArgs, Target};
use ts3q::typed::events::{Notification, Reason};
use ts3q::Command;
use ts3q_blocking::{Connection, Error};

/// Poke every client that joins the server.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// The virtual server to watch.
    #[arg(long, default_value_t = 1)]
    sid: u32,
    /// What to say.
    #[arg(long, default_value = "Hello :)")]
    msg: String,
    /// Stop after greeting this many clients (default: never; on the simulator, 2 and the end
    /// of its scene).
    #[arg(long)]
    greet: Option<u32>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let target = Target::server_query(&args.server)?;
    let mut conn = Connection::connect(target.options.clone())?;
    conn.exec(Command::new("use").param("sid", args.sid))?;
    conn.exec(Command::new("servernotifyregister").param("event", "server"))?;
    // Not in the seed: server chat too, to show messages (their text arrives unescaped).
    conn.exec(Command::new("servernotifyregister").param("event", "textserver"))?;
    println!("waiting for clients to join");

    let limit = args.greet.or(target.pick(Some(2), None));
    // On the simulator a short scene plays; the bot stops once it has greeted `limit` clients
    // and the scene is over, and gives up if nobody came within 20 s.
    let scene = target.play_demo_scene();
    let scene_over = || scene.as_ref().is_none_or(|s| s.is_finished());
    let give_up = target.pick(Some(Instant::now() + Duration::from_secs(20)), None);
    let wait = target.pick(Duration::from_millis(500), Duration::from_secs(60));
    let mut greeted = 0;
    loop {
        if give_up.is_some_and(|t| Instant::now() > t) {
            return Err(format!("only {greeted} clients joined within 20 s").into());
        }
        // Typed: one notification per item of an event, fields already read and unescaped.
        let event = match conn.wait_for_notification(Some(wait)) {
            Ok(event) => event,
            // Quiet: done if the simulator's scene is over, else wait again.
            Err(Error::Timeout) if limit == Some(greeted) && scene_over() => break,
            Err(Error::Timeout) => continue,
            Err(e) => return Err(e.into()),
        };
        println!("  event: {}", describe(event.raw()));
        // A client entering by itself (not moved into view) is a newcomer.
        if let Notification::ClientEnterView(c) = &event.notification {
            if c.reasonid == Reason::Switched {
                println!("Client '{}' connected.", c.client_nickname);
                conn.exec(
                    Command::new("clientpoke")
                        .param("clid", c.clid)
                        .param("msg", args.msg.as_str()),
                )?;
                greeted += 1;
            }
        }
    }
    println!("greeted {greeted} clients and the scene is over; stopping (--greet {greeted})");
    conn.close()?;
    Ok(())
}
