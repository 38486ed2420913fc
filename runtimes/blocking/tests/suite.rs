//! The shared runtime suite (`ts3q_runtime::suite`) on the blocking runtime.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use ts3q::{Event, OwnedItem, Response};
use ts3q_blocking::Connection;
use ts3q_runtime::suite::Adapter;
use ts3q_runtime::{Error, Options, Reconnected, Request};

struct Blocking;

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
    async fn send_keepalive(c: &mut Connection) -> Result<(), Error> {
        c.send_keepalive()
    }
    async fn close_within(c: &mut Connection, bound: Duration) -> Result<(), Error> {
        c.close_within(bound)
    }
    async fn upload(
        c: &mut Connection,
        path: &Path,
        name: &str,
        cid: u32,
        overwrite: bool,
        resume: bool,
    ) -> Result<u64, Error> {
        let mut file = std::fs::File::open(path)?;
        c.upload(&mut file, name, cid, "", overwrite, resume)
    }
    async fn download(
        c: &mut Connection,
        path: &Path,
        name: &str,
        cid: u32,
        seekpos: u64,
    ) -> Result<u64, Error> {
        let mut file = std::fs::File::create(path)?;
        c.download(&mut file, name, cid, "", seekpos)
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
