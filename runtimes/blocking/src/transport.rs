//! The byte pipe under a connection: a TCP stream, or an SSH session channel (a shell without
//! a pseudo-terminal). Both read with a timeout and write whole buffers.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use ssh2::{CheckResult, HashType, KnownHostFileKind, Session};

use crate::{Error, HostKeyCheck};

pub(crate) enum Io {
    Tcp(TcpStream),
    Ssh {
        tcp: TcpStream,
        session: Session,
        channel: ssh2::Channel,
    },
}

pub(crate) fn connect_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs().map_err(Error::Io)? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Io(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "host has no address")
    })))
}

impl Io {
    pub(crate) fn tcp(host: &str, port: u16, timeout: Duration) -> Result<Io, Error> {
        connect_tcp(host, port, timeout).map(Io::Tcp)
    }

    /// SSH: handshake, host key check, password login, then a shell channel with no PTY (a PTY
    /// would echo and rewrite lines).
    pub(crate) fn ssh(
        host: &str,
        port: u16,
        user: &str,
        password: &str,
        check: &HostKeyCheck,
        timeout: Duration,
    ) -> Result<Io, Error> {
        let tcp = connect_tcp(host, port, timeout)?;
        let mut session = Session::new().map_err(Error::Ssh)?;
        session.set_tcp_stream(tcp.try_clone().map_err(Error::Io)?);
        session.set_timeout(timeout.as_millis().clamp(1, u32::MAX as u128) as u32);
        session.handshake().map_err(Error::Ssh)?;
        verify_host_key(&session, host, port, check)?;
        session
            .userauth_password(user, password)
            .map_err(|_| Error::SshAuth)?;
        if !session.authenticated() {
            return Err(Error::SshAuth);
        }
        let mut channel = session.channel_session().map_err(Error::Ssh)?;
        channel.shell().map_err(Error::Ssh)?;
        Ok(Io::Ssh {
            tcp,
            session,
            channel,
        })
    }

    /// Reads what is there, waiting at most `timeout` (`None`: forever).
    pub(crate) fn read(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<usize> {
        // A zero timeout means "forever" to both APIs: clamp to 1 ms.
        let t = timeout.map(|t| t.max(Duration::from_millis(1)));
        match self {
            Io::Tcp(s) => {
                s.set_read_timeout(t)?;
                s.read(buf)
            }
            Io::Ssh {
                session, channel, ..
            } => {
                session.set_timeout(t.map_or(0, |t| t.as_millis().min(u32::MAX as u128) as u32));
                channel.read(buf)
            }
        }
    }

    pub(crate) fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Io::Tcp(s) => s.write_all(data),
            Io::Ssh {
                session, channel, ..
            } => {
                session.set_timeout(10_000);
                // No `flush()`: for libssh2 that discards the channel's *received* data.
                channel.write_all(data)
            }
        }
    }

    pub(crate) fn shutdown(&mut self) {
        match self {
            Io::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            Io::Ssh {
                tcp,
                session,
                channel,
            } => {
                session.set_timeout(1000);
                let _ = channel.send_eof();
                let _ = channel.close();
                let _ = session.disconnect(None, "bye", None);
                let _ = tcp.shutdown(Shutdown::Both);
            }
        }
    }

    pub(crate) fn tcp_stream(&self) -> &TcpStream {
        match self {
            Io::Tcp(s) => s,
            Io::Ssh { tcp, .. } => tcp,
        }
    }
}

fn verify_host_key(
    session: &Session,
    host: &str,
    port: u16,
    check: &HostKeyCheck,
) -> Result<(), Error> {
    match check {
        HostKeyCheck::AcceptAny => Ok(()),
        HostKeyCheck::Sha256(expected) => {
            let got = session
                .host_key_hash(HashType::Sha256)
                .ok_or(Error::HostKeyMismatch)?;
            if got == expected.as_slice() {
                Ok(())
            } else {
                Err(Error::HostKeyMismatch)
            }
        }
        HostKeyCheck::KnownHosts(path) => known_hosts(session, host, port, path),
    }
}

fn known_hosts(session: &Session, host: &str, port: u16, path: &Path) -> Result<(), Error> {
    let (key, _) = session.host_key().ok_or(Error::HostKeyMismatch)?;
    let mut kh = session.known_hosts().map_err(Error::Ssh)?;
    kh.read_file(path, KnownHostFileKind::OpenSSH)
        .map_err(Error::Ssh)?;
    match kh.check_port(host, port, key) {
        CheckResult::Match => Ok(()),
        _ => Err(Error::HostKeyMismatch),
    }
}
