//! The connection: the core's verbs around a blocking byte pipe.

use std::collections::{HashMap, VecDeque};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ts3q::typed::events::{NotificationError, TypedEvent};
use ts3q::{Client, CloseReason, Command, Event, Output, RequestId, Response};
use ts3q_runtime::asynch::CLOSE_TIMEOUT;
use ts3q_runtime::files::{self, ActiveTransfer, FileEntry};
use ts3q_runtime::session::{self, Reconnected};
use ts3q_runtime::transfer::{self, no_progress, Download, Plan, Transferred, Upload};
use ts3q_runtime::{Error, Exec, Options, Overflow, Query, Request};

use crate::transport::Io;

/// A query connection (ServerQuery or ClientQuery, raw TCP or SSH) on one thread.
///
/// Nothing happens between calls: keepalives, paced commands and events are handled inside
/// the calls (`exec`, `wait_for_event`, ...). A bot that idles should wait for an event with
/// a timeout rather than sleep, so that the keepalive can go out.
pub struct Connection {
    io: Option<Io>,
    client: Client,
    options: Options,
    results: HashMap<RequestId, Result<Response, Error>>,
    events: VecDeque<Event>,
    closed: Option<CloseReason>,
    /// Why the transport failed, when it did: reported instead of a bare end of stream.
    io_error: Option<Arc<io::Error>>,
    resumed: Option<Vec<ts3q::ReplayFailure>>,
    reconnects: Vec<Reconnected>,
    warnings: u64,
    /// The span every record of this connection is logged in.
    span: tracing::Span,
    paced_waits: u64,
    /// Events dropped for a full queue, in all and since the last report.
    events_lost: u64,
    lost_unreported: u64,
    /// The typed items of an event whose first item was handed out already.
    notifications: VecDeque<Result<TypedEvent, NotificationError>>,
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
        Connection::connect(Options::from_uri(uri, ts3q::Mode::ServerQuery)?)
    }

    /// Opens a ClientQuery connection from a URI (`telnet://localhost:25639`).
    pub fn open_client(uri: &str) -> Result<Connection, Error> {
        Connection::connect(Options::from_uri(uri, ts3q::Mode::ClientQuery)?)
    }

    /// Opens a connection with explicit options, then logs in (`login` over raw TCP with the
    /// options' credentials) and authenticates (`auth` with an API key).
    pub fn connect(mut options: Options) -> Result<Connection, Error> {
        session::check_options(&mut options)?;
        let span = tracing::info_span!("ts3q", host = %options.host, port = options.port);
        let mut conn = Connection {
            io: None,
            client: Client::new(options.config.clone(), Instant::now()),
            options,
            results: HashMap::new(),
            events: VecDeque::new(),
            closed: None,
            io_error: None,
            resumed: None,
            reconnects: Vec::new(),
            warnings: 0,
            span,
            paced_waits: 0,
            events_lost: 0,
            lost_unreported: 0,
            notifications: VecDeque::new(),
            buf: vec![0; 64 * 1024],
        };
        conn.establish(None)?;
        for cmd in session::opening_commands(&conn.options) {
            conn.exec(cmd)?;
        }
        Ok(conn)
    }

    /// Opens the transport and waits for the greeting (and, when resuming, the replay).
    fn establish(&mut self, log: Option<ts3q::SessionLog>) -> Result<(), Error> {
        let io = Io::connect(&self.options)?;
        let now = Instant::now();
        let resuming = log.is_some();
        let config = self.options.config.clone();
        self.client = match log {
            Some(log) => Client::resume(config, now, log),
            None => Client::new(config, now),
        };
        self.io = Some(io);
        self.closed = None;
        self.io_error = None;
        self.resumed = None;
        let deadline = now + self.options.connect_timeout;
        let ready = |c: &mut Connection| {
            c.client.greeting().is_some() && (!resuming || c.resumed.is_some())
        };
        if !self.drive(Some(deadline), ready)? {
            let e = match self.closed.take() {
                Some(reason) => self.gone(reason),
                None => Error::Timeout,
            };
            session::log_connect_failed(&self.options, &e);
            return Err(e);
        }
        session::log_connected(&self.options);
        Ok(())
    }

    /// The error for a connection closed for `reason`.
    fn gone(&self, reason: CloseReason) -> Error {
        session::closed_error(reason, self.io_error.clone())
    }

    /// The transport failed: keep why, and let the machine close.
    fn broken(&mut self, e: io::Error) {
        self.io_error.get_or_insert_with(|| Arc::new(e));
        self.client.handle_eof(Instant::now());
    }

    /// Writes, reads and ticks the machine until `done` or `deadline`. Ok(false): deadline,
    /// or the connection closed.
    fn drive(
        &mut self,
        deadline: Option<Instant>,
        mut done: impl FnMut(&mut Connection) -> bool,
    ) -> Result<bool, Error> {
        let span = self.span.clone();
        let _in_span = span.enter();
        loop {
            while let Some(bytes) = self.client.poll_transmit() {
                let Some(io) = self.io.as_mut() else { break };
                if let Err(e) = io.write_all(&bytes) {
                    self.broken(e);
                }
            }
            self.dispatch();
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
            let wake = [self.client.poll_timeout(), deadline]
                .into_iter()
                .flatten()
                .min();
            if wake.is_some_and(|w| w <= now) {
                self.client.handle_timeout(now);
                continue;
            }
            if self.stalled() {
                // Back-pressure: the event queue is full; leave the bytes in the socket and
                // only keep time until a caller takes events.
                let Some(w) = wake else { return Ok(false) };
                std::thread::sleep(w - now);
                self.client.handle_timeout(Instant::now());
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
                    ) => {}
                Err(e) => self.broken(e),
            }
            // After every read, not only a timed-out one: under a steady stream of events
            // no read times out, and the deadlines would never fire.
            let now = Instant::now();
            if self.client.poll_timeout().is_some_and(|t| now >= t) {
                self.client.handle_timeout(now);
            }
        }
    }

    /// Takes the machine's outputs.
    fn dispatch(&mut self) {
        while let Some(out) = self.client.poll_output() {
            match out {
                Output::Response { id, result } => {
                    let answer = session::answer(result, self.io_error.as_ref(), self.stalled());
                    self.results.insert(id, answer);
                }
                Output::Event(e) => self.deliver(e),
                Output::Resumed { failed } => self.resumed = Some(failed),
                Output::Warning(w) => {
                    tracing::warn!(warning = %w, "protocol warning");
                    self.warnings += 1;
                }
                Output::Paced { until, queued } => {
                    self.paced_waits += 1;
                    session::log_paced(until, queued);
                }
                Output::Closed(reason) => {
                    if let Some(mut io) = self.io.take() {
                        io.shutdown();
                    }
                    self.closed = Some(reason);
                }
                _ => {}
            }
        }
    }

    /// Whether reading is paused because the event queue is full (`Overflow::BackPressure`).
    fn stalled(&self) -> bool {
        self.options.events.overflow == Overflow::BackPressure
            && self.events.len() >= self.options.events.capacity.max(1)
    }

    /// Queues an event for the application, within the queue's bound.
    fn deliver(&mut self, e: Event) {
        let full = self.events.len() >= self.options.events.capacity.max(1);
        if full && self.options.events.overflow == Overflow::DropOldest {
            self.events.pop_front();
            self.events_lost += 1;
            self.lost_unreported += 1;
            if self.events_lost.is_power_of_two() {
                tracing::warn!(
                    lost = self.events_lost,
                    "event queue full: dropping the oldest events"
                );
            }
        }
        // Back-pressure keeps what one read brought beyond the bound (at most a buffer's
        // worth), then stops reading.
        self.events.push_back(e);
    }

    /// When the connection dropped: reconnect and replay the session if the policy allows.
    fn ensure_open(&mut self) -> Result<(), Error> {
        let Some(reason) = self.closed.clone() else {
            return Ok(());
        };
        let policy = match self.options.reconnect {
            Some(p) if session::reconnects_after(&reason) => p,
            _ => return Err(self.gone(reason)),
        };
        let log = self.client.session().clone();
        let mut last = self.gone(reason);
        for (attempt, wait) in session::attempts(&policy) {
            tracing::warn!(attempt, ?wait, "connection lost: reconnecting");
            std::thread::sleep(wait);
            match self.establish(Some(log.clone())) {
                Ok(()) => {
                    let failed = self.resumed.take().unwrap_or_default();
                    tracing::info!(
                        attempt,
                        replay_failures = failed.len(),
                        "reconnected: session replayed"
                    );
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
        self.exec_with(Request {
            command: cmd,
            timeout: None,
        })
    }

    /// [`exec`](Self::exec) with the request's own response timeout.
    pub fn exec_with(&mut self, request: Request) -> Result<Response, Error> {
        Ok(self.send_with(request)?.into_result()?)
    }

    /// Sends a command and waits for its response, whatever its error id.
    pub fn send(&mut self, cmd: Command) -> Result<Response, Error> {
        self.send_with(Request {
            command: cmd,
            timeout: None,
        })
    }

    /// Takes in what has arrived since the last call, without waiting: events, and above all
    /// an end of stream, so that a connection the server dropped meanwhile is reopened before
    /// a command is risked on it.
    fn catch_up(&mut self) {
        // A few buffers at most: under a flood there is always more, and the command must
        // still go out.
        for _ in 0..4 {
            if self.stalled() {
                break;
            }
            let Some(io) = self.io.as_mut() else { break };
            match io.read_ready(&mut self.buf) {
                Ok(0) => self.client.handle_eof(Instant::now()),
                Ok(n) => self.client.handle_input(&self.buf[..n], Instant::now()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                    break
                }
                Err(e) => self.broken(e),
            }
            self.dispatch();
        }
        self.dispatch();
    }

    fn send_with(&mut self, request: Request) -> Result<Response, Error> {
        let span = self.span.clone();
        let _in_span = span.enter();
        self.catch_up();
        self.ensure_open()?;
        let now = Instant::now();
        tracing::debug!(command = ?request.command, timeout = ?request.timeout, "command");
        let sent = match request.timeout {
            Some(t) => self.client.send_with_timeout(request.command, Some(t), now),
            None => self.client.send(request.command, now),
        };
        let id = sent.map_err(|e| match e {
            ts3q::SendError::Command(c) => Error::Command(c),
            _ => Error::Closed(CloseReason::Quit),
        })?;
        self.drive(None, |c| c.results.contains_key(&id))?;
        match self.results.remove(&id) {
            Some(result) => result,
            None => {
                let reason = self.closed.clone().unwrap_or(CloseReason::Eof);
                Err(self.gone(reason))
            }
        }
    }

    /// Starts a command with the builder: `conn.query("clientkick").param(..).pipe()...fetch()`.
    pub fn query(&mut self, name: &str) -> Query<&mut Self> {
        Query::new(self, name)
    }

    /// The next event, waiting at most `timeout` (`None`: as long as it takes); events that
    /// arrived during commands are returned first, in order.
    ///
    /// When events were dropped because the queue was full (`Overflow::DropOldest`), the
    /// next call reports how many with [`Error::EventsLost`] first.
    pub fn wait_for_event(&mut self, timeout: Option<Duration>) -> Result<Event, Error> {
        let lost = std::mem::take(&mut self.lost_unreported);
        if lost > 0 {
            return Err(Error::EventsLost(lost));
        }
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

    /// The next notification, typed (`ts3q::typed::events`): one per item of an event, so a
    /// `notifyclientmoved` that moves three clients gives three. Shares the queue of
    /// [`wait_for_event`](Self::wait_for_event). A known event whose fields do not read is
    /// [`Error::Notification`], which keeps the raw event; the next call goes on.
    ///
    /// ```
    /// # let sim = ts3_sim::Sim::start(ts3_sim::SimConfig { demo: true, ..Default::default() }).unwrap();
    /// # let uri = format!("telnet://serveradmin:{}@{}", sim.password(), sim.query_addr());
    /// use ts3q::typed::events::Notification;
    /// let mut conn = ts3q_blocking::Connection::open(&uri)?;
    /// conn.query("use").param("sid", 1).fetch()?;
    /// conn.query("servernotifyregister").param("event", "server").fetch()?;
    /// sim.add_client("Newcomer", 1);
    /// let next = conn.wait_for_notification(Some(std::time::Duration::from_secs(5)))?;
    /// match next.notification {
    ///     Notification::ClientEnterView(c) => assert_eq!(c.client_nickname, "Newcomer"),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), ts3q_runtime::Error>(())
    /// ```
    pub fn wait_for_notification(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<TypedEvent, Error> {
        if let Some(next) = self.notifications.pop_front() {
            return next.map_err(Error::from);
        }
        let event = self.wait_for_event(timeout)?;
        let mut items = TypedEvent::split(&event);
        let first = items.next();
        self.notifications.extend(items);
        first.map_or(Err(Error::Timeout), |n| n.map_err(Error::from))
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

    /// Sends the keepalive command now and waits until it is written (py-ts3's
    /// `send_keepalive`). The connection also sends one by itself after `Config::keepalive`
    /// of silence, but only inside a call.
    pub fn send_keepalive(&mut self) -> Result<(), Error> {
        self.ensure_open()?;
        if !self.client.send_keepalive(Instant::now()) {
            return Err(Error::Closed(CloseReason::Quit));
        }
        // One turn of the loop writes it.
        self.drive(Some(Instant::now()), |_| true)?;
        Ok(())
    }

    /// ClientQuery: the server connection handler selected in the greeting.
    pub fn schandlerid(&self) -> Option<u64> {
        self.client.schandlerid()
    }

    /// Reconnects that happened since the last call.
    pub fn take_reconnects(&mut self) -> Vec<Reconnected> {
        std::mem::take(&mut self.reconnects)
    }

    /// Whether the connection is open (as far as the last call saw).
    pub fn is_connected(&self) -> bool {
        self.io.is_some() && self.closed.is_none()
    }

    /// The host this connection was opened to.
    pub fn host(&self) -> &str {
        &self.options.host
    }

    /// Protocol warnings seen so far (a truncated line at the end of the stream, a malformed
    /// line between responses): problems that lost no command and no event.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// Events dropped so far because the queue was full (`Overflow::DropOldest`).
    pub fn events_lost(&self) -> u64 {
        self.events_lost
    }

    /// How many times flood pacing held commands back (each hold is logged too).
    pub fn paced_waits(&self) -> u64 {
        self.paced_waits
    }

    /// The state machine (for its session log, state, counters).
    pub fn machine(&self) -> &Client {
        &self.client
    }

    /// Uploads `file` (from where the server asks: with `resume`, the size it has) and
    /// checks that the server stored all of it. The file's size.
    ///
    /// ```no_run
    /// # let mut conn = ts3q_blocking::Connection::open("telnet://u:p@localhost")?;
    /// use ts3q_blocking::transfer::Upload;
    /// let mut file = std::fs::File::open("comic.png")?;
    /// conn.upload(&Upload::new("/comic.png", 1), &mut file)?;
    /// # Ok::<(), ts3q_blocking::Error>(())
    /// ```
    pub fn upload(
        &mut self,
        request: &Upload,
        file: &mut (impl Read + Seek),
    ) -> Result<u64, Error> {
        self.upload_with_progress(request, file, no_progress)
    }

    /// [`upload`](Self::upload), calling `report` with the bytes done and the total at most
    /// every 50 ms and once at the end.
    pub fn upload_with_progress(
        &mut self,
        request: &Upload,
        file: &mut (impl Read + Seek),
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let size = file.seek(SeekFrom::End(0))?;
        let plan = self.init_upload(request, size)?;
        let start = plan.progress.start;
        self.upload_plan(&plan, file, report)?;
        let stored = self.stored_size(request)?;
        transfer::check_stored(start, size, stored)
    }

    /// Downloads into `out`, from `request`'s seek position. The file's size.
    pub fn download(&mut self, request: &Download, out: &mut impl Write) -> Result<u64, Error> {
        self.download_with_progress(request, out, no_progress)
    }

    /// [`download`](Self::download), calling `report` with the bytes done and the total at
    /// most every 50 ms and once at the end.
    pub fn download_with_progress(
        &mut self,
        request: &Download,
        out: &mut impl Write,
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let plan = self.init_download(request)?;
        self.download_plan(&plan, out, report)
    }

    /// Asks the server for an upload slot (`ftinitupload`) for `size` bytes: the ticket and
    /// where to connect. A refusal is [`Error::Transfer`] (`query_id()` gives its status).
    pub fn init_upload(&mut self, request: &Upload, size: u64) -> Result<Plan, Error> {
        let reply = self.exec(request.command(size))?;
        Plan::upload(&reply, size, &self.options.host)
    }

    /// Asks the server for a download (`ftinitdownload`).
    pub fn init_download(&mut self, request: &Download) -> Result<Plan, Error> {
        let reply = self.exec(request.command())?;
        Plan::download(&reply, request.seekpos, &self.options.host)
    }

    /// After an upload: the size the server stored (`ftgetfileinfo`).
    pub fn stored_size(&mut self, request: &Upload) -> Result<u64, Error> {
        let info = self.exec(transfer::file_info_command(request))?;
        transfer::size_of(&info)
    }

    /// The entries of directory `path` (`/` for the top) of channel `cid`
    /// (`ftgetfilelist`); an empty directory is an empty list.
    pub fn files(&mut self, cid: u32, cpw: &str, path: &str) -> Result<Vec<FileEntry>, Error> {
        files::all(self.exec(files::list(cid, cpw, path)), FileEntry::from_item)
    }

    /// One file's entry (`ftgetfileinfo`).
    pub fn file_info(&mut self, cid: u32, cpw: &str, name: &str) -> Result<FileEntry, Error> {
        files::one(self.exec(files::info(cid, cpw, name)), FileEntry::from_item)
    }

    /// Deletes files and empty directories (`ftdeletefile`).
    pub fn delete_files(&mut self, cid: u32, cpw: &str, names: &[&str]) -> Result<(), Error> {
        self.exec(files::delete(cid, cpw, names)).map(drop)
    }

    /// Creates a directory (`ftcreatedir`).
    pub fn create_dir(&mut self, cid: u32, cpw: &str, dirname: &str) -> Result<(), Error> {
        self.exec(files::create_dir(cid, cpw, dirname)).map(drop)
    }

    /// Renames or moves a file within a channel (`ftrenamefile`).
    pub fn rename_file(&mut self, cid: u32, cpw: &str, old: &str, new: &str) -> Result<(), Error> {
        self.exec(files::rename(cid, cpw, old, new)).map(drop)
    }

    /// The transfers under way on the server (`ftlist`).
    pub fn transfers(&mut self) -> Result<Vec<ActiveTransfer>, Error> {
        files::all(self.exec(files::transfers()), ActiveTransfer::from_item)
    }

    /// Cancels a transfer (`ftstop`); `delete` removes its partial file.
    pub fn stop_transfer(&mut self, serverftfid: u32, delete: bool) -> Result<(), Error> {
        self.exec(files::stop(serverftfid, delete)).map(drop)
    }

    /// Sends the bytes of a granted upload (the second half of [`upload`](Self::upload),
    /// without the check that the server stored them).
    pub fn upload_plan(
        &self,
        plan: &Plan,
        file: &mut (impl Read + Seek),
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let t = plan.ticket.clone();
        crate::transfer::upload_to(
            &plan.host,
            t.port,
            &t.key,
            file,
            plan.progress,
            self.transfer_timeouts(),
            report,
        )
    }

    /// Receives the bytes of a granted download.
    pub fn download_plan(
        &self,
        plan: &Plan,
        out: &mut impl Write,
        report: impl FnMut(Transferred),
    ) -> Result<u64, Error> {
        let t = &plan.ticket;
        crate::transfer::download_from(
            &plan.host,
            t.port,
            &t.key,
            out,
            plan.progress,
            self.transfer_timeouts(),
            report,
        )
    }

    /// The connection's timeouts, for its transfer sockets.
    fn transfer_timeouts(&self) -> transfer::Timeouts {
        transfer::Timeouts::of(&self.options)
    }

    /// Sends `quit` and waits until the server has closed the connection, at most
    /// [`CLOSE_TIMEOUT`]; past that the connection is dropped and this is
    /// [`Error::Timeout`]. Closing a closed connection is `Ok`.
    pub fn close(&mut self) -> Result<(), Error> {
        self.close_within(CLOSE_TIMEOUT)
    }

    /// [`close`](Self::close) with its own bound.
    pub fn close_within(&mut self, bound: Duration) -> Result<(), Error> {
        if self.closed.is_some() || self.io.is_none() {
            return Ok(());
        }
        self.client.close(Instant::now());
        let done = self.drive(Some(Instant::now() + bound), |c| c.closed.is_some())?;
        if let Some(mut io) = self.io.take() {
            io.shutdown();
        }
        if done || self.closed.is_some() {
            Ok(())
        } else {
            self.closed = Some(CloseReason::Quit);
            Err(Error::Timeout)
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.close_within(Duration::from_secs(1));
    }
}

impl Exec for &mut Connection {
    type Output<T: Send + 'static> = T;

    fn exec_request(self, request: Request) -> Result<Response, Error> {
        self.exec_with(request)
    }

    fn map_output<T: Send + 'static, U: Send + 'static>(out: T, f: fn(T) -> U) -> U {
        f(out)
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
