//! The channel tree viewer on the `smol` runtime: the three queries run concurrently, pipelined
//! through one connection.
//!
//! ```sh
//! cargo run --example viewer_smol                 # embedded simulator
//! cargo run --example viewer_smol -- --uri telnet://serveradmin:PASSWORD@HOST:10011
//! ```

mod common;

use clap::Parser;
use common::{print_tree, Result, ServerArgs, Target};
use ts3q::tree::ChannelTree;
use ts3q::Command;
use ts3q_smol::Connection;

/// Print the channel tree of a virtual server, with its clients (smol runtime).
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
    smol::block_on(async {
        let conn = Connection::connect(target.options.clone()).await?;
        conn.exec(Command::new("use").param("sid", args.sid).option("virtual"))
            .await?;

        // All three go out at once; the answers come back in order.
        let (server, (channels, clients)) = smol::future::zip(
            conn.query("serverinfo").first(),
            smol::future::zip(
                conn.query("channellist").all(),
                conn.query("clientlist").all(),
            ),
        )
        .await;
        let (channels, clients) = (channels?, clients?);
        let server = server?.ok_or("serverinfo is empty")?;

        let name = server.str("virtualserver_name").unwrap_or_default();
        print_tree(&name, &ChannelTree::from_items(channels), &clients);
        conn.close().await?;
        Ok(())
    })
}
