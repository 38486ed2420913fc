//! The async connection, written once for every executor: a cloneable handle whose commands
//! go to a driver task that owns the socket and the [`ts3q::Client`] machine. An executor
//! adapter supplies only a [`Runtime`]: how to connect, how to sleep, and (when connecting)
//! how to spawn the driver.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_channel::{bounded, unbounded, Receiver, Sender};
use futures_lite::FutureExt;
use ts3q::options::{EventQueue, Options, Overflow};
use ts3q::typed::events::{NotificationError, TypedEvent};
use ts3q::{
    Client, CloseReason, Command, Event, Output, ReplayFailure, RequestId, Response, SendError,
    SessionLog,
};

use crate::files::{self, ActiveTransfer, FileEntry};
use crate::query::{Exec, Query, Request};
use crate::session::{self, Reconnected};
use crate::transfer::{self, Download, Plan, Transferred, Upload};
use crate::Error;

/// A boxed, sendable future: the driver task, and what an async [`Query`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an executor adapter provides.
pub trait Runtime: Send + Sync + 'static {
    /// The query transport: a TCP stream or an SSH channel.
    type Io: Transport;
    /// A file transfer connection.
    type Socket: transfer::Socket;
    /// Opens the transport `options` name (raw TCP or SSH with its host key check), within
    /// `options.connect_timeout`.
    fn connect(options: &Options) -> impl Future<Output = Result<Self::Io, Error>> + Send;
    /// Completes at `deadline`.
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send;
}

/// A byte pipe to a query interface.
pub trait Transport: Send + 'static {
    /// Waits for bytes and hands them to `f`; `Ok(0)` is the end of the stream. Must be
    /// cancel-safe: bytes leave the socket only in the poll that hands them to `f`.
    fn read_with(
        &mut self,
        f: impl FnOnce(&[u8]) + Send,
    ) -> impl Future<Output = io::Result<usize>> + Send;
    /// Writes all of `data`.
    fn write_all(&mut self, data: &[u8]) -> impl Future<Output = io::Result<()>> + Send;
    /// Closes politely, within about a second.
    fn shutdown(&mut self) -> impl Future<Output = ()> + Send;
}

/// How long [`Connection::close`] waits for the server to acknowledge `quit`.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

type Reply = Sender<Result<Response, Error>>;

enum Req {
    // Boxed: the request channel keeps a block of slots per connection, so slots stay small.
    Exec(Box<Request>, Reply),
    Keepalive(Sender<bool>),
    Close(Duration, Sender<Result<(), Error>>),
}

#[derive(Debug, Default)]
struct State {
    schandlerid: Option<u64>,
    reconnects: Vec<Reconnected>,
    /// What a call gets once the connection is gone for good.
    closed: Option<Error>,
    connected: bool,
    warnings: u64,
    paced_waits: u64,
    /// Events dropped for a full queue, in all and since the last report.
    events_lost: u64,
    lost_unreported: u64,
    /// The typed items of an event whose first item was handed out already.
    notifications: VecDeque<Result<TypedEvent, NotificationError>>,
}

#[derive(Debug)]
struct Shared {
    host: String,
    transfer: transfer::Timeouts,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A query connection (ServerQuery or ClientQuery, raw TCP or SSH) on an async runtime.
/// Clone it freely: every clone talks to the same connection, and commands from many tasks
/// are pipelined through it. It closes (sending `quit`) when the last clone is dropped, or on
/// [`close`](Self::close).
pub struct Connection<R: Runtime> {
    shared: Arc<Shared>,
    requests: Sender<Req>,
    events: Receiver<Event>,
    _runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime> Clone for Connection<R> {
    fn clone(&self) -> Self {
        Connection {
            shared: self.shared.clone(),
            requests: self.requests.clone(),
            events: self.events.clone(),
            _runtime: PhantomData,
        }
    }
}

impl<R: Runtime> std::fmt::Debug for Connection<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("host", &self.shared.host)
            .field("state", &*self.shared.lock())
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> Connection<R> {
    /// Opens a connection, hands its driver task to `spawn`, then logs in (`login` over raw
    /// TCP with the options' credentials) and authenticates (`auth` with an API key).
    pub async fn connect_with(
        mut options: Options,
        spawn: impl FnOnce(BoxFuture<'static, ()>),
    ) -> Result<Connection<R>, Error> {
        session::check_options(&mut options)?;
        let (requests, request_rx) = unbounded();
        // Unbounded underneath, the bound kept here: a bounded channel would allocate all
        // its slots up front, a megabyte per idle connection at the default 10 000.
        let (event_tx, events) = unbounded();
        let queue = options.events;
        let shared = Arc::new(Shared {
            host: options.host.clone(),
            transfer: transfer::Timeouts::of(&options),
            state: Mutex::new(State::default()),
        });
        let opening = session::opening_commands(&options);
        let mut driver = Driver::<R> {
            io: None,
            client: Client::new(options.config.clone(), Instant::now()),
            options,
            waiting: HashMap::new(),
            events: event_tx,
            oldest: events.clone(),
            queue,
            stalled: VecDeque::new(),
            shared: shared.clone(),
            requests: request_rx,
            requests_open: true,
            closers: Vec::new(),
            close_by: None,
            close_forced: false,
            closed: None,
            io_error: None,
            resumed: None,
        };
        driver.establish(None).await?;
        // Every record the driver logs carries the connection it is about.
        let span = tracing::info_span!("ts3q", host = %shared.host, port = driver.options.port);
        spawn(Box::pin(tracing::Instrument::instrument(
            driver.run(),
            span,
        )));
        let conn = Connection {
            shared,
            requests,
            events,
            _runtime: PhantomData,
        };
        for cmd in opening {
            conn.exec(cmd).await?;
        }
        Ok(conn)
    }

    fn gone(&self) -> Error {
        self.shared
            .lock()
            .closed
            .clone()
            .unwrap_or(Error::Closed(CloseReason::Eof))
    }

    async fn request(&self, req: Req) -> Result<(), Error> {
        self.requests.send(req).await.map_err(|_| self.gone())
    }

    /// Sends a command and waits for its response; a refusal (`error id != 0`) is
    /// [`Error::Query`].
    pub async fn exec(&self, cmd: Command) -> Result<Response, Error> {
        self.exec_with(Request {
            command: cmd,
            timeout: None,
        })
        .await
    }

    /// [`exec`](Self::exec) with the request's own response timeout.
    pub async fn exec_with(&self, request: Request) -> Result<Response, Error> {
        Ok(self.send_with(request).await?.into_result()?)
    }

    /// Sends a command and waits for its response, whatever its error id.
    pub async fn send(&self, cmd: Command) -> Result<Response, Error> {
        self.send_with(Request {
            command: cmd,
            timeout: None,
        })
        .await
    }

    async fn send_with(&self, request: Request) -> Result<Response, Error> {
        let (tx, rx) = bounded(1);
        self.request(Req::Exec(Box::new(request), tx)).await?;
        rx.recv().await.unwrap_or_else(|_| Err(self.gone()))
    }

    /// Starts a command with the builder:
    /// `conn.query("clientkick").param(..).pipe().param(..).fetch().await`.
    pub fn query(&self, name: &str) -> Query<&Self> {
        Query::new(self, name)
    }

    /// The next event; `None` waits forever. Events are queued while nobody waits and handed
    /// out in order, each to one caller.
    ///
    /// When events were dropped because the queue was full (`Overflow::DropOldest`), the
    /// next call reports how many with [`Error::EventsLost`] first.
    pub async fn wait_for_event(&self, timeout: Option<Duration>) -> Result<Event, Error> {
        let lost = std::mem::take(&mut self.shared.lock().lost_unreported);
        if lost > 0 {
            return Err(Error::EventsLost(lost));
        }
        let next = async { self.events.recv().await.map_err(|_| self.gone()) };
        match timeout {
            None => next.await,
            Some(t) => {
                let deadline = Instant::now() + t;
                next.or(async {
                    R::sleep_until(deadline).await;
                    Err(Error::Timeout)
                })
                .await
            }
        }
    }

    /// The next event, waiting as long as it takes.
    pub async fn next_event(&self) -> Result<Event, Error> {
        self.wait_for_event(None).await
    }

    /// The next notification, typed (`ts3q::typed::events`): one per item of an event, so a
    /// `notifyclientmoved` that moves three clients gives three. Shares the queue of
    /// [`wait_for_event`](Self::wait_for_event). A known event whose fields do not read is
    /// [`Error::Notification`], which keeps the raw event; the next call goes on.
    pub async fn wait_for_notification(
        &self,
        timeout: Option<Duration>,
    ) -> Result<TypedEvent, Error> {
        if let Some(next) = self.shared.lock().notifications.pop_front() {
            return next.map_err(Error::from);
        }
        let event = self.wait_for_event(timeout).await?;
        let mut items = TypedEvent::split(&event);
        let first = items.next();
        self.shared.lock().notifications.extend(items);
        first.map_or(Err(Error::Timeout), |n| n.map_err(Error::from))
    }

    /// The typed notifications as a `Stream`, one per item of each event (see
    /// [`wait_for_notification`](Self::wait_for_notification)).
    pub fn notifications(&self) -> impl futures_lite::Stream<Item = Result<TypedEvent, Error>> {
        use futures_lite::StreamExt;
        self.events.clone().flat_map(|event| {
            let items: Vec<_> = TypedEvent::split(&event)
                .map(|n| n.map_err(Error::from))
                .collect();
            futures_lite::stream::iter(items)
        })
    }

    /// The events as a `Stream` (each event goes to one receiver: share, don't duplicate).
    pub fn events(&self) -> Receiver<Event> {
        self.events.clone()
    }

    /// Events received and not yet taken.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// ClientQuery: authenticates with an API key.
    pub async fn auth(&self, apikey: &str) -> Result<(), Error> {
        self.exec(Command::new("auth").param("apikey", apikey))
            .await
            .map(drop)
    }

    /// Sends the keepalive command now (py-ts3's `send_keepalive`). The driver also sends it
    /// by itself after `Config::keepalive` of silence, so few programs need this.
    pub async fn send_keepalive(&self) -> Result<(), Error> {
        let (tx, rx) = bounded(1);
        self.request(Req::Keepalive(tx)).await?;
        match rx.recv().await {
            Ok(true) => Ok(()),
            _ => Err(self.gone()),
        }
    }

    /// ClientQuery: the server connection handler selected in the greeting.
    pub fn schandlerid(&self) -> Option<u64> {
        self.shared.lock().schandlerid
    }

    /// Reconnects that happened since the last call.
    pub fn take_reconnects(&self) -> Vec<Reconnected> {
        std::mem::take(&mut self.shared.lock().reconnects)
    }

    /// Whether the connection is open now (false while reconnecting and once closed).
    pub fn is_connected(&self) -> bool {
        self.shared.lock().connected
    }

    /// The host this connection was opened to.
    pub fn host(&self) -> &str {
        &self.shared.host
    }

    /// The timeouts of this connection's file transfer sockets (its connect timeout; its
    /// response timeout, else the connect timeout, per read or write).
    pub fn transfer_timeouts(&self) -> transfer::Timeouts {
        self.shared.transfer
    }

    /// Events dropped so far because the queue was full (`Overflow::DropOldest`).
    pub fn events_lost(&self) -> u64 {
        self.shared.lock().events_lost
    }

    /// How many times flood pacing held commands back (each hold is logged too).
    pub fn paced_waits(&self) -> u64 {
        self.shared.lock().paced_waits
    }

    /// Protocol warnings seen so far (a truncated line at the end of the stream, a malformed
    /// line between responses): problems that lost no command and no event.
    pub fn warnings(&self) -> u64 {
        self.shared.lock().warnings
    }

    /// Sends `quit` and waits until the server has closed the connection, at most
    /// [`CLOSE_TIMEOUT`]; past that the connection is dropped and this is [`Error::Timeout`].
    /// Closing a closed connection is `Ok`.
    pub async fn close(&self) -> Result<(), Error> {
        self.close_within(CLOSE_TIMEOUT).await
    }

    /// [`close`](Self::close) with its own bound.
    pub async fn close_within(&self, bound: Duration) -> Result<(), Error> {
        let (tx, rx) = bounded(1);
        if self.requests.send(Req::Close(bound, tx)).await.is_err() {
            return Ok(()); // already closed
        }
        rx.recv().await.unwrap_or(Ok(()))
    }

    /// Asks the server for an upload slot (`ftinitupload`) for `size` bytes: where to send
    /// them. A refusal is [`Error::Transfer`] (`query_id()` gives its status).
    pub async fn init_upload(&self, request: &Upload, size: u64) -> Result<Plan, Error> {
        let reply = self.exec(request.command(size)).await?;
        Plan::upload(&reply, size, self.host())
    }

    /// Asks the server for a download (`ftinitdownload`).
    pub async fn init_download(&self, request: &Download) -> Result<Plan, Error> {
        let reply = self.exec(request.command()).await?;
        Plan::download(&reply, request.seekpos, self.host())
    }

    /// After an upload: the size the server stored (`ftgetfileinfo`), which tells a complete
    /// upload from one whose connection was refused or cut (an upload has no other
    /// acknowledgement).
    pub async fn stored_size(&self, request: &Upload) -> Result<u64, Error> {
        let info = self.exec(transfer::file_info_command(request)).await?;
        transfer::size_of(&info)
    }

    /// Uploads from `file` (from where the server asks: with `resume`, the size it has) and
    /// checks that the server stored all of it, reporting progress at most every 50 ms and
    /// once at the end. The file's size. (The runtimes' `upload` and
    /// `upload_with_progress` take a file in their own I/O traits and call this.)
    pub async fn upload_from(
        &self,
        request: &Upload,
        file: &mut impl transfer::Source,
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let size = file.seek(std::io::SeekFrom::End(0)).await?;
        let plan = self.init_upload(request, size).await?;
        self.upload_plan_from(&plan, file, report).await?;
        let stored = self.stored_size(request).await?;
        transfer::check_stored(plan.progress.start, size, stored)
    }

    /// Downloads into `out`, from `request`'s seek position, reporting progress. The file's
    /// size.
    pub async fn download_into(
        &self,
        request: &Download,
        out: &mut impl transfer::Sink,
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let plan = self.init_download(request).await?;
        self.download_plan_into(&plan, out, report).await
    }

    /// Sends the bytes of a granted upload ([`init_upload`](Self::init_upload)), without
    /// the check that the server stored them.
    pub async fn upload_plan_from(
        &self,
        plan: &Plan,
        file: &mut impl transfer::Source,
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let (t, timeouts) = (&plan.ticket, self.transfer_timeouts());
        transfer::upload_to::<R>(
            &plan.host,
            t.port,
            &t.key,
            file,
            plan.progress,
            timeouts,
            report,
        )
        .await
    }

    /// Receives the bytes of a granted download ([`init_download`](Self::init_download)).
    pub async fn download_plan_into(
        &self,
        plan: &Plan,
        out: &mut impl transfer::Sink,
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let (t, timeouts) = (&plan.ticket, self.transfer_timeouts());
        transfer::download_from::<R>(
            &plan.host,
            t.port,
            &t.key,
            out,
            plan.progress,
            timeouts,
            report,
        )
        .await
    }

    /// The entries of directory `path` (`/` for the top) of channel `cid`
    /// (`ftgetfilelist`); an empty directory is an empty list.
    pub async fn files(&self, cid: u32, cpw: &str, path: &str) -> Result<Vec<FileEntry>, Error> {
        files::all(
            self.exec(files::list(cid, cpw, path)).await,
            FileEntry::from_item,
        )
    }

    /// One file's entry (`ftgetfileinfo`).
    pub async fn file_info(&self, cid: u32, cpw: &str, name: &str) -> Result<FileEntry, Error> {
        files::one(
            self.exec(files::info(cid, cpw, name)).await,
            FileEntry::from_item,
        )
    }

    /// Deletes files and empty directories (`ftdeletefile`).
    pub async fn delete_files(&self, cid: u32, cpw: &str, names: &[&str]) -> Result<(), Error> {
        self.exec(files::delete(cid, cpw, names)).await.map(drop)
    }

    /// Creates a directory (`ftcreatedir`).
    pub async fn create_dir(&self, cid: u32, cpw: &str, dirname: &str) -> Result<(), Error> {
        self.exec(files::create_dir(cid, cpw, dirname))
            .await
            .map(drop)
    }

    /// Renames or moves a file within a channel (`ftrenamefile`).
    pub async fn rename_file(
        &self,
        cid: u32,
        cpw: &str,
        old: &str,
        new: &str,
    ) -> Result<(), Error> {
        self.exec(files::rename(cid, cpw, old, new)).await.map(drop)
    }

    /// The transfers under way on the server (`ftlist`).
    pub async fn transfers(&self) -> Result<Vec<ActiveTransfer>, Error> {
        files::all(
            self.exec(files::transfers()).await,
            ActiveTransfer::from_item,
        )
    }

    /// Cancels a transfer (`ftstop`); `delete` removes its partial file.
    pub async fn stop_transfer(&self, serverftfid: u32, delete: bool) -> Result<(), Error> {
        self.exec(files::stop(serverftfid, delete)).await.map(drop)
    }
}

impl<'c, R: Runtime> Exec for &'c Connection<R> {
    type Output<T: Send + 'static> = BoxFuture<'c, T>;

    fn exec_request(self, request: Request) -> Self::Output<Result<Response, Error>> {
        Box::pin(self.exec_with(request))
    }

    fn map_output<T: Send + 'static, U: Send + 'static>(
        out: Self::Output<T>,
        f: fn(T) -> U,
    ) -> Self::Output<U> {
        Box::pin(async move { f(out.await) })
    }
}

/// The task that owns the socket and the state machine.
struct Driver<R: Runtime> {
    io: Option<R::Io>,
    client: Client,
    options: Options,
    waiting: HashMap<RequestId, Reply>,
    events: Sender<Event>,
    /// The queue's receiving end, to drop the oldest event when it is full.
    oldest: Receiver<Event>,
    queue: EventQueue,
    /// Back-pressure: events that did not fit; the socket is not read while there are any.
    stalled: VecDeque<Event>,
    shared: Arc<Shared>,
    requests: Receiver<Req>,
    requests_open: bool,
    closers: Vec<Sender<Result<(), Error>>>,
    /// After `close`: when to give up waiting for the server.
    close_by: Option<Instant>,
    /// The server did not acknowledge `quit` by `close_by`, and the connection was dropped.
    close_forced: bool,
    closed: Option<CloseReason>,
    /// Why the transport failed, when it did: reported instead of a bare end of stream.
    io_error: Option<Arc<io::Error>>,
    resumed: Option<Vec<ReplayFailure>>,
}

enum Wake {
    Read(io::Result<usize>),
    Request(Option<Req>),
    Deadline,
    /// Back-pressure: time to try the stalled events again.
    Drain,
}

/// How often a stalled driver looks for room in the event queue.
const DRAIN_POLL: Duration = Duration::from_millis(10);

impl<R: Runtime> Driver<R> {
    async fn run(mut self) {
        loop {
            self.turn(None, true).await;
            let Some(reason) = self.closed.take() else {
                continue;
            };
            self.shared.lock().connected = false;
            if let Some(mut io) = self.io.take() {
                Box::pin(io.shutdown()).await;
            }
            let retry = session::reconnects_after(&reason) && self.requests_open;
            // Boxed: connecting is a large future, and an idle task should not carry it.
            if retry && Box::pin(self.reconnect()).await {
                continue;
            }
            let gone = session::closed_error(reason, self.io_error.take());
            tracing::info!(reason = %gone, "connection closed");
            self.shared.lock().closed = Some(gone.clone());
            for c in self.closers.drain(..) {
                let _ = c.try_send(match self.close_forced {
                    true => Err(Error::Timeout),
                    false => Ok(()),
                });
            }
            // Requests queued meanwhile would wait forever (the handles keep the channel's
            // buffer alive): close it and answer them.
            self.requests.close();
            while let Ok(req) = self.requests.try_recv() {
                match req {
                    Req::Exec(_, reply) => {
                        let _ = reply.try_send(Err(gone.clone()));
                    }
                    Req::Keepalive(done) => {
                        let _ = done.try_send(false);
                    }
                    Req::Close(_, done) => {
                        let _ = done.try_send(Ok(()));
                    }
                }
            }
            return;
        }
    }

    /// Opens the transport and waits for the greeting (and, when resuming, the replay).
    async fn establish(&mut self, session: Option<SessionLog>) -> Result<(), Error> {
        let io = R::connect(&self.options).await?;
        let now = Instant::now();
        let resuming = session.is_some();
        let config = self.options.config.clone();
        self.client = match session {
            Some(log) => Client::resume(config, now, log),
            None => Client::new(config, now),
        };
        self.io = Some(io);
        self.closed = None;
        self.io_error = None;
        self.resumed = None;
        let deadline = now + self.options.connect_timeout;
        loop {
            if self.client.greeting().is_some() && (!resuming || self.resumed.is_some()) {
                self.dispatch(); // the greeting's schandlerid, before anyone asks
                self.shared.lock().connected = true;
                session::log_connected(&self.options);
                return Ok(());
            }
            let failed = match self.closed.take() {
                Some(reason) => Some(session::closed_error(reason, self.io_error.take())),
                None if Instant::now() >= deadline => Some(Error::Timeout),
                None => None,
            };
            if let Some(e) = failed {
                if let Some(mut io) = self.io.take() {
                    io.shutdown().await;
                }
                session::log_connect_failed(&self.options, &e);
                return Err(e);
            }
            self.turn(Some(deadline), false).await;
        }
    }

    /// Reconnect attempts with a doubling backoff; true when the session is back.
    async fn reconnect(&mut self) -> bool {
        let Some(policy) = self.options.reconnect else {
            return false;
        };
        let log = self.client.session().clone();
        for (attempt, wait) in session::attempts(&policy) {
            tracing::warn!(attempt, ?wait, "connection lost: reconnecting");
            R::sleep_until(Instant::now() + wait).await;
            if self.establish(Some(log.clone())).await.is_ok() {
                let failed = self.resumed.take().unwrap_or_default();
                tracing::info!(
                    attempt,
                    replay_failures = failed.len(),
                    "reconnected: session replayed"
                );
                self.shared
                    .lock()
                    .reconnects
                    .push(Reconnected { attempt, failed });
                return true;
            }
        }
        false
    }

    /// The transport failed: keep why, and let the machine close.
    fn broken(&mut self, e: io::Error) {
        self.io_error.get_or_insert_with(|| Arc::new(e));
        self.client.handle_eof(Instant::now());
    }

    /// One turn: write what the machine emits, deliver its outputs, then wait for input, a
    /// request (when `accept`) or the next deadline.
    async fn turn(&mut self, deadline: Option<Instant>, accept: bool) {
        while let Some(bytes) = self.client.poll_transmit() {
            let Some(io) = self.io.as_mut() else { break };
            if let Err(e) = io.write_all(&bytes).await {
                self.broken(e);
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
        let wake_at = [self.client.poll_timeout(), deadline, self.close_by]
            .into_iter()
            .flatten()
            .min();
        if wake_at.is_some_and(|w| w <= now) {
            self.on_deadline(now);
            return;
        }
        let stalled = !self.stalled.is_empty();
        let Driver {
            io,
            client,
            requests,
            requests_open,
            ..
        } = &mut *self;
        let Some(io) = io.as_mut() else { return };
        let read = async {
            if stalled {
                // Back-pressure: leave the bytes in the socket until events are taken.
                R::sleep_until(Instant::now() + DRAIN_POLL).await;
                return Wake::Drain;
            }
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
                    R::sleep_until(at).await;
                    Wake::Deadline
                }
                None => std::future::pending().await,
            }
        };
        // Requests and the timer first: under a stream of incoming bytes the read is always
        // ready, and must not starve new commands or the deadlines.
        let wake = request.or(timer).or(read).await;
        let now = Instant::now();
        match wake {
            Wake::Read(Ok(0)) => self.client.handle_eof(now),
            Wake::Read(Err(e)) => self.broken(e),
            Wake::Read(Ok(_)) => {} // already handed to the machine
            Wake::Deadline => self.on_deadline(now),
            Wake::Drain => self.drain_stalled(),
            Wake::Request(Some(req)) => self.on_request(req, now),
            Wake::Request(None) => {
                // Every handle is gone: close politely.
                self.requests_open = false;
                self.client.close(now);
                self.close_by = Some(now + CLOSE_TIMEOUT);
            }
        }
    }

    fn on_deadline(&mut self, now: Instant) {
        if self.close_by.is_some_and(|t| now >= t) && !self.client.is_closed() {
            // The server did not acknowledge `quit` in time: drop the connection.
            self.close_forced = true;
            self.client.handle_eof(now);
        }
        self.client.handle_timeout(now);
    }

    fn on_request(&mut self, req: Req, now: Instant) {
        match req {
            Req::Exec(req, reply) => {
                let Request { command, timeout } = *req;
                tracing::debug!(?command, ?timeout, "command"); // Debug redacts credentials
                let sent = match timeout {
                    Some(t) => self.client.send_with_timeout(command, Some(t), now),
                    None => self.client.send(command, now),
                };
                match sent {
                    Ok(id) => {
                        self.waiting.insert(id, reply);
                    }
                    Err(SendError::Command(e)) => {
                        let _ = reply.try_send(Err(Error::Command(e)));
                    }
                    Err(_) => {
                        let _ = reply.try_send(Err(Error::Closed(CloseReason::Quit)));
                    }
                }
            }
            Req::Keepalive(done) => {
                let _ = done.try_send(self.client.send_keepalive(now));
            }
            Req::Close(bound, done) => {
                self.closers.push(done);
                self.client.close(now);
                let by = now + bound;
                self.close_by = Some(self.close_by.map_or(by, |t| t.min(by)));
            }
        }
    }

    /// Queues an event for the application, within the queue's bound.
    fn deliver(&mut self, e: Event) {
        if !self.stalled.is_empty() {
            self.stalled.push_back(e); // keep the order behind those already waiting
            return;
        }
        if self.events.len() >= self.queue.capacity.max(1) {
            match self.queue.overflow {
                Overflow::DropOldest => {
                    let _ = self.oldest.try_recv();
                    let mut st = self.shared.lock();
                    st.events_lost += 1;
                    st.lost_unreported += 1;
                    if st.events_lost.is_power_of_two() {
                        tracing::warn!(
                            lost = st.events_lost,
                            "event queue full: dropping the oldest events"
                        );
                    }
                }
                Overflow::BackPressure => {
                    tracing::debug!("event queue full: reading paused until events are taken");
                    self.stalled.push_back(e);
                    return;
                }
            }
        }
        let _ = self.events.try_send(e); // fails only once every receiver is gone
    }

    /// Back-pressure: moves stalled events into the queue as room appears.
    fn drain_stalled(&mut self) {
        while self.events.len() < self.queue.capacity.max(1) {
            let Some(e) = self.stalled.pop_front() else {
                break;
            };
            let _ = self.events.try_send(e);
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
                        let stalled = !self.stalled.is_empty();
                        let _ = reply.try_send(session::answer(
                            result,
                            self.io_error.as_ref(),
                            stalled,
                        ));
                    }
                }
                Output::Event(e) => self.deliver(e),
                Output::Paced { until, queued } => {
                    self.shared.lock().paced_waits += 1;
                    session::log_paced(until, queued);
                }
                Output::Greeting(g) => self.shared.lock().schandlerid = g.schandlerid,
                Output::Resumed { failed } => self.resumed = Some(failed),
                Output::Closed(reason) => self.closed = Some(reason),
                Output::Warning(w) => {
                    tracing::warn!(warning = %w, "protocol warning");
                    self.shared.lock().warnings += 1;
                }
                _ => {}
            }
        }
        any
    }
}
