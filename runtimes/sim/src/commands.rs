//! Command handlers: one parsed command in, one reply out (plus events through the world).

use std::time::{Duration, Instant};

use ts3q::ParsedCommand;

use crate::groups;
use crate::reply::{err, event, Items, Reply};
use crate::world::{
    join, unix_now, Client, Mode, SessionId, Transfer, TransferKind, World, SERVER_GROUPS,
};
use ts3q::ErrorId;

/// Per-connection state owned by its connection task.
#[derive(Debug)]
pub struct Session {
    pub id: SessionId,
    pub mode: Mode,
    pub peer: std::net::SocketAddr,
    pub login: Option<String>,
    pub selected: bool,
    pub authed: bool,
    /// Commands received so far.
    pub commands: u64,
}

/// What the connection does after the reply.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    Continue,
    Close,
}

pub(crate) fn text(cmd: &ParsedCommand, key: &str) -> Option<String> {
    cmd.get(key).map(|v| v.to_str_lossy().into_owned())
}

pub(crate) fn number(cmd: &ParsedCommand, key: &str) -> Result<u32, Reply> {
    let v = cmd.get(key).ok_or_else(err::missing_parameter)?;
    v.parse::<i64>()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(err::invalid_parameter)
}

fn number_in(pipe: &ts3q::Pipe<'_>, key: &str) -> Result<u32, Reply> {
    let v = pipe.get(key).ok_or_else(err::missing_parameter)?;
    v.parse::<u32>().ok_or_else(err::invalid_parameter)
}

fn flag(cmd: &ParsedCommand, key: &str) -> Option<bool> {
    cmd.get(key).and_then(|v| v.parse::<i64>()).map(|n| n != 0)
}

/// What a ServerQuery command needs before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: it runs before `login` (answers 518 otherwise).
    Nothing,
    /// A login.
    Login,
    /// A login and a selected virtual server (`use`; answers 1024 otherwise).
    Server,
}

type Handler = fn(&mut World, &mut Session, &ParsedCommand) -> Result<Reply, Reply>;

/// A ServerQuery command the simulator knows: declared once, with what it needs.
pub struct Spec {
    /// Its name.
    pub name: &'static str,
    /// What it needs.
    pub needs: Needs,
    run: Handler,
}

macro_rules! spec {
    ($name:literal, $needs:ident, $run:expr) => {
        Spec {
            name: $name,
            needs: Needs::$needs,
            run: $run,
        }
    };
}

/// Every ServerQuery command the simulator knows (`quit` is answered before the table).
pub static SERVER_COMMANDS: &[Spec] = &[
    spec!("help", Nothing, |_, _, _| Ok(Reply::ok())),
    spec!("login", Nothing, login),
    spec!("logout", Nothing, |w, s, _| {
        deselect(w, s);
        s.login = None;
        Ok(Reply::ok())
    }),
    spec!("version", Nothing, |_, _, _| version()),
    spec!("whoami", Nothing, |w, s, _| Ok(whoami(w, s))),
    spec!("use", Login, use_server),
    spec!("serverlist", Login, |w, _, _| Ok(serverlist(w))),
    spec!("serverinfo", Server, |w, _, _| Ok(serverinfo(w))),
    spec!("serveredit", Server, |w, s, c| serveredit(w, s, c)),
    spec!("channellist", Server, |w, _, c| Ok(channellist(w, c))),
    spec!("channelinfo", Server, |w, _, c| channelinfo(w, c)),
    spec!("channelcreate", Server, |w, s, c| channelcreate(w, s, c)),
    spec!("channeledit", Server, |w, s, c| channeledit(w, s, c)),
    spec!("channeldelete", Server, |w, s, c| channeldelete(w, s, c)),
    spec!("channelmove", Server, |w, s, c| channelmove(w, s, c)),
    spec!("clientlist", Server, |w, _, c| Ok(clientlist(w, c))),
    spec!("clientinfo", Server, |w, _, c| clientinfo(w, c)),
    spec!("clientfind", Server, |w, _, c| clientfind(w, c)),
    spec!("clientmove", Server, |w, s, c| clientmove(w, s, c)),
    spec!("clientkick", Server, |w, s, c| clientkick(w, s, c)),
    spec!("clientpoke", Server, |w, _, c| clientpoke(w, c)),
    spec!("clientupdate", Server, |w, s, c| clientupdate(w, s, c)),
    spec!("sendtextmessage", Server, |w, s, c| sendtextmessage(
        w, s, c
    )),
    spec!("servernotifyregister", Server, |w, s, c| notifyregister(
        w, s, c
    )),
    spec!("servernotifyunregister", Server, |w, s, _| {
        if let Some(h) = w.sessions.get_mut(&s.id) {
            h.subs = Default::default();
        }
        Ok(Reply::ok())
    }),
    spec!("banclient", Server, |w, s, c| banclient(w, s, c)),
    spec!("banlist", Server, |w, _, _| Ok(banlist(w))),
    spec!("servergrouplist", Server, |w, _, _| Ok(servergrouplist(w))),
    spec!("ftinitupload", Server, |w, _, c| ftinit(w, c, true)),
    spec!("ftinitdownload", Server, |w, _, c| ftinit(w, c, false)),
    spec!("ftgetfilelist", Server, |w, _, c| ftgetfilelist(w, c)),
    spec!("ftgetfileinfo", Server, |w, _, c| ftgetfileinfo(w, c)),
    spec!("ftdeletefile", Server, |w, _, c| ftdeletefile(w, c)),
    spec!("ftcreatedir", Server, |w, _, c| ftcreatedir(w, c)),
    spec!("ftrenamefile", Server, |w, _, c| ftrenamefile(w, c)),
    spec!("ftlist", Server, |w, _, _| ftlist(w)),
    spec!("ftstop", Server, |w, _, c| ftstop(w, c)),
    spec!(
        "servergroupclientlist",
        Server,
        groups::servergroupclientlist
    ),
    spec!("servergroupaddclient", Server, groups::servergroupaddclient),
    spec!("servergroupdelclient", Server, groups::servergroupdelclient),
    spec!(
        "servergroupsbyclientid",
        Server,
        groups::servergroupsbyclientid
    ),
    spec!("clientdblist", Server, groups::clientdblist),
    spec!("clientdbinfo", Server, groups::clientdbinfo),
    spec!("clientdbfind", Server, groups::clientdbfind),
    spec!("clientgetids", Server, groups::clientgetids),
    spec!("clientgetdbidfromuid", Server, groups::clientgetdbidfromuid),
    spec!("clientgetnamefromuid", Server, groups::clientgetnamefromuid),
    spec!(
        "clientgetnamefromdbid",
        Server,
        groups::clientgetnamefromdbid
    ),
    spec!("privilegekeyadd", Server, groups::privilegekeyadd),
    spec!("privilegekeylist", Server, groups::privilegekeylist),
    spec!("privilegekeydelete", Server, groups::privilegekeydelete),
    spec!("gm", Server, groups::gm),
    spec!("instanceinfo", Login, groups::instanceinfo),
    spec!("hostinfo", Login, groups::hostinfo),
    spec!("logview", Login, groups::logview),
];

pub fn dispatch(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> (Reply, After) {
    let name = cmd.name().to_ascii_lowercase();
    if name == "quit" {
        return (Reply::ok(), After::Close);
    }
    let reply = match s.mode {
        Mode::Server => server_command(w, s, &name, cmd),
        Mode::Client => client_command(w, s, &name, cmd),
    };
    (reply.unwrap_or_else(|e| e), After::Continue)
}

fn server_command(
    w: &mut World,
    s: &mut Session,
    name: &str,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    // Unknown commands are unknown whether logged in or not.
    let spec = SERVER_COMMANDS
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(err::not_found)?;
    if spec.needs != Needs::Nothing && s.login.is_none() {
        return Err(err::not_logged_in());
    }
    if spec.needs == Needs::Server && !s.selected {
        return Err(err::invalid_server());
    }
    (spec.run)(w, s, cmd)
}

fn login(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let words: Vec<String> = cmd
        .pipe(0)
        .map(|p| p.words().map(|v| v.to_str_lossy().into_owned()).collect())
        .unwrap_or_default();
    let user = text(cmd, "client_login_name").or_else(|| words.first().cloned());
    let pass = text(cmd, "client_login_password").or_else(|| words.get(1).cloned());
    let (Some(user), Some(pass)) = (user, pass) else {
        return Err(err::invalid_parameter());
    };
    if user != w.config.login || pass != w.config.password {
        return Err(err::invalid_login());
    }
    // A new login drops the subscriptions of the old one.
    if let Some(h) = w.sessions.get_mut(&s.id) {
        h.subs = Default::default();
    }
    s.login = Some(user);
    Ok(Reply::ok())
}

fn version() -> Result<Reply, Reply> {
    let mut i = Items::new();
    i.kv("version", "3.13.7")
        .kv("build", 1655727713u64)
        .kv("platform", "Linux");
    Ok(Reply::items(i))
}

fn whoami(w: &World, s: &Session) -> Reply {
    let me = own_client(w, s);
    let mut i = Items::new();
    if s.selected {
        i.kv("virtualserver_status", "online")
            .kv("virtualserver_id", 1)
            .kv("virtualserver_unique_identifier", w.server_uid.as_str())
            .kv("virtualserver_port", 9987);
    } else {
        i.kv("virtualserver_status", "unknown")
            .kv("virtualserver_id", 0)
            .kv("virtualserver_unique_identifier", "")
            .kv("virtualserver_port", 0);
    }
    i.kv("client_id", me.map_or(0, |c| c.clid))
        .kv("client_channel_id", me.map_or(0, |c| c.cid))
        .kv(
            "client_nickname",
            me.map_or_else(|| default_nick(s), |c| c.nickname.clone()),
        )
        .kv("client_database_id", u32::from(s.login.is_some()))
        .kv("client_login_name", s.login.as_deref().unwrap_or(""))
        .kv(
            "client_unique_identifier",
            if s.login.is_some() { "serveradmin" } else { "" },
        )
        .kv("client_origin_server_id", 0);
    Reply::items(i)
}

fn default_nick(s: &Session) -> String {
    format!(
        "{} from {}",
        s.login.as_deref().unwrap_or("Unknown"),
        s.peer
    )
}

pub(crate) fn own_client<'w>(w: &'w World, s: &Session) -> Option<&'w Client> {
    w.sessions
        .get(&s.id)
        .and_then(|h| h.clid)
        .and_then(|clid| w.clients.get(&clid))
}

fn deselect(w: &mut World, s: &mut Session) {
    if let Some(h) = w.sessions.get_mut(&s.id) {
        h.subs = Default::default();
        if let Some(clid) = h.clid.take() {
            w.clients.remove(&clid);
        }
    }
    s.selected = false;
}

fn use_server(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let positional = cmd
        .pipe(0)
        .and_then(|p| p.words().next())
        .and_then(|v| v.parse::<u32>());
    let sid = match (cmd.get("sid"), cmd.get("port"), positional) {
        (Some(v), _, _) => v.parse::<u32>().ok_or_else(err::invalid_parameter)?,
        (None, Some(p), _) => match p.parse::<u32>() {
            Some(9987) => 1,
            _ => return Err(err::invalid_server()),
        },
        (None, None, Some(n)) => n,
        (None, None, None) => 1,
    };
    if sid != 1 {
        return Err(err::invalid_server());
    }
    deselect(w, s);
    let nick = text(cmd, "client_nickname").unwrap_or_else(|| default_nick(s));
    w.add_query_client(s.id, &nick);
    s.selected = true;
    Ok(Reply::ok())
}

fn clients_online(w: &World) -> (usize, usize) {
    let query = w.clients.values().filter(|c| c.client_type == 1).count();
    (w.clients.len(), query)
}

fn serverinfo(w: &World) -> Reply {
    let (online, query) = clients_online(w);
    let mut i = Items::new();
    i.kv("virtualserver_unique_identifier", w.server_uid.as_str())
        .kv("virtualserver_name", w.server_name.as_str())
        .kv("virtualserver_welcomemessage", w.welcome.as_str())
        .kv("virtualserver_maxclients", w.maxclients)
        .kv("virtualserver_password", "")
        .kv("virtualserver_clientsonline", online)
        .kv("virtualserver_channelsonline", w.channels.len())
        .kv("virtualserver_created", 1_600_000_000u64)
        .kv("virtualserver_uptime", w.uptime())
        .kv("virtualserver_codec_encryption_mode", 0)
        .kv("virtualserver_hostmessage", w.hostmessage.as_str())
        .kv("virtualserver_hostmessage_mode", 0)
        .kv("virtualserver_filebase", "files/virtualserver_1")
        .kv("virtualserver_default_server_group", 8)
        .kv("virtualserver_default_channel_group", 8)
        .kv("virtualserver_flag_password", 0)
        .kv("virtualserver_default_channel_admin_group", 5)
        .kv("virtualserver_max_download_total_bandwidth", u64::MAX)
        .kv("virtualserver_max_upload_total_bandwidth", u64::MAX)
        .kv("virtualserver_hostbanner_url", "")
        .kv("virtualserver_hostbanner_gfx_url", "")
        .kv("virtualserver_hostbanner_gfx_interval", 0)
        .kv("virtualserver_complain_autoban_count", 5)
        .kv("virtualserver_complain_autoban_time", 1200)
        .kv("virtualserver_complain_remove_time", 3600)
        .kv(
            "virtualserver_min_clients_in_channel_before_forced_silence",
            100,
        )
        .kv(
            "virtualserver_priority_speaker_dimm_modificator",
            "-18.0000",
        )
        .kv("virtualserver_id", 1)
        .kv("virtualserver_antiflood_points_tick_reduce", 5)
        .kv("virtualserver_antiflood_points_needed_command_block", 150)
        .kv("virtualserver_antiflood_points_needed_ip_block", 250)
        .kv("virtualserver_client_connections", 1)
        .kv("virtualserver_query_client_connections", 1)
        .kv("virtualserver_hostbutton_tooltip", "")
        .kv("virtualserver_hostbutton_url", "")
        .kv("virtualserver_hostbutton_gfx_url", "")
        .kv("virtualserver_queryclientsonline", query)
        .kv("virtualserver_download_quota", u64::MAX)
        .kv("virtualserver_upload_quota", u64::MAX)
        .kv("virtualserver_month_bytes_downloaded", 0)
        .kv("virtualserver_month_bytes_uploaded", 0)
        .kv("virtualserver_total_bytes_downloaded", 0)
        .kv("virtualserver_total_bytes_uploaded", 0)
        .kv("virtualserver_port", 9987)
        .kv("virtualserver_autostart", 1)
        .kv("virtualserver_machine_id", "")
        .kv("virtualserver_needed_identity_security_level", 8)
        .kv("virtualserver_log_client", 0)
        .kv("virtualserver_log_query", 0)
        .kv("virtualserver_log_channel", 0)
        .kv("virtualserver_log_permissions", 1)
        .kv("virtualserver_log_server", 0)
        .kv("virtualserver_log_filetransfer", 0)
        .kv("virtualserver_min_client_version", 1_445_512_488u64)
        .kv("virtualserver_name_phonetic", "")
        .kv("virtualserver_icon_id", 0)
        .kv("virtualserver_reserved_slots", 0)
        .kv("virtualserver_total_packetloss_speech", "0.0000")
        .kv("virtualserver_total_ping", "0.0000")
        .kv("virtualserver_ip", "0.0.0.0, ::")
        .kv("virtualserver_weblist_enabled", 1)
        .kv("virtualserver_ask_for_privilegekey", 0)
        .kv("virtualserver_hostbanner_mode", 0)
        .kv("virtualserver_channel_temp_delete_delay_default", 0)
        .kv("virtualserver_min_android_version", 1_407_159_763u64)
        .kv("virtualserver_min_ios_version", 1_407_159_763u64)
        .kv("virtualserver_nickname", "")
        .kv("virtualserver_status", "online");
    Reply::items(i)
}

fn serverlist(w: &World) -> Reply {
    let (online, query) = clients_online(w);
    let mut i = Items::new();
    i.kv("virtualserver_id", 1)
        .kv("virtualserver_port", 9987)
        .kv("virtualserver_status", "online")
        .kv("virtualserver_clientsonline", online)
        .kv("virtualserver_queryclientsonline", query)
        .kv("virtualserver_maxclients", w.maxclients)
        .kv("virtualserver_uptime", w.uptime())
        .kv("virtualserver_name", w.server_name.as_str())
        .kv("virtualserver_autostart", 1)
        .kv("virtualserver_machine_id", "");
    Reply::items(i)
}

fn invoker_items(items: &mut Items, c: Option<&Client>) {
    if let Some(c) = c {
        items
            .kv("invokerid", c.clid)
            .kv("invokername", c.nickname.as_str())
            .kv("invokeruid", c.uid.as_str());
    }
}

fn serveredit(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let mut changed = Items::new();
    changed.kv("reasonid", 10);
    invoker_items(&mut changed, own_client(w, s));
    let mut any = false;
    if let Some(n) = text(cmd, "virtualserver_name") {
        changed.kv("virtualserver_name", n.as_str());
        w.server_name = n;
        any = true;
    }
    if let Some(m) = text(cmd, "virtualserver_welcomemessage") {
        changed.kv("virtualserver_welcomemessage", m.as_str());
        w.welcome = m;
        any = true;
    }
    if let Some(m) = text(cmd, "virtualserver_hostmessage") {
        changed.kv("virtualserver_hostmessage", m.as_str());
        w.hostmessage = m;
        any = true;
    }
    if let Some(n) = cmd
        .get("virtualserver_maxclients")
        .and_then(|v| v.parse::<u32>())
    {
        changed.kv("virtualserver_maxclients", n);
        w.maxclients = n;
        any = true;
    }
    if !any {
        return Err(err::invalid_parameter());
    }
    w.send_server_event(&event("notifyserveredited", &changed));
    Ok(Reply::ok())
}

/// Channels in tree order: parents before children, siblings by `channel_order`.
fn tree_order(w: &World) -> Vec<u32> {
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

fn channellist(w: &World, cmd: &ParsedCommand) -> Reply {
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
                c.created.elapsed().as_secs() as i64
            } else {
                -1
            };
            i.kv("seconds_empty", empty);
        }
    }
    Reply::items(i)
}

fn channelinfo(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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
fn apply_channel_props(
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

fn channelcreate(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn channeledit(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn channeldelete(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn channelmove(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn clientlist(w: &World, cmd: &ParsedCommand) -> Reply {
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
                c.last_active.elapsed().as_millis() as u64,
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

fn clientinfo(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let mut i = Items::new();
    for pipe in cmd.pipes() {
        let clid = number_in(&pipe, "clid")?;
        let c = w.clients.get(&clid).ok_or_else(err::invalid_client)?;
        i.item()
            .kv("cid", c.cid)
            .kv(
                "client_idle_time",
                c.last_active.elapsed().as_millis() as u64,
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

fn clientfind(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn clientmove(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn clientkick(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn clientpoke(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let clid = number(cmd, "clid")?;
    text(cmd, "msg").ok_or_else(err::missing_parameter)?;
    if !w.clients.contains_key(&clid) {
        return Err(err::invalid_client());
    }
    Ok(Reply::ok())
}

fn clientupdate(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let clid = own_client(w, s)
        .map(|c| c.clid)
        .ok_or_else(err::invalid_client)?;
    update_client(w, clid, cmd)
}

/// Applies `client_*` properties to a client; returns the changed ones.
fn update_client(w: &mut World, clid: u32, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn sendtextmessage(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn notifyregister(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

fn banclient(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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
            created: unix_now(),
            duration: time,
        });
        let mut line = Items::new();
        line.kv("banid", id);
        reply.data.push(line);
    }
    w.remove_client(clid, 6, &reason, invoker.as_ref());
    Ok(reply)
}

fn servergrouplist(w: &World) -> Reply {
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

fn banlist(w: &World) -> Reply {
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

// ------------------------------------------------------------------ file transfer commands

fn check_channel(w: &World, cmd: &ParsedCommand) -> Result<u32, Reply> {
    let cid = number(cmd, "cid")?;
    let c = w.channels.get(&cid).ok_or_else(err::invalid_channel)?;
    let cpw = text(cmd, "cpw").unwrap_or_default();
    if !c.password.is_empty() && cpw != c.password {
        return Err(Reply::error(ErrorId::ChannelInvalidPassword));
    }
    Ok(cid)
}

fn valid_path(name: &str) -> bool {
    name.starts_with('/') && !name.split('/').any(|p| p == "..") && !name.contains('\0')
}

fn ftinit(w: &mut World, cmd: &ParsedCommand, upload: bool) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let clientftfid = number(cmd, "clientftfid")?;
    let name = text(cmd, "name").ok_or_else(err::missing_parameter)?;
    let stored = w
        .files
        .get(&cid)
        .and_then(|f| f.get(&name))
        .filter(|f| !f.dir)
        .map(|f| f.data.len() as u64);
    let refuse = |status: u32, msg: &str| {
        let mut i = Items::new();
        i.kv("clientftfid", clientftfid)
            .kv("proto", 0)
            .kv("status", status)
            .kv("msg", msg)
            .kv("size", 0);
        Ok(Reply::items(i))
    };
    if !valid_path(&name) {
        return refuse(2054, "invalid file path");
    }
    let seekpos_req = cmd
        .get("seekpos")
        .and_then(|v| v.parse::<u64>())
        .unwrap_or(0);
    let kind = if upload {
        let size = cmd
            .get("size")
            .and_then(|v| v.parse::<u64>())
            .ok_or_else(err::missing_parameter)?;
        let overwrite = flag(cmd, "overwrite").unwrap_or(false);
        let resume = flag(cmd, "resume").unwrap_or(false);
        if overwrite && resume {
            return refuse(2056, "overwrite excludes resume");
        }
        let seekpos = match stored {
            Some(len) if resume => len.min(size),
            Some(_) if !overwrite => return refuse(2050, "file already exists"),
            _ => 0,
        };
        TransferKind::Upload { size, seekpos }
    } else {
        let Some(len) = stored else {
            return refuse(2051, "file not found");
        };
        if seekpos_req > len {
            return Err(err::invalid_parameter());
        }
        TransferKind::Download {
            seekpos: seekpos_req,
        }
    };
    let key = w.random_key(32);
    let serverftfid = w.next_ftid;
    w.next_ftid += 1;
    let expires = Instant::now() + Duration::from_secs(w.config.ft_key_ttl_secs);
    let port = w.config.ft_port;
    let mut i = Items::new();
    i.kv("clientftfid", clientftfid)
        .kv("serverftfid", serverftfid)
        .kv("ftkey", key.as_str())
        .kv("port", port);
    match &kind {
        TransferKind::Upload { seekpos, .. } => i.kv("seekpos", *seekpos),
        TransferKind::Download { .. } => i.kv("size", stored.unwrap_or(0)),
    };
    i.kv("proto", 0);
    w.transfers.insert(
        key,
        Transfer {
            cid,
            name,
            clientftfid,
            serverftfid,
            kind,
            expires,
        },
    );
    Ok(Reply::items(i))
}

/// Transfers granted and not finished: here, the tickets not yet redeemed.
fn ftlist(w: &World) -> Result<Reply, Reply> {
    let mut i = Items::new();
    let mut granted: Vec<_> = w.transfers.values().collect();
    granted.sort_by_key(|t| t.serverftfid);
    for t in granted {
        let (path, name) = match t.name.rfind('/') {
            Some(at) => (&t.name[..=at], &t.name[at + 1..]),
            None => ("/", t.name.as_str()),
        };
        let (size, sender) = match t.kind {
            TransferKind::Upload { size, .. } => (size, 1),
            TransferKind::Download { .. } => (0, 0),
        };
        i.item()
            .kv("clid", 0)
            .kv("cid", t.cid)
            .kv("path", path)
            .kv("name", name)
            .kv("size", size)
            .kv("sizedone", 0)
            .kv("clientftfid", t.clientftfid)
            .kv("serverftfid", t.serverftfid)
            .kv("sender", sender)
            .kv("status", 0)
            .kv("current_speed", 0)
            .kv("average_speed", 0)
            .kv("runtime", 0);
    }
    if i.is_empty() {
        return Err(Reply::error(ErrorId::DatabaseEmptyResult));
    }
    Ok(Reply::items(i))
}

/// Cancels a granted transfer by its `serverftfid`.
fn ftstop(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let id = number(cmd, "serverftfid")?;
    let before = w.transfers.len();
    w.transfers.retain(|_, t| t.serverftfid != id);
    if w.transfers.len() == before {
        return Err(Reply::error(ErrorId::FileInvalidTransferId));
    }
    Ok(Reply::ok())
}

fn ftgetfilelist(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let mut path = text(cmd, "path").unwrap_or_else(|| "/".into());
    if !path.ends_with('/') {
        path.push('/');
    }
    let mut i = Items::new();
    if let Some(files) = w.files.get(&cid) {
        for (full, f) in files {
            let Some(rest) = full.strip_prefix(&path) else {
                continue;
            };
            if rest.is_empty() || rest.contains('/') {
                continue;
            }
            i.item()
                .kv("cid", cid)
                .kv("path", path.as_str())
                .kv("name", rest)
                .kv("size", if f.dir { 0 } else { f.data.len() })
                .kv("datetime", f.datetime)
                .kv("type", u32::from(!f.dir));
        }
    }
    Ok(Reply::items(i))
}

fn ftgetfileinfo(w: &World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let mut i = Items::new();
    for pipe in cmd.pipes() {
        let Some(name) = pipe.get("name").map(|v| v.to_str_lossy().into_owned()) else {
            continue;
        };
        let f = w
            .files
            .get(&cid)
            .and_then(|f| f.get(&name))
            .ok_or_else(err::file_not_found)?;
        i.item()
            .kv("cid", cid)
            .kv("name", name.as_str())
            .kv("size", if f.dir { 0 } else { f.data.len() })
            .kv("datetime", f.datetime)
            .kv("type", u32::from(!f.dir));
    }
    Ok(Reply::items(i))
}

fn ftdeletefile(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let names: Vec<String> = cmd
        .pipes()
        .filter_map(|p| p.get("name").map(|v| v.to_str_lossy().into_owned()))
        .collect();
    let files = w.files.entry(cid).or_default();
    for name in names {
        if files.remove(&name).is_none() {
            return Err(err::file_not_found());
        }
        let prefix = format!("{name}/");
        files.retain(|k, _| !k.starts_with(&prefix));
    }
    Ok(Reply::ok())
}

fn ftcreatedir(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let dir = text(cmd, "dirname").ok_or_else(err::missing_parameter)?;
    if !valid_path(&dir) {
        return Err(Reply::error(ErrorId::FileInvalidPath));
    }
    let files = w.files.entry(cid).or_default();
    if files.contains_key(&dir) {
        return Err(err::file_exists());
    }
    files.insert(
        dir,
        crate::world::FileEntry {
            data: Default::default(),
            dir: true,
            datetime: unix_now(),
        },
    );
    Ok(Reply::ok())
}

fn ftrenamefile(w: &mut World, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let cid = check_channel(w, cmd)?;
    let old = text(cmd, "oldname").ok_or_else(err::missing_parameter)?;
    let new = text(cmd, "newname").ok_or_else(err::missing_parameter)?;
    let tcid = cmd
        .get("tcid")
        .and_then(|v| v.parse::<u32>())
        .unwrap_or(cid);
    if !w.channels.contains_key(&tcid) {
        return Err(err::invalid_channel());
    }
    if !valid_path(&new) {
        return Err(Reply::error(ErrorId::FileInvalidPath));
    }
    if w.files.get(&tcid).is_some_and(|f| f.contains_key(&new)) {
        return Err(err::file_exists());
    }
    let entry = w
        .files
        .get_mut(&cid)
        .and_then(|f| f.remove(&old))
        .ok_or_else(err::file_not_found)?;
    w.files.entry(tcid).or_default().insert(new, entry);
    Ok(Reply::ok())
}

// ---------------------------------------------------------------------------- ClientQuery

fn client_command(
    w: &mut World,
    s: &mut Session,
    name: &str,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
    if name == "auth" {
        let key = text(cmd, "apikey").ok_or_else(err::missing_parameter)?;
        if key != w.config.apikey {
            return Err(err::invalid_parameter());
        }
        s.authed = true;
        local_client(w, s);
        return Ok(Reply::ok());
    }
    if name == "help" {
        return Ok(Reply::ok());
    }
    if !s.authed {
        return Err(err::not_possible());
    }
    let handler_ok = |cmd: &ParsedCommand| match cmd.get("schandlerid").map(|v| v.parse::<u32>()) {
        None | Some(Some(0)) | Some(Some(1)) => Ok(()),
        _ => Err(err::invalid_handler()),
    };
    match name {
        "use" => {
            let positional = cmd
                .pipe(0)
                .and_then(|p| p.words().next())
                .and_then(|v| v.parse::<u32>());
            match positional {
                None | Some(1) => handler_ok(cmd).map(|_| Reply::ok()),
                Some(_) => Err(err::invalid_handler()),
            }
        }
        "currentschandlerid" => {
            let mut i = Items::new();
            i.kv("schandlerid", 1);
            Ok(Reply::items(i))
        }
        "serverconnectionhandlerlist" => {
            let mut i = Items::new();
            i.kv("schandlerid", 1);
            Ok(Reply::items(i))
        }
        "whoami" => {
            let c = local_client(w, s);
            let mut i = Items::new();
            i.kv("clid", c.0).kv("cid", c.1);
            Ok(Reply::items(i))
        }
        "clientnotifyregister" => {
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
        "clientnotifyunregister" => {
            if let Some(h) = w.sessions.get_mut(&s.id) {
                h.subs.client_events.clear();
            }
            Ok(Reply::ok())
        }
        "clientupdate" => {
            let (clid, _) = local_client(w, s);
            update_client(w, clid, cmd)
        }
        "clientlist" => Ok(clientlist(w, cmd)),
        "channellist" => Ok(channellist(w, cmd)),
        "sendtextmessage" => {
            let (clid, _) = local_client(w, s);
            if let Some(h) = w.sessions.get_mut(&s.id) {
                h.clid = Some(clid);
            }
            sendtextmessage(w, s, cmd)
        }
        _ => Err(err::not_found()),
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
