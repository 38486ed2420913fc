//! Server groups, the client database, privilege keys and instance information: the commands
//! bots use for membership and lookups. The database is the clients the world knows.

use ts3q::{ErrorId, ParsedCommand};

use super::{number, own_client, text, Session};
use crate::reply::{err, Items, Reply};
use crate::world::{Client, Token, World, SERVER_GROUPS};

type Result = std::result::Result<Reply, Reply>;

fn group(sgid: u32) -> std::result::Result<&'static (u32, &'static str, u32), Reply> {
    SERVER_GROUPS
        .iter()
        .find(|g| g.0 == sgid)
        .ok_or_else(|| Reply::error(ErrorId::PermissionInvalidGroupId))
}

fn no_such_client() -> Reply {
    Reply::error(ErrorId::DatabaseEmptyResult)
}

fn by_dbid<'w>(w: &'w World, cmd: &ParsedCommand) -> std::result::Result<&'w Client, Reply> {
    let cldbid = number(cmd, "cldbid")?;
    w.clients
        .values()
        .find(|c| c.dbid == cldbid)
        .ok_or_else(no_such_client)
}

fn by_dbid_mut<'w>(
    w: &'w mut World,
    cmd: &ParsedCommand,
) -> std::result::Result<&'w mut Client, Reply> {
    let cldbid = number(cmd, "cldbid")?;
    w.clients
        .values_mut()
        .find(|c| c.dbid == cldbid)
        .ok_or_else(no_such_client)
}

/// A lookup's one-item reply: the identifiers `keys` of `c`, in order.
fn ids(c: &Client, keys: &[&str]) -> Result {
    let mut items = Items::new();
    for &key in keys {
        match key {
            "cluid" => items.kv(key, c.uid.as_str()),
            "clid" => items.kv(key, c.clid),
            "cldbid" => items.kv(key, c.dbid),
            _ => items.kv(key, c.nickname.as_str()),
        };
    }
    Ok(Reply::items(items))
}

fn by_uid<'w>(w: &'w World, cmd: &ParsedCommand) -> std::result::Result<&'w Client, Reply> {
    let uid = text(cmd, "cluid").ok_or_else(err::missing_parameter)?;
    w.clients
        .values()
        .find(|c| c.uid == uid)
        .ok_or_else(no_such_client)
}

pub(super) fn servergroupclientlist(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let (sgid, ..) = *group(number(cmd, "sgid")?)?;
    let names = cmd.has_option("names");
    let mut items = Items::new();
    for c in w
        .clients
        .values()
        .filter(|c| c.servergroups.contains(&sgid))
    {
        let item = items.item().kv("cldbid", c.dbid);
        if names {
            item.kv("client_nickname", c.nickname.as_str())
                .kv("client_unique_identifier", c.uid.as_str());
        }
    }
    Ok(Reply::items(items))
}

pub(super) fn servergroupaddclient(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let (sgid, ..) = *group(number(cmd, "sgid")?)?;
    let c = by_dbid_mut(w, cmd)?;
    if c.servergroups.contains(&sgid) {
        return Err(Reply::error(ErrorId::PermissionDuplicateEntry));
    }
    c.servergroups.push(sgid);
    Ok(Reply::ok())
}

pub(super) fn servergroupdelclient(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let (sgid, ..) = *group(number(cmd, "sgid")?)?;
    let c = by_dbid_mut(w, cmd)?;
    let before = c.servergroups.len();
    c.servergroups.retain(|g| *g != sgid);
    if c.servergroups.len() == before {
        return Err(Reply::error(ErrorId::PermissionEmptyResult));
    }
    Ok(Reply::ok())
}

pub(super) fn servergroupsbyclientid(
    w: &mut World,
    _: &mut Session,
    cmd: &ParsedCommand,
) -> Result {
    let c = by_dbid(w, cmd)?;
    let mut items = Items::new();
    for (sgid, name, _) in SERVER_GROUPS
        .iter()
        .filter(|g| c.servergroups.contains(&g.0))
    {
        items
            .item()
            .kv("name", *name)
            .kv("sgid", *sgid)
            .kv("cldbid", c.dbid);
    }
    Ok(Reply::items(items))
}

fn db_fields(item: &mut Items, c: &Client) {
    item.kv("cldbid", c.dbid)
        .kv("client_unique_identifier", c.uid.as_str())
        .kv("client_nickname", c.nickname.as_str())
        .kv("client_created", c.created)
        .kv("client_lastconnected", c.created)
        .kv("client_totalconnections", 1)
        .kv("client_description", c.description.as_str())
        .kv("client_lastip", c.ip.as_str());
}

pub(super) fn clientdblist(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let start = number(cmd, "start").unwrap_or(0) as usize;
    let duration = number(cmd, "duration").unwrap_or(25) as usize;
    let mut items = Items::new();
    let clients: Vec<&Client> = w.clients.values().filter(|c| c.client_type == 0).collect();
    for c in clients.iter().skip(start).take(duration) {
        db_fields(items.item(), c);
    }
    if cmd.has_option("count") && !items.is_empty() {
        items.kv("count", clients.len());
    }
    Ok(Reply::items(items))
}

pub(super) fn clientdbinfo(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let c = by_dbid(w, cmd)?;
    let mut items = Items::new();
    db_fields(&mut items, c);
    items.kv("client_database_id", c.dbid);
    Ok(Reply::items(items))
}

pub(super) fn clientdbfind(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let pattern = text(cmd, "pattern").ok_or_else(err::missing_parameter)?;
    let by_uid = cmd.has_option("uid");
    let mut items = Items::new();
    for c in w.clients.values() {
        let hay = if by_uid { &c.uid } else { &c.nickname };
        if hay.to_lowercase().contains(&pattern.to_lowercase()) {
            items.item().kv("cldbid", c.dbid);
        }
    }
    Ok(Reply::items(items))
}

pub(super) fn clientgetids(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_uid(w, cmd)?, &["cluid", "clid", "name"])
}

pub(super) fn clientgetdbidfromuid(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_uid(w, cmd)?, &["cluid", "cldbid"])
}

pub(super) fn clientgetnamefromuid(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_uid(w, cmd)?, &["cluid", "cldbid", "name"])
}

pub(super) fn clientgetnamefromdbid(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_dbid(w, cmd)?, &["cluid", "cldbid", "name"])
}

pub(super) fn privilegekeyadd(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let kind = number(cmd, "tokentype")?;
    let id1 = number(cmd, "tokenid1")?;
    let id2 = number(cmd, "tokenid2").unwrap_or(0);
    match kind {
        0 => {
            group(id1)?;
        }
        1 if w.channels.contains_key(&id2) => {}
        1 => return Err(err::invalid_channel()),
        _ => return Err(err::invalid_parameter()),
    }
    let token = w.random_key(40);
    w.tokens.push(Token {
        token: token.clone(),
        kind,
        id1,
        id2,
        description: text(cmd, "tokendescription").unwrap_or_default(),
        created: w.unix(),
    });
    let mut items = Items::new();
    items.kv("token", token.as_str());
    Ok(Reply::items(items))
}

pub(super) fn privilegekeylist(w: &mut World, _: &mut Session, _: &ParsedCommand) -> Result {
    let mut items = Items::new();
    for t in &w.tokens {
        items
            .item()
            .kv("token", t.token.as_str())
            .kv("token_type", t.kind)
            .kv("token_id1", t.id1)
            .kv("token_id2", t.id2)
            .kv("token_created", t.created)
            .kv("token_description", t.description.as_str());
    }
    Ok(Reply::items(items))
}

pub(super) fn privilegekeydelete(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let token = text(cmd, "token").ok_or_else(err::missing_parameter)?;
    let before = w.tokens.len();
    w.tokens.retain(|t| t.token != token);
    if w.tokens.len() == before {
        return Err(no_such_client());
    }
    Ok(Reply::ok())
}

pub(super) fn banclient(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result {
    let clid = number(cmd, "clid")?;
    let time = cmd.get("time").and_then(|v| v.parse::<u64>()).unwrap_or(0);
    let reason = text(cmd, "banreason").unwrap_or_default();
    let c = w
        .clients
        .get(&clid)
        .cloned()
        .ok_or_else(err::invalid_client)?;
    let invoker = own_client(w, s).cloned();
    // One ban by address and one by identity: two data lines, as the real server sends.
    let mut reply = Reply::ok();
    for (ip, uid) in [
        (c.ip.clone(), String::new()),
        (String::new(), c.uid.clone()),
    ] {
        let id = w.next_banid;
        w.next_banid += 1;
        w.bans.push(crate::world::Ban {
            id,
            ip,
            name: String::new(),
            uid,
            reason: reason.clone(),
            created: w.unix(),
            duration: time,
        });
        let mut line = Items::new();
        line.kv("banid", id);
        reply.data.push(line);
    }
    w.remove_client(clid, 6, &reason, invoker.as_ref());
    Ok(reply)
}

pub(super) fn servergrouplist(w: &World) -> Reply {
    let mut i = Items::new();
    for (sgid, name, kind) in SERVER_GROUPS {
        let members = w
            .clients
            .values()
            .filter(|c| c.servergroups.contains(sgid))
            .count();
        i.item()
            .kv("sgid", *sgid)
            .kv("name", *name)
            .kv("type", *kind)
            .kv("iconid", 0)
            .kv("savedb", 1)
            .kv("sortid", 0)
            .kv("namemode", 0)
            .kv("n_modifyp", 75)
            .kv("n_member_addp", if *sgid == 6 { 75 } else { 0 })
            .kv("n_member_removep", if *sgid == 6 { 75 } else { 0 })
            .kv("total_members", members);
    }
    Reply::items(i)
}

pub(super) fn banlist(w: &World) -> Reply {
    let mut i = Items::new();
    for b in &w.bans {
        i.item()
            .kv("banid", b.id)
            .kv("ip", b.ip.as_str())
            .kv("name", b.name.as_str())
            .kv("uid", b.uid.as_str())
            .kv("mytsid", "")
            .kv("lastnickname", "")
            .kv("created", b.created)
            .kv("duration", b.duration)
            .kv("invokername", "serveradmin")
            .kv("invokercldbid", 1)
            .kv("invokeruid", "serveradmin")
            .kv("reason", b.reason.as_str())
            .kv("enforcements", 0);
    }
    Reply::items(i)
}
