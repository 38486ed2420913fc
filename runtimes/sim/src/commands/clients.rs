//! Clients: the list with its options, information, lookups, and moving, kicking, poking and
//! updating them.

use ts3q::{ErrorId, ParsedCommand};

use super::{flag, invoker_items, number, number_in, own_client, text, Session};
use crate::reply::{err, event, Items, Reply};
use crate::world::{join, World};

pub(super) fn clientlist(w: &World, cmd: &ParsedCommand) -> Reply {
    let mut i = Items::new();
    for c in w.clients.values() {
        i.item()
            .kv("clid", c.clid)
            .kv("cid", c.cid)
            .kv("client_database_id", c.dbid)
            .kv("client_nickname", c.nickname.as_str())
            .kv("client_type", c.client_type);
        if cmd.has_option("uid") {
            i.kv("client_unique_identifier", c.uid.as_str());
        }
        if cmd.has_option("away") {
            i.kv("client_away", c.away)
                .kv("client_away_message", c.away_message.as_str());
        }
        if cmd.has_option("voice") {
            i.kv("client_flag_talking", 0)
                .kv("client_input_muted", c.input_muted)
                .kv("client_output_muted", c.output_muted)
                .kv("client_input_hardware", u32::from(c.client_type == 0))
                .kv("client_output_hardware", u32::from(c.client_type == 0))
                .kv("client_talk_power", c.talk_power)
                .kv("client_is_talker", 0)
                .kv("client_is_priority_speaker", 0)
                .kv("client_is_recording", 0)
                .kv("client_is_channel_commander", 0);
        }
        if cmd.has_option("times") {
            i.kv(
                "client_idle_time",
                w.config.clock.since(c.last_active).as_millis() as u64,
            )
            .kv("client_created", c.created)
            .kv("client_lastconnected", c.created);
        }
        if cmd.has_option("groups") {
            i.kv("client_servergroups", join(&c.servergroups))
                .kv("client_channel_group_id", c.channel_group);
        }
        if cmd.has_option("info") {
            i.kv("client_version", c.version.as_str())
                .kv("client_platform", c.platform.as_str());
        }
        if cmd.has_option("country") {
            i.kv("client_country", c.country.as_str());
        }
        if cmd.has_option("ip") {
            i.kv("connection_client_ip", c.ip.as_str());
        }
    }
    Reply::items(i)
}

pub(super) fn clientinfo(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let mut i = Items::new();
    for pipe in cmd.pipes() {
        let clid = number_in(&pipe, "clid")?;
        let c = w.clients.get(&clid).ok_or_else(err::invalid_client)?;
        i.item()
            .kv("cid", c.cid)
            .kv(
                "client_idle_time",
                w.config.clock.since(c.last_active).as_millis() as u64,
            )
            .kv("client_unique_identifier", c.uid.as_str())
            .kv("client_nickname", c.nickname.as_str())
            .kv("client_version", c.version.as_str())
            .kv("client_platform", c.platform.as_str())
            .kv("client_input_muted", c.input_muted)
            .kv("client_output_muted", c.output_muted)
            .kv("client_outputonly_muted", 0)
            .kv("client_input_hardware", u32::from(c.client_type == 0))
            .kv("client_output_hardware", u32::from(c.client_type == 0))
            .kv("client_default_channel", "")
            .kv("client_meta_data", "")
            .kv("client_is_recording", 0)
            .kv(
                "client_login_name",
                if c.client_type == 1 {
                    "serveradmin"
                } else {
                    ""
                },
            )
            .kv("client_database_id", c.dbid)
            .kv("client_channel_group_id", c.channel_group)
            .kv("client_servergroups", join(&c.servergroups))
            .kv("client_created", c.created)
            .kv("client_lastconnected", c.created)
            .kv("client_totalconnections", 1)
            .kv("client_away", c.away)
            .kv("client_away_message", c.away_message.as_str())
            .kv("client_type", c.client_type)
            .kv("client_talk_power", c.talk_power)
            .kv("client_description", c.description.as_str())
            .kv("client_country", c.country.as_str())
            .kv("connection_client_ip", c.ip.as_str());
    }
    if i.is_empty() {
        return Err(err::missing_parameter());
    }
    Ok(Reply::items(i))
}

pub(super) fn clientfind(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let pattern = text(cmd, "pattern")
        .ok_or_else(err::missing_parameter)?
        .to_lowercase();
    let mut i = Items::new();
    for c in w
        .clients
        .values()
        .filter(|c| c.nickname.to_lowercase().contains(&pattern))
    {
        i.item()
            .kv("clid", c.clid)
            .kv("client_nickname", c.nickname.as_str());
    }
    Ok(Reply::items(i))
}

pub(super) fn clientmove(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = number(cmd, "cid")?;
    let invoker = own_client(w, s).cloned();
    for pipe in cmd.pipes() {
        let Some(v) = pipe.get("clid") else { continue };
        let clid = v.parse::<u32>().ok_or_else(err::invalid_parameter)?;
        let me = invoker.as_ref().filter(|i| i.clid != clid);
        w.move_client(clid, cid, me)?;
    }
    Ok(Reply::ok())
}

pub(super) fn clientkick(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let reasonid = number(cmd, "reasonid")?;
    if reasonid != 4 && reasonid != 5 {
        return Err(err::invalid_parameter());
    }
    let msg = text(cmd, "reasonmsg").unwrap_or_default();
    let invoker = own_client(w, s).cloned();
    let clids: Vec<u32> = cmd
        .pipes()
        .filter_map(|p| p.get("clid")?.parse::<u32>())
        .collect();
    if clids.is_empty() {
        return Err(err::missing_parameter());
    }
    if clids.iter().any(|c| !w.clients.contains_key(c)) {
        return Err(err::invalid_client());
    }
    for clid in clids {
        if reasonid == 5 {
            w.remove_client(clid, 5, &msg, invoker.as_ref());
        } else {
            let default = w.default_channel();
            let from = w.clients.get(&clid).map_or(0, |c| c.cid);
            if from == default {
                continue;
            }
            if let Some(c) = w.clients.get_mut(&clid) {
                c.cid = default;
            }
            let mut ev = Items::new();
            ev.kv("ctid", default).kv("reasonid", 4);
            invoker_items(&mut ev, invoker.as_ref());
            ev.kv("reasonmsg", msg.as_str()).kv("clid", clid);
            w.send_view_event(&event("notifyclientmoved", &ev), &[from, default]);
        }
    }
    Ok(Reply::ok())
}

pub(super) fn clientpoke(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let clid = number(cmd, "clid")?;
    text(cmd, "msg").ok_or_else(err::missing_parameter)?;
    if !w.clients.contains_key(&clid) {
        return Err(err::invalid_client());
    }
    Ok(Reply::ok())
}

pub(super) fn clientupdate(
    w: &mut World,
    s: &Session,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    let clid = own_client(w, s)
        .map(|c| c.clid)
        .ok_or_else(err::invalid_client)?;
    update_client(w, clid, cmd)
}

/// Applies `client_*` properties to a client; returns the changed ones.
pub(super) fn update_client(w: &mut World, clid: u32, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let nick = text(cmd, "client_nickname");
    if let Some(n) = &nick {
        if w.clients
            .values()
            .any(|c| c.clid != clid && &c.nickname == n)
        {
            return Err(Reply::error(ErrorId::ClientNicknameInuse));
        }
    }
    let c = w.clients.get_mut(&clid).ok_or_else(err::invalid_client)?;
    let mut changed = Items::new();
    if let Some(n) = nick {
        changed.kv("client_nickname", n.as_str());
        c.nickname = n;
    }
    for (key, field) in [
        ("client_input_muted", &mut c.input_muted),
        ("client_output_muted", &mut c.output_muted),
        ("client_away", &mut c.away),
    ] {
        if let Some(v) = flag(cmd, key) {
            *field = v;
            changed.kv(key, v);
        }
    }
    if let Some(m) = text(cmd, "client_away_message") {
        changed.kv("client_away_message", m.as_str());
        c.away_message = m;
    }
    if let Some(d) = text(cmd, "client_description") {
        changed.kv("client_description", d.as_str());
        c.description = d;
    }
    if changed.is_empty() {
        return Err(err::invalid_parameter());
    }
    let mut ev = Items::new();
    ev.kv("clid", clid).append(&changed);
    w.send_client_query_event("notifyclientupdated", &ev);
    Ok(Reply::ok())
}
