//! # ts3q-blocking: TeamSpeak 3 query connections on std blocking I/O
//!
//! A thin loop around the [`ts3q`] state machine: write what it emits, feed it what the socket
//! (or SSH channel) gives, sleep until its next deadline. Keepalive, flood pacing, the 524
//! resend and response timeouts all come from the core.
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
mod transport;

pub use connection::{Connection, Query, Reconnected};
pub use ts3q;
pub use ts3q::options::{parse_sha256_fingerprint, HostKeyCheck, Options, Reconnect};

use ts3q::{CloseReason, QueryError, RequestError};

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed (connection refused, reset, ...).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The URI does not parse.
    #[error("invalid URI: {0}")]
    Uri(#[from] ts3q::UriError),
    /// The command does not compile.
    #[error(transparent)]
    Command(#[from] ts3q::CommandError),
    /// The server refused the command (`error id != 0`).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// No response in time, a malformed response, or the connection closed first.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// No event (or greeting) within the time asked for.
    #[error("timed out")]
    Timeout,
    /// The connection is closed (and could not be reopened).
    #[error("connection closed: {0:?}")]
    Closed(CloseReason),
    /// SSH failed below authentication.
    #[error("SSH error: {0}")]
    Ssh(ssh2::Error),
    /// The SSH server refused the user name or password.
    #[error("SSH authentication failed")]
    SshAuth,
    /// The SSH server's host key is not the expected one.
    #[error("SSH host key does not match")]
    HostKeyMismatch,
    /// A file transfer was refused or broke off.
    #[error(transparent)]
    Transfer(#[from] ts3q::filetransfer::FtError),
    /// Not possible with these options.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

impl Error {
    /// The query error id, when the server refused the command.
    pub fn query_id(&self) -> Option<u32> {
        match self {
            Error::Query(q) => Some(q.id()),
            _ => None,
        }
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
