//! How commands and connections end when not with a response: the machine's errors.

use std::time::Duration;

use crate::error::{CommandError, ParseError};
use crate::mode::Mode;
use crate::parse::QueryError;

/// How a submitted command ended, when it did not end with a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No response arrived within the timeout. A late response is recognised and dropped.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// The response could not be read; the connection goes on.
    #[error("malformed response: {0}")]
    Parse(#[from] ParseError),
    /// The connection closed before the response arrived. The command may or may not have
    /// run: it was sent (or about to be), and the server's answer was lost with the
    /// connection.
    #[error("connection closed before the response arrived (the command may or may not have run)")]
    ConnectionClosed,
}

/// Why [`Client::send`](crate::Client::send) refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The command does not compile.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The machine is closing or closed.
    #[error("connection is closing or closed")]
    Closed,
}

/// Something wrong with the connection as a whole, not with one command's response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The peer did not greet like a TeamSpeak 3 query interface.
    #[error("peer is not a TeamSpeak 3 query interface")]
    NotTs3Query,
    /// The peer is the other kind of query interface (ServerQuery vs. ClientQuery).
    #[error("expected a {expected} greeting, the peer is a {found} interface")]
    WrongInterface {
        /// What the configuration asked for.
        expected: Mode,
        /// What the greeting said.
        found: Mode,
    },
    /// The peer sent an error line instead of a greeting (e.g. 3329, banned).
    #[error("connection refused by the server: {0}")]
    Refused(QueryError),
    /// No complete greeting within the greeting timeout.
    #[error("no greeting within {0:?}")]
    GreetingTimeout(Duration),
    /// A data line arrived while no command was waiting for one.
    #[error("data line of {len} bytes with no command in flight")]
    UnsolicitedData {
        /// Its length.
        len: usize,
    },
    /// An error line arrived while no command was waiting for one.
    #[error("error line with no command in flight (id {id:?})")]
    UnsolicitedStatus {
        /// Its id, when it parsed.
        id: Option<u32>,
    },
    /// An event line longer than the maximum was skipped.
    #[error("event line of {len} bytes exceeds the maximum of {max}")]
    EventTooLong {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// The input ended inside a line; the partial line was dropped.
    #[error("input ended inside a line of {len} bytes")]
    TruncatedLine {
        /// Bytes of the partial line.
        len: usize,
    },
}
