//! The file transfer port: a client connects, sends the 32-character key from
//! `ftinitupload`/`ftinitdownload` (no newline), then sends or receives the file's bytes. Keys
//! are single use and expire. There is no acknowledgement: the server closes when done.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::conn::lock;
use crate::world::{unix_now, FileEntry, TransferKind};
use crate::Shared;

pub const KEY_LEN: usize = 32;

pub fn serve(shared: Arc<Shared>, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut key = [0u8; KEY_LEN];
    if stream.read_exact(&mut key).is_err() {
        return;
    }
    let key = String::from_utf8_lossy(&key).into_owned();
    let transfer = {
        let mut w = lock(&shared.world);
        let t = w
            .transfers
            .remove(&key)
            .filter(|t| t.expires > Instant::now());
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
        let _ = stream.shutdown(Shutdown::Both);
        return;
    };
    let cut = lock(&shared.world).config.ft_cut_after;
    match t.kind {
        TransferKind::Upload { size, seekpos } => {
            let want = size.saturating_sub(seekpos).min(cut.unwrap_or(u64::MAX));
            let mut data = {
                let w = lock(&shared.world);
                let old = w.files.get(&t.cid).and_then(|f| f.get(&t.name));
                let keep = old.map_or(&[][..], |f| &f.data[..(seekpos as usize).min(f.data.len())]);
                // The whole file in one allocation, read straight into place.
                let mut data = Vec::with_capacity(keep.len() + want as usize);
                data.extend_from_slice(keep);
                data
            };
            // Straight into the spare capacity, without zeroing it first.
            let _ = (&mut stream).take(want).read_to_end(&mut data);
            // What arrived is kept, complete or not, so `resume=1` can continue it.
            let mut w = lock(&shared.world);
            if let Some(i) = w
                .uploading
                .iter()
                .position(|(c, n)| *c == t.cid && *n == t.name)
            {
                w.uploading.swap_remove(i);
            }
            w.files.entry(t.cid).or_default().insert(
                t.name,
                FileEntry {
                    data: Arc::new(data),
                    dir: false,
                    datetime: unix_now(),
                },
            );
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
            let _ = stream.write_all(&data[from..to]);
            let _ = stream.flush();
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}
