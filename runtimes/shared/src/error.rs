//! The one error type of every runtime.

use std::io;
use std::sync::Arc;

use ts3q::filetransfer::FtError;
use ts3q::{CloseReason, ProtocolError, QueryError, RequestError};

/// Everything that can go wrong on a connection, the same on every runtime.
///
/// Cheap to clone (an I/O error is shared), so that one failure can answer every command
/// that was waiting on it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed: connection refused, reset, a failed write. Commands in flight when
    /// the connection broke get this too: they may or may not have run.
    #[error("I/O error: {0}")]
    Io(Arc<io::Error>),
    /// The URI does not parse.
    #[error("invalid URI: {0}")]
    Uri(#[from] ts3q::UriError),
    /// The options contradict each other (SSH without a login, a configuration that cannot
    /// be used for the options' interface).
    #[error("invalid options: {0}")]
    InvalidOptions(&'static str),
    /// The command does not compile.
    #[error(transparent)]
    Command(#[from] ts3q::CommandError),
    /// The server refused the command (`error id != 0`).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// No response in time, or a malformed response; the connection goes on.
    #[error(transparent)]
    Request(RequestError),
    /// No event (or greeting, or close) within the time asked for.
    #[error("timed out")]
    Timeout,
    /// The connection is closed and could not be reopened. `Protocol(NotTs3Query)`: the peer
    /// is not a TeamSpeak 3 query interface.
    #[error("connection closed: {0:?}")]
    Closed(CloseReason),
    /// SSH failed below authentication.
    #[error("SSH error: {0}")]
    Ssh(String),
    /// The SSH server refused the user name or password.
    #[error("SSH authentication failed")]
    SshAuth,
    /// The SSH server's key is not the pinned one, or `known_hosts` lists another key for
    /// the host: possibly a man in the middle. Nothing was sent.
    #[error(
        "the SSH host key of {host} ({fingerprint}) is not the expected one: if the server's key \
         really changed, check the new one and pin it with \
         HostKeyCheck::Sha256(parse_sha256_fingerprint(\"{fingerprint}\")) or update known_hosts"
    )]
    HostKeyMismatch {
        /// `host:port`.
        host: String,
        /// The key the server presented, as OpenSSH prints it (`SHA256:...`).
        fingerprint: String,
    },
    /// The SSH server's key is not in `known_hosts`: the first connection to this server.
    #[error(
        "the SSH host key of {host} ({fingerprint}) is not known: check it (on the server: \
         ssh-keygen -l -E sha256 -f <host key>.pub), then pin it with \
         HostKeyCheck::Sha256(parse_sha256_fingerprint(\"{fingerprint}\")) or add it to \
         ~/.ssh/known_hosts (ssh-keyscan -p PORT HOST)"
    )]
    HostKeyUnknown {
        /// `host:port`.
        host: String,
        /// The key the server presented, as OpenSSH prints it (`SHA256:...`).
        fingerprint: String,
    },
    /// Events were dropped because the application did not take them fast enough
    /// (`Overflow::DropOldest`): this many since the last report. The next call returns the
    /// next event.
    #[error("{0} events were dropped: the event queue was full")]
    EventsLost(u64),
    /// The command's response did not arrive in time while the connection had stopped
    /// reading because the event queue was full (`Overflow::BackPressure`): take events, and
    /// responses flow again. The command may or may not have run.
    #[error(
        "no response in time: the event queue is full and the connection waits for it to drain"
    )]
    EventQueueFull,
    /// The transfer connection failed in mid-transfer (reset, timeout): `done` bytes of the
    /// file are where they should be, `expected` were wanted. Resume with
    /// `Upload::resume(true)` or `Download::seekpos(done)`.
    #[error("file transfer interrupted at {done} of {expected} bytes: {cause}")]
    TransferInterrupted {
        /// Bytes of the file present (moved now, and before the start offset).
        done: u64,
        /// The file's size.
        expected: u64,
        /// What broke.
        cause: Arc<io::Error>,
    },
    /// A result did not fit the type asked for (`all_as`, `first_as`): which key, which value.
    #[cfg(feature = "serde")]
    #[error("cannot read the result: {0}")]
    Deserialize(ts3q::de::DeError),
    /// A file transfer was refused or broke off.
    #[error(transparent)]
    Transfer(#[from] FtError),
    /// A result did not read as the typed struct asked for (`all_typed`, `first_typed`).
    #[error("cannot read the result: {0}")]
    Field(#[from] ts3q::FieldError),
    /// A known notification did not read as its typed struct; the raw event is kept in it.
    /// The connection goes on: ask for the next one.
    #[error("cannot read the notification: {0}")]
    Notification(Box<ts3q::typed::events::NotificationError>),
}

impl From<ts3q::typed::events::NotificationError> for Error {
    fn from(e: ts3q::typed::events::NotificationError) -> Error {
        Error::Notification(Box::new(e))
    }
}

impl Error {
    /// The TeamSpeak error id, wherever it came from: a refused command (`Error::Query`), a
    /// refused transfer (its `status`, such as 2051 for a missing file), or a server that
    /// refused the connection in its greeting (3329, banned).
    ///
    /// ```
    /// use ts3q::{QueryError, Status};
    /// let e = ts3q_runtime::Error::from(QueryError(Status::new(768, "invalid channelID")));
    /// assert_eq!(e.query_id(), Some(768));
    /// assert_eq!(ts3q_runtime::Error::Timeout.query_id(), None);
    /// ```
    pub fn query_id(&self) -> Option<u32> {
        match self {
            Error::Query(q) => Some(q.id()),
            Error::Transfer(FtError::Refused { status, .. }) => Some(*status),
            Error::Closed(CloseReason::Protocol(ProtocolError::Refused(q))) => Some(q.id()),
            _ => None,
        }
    }

    /// The TeamSpeak error id as an [`ErrorId`](ts3q::ErrorId), to match on:
    ///
    /// ```
    /// use ts3q::{ErrorId, QueryError, Status};
    /// let e = ts3q_runtime::Error::Query(QueryError(Status::new(2568, "insufficient client permissions")));
    /// assert_eq!(e.code(), Some(ErrorId::PermissionsClientInsufficient));
    /// ```
    pub fn code(&self) -> Option<ts3q::ErrorId> {
        self.query_id().map(ts3q::ErrorId::from_id)
    }

    /// Whether the peer turned out not to be a TeamSpeak 3 query interface.
    pub fn is_not_ts3(&self) -> bool {
        matches!(
            self,
            Error::Closed(CloseReason::Protocol(ProtocolError::NotTs3Query))
        )
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(Arc::new(e))
    }
}

impl From<RequestError> for Error {
    fn from(e: RequestError) -> Error {
        Error::Request(e)
    }
}
