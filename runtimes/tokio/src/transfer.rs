//! The file transfer port on tokio: the byte loops are `ts3q_runtime::transfer`'s, over
//! tokio's readers and writers through [`TokioIo`]. By ticket (the connection's
//! `upload_plan` / `download_plan`) or by address and key (py-ts3's class-level
//! `TS3FileTransfer.upload` / `download`): [`upload_to`], [`download_from`]. Every socket has
//! connect, read and write timeouts; buffers are fixed (256 KiB), whatever the file's size.

use std::io::{self, SeekFrom};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
pub use ts3q::filetransfer::Progress;
pub use ts3q_runtime::files::{ActiveTransfer, FileEntry};
pub use ts3q_runtime::transfer::{
    address, next_ftid, Download, Plan, Timeouts, Transferred, Upload,
};
use ts3q_runtime::transfer::{Sink, Socket, Source};
use ts3q_runtime::Error;

/// A tokio reader or writer as the shared transfer loops see it.
#[derive(Debug)]
pub struct TokioIo<T>(pub T);

impl<T: AsyncRead + AsyncSeek + Unpin> Source for TokioIo<T> {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }
    async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos).await
    }
}

impl<T: AsyncWrite + Unpin> Sink for TokioIo<T> {
    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.write_all(data).await
    }
    async fn flush(&mut self) -> io::Result<()> {
        self.0.flush().await
    }
}

/// A transfer connection on tokio.
#[derive(Debug)]
pub struct TransferSocket(tokio::net::TcpStream);

impl Socket for TransferSocket {
    async fn connect(host: &str, port: u16) -> io::Result<TransferSocket> {
        let s = tokio::net::TcpStream::connect((host, port)).await?;
        let _ = s.set_nodelay(true);
        Ok(TransferSocket(s))
    }
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }
    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.write_all(data).await
    }
    async fn shutdown_write(&mut self) {
        let _ = self.0.shutdown().await;
    }
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
    let file = &mut TokioIo(file);
    ts3q_runtime::transfer::upload_to::<crate::Tokio>(
        host, port, key, file, progress, timeouts, report,
    )
    .await
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
    let out = &mut TokioIo(out);
    ts3q_runtime::transfer::download_from::<crate::Tokio>(
        host, port, key, out, progress, timeouts, report,
    )
    .await
}
