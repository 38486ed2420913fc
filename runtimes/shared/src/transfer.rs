//! File transfer bookkeeping shared by the runtimes: the `clientftfid` allocator and the
//! request a transfer starts with. The byte loops are the runtimes' (they own the sockets);
//! [`ts3q::filetransfer`] reads the replies and counts the bytes.

use std::sync::atomic::{AtomicU32, Ordering};

use ts3q::filetransfer::{self, Direction, Progress, Ticket};
use ts3q::Response;

use crate::Error;

/// A `clientftfid` unique among this process's transfers.
pub fn next_ftid() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The `ftinitupload` command for a file of `size` bytes, with a fresh `clientftfid`.
pub fn upload_request(
    name: &str,
    cid: u32,
    cpw: &str,
    size: u64,
    overwrite: bool,
    resume: bool,
) -> ts3q::Command {
    filetransfer::init_upload(next_ftid(), name, cid, cpw, size, overwrite, resume)
}

/// The `ftinitdownload` command, with a fresh `clientftfid`.
pub fn download_request(name: &str, cid: u32, cpw: &str, seekpos: u64) -> ts3q::Command {
    filetransfer::init_download(next_ftid(), name, cid, cpw, seekpos)
}

/// A transfer the server agreed to: where to connect, what to send first, what to count.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server's ticket (key, port, seek position, size).
    pub ticket: Ticket,
    /// The host to connect to: the reply's address, else the query connection's host.
    pub host: String,
    /// The byte count to reach.
    pub progress: Progress,
}

impl Plan {
    /// The plan for an upload of `size` bytes, from the `ftinitupload` reply.
    pub fn upload(reply: &Response, size: u64, query_host: &str) -> Result<Plan, Error> {
        let ticket = Ticket::from_response(reply, Direction::Upload)?;
        let progress = Progress::upload(size, ticket.seekpos);
        Ok(Plan::new(ticket, progress, query_host))
    }

    /// The plan for a download from `seekpos`, from the `ftinitdownload` reply.
    pub fn download(reply: &Response, seekpos: u64, query_host: &str) -> Result<Plan, Error> {
        let ticket = Ticket::from_response(reply, Direction::Download)?;
        let progress = Progress::download(ticket.size, seekpos);
        Ok(Plan::new(ticket, progress, query_host))
    }

    fn new(ticket: Ticket, progress: Progress, query_host: &str) -> Plan {
        let host = ticket.host(query_host).to_string();
        Plan {
            ticket,
            host,
            progress,
        }
    }
}
