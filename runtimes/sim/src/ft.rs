//! The file transfer port: a client connects, sends the 32-character key from
//! `ftinitupload`/`ftinitdownload` (no newline), then sends or receives the file's bytes. Keys
//! are single use and expire. There is no acknowledgement: the server closes when done.
//! Each connection is one task on the simulator's event loop, streaming through fixed chunks.

use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::{future, Async, Timer};

use crate::conn::lock;
use crate::world::{FileEntry, TransferKind};
use crate::Shared;

pub const KEY_LEN: usize = 32;

/// A peer that neither sends nor takes a byte for this long is cut off.
const STALL: Duration = Duration::from_secs(10);

/// Data moves in chunks of this size: large enough for loopback speed, small enough that a
/// client announcing a huge size costs nothing until the bytes arrive.
const CHUNK: usize = 1 << 20;

/// The most an upload reserves up front; beyond, its buffer grows as bytes arrive.
const RESERVE_MAX: u64 = 1 << 30;

/// `op`, unless the peer stalls for [`STALL`].
async fn within<T>(op: impl std::future::Future<Output = io::Result<T>>) -> io::Result<T> {
    future::or(op, async {
        Timer::after(STALL).await;
        Err(io::ErrorKind::TimedOut.into())
    })
    .await
}

pub async fn serve(shared: Arc<Shared>, stream: Async<TcpStream>) {
    let mut io = &stream;
    let mut key = [0u8; KEY_LEN];
    if within(io.read_exact(&mut key)).await.is_err() {
        return;
    }
    let key = String::from_utf8_lossy(&key).into_owned();
    let transfer = {
        let mut w = lock(&shared.world);
        let t = w.transfers.remove(&key).filter(|t| t.expires > w.now());
        // From here until the file is stored, file commands about it wait for it (see
        // `conn::settle_uploads`): the ticket is gone, so the upload is marked in its place.
        if let Some(t) = &t {
            if matches!(t.kind, TransferKind::Upload { .. }) {
                w.uploading.push((t.cid, t.name.clone()));
            }
        }
        t
    };
    let Some(t) = transfer else {
        tracing::info!(target: "ts3_sim::ft", "refused: unknown or expired key");
        let _ = stream.get_ref().shutdown(Shutdown::Both);
        return;
    };
    let cut = lock(&shared.world).config.ft_cut_after;
    match t.kind {
        TransferKind::Upload { size, seekpos } => {
            let want = size.saturating_sub(seekpos).min(cut.unwrap_or(u64::MAX));
            let mut data = {
                let mut w = lock(&shared.world);
                let old = w.files.get(&t.cid).and_then(|f| f.get(&t.name));
                let old = old.map(|f| Arc::clone(&f.data)).unwrap_or_default();
                let keep = &old[..(seekpos as usize).min(old.len())];
                // An absurd announced size is capped instead of failing the allocation.
                let mut data = w.upload_buffer(keep.len() + want.min(RESERVE_MAX) as usize);
                data.extend_from_slice(keep);
                data
            };
            let got = receive(&mut io, &mut data, want).await;
            tracing::info!(
                target: "ts3_sim::ft",
                cid = t.cid,
                name = %t.name,
                bytes = data.len() as u64 - seekpos.min(data.len() as u64),
                "upload {}",
                if got.is_ok() { "stored" } else { "cut short" }
            );
            // What arrived is kept, complete or not, so `resume=1` can continue it.
            let mut w = lock(&shared.world);
            if let Some(i) = w
                .uploading
                .iter()
                .position(|(c, n)| *c == t.cid && *n == t.name)
            {
                w.uploading.swap_remove(i);
            }
            let datetime = w.unix();
            let replaced = w.files.entry(t.cid).or_default().insert(
                t.name,
                FileEntry {
                    data: Arc::new(data),
                    dir: false,
                    datetime,
                },
            );
            if let Some(old) = replaced {
                w.recycle(old);
            }
        }
        TransferKind::Download { seekpos } => {
            let data = {
                let w = lock(&shared.world);
                w.files
                    .get(&t.cid)
                    .and_then(|f| f.get(&t.name))
                    .map(|f| Arc::clone(&f.data))
                    .unwrap_or_default()
            };
            let from = (seekpos as usize).min(data.len());
            let to = cut.map_or(data.len(), |c| {
                (from as u64 + c).min(data.len() as u64) as usize
            });
            let mut sent = 0;
            for chunk in data[from..to].chunks(CHUNK) {
                if within(io.write_all(chunk)).await.is_err() {
                    break;
                }
                sent += chunk.len();
            }
            tracing::info!(target: "ts3_sim::ft", cid = t.cid, name = %t.name, bytes = sent, "download sent");
            let _ = io.flush().await;
        }
    }
    let _ = stream.get_ref().shutdown(Shutdown::Both);
}

/// Appends up to `want` bytes from `io` to `data`, growing it a chunk at a time as they arrive
/// (each chunk zeroed once, then filled by as many reads as it takes).
async fn receive(io: &mut &Async<TcpStream>, data: &mut Vec<u8>, want: u64) -> io::Result<()> {
    let end = data.len() as u64 + want;
    let mut filled = data.len();
    let result = loop {
        if filled as u64 >= end {
            break Ok(());
        }
        if filled == data.len() {
            let room = (end - filled as u64).min(CHUNK as u64) as usize;
            data.resize(filled + room, 0);
        }
        match within(io.read(&mut data[filled..])).await {
            Ok(0) => break Ok(()),
            Ok(n) => filled += n,
            Err(e) => break Err(e),
        }
    };
    data.truncate(filled);
    result
}
