//! The query client state machine. It reads no clock and touches no socket: the caller feeds
//! it bytes, commands and the current time, and drains bytes to write, outputs, and the next
//! deadline.
//!
//! | phase    | on line                                   | on EOF / fatal       | `send`     | `close`              |
//! |----------|-------------------------------------------|----------------------|------------|----------------------|
//! | Greeting | banner, welcome, (`selected`) → Open       | → Closed             | queued     | → Closed             |
//! | Open     | data / `error` → response; `notify` → event | → Closed             | sent/paced | queue `quit` → Closing |
//! | Closing  | as Open; `quit`'s response → Closed        | → Closed             | refused    | no-op                |
//! | Closed   | ignored                                   | ignored              | refused    | no-op                |
//!
//! Commands are pipelined: each waits in a FIFO queue until the flood pacer allows it, then is
//! in flight until its `error` line. Responses are matched to commands in order; events are
//! delivered wherever they arrive.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};

use crate::command::Command;
mod deadlines;
mod error;

use deadlines::Deadlines;

pub use error::{ProtocolError, RequestError, SendError};

use crate::config::Config;
use crate::error::ParseError;
use crate::framing::{LineFramer, Span};
use crate::mode::Mode;
use crate::pacing::Pacer;
use crate::parse::QueryError;
use crate::parse::{classify, Event, Items, LineKind, Response, Status};
use crate::session::SessionLog;

/// Identifies a submitted command; its result is delivered with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The greeting the peer sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// Which interface it is.
    pub mode: Mode,
    /// The welcome line.
    pub welcome: Bytes,
    /// ClientQuery: the server connection handler selected on connect (`selected schandlerid=N`).
    pub schandlerid: Option<u64>,
}

/// Why the machine closed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// [`Client::close`] completed (`quit` answered, or the peer hung up after it).
    Quit,
    /// [`Client::close`] before the greeting completed.
    Local,
    /// The peer closed the connection.
    Eof,
    /// The keepalive command got no response in time: the connection is dead.
    KeepaliveTimeout,
    /// A fatal protocol error (not a query interface, refused, no greeting).
    Protocol(ProtocolError),
}

/// What the machine delivers, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// The greeting completed; commands flow from now on.
    Greeting(Greeting),
    /// The result of a command: its response (whatever its error id) or why there is none.
    Response {
        /// The command's id from [`Client::send`].
        id: RequestId,
        /// The response, or a timeout, parse error or closed connection.
        result: Result<Response, RequestError>,
    },
    /// An event (`notify...`).
    Event(Event),
    /// A problem with the connection that belongs to no command; the machine goes on.
    Warning(ProtocolError),
    /// A machine made with [`Client::resume`] replayed the session (login, use, subscriptions);
    /// `failed` lists what the server refused.
    Resumed {
        /// Replayed commands that did not succeed.
        failed: Vec<ReplayFailure>,
    },
    /// The flood pacer holds commands back until `until` (the server's flood limit would
    /// refuse them sooner). Once per hold: nothing is lost, only delayed.
    Paced {
        /// When the next command may go out.
        until: Instant,
        /// Commands waiting when the hold began.
        queued: usize,
    },
    /// The machine closed; every pending command has been answered. Close the transport.
    Closed(CloseReason),
}

/// A replayed command that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayFailure {
    /// The command's name (never its parameters: they may hold a password).
    pub command: String,
    /// Its error line, or why there is none.
    pub result: Result<Status, RequestError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    User(RequestId),
    Keepalive,
    Quit,
    Replay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Greeting(GreetingStage),
    Open,
    Closing,
    Closed,
}

/// Public view of the machine's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for the greeting.
    Greeting,
    /// Commands flow.
    Open,
    /// `quit` queued or sent.
    Closing,
    /// Done.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GreetingStage {
    /// Before `TS3` / `TS3 Client`; counts junk lines.
    Banner { junk: u32 },
    /// ServerQuery: the welcome line is next.
    ServerWelcome,
    /// ClientQuery: welcome and auth hint until `selected schandlerid=N`.
    ClientLines { seen: u32 },
}

/// Junk lines tolerated before the banner, and greeting bytes before giving up.
const MAX_JUNK_LINES: u32 = 8;
const MAX_GREETING_BYTES: usize = 8192;
const MAX_CLIENT_GREETING_LINES: u32 = 4;

struct Pending {
    origin: Origin,
    bytes: Bytes,
    timeout: Option<Duration>,
    retries: u32,
}

struct InFlight {
    origin: Origin,
    bytes: Bytes,
    timeout: Option<Duration>,
    retries: u32,
    seq: u64,
    timed_out: bool,
}

/// Data lines of the response in flight. One line stays zero-copy; several are joined by `|`
/// (their items are one list) in a single allocation of the exact size when the response
/// completes. The list of lines is kept between responses, so the allocations of a response
/// do not grow with its line count: none for one line, one for many.
#[derive(Default)]
struct Data {
    lines: Vec<Bytes>,
    /// Bytes of the joined lines, separators included.
    len: usize,
}

/// Lines kept between responses (beyond this, the list is released after use).
const DATA_LINES_KEPT: usize = 1024;

impl Data {
    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, line: Bytes) {
        self.len += usize::from(!self.lines.is_empty()) + line.len();
        self.lines.push(line);
    }

    fn clear(&mut self) {
        self.lines.clear();
        self.len = 0;
        if self.lines.capacity() > DATA_LINES_KEPT {
            self.lines = Vec::new();
        }
    }

    /// The lines as one, and the list emptied for the next response.
    fn take(&mut self) -> Bytes {
        let joined = match self.lines.len() {
            0 => Bytes::new(),
            1 => self.lines.pop().unwrap_or_default(),
            _ => {
                let mut joined = BytesMut::with_capacity(self.len);
                for (i, line) in self.lines.iter().enumerate() {
                    if i > 0 {
                        joined.put_u8(b'|');
                    }
                    joined.extend_from_slice(line);
                }
                joined.freeze()
            }
        };
        self.clear();
        joined
    }
}

/// The sans-IO query client.
///
/// A loop around it does four things, in this order, forever: write what
/// [`poll_transmit`](Self::poll_transmit) gives; act on what [`poll_output`](Self::poll_output)
/// gives; wait for the socket, but no longer than [`poll_timeout`](Self::poll_timeout), and pass
/// what arrived to [`handle_input`](Self::handle_input) (or [`handle_eof`](Self::handle_eof));
/// then, **after every read**, call [`handle_timeout`](Self::handle_timeout) if the deadline has
/// passed. Checking the deadline only when a read timed out is the easy mistake: under a
/// steady stream of events no read ever times out, so response timeouts, the keepalive and
/// paced commands would never fire. `examples/embed.rs` is such a loop around a `TcpStream`.
///
/// ```
/// use std::time::Instant;
/// use ts3q::{Client, Command, Config, Output};
///
/// let now = Instant::now();
/// let mut client = Client::new(Config::server_query(), now);
/// let id = client.send(Command::new("whoami"), now).unwrap();
///
/// // Bytes read from the socket, in any chunking:
/// client.handle_input(b"TS3\n\rWelcome to the TeamSpeak 3 ServerQuery interface.\n\r", now);
/// // Bytes to write to the socket:
/// assert_eq!(client.poll_transmit().unwrap(), "whoami\n");
/// client.handle_input(b"client_id=5 client_nickname=serveradmin\n\rerror id=0 msg=ok\n\r", now);
///
/// assert!(matches!(client.poll_output(), Some(Output::Greeting(_))));
/// match client.poll_output() {
///     Some(Output::Response { id: got, result: Ok(resp) }) => {
///         assert_eq!(got, id);
///         assert_eq!(resp.first().unwrap().parse::<u32>("client_id"), Ok(5));
///     }
///     other => panic!("{other:?}"),
/// }
/// // Sleep until this, then call handle_timeout (keepalive, timeouts, pacing):
/// assert!(client.poll_timeout().is_some());
/// ```
pub struct Client {
    config: Config,
    phase: Phase,
    framer: LineFramer,
    next_id: u64,
    next_seq: u64,
    queue: VecDeque<Pending>,
    in_flight: VecDeque<InFlight>,
    head_data: Data,
    head_failure: Option<ParseError>,
    /// Compiled commands released and not yet taken by `poll_transmit`, back to back.
    transmit: BytesMut,
    /// Where commands are compiled, back to back: each pending command's bytes are a slice of
    /// it, so that a command costs no allocation of its own and finishing one frees nothing
    /// (with a thousand in flight, freeing each command's own buffer was a third of the work
    /// of completing it).
    stash: BytesMut,
    outputs: VecDeque<Output>,
    pacer: Pacer,
    flood_wait_until: Option<Instant>,
    last_send: Instant,
    greeting_deadline: Option<Instant>,
    greeting_bytes: usize,
    greeting_welcome: Option<Bytes>,
    greeting: Option<Greeting>,
    deadlines: Deadlines,
    /// Whether the current pacing hold has been reported ([`Output::Paced`]).
    pacing_reported: bool,
    paced_waits: u64,
    last_event: Option<Bytes>,
    session: SessionLog,
    replaying: usize,
    replay_failed: Vec<ReplayFailure>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("mode", &self.config.mode)
            .field("state", &self.state())
            .field("queued", &self.queue.len())
            .field("in_flight", &self.in_flight.len())
            .field("outputs", &self.outputs.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A machine waiting for the greeting of a freshly opened connection.
    pub fn new(config: Config, now: Instant) -> Client {
        Client {
            framer: LineFramer::new(config.max_line),
            pacer: Pacer::new(config.flood),
            greeting_deadline: config.greeting_timeout.map(|t| now + t),
            config,
            phase: Phase::Greeting(GreetingStage::Banner { junk: 0 }),
            next_id: 0,
            next_seq: 0,
            queue: VecDeque::new(),
            in_flight: VecDeque::new(),
            head_data: Data::default(),
            head_failure: None,
            transmit: BytesMut::new(),
            stash: BytesMut::new(),
            outputs: VecDeque::new(),
            flood_wait_until: None,
            last_send: now,
            greeting_bytes: 0,
            greeting_welcome: None,
            greeting: None,
            deadlines: Deadlines::default(),
            pacing_reported: false,
            paced_waits: 0,
            last_event: None,
            session: SessionLog::default(),
            replaying: 0,
            replay_failed: Vec::new(),
        }
    }

    /// A machine for a new connection that first restores `session` (login, `use`, event
    /// subscriptions) after the greeting, before any command submitted meanwhile, then
    /// delivers [`Output::Resumed`]. This is how a runtime reconnects.
    pub fn resume(config: Config, now: Instant, session: SessionLog) -> Client {
        let mut c = Client::new(config, now);
        for line in session.replay() {
            c.queue.push_back(Pending {
                origin: Origin::Replay,
                bytes: line,
                timeout: c.config.response_timeout,
                retries: 0,
            });
            c.replaying += 1;
        }
        c.session = session;
        if c.replaying == 0 {
            c.outputs.push_back(Output::Resumed { failed: Vec::new() });
        }
        c
    }

    /// The session state recorded from successful commands (see [`SessionLog`]).
    pub fn session(&self) -> &SessionLog {
        &self.session
    }

    /// A machine for a connection whose greeting was already consumed (or never sent).
    pub fn new_open(config: Config, now: Instant) -> Client {
        let mut c = Client::new(config, now);
        c.phase = Phase::Open;
        c.greeting_deadline = None;
        c
    }

    // ---------------------------------------------------------------- inputs

    /// Queues a command with the configured response timeout.
    pub fn send(&mut self, cmd: Command, now: Instant) -> Result<RequestId, SendError> {
        self.send_with_timeout(cmd, self.config.response_timeout, now)
    }

    /// Queues a command with its own response timeout (`None`: wait forever).
    pub fn send_with_timeout(
        &mut self,
        cmd: Command,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<RequestId, SendError> {
        if matches!(self.phase, Phase::Closing | Phase::Closed) {
            return Err(SendError::Closed);
        }
        let bytes = self.stash(&cmd)?;
        drop(cmd); // freed here, where it was just made, rather than when its response arrives
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Pending {
            origin: Origin::User(id),
            bytes,
            timeout,
            retries: 0,
        });
        self.release(now);
        Ok(id)
    }

    /// The compiled bytes of `cmd`, as a slice of the `stash` buffer.
    fn stash(&mut self, cmd: &Command) -> Result<Bytes, SendError> {
        // A block for many commands; it is reused in place once none of them is pending.
        const BLOCK: usize = 8 * 1024;
        if self.stash.capacity() < cmd.len() {
            self.stash.reserve(cmd.len().max(BLOCK));
        }
        cmd.compile_into(self.config.mode, &mut self.stash)?;
        Ok(self.stash.split().freeze())
    }

    /// Starts a graceful close: commands already queued are sent, then `quit`. No command is
    /// accepted after this. Ends with [`Output::Closed`].
    pub fn close(&mut self, now: Instant) {
        match self.phase {
            Phase::Greeting(_) => self.shut(CloseReason::Local),
            Phase::Open => {
                self.phase = Phase::Closing;
                self.queue.push_back(Pending {
                    origin: Origin::Quit,
                    bytes: Bytes::from_static(b"quit\n"),
                    timeout: self.config.response_timeout,
                    retries: 0,
                });
                self.release(now);
            }
            Phase::Closing | Phase::Closed => {}
        }
    }

    /// Feeds bytes read from the transport.
    pub fn handle_input(&mut self, data: &[u8], now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        self.framer.push(data);
        while let Some(span) = self.framer.next_span() {
            self.on_span(span, now);
            if self.phase == Phase::Closed {
                return;
            }
        }
        if matches!(self.phase, Phase::Greeting(_))
            && self.greeting_bytes + self.framer.buffered() > MAX_GREETING_BYTES
        {
            return self.shut(CloseReason::Protocol(ProtocolError::NotTs3Query));
        }
        self.release(now);
        self.prune_deadlines();
    }

    /// The transport reached end of input (the peer closed).
    pub fn handle_eof(&mut self, _now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        let partial = self.framer.take_partial();
        let reason = match self.phase {
            Phase::Closing => CloseReason::Quit,
            // Something that was not a TS3 banner, then the end (an HTTP server's error page):
            // not a query interface, rather than a connection that merely dropped.
            Phase::Greeting(GreetingStage::Banner { .. })
                if self.greeting_bytes > 0 || partial.is_some() =>
            {
                CloseReason::Protocol(ProtocolError::NotTs3Query)
            }
            _ => CloseReason::Eof,
        };
        if let Some(partial) = partial {
            self.outputs
                .push_back(Output::Warning(ProtocolError::TruncatedLine {
                    len: partial.len(),
                }));
        }
        self.shut(reason);
    }

    /// Queues the keepalive command now (py-ts3's `send_keepalive`), whatever the idle timer
    /// says; its response is not delivered, and no response in time closes the connection as
    /// dead ([`CloseReason::KeepaliveTimeout`]). The automatic keepalive makes this unneeded
    /// for most programs. False when the connection is closing or closed.
    pub fn send_keepalive(&mut self, now: Instant) -> bool {
        if matches!(self.phase, Phase::Closing | Phase::Closed) {
            return false;
        }
        self.queue.push_back(Pending {
            origin: Origin::Keepalive,
            bytes: self.config.keepalive_bytes(),
            timeout: self.config.response_timeout,
            retries: 0,
        });
        self.release(now);
        true
    }

    /// Time passed: fires response timeouts, the keepalive, the greeting timeout, and releases
    /// commands the flood pacer held back. A call before any deadline does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        if let (Phase::Greeting(_), Some(deadline)) = (self.phase, self.greeting_deadline) {
            if now >= deadline {
                let t = self.config.greeting_timeout.unwrap_or_default();
                return self.shut(CloseReason::Protocol(ProtocolError::GreetingTimeout(t)));
            }
        }
        while let Some((deadline, seq)) = self.deadlines.peek() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            let Some(entry) = self.in_flight_mut(seq) else {
                continue;
            };
            if entry.timed_out {
                continue;
            }
            entry.timed_out = true;
            let (origin, timeout) = (entry.origin, entry.timeout.unwrap_or_default());
            match origin {
                Origin::User(id) => self.outputs.push_back(Output::Response {
                    id,
                    result: Err(RequestError::Timeout(timeout)),
                }),
                Origin::Keepalive => return self.shut(CloseReason::KeepaliveTimeout),
                Origin::Quit => return self.shut(CloseReason::Quit),
                Origin::Replay => {
                    let command = command_name(&entry.bytes);
                    self.replay_done(Some(ReplayFailure {
                        command,
                        result: Err(RequestError::Timeout(timeout)),
                    }));
                }
            }
        }
        if let Some(at) = self.keepalive_due() {
            if now >= at {
                self.queue.push_back(Pending {
                    origin: Origin::Keepalive,
                    bytes: self.config.keepalive_bytes(),
                    timeout: self.config.response_timeout,
                    retries: 0,
                });
            }
        }
        self.release(now);
        self.prune_deadlines();
    }

    // --------------------------------------------------------------- outputs

    /// Bytes to write to the transport (all pending commands, coalesced).
    #[must_use = "the bytes must be written to the socket"]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        (!self.transmit.is_empty()).then(|| self.transmit.split().freeze())
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    #[must_use = "the machine needs handle_timeout at this instant"]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        match self.phase {
            Phase::Closed => return None,
            Phase::Greeting(_) => consider(self.greeting_deadline),
            Phase::Open | Phase::Closing => {
                consider(self.deadlines.peek().map(|(t, _)| t));
                consider(self.keepalive_due());
                if !self.queue.is_empty() {
                    let slot = self.pacer.next_slot();
                    consider(match (slot, self.flood_wait_until) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    });
                }
            }
        }
        next
    }

    /// The next output: greeting, responses, events, warnings, and finally `Closed`.
    #[must_use = "responses and events are lost if dropped"]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Releases the memory of queues and buffers that are empty. A runtime holding many idle
    /// connections calls this when a connection goes quiet (nothing in flight); the queues
    /// grow back on the next command.
    pub fn shrink_to_fit(&mut self) {
        fn shrink<T>(q: &mut VecDeque<T>) {
            if q.is_empty() {
                *q = VecDeque::new();
            }
        }
        shrink(&mut self.queue);
        shrink(&mut self.in_flight);
        if self.transmit.is_empty() {
            self.transmit = BytesMut::new();
        }
        if self.queue.is_empty() && self.in_flight.is_empty() {
            self.stash = BytesMut::new();
        }
        shrink(&mut self.outputs);
        self.deadlines.shrink();
        self.framer.shrink_to_fit();
    }

    // ------------------------------------------------------------- accessors

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many times the flood pacer has held commands back ([`Output::Paced`]).
    pub fn paced_waits(&self) -> u64 {
        self.paced_waits
    }

    /// The phase.
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Greeting(_) => State::Greeting,
            Phase::Open => State::Open,
            Phase::Closing => State::Closing,
            Phase::Closed => State::Closed,
        }
    }

    /// Whether the machine is closed.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The greeting, once received.
    pub fn greeting(&self) -> Option<&Greeting> {
        self.greeting.as_ref()
    }

    /// ClientQuery: the handler selected in the greeting.
    pub fn schandlerid(&self) -> Option<u64> {
        self.greeting.as_ref().and_then(|g| g.schandlerid)
    }

    /// Commands waiting to be sent (pacing, greeting, flood wait).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Commands sent and waiting for their response (timed-out ones included until their late
    /// response arrives).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    // ------------------------------------------------------------- internals

    fn keepalive_due(&self) -> Option<Instant> {
        match (self.phase, self.config.keepalive) {
            (Phase::Open, Some(interval)) if self.queue.is_empty() => {
                Some(self.last_send + interval)
            }
            _ => None,
        }
    }

    fn in_flight_mut(&mut self, seq: u64) -> Option<&mut InFlight> {
        let front = self.in_flight.front()?.seq;
        let idx = usize::try_from(seq.checked_sub(front)?).ok()?;
        self.in_flight.get_mut(idx).filter(|e| e.seq == seq)
    }

    /// Drops heap entries of commands already answered or timed out, so `poll_timeout` is exact.
    fn prune_deadlines(&mut self) {
        while let Some((_, seq)) = self.deadlines.peek() {
            match self.in_flight_mut(seq) {
                Some(e) if !e.timed_out => break,
                _ => {
                    self.deadlines.pop();
                }
            }
        }
    }

    /// Moves queued commands to the transmit buffer as far as greeting, flood wait and pacing
    /// allow.
    fn release(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Open | Phase::Closing) {
            return;
        }
        if self.flood_wait_until.is_some_and(|t| now >= t) {
            self.flood_wait_until = None;
        }
        while !self.queue.is_empty() {
            if self.flood_wait_until.is_some() {
                break;
            }
            if let Some(until) = self.pacer.next_slot().filter(|t| now < *t) {
                // Say so once per hold, so that a runtime can log it: a silent 3 s wait
                // looks like a hang.
                if !self.pacing_reported {
                    self.pacing_reported = true;
                    self.paced_waits += 1;
                    self.outputs.push_back(Output::Paced {
                        until,
                        queued: self.queue.len(),
                    });
                }
                break;
            }
            let Some(p) = self.queue.pop_front() else {
                break;
            };
            self.pacing_reported = false;
            self.pacer.record(now);
            self.last_send = now;
            self.transmit.extend_from_slice(&p.bytes);
            let seq = self.next_seq;
            self.next_seq += 1;
            if let Some(t) = p.timeout {
                self.deadlines.push(now + t, seq);
            }
            self.in_flight.push_back(InFlight {
                origin: p.origin,
                bytes: p.bytes,
                timeout: p.timeout,
                retries: p.retries,
                seq,
                timed_out: false,
            });
        }
    }

    fn on_span(&mut self, span: Span, now: Instant) {
        match span {
            Span::Line(range) => self.on_line(range, now),
            Span::TooLong { len, prefix } => {
                let max = self.framer.max_line();
                match self.phase {
                    Phase::Greeting(_) => {
                        self.shut(CloseReason::Protocol(ProtocolError::NotTs3Query))
                    }
                    Phase::Closed => {}
                    Phase::Open | Phase::Closing => match classify(&prefix) {
                        LineKind::Event => self
                            .outputs
                            .push_back(Output::Warning(ProtocolError::EventTooLong { len, max })),
                        LineKind::Status => {
                            self.complete_head(Err(ParseError::LineTooLong { len, max }), now)
                        }
                        LineKind::Data | LineKind::Blank => {
                            self.fail_head_data(ParseError::LineTooLong { len, max }, len)
                        }
                    },
                }
            }
        }
    }

    /// A line, still in the framer's buffer: cut out only when it is kept.
    fn on_line(&mut self, range: Range<usize>, now: Instant) {
        match self.phase {
            Phase::Closed => {}
            Phase::Greeting(stage) => {
                let line = self.framer.cut(range);
                self.on_greeting_line(stage, line, now)
            }
            Phase::Open | Phase::Closing => {
                let line = self.framer.peek(&range);
                match classify(line) {
                    LineKind::Blank => {}
                    LineKind::Event => self.on_event(self.framer.cut(range)),
                    LineKind::Status => {
                        let status = if line == Status::OK_LINE {
                            Ok(Status::ok())
                        } else {
                            Status::parse(self.framer.cut(range))
                        };
                        self.complete_head(status, now)
                    }
                    LineKind::Data => self.on_data(self.framer.cut(range)),
                }
            }
        }
    }

    fn on_event(&mut self, line: Bytes) {
        if self.config.dedup_events {
            let repeat = self.last_event.as_ref() == Some(&line)
                && [
                    &b"notifycliententerview "[..],
                    b"notifyclientleftview ",
                    b"notifyclientmoved ",
                ]
                .iter()
                .any(|p| line.starts_with(p));
            self.last_event = Some(line.clone());
            if repeat {
                return;
            }
        }
        let len = line.len();
        match Event::parse(line) {
            Ok(ev) => self.outputs.push_back(Output::Event(ev)),
            // Only a line too large to index fails; report it rather than drop it silently.
            Err(_) => {
                let max = self.framer.max_line();
                self.outputs
                    .push_back(Output::Warning(ProtocolError::EventTooLong { len, max }))
            }
        }
    }

    fn on_data(&mut self, line: Bytes) {
        let Some(head) = self.in_flight.front() else {
            let len = line.len();
            return self
                .outputs
                .push_back(Output::Warning(ProtocolError::UnsolicitedData { len }));
        };
        if head.timed_out || self.head_failure.is_some() {
            return;
        }
        let total = self.head_data.len() + 1 + line.len();
        if total > self.framer.max_line() {
            let max = self.framer.max_line();
            return self.fail_head_data(ParseError::LineTooLong { len: total, max }, total);
        }
        self.head_data.push(line);
    }

    /// A data line of the head's response was lost: the head's result becomes `error`.
    fn fail_head_data(&mut self, error: ParseError, len: usize) {
        if self.in_flight.is_empty() {
            return self
                .outputs
                .push_back(Output::Warning(ProtocolError::UnsolicitedData { len }));
        }
        self.head_data.clear();
        self.head_failure.get_or_insert(error);
    }

    /// The head's `error` line arrived (or could not be read): its command is done.
    fn complete_head(&mut self, status: Result<Status, ParseError>, now: Instant) {
        let Some(head) = self.in_flight.pop_front() else {
            let id = status.as_ref().ok().map(Status::id);
            return self
                .outputs
                .push_back(Output::Warning(ProtocolError::UnsolicitedStatus { id }));
        };
        let data = self.head_data.take();
        let failure = self.head_failure.take();
        if head.timed_out {
            return; // the late response of a command already answered with Timeout
        }
        let result = match status {
            Err(e) => Err(RequestError::Parse(e)),
            Ok(status) if status.is_flooding() => {
                if head.origin != Origin::Keepalive && head.retries < self.config.flood_retries {
                    return self.retry_after_flood(head, &status, now);
                }
                self.respond(failure, data, status)
            }
            Ok(status) => self.respond(failure, data, status),
        };
        match head.origin {
            Origin::User(id) => {
                if matches!(&result, Ok(r) if r.status().is_ok()) {
                    self.session.observe(&head.bytes);
                }
                self.outputs.push_back(Output::Response { id, result })
            }
            Origin::Keepalive => {}
            Origin::Quit => self.shut(CloseReason::Quit),
            Origin::Replay => {
                let result = result.map(|r| r.status().clone());
                if matches!(&result, Ok(s) if s.is_ok()) {
                    self.session.observe(&head.bytes);
                    self.replay_done(None);
                } else {
                    let command = command_name(&head.bytes);
                    self.replay_done(Some(ReplayFailure { command, result }));
                }
            }
        }
    }

    /// One replayed command finished; after the last, report how the resume went.
    fn replay_done(&mut self, failure: Option<ReplayFailure>) {
        self.replay_failed.extend(failure);
        self.replaying = self.replaying.saturating_sub(1);
        if self.replaying == 0 {
            let failed = std::mem::take(&mut self.replay_failed);
            self.outputs.push_back(Output::Resumed { failed });
        }
    }

    fn respond(
        &self,
        failure: Option<ParseError>,
        data: Bytes,
        status: Status,
    ) -> Result<Response, RequestError> {
        if let Some(e) = failure {
            return Err(RequestError::Parse(e));
        }
        let items = Items::parse(data)?;
        Ok(Response::from_parts(items, status))
    }

    /// Error 524: hold every queued command for the time the server asks, and resend this one
    /// first (after earlier retries, so order is kept).
    fn retry_after_flood(&mut self, head: InFlight, status: &Status, now: Instant) {
        let wait = Duration::from_secs(status.flood_wait_secs().unwrap_or(1).clamp(1, 600));
        let until = now + wait;
        self.flood_wait_until = Some(self.flood_wait_until.map_or(until, |t| t.max(until)));
        let at = self.queue.iter().take_while(|p| p.retries > 0).count();
        self.queue.insert(
            at,
            Pending {
                origin: head.origin,
                bytes: head.bytes,
                timeout: head.timeout,
                retries: head.retries + 1,
            },
        );
    }

    fn on_greeting_line(&mut self, stage: GreetingStage, line: Bytes, now: Instant) {
        let text = trim_spaces(&line);
        if text.is_empty() {
            return;
        }
        self.greeting_bytes += line.len();
        if classify(text) == LineKind::Status {
            // e.g. 3329 "you are banned", sent instead of (or right after) the banner.
            let refusal = match Status::parse(line) {
                Ok(s) => ProtocolError::Refused(QueryError(s)),
                Err(_) => ProtocolError::NotTs3Query,
            };
            return self.shut(CloseReason::Protocol(refusal));
        }
        let mode = self.config.mode;
        match stage {
            GreetingStage::Banner { .. } if speaks_another_protocol(text) => {
                self.shut(CloseReason::Protocol(ProtocolError::NotTs3Query))
            }
            GreetingStage::Banner { junk } => {
                let found = match text {
                    b"TS3" => Some(Mode::ServerQuery),
                    b"TS3 Client" => Some(Mode::ClientQuery),
                    _ => None,
                };
                self.phase = match found {
                    Some(found) if found != mode => {
                        let e = ProtocolError::WrongInterface {
                            expected: mode,
                            found,
                        };
                        return self.shut(CloseReason::Protocol(e));
                    }
                    Some(Mode::ServerQuery) => Phase::Greeting(GreetingStage::ServerWelcome),
                    Some(Mode::ClientQuery) => {
                        Phase::Greeting(GreetingStage::ClientLines { seen: 0 })
                    }
                    None if junk + 1 >= MAX_JUNK_LINES => {
                        return self.shut(CloseReason::Protocol(ProtocolError::NotTs3Query))
                    }
                    None => Phase::Greeting(GreetingStage::Banner { junk: junk + 1 }),
                };
            }
            GreetingStage::ServerWelcome => self.finish_greeting(line, None, now),
            GreetingStage::ClientLines { seen } => {
                if let Some(rest) = text.strip_prefix(b"selected ") {
                    let id = Items::parse(Bytes::copy_from_slice(rest))
                        .ok()
                        .and_then(|i| i.first().and_then(|f| f.parse::<u64>("schandlerid").ok()));
                    let welcome = self.greeting_welcome.take().unwrap_or_default();
                    return self.finish_greeting(welcome, id, now);
                }
                if seen == 0 {
                    self.greeting_welcome = Some(line);
                }
                if seen + 1 >= MAX_CLIENT_GREETING_LINES {
                    return self.shut(CloseReason::Protocol(ProtocolError::NotTs3Query));
                }
                self.phase = Phase::Greeting(GreetingStage::ClientLines { seen: seen + 1 });
            }
        }
    }

    fn finish_greeting(&mut self, welcome: Bytes, schandlerid: Option<u64>, now: Instant) {
        let greeting = Greeting {
            mode: self.config.mode,
            welcome,
            schandlerid,
        };
        self.phase = Phase::Open;
        self.greeting_deadline = None;
        self.last_send = now;
        self.greeting = Some(greeting.clone());
        self.outputs.push_back(Output::Greeting(greeting));
        // Commands submitted during the greeting go out now, before any later line is read.
        self.release(now);
    }

    /// Closes for good: every pending command is answered with `ConnectionClosed`.
    fn shut(&mut self, reason: CloseReason) {
        self.phase = Phase::Closed;
        let closed = || Err(RequestError::ConnectionClosed);
        for e in self.in_flight.drain(..) {
            if let (Origin::User(id), false) = (e.origin, e.timed_out) {
                self.outputs.push_back(Output::Response {
                    id,
                    result: closed(),
                });
            }
        }
        for p in self.queue.drain(..) {
            if let Origin::User(id) = p.origin {
                self.outputs.push_back(Output::Response {
                    id,
                    result: closed(),
                });
            }
        }
        self.head_data.clear();
        self.head_failure = None;
        self.transmit.clear();
        self.deadlines.clear();
        self.outputs.push_back(Output::Closed(reason));
    }
}

/// The name of a command line (the first word).
fn command_name(line: &[u8]) -> String {
    let end = line
        .iter()
        .position(|&b| b == b' ' || b == b'\n')
        .unwrap_or(line.len());
    String::from_utf8_lossy(&line[..end]).into_owned()
}

/// A first line that plainly belongs to another protocol (an SSH server's banner on the raw
/// port, an HTTP reply, an SMTP/FTP greeting): no need to wait for more junk or a timeout.
fn speaks_another_protocol(line: &[u8]) -> bool {
    const BANNERS: [&[u8]; 4] = [b"SSH-", b"HTTP/", b"<!DOCTYPE", b"<html"];
    BANNERS.iter().any(|b| line.starts_with(b))
        || (line.len() >= 4 && line[..3].iter().all(u8::is_ascii_digit) && line[3] == b' ')
}

fn trim_spaces(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
    &b[start..end]
}
