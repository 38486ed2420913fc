//! The async byte pipe: a smol TCP stream, or an async-ssh2-lite session channel (a shell
//! without a pseudo-terminal).

use std::io;
use std::net::ToSocketAddrs;
use std::time::Duration;

use async_ssh2_lite::ssh2::{CheckResult, HashType, KnownHostFileKind};
use async_ssh2_lite::{AsyncChannel, AsyncIoTcpStream, AsyncSession};
use smol::future::FutureExt;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::Async;
use std::cell::RefCell;
use std::io::Read;
use std::net::TcpStream;

use crate::{Error, HostKeyCheck};

pub(crate) enum Io {
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
    pub(crate) async fn tcp(host: &str, port: u16, timeout: Duration) -> Result<Io, Error> {
        let addrs = addrs(host, port)?;
        with_timeout(timeout, async {
            let mut last = None;
            for a in addrs {
                match Async::<TcpStream>::connect(a).await {
                    Ok(s) => {
                        let _ = s.get_ref().set_nodelay(true);
                        return Ok(Io::Tcp(s));
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
    pub(crate) async fn ssh(
        host: &str,
        port: u16,
        user: &str,
        password: &str,
        check: &HostKeyCheck,
        timeout: Duration,
    ) -> Result<Io, Error> {
        let addrs = addrs(host, port)?;
        with_timeout(timeout, async {
            // async-ssh2-lite 0.5 sits on async-io 1.x: its own TCP stream type, not smol's.
            let stream = AsyncIoTcpStream::connect(addrs[0]).await?;
            let mut session = AsyncSession::new(stream, None).map_err(ssh)?;
            session.handshake().await.map_err(ssh)?;
            verify_host_key(&session, host, port, check)?;
            session
                .userauth_password(user, password)
                .await
                .map_err(|_| Error::SshAuth)?;
            if !session.authenticated() {
                return Err(Error::SshAuth);
            }
            let mut channel = session.channel_session().await.map_err(ssh)?;
            channel.shell().await.map_err(ssh)?;
            Ok(Io::Ssh {
                channel,
                session,
                buf: vec![0; 16 * 1024].into_boxed_slice(),
            })
        })
        .await
    }

    /// Waits for bytes and hands them to `f`; `Ok(0)` is end of stream. Cancel-safe: bytes are
    /// only taken from the socket in the same poll that gives them to `f`.
    pub(crate) async fn read_with(&mut self, f: impl FnOnce(&[u8])) -> io::Result<usize> {
        match self {
            Io::Tcp(s) => {
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
            Io::Ssh { channel, buf, .. } => {
                let n = channel.read(buf).await?;
                f(&buf[..n]);
                Ok(n)
            }
        }
    }

    pub(crate) async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Io::Tcp(s) => s.write_all(data).await,
            // No flush(): for libssh2 that discards the channel's *received* data.
            Io::Ssh { channel, .. } => channel.write_all(data).await,
        }
    }

    pub(crate) async fn shutdown(&mut self) {
        match self {
            Io::Tcp(s) => {
                let _ = s.get_ref().shutdown(std::net::Shutdown::Both);
            }
            Io::Ssh {
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

fn ssh(e: async_ssh2_lite::Error) -> Error {
    Error::Ssh(e.to_string())
}

fn verify_host_key(
    session: &AsyncSession<AsyncIoTcpStream>,
    host: &str,
    port: u16,
    check: &HostKeyCheck,
) -> Result<(), Error> {
    match check {
        HostKeyCheck::AcceptAny => Ok(()),
        HostKeyCheck::Sha256(expected) => match session.host_key_hash(HashType::Sha256) {
            Some(got) if got == expected.as_slice() => Ok(()),
            _ => Err(Error::HostKeyMismatch),
        },
        HostKeyCheck::KnownHosts(path) => {
            let (key, _) = session.host_key().ok_or(Error::HostKeyMismatch)?;
            let mut kh = session.known_hosts().map_err(ssh)?;
            kh.read_file(path, KnownHostFileKind::OpenSSH)
                .map_err(|e| Error::Ssh(e.to_string()))?;
            match kh.check_port(host, port, key) {
                CheckResult::Match => Ok(()),
                _ => Err(Error::HostKeyMismatch),
            }
        }
    }
}
