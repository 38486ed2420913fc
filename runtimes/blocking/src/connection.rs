//! The connection: the core's verbs around a blocking byte pipe.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ts3q::filetransfer::{self, Direction, Progress, Ticket};
use ts3q::{
    Client, CloseReason, Command, Event, Mode, Output, OwnedItem, ParamValue, ReplayFailure,
    RequestId, Response, SessionLog, Transport,
};

use crate::transport::Io;
use crate::{Error, Options};

/// A `clientftfid` unique among this process's transfers.
fn next_ftid() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A reconnect that happened: which attempt succeeded and what the replayed session lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnected {
    /// The attempt that succeeded (1 = first).
    pub attempt: u32,
    /// Replayed commands (login, use, subscriptions) that the server refused.
    pub failed: Vec<ReplayFailure>,
}

/// A query connection (ServerQuery or ClientQuery, raw TCP or SSH).
pub struct Connection {
    io: Option<Io>,
    client: Client,
    options: Options,
    results: HashMap<RequestId, Result<Response, ts3q::RequestError>>,
    events: VecDeque<Event>,
    closed: Option<CloseReason>,
    resumed: Option<Vec<ReplayFailure>>,
    reconnects: Vec<Reconnected>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("options", &self.options)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens a ServerQuery connection from a URI; with credentials in a `telnet://` URI it logs
    /// in, over `ssh://` the SSH login is the query login.
    pub fn open(uri: &str) -> Result<Connection, Error> {
        Connection::connect(Options::from_uri(uri, Mode::ServerQuery)?)
    }

    /// Opens a ClientQuery connection from a URI (`telnet://localhost:25639`).
    pub fn open_client(uri: &str) -> Result<Connection, Error> {
        Connection::connect(Options::from_uri(uri, Mode::ClientQuery)?)
    }

    /// Opens a connection with explicit options.
    pub fn connect(mut options: Options) -> Result<Connection, Error> {
        if options.config.mode() != options.mode {
            options.config = ts3q::Config::new(options.mode);
        }
        let mut conn = Connection {
            io: None,
            client: Client::new(options.config.clone(), Instant::now()),
            options,
            results: HashMap::new(),
            events: VecDeque::new(),
            closed: None,
            resumed: None,
            reconnects: Vec::new(),
            buf: vec![0; 64 * 1024],
        };
        conn.establish(None)?;
        if conn.options.transport == Transport::Tcp {
            if let Some((user, pass)) = conn.options.login.clone() {
                conn.exec(
                    Command::new("login")
                        .param("client_login_name", user.as_str())
                        .param("client_login_password", pass.as_str()),
                )?;
            }
        }
        if let Some(key) = conn.options.apikey.clone() {
            conn.exec(Command::new("auth").param("apikey", key.as_str()))?;
        }
        Ok(conn)
    }

    /// Opens the transport and waits for the greeting (and, when resuming, the replay).
    fn establish(&mut self, session: Option<SessionLog>) -> Result<(), Error> {
        let o = &self.options;
        let io = match o.transport {
            Transport::Tcp => Io::tcp(&o.host, o.port, o.connect_timeout)?,
            Transport::Ssh => {
                let (user, pass) = o
                    .login
                    .clone()
                    .ok_or(Error::Unsupported("SSH needs a login"))?;
                Io::ssh(
                    &o.host,
                    o.port,
                    &user,
                    &pass,
                    &o.host_key,
                    o.connect_timeout,
                )?
            }
        };
        let now = Instant::now();
        let resuming = session.is_some();
        self.client = match session {
            Some(log) => Client::resume(o.config.clone(), now, log),
            None => Client::new(o.config.clone(), now),
        };
        self.io = Some(io);
        self.closed = None;
        self.resumed = None;
        let deadline = now + self.options.connect_timeout;
        let ready = |c: &mut Connection| {
            c.client.greeting().is_some() && (!resuming || c.resumed.is_some())
        };
        if !self.drive(Some(deadline), ready)? {
            return Err(match self.closed.clone() {
                Some(reason) => Error::Closed(reason),
                None => Error::Timeout,
            });
        }
        Ok(())
    }

    /// Writes, reads and ticks the machine until `done` or `deadline`. Ok(false): deadline.
    fn drive(
        &mut self,
        deadline: Option<Instant>,
        mut done: impl FnMut(&mut Connection) -> bool,
    ) -> Result<bool, Error> {
        loop {
            while let Some(bytes) = self.client.poll_transmit() {
                let Some(io) = self.io.as_mut() else { break };
                if io.write_all(&bytes).is_err() {
                    self.client.handle_eof(Instant::now());
                }
            }
            while let Some(out) = self.client.poll_output() {
                match out {
                    Output::Response { id, result } => {
                        self.results.insert(id, result);
                    }
                    Output::Event(e) => self.events.push_back(e),
                    Output::Resumed { failed } => self.resumed = Some(failed),
                    Output::Closed(reason) => {
                        if let Some(mut io) = self.io.take() {
                            io.shutdown();
                        }
                        self.closed = Some(reason);
                    }
                    _ => {}
                }
            }
            if done(self) {
                return Ok(true);
            }
            if self.closed.is_some() {
                return Ok(false);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Ok(false);
            }
            let wake = match (self.client.poll_timeout(), deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if wake.is_some_and(|w| w <= now) {
                self.client.handle_timeout(now);
                continue;
            }
            let Some(io) = self.io.as_mut() else {
                return Ok(false);
            };
            match io.read(&mut self.buf, wake.map(|w| w - now)) {
                Ok(0) => self.client.handle_eof(Instant::now()),
                Ok(n) => self.client.handle_input(&self.buf[..n], Instant::now()),
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) =>
                {
                    self.client.handle_timeout(Instant::now())
                }
                Err(_) => self.client.handle_eof(Instant::now()),
            }
        }
    }

    /// When the connection dropped: reconnect and replay the session if the policy allows.
    fn ensure_open(&mut self) -> Result<(), Error> {
        let Some(reason) = self.closed.clone() else {
            return Ok(());
        };
        let (Some(policy), CloseReason::Eof | CloseReason::KeepaliveTimeout) =
            (self.options.reconnect, &reason)
        else {
            return Err(Error::Closed(reason));
        };
        let session = self.client.session().clone();
        let mut wait = policy.backoff;
        let mut last = Error::Closed(reason);
        for attempt in 1..=policy.attempts {
            std::thread::sleep(wait);
            wait = (wait * 2).min(policy.max_backoff);
            match self.establish(Some(session.clone())) {
                Ok(()) => {
                    let failed = self.resumed.take().unwrap_or_default();
                    self.reconnects.push(Reconnected { attempt, failed });
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Sends a command and waits for its response; a refusal (`error id != 0`) is
    /// [`Error::Query`].
    pub fn exec(&mut self, cmd: Command) -> Result<Response, Error> {
        Ok(self.send(cmd)?.into_result()?)
    }

    /// Sends a command and waits for its response, whatever its error id.
    pub fn send(&mut self, cmd: Command) -> Result<Response, Error> {
        self.ensure_open()?;
        let id = self.client.send(cmd, Instant::now()).map_err(|e| match e {
            ts3q::SendError::Command(c) => Error::Command(c),
            _ => Error::Closed(self.closed.clone().unwrap_or(CloseReason::Local)),
        })?;
        self.drive(None, |c| c.results.contains_key(&id))?;
        match self.results.remove(&id) {
            Some(result) => Ok(result?),
            None => Err(Error::Closed(
                self.closed.clone().unwrap_or(CloseReason::Eof),
            )),
        }
    }

    /// Starts a command with the builder: `conn.query("clientkick").param(..).pipe()...fetch()`.
    pub fn query(&mut self, name: &str) -> Query<'_> {
        Query {
            conn: self,
            cmd: Command::new(name),
        }
    }

    /// The next event, waiting at most `timeout` (`None`: forever); events that arrived during
    /// commands are returned first, in order.
    pub fn wait_for_event(&mut self, timeout: Option<Duration>) -> Result<Event, Error> {
        if let Some(e) = self.events.pop_front() {
            return Ok(e);
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            self.ensure_open()?;
            if self.drive(deadline, |c| !c.events.is_empty())? {
                return self.events.pop_front().ok_or(Error::Timeout);
            }
            if self.closed.is_none() {
                return Err(Error::Timeout);
            }
        }
    }

    /// Events received so far and not yet taken.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// ClientQuery: authenticates with an API key.
    pub fn auth(&mut self, apikey: &str) -> Result<(), Error> {
        self.exec(Command::new("auth").param("apikey", apikey))
            .map(drop)
    }

    /// ClientQuery: the server connection handler selected in the greeting.
    pub fn schandlerid(&self) -> Option<u64> {
        self.client.schandlerid()
    }

    /// Reconnects that happened since the last call.
    pub fn take_reconnects(&mut self) -> Vec<Reconnected> {
        std::mem::take(&mut self.reconnects)
    }

    /// The state machine (for its session log, state, counters).
    pub fn machine(&self) -> &Client {
        &self.client
    }

    /// Uploads `file` as `name` (a path like `/dir/a.png`) to channel `cid`, from where the
    /// server asks (with `resume`, its stored size). Returns the file's size once the server
    /// has it all.
    pub fn upload(
        &mut self,
        file: &mut (impl Read + Seek),
        name: &str,
        cid: u32,
        cpw: &str,
        overwrite: bool,
        resume: bool,
    ) -> Result<u64, Error> {
        let size = file.seek(SeekFrom::End(0))?;
        let id = next_ftid();
        let resp = self.exec(filetransfer::init_upload(
            id, name, cid, cpw, size, overwrite, resume,
        ))?;
        let ticket = Ticket::from_response(&resp, Direction::Upload)?;
        let mut progress = Progress::upload(size, ticket.seekpos);
        let mut sock = self.transfer_socket(&ticket)?;
        file.seek(SeekFrom::Start(progress.start))?;
        let mut buf = vec![0u8; 64 * 1024];
        while progress.remaining() > 0 {
            let want = progress.remaining().min(buf.len() as u64) as usize;
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                break; // the file shrank under us
            }
            sock.write_all(&buf[..n])?;
            progress.advance(n as u64);
        }
        // No acknowledgement: the server closes once it has everything.
        let _ = sock.shutdown(std::net::Shutdown::Write);
        let mut rest = Vec::new();
        let _ = sock.read_to_end(&mut rest);
        Ok(progress.finish()?)
    }

    /// Downloads `name` from channel `cid` into `out`, starting at `seekpos`. Returns the
    /// file's size once every byte arrived.
    pub fn download(
        &mut self,
        out: &mut impl Write,
        name: &str,
        cid: u32,
        cpw: &str,
        seekpos: u64,
    ) -> Result<u64, Error> {
        let id = next_ftid();
        let resp = self.exec(filetransfer::init_download(id, name, cid, cpw, seekpos))?;
        let ticket = Ticket::from_response(&resp, Direction::Download)?;
        let mut progress = Progress::download(ticket.size, seekpos);
        let mut sock = self.transfer_socket(&ticket)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = sock.read(&mut buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
            progress.advance(n as u64);
        }
        Ok(progress.finish()?)
    }

    /// Connects to the transfer port the ticket names and sends its key.
    fn transfer_socket(&self, ticket: &Ticket) -> Result<std::net::TcpStream, Error> {
        let host = ticket.host(&self.options.host).to_string();
        let mut sock =
            crate::transport::connect_tcp(&host, ticket.port, self.options.connect_timeout)?;
        sock.set_read_timeout(self.options.config.response_timeout_value())?;
        sock.write_all(ticket.key.as_bytes())?;
        Ok(sock)
    }

    /// Sends `quit` and closes, waiting at most the response timeout.
    pub fn close(mut self) -> Result<(), Error> {
        self.shutdown(Duration::from_secs(5))
    }

    fn shutdown(&mut self, wait: Duration) -> Result<(), Error> {
        if self.closed.is_some() || self.io.is_none() {
            return Ok(());
        }
        self.client.close(Instant::now());
        let done = self.drive(Some(Instant::now() + wait), |c| c.closed.is_some())?;
        if let Some(mut io) = self.io.take() {
            io.shutdown();
        }
        if done {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.shutdown(Duration::from_secs(1));
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for Connection {
    /// The socket's descriptor (for SSH, the TCP socket under the session), for callers with
    /// their own poll loop. Only meaningful while the connection is open.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io
            .as_ref()
            .map_or(-1, |io| io.tcp_stream().as_raw_fd())
    }
}

/// A command being built on a connection (py-ts3's query builder).
pub struct Query<'c> {
    conn: &'c mut Connection,
    cmd: Command,
}

impl Query<'_> {
    /// Adds `key=value` to the current pipe.
    pub fn param(mut self, key: &str, value: impl ParamValue) -> Self {
        self.cmd.push_param(key, value);
        self
    }

    /// Adds `-option` to the current pipe.
    pub fn option(mut self, option: &str) -> Self {
        self.cmd.push_option(option);
        self
    }

    /// Starts a new pipe.
    pub fn pipe(mut self) -> Self {
        self.cmd.push_pipe();
        self
    }

    /// Allows a command name the interface's list does not know.
    pub fn allow_unknown(mut self) -> Self {
        self.cmd = self.cmd.allow_unknown();
        self
    }

    /// Runs it: the whole response.
    pub fn fetch(self) -> Result<Response, Error> {
        self.conn.exec(self.cmd)
    }

    /// Runs it: the first item, if any (an empty result set, 1281, is `None`).
    pub fn first(self) -> Result<Option<OwnedItem>, Error> {
        match self.conn.exec(self.cmd) {
            Ok(r) => Ok(r.into_first()),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs it: all items (an empty result set, 1281, is an empty list).
    pub fn all(self) -> Result<Vec<OwnedItem>, Error> {
        match self.conn.exec(self.cmd) {
            Ok(r) => Ok(r.into_items()),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}
