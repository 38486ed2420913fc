//! Pokes every client whose nickname matches, round after round, like py-ts3's
//! `endless_poke.py`.
//!
//! ```sh
//! cargo run --example endless_poke                # embedded simulator: 3 rounds
//! cargo run --example endless_poke -- --uri telnet://serveradmin:PASSWORD@HOST:10011 --nickname Ben
//! ```

mod common;

use std::time::Duration;

use clap::Parser;
use common::{Result, ServerArgs, Target};
use ts3q::Command;
use ts3q_blocking::Connection;

/// Poke the clients whose nickname matches, again and again.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// The virtual server.
    #[arg(long, default_value_t = 1)]
    sid: u32,
    /// Who to poke (a `clientfind` pattern).
    #[arg(long, default_value = "Ben")]
    nickname: String,
    /// What to say.
    #[arg(long, default_value = "Stop annoying me!")]
    msg: String,
    /// Rounds of pokes, -1 = forever (default 100; 3 on the simulator).
    #[arg(long, allow_negative_numbers = true)]
    rounds: Option<i64>,
    /// Seconds between rounds.
    #[arg(long, default_value_t = 0.25)]
    delay: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let target = Target::server_query(&args.server)?;
    let mut conn = Connection::connect(target.options.clone())?;
    conn.exec(Command::new("use").param("sid", args.sid))?;

    // An empty result (error 1281) is an empty list, not an error.
    let found = conn
        .query("clientfind")
        .param("pattern", args.nickname.as_str())
        .all()?;
    let clids: Vec<u32> = found
        .iter()
        .map(|c| c.parse("clid"))
        .collect::<std::result::Result<_, _>>()?;
    if clids.is_empty() {
        println!("no client matches {:?}", args.nickname);
        return Ok(());
    }
    let rounds = args.rounds.unwrap_or(target.pick(3, 100));
    let delay = Duration::try_from_secs_f64(args.delay)?;
    let mut round = 0;
    while rounds < 0 || round < rounds {
        round += 1;
        for &clid in &clids {
            conn.exec(
                Command::new("clientpoke")
                    .param("msg", args.msg.as_str())
                    .param("clid", clid),
            )?;
        }
        println!(
            "round {round}: poked {} client(s) matching {:?}",
            clids.len(),
            args.nickname
        );
        std::thread::sleep(delay);
    }
    println!("stopping after {round} rounds (--rounds {rounds})");
    conn.close()?;
    Ok(())
}
