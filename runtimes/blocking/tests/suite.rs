//! The shared runtime suite (`ts3q_runtime::suite`) on the blocking runtime.

use std::future::Future;
use std::path::Path;
use std::time::Duration;
use ts3q::typed::events::TypedEvent;
use ts3q::typed::results::ClientListEntry;

use ts3q::{Event, OwnedItem, Response};
use ts3q_blocking::transfer::{
    self, ActiveTransfer, Download, FileEntry, Plan, Progress, Transferred, Upload,
};
use ts3q_blocking::Connection;
use ts3q_runtime::suite::Adapter;
use ts3q_runtime::{Error, Options, Reconnected, Request};

struct Blocking;

/// A new file, or the end of the existing one when continuing from `seekpos`.
fn output(path: &Path, seekpos: u64) -> std::io::Result<std::fs::File> {
    match seekpos {
        0 => std::fs::File::create(path),
        _ => std::fs::OpenOptions::new().append(true).open(path),
    }
}

impl Adapter for Blocking {
    type Conn = Connection;

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        // Every call below finishes before its future is polled: any executor will do.
        futures_lite::future::block_on(f)
    }
    async fn connect(o: Options) -> Result<Connection, Error> {
        Connection::connect(o)
    }
    async fn exec(c: &mut Connection, r: Request) -> Result<Response, Error> {
        c.exec_with(r)
    }
    async fn all(
        c: &mut Connection,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<OwnedItem>, Error> {
        params
            .iter()
            .fold(c.query(name), |q, (k, v)| q.param(k, *v))
            .all()
    }
    async fn first(
        c: &mut Connection,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<Option<OwnedItem>, Error> {
        params
            .iter()
            .fold(c.query(name), |q, (k, v)| q.param(k, *v))
            .first()
    }
    async fn wait_for_event(c: &mut Connection, t: Option<Duration>) -> Result<Event, Error> {
        c.wait_for_event(t)
    }
    async fn wait_for_notification(
        c: &mut Connection,
        t: Option<Duration>,
    ) -> Result<TypedEvent, Error> {
        c.wait_for_notification(t)
    }
    async fn clients_typed(
        c: &mut Connection,
        options: &[&str],
    ) -> Result<Vec<ClientListEntry>, Error> {
        options
            .iter()
            .fold(c.query("clientlist"), |q, o| q.option(o))
            .all_typed()
    }
    async fn send_keepalive(c: &mut Connection) -> Result<(), Error> {
        c.send_keepalive()
    }
    async fn close_within(c: &mut Connection, bound: Duration) -> Result<(), Error> {
        c.close_within(bound)
    }
    async fn upload(
        c: &mut Connection,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        let mut file = std::fs::File::open(path)?;
        c.upload_with_progress(request, &mut file, |t| reports.push(t))
    }
    async fn download(
        c: &mut Connection,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        let mut file = output(path, request.seekpos)?;
        c.download_with_progress(request, &mut file, |t| reports.push(t))
    }
    async fn init_download(c: &mut Connection, request: &Download) -> Result<Plan, Error> {
        c.init_download(request)
    }
    async fn files(c: &mut Connection, cid: u32, path: &str) -> Result<Vec<FileEntry>, Error> {
        c.files(cid, "", path)
    }
    async fn file_info(c: &mut Connection, cid: u32, name: &str) -> Result<FileEntry, Error> {
        c.file_info(cid, "", name)
    }
    async fn transfers(c: &mut Connection) -> Result<Vec<ActiveTransfer>, Error> {
        c.transfers()
    }
    async fn download_by_key(
        path: &Path,
        host: &str,
        port: u16,
        key: &str,
        progress: Progress,
    ) -> Result<u64, Error> {
        let mut file = output(path, progress.start)?;
        let timeouts = transfer::Timeouts::default();
        transfer::download_from(host, port, key, &mut file, progress, timeouts, |_| {})
    }
    async fn exec_all(
        c: &mut Connection,
        requests: Vec<Request>,
        _tasks: usize,
    ) -> Vec<Result<Response, Error>> {
        requests.into_iter().map(|r| c.exec_with(r)).collect()
    }
    fn take_reconnects(c: &mut Connection) -> Vec<Reconnected> {
        c.take_reconnects()
    }
    fn paced_waits(c: &Connection) -> u64 {
        c.paced_waits()
    }
    fn is_connected(c: &Connection) -> bool {
        c.is_connected()
    }
    fn host(c: &Connection) -> String {
        c.host().to_string()
    }
    fn warnings(c: &Connection) -> u64 {
        c.warnings()
    }
    fn schandlerid(c: &Connection) -> Option<u64> {
        c.schandlerid()
    }
    async fn sleep(d: Duration) {
        std::thread::sleep(d)
    }
}

ts3q_runtime::runtime_suite!(Blocking);
