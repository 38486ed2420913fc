//! # ts3q-blocking: TeamSpeak 3 query connections on std blocking I/O
//!
//! A thin loop around the [`ts3q`] state machine: write what it emits, feed it what the socket
//! (or SSH channel) gives, sleep until its next deadline. Keepalive, flood pacing, the 524
//! resend and response timeouts all come from the core.
//!
//! ```no_run
//! use ts3q_blocking::Connection;
//!
//! let mut conn = Connection::open("telnet://serveradmin:secret@localhost:10011")?;
//! conn.exec(ts3q::Command::new("use").param("sid", 1))?;
//! for client in conn.query("clientlist").option("uid").all()? {
//!     println!("{} {}", client.str("clid").unwrap_or_default(), client.str("client_nickname").unwrap_or_default());
//! }
//! conn.exec(ts3q::Command::new("servernotifyregister").param("event", "server"))?;
//! let event = conn.wait_for_event(Some(std::time::Duration::from_secs(60)))?;
//! println!("{}", event.name());
//! # Ok::<(), ts3q_blocking::Error>(())
//! ```

use std::path::PathBuf;
use std::time::Duration;

mod connection;
mod transport;

pub use connection::{Connection, Query, Reconnected};
pub use transport::parse_sha256_fingerprint;
pub use ts3q;

use ts3q::{CloseReason, Config, Mode, QueryError, QueryUri, RequestError, Transport};

/// How an SSH server's host key is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyCheck {
    /// Accept any key (no protection against a man in the middle).
    AcceptAny,
    /// The key's SHA-256 fingerprint must be this (see [`parse_sha256_fingerprint`]).
    Sha256([u8; 32]),
    /// The key must be listed for the host in this OpenSSH `known_hosts` file.
    KnownHosts(PathBuf),
}

/// Reconnect after the connection drops: attempts, with a doubling backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Attempts per outage.
    pub attempts: u32,
    /// Wait before the first attempt; doubled after each failure.
    pub backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for Reconnect {
    fn default() -> Reconnect {
        Reconnect {
            attempts: 5,
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// Everything needed to open a connection.
#[derive(Clone)]
pub struct Options {
    /// ServerQuery or ClientQuery.
    pub mode: Mode,
    /// Raw TCP or SSH.
    pub transport: Transport,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Query login (user, password): sent as `login` over TCP, used to authenticate over SSH.
    pub login: Option<(String, String)>,
    /// ClientQuery API key, sent as `auth` after connecting.
    pub apikey: Option<String>,
    /// Time allowed to connect and receive the greeting.
    pub connect_timeout: Duration,
    /// The state machine's settings: response timeout, keepalive, flood pacing.
    pub config: Config,
    /// SSH host key check.
    pub host_key: HostKeyCheck,
    /// Reconnect policy (`None`: a dropped connection is an error).
    pub reconnect: Option<Reconnect>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("mode", &self.mode)
            .field("transport", &self.transport)
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "login",
                &self.login.as_ref().map(|(u, _)| (u, "<redacted>")),
            )
            .field("apikey", &self.apikey.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("config", &self.config)
            .field("host_key", &self.host_key)
            .field("reconnect", &self.reconnect)
            .finish()
    }
}

impl Options {
    /// Options from a URI (`telnet://user:pass@host:port`, `ssh://...`), user and password
    /// percent-decoded, default ports when omitted.
    pub fn from_uri(uri: &str, mode: Mode) -> Result<Options, Error> {
        let u = QueryUri::parse(uri, mode)?;
        if u.transport == Transport::Ssh && mode == Mode::ClientQuery {
            return Err(Error::Unsupported("ClientQuery has no SSH interface"));
        }
        let mut o = Options::new(mode, u.transport, &u.host, u.port);
        o.login = u.user.zip(u.password);
        Ok(o)
    }

    /// Options for `host:port` with defaults (10 s connect timeout, the core's defaults, any
    /// host key accepted, no reconnect).
    pub fn new(mode: Mode, transport: Transport, host: &str, port: u16) -> Options {
        Options {
            mode,
            transport,
            host: host.into(),
            port,
            login: None,
            apikey: None,
            connect_timeout: Duration::from_secs(10),
            config: Config::new(mode),
            host_key: HostKeyCheck::AcceptAny,
            reconnect: None,
        }
    }

    /// Sets the query login.
    pub fn login(mut self, user: &str, password: &str) -> Options {
        self.login = Some((user.into(), password.into()));
        self
    }

    /// Sets the ClientQuery API key.
    pub fn apikey(mut self, key: &str) -> Options {
        self.apikey = Some(key.into());
        self
    }

    /// Sets the machine's configuration (its mode is kept in step with `mode`).
    pub fn config(mut self, config: Config) -> Options {
        self.config = config;
        self
    }

    /// Sets the reconnect policy.
    pub fn reconnect(mut self, policy: Option<Reconnect>) -> Options {
        self.reconnect = policy;
        self
    }

    /// Sets the SSH host key check.
    pub fn host_key(mut self, check: HostKeyCheck) -> Options {
        self.host_key = check;
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, t: Duration) -> Options {
        self.connect_timeout = t;
        self
    }
}

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
