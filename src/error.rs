//! Error types, one per layer. None of them ever carries a parameter value, so a password or
//! API key can never leak through an error message or its `Debug` output.

use std::time::Duration;

use crate::parse::Status;

/// Why a line could not be read as what it claimed to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// An `error` line without an `id`.
    #[error("error line has no id")]
    MissingErrorId,
    /// An `error` line whose `id` is not an unsigned integer.
    #[error("error line id is not a number")]
    InvalidErrorId,
    /// A line longer than the configured maximum; it was skipped.
    #[error("line of {len} bytes exceeds the maximum of {max}")]
    LineTooLong {
        /// Length of the skipped line.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Input larger than the 4 GiB an index can address.
    #[error("input of {len} bytes is too large to index")]
    TooLarge {
        /// Its length.
        len: usize,
    },
}

/// Why a field of an item could not be read as the requested type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The item has no such key.
    #[error("missing field `{key}`")]
    Missing {
        /// The key asked for.
        key: String,
    },
    /// The value is not valid UTF-8.
    #[error("field `{key}` is not valid UTF-8")]
    NotUtf8 {
        /// The key asked for.
        key: String,
    },
    /// The value does not parse as the requested type (the value itself is not repeated here).
    #[error("field `{key}` is not a valid {ty}")]
    Invalid {
        /// The key asked for.
        key: String,
        /// The requested type.
        ty: &'static str,
    },
}

/// A command that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The name is empty or holds characters other than ASCII letters, digits and `_`.
    #[error("invalid command name {name:?}")]
    InvalidName {
        /// The name, as given.
        name: String,
    },
    /// The name is not in the command set of the query interface (see [`crate::CommandSet`]).
    #[error(
        "unknown {set} command {name:?} (use allow_unknown() for commands newer than this list)"
    )]
    InvalidCommand {
        /// The name, as given.
        name: String,
        /// The set it was checked against.
        set: crate::CommandSet,
    },
    /// A parameter key is empty or holds characters other than ASCII letters, digits and `_`.
    #[error("invalid parameter key {key:?}")]
    InvalidKey {
        /// The key, as given.
        key: String,
    },
    /// An option is empty or holds characters other than ASCII letters, digits and `_`.
    #[error("invalid option {option:?}")]
    InvalidOption {
        /// The option, as given (without the leading `-`).
        option: String,
    },
}

/// A line that does not parse as a command (server side).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The line is empty or only spaces (servers ignore it).
    #[error("empty command line")]
    Empty,
    /// The first word is not a command name.
    #[error("invalid command name")]
    InvalidName,
    /// The line is too large to index.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// A `error id=N` line with `N != 0`: the server refused the command.
///
/// It carries the whole parsed error line; the message, extra message and failed permission id
/// are unescaped on access.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("query error {}: {}{}", .0.id(), .0.msg(), .0.extra_msg().map(|m| format!(" ({m})")).unwrap_or_default())]
pub struct QueryError(pub Status);

impl QueryError {
    /// The error id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }
    /// The error id as an [`ErrorId`](crate::ErrorId), to match on:
    ///
    /// ```
    /// use ts3q::{ErrorId, QueryError, Status};
    /// let e = QueryError(Status::new(768, "invalid channelID"));
    /// assert!(matches!(e.code(), ErrorId::ChannelInvalidId));
    /// ```
    pub fn code(&self) -> crate::ErrorId {
        self.0.code()
    }
    /// The whole error line.
    pub fn status(&self) -> &Status {
        &self.0
    }
}

impl std::ops::Deref for QueryError {
    type Target = Status;
    fn deref(&self) -> &Status {
        &self.0
    }
}

impl std::fmt::Debug for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

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
        expected: crate::Mode,
        /// What the greeting said.
        found: crate::Mode,
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
