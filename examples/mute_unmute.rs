//! Mutes your TeamSpeak client's microphone and speakers for a while, then unmutes them,
//! through the ClientQuery plugin, like py-ts3's `mute_unmute` example.
//!
//! ```sh
//! cargo run --example mute_unmute                 # embedded simulator
//! cargo run --example mute_unmute -- --uri telnet://localhost:25639 --apikey XXXX-XXXX-...
//! ```
//!
//! The API key is in the TeamSpeak client under Tools → Options → Addons → ClientQuery.

mod common;

use std::time::Duration;

use clap::Parser;
use common::{describe, Result, ServerArgs, Target};
use ts3q::Command;
use ts3q_blocking::{Connection, Error};

/// Mute and unmute your TeamSpeak client over ClientQuery.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// The ClientQuery API key.
    #[arg(long, env = "TS3_APIKEY")]
    apikey: Option<String>,
    /// How long to stay muted, in seconds (default 10; 1 on the simulator).
    #[arg(long)]
    seconds: Option<f64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let target = Target::client_query(&args.server, args.apikey.as_deref())?;
    if target.options.apikey.is_none() {
        return Err("ClientQuery needs --apikey (or TS3_APIKEY) since TeamSpeak 3.1.3".into());
    }
    // Connecting sends `auth apikey=...` first; `use` selects the greeting's handler.
    let mut conn = Connection::connect(target.options.clone())?;
    conn.exec(Command::new("use"))?;
    println!(
        "authenticated; server connection handler {:?}",
        conn.schandlerid()
    );
    conn.exec(
        Command::new("clientnotifyregister")
            .param("schandlerid", 0)
            .param("event", "notifyclientupdated"),
    )?;

    let wait = Duration::try_from_secs_f64(args.seconds.unwrap_or(target.pick(1.0, 10.0)))?;
    set_muted(&mut conn, true)?;
    println!("muted for {} s", wait.as_secs_f64());
    std::thread::sleep(wait);
    set_muted(&mut conn, false)?;
    println!("unmuted");
    conn.close()?;
    Ok(())
}

fn set_muted(conn: &mut Connection, muted: bool) -> std::result::Result<(), Error> {
    conn.exec(
        Command::new("clientupdate")
            .param("client_input_muted", muted)
            .param("client_output_muted", muted),
    )?;
    // The client confirms with `notifyclientupdated`.
    match conn.wait_for_event(Some(Duration::from_secs(2))) {
        Ok(ev) => println!("  event: {}", describe(&ev)),
        Err(Error::Timeout) => println!("  (no notifyclientupdated within 2 s)"),
        Err(e) => return Err(e),
    }
    Ok(())
}
