//! # ts3q-tokio: shared, pipelined TeamSpeak 3 query connections on tokio
//!
//! One driver task per connection runs the [`ts3q`] state machine; [`Connection`] is a cheap,
//! cloneable handle whose commands from many tasks are pipelined through the one connection,
//! with events as a `Stream`. The driver is [`ts3q_runtime::asynch`]'s, shared with the smol
//! runtime; this crate is its [`Tokio`] runtime (timers, sockets, SSH sessions via
//! async-ssh2-lite's `tokio` feature) and the file transfer loops.
//!
//! ```text
//!  task A ─ exec ─┐                        driver task (tokio::spawn)
//!  task B ─ query ┼─▶ Connection (clone) ──▶ ts3q::Client ── poll_transmit ──▶ TcpStream / SSH
//!  task C ─ events ◀── Stream ◀─────────── poll_output ◀── handle_input ◀──── TcpStream / SSH
//!                                           sleep_until(poll_timeout) ── handle_timeout
//! ```
//!
//! Runnable as it stands: the hidden lines start a simulator, whose address stands in for a
//! real server's `telnet://serveradmin:PASSWORD@host:10011`.
//!
//! ```
//! use futures_lite::StreamExt;
//! # let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() }).unwrap();
//! # let uri = format!("telnet://serveradmin:{}@{}", sim.password(), sim.query_addr());
//! # let rt = tokio::runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let conn = ts3q_tokio::Connection::open(&uri).await?;
//! conn.exec(ts3q::Command::new("use").param("sid", 1)).await?;
//! conn.exec(ts3q::Command::new("servernotifyregister").param("event", "server")).await?;
//! // Both go out at once, pipelined on the one connection.
//! let (clients, channels) = tokio::join!(
//!     conn.query("clientlist").option("uid").all(),
//!     conn.query("channellist").all(),
//! );
//! println!("{} clients in {} channels", clients?.len(), channels?.len());
//! # sim.add_client("Newcomer", 1);
//! let mut events = std::pin::pin!(conn.events());
//! let event = events.next().await.expect("an event");
//! assert_eq!(event.name(), "notifycliententerview");
//! conn.close().await?;
//! # Ok::<(), ts3q_tokio::Error>(())
//! # }).unwrap();
//! ```

#![deny(missing_docs)]

mod connection;
pub mod transfer;
mod transport;

pub use connection::{Connection, Tokio};
pub use transport::Io;
pub use ts3q;
pub use ts3q_runtime::{
    parse_sha256_fingerprint, Error, HostKeyCheck, Options, Query, Reconnect, Reconnected,
};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
