//! The tokio byte pipe: a tokio TCP stream, or an async-ssh2-lite session channel (a shell
//! without a pseudo-terminal) on tokio.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use async_ssh2_lite::{AsyncChannel, AsyncSession, TokioTcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ts3q::Transport;
use ts3q_runtime::hostkey::{self, SshShell};
use ts3q_runtime::{Error, HostKeyCheck, Options};

/// The query transport: a TCP stream, or an SSH channel.
pub struct Io(Pipe);

enum Pipe {
    Tcp(TcpStream),
    Ssh {
        // The session must outlive its channel.
        channel: AsyncChannel<TokioTcpStream>,
        session: AsyncSession<TokioTcpStream>,
        buf: Box<[u8]>,
    },
}

/// Every address `host` resolves to (the lookup blocks, once per connect, like std's).
fn addrs(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    let v: Vec<_> = (host, port).to_socket_addrs()?.collect();
    if v.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "host has no address").into());
    }
    Ok(v)
}

/// Tries each address in turn.
pub(crate) async fn connect_tcp(host: &str, port: u16) -> Result<TcpStream, Error> {
    let mut last = None;
    for a in addrs(host, port)? {
        match TcpStream::connect(a).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::other("no address"))
        .into())
}

impl Io {
    /// The transport `options` name: raw TCP, or SSH with its login and host key check.
    pub(crate) async fn connect(o: &Options) -> Result<Io, Error> {
        let pipe = async {
            match (o.transport, &o.login) {
                (Transport::Tcp, _) => connect_tcp(&o.host, o.port).await.map(Pipe::Tcp),
                (Transport::Ssh, Some((user, pass))) => {
                    Pipe::ssh(&o.host, o.port, user, pass, &o.host_key).await
                }
                (Transport::Ssh, None) => Err(Error::InvalidOptions("SSH needs a login")),
            }
        };
        match tokio::time::timeout(o.connect_timeout, pipe).await {
            Ok(pipe) => Ok(Io(pipe?)),
            Err(_) => Err(Error::Timeout),
        }
    }
}

impl Pipe {
    /// SSH: handshake, host key check, password login, a shell channel with no PTY.
    async fn ssh(
        host: &str,
        port: u16,
        user: &str,
        password: &str,
        check: &HostKeyCheck,
    ) -> Result<Pipe, Error> {
        let stream = connect_tcp(host, port).await?;
        let SshShell { channel, session } =
            hostkey::open_shell(stream, host, port, user, password, check).await?;
        Ok(Pipe::Ssh {
            channel,
            session,
            buf: vec![0; 16 * 1024].into_boxed_slice(),
        })
    }
}

impl ts3q_runtime::asynch::Transport for Io {
    /// Cancel-safe: bytes leave the socket only in the poll that hands them to `f`.
    async fn read_with(&mut self, f: impl FnOnce(&[u8]) + Send) -> io::Result<usize> {
        match &mut self.0 {
            Pipe::Tcp(s) => {
                loop {
                    s.readable().await?;
                    // Declared after the await: an idle connection's task holds no buffer.
                    let mut buf = [0u8; 16 * 1024];
                    match s.try_read(&mut buf) {
                        Ok(n) => {
                            f(&buf[..n]);
                            return Ok(n);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
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
                let _ = s.shutdown().await;
            }
            Pipe::Ssh {
                channel, session, ..
            } => {
                let bye = async {
                    let _ = channel.send_eof().await;
                    let _ = channel.close().await;
                    let _ = session.disconnect(None, "bye", None).await;
                };
                let _ = tokio::time::timeout(Duration::from_secs(1), bye).await;
            }
        }
    }
}
