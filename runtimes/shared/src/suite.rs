//! The test cases every runtime runs: the same scenarios, the same expected errors, so that
//! a runtime that behaves differently fails. A runtime implements [`Adapter`] in its tests
//! and expands [`runtime_suite!`](crate::runtime_suite) there.
//!
//! The cases run against the simulator over real sockets on 127.0.0.1; the `_over_ssh` ones
//! through a real OpenSSH server (`#[ignore]`d: they need root and `openssh-server`, which
//! `.ci/run` installs), and the fault cases against [`ts3_sim::testing::fake_server`]s.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

pub use ts3_sim::testing::Via;
use ts3_sim::testing::{
    demo_sim, fake_server, flood_server, read_until, resident_bytes, target, CLIENT_GREETING,
    SERVER_GREETING,
};
use ts3_sim::{Sim, SimConfig};
use ts3q::filetransfer::FtError;
use ts3q::{
    CloseReason, Command, Config, Event, FloodLimit, Mode, OwnedItem, RequestError, Response,
    Transport,
};

use crate::files::{self, ActiveTransfer, FileEntry};
use crate::transfer::{Download, Plan, Transferred, Upload};
use crate::{Error, EventQueue, Options, Overflow, Reconnect, Reconnected, Request};
use ts3q::filetransfer::Progress;
use ts3q::typed::events::TypedEvent;
use ts3q::typed::results::ClientListEntry;

/// A runtime as the suite drives it. Every method is the runtime's own public API, called the
/// way a user would; async runtimes return their futures, the blocking one finishes inside.
#[allow(async_fn_in_trait)] // test-only: the futures run on the adapter's own `block_on`
pub trait Adapter {
    /// The runtime's connection.
    type Conn;
    /// Runs a test body on the runtime (the blocking runtime: on this thread).
    fn block_on<T>(f: impl Future<Output = T>) -> T;
    /// `Connection::connect`.
    async fn connect(o: Options) -> Result<Self::Conn, Error>;
    /// `conn.exec_with(request)`.
    async fn exec(c: &mut Self::Conn, r: Request) -> Result<Response, Error>;
    /// `conn.query(name)` with params, then `.all()`.
    async fn all(
        c: &mut Self::Conn,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<OwnedItem>, Error>;
    /// `conn.query(name)` with params, then `.first()`.
    async fn first(
        c: &mut Self::Conn,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<Option<OwnedItem>, Error>;
    /// `conn.wait_for_event(timeout)`.
    async fn wait_for_event(c: &mut Self::Conn, t: Option<Duration>) -> Result<Event, Error>;
    /// `conn.wait_for_notification(timeout)`.
    async fn wait_for_notification(
        c: &mut Self::Conn,
        t: Option<Duration>,
    ) -> Result<TypedEvent, Error>;
    /// `conn.query("clientlist").option(..)...all_typed::<ClientListEntry>()`.
    async fn clients_typed(
        c: &mut Self::Conn,
        options: &[&str],
    ) -> Result<Vec<ClientListEntry>, Error>;
    /// `conn.send_keepalive()`.
    async fn send_keepalive(c: &mut Self::Conn) -> Result<(), Error>;
    /// `conn.close_within(bound)`.
    async fn close_within(c: &mut Self::Conn, bound: Duration) -> Result<(), Error>;
    /// `conn.upload_with_progress(request, file at path, ..)` with the runtime's own file
    /// type, the reports collected.
    async fn upload(
        c: &mut Self::Conn,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error>;
    /// `conn.download_with_progress(request, file at path, ..)`: into a new file, or appended
    /// to the file when the request has a seek position.
    async fn download(
        c: &mut Self::Conn,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error>;
    /// The runtime's `transfer::download_from(host, port, key, file at path, ..)`: by address
    /// and key, without the query connection.
    async fn download_by_key(
        path: &Path,
        host: &str,
        port: u16,
        key: &str,
        progress: Progress,
    ) -> Result<u64, Error>;
    /// `conn.init_download(request)`.
    async fn init_download(c: &mut Self::Conn, request: &Download) -> Result<Plan, Error>;
    /// `conn.files(cid, "", path)`.
    async fn files(c: &mut Self::Conn, cid: u32, path: &str) -> Result<Vec<FileEntry>, Error>;
    /// `conn.file_info(cid, "", name)`.
    async fn file_info(c: &mut Self::Conn, cid: u32, name: &str) -> Result<FileEntry, Error>;
    /// `conn.transfers()`.
    async fn transfers(c: &mut Self::Conn) -> Result<Vec<ActiveTransfer>, Error>;
    /// Runs every request, up to `tasks` at once on the async runtimes (pipelined through
    /// clones of the connection), one after another on the blocking one; the results in order.
    async fn exec_all(
        c: &mut Self::Conn,
        requests: Vec<Request>,
        tasks: usize,
    ) -> Vec<Result<Response, Error>>;
    /// `conn.take_reconnects()`.
    fn take_reconnects(c: &mut Self::Conn) -> Vec<Reconnected>;
    /// `conn.paced_waits()`.
    fn paced_waits(c: &Self::Conn) -> u64;
    /// `conn.is_connected()`.
    fn is_connected(c: &Self::Conn) -> bool;
    /// `conn.host()`.
    fn host(c: &Self::Conn) -> String;
    /// `conn.warnings()`.
    fn warnings(c: &Self::Conn) -> u64;
    /// `conn.schandlerid()`.
    fn schandlerid(c: &Self::Conn) -> Option<u64>;
    /// Waits `d` the runtime's way (the blocking runtime: a sleep).
    async fn sleep(d: Duration);
}

/// An async runtime as the suite drives it: its connection dereferences to
/// [`asynch::Connection`](crate::asynch::Connection), which does the rest, so an adapter is
/// only how to run, connect, move files and sleep on that runtime.
#[allow(async_fn_in_trait)]
pub trait AsyncAdapter {
    /// The runtime's connection.
    type Conn: std::ops::Deref<Target = crate::asynch::Connection<Self::Runtime>>;
    /// The runtime.
    type Runtime: crate::asynch::Runtime;
    /// Runs a test body on the runtime.
    fn block_on<T>(f: impl Future<Output = T>) -> T;
    /// `Connection::connect`.
    async fn connect(o: Options) -> Result<Self::Conn, Error>;
    /// `conn.upload_with_progress(request, file at path, ..)` with the runtime's own file
    /// type, the reports collected.
    async fn upload(
        c: &mut Self::Conn,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error>;
    /// `conn.download_with_progress(request, file at path, ..)`: into a new file, or appended
    /// to the file when the request has a seek position.
    async fn download(
        c: &mut Self::Conn,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error>;
    /// The runtime's `transfer::download_from(host, port, key, file at path, ..)`: by address
    /// and key, without the query connection.
    async fn download_by_key(
        path: &Path,
        host: &str,
        port: u16,
        key: &str,
        progress: Progress,
    ) -> Result<u64, Error>;
    /// `conn.upload_file_with_progress(request, path, ..)`: the file read by a thread.
    async fn upload_file(
        c: &mut Self::Conn,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error>;
    /// `conn.download_file_with_progress(request, path, ..)`: the file written by a thread.
    async fn download_file(
        c: &mut Self::Conn,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error>;
    /// Waits `d` on the runtime's timer.
    async fn sleep(d: Duration);
}

impl<A: AsyncAdapter> Adapter for A {
    type Conn = A::Conn;

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        A::block_on(f)
    }
    async fn connect(o: Options) -> Result<A::Conn, Error> {
        A::connect(o).await
    }
    async fn exec(c: &mut A::Conn, r: Request) -> Result<Response, Error> {
        c.exec_with(r).await
    }
    async fn all(
        c: &mut A::Conn,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<OwnedItem>, Error> {
        params
            .iter()
            .fold(c.query(name), |q, (k, v)| q.param(k, *v))
            .all()
            .await
    }
    async fn first(
        c: &mut A::Conn,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<Option<OwnedItem>, Error> {
        params
            .iter()
            .fold(c.query(name), |q, (k, v)| q.param(k, *v))
            .first()
            .await
    }
    async fn wait_for_event(c: &mut A::Conn, t: Option<Duration>) -> Result<Event, Error> {
        c.wait_for_event(t).await
    }
    async fn wait_for_notification(
        c: &mut A::Conn,
        t: Option<Duration>,
    ) -> Result<TypedEvent, Error> {
        c.wait_for_notification(t).await
    }
    async fn clients_typed(
        c: &mut A::Conn,
        options: &[&str],
    ) -> Result<Vec<ClientListEntry>, Error> {
        options
            .iter()
            .fold(c.query("clientlist"), |q, o| q.option(o))
            .all_typed()
            .await
    }
    async fn send_keepalive(c: &mut A::Conn) -> Result<(), Error> {
        c.send_keepalive().await
    }
    async fn close_within(c: &mut A::Conn, bound: Duration) -> Result<(), Error> {
        c.close_within(bound).await
    }
    async fn upload(
        c: &mut A::Conn,
        path: &Path,
        request: &Upload,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        A::upload(c, path, request, reports).await
    }
    async fn download(
        c: &mut A::Conn,
        path: &Path,
        request: &Download,
        reports: &mut Vec<Transferred>,
    ) -> Result<u64, Error> {
        A::download(c, path, request, reports).await
    }
    async fn init_download(c: &mut A::Conn, request: &Download) -> Result<Plan, Error> {
        c.init_download(request).await
    }
    async fn files(c: &mut A::Conn, cid: u32, path: &str) -> Result<Vec<FileEntry>, Error> {
        c.files(cid, "", path).await
    }
    async fn file_info(c: &mut A::Conn, cid: u32, name: &str) -> Result<FileEntry, Error> {
        c.file_info(cid, "", name).await
    }
    async fn transfers(c: &mut A::Conn) -> Result<Vec<ActiveTransfer>, Error> {
        c.transfers().await
    }
    async fn download_by_key(
        path: &Path,
        host: &str,
        port: u16,
        key: &str,
        progress: Progress,
    ) -> Result<u64, Error> {
        A::download_by_key(path, host, port, key, progress).await
    }
    async fn exec_all(
        c: &mut A::Conn,
        requests: Vec<Request>,
        tasks: usize,
    ) -> Vec<Result<Response, Error>> {
        let conn: &crate::asynch::Connection<A::Runtime> = c;
        let n = requests.len();
        let queue = RefCell::new(requests.into_iter().enumerate().collect::<VecDeque<_>>());
        let results = RefCell::new((0..n).map(|_| None).collect::<Vec<_>>());
        let worker = || async {
            loop {
                let Some((i, r)) = queue.borrow_mut().pop_front() else {
                    return;
                };
                let result = conn.exec_with(r).await;
                results.borrow_mut()[i] = Some(result);
            }
        };
        join_all((0..tasks.max(1)).map(|_| Box::pin(worker())).collect()).await;
        let results = results.into_inner();
        results
            .into_iter()
            .map(|r| r.expect("every request ran"))
            .collect()
    }
    fn take_reconnects(c: &mut A::Conn) -> Vec<Reconnected> {
        c.take_reconnects()
    }
    fn paced_waits(c: &A::Conn) -> u64 {
        c.paced_waits()
    }
    fn is_connected(c: &A::Conn) -> bool {
        c.is_connected()
    }
    fn host(c: &A::Conn) -> String {
        c.host().to_string()
    }
    fn warnings(c: &A::Conn) -> u64 {
        c.warnings()
    }
    fn schandlerid(c: &A::Conn) -> Option<u64> {
        c.schandlerid()
    }
    async fn sleep(d: Duration) {
        A::sleep(d).await
    }
}

/// Polls every future to completion on the current task (no spawning: the suite stays
/// runtime-agnostic).
async fn join_all<F: Future<Output = ()>>(mut futs: Vec<Pin<Box<F>>>) {
    std::future::poll_fn(|cx| {
        futs.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futs.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Expands to one `#[test]` per suite case for `$adapter` (a type implementing [`Adapter`]).
#[macro_export]
macro_rules! runtime_suite {
    ($adapter:ty) => {
        $crate::runtime_suite!(@cases $adapter;
            session_over_tcp => session(Tcp),
            keepalive_over_tcp => keepalive(Tcp),
            flood_pacing_over_tcp => flood_pacing(Tcp),
            reconnect_over_tcp => reconnect(Tcp),
            client_query => client_query(),
            send_keepalive_on_demand => send_keepalive_on_demand(),
            fault_connection_refused => fault_connection_refused(),
            fault_wrong_password => fault_wrong_password(),
            fault_server_closes_mid_response => fault_server_closes_mid_response(),
            fault_reset_mid_response_keeps_the_io_error => fault_reset_mid_response(),
            fault_response_timeout => fault_response_timeout(),
            per_command_timeout => per_command_timeout(),
            fault_http_peer_is_not_ts3 => fault_http_peer(),
            fault_ssh_banner_on_the_raw_port_is_not_ts3 => fault_ssh_banner(),
            fault_ssh_without_login => fault_ssh_without_login(),
            mode_mismatch_keeps_the_settings => mode_mismatch(),
            close_is_bounded_when_the_peer_keeps_talking => close_bounded(),
            warnings_are_counted => warnings_counted(),
            dropping_closes => dropping_closes(),
            file_transfer_round_trips_with_progress => file_transfer_round_trips(),
            file_transfer_resumes_after_a_cut => file_transfer_resumes_after_a_cut(),
            file_transfer_refusals_are_typed => file_transfer_refusals(),
            file_commands_are_typed => file_commands(),
            event_flood_drop_oldest_keeps_memory_flat => flood_drop_oldest(),
            event_flood_back_pressure_keeps_memory_flat => flood_back_pressure(),
            chaos_drops_under_load_every_command_answered_once => chaos(),
            flood_pacing_is_logged_and_counted => pacing_visible(),
            typed_notifications_and_results => typed_layer(),
        );
        $crate::runtime_suite!(@ssh $adapter;
            session_over_ssh => session(Ssh),
            keepalive_over_ssh => keepalive(Ssh),
            flood_pacing_over_ssh => flood_pacing(Ssh),
            reconnect_over_ssh => reconnect(Ssh),
            fault_ssh_auth_failure => fault_ssh_auth_failure(),
            ssh_host_key_pinning_and_known_hosts => ssh_host_keys(),
        );
    };
    (@cases $adapter:ty; $($name:ident => $case:ident($($via:ident)?),)*) => {$(
        #[test]
        fn $name() {
            $crate::suite::$case::<$adapter>($($crate::suite::Via::$via)?);
        }
    )*};
    (@ssh $adapter:ty; $($name:ident => $case:ident($($via:ident)?),)*) => {$(
        #[test]
        #[ignore = "needs root and openssh-server; .ci/run runs it"]
        fn $name() {
            $crate::suite::$case::<$adapter>($($crate::suite::Via::$via)?);
        }
    )*};
}

/// The adapter of an async runtime crate and its tests: the whole suite, the typed stream and
/// the disk transfers. What differs between runtimes is only named here: the crate (its
/// `Connection` and `transfer`), its runtime type, its file module, how it blocks on a future
/// and how it sleeps.
///
/// ```text
/// ts3q_runtime::async_runtime_suite! {
///     adapter: Smol,
///     crate: ts3q_smol,
///     runtime: ts3q_smol::Smol,
///     fs: smol::fs,
///     block_on: |f| smol::block_on(f),
///     sleep: |d| smol::Timer::after(d),
/// }
/// ```
#[macro_export]
macro_rules! async_runtime_suite {
    (
        adapter: $name:ident,
        crate: $rt:ident,
        runtime: $runtime:ty,
        fs: $($fs:ident)::+,
        block_on: |$f:ident| $block_on:expr,
        sleep: |$d:ident| $sleep:expr $(,)?
    ) => {
        struct $name;

        /// A new file, or the end of the existing one when continuing from `seekpos`.
        async fn output(
            path: &::std::path::Path,
            seekpos: u64,
        ) -> ::std::io::Result<$($fs)::+::File> {
            match seekpos {
                0 => $($fs)::+::File::create(path).await,
                _ => $($fs)::+::OpenOptions::new().append(true).open(path).await,
            }
        }

        impl $crate::suite::AsyncAdapter for $name {
            type Conn = $rt::Connection;
            type Runtime = $runtime;

            fn block_on<T>($f: impl ::std::future::Future<Output = T>) -> T {
                $block_on
            }
            async fn connect(o: $crate::Options) -> Result<$rt::Connection, $crate::Error> {
                $rt::Connection::connect(o).await
            }
            async fn upload(
                c: &mut $rt::Connection,
                path: &::std::path::Path,
                request: &$rt::transfer::Upload,
                reports: &mut Vec<$rt::transfer::Transferred>,
            ) -> Result<u64, $crate::Error> {
                let mut file = $($fs)::+::File::open(path).await?;
                c.upload_with_progress(request, &mut file, |t| reports.push(t))
                    .await
            }
            async fn download(
                c: &mut $rt::Connection,
                path: &::std::path::Path,
                request: &$rt::transfer::Download,
                reports: &mut Vec<$rt::transfer::Transferred>,
            ) -> Result<u64, $crate::Error> {
                let mut file = output(path, request.seekpos).await?;
                c.download_with_progress(request, &mut file, |t| reports.push(t))
                    .await
            }
            async fn download_by_key(
                path: &::std::path::Path,
                host: &str,
                port: u16,
                key: &str,
                progress: $rt::transfer::Progress,
            ) -> Result<u64, $crate::Error> {
                let mut file = output(path, progress.start).await?;
                let timeouts = $rt::transfer::Timeouts::default();
                $rt::transfer::download_from(host, port, key, &mut file, progress, timeouts, |_| {})
                    .await
            }
            async fn upload_file(
                c: &mut $rt::Connection,
                path: &::std::path::Path,
                request: &$rt::transfer::Upload,
                reports: &mut Vec<$rt::transfer::Transferred>,
            ) -> Result<u64, $crate::Error> {
                c.upload_file_with_progress(request, path, |t| reports.push(t))
                    .await
            }
            async fn download_file(
                c: &mut $rt::Connection,
                path: &::std::path::Path,
                request: &$rt::transfer::Download,
                reports: &mut Vec<$rt::transfer::Transferred>,
            ) -> Result<u64, $crate::Error> {
                c.download_file_with_progress(request, path, |t| reports.push(t))
                    .await
            }
            async fn sleep($d: ::std::time::Duration) {
                $sleep.await;
            }
        }

        $crate::runtime_suite!($name);

        /// The typed stream (async runtimes only).
        #[test]
        fn typed_notification_stream() {
            $crate::suite::typed_stream::<$name>();
        }

        /// `upload_file` / `download_file` through the disk threads (async runtimes only).
        #[test]
        fn disk_transfers() {
            $crate::suite::disk_transfers::<$name>();
        }
    };
}

fn quiet(o: Options) -> Options {
    o.config(
        Config::server_query()
            .flood_limit(None)
            .keepalive(None)
            .response_timeout(Some(Duration::from_secs(5))),
    )
}

fn cmd(name: &str) -> Request {
    Request {
        command: Command::new(name),
        timeout: None,
    }
}

fn req(command: Command) -> Request {
    Request {
        command,
        timeout: None,
    }
}

/// Waits (up to 5 s) for the simulator's session count to reach `n`.
fn wait_sessions(sim: &Sim, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.sessions() != n {
        assert!(
            Instant::now() < deadline,
            "sessions: {} != {n}",
            sim.sessions()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Login, `use`, the builder (options, pipes, first/all), a typed query error, events that
/// arrive during commands in order, the event timeout, `host`, `is_connected`, and `close`.
pub fn session<A: Adapter>(via: Via) {
    let sim = demo_sim(None);
    let t = target(&sim, via);
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.expect("connect");
        assert!(A::is_connected(&c));
        assert_eq!(A::host(&c), "127.0.0.1");
        let me = A::first(&mut c, "whoami", &[])
            .await
            .unwrap()
            .expect("whoami item");
        assert_eq!(me.str("client_login_name").unwrap(), "serveradmin");
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        let clients = A::all(&mut c, "clientlist", &[]).await.unwrap();
        assert_eq!(clients.len(), 5);
        let ids: Vec<u32> = clients
            .iter()
            .filter(|c| c.str("client_type").as_deref() == Some("0"))
            .map(|c| c.parse("clid").unwrap())
            .collect();
        let pipes = Command::new("clientinfo")
            .param("clid", ids[0])
            .pipe()
            .param("clid", ids[1]);
        assert_eq!(A::exec(&mut c, req(pipes)).await.unwrap().len(), 2);
        match A::exec(&mut c, req(Command::new("channelinfo").param("cid", 999))).await {
            Err(Error::Query(q)) => {
                assert_eq!(
                    (q.id(), q.msg().into_owned()),
                    (768, "invalid channelID".into())
                )
            }
            other => panic!("{other:?}"),
        }
        // An empty result (1281) is no item / no items.
        assert!(A::first(&mut c, "clientfind", &[("pattern", "nobody")])
            .await
            .unwrap()
            .is_none());
        assert!(A::all(&mut c, "clientfind", &[("pattern", "nobody")])
            .await
            .unwrap()
            .is_empty());

        A::exec(
            &mut c,
            req(Command::new("servernotifyregister").param("event", "server")),
        )
        .await
        .unwrap();
        let clid = sim.add_client("Early", 1).unwrap();
        sim.move_client(clid, 2).unwrap();
        // Commands in between: the events wait, in order.
        A::exec(&mut c, cmd("version")).await.unwrap();
        let five = Some(Duration::from_secs(5));
        assert_eq!(
            A::wait_for_event(&mut c, five).await.unwrap().name(),
            "notifycliententerview"
        );
        assert_eq!(
            A::wait_for_event(&mut c, five).await.unwrap().name(),
            "notifyclientmoved"
        );
        let start = Instant::now();
        assert!(matches!(
            A::wait_for_event(&mut c, Some(Duration::from_millis(200))).await,
            Err(Error::Timeout)
        ));
        assert!(start.elapsed() >= Duration::from_millis(190));

        A::close_within(&mut c, Duration::from_secs(5))
            .await
            .expect("close");
        assert!(!A::is_connected(&c));
        assert!(matches!(
            A::exec(&mut c, cmd("version")).await,
            Err(Error::Closed(CloseReason::Quit))
        ));
        A::close_within(&mut c, Duration::from_secs(5))
            .await
            .expect("closing twice is fine");
    });
    wait_sessions(&sim, 0);
}

/// The automatic keepalive holds a connection the server would drop after 800 ms idle. On
/// the blocking runtime it can only go out inside a call, so the suite waits in one.
pub fn keepalive<A: Adapter>(via: Via) {
    let sim = Sim::start(SimConfig {
        idle_timeout: Some(Duration::from_millis(800)),
        flood: None,
        password: "pa:ss@word".into(),
        ..SimConfig::default()
    })
    .expect("sim");
    let t = target(&sim, via);
    A::block_on(async {
        let config = Config::server_query()
            .keepalive(Some(Duration::from_millis(250)))
            .flood_limit(None);
        let mut c = A::connect(t.options.clone().config(config)).await.unwrap();
        assert!(matches!(
            A::wait_for_event(&mut c, Some(Duration::from_secs(2))).await,
            Err(Error::Timeout)
        ));
        A::exec(&mut c, cmd("version"))
            .await
            .expect("still connected");
    });
}

/// `send_keepalive` by hand holds the connection with the automatic keepalive off.
pub fn send_keepalive_on_demand<A: Adapter>() {
    let sim = Sim::start(SimConfig {
        idle_timeout: Some(Duration::from_millis(800)),
        flood: None,
        password: "pw".into(),
        ..SimConfig::default()
    })
    .expect("sim");
    let uri = format!("telnet://serveradmin:pw@{}", sim.query_addr());
    A::block_on(async {
        let o = Options::from_uri(&uri, Mode::ServerQuery).unwrap();
        let mut c = A::connect(quiet(o)).await.unwrap();
        for _ in 0..5 {
            let _ = A::wait_for_event(&mut c, Some(Duration::from_millis(300))).await;
            A::send_keepalive(&mut c).await.expect("keepalive sent");
        }
        A::exec(&mut c, cmd("version"))
            .await
            .expect("still connected after 1.5 s");
    });
}

/// 25 commands against a server allowing 10 per second, retries off: paced, none refused.
pub fn flood_pacing<A: Adapter>(via: Via) {
    let sim = demo_sim(Some((10, Duration::from_secs(1))));
    let t = target(&sim, via);
    A::block_on(async {
        let limit = FloodLimit {
            commands: 10,
            window: Duration::from_secs(1),
            margin: Duration::from_millis(100),
        };
        let config = Config::server_query()
            .flood_limit(Some(limit))
            .flood_retries(0);
        let mut c = A::connect(t.options.clone().config(config)).await.unwrap();
        let start = Instant::now();
        for _ in 0..25 {
            A::exec(&mut c, cmd("version")).await.expect("never 524");
        }
        assert!(
            start.elapsed() >= Duration::from_millis(1500),
            "{:?}",
            start.elapsed()
        );
    });
}

/// The server drops every connection: the runtime reconnects, replays login, `use` and the
/// event subscription, and says so.
pub fn reconnect<A: Adapter>(via: Via) {
    let sim = demo_sim(None);
    let t = target(&sim, via);
    A::block_on(async {
        let policy = Reconnect {
            attempts: 5,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
        };
        let mut c = A::connect(quiet(t.options.clone()).reconnect(Some(policy)))
            .await
            .unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        A::exec(
            &mut c,
            req(Command::new("servernotifyregister").param("event", "server")),
        )
        .await
        .unwrap();
        sim.drop_connections();
        A::sleep(Duration::from_millis(300)).await;
        let me = A::exec(&mut c, cmd("whoami")).await.expect("reconnected");
        assert_eq!(
            me.first().unwrap().str("virtualserver_status").unwrap(),
            "online",
            "use replayed"
        );
        let notices = A::take_reconnects(&mut c);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].failed.is_empty(), "{notices:?}");
        sim.add_client("Back", 1).unwrap();
        let e = A::wait_for_event(&mut c, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(e.name(), "notifycliententerview", "subscription replayed");
    });
}

/// ClientQuery: `auth` from the options, `use`, events with `schandlerid`, 1796 before auth.
pub fn client_query<A: Adapter>() {
    let sim = demo_sim(None);
    let uri = format!("telnet://{}", sim.client_query_addr());
    A::block_on(async {
        let o = Options::from_uri(&uri, Mode::ClientQuery)
            .unwrap()
            .config(Config::client_query().keepalive(None))
            .apikey("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");
        let mut c = A::connect(o).await.unwrap();
        assert_eq!(A::schandlerid(&c), Some(1));
        A::exec(&mut c, cmd("use")).await.unwrap();
        let register = Command::new("clientnotifyregister")
            .param("schandlerid", 1)
            .param("event", "any");
        A::exec(&mut c, req(register)).await.unwrap();
        for muted in [true, false] {
            let update = Command::new("clientupdate").param("client_input_muted", muted);
            A::exec(&mut c, req(update)).await.unwrap();
            let e = A::wait_for_event(&mut c, Some(Duration::from_secs(5)))
                .await
                .unwrap();
            assert_eq!(e.name(), "notifyclientupdated");
            let item = e.first().unwrap();
            assert_eq!(item.str("schandlerid").unwrap(), "1");
            assert_eq!(
                item.str("client_input_muted").unwrap(),
                if muted { "1" } else { "0" }
            );
        }
        let fresh = Options::from_uri(&uri, Mode::ClientQuery).unwrap();
        let mut f = A::connect(fresh).await.unwrap();
        assert_eq!(
            A::exec(&mut f, cmd("whoami")).await.unwrap_err().query_id(),
            Some(1796)
        );
        let auth = Command::new("auth").param("apikey", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");
        A::exec(&mut f, req(auth)).await.unwrap();
        A::exec(&mut f, cmd("whoami")).await.unwrap();
    });
}

/// Nobody listening: the I/O error.
pub fn fault_connection_refused<A: Adapter>() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = Options::from_uri(&format!("telnet://127.0.0.1:{port}"), Mode::ServerQuery).unwrap();
    match A::block_on(A::connect(o)) {
        Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("connected to nobody"),
    }
}

/// A wrong password: error 520 from `connect`.
pub fn fault_wrong_password<A: Adapter>() {
    let sim = demo_sim(None);
    let uri = format!("telnet://serveradmin:wrong@{}", sim.query_addr());
    let o = Options::from_uri(&uri, Mode::ServerQuery).unwrap();
    match A::block_on(A::connect(o)) {
        Err(e) => assert_eq!(e.query_id(), Some(520), "{e:?}"),
        Ok(_) => panic!("logged in with a wrong password"),
    }
}

/// The server closes in the middle of a response: that command gets `ConnectionClosed` (it
/// may or may not have run), the next one `Closed(Eof)`.
pub fn fault_server_closes_mid_response<A: Adapter>() {
    let addr = fake_server(SERVER_GREETING, |mut s| {
        read_until(&mut s, b"\n");
        let _ = s.write_all(b"clid=1 client_nickname=Ben|clid=2 client_nick");
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
        let mut c = A::connect(o).await.unwrap();
        match A::exec(&mut c, cmd("clientlist")).await {
            Err(Error::Request(RequestError::ConnectionClosed)) => {}
            other => panic!("{other:?}"),
        }
        match A::exec(&mut c, cmd("version")).await {
            Err(Error::Closed(CloseReason::Eof)) => {}
            other => panic!("{other:?}"),
        }
    });
}

/// A reset in the middle of a response keeps its I/O error, for that command and after.
pub fn fault_reset_mid_response<A: Adapter>() {
    let addr = fake_server(SERVER_GREETING, |mut s| {
        // The command arrives and is never read: closing with unread data makes the kernel
        // send a reset instead of a clean end of stream.
        std::thread::sleep(Duration::from_millis(300));
        let _ = s.write_all(b"clid=1 client_nickname=Ben|clid=2 client_nick");
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
        let mut c = A::connect(quiet(o)).await.unwrap();
        let first = A::exec(&mut c, cmd("clientlist")).await;
        let reset = |e: &Error| matches!(e, Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionReset);
        match &first {
            Err(e) if reset(e) => {}
            other => panic!("{other:?}"),
        }
        match A::exec(&mut c, cmd("version")).await {
            Err(e) if reset(&e) => {}
            other => panic!("{other:?}"),
        }
    });
}

/// No response within the connection's response timeout.
pub fn fault_response_timeout<A: Adapter>() {
    let addr = fake_server(SERVER_GREETING, |s| {
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
            .unwrap()
            .config(Config::server_query().response_timeout(Some(Duration::from_millis(300))));
        let mut c = A::connect(o).await.unwrap();
        let start = Instant::now();
        match A::exec(&mut c, cmd("version")).await {
            Err(Error::Request(RequestError::Timeout(t))) => {
                assert_eq!(t, Duration::from_millis(300))
            }
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(2));
    });
}

/// `query(..).timeout(d)`: one command's own timeout, shorter than the connection's.
pub fn per_command_timeout<A: Adapter>() {
    let addr = fake_server(SERVER_GREETING, |s| {
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
        let mut c = A::connect(o).await.unwrap();
        let start = Instant::now();
        let r = Request {
            command: Command::new("version"),
            timeout: Some(Duration::from_millis(200)),
        };
        match A::exec(&mut c, r).await {
            Err(Error::Request(RequestError::Timeout(t))) => {
                assert_eq!(t, Duration::from_millis(200))
            }
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(2));
    });
}

/// An HTTP server's reply, then the end: refused as not TS3, not an end of stream.
pub fn fault_http_peer<A: Adapter>() {
    let addr = fake_server(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        drop,
    );
    let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
    match A::block_on(A::connect(o)) {
        Err(e) => assert!(e.is_not_ts3(), "{e:?}"),
        Ok(_) => panic!("an HTTP server is not a query interface"),
    }
}

/// An SSH server's banner on the raw port, the connection held open: refused at once, not
/// after the connect timeout.
pub fn fault_ssh_banner<A: Adapter>() {
    let addr = fake_server(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", |s| {
        std::thread::sleep(Duration::from_secs(5));
        drop(s);
    });
    let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
        .unwrap()
        .connect_timeout(Duration::from_secs(4));
    let start = Instant::now();
    match A::block_on(A::connect(o)) {
        Err(e) => assert!(e.is_not_ts3(), "{e:?}"),
        Ok(_) => panic!("an SSH server is not a raw query interface"),
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

/// SSH without a login is invalid options, on every runtime.
pub fn fault_ssh_without_login<A: Adapter>() {
    let o = Options::new(Mode::ServerQuery, Transport::Ssh, "127.0.0.1", 1);
    assert!(matches!(
        A::block_on(A::connect(o)),
        Err(Error::InvalidOptions(_))
    ));
}

/// A configuration made for the other interface is adjusted, keeping its settings (here a
/// 300 ms response timeout, against a silent ClientQuery peer), not replaced by defaults; one
/// that cannot be adjusted is refused.
pub fn mode_mismatch<A: Adapter>() {
    let addr = fake_server(CLIENT_GREETING, |s| {
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ClientQuery)
            .unwrap()
            .config(Config::server_query().response_timeout(Some(Duration::from_millis(300))));
        let mut c = A::connect(o).await.expect("adjusted to ClientQuery");
        assert_eq!(A::schandlerid(&c), Some(1));
        match A::exec(&mut c, cmd("whoami")).await {
            Err(Error::Request(RequestError::Timeout(t))) => {
                assert_eq!(t, Duration::from_millis(300))
            }
            other => panic!("the configuration's timeout was kept: {other:?}"),
        }
        let custom = Config::server_query()
            .keepalive_command(Command::new("whoami"))
            .unwrap();
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ClientQuery)
            .unwrap()
            .config(custom);
        assert!(matches!(A::connect(o).await, Err(Error::InvalidOptions(_))));
    });
}

/// A peer that never acknowledges `quit` and keeps sending events: `close` gives up after its
/// bound with `Timeout`, the same on every runtime.
pub fn close_bounded<A: Adapter>() {
    let addr = fake_server(SERVER_GREETING, |mut s| {
        read_until(&mut s, b"quit\n");
        for _ in 0..300 {
            if s.write_all(b"notifycliententerview clid=9 client_nickname=x\n\r")
                .is_err()
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
        let mut c = A::connect(quiet(o)).await.unwrap();
        let start = Instant::now();
        assert!(matches!(
            A::close_within(&mut c, Duration::from_millis(300)).await,
            Err(Error::Timeout)
        ));
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert!(!A::is_connected(&c));
    });
}

/// A truncated line at the end of the stream loses nothing else and is counted.
pub fn warnings_counted<A: Adapter>() {
    let addr = fake_server(SERVER_GREETING, |mut s| {
        read_until(&mut s, b"version\n");
        let _ = s.write_all(b"version=3.13.7 build=1\n\rerror id=0 msg=ok\n\rnotifytextmessage targetmode=3 msg=cut");
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
        let mut c = A::connect(quiet(o)).await.unwrap();
        let v = A::exec(&mut c, cmd("version")).await.unwrap();
        assert_eq!(v.first().unwrap().str("version").unwrap(), "3.13.7");
        assert!(matches!(
            A::wait_for_event(&mut c, Some(Duration::from_secs(5))).await,
            Err(Error::Closed(CloseReason::Eof))
        ));
        assert_eq!(A::warnings(&c), 1);
    });
}

/// Typed notifications (one per item, in order, a malformed one reported with its raw event
/// and the stream going on) and typed results, against the simulator and a scripted server.
pub fn typed_layer<A: Adapter>() {
    use ts3q::typed::events::{Notification as N, Reason};
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        for event in ["server", "textserver"] {
            A::exec(
                &mut c,
                req(Command::new("servernotifyregister").param("event", event)),
            )
            .await
            .unwrap();
        }
        let clid = sim.add_client("Typed Tester", 1).unwrap();
        sim.send_text(clid, 3, 0, "hi | all\\");
        sim.remove_client(clid);
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let n = A::wait_for_notification(&mut c, Some(Duration::from_secs(5)))
                .await
                .unwrap();
            seen.push(n.notification);
        }
        assert!(
            matches!(&seen[0], N::ClientEnterView(e) if e.clid == clid && e.client_nickname == "Typed Tester")
        );
        assert!(
            matches!(&seen[1], N::TextMessage(m) if m.msg == "hi | all\\" && m.invoker.id == Some(clid))
        );
        assert!(
            matches!(&seen[2], N::ClientLeftView(l) if l.clid == clid && l.reasonid == Reason::Disconnect)
        );

        let clients = A::clients_typed(&mut c, &["uid", "away", "groups"])
            .await
            .unwrap();
        assert!(clients.len() >= 2);
        assert!(clients.iter().all(|c| c.client_unique_identifier.is_some()
            && c.client_away.is_some()
            && c.client_servergroups.is_some()));
        assert!(
            clients.iter().all(|c| c.client_country.is_none()),
            "no -country asked"
        );
    });

    // Several items in one event, then a malformed one, then a good one: nothing is lost.
    let addr = fake_server(SERVER_GREETING, |mut s| {
        read_until(&mut s, b"version\n");
        let _ = s.write_all(
            b"version=3.13.7 build=1 platform=Linux\n\r\
              error id=0 msg=ok\n\r\
              notifyclientmoved ctid=4 reasonid=1 invokerid=2 clid=5|clid=6\n\r\
              notifyclientmoved ctid=oops reasonid=0 clid=7\n\r\
              notifychanneldeleted invokerid=0 invokername=Server invokeruid cid=4\n\r",
        );
        std::thread::sleep(Duration::from_secs(2));
    });
    A::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery).unwrap();
        let mut c = A::connect(quiet(o)).await.unwrap();
        A::exec(&mut c, cmd("version")).await.unwrap();
        let wait = Some(Duration::from_secs(5));
        for clid in [5, 6] {
            let n = A::wait_for_notification(&mut c, wait).await.unwrap();
            assert!(
                matches!(n.notification, N::ClientMoved(ref m) if m.clid == clid && m.ctid == 4 && m.invoker.id == Some(2)),
                "{n:?}"
            );
        }
        match A::wait_for_notification(&mut c, wait).await {
            Err(Error::Notification(e)) => {
                assert_eq!(e.raw.name(), "notifyclientmoved");
                assert!(e.to_string().contains("ctid"));
            }
            other => panic!("{other:?}"),
        }
        let n = A::wait_for_notification(&mut c, wait).await.unwrap();
        assert!(
            matches!(n.notification, N::ChannelDeleted(ref d) if d.cid == 4),
            "{n:?}"
        );
    });
}

/// The async runtimes' typed stream (`notifications()`): one notification per item, in order.
/// Run it from an async runtime's own tests (the blocking runtime has no stream).
pub fn typed_stream<A: AsyncAdapter>() {
    use futures_lite::{FutureExt, StreamExt};
    use ts3q::typed::events::{Notification as N, Reason};
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    A::block_on(async {
        let c = A::connect(quiet(t.options.clone())).await.unwrap();
        c.exec(Command::new("use").param("sid", 1)).await.unwrap();
        c.exec(Command::new("servernotifyregister").param("event", "server"))
            .await
            .unwrap();
        let clid = sim.add_client("Streamed", 1).unwrap();
        sim.move_client(clid, 2).unwrap();
        sim.remove_client(clid);
        let mut stream = std::pin::pin!(c.notifications());
        let mut got = Vec::new();
        while got.len() < 3 {
            let next = async { stream.next().await }
                .or(async {
                    A::sleep(Duration::from_secs(5)).await;
                    None
                })
                .await
                .expect("a notification within 5 s")
                .expect("it reads");
            got.push(next.notification);
        }
        assert!(
            matches!(&got[0], N::ClientEnterView(e) if e.clid == clid && e.client_nickname == "Streamed")
        );
        assert!(matches!(&got[1], N::ClientMoved(m) if m.clid == clid && m.ctid == 2));
        assert!(
            matches!(&got[2], N::ClientLeftView(l) if l.clid == clid && l.reasonid == Reason::Disconnect)
        );
    });
}

/// Dropping the connection sends `quit`.
pub fn dropping_closes<A: Adapter>() {
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    A::block_on(async {
        let c = A::connect(quiet(t.options.clone())).await.unwrap();
        wait_sessions(&sim, 1);
        drop(c);
        // The async runtimes' driver needs its executor to run on to send it.
        for _ in 0..250 {
            if sim.sessions() == 0 {
                break;
            }
            A::sleep(Duration::from_millis(20)).await;
        }
    });
    wait_sessions(&sim, 0);
}

fn scratch_dir(sim: &Sim) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ts3q-suite-ft-{}-{}",
        std::process::id(),
        sim.query_addr().port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Pseudo-random bytes (xorshift), so that a shifted or repeated block cannot pass.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Whether two files hold the same bytes, compared in fixed chunks (no whole-file buffer).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(mut a), Ok(mut b)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x).unwrap_or(0);
        if n == 0 {
            return b.read(&mut y).unwrap_or(0) == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

/// Round trips with real files of 0 bytes, 1 byte, 1 MiB and 100 MiB (streamed through
/// fixed buffers): byte-identical, with progress reported from 0 to the size, throttled.
pub fn file_transfer_round_trips<A: Adapter>() {
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    let dir = scratch_dir(&sim);
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        for (i, size) in [0usize, 1, 1 << 20, 100 << 20].into_iter().enumerate() {
            let src = dir.join(format!("up{i}.bin"));
            std::fs::write(&src, bytes(size, i as u64)).unwrap();
            let name = format!("/round{i}.bin");
            let mut reports = Vec::new();
            let started = Instant::now();
            let up = A::upload(&mut c, &src, &Upload::new(&name, 1), &mut reports).await;
            assert_eq!(up.unwrap(), size as u64);
            let took = started.elapsed();
            let (first, last) = (reports[0], reports[reports.len() - 1]);
            assert_eq!(
                (first.done, last.done, last.total),
                (0, size as u64, size as u64)
            );
            let every = crate::transfer::PROGRESS_EVERY.as_millis();
            let most = 3 + (took.as_millis() / every) as usize;
            assert!(
                reports.len() <= most,
                "{} reports in {took:?}",
                reports.len()
            );
            let dst = dir.join(format!("down{i}.bin"));
            reports.clear();
            let down = A::download(&mut c, &dst, &Download::new(&name, 1), &mut reports).await;
            assert_eq!(down.unwrap(), size as u64);
            assert_eq!(reports.last().map(|r| r.done), Some(size as u64));
            assert!(same_file(&src, &dst), "{size} bytes came back identical");
            let _ = std::fs::remove_file(&dst);
            let _ = std::fs::remove_file(&src);
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// The simulator cuts transfers after 300 000 bytes: the error says how far each got, an
/// upload resumes from what the server has, a download from what the file has, and both end
/// byte-identical.
pub fn file_transfer_resumes_after_a_cut<A: Adapter>() {
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    let dir = scratch_dir(&sim);
    let data = bytes(1 << 20, 77);
    let src = dir.join("cut.bin");
    std::fs::write(&src, &data).unwrap();
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        let mut reports = Vec::new();
        sim.cut_transfers_after(Some(300_000));
        match A::upload(&mut c, &src, &Upload::new("/cut.bin", 1), &mut reports).await {
            Err(Error::TransferInterrupted { expected, .. }) => assert_eq!(expected, 1 << 20),
            Err(Error::Transfer(FtError::Incomplete { done, expected })) => {
                assert_eq!((done, expected), (300_000, 1 << 20))
            }
            other => panic!("a cut upload is an error that says how far it got: {other:?}"),
        }
        assert_eq!(sim.file(1, "/cut.bin").map(|f| f.len()), Some(300_000));
        sim.cut_transfers_after(None);
        let resumed = Upload::new("/cut.bin", 1).resume(true);
        assert_eq!(
            A::upload(&mut c, &src, &resumed, &mut reports)
                .await
                .unwrap(),
            1 << 20
        );
        assert!(
            sim.file(1, "/cut.bin") == Some(data.clone()),
            "resumed upload is identical"
        );

        // A download the server ends early, continued from the size the file has.
        sim.cut_transfers_after(Some(300_000));
        let dst = dir.join("cut-down.bin");
        match A::download(&mut c, &dst, &Download::new("/cut.bin", 1), &mut reports).await {
            Err(Error::Transfer(FtError::Incomplete { done, expected })) => {
                assert_eq!((done, expected), (300_000, 1 << 20))
            }
            other => panic!("{other:?}"),
        }
        sim.cut_transfers_after(None);
        let have = std::fs::metadata(&dst).unwrap().len();
        assert_eq!(have, 300_000);
        let rest = Download::new("/cut.bin", 1).seekpos(have);
        assert_eq!(
            A::download(&mut c, &dst, &rest, &mut reports)
                .await
                .unwrap(),
            1 << 20
        );
        assert!(same_file(&src, &dst), "continued download is identical");
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// Each refusal, typed: a missing file (2051), an existing one without overwrite (2050), a
/// bad channel (768), and a key the transfer port does not take (wrong, used, expired).
pub fn file_transfer_refusals<A: Adapter>() {
    let sim = Sim::start(SimConfig {
        demo: true,
        flood: None,
        password: "pa:ss@word".into(),
        ft_key_ttl_secs: 1,
        ..SimConfig::default()
    })
    .expect("sim");
    let t = target(&sim, Via::Tcp);
    let dir = scratch_dir(&sim);
    let src = dir.join("small.bin");
    std::fs::write(&src, bytes(1000, 3)).unwrap();
    let dst = dir.join("out.bin");
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        let mut r = Vec::new();
        let missing = Download::new("/missing", 1);
        let e = A::download(&mut c, &dst, &missing, &mut r)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Transfer(FtError::Refused { status: 2051, .. })),
            "{e:?}"
        );
        assert_eq!(e.query_id(), Some(2051));
        A::upload(&mut c, &src, &Upload::new("/small.bin", 1), &mut r)
            .await
            .unwrap();
        let keep = Upload::new("/small.bin", 1).overwrite(false);
        let e = A::upload(&mut c, &src, &keep, &mut r).await.unwrap_err();
        assert_eq!(e.query_id(), Some(2050), "{e:?}");
        let nowhere = Download::new("/x", 999);
        let e = A::download(&mut c, &dst, &nowhere, &mut r)
            .await
            .unwrap_err();
        assert_eq!(e.query_id(), Some(768), "{e:?}");

        let ft = sim.ft_addr();
        let host = ft.ip().to_string();
        let whole = Progress::download(1000, 0);
        let wrong = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        let e = A::download_by_key(&dst, &host, ft.port(), wrong, whole)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Transfer(FtError::KeyRefused)),
            "wrong key: {e:?}"
        );
        let plan = A::init_download(&mut c, &Download::new("/small.bin", 1))
            .await
            .unwrap();
        let key = plan.ticket.key.clone();
        let got = A::download_by_key(&dst, &host, ft.port(), &key, plan.progress).await;
        assert_eq!(got.unwrap(), 1000);
        let e = A::download_by_key(&dst, &host, ft.port(), &key, plan.progress)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Transfer(FtError::KeyRefused)),
            "used key: {e:?}"
        );
        let plan = A::init_download(&mut c, &Download::new("/small.bin", 1))
            .await
            .unwrap();
        A::sleep(Duration::from_millis(1300)).await;
        let key = plan.ticket.key.clone();
        let e = A::download_by_key(&dst, &host, ft.port(), &key, plan.progress)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Transfer(FtError::KeyRefused)),
            "expired key: {e:?}"
        );
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// Wrong SSH password: `SshAuth`; a pinned key that does not match: `HostKeyMismatch`.
pub fn fault_ssh_auth_failure<A: Adapter>() {
    let sim = demo_sim(None);
    let bin = ts3_sim::ssh::bridge_binary().expect("ts3-sim binary");
    let ssh =
        ts3_sim::ssh::SshBridge::start(&bin, sim.query_addr(), "serveradmin", &sim.password())
            .expect("sshd (needs root and openssh-server)");
    A::block_on(async {
        let o = Options::from_uri(
            &format!("ssh://serveradmin:wrong@{}", ssh.addr()),
            Mode::ServerQuery,
        )
        .unwrap()
        .host_key(crate::HostKeyCheck::AcceptAny);
        assert!(matches!(A::connect(o).await, Err(Error::SshAuth)));
        let o = Options::new(
            Mode::ServerQuery,
            Transport::Ssh,
            "127.0.0.1",
            ssh.addr().port(),
        )
        .login("serveradmin", &sim.password())
        .host_key(crate::HostKeyCheck::Sha256([7; 32]));
        match A::connect(o).await {
            Err(Error::HostKeyMismatch { fingerprint, .. }) => {
                assert_eq!(
                    fingerprint,
                    ssh.host_key_sha256().unwrap(),
                    "the error names the key"
                )
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("a wrong pinned key was accepted"),
        }
    });
}

/// The right key, pinned or from a known_hosts file, is accepted; another is refused.
pub fn ssh_host_keys<A: Adapter>() {
    let sim = demo_sim(None);
    let bin = ts3_sim::ssh::bridge_binary().expect("ts3-sim binary");
    let ssh =
        ts3_sim::ssh::SshBridge::start(&bin, sim.query_addr(), "serveradmin", &sim.password())
            .expect("sshd (needs root and openssh-server)");
    let fp = crate::parse_sha256_fingerprint(&ssh.host_key_sha256().unwrap()).expect("fingerprint");
    let known = std::env::temp_dir().join(format!(
        "ts3q-known-hosts-{}-{}",
        std::process::id(),
        ssh.addr().port()
    ));
    std::fs::write(&known, ssh.known_hosts_line().unwrap()).unwrap();
    let options = |check| {
        Options::new(
            Mode::ServerQuery,
            Transport::Ssh,
            "127.0.0.1",
            ssh.addr().port(),
        )
        .login("serveradmin", &sim.password())
        .host_key(check)
    };
    A::block_on(async {
        for check in [
            crate::HostKeyCheck::Sha256(fp),
            crate::HostKeyCheck::KnownHosts(known.clone()),
        ] {
            let mut c = A::connect(options(check))
                .await
                .expect("the right key is accepted");
            A::exec(&mut c, cmd("version")).await.unwrap();
        }
        // Another key for this host and port: changed, possibly a man in the middle.
        let other =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        let line = format!("[127.0.0.1]:{} {other}\n", ssh.addr().port());
        std::fs::write(&known, line).unwrap();
        assert!(matches!(
            A::connect(options(crate::HostKeyCheck::KnownHosts(known.clone()))).await,
            Err(Error::HostKeyMismatch { .. })
        ));
        // The default: the user's known_hosts, where this fresh key is not.
        assert!(matches!(
            A::connect(options(crate::HostKeyCheck::default())).await,
            Err(Error::HostKeyUnknown { .. })
        ));
        // Not listed at all: unknown, with the fingerprint to pin and how.
        std::fs::write(&known, "").unwrap();
        match A::connect(options(crate::HostKeyCheck::KnownHosts(known.clone()))).await {
            Err(e @ Error::HostKeyUnknown { .. }) => {
                let text = e.to_string();
                assert!(text.contains(&ssh.host_key_sha256().unwrap()), "{text}");
                assert!(text.contains("HostKeyCheck::Sha256"), "{text}");
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("an unknown key was accepted"),
        }
    });
    let _ = std::fs::remove_file(known);
}

/// How long the flood tests flood, and how fast (the issue's hostile server: a million
/// events a second; `benches/compare` measures 10 s of it).
const FLOOD: Duration = Duration::from_secs(2);
const FLOOD_RATE: u32 = 1_000_000;
/// Growth allowed while flooding: the queue's 10 000 events and buffers, with room for the
/// other tests of this process. An unbounded queue grows by hundreds of MB in 2 s.
const FLOOD_GROWTH: u64 = 96 << 20;

fn flood_options(overflow: Overflow) -> Options {
    let addr = flood_server(FLOOD_RATE, FLOOD);
    // With back-pressure a command waits behind the full queue until its timeout; with
    // drop-oldest it waits only behind the bytes in flight, which on a loaded machine with a
    // debug build can take a while.
    let timeout = match overflow {
        Overflow::BackPressure => Duration::from_millis(500),
        Overflow::DropOldest => Duration::from_secs(20),
    };
    Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
        .unwrap()
        .config(
            Config::server_query()
                .flood_limit(None)
                .keepalive(None)
                .response_timeout(Some(timeout)),
        )
        .events(EventQueue {
            capacity: 10_000,
            overflow,
        })
}

/// A server floods events at a client that runs a command every 100 ms and reads no event:
/// with `DropOldest` commands go on, memory stays flat, and the next event read reports how
/// many were dropped.
pub fn flood_drop_oldest<A: Adapter>() {
    A::block_on(async {
        let mut c = A::connect(flood_options(Overflow::DropOldest))
            .await
            .unwrap();
        let before = resident_bytes();
        let start = Instant::now();
        let mut answered = 0;
        while start.elapsed() < FLOOD {
            A::exec(&mut c, cmd("version"))
                .await
                .expect("commands go on during the flood");
            answered += 1;
            A::sleep(Duration::from_millis(100)).await;
        }
        let grown = resident_bytes().saturating_sub(before);
        eprintln!(
            "{} drop-oldest: {answered} commands answered, RSS +{} KiB",
            std::any::type_name::<A>(),
            grown >> 10
        );
        assert!(grown < FLOOD_GROWTH, "RSS grew by {} MiB", grown >> 20);
        match A::wait_for_event(&mut c, Some(Duration::from_secs(5))).await {
            Err(Error::EventsLost(n)) => assert!(n > 0),
            other => panic!("the loss is reported first: {other:?}"),
        }
        // Events still arriving may overflow again: each later loss is reported the same way.
        loop {
            match A::wait_for_event(&mut c, Some(Duration::from_secs(5))).await {
                Err(Error::EventsLost(n)) => assert!(n > 0),
                Ok(e) => break assert_eq!(e.name(), "notifytextmessage"),
                Err(other) => panic!("{other:?}"),
            }
        }
    });
}

/// The same flood with `BackPressure`: the client stops reading once 10 000 events wait,
/// memory stays flat, a command stuck behind the events says why, and taking events lets
/// the connection go on.
pub fn flood_back_pressure<A: Adapter>() {
    A::block_on(async {
        let mut c = A::connect(flood_options(Overflow::BackPressure))
            .await
            .unwrap();
        let before = resident_bytes();
        let start = Instant::now();
        let mut stuck = 0;
        while start.elapsed() < FLOOD {
            match A::exec(&mut c, cmd("version")).await {
                Ok(_) => {}
                Err(Error::EventQueueFull) => stuck += 1,
                Err(other) => panic!("{other:?}"),
            }
            A::sleep(Duration::from_millis(100)).await;
        }
        let grown = resident_bytes().saturating_sub(before);
        eprintln!(
            "{} back-pressure: {stuck} commands stuck, RSS +{} KiB",
            std::any::type_name::<A>(),
            grown >> 10
        );
        assert!(grown < FLOOD_GROWTH, "RSS grew by {} MiB", grown >> 20);
        assert!(stuck > 0, "a command waited behind the full queue");
        // Nothing was lost: the events come out in order, as many as the reader wants.
        for _ in 0..20_000 {
            let e = A::wait_for_event(&mut c, Some(Duration::from_secs(5)))
                .await
                .unwrap();
            assert_eq!(e.name(), "notifytextmessage");
        }
    });
}

/// The server drops every connection at random moments while 10 000 commands run (32 at a
/// time on the async runtimes), with reconnect on: every command gets exactly one answer, its
/// response or an error that says it may or may not have run; nothing hangs; the event
/// subscription made before the drops still delivers after them.
pub fn chaos<A: Adapter>() {
    let sim = std::sync::Arc::new(demo_sim(None));
    let t = target(&sim, Via::Tcp);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let policy = Reconnect {
        attempts: 20,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
    };
    let (ok, maybe, drops) = A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone()).reconnect(Some(policy)))
            .await
            .unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        A::exec(
            &mut c,
            req(Command::new("servernotifyregister").param("event", "server")),
        )
        .await
        .unwrap();
        let chaos = {
            let (sim, stop) = (sim.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut drops = 0u32;
                let mut seed = 0x9e37_79b9_u32;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    std::thread::sleep(Duration::from_millis(20 + u64::from(seed % 100)));
                    sim.drop_connections();
                    drops += 1;
                }
                drops
            })
        };
        let requests = (0..10_000u32)
            .map(|i| req(Command::new("clientinfo").param("clid", 1 + i % 4)))
            .collect();
        let started = Instant::now();
        let results = A::exec_all(&mut c, requests, 32).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let drops = chaos.join().expect("chaos thread");
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(results.len(), 10_000, "one answer per command");
        let (mut ok, mut maybe) = (0, 0);
        for r in results {
            match r {
                Ok(resp) => {
                    assert_eq!(resp.len(), 1);
                    ok += 1;
                }
                // In flight when the connection broke: it may or may not have run.
                Err(Error::Request(RequestError::ConnectionClosed)) | Err(Error::Io(_)) => {
                    maybe += 1
                }
                Err(other) => panic!("not an answer a dropped connection gives: {other:?}"),
            }
        }
        // After the storm: the session is back, and the subscription from before delivers.
        A::exec(&mut c, cmd("version")).await.expect("reconnected");
        sim.add_client("After the storm", 1).unwrap();
        loop {
            let e = A::wait_for_event(&mut c, Some(Duration::from_secs(5)))
                .await
                .expect("event");
            let nick = e
                .first()
                .and_then(|i| i.str("client_nickname").map(|n| n.into_owned()));
            if e.name() == "notifycliententerview" && nick.as_deref() == Some("After the storm") {
                break;
            }
        }
        assert!(!A::take_reconnects(&mut c).is_empty());
        (ok, maybe, drops)
    });
    eprintln!(
        "{}: {ok} answered, {maybe} may or may not have run, {drops} drops",
        std::any::type_name::<A>()
    );
    assert!(
        drops >= 3,
        "the connection was dropped under load ({drops} times)"
    );
    assert!(ok > 5_000, "most commands ran: {ok}");
}

/// Log records this process has emitted through `tracing` (the suite installs a global
/// subscriber that keeps them, so that records from driver tasks on other threads count).
fn logged() -> &'static std::sync::Mutex<Vec<String>> {
    static LOG: std::sync::OnceLock<std::sync::Mutex<Vec<String>>> = std::sync::OnceLock::new();
    let log = LOG.get_or_init(Default::default);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Keep(log));
    });
    log
}

/// A `tracing` subscriber that keeps each event as `LEVEL message field=value ...`.
struct Keep(&'static std::sync::Mutex<Vec<String>>);

impl tracing::Subscriber for Keep {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Line(String);
        impl tracing::field::Visit for Line {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write;
                let _ = match field.name() {
                    "message" => write!(self.0, " {value:?}"),
                    name => write!(self.0, " {name}={value:?}"),
                };
            }
        }
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Flood pacing holding commands back is counted and logged, not silent; commands log at
/// DEBUG with the password redacted.
pub fn pacing_visible<A: Adapter>() {
    let log = logged();
    let sim = demo_sim(Some((10, Duration::from_secs(1))));
    let t = target(&sim, Via::Tcp);
    A::block_on(async {
        let limit = FloodLimit {
            commands: 2,
            window: Duration::from_millis(300),
            margin: Duration::ZERO,
        };
        let config = Config::server_query()
            .flood_limit(Some(limit))
            .keepalive(None);
        let mut c = A::connect(t.options.clone().config(config)).await.unwrap();
        let requests = (0..6).map(|_| cmd("version")).collect();
        for r in A::exec_all(&mut c, requests, 6).await {
            r.expect("paced, not refused");
        }
        assert!(A::paced_waits(&c) >= 1, "holds counted");
    });
    let lines = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("INFO") && l.contains("flood pacing")),
        "a pacing hold is logged"
    );
    let logins: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("client_login_name"))
        .collect();
    assert!(!logins.is_empty(), "commands are logged at DEBUG");
    assert!(
        logins.iter().all(|l| l.contains("<redacted>")
            && !l.contains("pa:ss@word")
            && !l.contains("pa\\:ss")),
        "credentials never reach the log: {logins:?}"
    );
}

/// The other file commands: a directory made, a file listed, its info, renamed, deleted; a
/// granted transfer in `ftlist`, stopped with `ftstop` (its key then refused).
pub fn file_commands<A: Adapter>() {
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    let dir = scratch_dir(&sim);
    let src = dir.join("f.bin");
    std::fs::write(&src, bytes(4321, 9)).unwrap();
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.unwrap();
        A::exec(&mut c, req(Command::new("use").param("sid", 1)))
            .await
            .unwrap();
        assert!(
            A::files(&mut c, 1, "/").await.unwrap().is_empty(),
            "nothing yet"
        );
        A::exec(&mut c, req(files::create_dir(1, "", "/docs")))
            .await
            .unwrap();
        let mut r = Vec::new();
        A::upload(&mut c, &src, &Upload::new("/docs/a b.bin", 1), &mut r)
            .await
            .unwrap();
        let top = A::files(&mut c, 1, "/").await.unwrap();
        assert_eq!(top.len(), 1);
        assert!(top[0].is_dir && top[0].name == "docs", "{top:?}");
        let docs = A::files(&mut c, 1, "/docs").await.unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(
            (docs[0].name.as_str(), docs[0].size, docs[0].is_dir),
            ("a b.bin", 4321, false)
        );
        let info = A::file_info(&mut c, 1, "/docs/a b.bin").await.unwrap();
        assert_eq!(info.size, 4321);
        A::exec(
            &mut c,
            req(files::rename(1, "", "/docs/a b.bin", "/docs/c.bin")),
        )
        .await
        .unwrap();
        let e = A::file_info(&mut c, 1, "/docs/a b.bin").await.unwrap_err();
        assert_eq!(e.query_id(), Some(2051), "{e:?}");
        A::exec(&mut c, req(files::delete(1, "", &["/docs/c.bin"])))
            .await
            .unwrap();
        assert!(A::files(&mut c, 1, "/docs").await.unwrap().is_empty());

        assert!(A::transfers(&mut c).await.unwrap().is_empty());
        A::upload(&mut c, &src, &Upload::new("/g.bin", 1), &mut r)
            .await
            .unwrap();
        let plan = A::init_download(&mut c, &Download::new("/g.bin", 1))
            .await
            .unwrap();
        let running = A::transfers(&mut c).await.unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(
            (running[0].name.as_str(), running[0].serverftfid),
            ("g.bin", plan.ticket.serverftfid)
        );
        A::exec(&mut c, req(files::stop(plan.ticket.serverftfid, false)))
            .await
            .unwrap();
        let ft = sim.ft_addr();
        let host = ft.ip().to_string();
        let key = plan.ticket.key.clone();
        let e = A::download_by_key(&dir.join("g.bin"), &host, ft.port(), &key, plan.progress)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Transfer(FtError::KeyRefused)),
            "stopped: {e:?}"
        );
        let e = A::exec(&mut c, req(files::stop(plan.ticket.serverftfid, false)))
            .await
            .unwrap_err();
        assert_eq!(e.query_id(), Some(2053));
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// `upload_file` / `download_file` (async runtimes): a file of three blocks and a bit through
/// the disk threads, byte-identical with progress to the end; a download continued from a seek
/// position completes the file; a refused download leaves no file behind.
pub fn disk_transfers<A: AsyncAdapter>() {
    let sim = demo_sim(None);
    let t = target(&sim, Via::Tcp);
    let dir = scratch_dir(&sim);
    A::block_on(async {
        let mut c = A::connect(quiet(t.options.clone())).await.unwrap();
        c.exec(Command::new("use").param("sid", 1)).await.unwrap();
        let size = 3 * (1 << 20) + 12_345;
        let src = dir.join("disk-up.bin");
        std::fs::write(&src, bytes(size, 7)).unwrap();
        let mut reports = Vec::new();
        let up = A::upload_file(&mut c, &src, &Upload::new("/disk.bin", 1), &mut reports).await;
        assert_eq!(up.unwrap(), size as u64);
        assert_eq!(
            reports.last().map(|r| (r.done, r.total)),
            Some((size as u64, size as u64))
        );
        let dst = dir.join("disk-down.bin");
        reports.clear();
        let whole = Download::new("/disk.bin", 1);
        let down = A::download_file(&mut c, &dst, &whole, &mut reports).await;
        assert_eq!(down.unwrap(), size as u64);
        assert!(same_file(&src, &dst), "the file came back identical");
        // Cut the local copy short, then continue it from there.
        let keep = 1_500_000;
        let f = std::fs::OpenOptions::new().write(true).open(&dst).unwrap();
        f.set_len(keep).unwrap();
        drop(f);
        let rest = Download::new("/disk.bin", 1).seekpos(keep);
        reports.clear();
        let got = A::download_file(&mut c, &dst, &rest, &mut reports).await;
        assert_eq!(got.unwrap(), size as u64);
        assert!(
            same_file(&src, &dst),
            "the continued download completes the file"
        );
        // A refusal comes before the file is made.
        let none = dir.join("never.bin");
        let missing = Download::new("/no-such-file.bin", 1);
        let e = A::download_file(&mut c, &none, &missing, &mut reports)
            .await
            .unwrap_err();
        assert_eq!(e.query_id(), Some(2051), "{e}");
        assert!(!none.exists(), "a refused download created no file");
        let _ = std::fs::remove_file(&src);
        let _ = std::fs::remove_file(&dst);
    });
    let _ = std::fs::remove_dir_all(dir);
}
