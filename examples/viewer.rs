//! Prints a virtual server's channel tree with its clients, like py-ts3's `viewer.py`.
//!
//! ```sh
//! cargo run --example viewer                      # embedded simulator
//! cargo run --example viewer -- --uri telnet://serveradmin:PASSWORD@HOST:10011 --sid 1
//! ```

mod common;

use clap::Parser;
use common::{print_tree, Result, ServerArgs, Target};
use ts3q::tree::ChannelTree;
use ts3q::Command;
use ts3q_blocking::Connection;

/// Print the channel tree of a virtual server, with its clients.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// The virtual server to show.
    #[arg(long, default_value_t = 1)]
    sid: u32,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let target = Target::server_query(&args.server)?;
    let mut conn = Connection::connect(target.options.clone())?;
    // `-virtual` starts a stopped server for this session only, as py-ts3's viewer does.
    conn.exec(Command::new("use").param("sid", args.sid).option("virtual"))?;

    let server = conn
        .query("serverinfo")
        .first()?
        .ok_or("serverinfo is empty")?;
    let channels = conn.query("channellist").all()?;
    let clients = conn.query("clientlist").all()?;

    let name = server.str("virtualserver_name").unwrap_or_default();
    print_tree(&name, &ChannelTree::from_items(channels), &clients);
    conn.close()?;
    Ok(())
}
