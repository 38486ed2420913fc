//! Server groups, the client database, privilege keys and instance information: the commands
//! bots use for membership and lookups. The database is the clients the world knows.

use ts3q::{ErrorId, ParsedCommand};

use crate::commands::{number, text, Session};
use crate::reply::{err, Items, Reply};
use crate::world::{unix_now, Client, Token, World, SERVER_GROUPS};

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

pub(crate) fn servergroupclientlist(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
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

pub(crate) fn servergroupaddclient(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let (sgid, ..) = *group(number(cmd, "sgid")?)?;
    let c = by_dbid_mut(w, cmd)?;
    if c.servergroups.contains(&sgid) {
        return Err(Reply::error(ErrorId::PermissionDuplicateEntry));
    }
    c.servergroups.push(sgid);
    Ok(Reply::ok())
}

pub(crate) fn servergroupdelclient(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let (sgid, ..) = *group(number(cmd, "sgid")?)?;
    let c = by_dbid_mut(w, cmd)?;
    let before = c.servergroups.len();
    c.servergroups.retain(|g| *g != sgid);
    if c.servergroups.len() == before {
        return Err(Reply::error(ErrorId::PermissionEmptyResult));
    }
    Ok(Reply::ok())
}

pub(crate) fn servergroupsbyclientid(
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

pub(crate) fn clientdblist(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
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

pub(crate) fn clientdbinfo(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let c = by_dbid(w, cmd)?;
    let mut items = Items::new();
    db_fields(&mut items, c);
    items.kv("client_database_id", c.dbid);
    Ok(Reply::items(items))
}

pub(crate) fn clientdbfind(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
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

pub(crate) fn clientgetids(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_uid(w, cmd)?, &["cluid", "clid", "name"])
}

pub(crate) fn clientgetdbidfromuid(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_uid(w, cmd)?, &["cluid", "cldbid"])
}

pub(crate) fn clientgetnamefromuid(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_uid(w, cmd)?, &["cluid", "cldbid", "name"])
}

pub(crate) fn clientgetnamefromdbid(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    ids(by_dbid(w, cmd)?, &["cluid", "cldbid", "name"])
}

pub(crate) fn privilegekeyadd(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
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
        created: unix_now(),
    });
    let mut items = Items::new();
    items.kv("token", token.as_str());
    Ok(Reply::items(items))
}

pub(crate) fn privilegekeylist(w: &mut World, _: &mut Session, _: &ParsedCommand) -> Result {
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

pub(crate) fn privilegekeydelete(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let token = text(cmd, "token").ok_or_else(err::missing_parameter)?;
    let before = w.tokens.len();
    w.tokens.retain(|t| t.token != token);
    if w.tokens.len() == before {
        return Err(no_such_client());
    }
    Ok(Reply::ok())
}

pub(crate) fn gm(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result {
    let msg = text(cmd, "msg").ok_or_else(err::missing_parameter)?;
    // A global message reaches every server's chat: here, the one virtual server, from the
    // query client.
    let from = crate::commands::own_client(w, s)
        .cloned()
        .ok_or_else(err::invalid_client)?;
    w.text_message(&from, 3, 0, &msg);
    Ok(Reply::ok())
}

pub(crate) fn instanceinfo(w: &mut World, _: &mut Session, _: &ParsedCommand) -> Result {
    let mut items = Items::new();
    items
        .kv("serverinstance_database_version", 26)
        .kv("serverinstance_filetransfer_port", w.config.ft_port)
        .kv("serverinstance_max_download_total_bandwidth", u64::MAX)
        .kv("serverinstance_max_upload_total_bandwidth", u64::MAX)
        .kv("serverinstance_guest_serverquery_group", 1)
        .kv(
            "serverinstance_serverquery_flood_commands",
            w.config.flood.map_or(0, |f| f.0),
        )
        .kv(
            "serverinstance_serverquery_flood_time",
            w.config.flood.map_or(0, |f| f.1.as_secs()),
        )
        .kv(
            "serverinstance_serverquery_ban_time",
            w.config.flood_ban_time.as_secs(),
        )
        .kv("serverinstance_template_serveradmin_group", 3)
        .kv("serverinstance_template_serverdefault_group", 5)
        .kv("serverinstance_template_channeladmin_group", 1)
        .kv("serverinstance_template_channeldefault_group", 4)
        .kv("serverinstance_permissions_version", 19);
    Ok(Reply::items(items))
}

pub(crate) fn hostinfo(w: &mut World, _: &mut Session, _: &ParsedCommand) -> Result {
    let online = w.clients.len();
    let mut items = Items::new();
    items
        .kv("instance_uptime", w.started.elapsed().as_secs())
        .kv("host_timestamp_utc", unix_now())
        .kv("virtualservers_running_total", 1)
        .kv("virtualservers_total_maxclients", w.maxclients)
        .kv("virtualservers_total_clients_online", online)
        .kv("virtualservers_total_channels_online", w.channels.len())
        .kv("connection_filetransfer_bandwidth_sent", 0)
        .kv("connection_filetransfer_bandwidth_received", 0)
        .kv("connection_packets_sent_total", 0)
        .kv("connection_bytes_sent_total", 0)
        .kv("connection_packets_received_total", 0)
        .kv("connection_bytes_received_total", 0);
    Ok(Reply::items(items))
}

pub(crate) fn logview(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result {
    let lines = number(cmd, "lines").unwrap_or(10).clamp(1, 100);
    let mut items = Items::new();
    let start = w.started.elapsed().as_secs();
    let log = [
        format!("{start}|INFO    |ServerLibPriv |   |TeamSpeak 3 Server (simulated) started"),
        format!(
            "{start}|INFO    |VirtualServer |1  |listening on {}",
            w.config.listen
        ),
        format!(
            "{start}|INFO    |VirtualServer |1  |{} clients online",
            w.clients.len()
        ),
    ];
    for line in log.iter().take(lines as usize) {
        items.item().kv("l", line.as_str());
    }
    items.kv("last_pos", 0).kv("file_size", 0);
    Ok(Reply::items(items))
}
