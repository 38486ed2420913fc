//! # ts3-sim: a TeamSpeak 3 query and file transfer server in-process
//!
//! For tests, examples and bots: real TCP sockets on 127.0.0.1 speaking the ServerQuery and
//! ClientQuery text protocols byte for byte like a TeamSpeak 3 server (greeting, `\n\r` line
//! ends, escaping, error ids and messages, events, flood protection, idle timeout), plus the
//! file transfer port.
//!
//! ```text
//!  your bot / ts3q runtime / py-ts3 ──TCP──▶ query port ─┐
//!  TeamSpeak-client tools ───────────TCP──▶ ClientQuery ─┼─▶ World: channels, clients,
//!  file transfers ───────────────────TCP──▶ ft port ─────┘   files, subscriptions, flood
//!  sshd (ForceCommand `ts3-sim bridge`) ──▶ query port         ▲
//!  your test: sim.add_client(..), sim.play(script) ────────────┘ (events to subscribers)
//! ```
//!
//! ```
//! use std::io::{BufRead, BufReader, Write};
//! let sim = ts3_sim::Sim::start(ts3_sim::SimConfig::default()).unwrap();
//! let mut conn = std::net::TcpStream::connect(sim.query_addr()).unwrap();
//! let mut lines = BufReader::new(conn.try_clone().unwrap());
//! let mut line = String::new();
//! lines.read_line(&mut line).unwrap();
//! assert_eq!(line, "TS3\n");
//! conn.write_all(b"version\n").unwrap();
//! ```
//!
//! Commands, events and limits are listed in the crate's README.

#![deny(missing_docs)]

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use smol::{future, Async, Executor, Timer};

mod clock;
mod commands;
mod conn;
mod ft;

mod reply;
pub mod script;
pub use clock::Clock;
/// The command table: every command the simulator knows, on which interface, with what it needs.
pub use commands::{Needs, Spec, COMMANDS};
pub mod ssh;
pub mod testing;
mod world;

use conn::lock;
use ts3q::Mode;
use world::World;

/// Settings of a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on (default 127.0.0.1).
    pub listen: IpAddr,
    /// ServerQuery port (0 = pick one).
    pub query_port: u16,
    /// ClientQuery port (0 = pick one).
    pub client_query_port: u16,
    /// File transfer port (0 = pick one).
    pub ft_port: u16,
    /// Query login name (default `serveradmin`).
    pub login: String,
    /// Query login password.
    pub password: String,
    /// ClientQuery API key.
    pub apikey: String,
    /// Populate a few channels and voice clients.
    pub demo: bool,
    /// Flood limit: commands per window (default 10 per 3 s, like a real server); `None` = off.
    pub flood: Option<(u32, Duration)>,
    /// Refused commands (524) in a row before the address is banned (3329).
    pub flood_ban_after: u32,
    /// How long a flood ban lasts.
    pub flood_ban_time: Duration,
    /// Disconnect after this long without a command (`None` = never).
    pub idle_timeout: Option<Duration>,
    /// Longest accepted command line.
    pub max_line: usize,
    /// Lifetime of a file transfer key.
    pub ft_key_ttl_secs: u64,
    /// Cut every file transfer connection after this many bytes of file data (to test
    /// resuming); `None`: never.
    pub ft_cut_after: Option<u64>,
    /// Nickname of the ClientQuery side's own voice client.
    pub client_query_nickname: String,
    /// Query connections (ServerQuery and ClientQuery together) served at once; a connection
    /// beyond gets `error id=1027 msg=server\smaxclient\sreached` and is closed. `None`: no cap.
    pub max_connections: Option<usize>,
    /// Seed of the simulator's random choices (transfer keys, unique ids): the same seed gives
    /// the same values in the same order. `None`: seeded from the clock.
    pub seed: Option<u64>,
    /// Where the simulator's time comes from: the system clock (default), or
    /// [`Clock::manual`] for runs that replay to the second.
    pub clock: Clock,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            query_port: 0,
            client_query_port: 0,
            ft_port: 0,
            login: "serveradmin".into(),
            password: "secret".into(),
            apikey: "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF".into(),
            demo: false,
            flood: Some((10, Duration::from_secs(3))),
            flood_ban_after: 10,
            flood_ban_time: Duration::from_secs(600),
            idle_timeout: Some(Duration::from_secs(300)),
            max_line: 1 << 20,
            ft_key_ttl_secs: 60,
            ft_cut_after: None,
            client_query_nickname: "LocalUser".into(),
            max_connections: None,
            seed: None,
            clock: Clock::system(),
        }
    }
}

/// State shared by the event loop's tasks, the script players and the [`Sim`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    stop: AtomicBool,
}

impl Shared {
    fn disconnect_all(&self) {
        for h in lock(&self.world).sessions.values() {
            h.tx.disconnect();
        }
    }
}

/// A running simulator; stopped when dropped.
#[derive(Debug)]
pub struct Sim {
    shared: Arc<Shared>,
    query: SocketAddr,
    client_query: SocketAddr,
    ft: SocketAddr,
    /// Closed when the simulator stops: the event loop's threads return.
    stop: Option<smol::channel::Sender<()>>,
    event_loop: Option<JoinHandle<()>>,
}

/// A client as the simulator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientView {
    /// Client id.
    pub clid: u32,
    /// Channel id.
    pub cid: u32,
    /// Nickname.
    pub nickname: String,
    /// 0 voice, 1 query.
    pub client_type: u32,
}

impl Sim {
    /// Binds the three ports and starts serving.
    pub fn start(mut config: SimConfig) -> io::Result<Sim> {
        let query = TcpListener::bind((config.listen, config.query_port))?;
        let client_query = TcpListener::bind((config.listen, config.client_query_port))?;
        let ft = TcpListener::bind((config.listen, config.ft_port))?;
        config.ft_port = ft.local_addr()?.port();
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new(config)),
            stop: AtomicBool::new(false),
        });
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let mut sim = Sim {
            query: query.local_addr()?,
            client_query: client_query.local_addr()?,
            ft: ft.local_addr()?,
            shared: shared.clone(),
            stop: Some(stop),
            event_loop: None,
        };
        let listeners = [
            (Async::new(query)?, Some(Mode::ServerQuery)),
            (Async::new(client_query)?, Some(Mode::ClientQuery)),
            (Async::new(ft)?, None),
        ];
        let event_loop = std::thread::Builder::new()
            .name("ts3-sim".into())
            .spawn(move || event_loop(shared, listeners, stopped))?;
        sim.event_loop = Some(event_loop);
        Ok(sim)
    }

    /// The ServerQuery address.
    pub fn query_addr(&self) -> SocketAddr {
        self.query
    }

    /// The ClientQuery address.
    pub fn client_query_addr(&self) -> SocketAddr {
        self.client_query
    }

    /// The file transfer address.
    pub fn ft_addr(&self) -> SocketAddr {
        self.ft
    }

    /// The query login password.
    pub fn password(&self) -> String {
        lock(&self.shared.world).config.password.clone()
    }

    /// A simulated voice client joins channel `cid`; subscribers see it enter. Returns its clid.
    pub fn add_client(&self, nickname: &str, cid: u32) -> Option<u32> {
        let mut w = lock(&self.shared.world);
        w.channels
            .contains_key(&cid)
            .then(|| w.add_voice_client(nickname, cid))
    }

    /// A client disconnects (reason 8, "leaving").
    pub fn remove_client(&self, clid: u32) -> bool {
        lock(&self.shared.world).remove_client(clid, 8, "leaving", None)
    }

    /// A client switches channel by itself. Err carries the error id a query would get.
    pub fn move_client(&self, clid: u32, cid: u32) -> Result<(), u32> {
        lock(&self.shared.world)
            .move_client(clid, cid, None)
            .map_err(|r| r.id)
    }

    /// A client sends a text message: target mode 1 (client `target`), 2 (its channel), 3 (server).
    pub fn send_text(&self, from_clid: u32, targetmode: u32, target: u32, msg: &str) -> bool {
        let w = lock(&self.shared.world);
        match w.clients.get(&from_clid) {
            Some(from) => w.text_message(from, targetmode, target, msg),
            None => false,
        }
    }

    /// A client uses a privilege key (from `privilegekeyadd`): the key is spent, a server group
    /// key adds the client to its group, and `tokenused` subscribers get `notifytokenused`.
    /// False when the client or the key does not exist.
    pub fn use_token(&self, clid: u32, token: &str) -> bool {
        lock(&self.shared.world).use_token(clid, token)
    }

    /// Creates a channel (no event), returning its cid.
    pub fn add_channel(&self, name: &str, pid: u32) -> u32 {
        lock(&self.shared.world).add_channel(name, pid)
    }

    /// All clients.
    pub fn clients(&self) -> Vec<ClientView> {
        lock(&self.shared.world)
            .clients
            .values()
            .map(|c| ClientView {
                clid: c.clid,
                cid: c.cid,
                nickname: c.nickname.clone(),
                client_type: c.client_type,
            })
            .collect()
    }

    /// The stored bytes of a file.
    pub fn file(&self, cid: u32, name: &str) -> Option<Vec<u8>> {
        lock(&self.shared.world)
            .files
            .get(&cid)?
            .get(name)
            .filter(|f| !f.dir)
            .map(|f| f.data.to_vec())
    }

    /// Stores a file.
    pub fn put_file(&self, cid: u32, name: &str, data: Vec<u8>) {
        let mut w = lock(&self.shared.world);
        let datetime = w.unix();
        w.files.entry(cid).or_default().insert(
            name.into(),
            world::FileEntry {
                data: Arc::new(data),
                dir: false,
                datetime,
            },
        );
    }

    /// Drops every open query connection (as a server restart would).
    pub fn drop_connections(&self) {
        self.shared.disconnect_all();
    }

    /// Number of open query sessions.
    pub fn sessions(&self) -> usize {
        lock(&self.shared.world).sessions.len()
    }

    /// From now on, cut every file transfer connection after `bytes` bytes of file data
    /// (`None`: stop cutting), as a network failure in mid-transfer would.
    pub fn cut_transfers_after(&self, bytes: Option<u64>) {
        lock(&self.shared.world).config.ft_cut_after = bytes;
    }

    /// The simulator's clock (a clone: advancing it moves the simulator's time).
    pub fn clock(&self) -> Clock {
        lock(&self.shared.world).config.clock.clone()
    }

    /// Plays `script` on the caller's thread at once: each step's delay advances a manual clock
    /// instead of being waited for (with the system clock, delays are skipped). With a manual
    /// clock and a seed, two runs send the same events, byte for byte, in the same order.
    /// Returns how many steps took effect.
    pub fn play_now(&self, script: &script::Script) -> usize {
        let clock = self.clock();
        script
            .steps()
            .iter()
            .map(|(after, action)| {
                clock.advance(*after);
                usize::from(action.apply(&self.shared))
            })
            .sum()
    }

    /// Plays a [`script::Script`] of voice-client activity on its own thread.
    pub fn play(&self, script: script::Script) -> script::Player {
        script::Player::start(self.shared.clone(), script)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.disconnect_all();
        // Closing the channel ends every thread's `run`; the executor's drop then cancels
        // the remaining tasks, closing their sockets.
        self.stop.take();
        if let Some(t) = self.event_loop.take() {
            let _ = t.join();
        }
    }
}

/// Threads of the event loop: enough for a few transfers and many query clients at once.
fn loop_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

/// Runs the simulator's event loop until `stopped` closes: the accept loops on this thread,
/// connection tasks on all of them.
fn event_loop(
    shared: Arc<Shared>,
    listeners: [(Async<TcpListener>, Option<Mode>); 3],
    stopped: smol::channel::Receiver<()>,
) {
    let ex = Executor::new();
    std::thread::scope(|scope| {
        for _ in 1..loop_threads() {
            let (ex, stopped) = (&ex, stopped.clone());
            let _ = std::thread::Builder::new()
                .name("ts3-sim".into())
                .spawn_scoped(scope, move || smol::block_on(ex.run(stopped.recv())));
        }
        let accepts = listeners.map(|(listener, mode)| accept_loop(&ex, &shared, listener, mode));
        let [a, b, c] = accepts;
        let serve = future::zip(future::zip(a, b), c);
        smol::block_on(ex.run(future::or(
            async {
                serve.await;
            },
            async {
                let _ = stopped.recv().await;
            },
        )));
    });
}

/// Accepts connections and spawns a task for each, until the simulator stops.
async fn accept_loop(
    ex: &Executor<'static>,
    shared: &Arc<Shared>,
    listener: Async<TcpListener>,
    mode: Option<Mode>,
) {
    let mut backoff = Duration::from_millis(5);
    loop {
        // A failed accept (out of file descriptors, most likely) fails again at once: wait a
        // little, longer each time, instead of spinning on it.
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!("accept failed: {e}; retrying in {backoff:?}");
                Timer::after(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        backoff = Duration::from_millis(5);
        let shared = shared.clone();
        match mode {
            Some(mode) => ex.spawn(conn::serve(shared, stream, mode)).detach(),
            None => ex.spawn(ft::serve(shared, stream)).detach(),
        }
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
