//! The hello bot on the `smol` runtime: events arrive as a stream while commands run; the
//! driver task sends keepalives by itself.
//!
//! ```sh
//! cargo run --example hello_bot_smol              # embedded simulator, plays a short scene
//! cargo run --example hello_bot_smol -- --uri telnet://serveradmin:PASSWORD@HOST:10011
//! ```

mod common;

use std::time::Duration;

use clap::Parser;
use common::{describe, Result, ServerArgs, Target};
use smol::stream::StreamExt;
use ts3q::typed::events::{Notification, Reason};
use ts3q::Command;
use ts3q_smol::Connection;

/// Poke every client that joins the server (smol runtime).
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
    smol::block_on(async {
        let conn = Connection::connect(target.options.clone()).await?;
        conn.exec(Command::new("use").param("sid", args.sid))
            .await?;
        conn.exec(Command::new("servernotifyregister").param("event", "server"))
            .await?;
        // Not in the seed: server chat too, to show messages (their text arrives unescaped).
        conn.exec(Command::new("servernotifyregister").param("event", "textserver"))
            .await?;
        println!("waiting for clients to join");

        let limit = args.greet.or(target.pick(Some(2), None));
        // On the simulator a short scene plays; the bot stops once it has greeted `limit`
        // clients and the scene is over, and gives up if nobody came within 20 s.
        let scene = target.play_demo_scene();
        let scene_over = || scene.as_ref().is_none_or(|s| s.is_finished());
        let started = std::time::Instant::now();
        // Typed: one notification per item of an event, fields already read and unescaped.
        let mut events = std::pin::pin!(conn.notifications());
        let mut greeted = 0;
        loop {
            let event = match target.is_sim() {
                true => {
                    let quiet = async {
                        smol::Timer::after(Duration::from_millis(500)).await;
                        None
                    };
                    match smol::future::or(async { Some(events.next().await) }, quiet).await {
                        Some(event) => event.ok_or("the connection closed")?,
                        None if limit == Some(greeted) && scene_over() => break,
                        None if started.elapsed() > Duration::from_secs(20) => {
                            return Err(format!("only {greeted} clients joined within 20 s").into())
                        }
                        None => continue,
                    }
                }
                false => events.next().await.ok_or("the connection closed")?,
            };
            let event = event?;
            println!("  event: {}", describe(event.raw()));
            // A client entering by itself (not moved into view) is a newcomer.
            if let Notification::ClientEnterView(c) = &event.notification {
                if c.reasonid == Reason::Switched {
                    println!("Client '{}' connected.", c.client_nickname);
                    conn.exec(
                        Command::new("clientpoke")
                            .param("clid", c.clid)
                            .param("msg", args.msg.as_str()),
                    )
                    .await?;
                    greeted += 1;
                }
            }
        }
        println!("greeted {greeted} clients and the scene is over; stopping (--greet {greeted})");
        conn.close().await?;
        Ok(())
    })
}
