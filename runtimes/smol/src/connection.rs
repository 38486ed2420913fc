//! The connection handle and its driver task: the core's verbs around an async byte pipe.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::io::SeekFrom;
use std::sync::atomic::{AtomicU32, Ordering};

use smol::channel::{bounded, unbounded, Receiver, Sender};
use smol::future::FutureExt;
use smol::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use ts3q::filetransfer::{self, Direction, Progress, Ticket};
use ts3q::{
    Client, CloseReason, Command, Event, Mode, Output, OwnedItem, ParamValue, ReplayFailure,
    RequestId, Response, SendError, Transport,
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

type Reply = Sender<Result<Response, Error>>;

enum Request {
    // Boxed: the request channel keeps a block of slots per connection, so slots stay small.
    Exec(Box<Command>, Reply),
    Close(Sender<()>),
}

#[derive(Debug, Default)]
struct State {
    schandlerid: Option<u64>,
    reconnects: Vec<Reconnected>,
    closed: Option<CloseReason>,
}

/// A query connection (ServerQuery or ClientQuery, raw TCP or SSH). Clone it freely: every
/// clone talks to the same connection, and commands from many tasks are pipelined. The
/// connection closes (sending `quit`) when the last clone is dropped, or on [`close`](Self::close).
#[derive(Clone)]
pub struct Connection {
    host: Arc<str>,
    requests: Sender<Request>,
    events: Receiver<Event>,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Connection {
    /// Opens a ServerQuery connection from a URI; with credentials in a `telnet://` URI it logs
    /// in, over `ssh://` the SSH login is the query login.
    pub async fn open(uri: &str) -> Result<Connection, Error> {
        Connection::connect(Options::from_uri(uri, Mode::ServerQuery)?).await
    }

    /// Opens a ClientQuery connection from a URI (`telnet://localhost:25639`).
    pub async fn open_client(uri: &str) -> Result<Connection, Error> {
        Connection::connect(Options::from_uri(uri, Mode::ClientQuery)?).await
    }

    /// Opens a connection with explicit options and starts its driver task on smol's global
    /// executor.
    pub async fn connect(options: Options) -> Result<Connection, Error> {
        Connection::connect_on(options, |driver| smol::spawn(driver).detach()).await
    }

    /// Opens a connection and hands its driver task to `spawn`, e.g. to run it on the same
    /// executor as the code that uses it: a command then needs no wake-up across threads,
    /// which on a single task is several times faster than [`Connection::connect`].
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// let ex = Arc::new(smol::Executor::new());
    /// let spawner = ex.clone();
    /// smol::block_on(ex.run(async move {
    ///     let conn = ts3q_smol::Connection::connect_on(
    ///         ts3q_smol::Options::from_uri("telnet://serveradmin:pw@localhost:10011", ts3q::Mode::ServerQuery)?,
    ///         |driver| spawner.spawn(driver).detach(),
    ///     )
    ///     .await?;
    ///     conn.exec(ts3q::Command::new("use").param("sid", 1)).await?;
    ///     Ok::<_, ts3q_smol::Error>(())
    /// }))
    /// .unwrap();
    /// ```
    pub async fn connect_on(
        mut options: Options,
        spawn: impl FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
    ) -> Result<Connection, Error> {
        if options.config.mode() != options.mode {
            options.config = ts3q::Config::new(options.mode);
        }
        let (requests, request_rx) = unbounded();
        let (event_tx, events) = unbounded();
        let state = Arc::new(Mutex::new(State::default()));
        let mut driver = Driver {
            io: None,
            client: Client::new(options.config.clone(), Instant::now()),
            options,
            waiting: HashMap::new(),
            events: event_tx,
            state: state.clone(),
            requests: request_rx,
            requests_open: true,
            closers: Vec::new(),
            closed: None,
            resumed: None,
        };
        driver.establish(None).await?;
        let login = match driver.options.transport {
            Transport::Tcp => driver.options.login.clone(),
            Transport::Ssh => None,
        };
        let apikey = driver.options.apikey.clone();
        let host: Arc<str> = driver.options.host.as_str().into();
        spawn(Box::pin(driver.run()));
        let conn = Connection {
            host,
            requests,
            events,
            state,
        };
        if let Some((user, pass)) = login {
            conn.exec(
                Command::new("login")
                    .param("client_login_name", user.as_str())
                    .param("client_login_password", pass.as_str()),
            )
            .await?;
        }
        if let Some(key) = apikey {
            conn.exec(Command::new("auth").param("apikey", key.as_str()))
                .await?;
        }
        Ok(conn)
    }

    fn closed_error(&self) -> Error {
        Error::Closed(lock(&self.state).closed.clone().unwrap_or(CloseReason::Eof))
    }

    /// Sends a command and waits for its response; a refusal (`error id != 0`) is
    /// [`Error::Query`].
    pub async fn exec(&self, cmd: Command) -> Result<Response, Error> {
        Ok(self.send(cmd).await?.into_result()?)
    }

    /// Sends a command and waits for its response, whatever its error id.
    pub async fn send(&self, cmd: Command) -> Result<Response, Error> {
        let (tx, rx) = bounded(1);
        self.requests
            .send(Request::Exec(Box::new(cmd), tx))
            .await
            .map_err(|_| self.closed_error())?;
        match rx.recv().await {
            Ok(result) => result,
            Err(_) => Err(self.closed_error()),
        }
    }

    /// Starts a command with the builder: `conn.query("clientkick").param(..).pipe()...fetch().await`.
    pub fn query(&self, name: &str) -> Query<'_> {
        Query {
            conn: self,
            cmd: Command::new(name),
        }
    }

    /// The next event (events are queued while nobody waits; none is dropped).
    pub async fn next_event(&self) -> Result<Event, Error> {
        self.events.recv().await.map_err(|_| self.closed_error())
    }

    /// The next event, waiting at most `timeout`.
    pub async fn wait_for_event(&self, timeout: Duration) -> Result<Event, Error> {
        self.next_event()
            .or(async {
                smol::Timer::after(timeout).await;
                Err(Error::Timeout)
            })
            .await
    }

    /// The events as a `Stream` (each event goes to one receiver: share, don't duplicate).
    pub fn events(&self) -> Receiver<Event> {
        self.events.clone()
    }

    /// ClientQuery: authenticates with an API key.
    pub async fn auth(&self, apikey: &str) -> Result<(), Error> {
        self.exec(Command::new("auth").param("apikey", apikey))
            .await
            .map(drop)
    }

    /// ClientQuery: the server connection handler selected in the greeting.
    pub fn schandlerid(&self) -> Option<u64> {
        lock(&self.state).schandlerid
    }

    /// Reconnects that happened since the last call.
    pub fn take_reconnects(&self) -> Vec<Reconnected> {
        std::mem::take(&mut lock(&self.state).reconnects)
    }

    /// Uploads `file` as `name` (a path like `/dir/a.png`) to channel `cid`, from where the
    /// server asks (with `resume`, its stored size). Returns the file's size once the server
    /// has it all.
    pub async fn upload(
        &self,
        file: &mut (impl AsyncRead + AsyncSeek + Unpin),
        name: &str,
        cid: u32,
        cpw: &str,
        overwrite: bool,
        resume: bool,
    ) -> Result<u64, Error> {
        let size = file.seek(SeekFrom::End(0)).await?;
        let resp = self
            .exec(filetransfer::init_upload(
                next_ftid(),
                name,
                cid,
                cpw,
                size,
                overwrite,
                resume,
            ))
            .await?;
        let ticket = Ticket::from_response(&resp, Direction::Upload)?;
        let mut progress = Progress::upload(size, ticket.seekpos);
        let mut sock = self.transfer_socket(&ticket).await?;
        file.seek(SeekFrom::Start(progress.start)).await?;
        let mut buf = vec![0u8; 64 * 1024];
        while progress.remaining() > 0 {
            let want = progress.remaining().min(buf.len() as u64) as usize;
            let n = file.read(&mut buf[..want]).await?;
            if n == 0 {
                break; // the file shrank under us
            }
            sock.write_all(&buf[..n]).await?;
            progress.advance(n as u64);
        }
        // No acknowledgement: the server closes once it has everything.
        let _ = sock.shutdown(std::net::Shutdown::Write);
        let mut rest = Vec::new();
        let _ = sock.read_to_end(&mut rest).await;
        Ok(progress.finish()?)
    }

    /// Downloads `name` from channel `cid` into `out`, starting at `seekpos`. Returns the
    /// file's size once every byte arrived.
    pub async fn download(
        &self,
        out: &mut (impl AsyncWrite + Unpin),
        name: &str,
        cid: u32,
        cpw: &str,
        seekpos: u64,
    ) -> Result<u64, Error> {
        let resp = self
            .exec(filetransfer::init_download(
                next_ftid(),
                name,
                cid,
                cpw,
                seekpos,
            ))
            .await?;
        let ticket = Ticket::from_response(&resp, Direction::Download)?;
        let mut progress = Progress::download(ticket.size, seekpos);
        let mut sock = self.transfer_socket(&ticket).await?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = sock.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).await?;
            progress.advance(n as u64);
        }
        out.flush().await?;
        Ok(progress.finish()?)
    }

    /// Connects to the transfer port the ticket names and sends its key.
    async fn transfer_socket(&self, ticket: &Ticket) -> Result<smol::net::TcpStream, Error> {
        let host = ticket.host(&self.host).to_string();
        let mut sock = smol::net::TcpStream::connect((host.as_str(), ticket.port)).await?;
        sock.write_all(ticket.key.as_bytes()).await?;
        Ok(sock)
    }

    /// Sends `quit` and waits until the connection is closed (for every clone).
    pub async fn close(&self) -> Result<(), Error> {
        let (tx, rx) = bounded(1);
        if self.requests.send(Request::Close(tx)).await.is_ok() {
            let _ = rx.recv().await;
        }
        Ok(())
    }
}

/// A command being built on a connection (py-ts3's query builder).
pub struct Query<'c> {
    conn: &'c Connection,
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
    pub async fn fetch(self) -> Result<Response, Error> {
        self.conn.exec(self.cmd).await
    }

    /// Runs it: the first item, if any (an empty result set, 1281, is `None`).
    pub async fn first(self) -> Result<Option<OwnedItem>, Error> {
        match self.conn.exec(self.cmd).await {
            Ok(r) => Ok(r.into_first()),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs it: all items (an empty result set, 1281, is an empty list).
    pub async fn all(self) -> Result<Vec<OwnedItem>, Error> {
        match self.conn.exec(self.cmd).await {
            Ok(r) => Ok(r.into_items()),
            Err(Error::Query(q)) if q.is_empty_result() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// The task that owns the socket and the state machine.
struct Driver {
    io: Option<Io>,
    client: Client,
    options: Options,
    waiting: HashMap<RequestId, Reply>,
    events: Sender<Event>,
    state: Arc<Mutex<State>>,
    requests: Receiver<Request>,
    requests_open: bool,
    closers: Vec<Sender<()>>,
    closed: Option<CloseReason>,
    resumed: Option<Vec<ReplayFailure>>,
}

enum Wake {
    Read(io::Result<usize>),
    Request(Option<Request>),
    Deadline,
}

impl Driver {
    async fn run(mut self) {
        loop {
            self.turn(None, true).await;
            let Some(reason) = self.closed.take() else {
                continue;
            };
            if let Some(mut io) = self.io.take() {
                Box::pin(io.shutdown()).await;
            }
            let retry = matches!(reason, CloseReason::Eof | CloseReason::KeepaliveTimeout)
                && self.requests_open;
            // Boxed: connecting is a large future, and an idle task should not carry it.
            if retry && Box::pin(self.reconnect()).await {
                continue;
            }
            lock(&self.state).closed = Some(reason.clone());
            for c in self.closers.drain(..) {
                let _ = c.try_send(());
            }
            // Requests queued meanwhile would wait forever (the handles keep the channel's
            // buffer alive): close it and answer them.
            self.requests.close();
            while let Ok(req) = self.requests.try_recv() {
                match req {
                    Request::Exec(_, reply) => {
                        let _ = reply.try_send(Err(Error::Closed(reason.clone())));
                    }
                    Request::Close(done) => {
                        let _ = done.try_send(());
                    }
                }
            }
            return;
        }
    }

    /// Opens the transport and waits for the greeting (and, when resuming, the replay).
    async fn establish(&mut self, session: Option<ts3q::SessionLog>) -> Result<(), Error> {
        let o = &self.options;
        let io = match o.transport {
            Transport::Tcp => Io::tcp(&o.host, o.port, o.connect_timeout).await?,
            Transport::Ssh => {
                let (user, pass) = o.login.clone().ok_or(Error::SshAuth)?;
                Io::ssh(
                    &o.host,
                    o.port,
                    &user,
                    &pass,
                    &o.host_key,
                    o.connect_timeout,
                )
                .await?
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
        loop {
            if self.client.greeting().is_some() && (!resuming || self.resumed.is_some()) {
                return Ok(());
            }
            if let Some(reason) = self.closed.take() {
                if let Some(mut io) = self.io.take() {
                    io.shutdown().await;
                }
                return Err(Error::Closed(reason));
            }
            if Instant::now() >= deadline {
                if let Some(mut io) = self.io.take() {
                    io.shutdown().await;
                }
                return Err(Error::Timeout);
            }
            self.turn(Some(deadline), false).await;
        }
    }

    /// Reconnect attempts with a doubling backoff; true when the session is back.
    async fn reconnect(&mut self) -> bool {
        let Some(policy) = self.options.reconnect else {
            return false;
        };
        let session = self.client.session().clone();
        let mut wait = policy.backoff;
        for attempt in 1..=policy.attempts {
            smol::Timer::after(wait).await;
            wait = (wait * 2).min(policy.max_backoff);
            if self.establish(Some(session.clone())).await.is_ok() {
                let failed = self.resumed.take().unwrap_or_default();
                lock(&self.state)
                    .reconnects
                    .push(Reconnected { attempt, failed });
                return true;
            }
        }
        false
    }

    /// One turn: write what the machine emits, deliver its outputs, then wait for input, a
    /// request (when `accept`) or the next deadline.
    async fn turn(&mut self, deadline: Option<Instant>, accept: bool) {
        while let Some(bytes) = self.client.poll_transmit() {
            let Some(io) = self.io.as_mut() else { break };
            if io.write_all(&bytes).await.is_err() {
                self.client.handle_eof(Instant::now());
            }
        }
        // After delivering anything, let the caller look at the new state before waiting.
        if self.dispatch() {
            if self.waiting.is_empty() {
                // Quiet now: an idle connection should hold no queue memory.
                self.client.shrink_to_fit();
                self.waiting.shrink_to_fit();
            }
            return;
        }
        let now = Instant::now();
        let wake_at = match (self.client.poll_timeout(), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if wake_at.is_some_and(|w| w <= now) {
            self.client.handle_timeout(now);
            return;
        }
        let Driver {
            io,
            client,
            requests,
            requests_open,
            ..
        } = self;
        let Some(io) = io.as_mut() else { return };
        let read = async {
            Wake::Read(
                io.read_with(|data| client.handle_input(data, Instant::now()))
                    .await,
            )
        };
        let request = async {
            if accept && *requests_open {
                Wake::Request(requests.recv().await.ok())
            } else {
                std::future::pending().await
            }
        };
        let timer = async {
            match wake_at {
                Some(at) => {
                    smol::Timer::at(at).await;
                    Wake::Deadline
                }
                None => std::future::pending().await,
            }
        };
        let wake = read.or(request).or(timer).await;
        let now = Instant::now();
        match wake {
            Wake::Read(Ok(0)) | Wake::Read(Err(_)) => self.client.handle_eof(now),
            Wake::Read(Ok(_)) => {} // already handed to the machine
            Wake::Deadline => self.client.handle_timeout(now),
            Wake::Request(Some(Request::Exec(cmd, reply))) => match self.client.send(*cmd, now) {
                Ok(id) => {
                    self.waiting.insert(id, reply);
                }
                Err(SendError::Command(e)) => {
                    let _ = reply.try_send(Err(Error::Command(e)));
                }
                Err(_) => {
                    let _ = reply.try_send(Err(Error::Closed(CloseReason::Quit)));
                }
            },
            Wake::Request(Some(Request::Close(done))) => {
                self.closers.push(done);
                self.client.close(now);
            }
            Wake::Request(None) => {
                // Every handle is gone: close politely.
                self.requests_open = false;
                self.client.close(now);
            }
        }
    }

    /// Delivers the machine's outputs; whether there were any.
    fn dispatch(&mut self) -> bool {
        let mut any = false;
        while let Some(out) = self.client.poll_output() {
            any = true;
            match out {
                Output::Response { id, result } => {
                    if let Some(reply) = self.waiting.remove(&id) {
                        let _ = reply.try_send(result.map_err(Error::from));
                    }
                }
                Output::Event(e) => {
                    let _ = self.events.try_send(e);
                }
                Output::Greeting(g) => lock(&self.state).schandlerid = g.schandlerid,
                Output::Resumed { failed } => self.resumed = Some(failed),
                Output::Closed(reason) => self.closed = Some(reason),
                _ => {}
            }
        }
        any
    }
}
