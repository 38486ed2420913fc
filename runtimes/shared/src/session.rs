//! What opening and reopening a connection involves, apart from the socket: checking the
//! options, the commands that follow the greeting, and the reconnect policy's delays.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ts3q::options::{Options, Reconnect};
use ts3q::{CloseReason, Command, ReplayFailure, RequestError, Response, Transport};

use crate::Error;

/// A reconnect that happened: which attempt succeeded and what the replayed session lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnected {
    /// The attempt that succeeded (1 = first).
    pub attempt: u32,
    /// Replayed commands (login, use, subscriptions) that the server refused.
    pub failed: Vec<ReplayFailure>,
}

/// Checks options before connecting: a configuration made for the other interface is adjusted
/// with [`ts3q::Config::for_mode`] (every setting kept) or refused, never replaced; SSH needs a
/// login.
///
/// ```
/// use ts3q::{options::Options, Config, Mode, Transport};
/// let mut o = Options::new(Mode::ClientQuery, Transport::Tcp, "localhost", 25639)
///     .config(Config::server_query().keepalive(None));
/// ts3q_runtime::session::check_options(&mut o).unwrap();
/// assert_eq!(o.config.mode(), Mode::ClientQuery);
/// ```
pub fn check_options(options: &mut Options) -> Result<(), Error> {
    if options.config.mode() != options.mode {
        options.config =
            options
                .config
                .clone()
                .for_mode(options.mode)
                .ok_or(Error::InvalidOptions(
                    "the configuration's keepalive command was made for the other query interface",
                ))?;
    }
    if options.transport == Transport::Ssh && options.login.is_none() {
        return Err(Error::InvalidOptions(
            "SSH needs a login: ssh://user:password@host:10022",
        ));
    }
    Ok(())
}

/// The commands that follow a new connection's greeting: `login` with the URI's credentials
/// over raw TCP (over SSH the SSH login is the query login), `auth` with an API key.
pub fn opening_commands(options: &Options) -> Vec<Command> {
    let mut cmds = Vec::new();
    if let (Transport::Tcp, Some((user, pass))) = (options.transport, &options.login) {
        cmds.push(
            Command::new("login")
                .param("client_login_name", user.as_str())
                .param("client_login_password", pass.as_str()),
        );
    }
    if let Some(key) = &options.apikey {
        cmds.push(Command::new("auth").param("apikey", key.as_str()));
    }
    cmds
}

/// Whether a connection closed this way is reopened under a reconnect policy: when the
/// server went away (end of stream, reset, a dead keepalive), not when it refused us or we
/// closed it.
pub fn reconnects_after(reason: &CloseReason) -> bool {
    matches!(reason, CloseReason::Eof | CloseReason::KeepaliveTimeout)
}

/// The attempts of a reconnect policy: `(attempt, wait before it)`, the wait doubling from
/// `backoff` up to `max_backoff`.
///
/// ```
/// use std::time::Duration;
/// use ts3q::options::Reconnect;
/// let p = Reconnect { attempts: 4, backoff: Duration::from_millis(100), max_backoff: Duration::from_millis(300) };
/// let waits: Vec<_> = ts3q_runtime::session::attempts(&p).map(|(_, w)| w.as_millis()).collect();
/// assert_eq!(waits, [100, 200, 300, 300]);
/// ```
pub fn attempts(policy: &Reconnect) -> impl Iterator<Item = (u32, Duration)> {
    let (mut wait, max) = (policy.backoff, policy.max_backoff);
    (1..=policy.attempts).map(move |attempt| {
        let this = wait.min(max);
        wait = (wait * 2).min(max);
        (attempt, this)
    })
}

/// The error a call gets once the connection closed for `reason`: the transport's own error
/// when that is why it ended (a reset, a failed write), else `Closed(reason)`.
pub fn closed_error(reason: CloseReason, io: Option<Arc<io::Error>>) -> Error {
    match (reason, io) {
        (CloseReason::Eof, Some(e)) => Error::Io(e),
        (reason, _) => Error::Closed(reason),
    }
}

/// A command's result as the application gets it. A response lost with a failed transport
/// carries the transport's error; a timeout while reading was paused for a full event queue
/// (`stalled`) says so.
pub fn answer(
    result: Result<Response, RequestError>,
    io: Option<&Arc<io::Error>>,
    stalled: bool,
) -> Result<Response, Error> {
    let result = match (result, io) {
        (Err(RequestError::ConnectionClosed), Some(e)) => Err(Error::Io(e.clone())),
        (Err(RequestError::Timeout(_)), _) if stalled => Err(Error::EventQueueFull),
        (r, _) => r.map_err(Error::from),
    };
    if let Err(e) = &result {
        tracing::debug!(error = %e, "command failed");
    }
    result
}

/// Logs that the connection is open (every runtime says it the same way).
pub fn log_connected(o: &Options) {
    tracing::info!(host = %o.host, port = o.port, transport = ?o.transport, mode = ?o.mode, "connected");
}

/// Logs a failed connect.
pub fn log_connect_failed(o: &Options, e: &Error) {
    tracing::warn!(host = %o.host, port = o.port, error = %e, "connect failed");
}

/// Logs a flood-pacing hold (`Output::Paced`): a silent wait of seconds looks like a hang.
pub fn log_paced(until: Instant, queued: usize) {
    let wait = until.saturating_duration_since(Instant::now());
    tracing::info!(
        ?wait,
        queued,
        "flood pacing: commands wait for the server's flood limit"
    );
}
