//! Moves every client around the channels at random for a while, then puts everyone back where
//! they were, like py-ts3's `whirlpool.py`.
//!
//! ```sh
//! cargo run --example whirlpool                   # embedded simulator: a short whirl
//! cargo run --example whirlpool -- --uri telnet://serveradmin:PASSWORD@HOST:10011
//! ```

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::Parser;
use common::{Result, Rng, ServerArgs, Target};
use ts3q::definitions::TextMessageTargetMode;
use ts3q::Command;
use ts3q_blocking::{Connection, Error};

/// Whirl the clients around the channels, then bring them back.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// The virtual server.
    #[arg(long, default_value_t = 1)]
    sid: u32,
    /// Seconds of whirling (default 10; 1.5 on the simulator).
    #[arg(long)]
    duration: Option<f64>,
    /// Seconds between rounds (default 0.5; 0.1 on the simulator).
    #[arg(long)]
    relax: Option<f64>,
}

/// Error 770: the client already is in that channel, which a random move can hit.
const ALREADY_MEMBER: u32 = 770;

fn main() -> Result<()> {
    let args = Args::parse();
    let target = Target::server_query(&args.server)?;
    let secs = |v: Option<f64>, sim, server| {
        Duration::try_from_secs_f64(v.unwrap_or(target.pick(sim, server)))
    };
    let (duration, relax) = (secs(args.duration, 1.5, 10.0)?, secs(args.relax, 0.1, 0.5)?);
    let tick = target.pick(Duration::from_millis(100), Duration::from_secs(1));

    let mut conn = Connection::connect(target.options.clone())?;
    conn.exec(Command::new("use").param("sid", args.sid))?;
    for i in (1..=5).rev() {
        conn.exec(
            Command::new("sendtextmessage")
                .param("targetmode", TextMessageTargetMode::Server)
                .param("target", 0)
                .param("msg", format!("Whirlpool in {i}s")),
        )?;
        println!("Whirlpool in {i}s");
        std::thread::sleep(tick);
    }

    let cids: Vec<u32> = conn
        .query("channellist")
        .all()?
        .iter()
        .map(|c| c.parse("cid"))
        .collect::<std::result::Result<_, _>>()?;
    let clients = conn.query("clientlist").all()?;
    // Query clients (type 1) stay where they are.
    let mut home = HashMap::new();
    for c in clients
        .iter()
        .filter(|c| c.str("client_type").as_deref() != Some("1"))
    {
        home.insert(c.parse::<u32>("clid")?, c.parse::<u32>("cid")?);
    }
    if cids.len() < 2 || home.is_empty() {
        println!("a whirlpool with one channel or nobody in it is boring; nothing to do");
        return Ok(());
    }

    let (mut moves, mut already) = (0u32, 0u32);
    let mut rng = Rng::new();
    let whirl = (|| {
        let end = Instant::now() + duration;
        while Instant::now() < end {
            for &clid in home.keys() {
                let cid = cids[rng.below(cids.len())];
                match move_client(&mut conn, clid, cid)? {
                    true => moves += 1,
                    false => already += 1,
                }
            }
            std::thread::sleep(relax);
        }
        Ok::<_, Error>(())
    })();
    // Whatever happened, everyone goes back home.
    for (&clid, &cid) in &home {
        move_client(&mut conn, clid, cid)?;
    }
    whirl?;
    println!(
        "whirlpool done: {moves} moves, {already} already there, {} clients back where they were",
        home.len()
    );
    conn.close()?;
    Ok(())
}

/// Moves a client; false when it already was in that channel.
fn move_client(conn: &mut Connection, clid: u32, cid: u32) -> std::result::Result<bool, Error> {
    match conn.exec(
        Command::new("clientmove")
            .param("clid", clid)
            .param("cid", cid),
    ) {
        Ok(_) => Ok(true),
        Err(e) if e.query_id() == Some(ALREADY_MEMBER) => Ok(false),
        Err(e) => Err(e),
    }
}
