//! The session and the virtual server: login, `use`, `whoami`, server information and
//! editing, and the instance-wide commands (`gm`, `instanceinfo`, `hostinfo`, `logview`).

use ts3q::ParsedCommand;

use super::{invoker_items, number, text, Session};
use crate::reply::{err, event, Items, Reply};
use crate::world::{Client, World};

pub(super) fn login(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

pub(super) fn version() -> Result<Reply, Reply> {
    let mut i = Items::new();
    i.kv("version", "3.13.7")
        .kv("build", 1655727713u64)
        .kv("platform", "Linux");
    Ok(Reply::items(i))
}

pub(super) fn whoami(w: &World, s: &Session) -> Reply {
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

pub(super) fn default_nick(s: &Session) -> String {
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

pub(super) fn deselect(w: &mut World, s: &mut Session) {
    if let Some(h) = w.sessions.get_mut(&s.id) {
        h.subs = Default::default();
        if let Some(clid) = h.clid.take() {
            w.clients.remove(&clid);
        }
    }
    s.selected = false;
}

pub(super) fn use_server(
    w: &mut World,
    s: &mut Session,
    cmd: &ParsedCommand,
) -> Result<Reply, Reply> {
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

pub(super) fn clients_online(w: &World) -> (usize, usize) {
    let query = w.clients.values().filter(|c| c.client_type == 1).count();
    (w.clients.len(), query)
}

pub(super) fn serverinfo(w: &World) -> Reply {
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

pub(super) fn serverlist(w: &World) -> Reply {
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

pub(super) fn serveredit(w: &mut World, s: &Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
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

pub(super) fn gm(w: &mut World, s: &mut Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let msg = text(cmd, "msg").ok_or_else(err::missing_parameter)?;
    // A global message reaches every server's chat: here, the one virtual server, from the
    // query client.
    let from = own_client(w, s).cloned().ok_or_else(err::invalid_client)?;
    w.text_message(&from, 3, 0, &msg);
    Ok(Reply::ok())
}

pub(super) fn instanceinfo(
    w: &mut World,
    _: &mut Session,
    _: &ParsedCommand,
) -> Result<Reply, Reply> {
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

pub(super) fn hostinfo(w: &mut World, _: &mut Session, _: &ParsedCommand) -> Result<Reply, Reply> {
    let online = w.clients.len();
    let mut items = Items::new();
    items
        .kv("instance_uptime", w.uptime())
        .kv("host_timestamp_utc", w.unix())
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

pub(super) fn logview(w: &mut World, _: &mut Session, cmd: &ParsedCommand) -> Result<Reply, Reply> {
    let lines = number(cmd, "lines").unwrap_or(10).clamp(1, 100);
    let mut items = Items::new();
    let start = w.uptime();
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

/// The query connection's own traffic figures (`serverrequestconnectioninfo`): the simulator
/// counts nothing, so the totals are zero but the connected time.
pub(super) fn serverrequestconnectioninfo(
    w: &mut World,
    _: &mut Session,
    _: &ParsedCommand,
) -> Result<Reply, Reply> {
    let mut i = Items::new();
    for key in [
        "connection_filetransfer_bandwidth_sent",
        "connection_filetransfer_bandwidth_received",
        "connection_filetransfer_bytes_sent_total",
        "connection_filetransfer_bytes_received_total",
        "connection_packets_sent_total",
        "connection_bytes_sent_total",
        "connection_packets_received_total",
        "connection_bytes_received_total",
        "connection_bandwidth_sent_last_second_total",
        "connection_bandwidth_sent_last_minute_total",
        "connection_bandwidth_received_last_second_total",
        "connection_bandwidth_received_last_minute_total",
    ] {
        i.kv(key, 0);
    }
    i.kv("connection_connected_time", w.uptime())
        .kv("connection_packetloss_total", "0.0000")
        .kv("connection_ping", "0.0000");
    Ok(Reply::items(i))
}
