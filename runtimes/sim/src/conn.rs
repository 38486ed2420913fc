//! Query connections, each one task on the simulator's event loop: a reader that frames lines
//! and runs commands, and a writer that sends replies and events in order, joined. Flood
//! protection and the idle timeout live here.

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smol::channel::{unbounded, Receiver};
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::{future, Async, Timer};
use ts3q::framing::{Frame, LineFramer};
use ts3q::{CodecError, ErrorId, ParsedCommand};

use crate::commands::{dispatch, After, Session};
use crate::reply::{err, Reply};
use crate::world::{Flood, Out, Outbox, World};
use crate::Shared;
use ts3q::Mode;

const SERVER_GREETING: &[u8] = b"TS3\n\rWelcome to the TeamSpeak 3 ServerQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\r";
const CLIENT_GREETING: &[u8] = b"TS3 Client\n\rWelcome to the TeamSpeak 3 ClientQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\rUse the \"auth\" command to authenticate yourself. Type \"help auth\" for more information.\n\rselected schandlerid=1\n\r";

/// Writes are gathered up to this size: a burst of events goes out in one system call.
const WRITE_BATCH: usize = 64 << 10;

/// Serves one accepted connection until it closes.
pub async fn serve(shared: Arc<Shared>, stream: Async<TcpStream>, mode: Mode) {
    let Ok(peer) = stream.get_ref().peer_addr() else {
        return;
    };
    let _ = stream.get_ref().set_nodelay(true);
    let stream = Arc::new(stream);
    let (tx, rx) = unbounded::<Out>();
    let (tx, queued) = Outbox::new(tx, stream.clone(), peer);
    let admitted = {
        let mut w = lock(&shared.world);
        if let Some(left) = banned_for(&w, peer) {
            // A banned address hears why, then is disconnected.
            let reply = Reply::error(ErrorId::ConnectFailedBanned)
                .with("extra_msg", format!("you may retry in {left} seconds"));
            tx.send(reply.encode().into());
            tracing::info!(%peer, "refused: banned for {left} s");
            None
        } else if w
            .config
            .max_connections
            .is_some_and(|cap| w.sessions.len() >= cap)
        {
            // Past the configured number of query connections, a newcomer is told and closed.
            let reply = Reply::error(ErrorId::ServerMaxclientsReached);
            tx.send(reply.encode().into());
            tracing::info!(%peer, "refused: at the connection cap");
            None
        } else {
            let id = w.new_session(tx.clone(), mode, peer);
            tracing::info!(%peer, session = id, ?mode, "connected");
            tx.send(match mode {
                Mode::ServerQuery => SERVER_GREETING.into(),
                Mode::ClientQuery => CLIENT_GREETING.into(),
            });
            Some(id)
        }
    };
    let Some(id) = admitted else {
        tx.close();
        write_loop(&stream, rx, &queued).await;
        return;
    };
    let mut session = Session {
        id,
        mode,
        peer,
        login: None,
        selected: false,
        authed: false,
        commands: 0,
    };
    let reader = async {
        read_loop(&shared, &stream, &mut session).await;
        tx.close();
    };
    future::zip(reader, write_loop(&stream, rx, &queued)).await;
    lock(&shared.world).end_session(id);
    tracing::info!(%peer, session = id, commands = session.commands, "closed");
}

pub fn lock(world: &Mutex<World>) -> std::sync::MutexGuard<'_, World> {
    // A panic in one connection must not take the simulator down with a poisoned lock.
    world.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends what the outbox queues, in order, until told to close or the socket fails; then
/// shuts the socket, which also ends the reader.
async fn write_loop(stream: &Async<TcpStream>, rx: Receiver<Out>, queued: &AtomicUsize) {
    let mut writer = stream;
    let mut closing = false;
    while let Ok(first) = rx.recv().await {
        // No buffer is kept between bursts: thousands of idle connections stay small.
        let mut batch: Vec<u8> = Vec::new();
        let mut next = Some(first);
        while let Some(out) = next.take() {
            match out {
                Out::Data(bytes) => {
                    queued.fetch_sub(bytes.len(), Ordering::Relaxed);
                    batch.extend_from_slice(&bytes);
                }
                Out::Close => closing = true,
            }
            if !closing && batch.len() < WRITE_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if writer.write_all(&batch).await.is_err() || closing {
            break;
        }
    }
    let _ = writer.flush().await;
    let _ = stream.get_ref().shutdown(std::net::Shutdown::Both);
}

/// Reads within the idle timeout: `None` when it passed.
async fn read_within(
    mut reader: &Async<TcpStream>,
    buf: &mut [u8],
    left: Option<Duration>,
) -> Option<std::io::Result<usize>> {
    let read = async { Some(reader.read(buf).await) };
    match left {
        None => read.await,
        Some(left) => {
            future::or(read, async {
                Timer::after(left).await;
                None
            })
            .await
        }
    }
}

async fn read_loop(shared: &Shared, stream: &Async<TcpStream>, session: &mut Session) {
    let (idle, max_line) = {
        let w = lock(&shared.world);
        (w.config.idle_timeout, w.config.max_line)
    };
    let mut framer = LineFramer::new(max_line);
    // Commands are short; the framer joins longer lines across reads. A small buffer keeps
    // thousands of idle connections cheap.
    let mut buf = [0u8; 2048];
    let mut last_command = Instant::now();
    loop {
        let left = idle.map(|idle| idle.saturating_sub(last_command.elapsed()));
        if left.is_some_and(|left| left.is_zero()) {
            tracing::info!(session = session.id, "idle timeout");
            return; // the real server just disconnects
        }
        let n = match read_within(stream, &mut buf, left).await {
            None => continue, // the loop's check above decides
            Some(Ok(0)) | Some(Err(_)) => return,
            Some(Ok(n)) => n,
        };
        framer.push(&buf[..n]);
        while let Some(frame) = framer.next_frame() {
            let reply = match frame {
                Frame::TooLong { .. } => {
                    Some((Reply::error(ErrorId::ParameterInvalidSize), After::Continue))
                }
                Frame::Line(line) => match ParsedCommand::parse(line) {
                    Err(CodecError::Empty) => None, // blank lines are ignored, and are no activity
                    Err(e) => {
                        tracing::debug!(session = session.id, "unreadable line: {e}");
                        Some((err::not_found(), After::Continue))
                    }
                    Ok(cmd) => {
                        last_command = Instant::now();
                        settle_uploads(shared, &cmd).await;
                        let (reply, after) = run(shared, session, &cmd);
                        tracing::debug!(
                            session = session.id,
                            command = ?cmd, // its Debug redacts credentials
                            id = reply.id,
                            "command"
                        );
                        Some((reply, after))
                    }
                },
            };
            let Some((reply, after)) = reply else {
                continue;
            };
            let w = lock(&shared.world);
            let Some(h) = w.sessions.get(&session.id) else {
                return;
            };
            h.tx.send(reply.encode().into());
            if after == After::Close {
                return;
            }
        }
    }
}

/// A client that closes its upload socket and at once asks for the file must find it: as on a
/// real server, where the upload completes before the next command is read, file commands
/// about a file wait (a bounded time) for its upload to finish.
async fn settle_uploads(shared: &Shared, cmd: &ParsedCommand) {
    if !matches!(
        cmd.name(),
        "ftinitdownload" | "ftgetfileinfo" | "ftgetfilelist" | "ftdeletefile" | "ftrenamefile"
    ) {
        return;
    }
    let cid = cmd.get("cid").and_then(|v| v.parse::<u32>()).unwrap_or(0);
    let name = cmd
        .get("name")
        .or_else(|| cmd.get("oldname"))
        .map(|v| v.to_str_lossy().into_owned());
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let pending = {
            let w = lock(&shared.world);
            match &name {
                Some(n) => w.upload_pending(cid, n),
                None => w.uploading.iter().any(|(c, _)| *c == cid),
            }
        };
        if !pending {
            return;
        }
        Timer::after(Duration::from_millis(5)).await;
    }
}

/// Flood check, then the command.
fn run(shared: &Shared, session: &mut Session, cmd: &ParsedCommand) -> (Reply, After) {
    let mut w = lock(&shared.world);
    // Over SSH the SSH login is the query login and costs no command; the bridge replays it
    // as the session's first `login`, which is therefore not counted.
    let ssh_like_login = session.commands == 0 && cmd.name() == "login";
    session.commands += 1;
    if let (Some(limit), false) = (w.config.flood, ssh_like_login) {
        let now = w.now();
        let ban_after = w.config.flood_ban_after;
        let ban_time = w.config.flood_ban_time;
        let flood = w.flood.entry(session.peer.ip()).or_default();
        while flood
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.1)
        {
            flood.recent.pop_front();
        }
        if flood.recent.len() >= limit.0 as usize {
            flood.strikes += 1;
            if flood.strikes > ban_after {
                flood.banned_until = Some(now + ban_time);
                let reply = Reply::error(ErrorId::ConnectFailedBanned).with(
                    "extra_msg",
                    format!("you may retry in {} seconds", ban_time.as_secs()),
                );
                return (reply, After::Close);
            }
            let wait = flood
                .recent
                .front()
                .map_or(limit.1, |t| limit.1.saturating_sub(now.duration_since(*t)));
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let reply = Reply::error(ErrorId::ClientIsFlooding)
                .with("extra_msg", format!("please wait {secs} seconds"));
            return (reply, After::Continue);
        }
        flood.strikes = 0;
        flood.recent.push_back(now);
    }
    let now = w.now();
    if let Some(c) = w.sessions.get(&session.id).and_then(|h| h.clid) {
        if let Some(c) = w.clients.get_mut(&c) {
            c.last_active = now;
        }
    }
    dispatch(&mut w, session, cmd)
}

fn banned_for(w: &World, peer: SocketAddr) -> Option<u64> {
    let until = w
        .flood
        .get(&peer.ip())
        .and_then(|f: &Flood| f.banned_until)?;
    let left = until.checked_duration_since(w.now())?;
    Some(left.as_secs().max(1))
}
