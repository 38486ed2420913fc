//! Events: subscriptions and text messages, which reach the sessions subscribed to them.

use ts3q::ParsedCommand;

use super::{number, own_client, text, Session};
use crate::reply::{err, Items, Reply};
use crate::world::{Client, World};

pub(super) fn invoker_items(items: &mut Items, c: Option<&Client>) {
    if let Some(c) = c {
        items
            .kv("invokerid", c.clid)
            .kv("invokername", c.nickname.as_str())
            .kv("invokeruid", c.uid.as_str());
    }
}

pub(super) fn sendtextmessage(
    w: &mut World,
    s: &Session,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    let mode = number(cmd, "targetmode")?;
    let msg = text(cmd, "msg").ok_or_else(err::missing_parameter)?;
    let target = cmd
        .get("target")
        .and_then(|v| v.parse::<u32>())
        .unwrap_or(0);
    if !(1..=3).contains(&mode) {
        return Err(err::invalid_parameter());
    }
    let from = own_client(w, s).cloned().ok_or_else(err::invalid_client)?;
    if !w.text_message(&from, mode, target, &msg) {
        return Err(err::invalid_client());
    }
    Ok(Reply::ok())
}

pub(super) fn notifyregister(
    w: &mut World,
    s: &Session,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    let ev = text(cmd, "event").ok_or_else(err::missing_parameter)?;
    let id = cmd.get("id").and_then(|v| v.parse::<u32>()).unwrap_or(0);
    if ev == "channel" && id != 0 && !w.channels.contains_key(&id) {
        return Err(err::invalid_channel());
    }
    let h = w.sessions.get_mut(&s.id).ok_or_else(err::invalid_client)?;
    match ev.as_str() {
        "server" => h.subs.server = true,
        "channel" => h.subs.channels.push(id),
        "textserver" => h.subs.textserver = true,
        "textchannel" => h.subs.textchannel = true,
        "textprivate" => h.subs.textprivate = true,
        "tokenused" => h.subs.tokenused = true,
        _ => return Err(err::invalid_parameter()),
    }
    Ok(Reply::ok())
}
