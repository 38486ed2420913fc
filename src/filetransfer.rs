//! File transfers, sans IO: the `ftinitupload` / `ftinitdownload` commands, their replies as a
//! typed ticket (or refusal), and the byte accounting of the transfer connection itself.
//!
//! On the transfer port a client connects, writes the ticket's key (no newline), then writes
//! the file from `seekpos` to its end (upload) or reads `size - seekpos` bytes (download). The
//! server closes when done; there is no acknowledgement, so completeness is checked by count.

use std::fmt;

use crate::command::Command;
use crate::parse::Response;

/// A refused or broken transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FtError {
    /// The server refused it inside an `error id=0` reply (`status=2051 msg=file not found`).
    #[error("transfer refused ({status}): {msg}")]
    Refused {
        /// 2050 exists, 2051 not found, 2054 invalid path, 2056 overwrite excludes resume, ...
        status: u32,
        /// The server's message.
        msg: String,
    },
    /// The reply lacks a field a ticket needs.
    #[error("transfer reply has no valid `{0}`")]
    Malformed(&'static str),
    /// The transfer port closed before a byte moved: it did not accept the key (wrong,
    /// used already, or expired; keys are single use and expire after a minute or so).
    #[error("the file transfer port refused the key (wrong, used already, or expired)")]
    KeyRefused,
    /// The connection ended before every byte was transferred.
    #[error("transfer incomplete: {done} of {expected} bytes")]
    Incomplete {
        /// Bytes transferred.
        done: u64,
        /// Bytes that should have been.
        expected: u64,
    },
}

/// Which way a transfer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    Upload,
    /// Server to client.
    Download,
}

/// `ftinitupload clientftfid= name= cid= cpw= size= overwrite= resume=`.
pub fn init_upload(
    clientftfid: u32,
    name: &str,
    cid: u32,
    cpw: &str,
    size: u64,
    overwrite: bool,
    resume: bool,
) -> Command {
    Command::new("ftinitupload")
        .param("clientftfid", clientftfid)
        .param("name", name)
        .param("cid", cid)
        .param("cpw", cpw)
        .param("size", size)
        .param("overwrite", overwrite)
        .param("resume", resume)
}

/// `ftinitdownload clientftfid= name= cid= cpw= seekpos=`.
pub fn init_download(clientftfid: u32, name: &str, cid: u32, cpw: &str, seekpos: u64) -> Command {
    Command::new("ftinitdownload")
        .param("clientftfid", clientftfid)
        .param("name", name)
        .param("cid", cid)
        .param("cpw", cpw)
        .param("seekpos", seekpos)
}

/// What a successful `ftinit*` reply grants.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Upload or download.
    pub direction: Direction,
    /// The client's id for the transfer.
    pub clientftfid: u32,
    /// The server's id for the transfer.
    pub serverftfid: u32,
    /// The key to send first on the transfer connection (a secret: not shown by `Debug`).
    pub key: String,
    /// The transfer port.
    pub port: u16,
    /// Addresses the server named (`ip=` list without empty and `0.0.0.0` entries).
    pub ips: Vec<String>,
    /// Upload: where the server wants the data to start (the stored size when resuming).
    /// Download: 0 (the client chose its own `seekpos`).
    pub seekpos: u64,
    /// Download: the file's size. Upload: 0.
    pub size: u64,
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("direction", &self.direction)
            .field("clientftfid", &self.clientftfid)
            .field("serverftfid", &self.serverftfid)
            .field("key", &"<redacted>")
            .field("port", &self.port)
            .field("ips", &self.ips)
            .field("seekpos", &self.seekpos)
            .field("size", &self.size)
            .finish()
    }
}

impl Ticket {
    /// Reads a `ftinitupload` / `ftinitdownload` response. A record with a non-zero `status`
    /// is a refusal, even though the error line says `id=0`.
    ///
    /// ```
    /// use ts3q::filetransfer::{Direction, FtError, Ticket};
    /// let ok = ts3q::Response::parse(
    ///     "clientftfid=1 serverftfid=6 ftkey=itRNdsIOvcBiBg\\/Xj4Ge51ZSrsShHuid port=30033 seekpos=0 proto=0".into(),
    ///     "error id=0 msg=ok".into(),
    /// ).unwrap();
    /// let t = Ticket::from_response(&ok, Direction::Upload).unwrap();
    /// assert_eq!((t.key.as_str(), t.port), ("itRNdsIOvcBiBg/Xj4Ge51ZSrsShHuid", 30033));
    /// assert_eq!(t.host("ts.example.org"), "ts.example.org");
    ///
    /// let refused = ts3q::Response::parse(
    ///     "clientftfid=1 proto=0 status=2051 msg=file\\snot\\sfound size=0".into(),
    ///     "error id=0 msg=ok".into(),
    /// ).unwrap();
    /// assert_eq!(
    ///     Ticket::from_response(&refused, Direction::Download),
    ///     Err(FtError::Refused { status: 2051, msg: "file not found".into() })
    /// );
    /// ```
    pub fn from_response(resp: &Response, direction: Direction) -> Result<Ticket, FtError> {
        let item = resp.first().ok_or(FtError::Malformed("clientftfid"))?;
        if let Some(status) = item
            .get("status")
            .and_then(|v| v.parse::<u32>())
            .filter(|s| *s != 0)
        {
            let msg = item.str("msg").map(|m| m.into_owned()).unwrap_or_default();
            return Err(FtError::Refused { status, msg });
        }
        let num = |key: &'static str| {
            item.get(key)
                .and_then(|v| v.parse::<u64>())
                .ok_or(FtError::Malformed(key))
        };
        let key = item
            .str("ftkey")
            .map(|k| k.into_owned())
            .filter(|k| !k.is_empty())
            .ok_or(FtError::Malformed("ftkey"))?;
        let port = u16::try_from(num("port")?).map_err(|_| FtError::Malformed("port"))?;
        let ips = item
            .str("ip")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|ip| !ip.is_empty() && *ip != "0.0.0.0")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let clientftfid =
            u32::try_from(num("clientftfid")?).map_err(|_| FtError::Malformed("clientftfid"))?;
        let serverftfid =
            u32::try_from(num("serverftfid")?).map_err(|_| FtError::Malformed("serverftfid"))?;
        let (seekpos, size) = match direction {
            Direction::Upload => (num("seekpos")?, 0),
            Direction::Download => (0, num("size")?),
        };
        Ok(Ticket {
            direction,
            clientftfid,
            serverftfid,
            key,
            port,
            ips,
            seekpos,
            size,
        })
    }

    /// The host to connect to: the first address the server named, else the query host.
    pub fn host<'a>(&'a self, query_host: &'a str) -> &'a str {
        self.ips.first().map_or(query_host, String::as_str)
    }
}

/// Byte accounting of one transfer connection: how much to move, how much moved, whether the
/// end came too early.
///
/// ```
/// use ts3q::filetransfer::Progress;
/// let mut p = Progress::upload(100, 40); // a 100-byte file, the server has 40
/// assert_eq!(p.remaining(), 60);
/// p.advance(60);
/// assert_eq!(p.finish(), Ok(100));
/// let mut d = Progress::download(10, 0);
/// d.advance(4);
/// assert!(d.finish().is_err()); // the server closed early
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Offset the transfer started at.
    pub start: u64,
    /// Bytes moved so far on this connection.
    pub done: u64,
    /// Total size of the file.
    pub total: u64,
}

impl Progress {
    /// An upload of a `file_len`-byte file from the ticket's `seekpos`.
    pub fn upload(file_len: u64, seekpos: u64) -> Progress {
        Progress {
            start: seekpos.min(file_len),
            done: 0,
            total: file_len,
        }
    }

    /// A download of a `size`-byte file from `seekpos`.
    pub fn download(size: u64, seekpos: u64) -> Progress {
        Progress {
            start: seekpos.min(size),
            done: 0,
            total: size,
        }
    }

    /// Bytes still to move.
    pub fn remaining(&self) -> u64 {
        self.total - self.start - self.done.min(self.total - self.start)
    }

    /// Records `n` bytes moved; never counts past the end.
    pub fn advance(&mut self, n: u64) {
        self.done = (self.done + n).min(self.total - self.start);
    }

    /// The connection ended: the file's offset reached, or `Incomplete`.
    pub fn finish(&self) -> Result<u64, FtError> {
        if self.remaining() == 0 {
            Ok(self.start + self.done)
        } else {
            Err(FtError::Incomplete {
                done: self.start + self.done,
                expected: self.total,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;

    fn resp(data: &str) -> Response {
        Response::parse(data.to_string().into(), "error id=0 msg=ok".into()).unwrap()
    }

    #[test]
    fn commands() {
        let up = init_upload(1, "/image iso", 5, "", 673_460_224, true, false)
            .compile(Mode::ServerQuery)
            .unwrap();
        assert_eq!(up, "ftinitupload clientftfid=1 name=\\/image\\siso cid=5 cpw= size=673460224 overwrite=1 resume=0\n");
        let down = init_download(2, "/a", 5, "pw", 10)
            .compile(Mode::ClientQuery)
            .unwrap();
        assert_eq!(
            down,
            "ftinitdownload clientftfid=2 name=\\/a cid=5 cpw=pw seekpos=10\n"
        );
    }

    #[test]
    fn tickets() {
        let t = Ticket::from_response(&resp("clientftfid=1 serverftfid=7 ftkey=NrOga\\/4d2GpYC5oKgxuclTO37X83ca\\/1 port=30033 size=673460224 proto=0 ip=0.0.0.0,203.0.113.9"), Direction::Download).unwrap();
        assert_eq!(t.size, 673_460_224);
        assert_eq!(t.host("query.example"), "203.0.113.9");
        assert!(!format!("{t:?}").contains("NrOga"));
        for bad in [
            "clientftfid=1 serverftfid=7 port=30033 size=1",
            "clientftfid=1 serverftfid=7 ftkey=k port=99999 size=1",
            "clientftfid=1 ftkey=k port=1 size=1",
            "",
        ] {
            assert!(
                matches!(
                    Ticket::from_response(&resp(bad), Direction::Download),
                    Err(FtError::Malformed(_))
                ),
                "{bad}"
            );
        }
        let refused = Ticket::from_response(
            &resp("clientftfid=3 proto=0 status=2050 msg=file\\salready\\sexists size=0"),
            Direction::Upload,
        );
        assert_eq!(
            refused,
            Err(FtError::Refused {
                status: 2050,
                msg: "file already exists".into()
            })
        );
    }

    #[test]
    fn progress_bounds() {
        let mut p = Progress::upload(10, 20); // seekpos beyond the file: nothing to send
        assert_eq!(p.remaining(), 0);
        assert_eq!(p.finish(), Ok(10));
        p = Progress::download(10, 3);
        p.advance(100);
        assert_eq!(p.finish(), Ok(10));
        let mut d = Progress::download(10, 3);
        d.advance(2);
        assert_eq!(
            d.finish(),
            Err(FtError::Incomplete {
                done: 5,
                expected: 10
            })
        );
    }
}
