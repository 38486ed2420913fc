//! The tokio adapter: the shared async connection on tokio's timers and sockets, plus the file
//! transfer byte loops over tokio's I/O traits.

use std::io::SeekFrom;
use std::ops::Deref;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use ts3q::Mode;
use ts3q_runtime::asynch::{self, BoxFuture, Runtime};
use ts3q_runtime::transfer::Plan;
use ts3q_runtime::{Error, Options};

use crate::transport::Io;

/// The tokio [`Runtime`]: tokio's timers and TCP sockets, async-ssh2-lite sessions on tokio.
#[derive(Debug, Clone, Copy)]
pub struct Tokio;

impl Runtime for Tokio {
    type Io = Io;

    async fn connect(options: &Options) -> Result<Io, Error> {
        Io::connect(options).await
    }

    async fn sleep_until(deadline: Instant) {
        tokio::time::sleep_until(deadline.into()).await;
    }
}

/// A query connection (ServerQuery or ClientQuery, raw TCP or SSH) on tokio. Clone it freely:
/// every clone talks to the same connection, and commands from many tasks are pipelined
/// through it. The connection closes (sending `quit`) when the last clone is dropped, or on
/// [`close`](asynch::Connection::close).
///
/// Everything but connecting and file transfer is [`ts3q_runtime::asynch::Connection`]'s,
/// which this dereferences to: `exec`, `query`, `wait_for_event`, `events` (a `Stream`),
/// `close`, ...
#[derive(Debug, Clone)]
pub struct Connection {
    inner: asynch::Connection<Tokio>,
}

impl Deref for Connection {
    type Target = asynch::Connection<Tokio>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
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

    /// Opens a connection with explicit options; its driver task is spawned with
    /// `tokio::spawn`, so call this inside a tokio runtime.
    pub async fn connect(options: Options) -> Result<Connection, Error> {
        Connection::connect_on(options, |driver| {
            tokio::spawn(driver);
        })
        .await
    }

    /// Opens a connection and hands its driver task to `spawn` (a `LocalSet`, a runtime
    /// handle of your choice, ...).
    pub async fn connect_on(
        options: Options,
        spawn: impl FnOnce(BoxFuture<'static, ()>),
    ) -> Result<Connection, Error> {
        let inner = asynch::Connection::connect_with(options, spawn).await?;
        Ok(Connection { inner })
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
        let plan = self
            .init_upload(name, cid, cpw, size, overwrite, resume)
            .await?;
        let (mut sock, mut progress, idle) = self.transfer_socket(plan).await?;
        file.seek(SeekFrom::Start(progress.start)).await?;
        let mut buf = vec![0u8; 64 * 1024];
        while progress.remaining() > 0 {
            let want = progress.remaining().min(buf.len() as u64) as usize;
            let n = file.read(&mut buf[..want]).await?;
            if n == 0 {
                break; // the file shrank under us: finish() says so
            }
            within(idle, sock.write_all(&buf[..n])).await?;
            progress.advance(n as u64);
        }
        // No acknowledgement: the server closes once it has everything.
        let _ = sock.shutdown().await;
        let _ = within(idle, sock.read_to_end(&mut Vec::new())).await;
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
        let plan = self.init_download(name, cid, cpw, seekpos).await?;
        let (mut sock, mut progress, idle) = self.transfer_socket(plan).await?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = within(idle, sock.read(&mut buf)).await?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).await?;
            progress.advance(n as u64);
        }
        out.flush().await?;
        Ok(progress.finish()?)
    }

    /// Connects to the transfer port and sends the key; the socket, the byte count to reach,
    /// and how long one read or write may take.
    async fn transfer_socket(
        &self,
        plan: Plan,
    ) -> Result<
        (
            tokio::net::TcpStream,
            ts3q::filetransfer::Progress,
            Duration,
        ),
        Error,
    > {
        let connect = self.connect_timeout();
        let mut sock = match tokio::time::timeout(
            connect,
            crate::transport::connect_tcp(&plan.host, plan.ticket.port),
        )
        .await
        {
            Ok(sock) => sock?,
            Err(_) => return Err(Error::Timeout),
        };
        within(connect, sock.write_all(plan.ticket.key.as_bytes())).await?;
        Ok((sock, plan.progress, self.transfer_idle_timeout()))
    }
}

/// `f`, or a `TimedOut` I/O error after `t`.
async fn within<T>(
    t: Duration,
    f: impl std::future::Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    match tokio::time::timeout(t, f).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no progress within {t:?}"),
        )),
    }
}
