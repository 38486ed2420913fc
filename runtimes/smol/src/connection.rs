//! The smol adapter: the shared async connection on smol's timers and sockets, plus the file
//! transfer byte loops over `futures-io` streams.

use std::ops::Deref;
use std::time::Instant;

use smol::io::{AsyncRead, AsyncSeek, AsyncWrite};
use ts3q::Mode;
use ts3q_runtime::asynch::{self, BoxFuture, Runtime};
use ts3q_runtime::{Error, Options};

use crate::transfer::TransferSocket;
use crate::transport::Io;

/// The smol [`Runtime`]: smol's timers, `Async` TCP sockets, async-ssh2-lite sessions.
#[derive(Debug, Clone, Copy)]
pub struct Smol;

impl Runtime for Smol {
    type Io = Io;
    type Socket = TransferSocket;

    async fn connect(options: &Options) -> Result<Io, Error> {
        Io::connect(options).await
    }

    async fn sleep_until(deadline: Instant) {
        smol::Timer::at(deadline).await;
    }
}

/// A query connection (ServerQuery or ClientQuery, raw TCP or SSH) on smol. Clone it freely:
/// every clone talks to the same connection, and commands from many tasks are pipelined
/// through it. The connection closes (sending `quit`) when the last clone is dropped, or on
/// [`close`](asynch::Connection::close).
///
/// Everything but connecting and file transfer is [`ts3q_runtime::asynch::Connection`]'s,
/// which this dereferences to: `exec`, `query`, `wait_for_event`, `events`, `close`, ...
#[derive(Debug, Clone)]
pub struct Connection {
    inner: asynch::Connection<Smol>,
}

impl Deref for Connection {
    type Target = asynch::Connection<Smol>;

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
        options: Options,
        spawn: impl FnOnce(BoxFuture<'static, ()>),
    ) -> Result<Connection, Error> {
        let inner = asynch::Connection::connect_with(options, spawn).await?;
        Ok(Connection { inner })
    }

    ts3q_runtime::connection_file_methods!(crate::transfer::Futures);
}
