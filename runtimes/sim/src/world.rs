//! The simulated virtual server: channels, clients, groups, files, bans, and who is
//! subscribed to which events. One `World` behind a mutex; connections hold a `SessionId`.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use smol::channel::Sender;
use smol::Async;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ts3q::Bytes;

use crate::reply::{event, Items};
use crate::SimConfig;
use ts3q::Mode;

pub type SessionId = u64;

/// What a connection's writer is told.
#[derive(Debug)]
pub enum Out {
    Data(Bytes),
    /// Flush, then close the connection.
    Close,
}

/// What a connection's writer has not sent yet, at most (beyond the one reply or event that
/// crosses it): a client that stops reading while events pile up is disconnected when its queue
/// passes this, instead of growing the simulator's memory without bound.
pub const OUTBOX_LIMIT: usize = 4 << 20;

/// The sending side of a connection's writer queue, counting the bytes queued. Sending never
/// waits, so any thread (a command, the script player, the test's `Sim` calls) can queue events.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: Sender<Out>,
    queued: Arc<AtomicUsize>,
    closed: Arc<AtomicBool>,
    /// To cut the connection of a client that stopped reading (its writer is stuck sending).
    stream: Arc<Async<TcpStream>>,
    /// Who it sends to, for the log.
    peer: SocketAddr,
}

impl Outbox {
    /// A queue, and the counter its writer decreases as it sends.
    pub fn new(
        tx: Sender<Out>,
        stream: Arc<Async<TcpStream>>,
        peer: SocketAddr,
    ) -> (Outbox, Arc<AtomicUsize>) {
        let queued = Arc::new(AtomicUsize::new(0));
        let outbox = Outbox {
            tx,
            queued: queued.clone(),
            closed: Arc::new(AtomicBool::new(false)),
            stream,
            peer,
        };
        (outbox, queued)
    }

    /// Queues `bytes`; past [`OUTBOX_LIMIT`] the connection is closed instead (once).
    pub fn send(&self, bytes: Bytes) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        // The limit is on the backlog: one reply of any size goes out to a client that reads.
        let queued = self.queued.load(Ordering::Relaxed);
        if queued > 0 && queued + bytes.len() > OUTBOX_LIMIT {
            // It stopped reading: what is queued will never be read either.
            tracing::info!(peer = %self.peer, "disconnected: it stopped reading");
            self.closed.store(true, Ordering::Relaxed);
            self.disconnect();
            return;
        }
        self.queued.fetch_add(bytes.len(), Ordering::Relaxed);
        let _ = self.tx.try_send(Out::Data(bytes));
    }

    /// Flushes what is queued, then closes the connection.
    pub fn close(&self) {
        if !self.closed.swap(true, Ordering::Relaxed) {
            let _ = self.tx.try_send(Out::Close);
        }
    }

    /// Queues an event line, and logs it (at `debug`, target `ts3_sim::events`).
    pub fn send_event(&self, line: &Bytes) {
        // Field values are computed only when the level is enabled.
        tracing::debug!(
            target: "ts3_sim::events",
            peer = %self.peer,
            event = %String::from_utf8_lossy(line.split(|b| *b == b' ').next().unwrap_or_default())
                .trim_end(),
            "event sent"
        );
        self.send(line.clone());
    }

    /// Cuts the connection at once: both of its halves see it end.
    pub fn disconnect(&self) {
        let _ = self.stream.get_ref().shutdown(Shutdown::Both);
    }
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub cid: u32,
    pub pid: u32,
    pub order: u32,
    pub name: String,
    pub topic: String,
    pub description: String,
    pub password: String,
    pub permanent: bool,
    pub semi_permanent: bool,
    pub default: bool,
    pub maxclients: i64,
    pub codec: u32,
    pub codec_quality: u32,
    pub needed_talk_power: u32,
    pub icon_id: u32,
    pub created: Instant,
}

#[derive(Debug, Clone)]
pub struct Client {
    pub clid: u32,
    pub cid: u32,
    pub dbid: u32,
    pub nickname: String,
    pub uid: String,
    /// 0 voice, 1 query.
    pub client_type: u32,
    pub away: bool,
    pub away_message: String,
    pub input_muted: bool,
    pub output_muted: bool,
    pub talk_power: u32,
    pub servergroups: Vec<u32>,
    pub channel_group: u32,
    pub country: String,
    pub ip: String,
    pub platform: String,
    pub version: String,
    pub description: String,
    pub created: u64,
    pub last_active: Instant,
    /// The query session behind a query client.
    pub session: Option<SessionId>,
}

/// Event subscriptions of one session.
#[derive(Debug, Clone, Default)]
pub struct Subs {
    pub server: bool,
    /// `channel id=N`: the channel ids (0 = all).
    pub channels: Vec<u32>,
    pub textserver: bool,
    pub textchannel: bool,
    pub textprivate: bool,
    pub tokenused: bool,
    /// ClientQuery: `clientnotifyregister event=NAME` (or `any`).
    pub client_events: Vec<String>,
}

#[derive(Debug)]
pub struct SessionHandle {
    pub tx: Outbox,
    pub mode: Mode,
    pub clid: Option<u32>,
    pub subs: Subs,
}

#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Shared, so that a download sends it without copying it first.
    pub data: std::sync::Arc<Vec<u8>>,
    pub dir: bool,
    pub datetime: u64,
}

#[derive(Debug, Clone)]
pub enum TransferKind {
    Upload { size: u64, seekpos: u64 },
    Download { seekpos: u64 },
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub cid: u32,
    pub name: String,
    pub clientftfid: u32,
    pub serverftfid: u32,
    pub kind: TransferKind,
    pub expires: Instant,
}

/// A privilege key (`privilegekeyadd`).
#[derive(Debug, Clone)]
pub struct Token {
    pub token: String,
    /// 0: server group, 1: channel group.
    pub kind: u32,
    pub id1: u32,
    pub id2: u32,
    pub description: String,
    pub created: u64,
}

#[derive(Debug, Clone)]
pub struct Ban {
    pub id: u32,
    pub ip: String,
    pub name: String,
    pub uid: String,
    pub reason: String,
    pub created: u64,
    pub duration: u64,
}

/// Flood accounting for one source address.
#[derive(Debug, Default)]
pub struct Flood {
    pub recent: std::collections::VecDeque<Instant>,
    pub strikes: u32,
    pub banned_until: Option<Instant>,
}

#[derive(Debug)]
pub struct World {
    pub config: SimConfig,
    pub started: Instant,
    pub server_name: String,
    pub welcome: String,
    pub server_uid: String,
    pub hostmessage: String,
    pub maxclients: u32,
    pub channels: BTreeMap<u32, Channel>,
    pub clients: BTreeMap<u32, Client>,
    pub sessions: HashMap<SessionId, SessionHandle>,
    pub files: HashMap<u32, BTreeMap<String, FileEntry>>,
    pub transfers: HashMap<String, Transfer>,
    /// Uploads whose key was redeemed and whose data is still arriving.
    pub uploading: Vec<(u32, String)>,
    /// The memory of files deleted or overwritten, for the next uploads (see
    /// [`World::recycle`]).
    pub spare_uploads: Vec<Vec<u8>>,
    pub bans: Vec<Ban>,
    pub tokens: Vec<Token>,
    pub flood: HashMap<IpAddr, Flood>,
    next_cid: u32,
    next_clid: u32,
    next_dbid: u32,
    next_session: SessionId,
    pub next_banid: u32,
    pub next_ftid: u32,
    rng: u64,
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Server groups of a fresh server: (sgid, name, type: 1 regular, 2 query).
pub const SERVER_GROUPS: &[(u32, &str, u32)] = &[
    (1, "Guest Server Query", 2),
    (2, "Admin Server Query", 2),
    (6, "Server Admin", 1),
    (7, "Normal", 1),
    (8, "Guest", 1),
];

/// One splitmix64 step: neighbouring seeds start far apart, and never at 0 (xorshift's fixed
/// point).
pub(crate) fn mix_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}

/// Recycled upload buffers kept at most (the largest ones).
const SPARE_UPLOADS: usize = 2;

impl World {
    /// Keeps the memory of a file that is gone (deleted or overwritten) for a later upload,
    /// when nothing else holds it (a download in progress does). Pages already in memory
    /// fill faster than new ones, which the kernel must find and clear first: a test or
    /// benchmark that uploads again and again then measures the client, not page faults.
    pub fn recycle(&mut self, entry: FileEntry) {
        let Ok(mut data) = Arc::try_unwrap(entry.data) else {
            return;
        };
        if data.capacity() == 0 {
            return;
        }
        data.clear();
        self.spare_uploads.push(data);
        self.spare_uploads
            .sort_by_key(|d| std::cmp::Reverse(d.capacity()));
        self.spare_uploads.truncate(SPARE_UPLOADS);
    }

    /// An empty buffer for an upload of `len` bytes: the smallest recycled one it fits in, or
    /// a new one (reserved, not touched: pages become resident only as bytes arrive).
    pub fn upload_buffer(&mut self, len: usize) -> Vec<u8> {
        let fits = self
            .spare_uploads
            .iter()
            .enumerate()
            .filter(|(_, d)| d.capacity() >= len)
            .min_by_key(|(_, d)| d.capacity())
            .map(|(i, _)| i);
        match fits {
            Some(i) => self.spare_uploads.swap_remove(i),
            None => Vec::with_capacity(len),
        }
    }

    pub fn new(config: SimConfig) -> World {
        let now = config.clock.now();
        let seed = config.seed.unwrap_or_else(|| {
            unix_now() ^ (std::process::id() as u64) << 32 ^ 0x9E37_79B9_7F4A_7C15
        });
        let seed = mix_seed(seed);
        let mut w = World {
            config,
            started: now,
            server_name: "TeamSpeak ]I[ Server".into(),
            welcome:
                "Welcome to TeamSpeak, check [URL]www.teamspeak.com[/URL] for latest information"
                    .into(),
            server_uid: "gMlZBPnXfNiGGpvSf1MgDUa3Kr0=".into(),
            hostmessage: String::new(),
            maxclients: 32,
            channels: BTreeMap::new(),
            clients: BTreeMap::new(),
            sessions: HashMap::new(),
            files: HashMap::new(),
            transfers: HashMap::new(),
            uploading: Vec::new(),
            spare_uploads: Vec::new(),
            bans: Vec::new(),
            tokens: Vec::new(),
            flood: HashMap::new(),
            next_cid: 1,
            next_clid: 1,
            next_dbid: 2,
            next_session: 1,
            next_banid: 1,
            next_ftid: 1,
            rng: seed | 1,
        };
        let default = w.add_channel("Default Channel", 0);
        if let Some(c) = w.channels.get_mut(&default) {
            c.default = true;
            c.permanent = true;
            c.topic = "Default Channel has no topic".into();
            c.description = "This is the default channel".into();
        }
        if w.config.demo {
            w.populate_demo();
        }
        w
    }

    fn populate_demo(&mut self) {
        let lobby = self.add_channel("Lobby", 0);
        let gaming = self.add_channel("Gaming", 0);
        let cs = self.add_channel("Counter-Strike", gaming);
        let _afk = self.add_channel("AFK", 0);
        for (nick, cid) in [
            ("Ben", lobby),
            ("Alice", gaming),
            ("Bob", cs),
            ("Jürgen | bot", 1),
        ] {
            self.add_voice_client(nick, cid);
        }
    }

    pub fn random_key(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
        (0..len)
            .map(|_| {
                // xorshift64*: keys must only be unguessable by a test, not by an attacker.
                self.rng ^= self.rng >> 12;
                self.rng ^= self.rng << 25;
                self.rng ^= self.rng >> 27;
                let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
                ALPHABET[(r >> 58) as usize] as char
            })
            .collect()
    }

    pub fn new_session(&mut self, tx: Outbox, mode: Mode, peer: SocketAddr) -> SessionId {
        let id = self.next_session;
        self.next_session += 1;
        let _ = peer;
        self.sessions.insert(
            id,
            SessionHandle {
                tx,
                mode,
                clid: None,
                subs: Subs::default(),
            },
        );
        id
    }

    pub fn end_session(&mut self, id: SessionId) {
        if let Some(h) = self.sessions.remove(&id) {
            // Only the session's own query client leaves; ClientQuery shares the local client.
            if let Some(clid) = h
                .clid
                .filter(|c| self.clients.get(c).is_some_and(|c| c.session == Some(id)))
            {
                self.clients.remove(&clid);
            }
        }
    }

    pub fn add_channel(&mut self, name: &str, pid: u32) -> u32 {
        let cid = self.next_cid;
        self.next_cid += 1;
        let order = self
            .channels
            .values()
            .filter(|c| c.pid == pid)
            .map(|c| c.cid)
            .max()
            .unwrap_or(0);
        self.channels.insert(
            cid,
            Channel {
                cid,
                pid,
                order,
                name: name.into(),
                topic: String::new(),
                description: String::new(),
                password: String::new(),
                permanent: true,
                semi_permanent: false,
                default: false,
                maxclients: -1,
                codec: 4,
                codec_quality: 6,
                needed_talk_power: 0,
                icon_id: 0,
                created: self.config.clock.now(),
            },
        );
        cid
    }

    pub fn default_channel(&self) -> u32 {
        self.channels
            .values()
            .find(|c| c.default)
            .map_or(1, |c| c.cid)
    }

    fn new_client(&mut self, nickname: &str, cid: u32, client_type: u32) -> Client {
        let clid = self.next_clid;
        self.next_clid += 1;
        let dbid = self.next_dbid;
        self.next_dbid += 1;
        let uid = format!("{}=", self.random_key(27));
        let now = self.config.clock.now();
        Client {
            clid,
            cid,
            dbid,
            nickname: nickname.into(),
            uid,
            client_type,
            away: false,
            away_message: String::new(),
            input_muted: false,
            output_muted: false,
            talk_power: 75,
            servergroups: vec![if client_type == 1 { 2 } else { 8 }],
            channel_group: 8,
            country: if client_type == 1 {
                String::new()
            } else {
                "DE".into()
            },
            ip: "127.0.0.1".into(),
            platform: if client_type == 1 {
                "ServerQuery".into()
            } else {
                "Linux".into()
            },
            version: if client_type == 1 {
                "ServerQuery".into()
            } else {
                "3.6.2 [Build: 1695203293]".into()
            },
            description: String::new(),
            created: self.config.clock.unix(),
            last_active: now,
            session: None,
        }
    }

    /// A voice client joins: every subscriber sees it enter.
    pub fn add_voice_client(&mut self, nickname: &str, cid: u32) -> u32 {
        let client = self.new_client(nickname, cid, 0);
        let clid = client.clid;
        self.clients.insert(clid, client);
        self.broadcast_enter(clid);
        clid
    }

    /// A query session selects the virtual server: it becomes a (query) client.
    pub fn add_query_client(&mut self, session: SessionId, nickname: &str) -> u32 {
        let cid = self.default_channel();
        let mut client = self.new_client(nickname, cid, 1);
        client.session = Some(session);
        client.dbid = 1;
        client.uid = "serveradmin".into();
        let clid = client.clid;
        self.clients.insert(clid, client);
        if let Some(h) = self.sessions.get_mut(&session) {
            h.clid = Some(clid);
        }
        clid
    }

    pub fn client_items(&self, c: &Client, items: &mut Items) {
        items
            .kv("cfid", 0)
            .kv("ctid", c.cid)
            .kv("reasonid", 0)
            .kv("clid", c.clid)
            .kv("client_unique_identifier", c.uid.as_str())
            .kv("client_nickname", c.nickname.as_str())
            .kv("client_input_muted", c.input_muted)
            .kv("client_output_muted", c.output_muted)
            .kv("client_outputonly_muted", 0)
            .kv("client_input_hardware", 1)
            .kv("client_output_hardware", 1)
            .kv("client_meta_data", "")
            .kv("client_is_recording", 0)
            .kv("client_database_id", c.dbid)
            .kv("client_channel_group_id", c.channel_group)
            .kv("client_servergroups", join(&c.servergroups))
            .kv("client_away", c.away)
            .kv("client_away_message", c.away_message.as_str())
            .kv("client_type", c.client_type)
            .kv("client_talk_power", c.talk_power)
            .kv("client_country", c.country.as_str());
    }

    fn broadcast_enter(&mut self, clid: u32) {
        let Some(c) = self.clients.get(&clid) else {
            return;
        };
        let mut items = Items::new();
        self.client_items(c, &mut items);
        let line = event("notifycliententerview", &items);
        let cid = c.cid;
        self.send_view_event(&line, &[cid]);
    }

    /// Client view events go to `server` subscribers and to `channel` subscribers of the
    /// channels involved, once per matching subscription, as a real server does.
    pub fn send_view_event(&self, line: &Bytes, cids: &[u32]) {
        for h in self
            .sessions
            .values()
            .filter(|h| h.mode == Mode::ServerQuery)
        {
            if h.subs.server {
                h.tx.send_event(line);
            }
            if h.subs
                .channels
                .iter()
                .any(|id| *id == 0 || cids.contains(id))
            {
                h.tx.send_event(line);
            }
        }
    }

    /// Channel structure events go to `server` subscribers and `channel` subscribers.
    pub fn send_channel_event(&self, line: &Bytes, cid: u32) {
        for h in self
            .sessions
            .values()
            .filter(|h| h.mode == Mode::ServerQuery)
        {
            if h.subs.server || h.subs.channels.iter().any(|id| *id == 0 || *id == cid) {
                h.tx.send_event(line);
            }
        }
    }

    pub fn send_server_event(&self, line: &Bytes) {
        for h in self
            .sessions
            .values()
            .filter(|h| h.mode == Mode::ServerQuery && h.subs.server)
        {
            h.tx.send_event(line);
        }
    }

    /// Client `clid` uses privilege key `token`: the key is spent, a server group key adds the
    /// client to its group, and `tokenused` subscribers hear `notifytokenused`. False when the
    /// client or the key does not exist.
    pub fn use_token(&mut self, clid: u32, token: &str) -> bool {
        let Some(i) = self.tokens.iter().position(|t| t.token == token) else {
            return false;
        };
        let Some(c) = self.clients.get_mut(&clid) else {
            return false;
        };
        let t = self.tokens.remove(i);
        if t.kind == 0 && !c.servergroups.contains(&t.id1) {
            c.servergroups.push(t.id1);
        }
        let mut items = Items::new();
        items
            .kv("clid", c.clid)
            .kv("cldbid", c.dbid)
            .kv("cluid", c.uid.as_str())
            .kv("token", t.token.as_str())
            .kv("tokencustomset", "")
            .kv("token1", t.id1)
            .kv("token2", t.id2);
        let line = event("notifytokenused", &items);
        for h in self
            .sessions
            .values()
            .filter(|h| h.mode == Mode::ServerQuery && h.subs.tokenused)
        {
            h.tx.send_event(&line);
        }
        true
    }

    /// ClientQuery events carry `schandlerid=1` first and go to sessions registered for them.
    pub fn send_client_query_event(&self, name: &str, items: &Items) {
        let mut with_handler = Items::new();
        with_handler.kv("schandlerid", 1).append(items);
        let line = event(name, &with_handler);
        for h in self
            .sessions
            .values()
            .filter(|h| h.mode == Mode::ClientQuery)
        {
            if h.subs.client_events.iter().any(|e| e == "any" || e == name) {
                h.tx.send_event(&line);
            }
        }
    }

    /// A text message from `from` with target mode 1 (client), 2 (channel) or 3 (server).
    pub fn text_message(&self, from: &Client, mode: u32, target: u32, msg: &str) -> bool {
        let mut items = Items::new();
        items.kv("targetmode", mode).kv("msg", msg);
        if mode == 1 {
            items.kv("target", target);
        }
        items
            .kv("invokerid", from.clid)
            .kv("invokername", from.nickname.as_str())
            .kv("invokeruid", from.uid.as_str());
        let line = event("notifytextmessage", &items);
        let channel_of =
            |h: &SessionHandle| h.clid.and_then(|c| self.clients.get(&c)).map(|c| c.cid);
        match mode {
            1 => {
                if !self.clients.contains_key(&target) {
                    return false;
                }
                for h in self
                    .sessions
                    .values()
                    .filter(|h| h.mode == Mode::ServerQuery && h.subs.textprivate)
                {
                    if h.clid == Some(target) || h.clid == Some(from.clid) {
                        h.tx.send_event(&line);
                    }
                }
            }
            2 => {
                for h in self
                    .sessions
                    .values()
                    .filter(|h| h.mode == Mode::ServerQuery && h.subs.textchannel)
                {
                    if channel_of(h) == Some(from.cid) {
                        h.tx.send_event(&line);
                    }
                }
            }
            _ => {
                for h in self
                    .sessions
                    .values()
                    .filter(|h| h.mode == Mode::ServerQuery && h.subs.textserver)
                {
                    h.tx.send_event(&line);
                }
            }
        }
        let mut cq = Items::new();
        cq.kv("targetmode", mode)
            .kv("msg", msg)
            .kv("invokerid", from.clid)
            .kv("invokername", from.nickname.as_str())
            .kv("invokeruid", from.uid.as_str());
        self.send_client_query_event("notifytextmessage", &cq);
        true
    }

    /// Moves a client; `invoker` is who moved it (None: it moved itself).
    pub fn move_client(
        &mut self,
        clid: u32,
        cid: u32,
        invoker: Option<&Client>,
    ) -> Result<(), crate::reply::Reply> {
        use crate::reply::err;
        if !self.channels.contains_key(&cid) {
            return Err(err::invalid_channel());
        }
        let Some(c) = self.clients.get_mut(&clid) else {
            return Err(err::invalid_client());
        };
        if c.cid == cid {
            return Err(err::already_member());
        }
        let from = c.cid;
        c.cid = cid;
        let mut items = Items::new();
        items
            .kv("ctid", cid)
            .kv("reasonid", if invoker.is_some() { 1 } else { 0 });
        if let Some(i) = invoker {
            items
                .kv("invokerid", i.clid)
                .kv("invokername", i.nickname.as_str())
                .kv("invokeruid", i.uid.as_str());
        }
        items.kv("clid", clid);
        let line = event("notifyclientmoved", &items);
        self.send_view_event(&line, &[from, cid]);
        Ok(())
    }

    /// A client leaves: reason 8 (left), 5 (kicked from server), 6 (banned), 3 (timeout).
    pub fn remove_client(
        &mut self,
        clid: u32,
        reasonid: u32,
        reasonmsg: &str,
        invoker: Option<&Client>,
    ) -> bool {
        let Some(c) = self.clients.remove(&clid) else {
            return false;
        };
        let mut items = Items::new();
        items
            .kv("cfid", c.cid)
            .kv("ctid", 0)
            .kv("reasonid", reasonid);
        if let Some(i) = invoker {
            items
                .kv("invokerid", i.clid)
                .kv("invokername", i.nickname.as_str())
                .kv("invokeruid", i.uid.as_str());
        }
        items.kv("reasonmsg", reasonmsg);
        if reasonid == 6 {
            items.kv("bantime", 0);
        }
        items.kv("clid", clid);
        let line = event("notifyclientleftview", &items);
        self.send_view_event(&line, &[c.cid]);
        // A kicked query client loses its connection.
        if let Some(h) = c.session.and_then(|s| self.sessions.get(&s)) {
            h.tx.close();
        }
        true
    }

    /// Whether an upload of this file was announced or is under way.
    pub fn upload_pending(&self, cid: u32, name: &str) -> bool {
        let now = self.config.clock.now();
        self.uploading.iter().any(|(c, n)| *c == cid && n == name)
            || self.transfers.values().any(|t| {
                t.cid == cid
                    && t.name == name
                    && t.expires > now
                    && matches!(t.kind, TransferKind::Upload { .. })
            })
    }

    /// Seconds since the server started.
    pub fn uptime(&self) -> u64 {
        self.config.clock.since(self.started).as_secs()
    }

    /// The simulator's current instant (see [`crate::Clock`]).
    pub fn now(&self) -> Instant {
        self.config.clock.now()
    }

    /// The simulator's current time in seconds since 1970.
    pub fn unix(&self) -> u64 {
        self.config.clock.unix()
    }
}

pub fn join(ids: &[u32]) -> String {
    ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(data: Vec<u8>) -> FileEntry {
        FileEntry {
            data: Arc::new(data),
            dir: false,
            datetime: 0,
        }
    }

    /// A gone file's memory goes to the next upload it fits; memory a download still holds,
    /// or that is too small, does not.
    #[test]
    fn uploads_reuse_the_memory_of_gone_files() {
        let mut w = World::new(SimConfig::default());
        let big = vec![1u8; 4096];
        let at = big.as_ptr();
        w.recycle(entry(big));
        let held = entry(vec![2u8; 8192]);
        let download = Arc::clone(&held.data);
        w.recycle(held);
        assert_eq!(
            w.spare_uploads.len(),
            1,
            "a file being downloaded is not reused"
        );
        drop(download);
        let small = w.upload_buffer(100_000);
        assert!(small.capacity() >= 100_000 && small.as_ptr() != at);
        let reused = w.upload_buffer(1000);
        assert_eq!(reused.as_ptr(), at);
        assert!(reused.is_empty() && reused.capacity() >= 4096);
        assert!(w.spare_uploads.is_empty());
    }
}
