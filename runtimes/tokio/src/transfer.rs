//! The file transfer port on tokio sockets: what a transfer moves, by ticket or by address and
//! key (py-ts3's class-level `TS3FileTransfer.upload` / `download`), over any tokio reader or
//! writer. Every socket has connect, read and write timeouts; buffers are fixed
//! (256 KiB), whatever the file's size.

use std::io::SeekFrom;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
pub use ts3q::filetransfer::Progress;
pub use ts3q_runtime::files::{ActiveTransfer, FileEntry};
use ts3q_runtime::transfer::Meter;
pub use ts3q_runtime::transfer::{
    address, next_ftid, Download, Plan, Timeouts, Transferred, Upload,
};
use ts3q_runtime::Error;

const CHUNK: usize = 256 * 1024;

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

async fn open(
    host: &str,
    port: u16,
    key: &str,
    t: Timeouts,
) -> Result<tokio::net::TcpStream, Error> {
    let mut sock = within(t.connect, tokio::net::TcpStream::connect((host, port))).await?;
    within(t.idle, sock.write_all(key.as_bytes())).await?;
    Ok(sock)
}

/// Sends `file` from `progress.start` to the transfer port `host:port` with `key`, reporting
/// progress (at most every 50 ms, and at the end). The file's size once every byte went out;
/// a cut connection is [`Error::TransferInterrupted`] with the bytes that did.
pub async fn upload_to(
    host: &str,
    port: u16,
    key: &str,
    file: &mut (impl AsyncRead + AsyncSeek + Unpin),
    progress: Progress,
    timeouts: Timeouts,
    report: impl FnMut(Transferred),
) -> Result<u64, Error> {
    let mut meter = Meter::new(progress, report);
    let mut sock = open(host, port, key, timeouts).await?;
    file.seek(SeekFrom::Start(meter.start())).await?;
    let mut buf = vec![0u8; CHUNK];
    while meter.remaining() > 0 {
        let want = meter.remaining().min(CHUNK as u64) as usize;
        let n = file.read(&mut buf[..want]).await?;
        if n == 0 {
            break; // the file shrank under us: finish() says so
        }
        if let Err(e) = within(timeouts.idle, sock.write_all(&buf[..n])).await {
            return meter.finish(Some(e));
        }
        meter.moved(n as u64);
    }
    // No acknowledgement: the server closes once it has everything.
    let _ = sock.shutdown().await;
    let _ = within(timeouts.idle, sock.read_to_end(&mut Vec::new())).await;
    meter.finish(None)
}

/// Receives a file from the transfer port `host:port` with `key` into `out`, reporting
/// progress. The file's size once every byte arrived.
pub async fn download_from(
    host: &str,
    port: u16,
    key: &str,
    out: &mut (impl AsyncWrite + Unpin),
    progress: Progress,
    timeouts: Timeouts,
    report: impl FnMut(Transferred),
) -> Result<u64, Error> {
    let mut meter = Meter::new(progress, report);
    let mut sock = open(host, port, key, timeouts).await?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match within(timeouts.idle, sock.read(&mut buf)).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return meter.finish(Some(e)),
        };
        out.write_all(&buf[..n]).await?;
        meter.moved(n as u64);
    }
    out.flush().await?;
    meter.finish(None)
}
