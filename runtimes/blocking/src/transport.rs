//! The byte pipe under a connection: a TCP stream, or an SSH session channel (a shell without
//! a pseudo-terminal). Both read with a timeout and write whole buffers.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::Duration;

use ssh2::{HashType, Session};
use ts3q::Transport;
use ts3q_runtime::hostkey::{self, ssh_error, HostKey};
use ts3q_runtime::{Error, HostKeyCheck, Options};

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
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::from(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "host has no address")
    })))
}

impl Io {
    /// The transport `options` name: raw TCP, or SSH with its login and host key check.
    pub(crate) fn connect(o: &Options) -> Result<Io, Error> {
        match (o.transport, &o.login) {
            (Transport::Tcp, _) => connect_tcp(&o.host, o.port, o.connect_timeout).map(Io::Tcp),
            (Transport::Ssh, Some((user, pass))) => {
                Io::ssh(&o.host, o.port, user, pass, &o.host_key, o.connect_timeout)
            }
            (Transport::Ssh, None) => Err(Error::InvalidOptions("SSH needs a login")),
        }
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
        let mut session = Session::new().map_err(ssh_error)?;
        session.set_tcp_stream(tcp.try_clone()?);
        session.set_timeout(timeout.as_millis().clamp(1, u32::MAX as u128) as u32);
        session.handshake().map_err(ssh_error)?;
        let key = HostKey {
            sha256: session.host_key_hash(HashType::Sha256),
            key: session.host_key(),
        };
        hostkey::verify(check, host, port, key, || session.known_hosts())?;
        session
            .userauth_password(user, password)
            .map_err(|_| Error::SshAuth)?;
        if !session.authenticated() {
            return Err(Error::SshAuth);
        }
        let mut channel = session.channel_session().map_err(ssh_error)?;
        channel.shell().map_err(ssh_error)?;
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

    /// Reads what has already arrived, without waiting (`WouldBlock` when nothing has).
    pub(crate) fn read_ready(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Io::Tcp(s) => {
                s.set_nonblocking(true)?;
                let got = s.read(buf);
                s.set_nonblocking(false)?;
                got
            }
            Io::Ssh {
                session, channel, ..
            } => {
                session.set_blocking(false);
                let got = channel.read(buf);
                session.set_blocking(true);
                got
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
