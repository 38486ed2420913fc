//! Files on disk for the async transfer loops, read or written by a thread of their own.
//!
//! smol's and tokio's files hand every read or write to a blocking pool and copy through a
//! pipe or a buffer of their own. A transfer goes through one file front to back, so one
//! thread that reads (or writes) 1 MiB blocks and passes the buffers over a channel, and gets
//! them back to reuse, does the same work with one hop per megabyte: `benches/compare`'s `ft`
//! measures the difference. Memory stays fixed: at most four blocks are in use per file.
//!
//! Opening the file and seeking in it are quick system calls and are made in place; the
//! reading and writing, which can wait on the disk, happen on the thread.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use async_channel::{Receiver, Sender};

use crate::transfer::{Sink, Source};

/// Bytes per block.
const BLOCK: usize = 1024 * 1024;
/// Blocks handed over at a time; with the one the thread works on and the one the transfer
/// loop works on, a file costs at most `IN_FLIGHT + 2` blocks.
const IN_FLIGHT: usize = 2;

/// A file read ahead by a thread, for [`Connection::upload_from`](crate::asynch::Connection::upload_from).
///
/// ```no_run
/// # async fn demo(conn: &ts3q_runtime::asynch::Connection<impl ts3q_runtime::asynch::Runtime>) -> Result<(), ts3q_runtime::Error> {
/// use ts3q_runtime::{disk::DiskSource, transfer::{no_progress, Upload}};
/// let mut file = DiskSource::open("backup.tar")?;
/// conn.upload_from(&Upload::new("/backup.tar", 1), &mut file, no_progress).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DiskSource {
    /// Until the first read: the file, where seeks go.
    file: Option<File>,
    /// Blocks read by the thread, in order; closed at the end of the file.
    blocks: Option<Receiver<io::Result<Vec<u8>>>>,
    /// Emptied blocks, back to the thread.
    empty: Option<Sender<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl DiskSource {
    /// Opens `path` for reading.
    pub fn open(path: impl AsRef<Path>) -> io::Result<DiskSource> {
        Ok(DiskSource::new(File::open(path)?))
    }

    /// Reads `file` from where it is.
    pub fn new(file: File) -> DiskSource {
        DiskSource {
            file: Some(file),
            blocks: None,
            empty: None,
            current: Vec::new(),
            at: 0,
        }
    }

    /// Starts the reading thread at the file's position.
    fn start(&mut self) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        let (full_tx, full_rx) = async_channel::bounded(IN_FLIGHT);
        let (empty_tx, empty_rx) = async_channel::bounded::<Vec<u8>>(IN_FLIGHT + 2);
        std::thread::Builder::new()
            .name("ts3q-file-read".into())
            .spawn(move || loop {
                let mut block = empty_rx.try_recv().unwrap_or_default();
                block.clear();
                // A whole block of room: `read_to_end` would otherwise grow it step by step.
                block.reserve_exact(BLOCK);
                // `read_to_end` fills the spare capacity without zeroing it first.
                let read = (&mut file).take(BLOCK as u64).read_to_end(&mut block);
                let last = !matches!(read, Ok(n) if n > 0);
                let sent = match read {
                    Ok(0) => Ok(()), // the end: dropping the sender says so
                    Ok(_) => full_tx.send_blocking(Ok(block)),
                    Err(e) => full_tx.send_blocking(Err(e)),
                };
                // Stop at the end, on an error, or when the transfer was dropped.
                if last || sent.is_err() {
                    return;
                }
            })?;
        self.blocks = Some(full_rx);
        self.empty = Some(empty_tx);
        Ok(())
    }
}

impl Source for DiskSource {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.current.len() {
            self.start()?;
            let Some(blocks) = &self.blocks else {
                return Ok(0);
            };
            let used = std::mem::take(&mut self.current);
            if let (Some(empty), true) = (&self.empty, used.capacity() > 0) {
                let _ = empty.try_send(used);
            }
            self.at = 0;
            match blocks.recv().await {
                Ok(block) => self.current = block?,
                Err(_) => return Ok(0), // the thread reached the end
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }

    async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match &mut self.file {
            Some(file) => file.seek(pos),
            None => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a DiskSource seeks only before its first read",
            )),
        }
    }
}

/// A file written behind by a thread, for
/// [`Connection::download_into`](crate::asynch::Connection::download_into). Bytes are on disk
/// once [`flush`](Sink::flush) returned (the transfer loop's last step).
#[derive(Debug)]
pub struct DiskSink {
    /// Until the first block goes out: the file.
    file: Option<File>,
    /// Filled blocks, to the thread.
    blocks: Option<Sender<Vec<u8>>>,
    /// Written blocks back from the thread.
    empty: Option<Receiver<Vec<u8>>>,
    /// The thread's outcome, once it ends.
    done: Option<Receiver<io::Result<()>>>,
    current: Vec<u8>,
}

impl DiskSink {
    /// Creates (or truncates) `path`.
    pub fn create(path: impl AsRef<Path>) -> io::Result<DiskSink> {
        Ok(DiskSink::new(File::create(path)?))
    }

    /// Opens `path` to continue it from byte `at` (a resumed download), creating it if needed;
    /// bytes after `at` are dropped.
    pub fn resume(path: impl AsRef<Path>, at: u64) -> io::Result<DiskSink> {
        let mut file = File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        file.set_len(at)?;
        file.seek(SeekFrom::Start(at))?;
        Ok(DiskSink::new(file))
    }

    /// Writes to `file` from where it is.
    pub fn new(file: File) -> DiskSink {
        DiskSink {
            file: Some(file),
            blocks: None,
            empty: None,
            done: None,
            current: Vec::new(),
        }
    }

    fn start(&mut self) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        let (full_tx, full_rx) = async_channel::bounded::<Vec<u8>>(IN_FLIGHT);
        let (empty_tx, empty_rx) = async_channel::bounded(IN_FLIGHT + 2);
        let (done_tx, done_rx) = async_channel::bounded(1);
        std::thread::Builder::new()
            .name("ts3q-file-write".into())
            .spawn(move || {
                let mut result = Ok(());
                while let Ok(mut block) = full_rx.recv_blocking() {
                    if let Err(e) = file.write_all(&block) {
                        result = Err(e);
                        break;
                    }
                    block.clear();
                    let _ = empty_tx.try_send(block);
                }
                let _ = done_tx.send_blocking(result.and_then(|()| file.flush()));
            })?;
        self.blocks = Some(full_tx);
        self.empty = Some(empty_rx);
        self.done = Some(done_rx);
        Ok(())
    }

    /// Hands the current block to the thread.
    async fn send(&mut self) -> io::Result<()> {
        self.start()?;
        let fresh = match &self.empty {
            Some(empty) => empty.try_recv().unwrap_or_default(),
            None => Vec::new(),
        };
        let block = std::mem::replace(&mut self.current, fresh);
        let sent = match &self.blocks {
            Some(blocks) => blocks.send(block).await.is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            // The thread stopped: it says why.
            self.finish().await
        }
    }

    /// Waits for the thread to write everything and end; its error, if any.
    async fn finish(&mut self) -> io::Result<()> {
        self.blocks = None; // closing the channel ends the thread's loop
        match self.done.take() {
            Some(done) => done.recv().await.unwrap_or_else(|_| {
                Err(io::Error::other(
                    "the file writing thread ended unexpectedly",
                ))
            }),
            None => Ok(()),
        }
    }
}

impl Sink for DiskSink {
    async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            if self.current.capacity() == 0 {
                self.current.reserve_exact(BLOCK);
            }
            let n = data.len().min(BLOCK - self.current.len());
            self.current.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.current.len() == BLOCK {
                self.send().await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        if !self.current.is_empty() {
            self.send().await?;
        }
        self.start()?; // an empty download still ends with the thread's flush
        self.finish().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("ts3q-disk-{}-{name}", std::process::id()))
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    /// Reads and writes through the threads give back the file, for sizes around the block.
    #[test]
    fn round_trips_every_size_through_the_threads() {
        for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 12345] {
            let src = temp("src");
            let dst = temp("dst");
            let data = pattern(len);
            std::fs::write(&src, &data).unwrap();
            futures_lite::future::block_on(async {
                let mut from = DiskSource::open(&src).unwrap();
                assert_eq!(from.seek(SeekFrom::End(0)).await.unwrap(), len as u64);
                from.seek(SeekFrom::Start(0)).await.unwrap();
                let mut to = DiskSink::create(&dst).unwrap();
                let mut buf = vec![0u8; 100_000];
                loop {
                    let n = from.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    to.write_all(&buf[..n]).await.unwrap();
                }
                to.flush().await.unwrap();
            });
            assert!(std::fs::read(&dst).unwrap() == data, "{len} bytes");
            let _ = std::fs::remove_file(&src);
            let _ = std::fs::remove_file(&dst);
        }
    }

    #[test]
    fn a_resumed_sink_keeps_the_start_and_drops_the_rest() {
        let path = temp("resume");
        std::fs::write(&path, b"0123456789").unwrap();
        futures_lite::future::block_on(async {
            let mut to = DiskSink::resume(&path, 4).unwrap();
            to.write_all(b"ab").await.unwrap();
            to.flush().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"0123ab");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn seeking_after_reading_is_refused() {
        let path = temp("seek");
        std::fs::write(&path, b"abc").unwrap();
        futures_lite::future::block_on(async {
            let mut from = DiskSource::open(&path).unwrap();
            let mut buf = [0u8; 2];
            assert_eq!(from.read(&mut buf).await.unwrap(), 2);
            let e = from.seek(SeekFrom::Start(0)).await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        });
        let _ = std::fs::remove_file(&path);
    }

    /// A write error on the thread (here: a file opened read-only) reaches the transfer loop.
    #[test]
    fn a_write_error_reaches_the_caller() {
        let path = temp("ro");
        std::fs::write(&path, b"x").unwrap();
        let file = File::open(&path).unwrap();
        futures_lite::future::block_on(async {
            let mut to = DiskSink::new(file);
            to.write_all(b"data").await.unwrap();
            assert!(to.flush().await.is_err());
        });
        let _ = std::fs::remove_file(&path);
    }
}
