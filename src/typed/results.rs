//! The results of the commands bots use most, as structs with the manual's fields. Fields a
//! command sends only with an option (`clientlist -uid`) or only on some server versions are
//! `Option`s. Read them with [`FromItem::from_item`](crate::typed::FromItem::from_item) or
//! `Response::typed`, or on a runtime with `query(..).all_typed::<T>()`.
//!
//! ```
//! use ts3q::typed::results::ClientListEntry;
//! let r = ts3q::Response::parse(
//!     "clid=1 cid=1 client_database_id=2 client_nickname=serveradmin client_type=1 client_away=0|clid=5 cid=2 client_database_id=9 client_nickname=Ben client_type=0 client_away=1".into(),
//!     "error id=0 msg=ok".into(),
//! ).unwrap();
//! let clients: Vec<ClientListEntry> = r.typed().unwrap();
//! assert_eq!(clients[1].client_nickname, "Ben");
//! assert_eq!(clients[1].client_away, Some(true));
//! assert_eq!(clients[0].client_unique_identifier, None); // needs -uid
//! ```

use crate::definitions::{Codec, CodecEncryptionMode, HostBannerMode, HostMessageMode};
use crate::typed_struct;

typed_struct! {
    /// `whoami`.
    #[non_exhaustive]
    pub struct Whoami {
        /// `online`, `offline`, `unknown`, ...
        virtualserver_status: String,
        /// Selected virtual server id (0: none).
        virtualserver_id: u32,
        /// Its unique identifier.
        virtualserver_unique_identifier: Option<String>,
        /// Its voice port.
        virtualserver_port: u16,
        /// This connection's client id.
        client_id: u32,
        /// Channel this query client is in.
        client_channel_id: u32,
        /// Nickname.
        client_nickname: Option<String>,
        /// Database id.
        client_database_id: u64,
        /// Login name.
        client_login_name: Option<String>,
        /// Unique identifier.
        client_unique_identifier: Option<String>,
        /// Origin server id.
        client_origin_server_id: Option<u32>,
    }
}

typed_struct! {
    /// `version`.
    #[non_exhaustive]
    pub struct Version {
        /// Version string, e.g. `3.13.7`.
        version: String,
        /// Build number (a Unix time).
        build: u64,
        /// Platform, e.g. `Linux`.
        platform: String,
    }
}

typed_struct! {
    /// `serverinfo` (the fields bots read; the rest through the item).
    #[non_exhaustive]
    pub struct ServerInfo {
        /// Id.
        virtualserver_id: Option<u32>,
        /// Unique identifier.
        virtualserver_unique_identifier: String,
        /// Name.
        virtualserver_name: String,
        /// Welcome message.
        virtualserver_welcomemessage: Option<String>,
        /// Platform.
        virtualserver_platform: Option<String>,
        /// Version.
        virtualserver_version: Option<String>,
        /// Slots.
        virtualserver_maxclients: u32,
        /// Clients online (query clients included).
        virtualserver_clientsonline: u32,
        /// Query clients online.
        virtualserver_queryclientsonline: Option<u32>,
        /// Channels.
        virtualserver_channelsonline: u32,
        /// Created (Unix time).
        virtualserver_created: Option<u64>,
        /// Uptime in seconds.
        virtualserver_uptime: u64,
        /// Codec encryption mode.
        virtualserver_codec_encryption_mode: Option<CodecEncryptionMode>,
        /// Host message.
        virtualserver_hostmessage: Option<String>,
        /// How the host message is shown.
        virtualserver_hostmessage_mode: Option<HostMessageMode>,
        /// Default server group.
        virtualserver_default_server_group: Option<u32>,
        /// Default channel group.
        virtualserver_default_channel_group: Option<u32>,
        /// Banner scaling.
        virtualserver_hostbanner_mode: Option<HostBannerMode>,
        /// Voice port.
        virtualserver_port: Option<u16>,
        /// Starts with the instance.
        virtualserver_autostart: Option<bool>,
        /// Has a password.
        virtualserver_flag_password: Option<bool>,
        /// Status (`online`, ...).
        virtualserver_status: Option<String>,
        /// Reserved slots.
        virtualserver_reserved_slots: Option<u32>,
        /// Icon id.
        virtualserver_icon_id: Option<i64>,
    }
}

typed_struct! {
    /// One server of `serverlist`.
    #[non_exhaustive]
    pub struct ServerListEntry {
        /// Id.
        virtualserver_id: u32,
        /// Voice port.
        virtualserver_port: u16,
        /// `online`, `offline`, ...
        virtualserver_status: String,
        /// Clients online (absent when offline).
        virtualserver_clientsonline: Option<u32>,
        /// Query clients online.
        virtualserver_queryclientsonline: Option<u32>,
        /// Slots.
        virtualserver_maxclients: Option<u32>,
        /// Uptime in seconds.
        virtualserver_uptime: Option<u64>,
        /// Name.
        virtualserver_name: String,
        /// Starts with the instance.
        virtualserver_autostart: Option<bool>,
        /// Machine id.
        virtualserver_machine_id: Option<String>,
        /// Unique identifier (`-uid`).
        virtualserver_unique_identifier: Option<String>,
    }
}

typed_struct! {
    /// One client of `clientlist`; each option's fields are `Some` when it was given.
    #[non_exhaustive]
    pub struct ClientListEntry {
        /// Client id.
        clid: u32,
        /// Channel id.
        cid: u32,
        /// Database id.
        client_database_id: u64,
        /// Nickname.
        client_nickname: String,
        /// 0: voice client, 1: query client.
        client_type: u32,
        /// `-uid`: unique identifier.
        client_unique_identifier: Option<String>,
        /// `-away`: away.
        client_away: Option<bool>,
        /// `-away`: away message.
        client_away_message: Option<String>,
        /// `-voice`: talking now.
        client_flag_talking: Option<bool>,
        /// `-voice`: microphone muted.
        client_input_muted: Option<bool>,
        /// `-voice`: speakers muted.
        client_output_muted: Option<bool>,
        /// `-voice`: microphone available.
        client_input_hardware: Option<bool>,
        /// `-voice`: speakers available.
        client_output_hardware: Option<bool>,
        /// `-voice`: talk power.
        client_talk_power: Option<i32>,
        /// `-voice`: may talk in a moderated channel.
        client_is_talker: Option<bool>,
        /// `-voice`: priority speaker.
        client_is_priority_speaker: Option<bool>,
        /// `-voice`: recording.
        client_is_recording: Option<bool>,
        /// `-voice`: channel commander.
        client_is_channel_commander: Option<bool>,
        /// `-times`: idle for (ms).
        client_idle_time: Option<u64>,
        /// `-times`: created (Unix time).
        client_created: Option<u64>,
        /// `-times`: last connected (Unix time).
        client_lastconnected: Option<u64>,
        /// `-groups`: server group ids.
        client_servergroups: Option<Vec<u32>>,
        /// `-groups`: channel group id.
        client_channel_group_id: Option<u32>,
        /// `-groups`: channel the channel group is inherited from.
        client_channel_group_inherited_channel_id: Option<u32>,
        /// `-info`: client version.
        client_version: Option<String>,
        /// `-info`: platform.
        client_platform: Option<String>,
        /// `-icon`: icon id.
        client_icon_id: Option<i64>,
        /// `-country`: country code.
        client_country: Option<String>,
        /// `-ip`: address.
        connection_client_ip: Option<String>,
        /// `-badges`: badges.
        client_badges: Option<String>,
    }
}

typed_struct! {
    /// `clientinfo` (the fields bots read; the rest through the item).
    #[non_exhaustive]
    pub struct ClientInfo {
        /// Channel id.
        cid: u32,
        /// Idle for (ms).
        client_idle_time: u64,
        /// Unique identifier.
        client_unique_identifier: String,
        /// Nickname.
        client_nickname: String,
        /// Client version.
        client_version: Option<String>,
        /// Platform.
        client_platform: Option<String>,
        /// Microphone muted.
        client_input_muted: Option<bool>,
        /// Speakers muted.
        client_output_muted: Option<bool>,
        /// Database id.
        client_database_id: u64,
        /// Channel group id.
        client_channel_group_id: Option<u32>,
        /// Server group ids.
        client_servergroups: Vec<u32>,
        /// Created (Unix time).
        client_created: Option<u64>,
        /// Last connected (Unix time).
        client_lastconnected: Option<u64>,
        /// Connections so far.
        client_totalconnections: Option<u32>,
        /// Away.
        client_away: Option<bool>,
        /// Away message.
        client_away_message: Option<String>,
        /// 0: voice client, 1: query client.
        client_type: u32,
        /// Talk power.
        client_talk_power: Option<i32>,
        /// Description.
        client_description: Option<String>,
        /// May talk in a moderated channel.
        client_is_talker: Option<bool>,
        /// Country code.
        client_country: Option<String>,
        /// Address (absent for query clients).
        connection_client_ip: Option<String>,
        /// Connected for (ms).
        connection_connected_time: Option<u64>,
    }
}

typed_struct! {
    /// One channel of `channellist`; each option's fields are `Some` when it was given.
    #[non_exhaustive]
    pub struct ChannelListEntry {
        /// Channel id.
        cid: u32,
        /// Parent channel id (0: top level).
        pid: u32,
        /// Id of the channel it is sorted below (0: first).
        channel_order: u32,
        /// Name.
        channel_name: String,
        /// Clients in it.
        total_clients: u32,
        /// Talk power needed.
        channel_needed_subscribe_power: Option<i32>,
        /// `-topic`: topic.
        channel_topic: Option<String>,
        /// `-flags`: default channel.
        channel_flag_default: Option<bool>,
        /// `-flags`: has a password.
        channel_flag_password: Option<bool>,
        /// `-flags`: permanent.
        channel_flag_permanent: Option<bool>,
        /// `-flags`: semi-permanent.
        channel_flag_semi_permanent: Option<bool>,
        /// `-voice`: codec.
        channel_codec: Option<Codec>,
        /// `-voice`: codec quality.
        channel_codec_quality: Option<u32>,
        /// `-voice`: talk power needed.
        channel_needed_talk_power: Option<i32>,
        /// `-limits`: clients in it and its subchannels.
        total_clients_family: Option<u32>,
        /// `-limits`: client limit (-1: none).
        channel_maxclients: Option<i32>,
        /// `-limits`: family client limit (-1: none).
        channel_maxfamilyclients: Option<i32>,
        /// `-icon`: icon id.
        channel_icon_id: Option<i64>,
        /// `-secondsempty`: seconds since it was last empty (-1: not empty).
        seconds_empty: Option<i64>,
    }
}

typed_struct! {
    /// `channelinfo` (the fields bots read; the rest through the item).
    #[non_exhaustive]
    pub struct ChannelInfo {
        /// Parent channel id.
        pid: u32,
        /// Name.
        channel_name: String,
        /// Topic.
        channel_topic: Option<String>,
        /// Description.
        channel_description: Option<String>,
        /// Codec.
        channel_codec: Option<Codec>,
        /// Codec quality.
        channel_codec_quality: Option<u32>,
        /// Client limit (-1: none).
        channel_maxclients: Option<i32>,
        /// Family client limit (-1: none).
        channel_maxfamilyclients: Option<i32>,
        /// Id of the channel it is sorted below.
        channel_order: u32,
        /// Permanent.
        channel_flag_permanent: Option<bool>,
        /// Semi-permanent.
        channel_flag_semi_permanent: Option<bool>,
        /// Default channel.
        channel_flag_default: Option<bool>,
        /// Has a password.
        channel_flag_password: Option<bool>,
        /// Talk power needed.
        channel_needed_talk_power: Option<i32>,
        /// Delete delay in seconds.
        channel_delete_delay: Option<u32>,
        /// Icon id.
        channel_icon_id: Option<i64>,
        /// Seconds since it was last empty.
        seconds_empty: Option<i64>,
    }
}

typed_struct! {
    /// One group of `servergrouplist`.
    #[non_exhaustive]
    pub struct ServerGroup {
        /// Group id.
        sgid: u32,
        /// Name.
        name: String,
        /// 0: template, 1: regular, 2: query.
        group_type: u32 = "type",
        /// Icon id.
        iconid: Option<i64>,
        /// Saved in the database.
        savedb: Option<bool>,
        /// Sort order.
        sortid: Option<u32>,
        /// How the name shows beside clients.
        namemode: Option<u32>,
        /// Power needed to modify it.
        n_modifyp: Option<i32>,
        /// Power needed to add members.
        n_member_addp: Option<i32>,
        /// Power needed to remove members.
        n_member_removep: Option<i32>,
    }
}

typed_struct! {
    /// One ban of `banlist`.
    #[non_exhaustive]
    pub struct Ban {
        /// Ban id.
        banid: u32,
        /// IP pattern.
        ip: Option<String>,
        /// Name pattern.
        name: Option<String>,
        /// Unique identifier.
        uid: Option<String>,
        /// Last nickname of the banned client.
        lastnickname: Option<String>,
        /// Created (Unix time).
        created: u64,
        /// Duration in seconds (0: permanent).
        duration: u64,
        /// Who banned.
        invokername: Option<String>,
        /// Their database id.
        invokercldbid: Option<u64>,
        /// Their unique identifier.
        invokeruid: Option<String>,
        /// Reason.
        reason: Option<String>,
        /// Times it was enforced.
        enforcements: Option<u32>,
    }
}

typed_struct! {
    /// One entry of `ftgetfilelist`.
    #[non_exhaustive]
    pub struct FileListEntry {
        /// Channel id.
        cid: u32,
        /// Directory listed.
        path: Option<String>,
        /// Name.
        name: String,
        /// Size in bytes (0 for directories).
        size: u64,
        /// Last modified (Unix time).
        datetime: u64,
        /// 0: directory, 1: file.
        file_type: u32 = "type",
    }
}
