//! # ts3q-blocking: TeamSpeak 3 query connections on std blocking I/O
//!
//! A thin loop around the [`ts3q`] state machine: write what it emits, feed it what the socket
//! (or SSH channel) gives, sleep until its next deadline. Keepalive, flood pacing, the 524
//! resend and response timeouts all come from the core; the error type, the query builder,
//! reconnect and host key checks from [`ts3q_runtime`], shared with the async runtimes.
//!
//! ```text
//!  your code ── exec / query(..).all() / wait_for_event / upload ──▶ Connection
//!                                                                      │ one thread, blocking
//!        TcpStream or ssh2 channel ◀── poll_transmit ── ts3q::Client ◀─┤ send(cmd)
//!        read (timeout = poll_timeout) ── handle_input / handle_timeout ─▶ responses, events
//! ```
//!
//! Runnable as it stands: the hidden lines start a simulator, whose address stands in for a
//! real server's `telnet://serveradmin:PASSWORD@host:10011`.
//!
//! ```
//! use std::time::Duration;
//! use ts3q_blocking::Connection;
//! # let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() }).unwrap();
//! # let uri = format!("telnet://serveradmin:{}@{}", sim.password(), sim.query_addr());
//!
//! let mut conn = Connection::open(&uri)?; // logs in with the URI's credentials
//! conn.exec(ts3q::Command::new("use").param("sid", 1))?;
//! for client in conn.query("clientlist").option("uid").all()? {
//!     println!("{} {}", client.str("clid").unwrap_or_default(), client.str("client_nickname").unwrap_or_default());
//! }
//! conn.exec(ts3q::Command::new("servernotifyregister").param("event", "server"))?;
//! # sim.add_client("Newcomer", 1);
//! let event = conn.wait_for_event(Some(Duration::from_secs(60)))?;
//! assert_eq!(event.name(), "notifycliententerview");
//! conn.close()?;
//! # Ok::<(), ts3q_blocking::Error>(())
//! ```

#![deny(missing_docs)]

mod connection;
pub mod transfer;
mod transport;

pub use connection::Connection;
pub use ts3q;
pub use ts3q_runtime::{
    parse_sha256_fingerprint, Error, HostKeyCheck, Options, Query, Reconnect, Reconnected,
};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
