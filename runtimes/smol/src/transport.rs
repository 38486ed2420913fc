//! The async byte pipe: a smol TCP stream, or an async-ssh2-lite session channel (a shell
//! without a pseudo-terminal).

use std::io;
use std::net::ToSocketAddrs;
use std::time::Duration;

use async_ssh2_lite::{AsyncChannel, AsyncIoTcpStream, AsyncSession};
use smol::future::FutureExt;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::Async;
use std::cell::RefCell;
use std::io::Read;
use std::net::TcpStream;

use ts3q::Transport;
use ts3q_runtime::hostkey::{self, SshShell};
use ts3q_runtime::{Error, HostKeyCheck, Options};

/// The query transport: a TCP stream, or an SSH channel.
pub struct Io(Pipe);

enum Pipe {
    Tcp(Async<TcpStream>),
    Ssh {
        // The session must outlive its channel.
        channel: AsyncChannel<AsyncIoTcpStream>,
        session: AsyncSession<AsyncIoTcpStream>,
        /// SSH reads need a buffer of their own; TCP reads use the thread's [`SCRATCH`].
        buf: Box<[u8]>,
    },
}

thread_local! {
    /// One read buffer per executor thread, shared by its TCP connections: an idle
    /// connection holds no read buffer at all.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0; 64 * 1024].into_boxed_slice());
}

async fn with_timeout<T>(
    t: Duration,
    f: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    f.or(async {
        smol::Timer::after(t).await;
        Err(Error::Timeout)
    })
    .await
}

fn addrs(host: &str, port: u16) -> Result<Vec<std::net::SocketAddr>, Error> {
    // Name lookup blocks; it is done once per connect, like std's.
    let v: Vec<_> = (host, port).to_socket_addrs()?.collect();
    if v.is_empty() {
        return Err(Error::from(io::Error::new(
            io::ErrorKind::NotFound,
            "host has no address",
        )));
    }
    Ok(v)
}

impl Io {
    /// The transport `options` name: raw TCP, or SSH with its login and host key check.
    pub(crate) async fn connect(o: &Options) -> Result<Io, Error> {
        let pipe = match (o.transport, &o.login) {
            (Transport::Tcp, _) => Pipe::tcp(&o.host, o.port, o.connect_timeout).await?,
            (Transport::Ssh, Some((user, pass))) => {
                Pipe::ssh(&o.host, o.port, user, pass, &o.host_key, o.connect_timeout).await?
            }
            (Transport::Ssh, None) => return Err(Error::InvalidOptions("SSH needs a login")),
        };
        Ok(Io(pipe))
    }
}

impl Pipe {
    async fn tcp(host: &str, port: u16, timeout: Duration) -> Result<Pipe, Error> {
        let addrs = addrs(host, port)?;
        with_timeout(timeout, async {
            let mut last = None;
            for a in addrs {
                match Async::<TcpStream>::connect(a).await {
                    Ok(s) => {
                        let _ = s.get_ref().set_nodelay(true);
                        return Ok(Pipe::Tcp(s));
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(Error::from(
                last.unwrap_or_else(|| io::Error::other("no address")),
            ))
        })
        .await
    }

    /// SSH: handshake, host key check, password login, a shell channel with no PTY.
    async fn ssh(
        host: &str,
        port: u16,
        user: &str,
        password: &str,
        check: &HostKeyCheck,
        timeout: Duration,
    ) -> Result<Pipe, Error> {
        let addrs = addrs(host, port)?;
        with_timeout(timeout, async {
            // async-ssh2-lite 0.5 sits on async-io 1.x: its own TCP stream type, not smol's.
            let mut last = None;
            for a in addrs {
                match AsyncIoTcpStream::connect(a).await {
                    Ok(stream) => {
                        let SshShell { channel, session } =
                            hostkey::open_shell(stream, host, port, user, password, check).await?;
                        return Ok(Pipe::Ssh {
                            channel,
                            session,
                            buf: vec![0; 16 * 1024].into_boxed_slice(),
                        });
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(Error::from(
                last.unwrap_or_else(|| io::Error::other("no address")),
            ))
        })
        .await
    }
}

impl ts3q_runtime::asynch::Transport for Io {
    /// Cancel-safe: bytes are only taken from the socket in the same poll that gives them to `f`.
    async fn read_with(&mut self, f: impl FnOnce(&[u8]) + Send) -> io::Result<usize> {
        match &mut self.0 {
            Pipe::Tcp(s) => {
                let mut f = Some(f);
                loop {
                    s.readable().await?;
                    let got: io::Result<usize> = SCRATCH.with_borrow_mut(|buf| {
                        let n = s.get_ref().read(buf)?;
                        if let Some(f) = f.take() {
                            f(&buf[..n]);
                        }
                        Ok(n)
                    });
                    match got {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        r => return r,
                    }
                }
            }
            Pipe::Ssh { channel, buf, .. } => {
                let n = channel.read(buf).await?;
                f(&buf[..n]);
                Ok(n)
            }
        }
    }

    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.0 {
            Pipe::Tcp(s) => s.write_all(data).await,
            // No flush(): for libssh2 that discards the channel's *received* data.
            Pipe::Ssh { channel, .. } => channel.write_all(data).await,
        }
    }

    async fn shutdown(&mut self) {
        match &mut self.0 {
            Pipe::Tcp(s) => {
                let _ = s.get_ref().shutdown(std::net::Shutdown::Both);
            }
            Pipe::Ssh {
                channel, session, ..
            } => {
                let bye = async {
                    let _ = channel.send_eof().await;
                    let _ = channel.close().await;
                    let _ = session.disconnect(None, "bye", None).await;
                };
                let give_up = async {
                    smol::Timer::after(Duration::from_secs(1)).await;
                };
                bye.or(give_up).await;
            }
        }
    }
}
