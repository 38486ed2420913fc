//! File transfer, shared by the runtimes: the requests with py-ts3's defaults ([`Upload`],
//! [`Download`]), the `clientftfid` allocator, where to connect ([`address`]), what a transfer
//! must move ([`Plan`]), and the accounting of one transfer connection ([`Meter`]): throttled
//! progress reports, and errors that say how far it got. The byte loops are the runtimes'
//! (they own the sockets); [`ts3q::filetransfer`] reads the replies.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ts3q::filetransfer::{self, Direction, FtError, Progress, Ticket};
use ts3q::{Command, Response};

use crate::Error;

/// A `clientftfid` unique among this process's transfers.
pub fn next_ftid() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// An upload request, with py-ts3's defaults: no channel password, overwrite, no resume.
///
/// ```
/// let up = ts3q_runtime::transfer::Upload::new("/comic.png", 5).password("pw").resume(true);
/// assert_eq!((up.overwrite, up.resume), (false, true)); // resume implies no overwrite
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The path on the server, such as `/images/comic.png`.
    pub name: String,
    /// The channel.
    pub cid: u32,
    /// The channel's password (`cpw`), empty for none.
    pub password: String,
    /// Replace an existing file (default `true`).
    pub overwrite: bool,
    /// Continue a partial upload from the size the server has (default `false`).
    pub resume: bool,
}

impl Upload {
    /// An upload of `name` to channel `cid`.
    pub fn new(name: &str, cid: u32) -> Upload {
        Upload {
            name: name.into(),
            cid,
            password: String::new(),
            overwrite: true,
            resume: false,
        }
    }

    /// Sets the channel password.
    pub fn password(mut self, cpw: &str) -> Upload {
        self.password = cpw.into();
        self
    }

    /// Whether to replace an existing file.
    pub fn overwrite(mut self, on: bool) -> Upload {
        self.overwrite = on;
        self
    }

    /// Whether to continue from what the server has; a server refuses `overwrite` with
    /// `resume` (2056), so resuming turns overwrite off.
    pub fn resume(mut self, on: bool) -> Upload {
        self.resume = on;
        if on {
            self.overwrite = false;
        }
        self
    }

    /// The `ftinitupload` command for a file of `size` bytes, with a fresh `clientftfid`.
    pub fn command(&self, size: u64) -> Command {
        filetransfer::init_upload(
            next_ftid(),
            &self.name,
            self.cid,
            &self.password,
            size,
            self.overwrite,
            self.resume,
        )
    }
}

/// A download request, with py-ts3's defaults: no channel password, from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The path on the server.
    pub name: String,
    /// The channel.
    pub cid: u32,
    /// The channel's password (`cpw`), empty for none.
    pub password: String,
    /// Where to start in the file (default 0).
    pub seekpos: u64,
}

impl Download {
    /// A download of `name` from channel `cid`.
    pub fn new(name: &str, cid: u32) -> Download {
        Download {
            name: name.into(),
            cid,
            password: String::new(),
            seekpos: 0,
        }
    }

    /// Sets the channel password.
    pub fn password(mut self, cpw: &str) -> Download {
        self.password = cpw.into();
        self
    }

    /// Starts at byte `pos` (to continue a cut download: the size you have).
    pub fn seekpos(mut self, pos: u64) -> Download {
        self.seekpos = pos;
        self
    }

    /// The `ftinitdownload` command, with a fresh `clientftfid`.
    pub fn command(&self) -> Command {
        filetransfer::init_download(
            next_ftid(),
            &self.name,
            self.cid,
            &self.password,
            self.seekpos,
        )
    }
}

/// Where to connect for a ticket: the first usable address the server named (`ip=`), else
/// the query connection's host, else `fallback` (py-ts3's `fallbackhost`), for a query host
/// that is not reachable from here for file transfer.
///
/// ```
/// # use ts3q::filetransfer::{Direction, Ticket};
/// let reply = ts3q::Response::parse(
///     "clientftfid=1 serverftfid=2 ftkey=k port=30033 seekpos=0 ip=0.0.0.0,192.0.2.7".into(),
///     "error id=0 msg=ok".into(),
/// ).unwrap();
/// let t = Ticket::from_response(&reply, Direction::Upload).unwrap();
/// assert_eq!(ts3q_runtime::transfer::address(&t, "ts.example", None), "192.0.2.7");
/// ```
pub fn address(ticket: &Ticket, query_host: &str, fallback: Option<&str>) -> String {
    match ticket.ips.first() {
        Some(ip) => ip.clone(),
        None if !query_host.is_empty() => query_host.into(),
        None => fallback.unwrap_or("127.0.0.1").into(),
    }
}

/// A transfer the server agreed to: where to connect, what to send first, what to count.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server's ticket (key, port, seek position, size).
    pub ticket: Ticket,
    /// The host to connect to (see [`address`]).
    pub host: String,
    /// The byte count to reach.
    pub progress: Progress,
}

impl Plan {
    /// The plan for an upload of `size` bytes, from the `ftinitupload` reply.
    pub fn upload(reply: &Response, size: u64, host: &str) -> Result<Plan, Error> {
        let ticket = Ticket::from_response(reply, Direction::Upload)?;
        let progress = Progress::upload(size, ticket.seekpos);
        Ok(Plan::new(ticket, progress, host))
    }

    /// The plan for a download from `seekpos`, from the `ftinitdownload` reply.
    pub fn download(reply: &Response, seekpos: u64, host: &str) -> Result<Plan, Error> {
        let ticket = Ticket::from_response(reply, Direction::Download)?;
        let progress = Progress::download(ticket.size, seekpos);
        Ok(Plan::new(ticket, progress, host))
    }

    fn new(ticket: Ticket, progress: Progress, host: &str) -> Plan {
        Plan {
            host: address(&ticket, host, None),
            ticket,
            progress,
        }
    }

    /// Connects elsewhere than the server said (py-ts3's `fallbackhost`, when the ticket
    /// names no address and the query host is not reachable for file transfer).
    pub fn via(mut self, host: &str) -> Plan {
        if self.ticket.ips.is_empty() {
            self.host = host.into();
        }
        self
    }
}

/// How long a transfer connection may take to open, and to make progress once open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting to the transfer port.
    pub connect: Duration,
    /// One read or write.
    pub idle: Duration,
}

impl Timeouts {
    /// A query connection's: its connect timeout, and its response timeout (else the connect
    /// timeout) for each read or write.
    pub fn of(options: &crate::Options) -> Timeouts {
        let connect = options.connect_timeout;
        Timeouts {
            connect,
            idle: options.config.response_timeout_value().unwrap_or(connect),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(10),
            idle: Duration::from_secs(30),
        }
    }
}

/// A progress report: bytes of the file present so far (including what was there before a
/// resume or below a seek position) and the file's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transferred {
    /// Bytes done.
    pub done: u64,
    /// The file's size.
    pub total: u64,
}

/// At most this often a progress callback is called (plus once at the end).
pub const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// The accounting of one transfer connection: bytes moved, throttled progress reports, and
/// how it ended.
pub struct Meter<F: FnMut(Transferred)> {
    progress: Progress,
    report: F,
    last: Option<Instant>,
}

impl<F: FnMut(Transferred)> Meter<F> {
    /// Starts counting; reports once at once (0 bytes moved).
    pub fn new(progress: Progress, report: F) -> Meter<F> {
        let mut m = Meter {
            progress,
            report,
            last: None,
        };
        m.tick(true);
        m
    }

    /// Bytes still to move on this connection.
    pub fn remaining(&self) -> u64 {
        self.progress.remaining()
    }

    /// Where the transfer starts in the file.
    pub fn start(&self) -> u64 {
        self.progress.start
    }

    /// Records `n` bytes moved; reports if the last report is old enough.
    pub fn moved(&mut self, n: u64) {
        self.progress.advance(n);
        self.tick(false);
    }

    fn tick(&mut self, force: bool) {
        let now = Instant::now();
        if force || self.last.is_none_or(|t| now - t >= PROGRESS_EVERY) {
            self.last = Some(now);
            (self.report)(Transferred {
                done: self.progress.start + self.progress.done,
                total: self.progress.total,
            });
        }
    }

    /// The connection is done, cleanly (`cause` `None`) or not: the file's size once every
    /// byte moved; otherwise how far it got. Reports once more.
    pub fn finish(mut self, cause: Option<io::Error>) -> Result<u64, Error> {
        self.tick(true);
        let p = self.progress;
        let (done, expected) = (p.start + p.done, p.total);
        match (cause, p.finish()) {
            (None, Ok(n)) => Ok(n),
            (Some(cause), _) => Err(Error::TransferInterrupted {
                done,
                expected,
                cause: Arc::new(cause),
            }),
            // Nothing moved and the port closed: the key was not accepted.
            (None, Err(_)) if p.done == 0 => Err(Error::Transfer(FtError::KeyRefused)),
            (None, Err(e)) => Err(Error::Transfer(e)),
        }
    }
}

/// `ftgetfileinfo` for the file an upload wrote.
pub fn file_info_command(request: &Upload) -> Command {
    Command::new("ftgetfileinfo")
        .param("cid", request.cid)
        .param("cpw", request.password.as_str())
        .param("name", request.name.as_str())
}

/// The `size` of an `ftgetfileinfo` reply.
pub fn size_of(info: &Response) -> Result<u64, Error> {
    info.first()
        .and_then(|i| i.parse::<u64>("size").ok())
        .ok_or(Error::Transfer(FtError::Malformed("size")))
}

/// After an upload's bytes went out: the file's size if the server stored all of it;
/// otherwise the same errors a download gives (nothing stored: the key was refused).
pub fn check_stored(plan_start: u64, expected: u64, stored: u64) -> Result<u64, Error> {
    match stored {
        s if s == expected => Ok(s),
        s if s <= plan_start => Err(Error::Transfer(FtError::KeyRefused)),
        done => Err(Error::Transfer(FtError::Incomplete { done, expected })),
    }
}

/// Discards progress reports.
pub fn no_progress(_: Transferred) {}

/// What an async runtime's transfer loops read from: a file (or anything) in that runtime's
/// own I/O traits, behind the runtime's wrapper.
pub trait Source {
    /// Reads some bytes; 0 at the end.
    fn read(&mut self, buf: &mut [u8]) -> impl std::future::Future<Output = io::Result<usize>>;
    /// Seeks; the new position.
    fn seek(&mut self, pos: io::SeekFrom) -> impl std::future::Future<Output = io::Result<u64>>;
}

/// What an async runtime's transfer loops write to.
pub trait Sink {
    /// Writes all of `data`.
    fn write_all(&mut self, data: &[u8]) -> impl std::future::Future<Output = io::Result<()>>;
    /// Flushes.
    fn flush(&mut self) -> impl std::future::Future<Output = io::Result<()>>;
}

/// A connection to a transfer port, on an async runtime.
pub trait Socket: Sized {
    /// Connects to `host:port`.
    fn connect(host: &str, port: u16) -> impl std::future::Future<Output = io::Result<Self>>;
    /// Reads some bytes; 0 at the end.
    fn read(&mut self, buf: &mut [u8]) -> impl std::future::Future<Output = io::Result<usize>>;
    /// Writes all of `data`.
    fn write_all(&mut self, data: &[u8]) -> impl std::future::Future<Output = io::Result<()>>;
    /// Closes the sending half (the server then knows the upload is complete).
    fn shutdown_write(&mut self) -> impl std::future::Future<Output = ()>;
}

/// Upload chunk: a file read (a thread hop on smol and tokio) overlaps one socket write.
const CHUNK: usize = 256 * 1024;
/// Download chunk: larger, as each write into an async file (tokio's, smol's) is a hop to a
/// blocking thread, and fewer hops are what such a file needs.
const DOWN_CHUNK: usize = 1024 * 1024;

/// `f`, or a `TimedOut` I/O error after `t` on runtime `R`'s timer.
async fn within<R: crate::asynch::Runtime, T>(
    t: Duration,
    f: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    use futures_lite::FutureExt;
    let deadline = Instant::now() + t;
    f.or(async {
        R::sleep_until(deadline).await;
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no progress within {t:?}"),
        ))
    })
    .await
}

async fn open<R: crate::asynch::Runtime>(
    host: &str,
    port: u16,
    key: &str,
    t: Timeouts,
) -> Result<R::Socket, Error> {
    let mut sock = within::<R, _>(t.connect, R::Socket::connect(host, port)).await?;
    within::<R, _>(t.idle, sock.write_all(key.as_bytes())).await?;
    Ok(sock)
}

/// Sends `file` from `progress.start` to the transfer port `host:port` with `key` on runtime
/// `R`, reporting progress (at most every 50 ms, and at the end). The file's size once every
/// byte went out; a cut connection is [`Error::TransferInterrupted`] with the bytes that did.
pub async fn upload_to<R: crate::asynch::Runtime>(
    host: &str,
    port: u16,
    key: &str,
    file: &mut impl Source,
    progress: Progress,
    timeouts: Timeouts,
    report: impl FnMut(Transferred),
) -> Result<u64, Error> {
    let mut meter = Meter::new(progress, report);
    let mut sock = open::<R>(host, port, key, timeouts).await?;
    file.seek(io::SeekFrom::Start(meter.start())).await?;
    // Two fixed buffers: the next chunk is read from the file while this one is sent, so a
    // file reader that hops threads (smol's and tokio's files) overlaps with the network.
    let (mut cur, mut next) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
    let first = meter.remaining().min(CHUNK as u64) as usize;
    let mut n = file.read(&mut cur[..first]).await?;
    while n > 0 {
        let after = meter.remaining().saturating_sub(n as u64).min(CHUNK as u64) as usize;
        let send = within::<R, _>(timeouts.idle, sock.write_all(&cur[..n]));
        let read = async {
            match after {
                0 => Ok(0),
                want => file.read(&mut next[..want]).await,
            }
        };
        let (sent, read) = futures_lite::future::zip(send, read).await;
        if let Err(e) = sent {
            return meter.finish(Some(e));
        }
        meter.moved(n as u64);
        // 0: every byte is out, or the file shrank under us (finish() says so).
        n = read?;
        std::mem::swap(&mut cur, &mut next);
    }
    // No acknowledgement: the server closes once it has everything.
    sock.shutdown_write().await;
    while let Ok(n) = within::<R, _>(timeouts.idle, sock.read(&mut cur)).await {
        if n == 0 {
            break;
        }
    }
    meter.finish(None)
}

/// Receives a file from the transfer port `host:port` with `key` into `out` on runtime `R`,
/// reporting progress. The file's size once every byte arrived.
pub async fn download_from<R: crate::asynch::Runtime>(
    host: &str,
    port: u16,
    key: &str,
    out: &mut impl Sink,
    progress: Progress,
    timeouts: Timeouts,
    report: impl FnMut(Transferred),
) -> Result<u64, Error> {
    let mut meter = Meter::new(progress, report);
    let mut sock = open::<R>(host, port, key, timeouts).await?;
    // Two fixed buffers: the next chunk arrives while this one is written out.
    let (mut cur, mut next) = (vec![0u8; DOWN_CHUNK], vec![0u8; DOWN_CHUNK]);
    let mut n = match within::<R, _>(timeouts.idle, sock.read(&mut cur)).await {
        Ok(n) => n,
        Err(e) => return meter.finish(Some(e)),
    };
    while n > 0 {
        let write = out.write_all(&cur[..n]);
        let receive = within::<R, _>(timeouts.idle, sock.read(&mut next));
        let (written, received) = futures_lite::future::zip(write, receive).await;
        written?;
        meter.moved(n as u64);
        n = match received {
            Ok(n) => n,
            Err(e) => return meter.finish(Some(e)),
        };
        std::mem::swap(&mut cur, &mut next);
    }
    out.flush().await?;
    meter.finish(None)
}
