//! The tokio adapter: the shared async connection on tokio's timers and sockets, plus the file
//! transfer byte loops over tokio's I/O traits.

use std::ops::Deref;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncSeek, AsyncWrite};
use ts3q::Mode;
use ts3q_runtime::asynch::{self, BoxFuture, Runtime};
use ts3q_runtime::{Error, Options};

use crate::transfer::TransferSocket;
use crate::transport::Io;

/// The tokio [`Runtime`]: tokio's timers and TCP sockets, async-ssh2-lite sessions on tokio.
#[derive(Debug, Clone, Copy)]
pub struct Tokio;

impl Runtime for Tokio {
    type Io = Io;
    type Socket = TransferSocket;

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

    ts3q_runtime::connection_file_methods!(crate::transfer::TokioIo);
}
