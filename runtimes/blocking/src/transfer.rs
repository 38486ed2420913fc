//! The file transfer port on std sockets: what a transfer moves, by ticket or by address and
//! key (py-ts3's class-level `TS3FileTransfer.upload` / `download`). Every socket has connect,
//! read and write timeouts; buffers are fixed (256 KiB), whatever the file's size.

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::Shutdown;

pub use ts3q::filetransfer::Progress;
pub use ts3q_runtime::files::{ActiveTransfer, FileEntry};
use ts3q_runtime::transfer::Meter;
pub use ts3q_runtime::transfer::{
    address, next_ftid, Download, Plan, Timeouts, Transferred, Upload,
};
use ts3q_runtime::Error;

const CHUNK: usize = 256 * 1024;

fn open(host: &str, port: u16, key: &str, t: Timeouts) -> Result<std::net::TcpStream, Error> {
    let mut sock = crate::transport::connect_tcp(host, port, t.connect)?;
    sock.set_read_timeout(Some(t.idle))?;
    sock.set_write_timeout(Some(t.idle))?;
    sock.write_all(key.as_bytes())?;
    Ok(sock)
}

/// Sends `file` from `progress.start` to the transfer port `host:port` with `key`, reporting
/// progress (at most every 50 ms, and at the end). The file's size once every byte went out;
/// a cut connection is [`Error::TransferInterrupted`] with the bytes that did.
pub fn upload_to(
    host: &str,
    port: u16,
    key: &str,
    file: &mut (impl Read + Seek),
    progress: Progress,
    timeouts: Timeouts,
    report: impl FnMut(Transferred),
) -> Result<u64, Error> {
    let mut meter = Meter::new(progress, report);
    let mut sock = open(host, port, key, timeouts)?;
    file.seek(SeekFrom::Start(meter.start()))?;
    let mut buf = vec![0u8; CHUNK];
    while meter.remaining() > 0 {
        let want = meter.remaining().min(CHUNK as u64) as usize;
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break; // the file shrank under us: finish() says so
        }
        if let Err(e) = sock.write_all(&buf[..n]) {
            return meter.finish(Some(e));
        }
        meter.moved(n as u64);
    }
    // No acknowledgement: the server closes once it has everything.
    let _ = sock.shutdown(Shutdown::Write);
    let _ = sock.read_to_end(&mut Vec::new());
    meter.finish(None)
}

/// Receives a file from the transfer port `host:port` with `key` into `out`, reporting
/// progress. The file's size once every byte arrived; a connection that ends early is
/// `Transfer(Incomplete)`, one that fails [`Error::TransferInterrupted`], one that closes at
/// once `Transfer(KeyRefused)`.
pub fn download_from(
    host: &str,
    port: u16,
    key: &str,
    out: &mut impl Write,
    progress: Progress,
    timeouts: Timeouts,
    report: impl FnMut(Transferred),
) -> Result<u64, Error> {
    let mut meter = Meter::new(progress, report);
    let mut sock = open(host, port, key, timeouts)?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return meter.finish(Some(e)),
        };
        out.write_all(&buf[..n])?;
        meter.moved(n as u64);
    }
    out.flush()?;
    meter.finish(None)
}
