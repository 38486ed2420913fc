//! The ClientQuery side: `auth`, the connection handler commands, and the desktop client's own
//! voice client, which every ClientQuery session acts as.

use ts3q::ParsedCommand;

use super::{clients, text, Session};
use crate::reply::{err, Items, Reply};
use crate::world::World;

type Result = std::result::Result<Reply, Reply>;

pub(super) fn auth(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result {
    let key = text(cmd, "apikey").ok_or_else(err::missing_parameter)?;
    if key != w.config.apikey {
        return Err(err::invalid_parameter());
    }
    s.authed = true;
    local_client(w, s);
    Ok(Reply::ok())
}

/// The simulated client has one server connection handler, number 1 (0 means "the current").
fn handler_ok(cmd: &ParsedCommand) -> std::result::Result<(), Reply> {
    match cmd.get("schandlerid").map(|v| v.parse::<u32>()) {
        None | Some(Some(0)) | Some(Some(1)) => Ok(()),
        _ => Err(err::invalid_handler()),
    }
}

/// `use [schandlerid=]N`.
pub(super) fn use_handler(cmd: &ParsedCommand) -> Result {
    let positional = cmd
        .pipe(0)
        .and_then(|p| p.words().next())
        .and_then(|v| v.parse::<u32>());
    match positional {
        None | Some(1) => handler_ok(cmd).map(|_| Reply::ok()),
        Some(_) => Err(err::invalid_handler()),
    }
}

pub(super) fn schandlerid() -> Reply {
    let mut i = Items::new();
    i.kv("schandlerid", 1);
    Reply::items(i)
}

pub(super) fn whoami(w: &mut World, s: &Session) -> Reply {
    let (clid, cid) = local_client(w, s);
    let mut i = Items::new();
    i.kv("clid", clid).kv("cid", cid);
    Reply::items(i)
}

pub(super) fn notifyregister(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result {
    handler_ok(cmd)?;
    let ev = text(cmd, "event").ok_or_else(err::missing_parameter)?;
    if ev != "any" && !ev.starts_with("notify") {
        return Err(err::invalid_parameter());
    }
    if let Some(h) = w.sessions.get_mut(&s.id) {
        h.subs.client_events.push(ev);
    }
    Ok(Reply::ok())
}

pub(super) fn clientupdate(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result {
    let (clid, _) = local_client(w, s);
    clients::update_client(w, clid, cmd)
}

/// Text messages from a ClientQuery session come from the local client.
pub(super) fn speak_as_local_client(w: &mut World, s: &Session) {
    let (clid, _) = local_client(w, s);
    if let Some(h) = w.sessions.get_mut(&s.id) {
        h.clid = Some(clid);
    }
}

/// The desktop client's own voice client, shared by all ClientQuery sessions: (clid, cid).
fn local_client(w: &mut World, s: &Session) -> (u32, u32) {
    let existing = w
        .clients
        .values()
        .find(|c| c.nickname == w.config.client_query_nickname && c.client_type == 0);
    let (clid, cid) = match existing {
        Some(c) => (c.clid, c.cid),
        None => {
            let nick = w.config.client_query_nickname.clone();
            let cid = w.default_channel();
            (w.add_voice_client(&nick, cid), cid)
        }
    };
    if let Some(h) = w.sessions.get_mut(&s.id) {
        h.clid.get_or_insert(clid);
    }
    (clid, cid)
}
