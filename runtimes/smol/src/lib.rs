//! # ts3q-smol: shared, pipelined TeamSpeak 3 query connections on smol
//!
//! One driver task per connection runs the [`ts3q`] state machine: it writes what the machine
//! emits, feeds it what the socket (or SSH channel) gives, and sleeps on a `Timer` until the
//! machine's next deadline. [`Connection`] is a cheap, cloneable handle: commands from many
//! tasks at once are pipelined through the one connection; events arrive on a channel. The
//! driver is [`ts3q_runtime::asynch`]'s, shared with the tokio runtime; this crate is its
//! [`Smol`] runtime (timers, sockets, SSH sessions) and the file transfer loops.
//!
//! ```text
//!  task A ─ exec ─┐                        driver task (one per connection)
//!  task B ─ query ┼─▶ Connection (clone) ──▶ ts3q::Client ── poll_transmit ──▶ socket / SSH
//!  task C ─ events ◀── channel ◀────────── poll_output ◀── handle_input ◀──── socket / SSH
//!                                           Timer(poll_timeout) ── handle_timeout
//! ```
//!
//! Runnable as it stands: the hidden lines start a simulator, whose address stands in for a
//! real server's `telnet://serveradmin:PASSWORD@host:10011`.
//!
//! ```
//! # let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() }).unwrap();
//! # let uri = format!("telnet://serveradmin:{}@{}", sim.password(), sim.query_addr());
//! smol::block_on(async {
//!     let conn = ts3q_smol::Connection::open(&uri).await?;
//!     conn.exec(ts3q::Command::new("use").param("sid", 1)).await?;
//!     conn.exec(ts3q::Command::new("servernotifyregister").param("event", "server")).await?;
//!     // Both go out at once, pipelined on the one connection.
//!     let (clients, channels) = smol::future::zip(
//!         conn.query("clientlist").option("uid").all(),
//!         conn.query("channellist").all(),
//!     )
//!     .await;
//!     println!("{} clients in {} channels", clients?.len(), channels?.len());
//! #   sim.add_client("Newcomer", 1);
//!     let event = conn.next_event().await?;
//!     assert_eq!(event.name(), "notifycliententerview");
//!     Ok::<(), ts3q_smol::Error>(())
//! })
//! .unwrap();
//! ```
//!
//! async-ssh2-lite 0.5 sits on async-io 1.x, smol 2 on async-io 2.x: SSH sessions are built on
//! `async_ssh2_lite::AsyncIoTcpStream`, which runs inside smol unchanged.

#![deny(missing_docs)]

mod connection;
pub mod transfer;
mod transport;

pub use connection::{Connection, Smol};
pub use transport::Io;
pub use ts3q;
pub use ts3q_runtime::{
    parse_sha256_fingerprint, Error, HostKeyCheck, Options, Query, Reconnect, Reconnected,
};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
