//! Connection options shared by the runtimes: where to connect, how to log in, how to check
//! an SSH host key, and whether to reconnect. Plain data: nothing here does I/O.

use std::path::PathBuf;
use std::time::Duration;

use crate::uri::{QueryUri, Transport, UriError};
use crate::{Config, Mode};

/// How an SSH server's host key is checked. The default is [`HostKeyCheck::UserKnownHosts`]:
/// an unknown or changed key is refused, with its fingerprint in the error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HostKeyCheck {
    /// The key must be listed for the host in the user's OpenSSH `known_hosts`
    /// (`$HOME/.ssh/known_hosts`), as `ssh` itself checks it. A missing file lists nothing.
    #[default]
    UserKnownHosts,
    /// Accept any key. No protection against a man in the middle, who then learns the query
    /// password: only for throwaway test servers.
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

/// How many received events a runtime keeps for the application, and what happens when it
/// does not take them fast enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventQueue {
    /// Events kept at most (at least 1).
    pub capacity: usize,
    /// What a full queue does.
    pub overflow: Overflow,
}

impl Default for EventQueue {
    /// 10 000 events, dropping the oldest: a bot that never reads events (it only runs
    /// commands) keeps working with bounded memory, and one that reads them learns how many
    /// it missed. Back-pressure would instead stall its commands once the queue is full.
    fn default() -> EventQueue {
        EventQueue {
            capacity: 10_000,
            overflow: Overflow::DropOldest,
        }
    }
}

/// What a full event queue does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Drop the oldest event for the new one, and count it: the next event read reports how
    /// many were lost (as tokio's broadcast channel reports `Lagged(n)`).
    DropOldest,
    /// Stop reading the connection until the application takes events. Nothing is lost, but
    /// responses wait too: a command whose response does not arrive in time meanwhile ends
    /// with an error that says the event queue was full.
    BackPressure,
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
    /// The bound on events kept for the application.
    pub events: EventQueue,
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
            .field("events", &self.events)
            .finish()
    }
}

impl Options {
    /// Options from a URI (`telnet://user:pass@host:port`, `ssh://...`), user and password
    /// percent-decoded, default ports when omitted.
    pub fn from_uri(uri: &str, mode: Mode) -> Result<Options, UriError> {
        let u = QueryUri::parse(uri, mode)?;
        if u.transport == Transport::Ssh && mode == Mode::ClientQuery {
            return Err(UriError::Scheme); // ClientQuery has no SSH interface
        }
        let mut o = Options::new(mode, u.transport, &u.host, u.port);
        o.login = u.user.zip(u.password);
        Ok(o)
    }

    /// Options for `host:port` with defaults (10 s connect timeout, the core's defaults, SSH
    /// host keys checked against `~/.ssh/known_hosts`, no reconnect).
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
            host_key: HostKeyCheck::default(),
            reconnect: None,
            events: EventQueue::default(),
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

    /// Sets the machine's configuration. Its mode should be `mode`; the runtimes adjust one
    /// made for the other interface with [`Config::for_mode`] (keeping every setting), and
    /// refuse it when that is impossible, never replacing it silently.
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

    /// Sets the event queue's bound and overflow policy.
    pub fn events(mut self, queue: EventQueue) -> Options {
        self.events = queue;
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, t: Duration) -> Options {
        self.connect_timeout = t;
        self
    }
}

/// Parses an OpenSSH fingerprint (`SHA256:base64`, padding optional) into its 32 bytes.
///
/// ```
/// let fp = ts3q::options::parse_sha256_fingerprint("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
/// assert_eq!(fp[0], 0xe3); // SHA-256 of the empty string
/// ```
pub fn parse_sha256_fingerprint(s: &str) -> Option<[u8; 32]> {
    let b64 = s.strip_prefix("SHA256:").unwrap_or(s).trim_end_matches('=');
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(32);
    for c in b64.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    out.try_into().ok()
}
