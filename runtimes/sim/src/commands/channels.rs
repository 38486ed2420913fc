//! Channels: the list in tree order, information, and creating, editing, moving and deleting.

use ts3q::ParsedCommand;

use super::{flag, invoker_items, number, own_client, text, Session};
use crate::reply::{err, event, Items, Reply};
use crate::world::World;

/// Channels in tree order: parents before children, siblings by `channel_order`.
pub(super) fn tree_order(w: &World) -> Vec<u32> {
    fn visit(w: &World, pid: u32, out: &mut Vec<u32>) {
        let mut kids: Vec<_> = w
            .channels
            .values()
            .filter(|c| c.pid == pid)
            .map(|c| (c.order, c.cid))
            .collect();
        kids.sort();
        for (_, cid) in kids {
            out.push(cid);
            visit(w, cid, out);
        }
    }
    let mut out = Vec::new();
    visit(w, 0, &mut out);
    out
}

pub(super) fn channellist(w: &World, cmd: &ParsedCommand) -> Reply {
    let mut i = Items::new();
    for cid in tree_order(w) {
        let Some(c) = w.channels.get(&cid) else {
            continue;
        };
        let total = w.clients.values().filter(|cl| cl.cid == cid).count();
        i.item()
            .kv("cid", c.cid)
            .kv("pid", c.pid)
            .kv("channel_order", c.order)
            .kv("channel_name", c.name.as_str());
        if cmd.has_option("topic") {
            i.kv("channel_topic", c.topic.as_str());
        }
        if cmd.has_option("flags") {
            i.kv("channel_flag_default", c.default)
                .kv("channel_flag_password", !c.password.is_empty())
                .kv("channel_flag_permanent", c.permanent)
                .kv("channel_flag_semi_permanent", c.semi_permanent);
        }
        if cmd.has_option("voice") {
            i.kv("channel_codec", c.codec)
                .kv("channel_codec_quality", c.codec_quality)
                .kv("channel_needed_talk_power", c.needed_talk_power);
        }
        if cmd.has_option("limits") {
            i.kv("total_clients_family", total)
                .kv("channel_maxclients", c.maxclients)
                .kv("channel_maxfamilyclients", -1);
        }
        i.kv("total_clients", total)
            .kv("channel_needed_subscribe_power", 0);
        if cmd.has_option("icon") {
            i.kv("channel_icon_id", c.icon_id);
        }
        if cmd.has_option("secondsempty") {
            let empty = if total == 0 {
                w.config.clock.since(c.created).as_secs() as i64
            } else {
                -1
            };
            i.kv("seconds_empty", empty);
        }
    }
    Reply::items(i)
}

pub(super) fn channelinfo(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = number(cmd, "cid")?;
    let c = w.channels.get(&cid).ok_or_else(err::invalid_channel)?;
    let mut i = Items::new();
    i.kv("pid", c.pid)
        .kv("channel_name", c.name.as_str())
        .kv("channel_topic", c.topic.as_str())
        .kv("channel_description", c.description.as_str())
        .kv("channel_password", "")
        .kv("channel_codec", c.codec)
        .kv("channel_codec_quality", c.codec_quality)
        .kv("channel_maxclients", c.maxclients)
        .kv("channel_maxfamilyclients", -1)
        .kv("channel_order", c.order)
        .kv("channel_flag_permanent", c.permanent)
        .kv("channel_flag_semi_permanent", c.semi_permanent)
        .kv("channel_flag_default", c.default)
        .kv("channel_flag_password", !c.password.is_empty())
        .kv("channel_codec_latency_factor", 1)
        .kv("channel_codec_is_unencrypted", 1)
        .kv("channel_security_salt", "")
        .kv("channel_delete_delay", 0)
        .kv(
            "channel_unique_identifier",
            format!("{:08x}-0000-4000-8000-{:012x}", cid, cid),
        )
        .kv("channel_flag_maxclients_unlimited", c.maxclients < 0)
        .kv("channel_flag_maxfamilyclients_unlimited", 0)
        .kv("channel_flag_maxfamilyclients_inherited", 1)
        .kv(
            "channel_filepath",
            format!("files/virtualserver_1/channel_{cid}"),
        )
        .kv("channel_needed_talk_power", c.needed_talk_power)
        .kv("channel_forced_silence", 0)
        .kv("channel_name_phonetic", "")
        .kv("channel_icon_id", c.icon_id)
        .kv("channel_banner_gfx_url", "")
        .kv("channel_banner_mode", 0)
        .kv("seconds_empty", -1);
    Ok(Reply::items(i))
}

/// Channel properties a command may set, applied to `c`; the changed ones are added to `changed`.
pub(super) fn apply_channel_props(
    w: &World,
    c: &mut crate::world::Channel,
    cmd: &ParsedCommand,
    changed: &mut Items,
) -> Result<(), Reply> {
    if let Some(name) = text(cmd, "channel_name") {
        if name.is_empty() {
            return Err(err::invalid_parameter());
        }
        let taken = w
            .channels
            .values()
            .any(|o| o.cid != c.cid && o.pid == c.pid && o.name == name);
        if taken {
            return Err(err::channel_name_in_use());
        }
        changed.kv("channel_name", name.as_str());
        c.name = name;
    }
    for (key, field) in [
        ("channel_topic", &mut c.topic),
        ("channel_description", &mut c.description),
        ("channel_password", &mut c.password),
    ] {
        if let Some(v) = text(cmd, key) {
            if key == "channel_password" {
                changed.kv("channel_flag_password", !v.is_empty());
            } else {
                changed.kv(key, v.as_str());
            }
            *field = v;
        }
    }
    if let Some(p) = flag(cmd, "channel_flag_permanent") {
        c.permanent = p;
        changed.kv("channel_flag_permanent", p);
    }
    if let Some(p) = flag(cmd, "channel_flag_semi_permanent") {
        c.semi_permanent = p;
        changed.kv("channel_flag_semi_permanent", p);
    }
    if let Some(n) = cmd.get("channel_maxclients").and_then(|v| v.parse::<i64>()) {
        c.maxclients = n;
        changed.kv("channel_maxclients", n);
    }
    for (key, field) in [
        ("channel_codec", &mut c.codec),
        ("channel_codec_quality", &mut c.codec_quality),
        ("channel_needed_talk_power", &mut c.needed_talk_power),
        ("channel_icon_id", &mut c.icon_id),
    ] {
        if let Some(v) = cmd.get(key) {
            *field = v.parse::<u32>().ok_or_else(err::invalid_parameter)?;
            changed.kv(key, *field);
        }
    }
    Ok(())
}

pub(super) fn channelcreate(
    w: &mut World,
    s: &Session,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    let name = text(cmd, "channel_name").ok_or_else(err::missing_parameter)?;
    let pid = match cmd.get("cpid") {
        Some(v) => v.parse::<u32>().ok_or_else(err::invalid_parameter)?,
        None => 0,
    };
    if pid != 0 && !w.channels.contains_key(&pid) {
        return Err(err::invalid_channel());
    }
    if w.channels.values().any(|c| c.pid == pid && c.name == name) {
        return Err(err::channel_name_in_use());
    }
    let cid = w.add_channel(&name, pid);
    let mut c = w
        .channels
        .get(&cid)
        .cloned()
        .ok_or_else(err::invalid_channel)?;
    c.permanent = false;
    let mut changed = Items::new();
    if let Err(e) = apply_channel_props(w, &mut c, cmd, &mut changed) {
        w.channels.remove(&cid);
        return Err(e);
    }
    if let Some(order) = cmd.get("channel_order").and_then(|v| v.parse::<u32>()) {
        c.order = order;
    }
    let mut ev = Items::new();
    ev.kv("cid", cid)
        .kv("cpid", pid)
        .kv("channel_name", c.name.as_str())
        .kv("channel_order", c.order);
    ev.kv("channel_flag_permanent", c.permanent);
    invoker_items(&mut ev, own_client(w, s));
    w.channels.insert(cid, c);
    w.send_channel_event(&event("notifychannelcreated", &ev), pid);
    let mut i = Items::new();
    i.kv("cid", cid);
    Ok(Reply::items(i))
}

pub(super) fn channeledit(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = number(cmd, "cid")?;
    let mut c = w
        .channels
        .get(&cid)
        .cloned()
        .ok_or_else(err::invalid_channel)?;
    let mut changed = Items::new();
    apply_channel_props(w, &mut c, cmd, &mut changed)?;
    if changed.is_empty() {
        return Err(err::invalid_parameter());
    }
    w.channels.insert(cid, c);
    let mut ev = Items::new();
    ev.kv("cid", cid).kv("reasonid", 10);
    invoker_items(&mut ev, own_client(w, s));
    ev.append(&changed);
    w.send_channel_event(&event("notifychanneledited", &ev), cid);
    Ok(Reply::ok())
}

pub(super) fn channeldelete(
    w: &mut World,
    s: &Session,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    let cid = number(cmd, "cid")?;
    let force = flag(cmd, "force").unwrap_or(false);
    let c = w.channels.get(&cid).ok_or_else(err::invalid_channel)?;
    if c.default {
        return Err(err::invalid_parameter());
    }
    // The channel and all its subchannels.
    let mut doomed = vec![cid];
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i];
        doomed.extend(
            w.channels
                .values()
                .filter(|c| c.pid == parent)
                .map(|c| c.cid),
        );
        i += 1;
    }
    let occupants: Vec<u32> = w
        .clients
        .values()
        .filter(|c| doomed.contains(&c.cid))
        .map(|c| c.clid)
        .collect();
    if !occupants.is_empty() && !force {
        return Err(err::channel_not_empty());
    }
    let invoker = own_client(w, s).cloned();
    let default = w.default_channel();
    for clid in occupants {
        let _ = w.move_client(clid, default, invoker.as_ref());
    }
    for d in doomed.iter().rev() {
        let pid = w.channels.get(d).map_or(0, |c| c.pid);
        w.channels.remove(d);
        w.files.remove(d);
        let mut ev = Items::new();
        invoker_items(&mut ev, invoker.as_ref());
        ev.kv("cid", *d);
        w.send_channel_event(&event("notifychanneldeleted", &ev), pid);
    }
    Ok(Reply::ok())
}

pub(super) fn channelmove(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = number(cmd, "cid")?;
    let cpid = number(cmd, "cpid")?;
    if !w.channels.contains_key(&cid)
        || (cpid != 0 && !w.channels.contains_key(&cpid))
        || cpid == cid
    {
        return Err(err::invalid_channel());
    }
    // No moving a channel below itself.
    let mut p = cpid;
    while p != 0 {
        if p == cid {
            return Err(err::invalid_channel());
        }
        p = w.channels.get(&p).map_or(0, |c| c.pid);
    }
    let order = cmd.get("order").and_then(|v| v.parse::<u32>()).unwrap_or(0);
    if let Some(c) = w.channels.get_mut(&cid) {
        c.pid = cpid;
        c.order = order;
    }
    let mut ev = Items::new();
    ev.kv("cid", cid)
        .kv("cpid", cpid)
        .kv("order", order)
        .kv("reasonid", 1);
    invoker_items(&mut ev, own_client(w, s));
    w.send_channel_event(&event("notifychannelmoved", &ev), cid);
    Ok(Reply::ok())
}
