//! The settings of a [`Client`](crate::Client).

use std::time::Duration;

use bytes::Bytes;

use crate::command::Command;
use crate::framing::DEFAULT_MAX_LINE;
use crate::mode::Mode;
use crate::pacing::FloodLimit;

/// Settings of a [`Client`](crate::Client).
///
/// ```
/// use std::time::Duration;
/// let config = ts3q::Config::server_query()
///     .response_timeout(Some(Duration::from_secs(5)))
///     .keepalive(Some(Duration::from_secs(120)))
///     .flood_limit(None); // allow-listed host: no pacing
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) mode: Mode,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) greeting_timeout: Option<Duration>,
    pub(crate) keepalive: Option<Duration>,
    keepalive_command: Option<Bytes>,
    pub(crate) flood: Option<FloodLimit>,
    pub(crate) flood_retries: u32,
    pub(crate) max_line: usize,
    pub(crate) dedup_events: bool,
}

impl Config {
    /// Defaults for `mode`: 30 s response timeout, 10 s greeting timeout, keepalive after 60 s
    /// idle, pacing at the server's default flood limit, 3 retries on error 524, 16 MiB lines.
    pub fn new(mode: Mode) -> Config {
        Config {
            mode,
            response_timeout: Some(Duration::from_secs(30)),
            greeting_timeout: Some(Duration::from_secs(10)),
            keepalive: Some(Duration::from_secs(60)),
            keepalive_command: None,
            flood: Some(FloodLimit::default()),
            flood_retries: 3,
            max_line: DEFAULT_MAX_LINE,
            dedup_events: false,
        }
    }

    /// [`Config::new`] for ServerQuery.
    pub fn server_query() -> Config {
        Config::new(Mode::ServerQuery)
    }

    /// [`Config::new`] for ClientQuery.
    pub fn client_query() -> Config {
        Config::new(Mode::ClientQuery)
    }

    /// Default time a command may wait for its response (`None`: forever).
    pub fn response_timeout(mut self, t: Option<Duration>) -> Config {
        self.response_timeout = t;
        self
    }

    /// Time allowed for the greeting (`None`: forever).
    pub fn greeting_timeout(mut self, t: Option<Duration>) -> Config {
        self.greeting_timeout = t;
        self
    }

    /// Send a keepalive command after this long without sending anything (`None`: never).
    pub fn keepalive(mut self, interval: Option<Duration>) -> Config {
        self.keepalive = interval;
        self
    }

    /// The keepalive command (default `version` for ServerQuery, `currentschandlerid` for
    /// ClientQuery, which has no `version`). Its response is never delivered.
    pub fn keepalive_command(mut self, cmd: Command) -> Result<Config, crate::CommandError> {
        self.keepalive_command = Some(cmd.into_bytes(self.mode)?);
        Ok(self)
    }

    /// Flood pacing (`None` for hosts on the server's allow list).
    pub fn flood_limit(mut self, limit: Option<FloodLimit>) -> Config {
        self.flood = limit;
        self
    }

    /// How often a command refused with 524 (flooding) is resent before the 524 is delivered.
    pub fn flood_retries(mut self, n: u32) -> Config {
        self.flood_retries = n;
        self
    }

    /// Longest accepted line, and longest accepted response (all data lines together).
    /// At least 512 bytes (greeting lines must fit), at most 4 GiB.
    pub fn max_line(mut self, bytes: usize) -> Config {
        self.max_line = bytes.clamp(512, u32::MAX as usize - 1);
        self
    }

    /// Drop a client enter/leave/move event identical to the one just before it: the server
    /// sends those twice to a connection registered for both `server` and `channel` events.
    pub fn dedup_events(mut self, on: bool) -> Config {
        self.dedup_events = on;
        self
    }

    /// The interface this configuration expects.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The same settings for the other interface, or `None` when a custom
    /// [`keepalive_command`](Self::keepalive_command) was set (it was checked against this
    /// interface's commands, and may not exist on the other).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ts3q::{Config, Mode};
    /// let c = Config::server_query().response_timeout(Some(Duration::from_secs(3)));
    /// let c = c.for_mode(Mode::ClientQuery).unwrap();
    /// assert_eq!((c.mode(), c.response_timeout_value()), (Mode::ClientQuery, Some(Duration::from_secs(3))));
    /// ```
    pub fn for_mode(mut self, mode: Mode) -> Option<Config> {
        if mode == self.mode {
            return Some(self);
        }
        if self.keepalive_command.is_some() {
            return None;
        }
        self.mode = mode;
        Some(self)
    }

    /// The default response timeout.
    pub fn response_timeout_value(&self) -> Option<Duration> {
        self.response_timeout
    }

    pub(crate) fn keepalive_bytes(&self) -> Bytes {
        self.keepalive_command
            .clone()
            .unwrap_or_else(|| match self.mode {
                Mode::ServerQuery => Bytes::from_static(b"version\n"),
                Mode::ClientQuery => Bytes::from_static(b"currentschandlerid\n"),
            })
    }
}
