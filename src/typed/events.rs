//! Every notification of the ServerQuery and ClientQuery manuals as a typed struct, and
//! [`Notification`], the enum over them.
//!
//! An event line can carry several items (`notifyclientmoved ctid=5 reasonid=1 clid=1|clid=2`
//! moves two clients); [`TypedEvent::split`] gives one typed value per item, reading keys an
//! item does not repeat from the first. Unknown events become [`Notification::Unknown`], and
//! fields no struct declares stay readable through [`TypedEvent::item`]: nothing is lost.
//!
//! ```
//! use ts3q::typed::events::{Notification, TypedEvent};
//! let ev = ts3q::Event::parse("notifyclientmoved ctid=5 reasonid=1 invokerid=3 clid=1|clid=2".into()).unwrap();
//! let moved: Vec<(u32, u32)> = TypedEvent::split(&ev)
//!     .map(|t| match t.unwrap().notification {
//!         Notification::ClientMoved(m) => (m.clid, m.ctid),
//!         other => panic!("{other:?}"),
//!     })
//!     .collect();
//! assert_eq!(moved, [(1, 5), (2, 5)]);
//! ```

use std::fmt;

use crate::error::FieldError;
use crate::parse::{Event, Item, Value};
use crate::typed::field::{FieldType, FromItem, FromValue, Lookup, Shared};
use crate::typed_struct;

/// Why a client entered, left or moved (`reasonid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// 0: joined the server or switched channel by itself.
    Switched,
    /// 1: moved by another client.
    Moved,
    /// 2: came into or went out of view by a channel subscription.
    Subscription,
    /// 3: lost connection (timeout).
    Timeout,
    /// 4: kicked from the channel.
    KickChannel,
    /// 5: kicked from the server.
    KickServer,
    /// 6: banned.
    Ban,
    /// 7: the server stopped.
    ServerStop,
    /// 8: left the server.
    Disconnect,
    /// 9: the channel was updated.
    ChannelUpdate,
    /// 10: the channel was edited (moved by a channel edit or deletion).
    ChannelEdit,
    /// 11: the server shut down.
    ServerShutdown,
    /// An id not listed here.
    Other(u32),
}

impl Reason {
    /// The `reasonid` for a number.
    pub fn from_id(id: u32) -> Reason {
        use Reason::*;
        match id {
            0 => Switched,
            1 => Moved,
            2 => Subscription,
            3 => Timeout,
            4 => KickChannel,
            5 => KickServer,
            6 => Ban,
            7 => ServerStop,
            8 => Disconnect,
            9 => ChannelUpdate,
            10 => ChannelEdit,
            11 => ServerShutdown,
            n => Other(n),
        }
    }

    /// The number on the wire.
    pub fn id(self) -> u32 {
        use Reason::*;
        match self {
            Switched => 0,
            Moved => 1,
            Subscription => 2,
            Timeout => 3,
            KickChannel => 4,
            KickServer => 5,
            Ban => 6,
            ServerStop => 7,
            Disconnect => 8,
            ChannelUpdate => 9,
            ChannelEdit => 10,
            ServerShutdown => 11,
            Other(n) => n,
        }
    }
}

impl FromValue for Reason {
    const TYPE: &'static str = "reason id";
    fn from_value(v: &Value<'_>) -> Option<Reason> {
        u32::from_value(v).map(Reason::from_id)
    }
}

/// Who caused an event (`invokerid`, `invokername`, `invokeruid`); each part may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Invoker {
    /// The invoker's client id (0: the server).
    pub id: Option<u32>,
    /// The invoker's nickname.
    pub name: Option<String>,
    /// The invoker's unique identifier.
    pub uid: Option<String>,
}

impl FieldType for Invoker {
    fn read<'a, L: Lookup<'a>>(from: &L, _key: &str) -> Result<Invoker, FieldError> {
        Ok(Invoker {
            id: FieldType::read(from, "invokerid")?,
            name: FieldType::read(from, "invokername")?,
            uid: FieldType::read(from, "invokeruid")?,
        })
    }
}

typed_struct! {
    /// `notifycliententerview`: a client came into view (joined, or was moved into a
    /// subscribed channel).
    #[non_exhaustive]
    pub struct ClientEnterView {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel it came from (0 when it joined the server).
        cfid: u32,
        /// Channel it is in now.
        ctid: u32,
        /// Why.
        reasonid: Reason,
        /// Who moved it, when someone did.
        invoker: Invoker,
        /// Client id.
        clid: u32,
        /// Unique identifier.
        client_unique_identifier: Option<String>,
        /// Nickname.
        client_nickname: String,
        /// Microphone muted.
        client_input_muted: Option<bool>,
        /// Speakers muted.
        client_output_muted: Option<bool>,
        /// Speakers muted, microphone still on.
        client_outputonly_muted: Option<bool>,
        /// Microphone available.
        client_input_hardware: Option<bool>,
        /// Speakers available.
        client_output_hardware: Option<bool>,
        /// Free-form meta data.
        client_meta_data: Option<String>,
        /// Recording.
        client_is_recording: Option<bool>,
        /// Database id.
        client_database_id: Option<u64>,
        /// Channel group id.
        client_channel_group_id: Option<u32>,
        /// Server group ids.
        client_servergroups: Option<Vec<u32>>,
        /// Away.
        client_away: Option<bool>,
        /// Away message.
        client_away_message: Option<String>,
        /// 0: voice client, 1: query client.
        client_type: Option<u32>,
        /// Avatar hash.
        client_flag_avatar: Option<String>,
        /// Talk power.
        client_talk_power: Option<i32>,
        /// Requested to talk.
        client_talk_request: Option<bool>,
        /// Talk request message.
        client_talk_request_msg: Option<String>,
        /// Description.
        client_description: Option<String>,
        /// May talk in a moderated channel.
        client_is_talker: Option<bool>,
        /// Priority speaker.
        client_is_priority_speaker: Option<bool>,
        /// Unread offline messages.
        client_unread_messages: Option<u32>,
        /// Phonetic nickname.
        client_nickname_phonetic: Option<String>,
        /// View power a query client needs to see it.
        client_needed_serverquery_view_power: Option<i32>,
        /// Icon id.
        client_icon_id: Option<i64>,
        /// Channel commander.
        client_is_channel_commander: Option<bool>,
        /// Country code.
        client_country: Option<String>,
        /// Channel the channel group is inherited from.
        client_channel_group_inherited_channel_id: Option<u32>,
        /// Badges.
        client_badges: Option<String>,
    }
}

typed_struct! {
    /// `notifyclientleftview`: a client went out of view (left, was kicked, banned, timed
    /// out, or moved out of a subscribed channel).
    #[non_exhaustive]
    pub struct ClientLeftView {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel it was in.
        cfid: u32,
        /// Channel it went to (0 when it left the server).
        ctid: u32,
        /// Why.
        reasonid: Reason,
        /// Who kicked, banned or moved it.
        invoker: Invoker,
        /// Client id.
        clid: u32,
        /// The leave, kick or ban message.
        reasonmsg: Option<String>,
        /// Ban duration in seconds (bans only).
        bantime: Option<u64>,
    }
}

typed_struct! {
    /// `notifyclientmoved`: a client switched channel or was moved.
    #[non_exhaustive]
    pub struct ClientMoved {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel it is in now.
        ctid: u32,
        /// Why.
        reasonid: Reason,
        /// Who moved it.
        invoker: Invoker,
        /// Client id.
        clid: u32,
    }
}

typed_struct! {
    /// `notifytextmessage`: a message in private (1), channel (2) or server (3) chat.
    #[non_exhaustive]
    pub struct TextMessage {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Which chat.
        targetmode: crate::definitions::TextMessageTargetMode,
        /// The text, unescaped.
        msg: String,
        /// Private chat: the client it was sent to.
        target: Option<u32>,
        /// The sender.
        invoker: Invoker,
    }
}

typed_struct! {
    /// `notifyclientpoke` (ClientQuery): someone poked this client.
    #[non_exhaustive]
    pub struct ClientPoke {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// The poker.
        invoker: Invoker,
        /// The message.
        msg: String,
    }
}

typed_struct! {
    /// `notifyserveredited`: virtual server properties changed; only the changed ones are
    /// present.
    #[non_exhaustive]
    pub struct ServerEdited {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Why (10: edited).
        reasonid: Option<Reason>,
        /// Who edited it.
        invoker: Invoker,
        /// Name.
        virtualserver_name: Option<String>,
        /// Phonetic name.
        virtualserver_name_phonetic: Option<String>,
        /// Codec encryption mode.
        virtualserver_codec_encryption_mode: Option<crate::definitions::CodecEncryptionMode>,
        /// Default server group.
        virtualserver_default_server_group: Option<u32>,
        /// Default channel group.
        virtualserver_default_channel_group: Option<u32>,
        /// Banner link.
        virtualserver_hostbanner_url: Option<String>,
        /// Banner image.
        virtualserver_hostbanner_gfx_url: Option<String>,
        /// Banner reload interval in seconds.
        virtualserver_hostbanner_gfx_interval: Option<u32>,
        /// Banner scaling.
        virtualserver_hostbanner_mode: Option<crate::definitions::HostBannerMode>,
        /// Priority speaker dimming.
        virtualserver_priority_speaker_dimm_modificator: Option<f64>,
        /// Host button tooltip.
        virtualserver_hostbutton_tooltip: Option<String>,
        /// Host button link.
        virtualserver_hostbutton_url: Option<String>,
        /// Host button image.
        virtualserver_hostbutton_gfx_url: Option<String>,
        /// Icon id.
        virtualserver_icon_id: Option<i64>,
        /// Default delete delay of temporary channels, seconds.
        virtualserver_channel_temp_delete_delay_default: Option<u32>,
        /// Welcome message.
        virtualserver_welcomemessage: Option<String>,
    }
}

typed_struct! {
    /// `notifyserverupdated` (ClientQuery): the client's copy of the server properties was
    /// refreshed.
    #[non_exhaustive]
    pub struct ServerUpdated {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Name.
        virtualserver_name: Option<String>,
        /// Clients online.
        virtualserver_clientsonline: Option<u32>,
        /// Channels.
        virtualserver_channelsonline: Option<u32>,
        /// Uptime in seconds.
        virtualserver_uptime: Option<u64>,
    }
}

typed_struct! {
    /// `notifychannelcreated`: a channel was created.
    #[non_exhaustive]
    pub struct ChannelCreated {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// New channel id.
        cid: u32,
        /// Parent channel id (0: top level).
        cpid: u32,
        /// Who created it.
        invoker: Invoker,
        /// Name.
        channel_name: String,
        /// The rest of its properties, as sent.
        props: ChannelProps,
    }
}

typed_struct! {
    /// `notifychanneledited`: channel properties changed; only the changed ones are present.
    #[non_exhaustive]
    pub struct ChannelEdited {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel id.
        cid: u32,
        /// Why (10: edited).
        reasonid: Option<Reason>,
        /// Who edited it.
        invoker: Invoker,
        /// New name.
        channel_name: Option<String>,
        /// The other changed properties.
        props: ChannelProps,
    }
}

/// The channel properties `notifychannelcreated` and `notifychanneledited` may carry (each
/// only when sent).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ChannelProps {
    /// Topic.
    pub channel_topic: Option<String>,
    /// Voice codec.
    pub channel_codec: Option<crate::definitions::Codec>,
    /// Codec quality (0-10).
    pub channel_codec_quality: Option<u32>,
    /// Client limit (-1: unlimited).
    pub channel_maxclients: Option<i32>,
    /// Family client limit (-1: unlimited).
    pub channel_maxfamilyclients: Option<i32>,
    /// Id of the channel this one is sorted below.
    pub channel_order: Option<u32>,
    /// Permanent.
    pub channel_flag_permanent: Option<bool>,
    /// Semi-permanent.
    pub channel_flag_semi_permanent: Option<bool>,
    /// Default channel.
    pub channel_flag_default: Option<bool>,
    /// Has a password.
    pub channel_flag_password: Option<bool>,
    /// Codec latency factor.
    pub channel_codec_latency_factor: Option<u32>,
    /// Voice unencrypted.
    pub channel_codec_is_unencrypted: Option<bool>,
    /// Delete delay in seconds.
    pub channel_delete_delay: Option<u32>,
    /// No client limit.
    pub channel_flag_maxclients_unlimited: Option<bool>,
    /// No family client limit.
    pub channel_flag_maxfamilyclients_unlimited: Option<bool>,
    /// Family limit inherited.
    pub channel_flag_maxfamilyclients_inherited: Option<bool>,
    /// Talk power needed.
    pub channel_needed_talk_power: Option<i32>,
    /// Phonetic name.
    pub channel_name_phonetic: Option<String>,
    /// Icon id.
    pub channel_icon_id: Option<i64>,
}

impl FieldType for ChannelProps {
    fn read<'a, L: Lookup<'a>>(from: &L, _key: &str) -> Result<ChannelProps, FieldError> {
        macro_rules! props {
            ($($f:ident),*) => { ChannelProps { $($f: FieldType::read(from, stringify!($f))?,)* } };
        }
        Ok(props!(
            channel_topic,
            channel_codec,
            channel_codec_quality,
            channel_maxclients,
            channel_maxfamilyclients,
            channel_order,
            channel_flag_permanent,
            channel_flag_semi_permanent,
            channel_flag_default,
            channel_flag_password,
            channel_codec_latency_factor,
            channel_codec_is_unencrypted,
            channel_delete_delay,
            channel_flag_maxclients_unlimited,
            channel_flag_maxfamilyclients_unlimited,
            channel_flag_maxfamilyclients_inherited,
            channel_needed_talk_power,
            channel_name_phonetic,
            channel_icon_id
        ))
    }
}

typed_struct! {
    /// `notifychanneldeleted`: a channel was deleted.
    #[non_exhaustive]
    pub struct ChannelDeleted {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel id.
        cid: u32,
        /// Who deleted it (id 0: the server, for an empty temporary channel).
        invoker: Invoker,
    }
}

typed_struct! {
    /// `notifychannelmoved`: a channel got a new parent or position.
    #[non_exhaustive]
    pub struct ChannelMoved {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel id.
        cid: u32,
        /// New parent.
        cpid: u32,
        /// Id of the channel it is now sorted below.
        order: u32,
        /// Why.
        reasonid: Option<Reason>,
        /// Who moved it.
        invoker: Invoker,
    }
}

typed_struct! {
    /// `notifychanneldescriptionchanged`: read the new one with `channelinfo`.
    #[non_exhaustive]
    pub struct ChannelDescriptionChanged {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel id.
        cid: u32,
    }
}

typed_struct! {
    /// `notifychannelpasswordchanged`.
    #[non_exhaustive]
    pub struct ChannelPasswordChanged {
        /// ClientQuery: the server connection handler.
        schandlerid: Option<u32>,
        /// Channel id.
        cid: u32,
    }
}

typed_struct! {
    /// `notifychannelsubscribed` / `notifychannelunsubscribed` (ClientQuery).
    #[non_exhaustive]
    pub struct ChannelSubscription {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Channel id.
        cid: u32,
        /// Seconds since the channel was last empty.
        es: Option<u64>,
    }
}

typed_struct! {
    /// `notifytokenused`: a client used a privilege key.
    #[non_exhaustive]
    pub struct TokenUsed {
        /// Client id.
        clid: u32,
        /// Database id.
        cldbid: u64,
        /// Unique identifier.
        cluid: String,
        /// The key.
        token: String,
        /// Custom set of the key.
        tokencustomset: Option<String>,
        /// Group id the key granted.
        token1: Option<String>,
        /// Channel id (channel group keys).
        token2: Option<String>,
    }
}

typed_struct! {
    /// `notifytalkstatuschange` (ClientQuery): a client started or stopped talking.
    #[non_exhaustive]
    pub struct TalkStatusChange {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Talking now.
        status: bool,
        /// The voice is a whisper to this client.
        isreceivedwhisper: Option<bool>,
        /// Client id.
        clid: u32,
    }
}

typed_struct! {
    /// `notifyclientupdated` (ClientQuery): client properties changed; only the changed ones
    /// are present.
    #[non_exhaustive]
    pub struct ClientUpdated {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Client id.
        clid: u32,
        /// Nickname.
        client_nickname: Option<String>,
        /// Microphone muted.
        client_input_muted: Option<bool>,
        /// Speakers muted.
        client_output_muted: Option<bool>,
        /// Microphone available.
        client_input_hardware: Option<bool>,
        /// Speakers available.
        client_output_hardware: Option<bool>,
        /// Away.
        client_away: Option<bool>,
        /// Away message.
        client_away_message: Option<String>,
        /// Talk power.
        client_talk_power: Option<i32>,
        /// May talk in a moderated channel.
        client_is_talker: Option<bool>,
        /// Recording.
        client_is_recording: Option<bool>,
        /// Description.
        client_description: Option<String>,
        /// Client version.
        client_version: Option<String>,
        /// Client platform.
        client_platform: Option<String>,
        /// Server group ids.
        client_servergroups: Option<Vec<u32>>,
    }
}

typed_struct! {
    /// `notifycurrentserverconnectionchanged` (ClientQuery): the user switched server tab.
    #[non_exhaustive]
    pub struct CurrentServerConnectionChanged {
        /// The server connection handler now in front.
        schandlerid: u32,
    }
}

typed_struct! {
    /// `notifyconnectstatuschange` (ClientQuery): `disconnected`, `connecting`, `connected`,
    /// `connection_establishing` or `connection_established`.
    #[non_exhaustive]
    pub struct ConnectStatusChange {
        /// The server connection handler.
        schandlerid: u32,
        /// The new status.
        status: String,
        /// The error id of a failed connection.
        error: Option<u32>,
    }
}

typed_struct! {
    /// `notifymessage` (ClientQuery): an offline message was read with `messageget`.
    #[non_exhaustive]
    pub struct Message {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Message id.
        msgid: u32,
        /// Sender's unique identifier.
        cluid: Option<String>,
        /// Subject.
        subject: Option<String>,
        /// Text.
        message: Option<String>,
        /// Unix time sent.
        timestamp: Option<u64>,
    }
}

typed_struct! {
    /// `notifymessagelist` (ClientQuery): one offline message of `messagelist`.
    #[non_exhaustive]
    pub struct MessageListEntry {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Message id.
        msgid: u32,
        /// Sender's unique identifier.
        cluid: Option<String>,
        /// Subject.
        subject: Option<String>,
        /// Unix time sent.
        timestamp: Option<u64>,
        /// Read already.
        flag_read: Option<bool>,
    }
}

typed_struct! {
    /// `notifycomplainlist` (ClientQuery): one complaint of `complainlist`.
    #[non_exhaustive]
    pub struct ComplainListEntry {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Database id of the client complained about.
        tcldbid: u64,
        /// Their name.
        tname: Option<String>,
        /// Database id of the complaining client.
        fcldbid: u64,
        /// Their name.
        fname: Option<String>,
        /// The complaint.
        message: Option<String>,
        /// Unix time.
        timestamp: Option<u64>,
    }
}

typed_struct! {
    /// `notifybanlist` (ClientQuery): one ban of `banlist`.
    #[non_exhaustive]
    pub struct BanListEntry {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Ban id.
        banid: u32,
        /// IP pattern.
        ip: Option<String>,
        /// Name pattern.
        name: Option<String>,
        /// Unique identifier.
        uid: Option<String>,
        /// Unix time created.
        created: Option<u64>,
        /// Duration in seconds (0: permanent).
        duration: Option<u64>,
        /// Who banned.
        invokername: Option<String>,
        /// Their database id.
        invokercldbid: Option<u64>,
        /// Their unique identifier.
        invokeruid: Option<String>,
        /// Reason.
        reason: Option<String>,
        /// Times the ban was enforced.
        enforcements: Option<u32>,
    }
}

typed_struct! {
    /// `notifyclientchatcomposing` / `notifyclientchatclosed` (ClientQuery).
    #[non_exhaustive]
    pub struct ClientChat {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Client id.
        clid: u32,
        /// Unique identifier.
        cluid: Option<String>,
    }
}

typed_struct! {
    /// `notifyclientids` (ClientQuery): a reply to `clientgetids`.
    #[non_exhaustive]
    pub struct ClientIds {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Unique identifier.
        cluid: String,
        /// Client id.
        clid: u32,
        /// Nickname.
        name: Option<String>,
    }
}

typed_struct! {
    /// `notifyclientdbidfromuid`, `notifyclientnamefromuid`, `notifyclientnamefromdbid`,
    /// `notifyclientuidfromclid` (ClientQuery): replies to the lookups of the same names.
    #[non_exhaustive]
    pub struct ClientLookup {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Unique identifier.
        cluid: Option<String>,
        /// Database id.
        cldbid: Option<u64>,
        /// Client id.
        clid: Option<u32>,
        /// Name (`name` or `nickname`).
        name: Option<String>,
        /// Nickname (`notifyclientuidfromclid`).
        nickname: Option<String>,
    }
}

typed_struct! {
    /// `notifyservergroupclientadded` / `notifyservergroupclientdeleted` (ClientQuery).
    #[non_exhaustive]
    pub struct ServerGroupClient {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Server group id.
        sgid: u32,
        /// Client id.
        clid: u32,
        /// Its unique identifier.
        cluid: Option<String>,
        /// Its name.
        name: Option<String>,
        /// Who added or removed it.
        invoker: Invoker,
    }
}

typed_struct! {
    /// `notifyclientchannelgroupchanged` (ClientQuery).
    #[non_exhaustive]
    pub struct ClientChannelGroupChanged {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// New channel group id.
        cgid: u32,
        /// Channel the group is inherited from.
        cgi: Option<u32>,
        /// Channel id.
        cid: u32,
        /// Client id.
        clid: u32,
        /// Who changed it.
        invoker: Invoker,
    }
}

typed_struct! {
    /// `notifyconnectioninfo` (ClientQuery): a reply to `getconnectioninfo`; the figures are
    /// readable through [`TypedEvent::item`].
    #[non_exhaustive]
    pub struct ConnectionInfo {
        /// The server connection handler.
        schandlerid: Option<u32>,
        /// Client id.
        clid: u32,
        /// Round trip time in ms.
        connection_ping: Option<f64>,
        /// Connected for (ms).
        connection_connected_time: Option<u64>,
    }
}

macro_rules! notifications {
    ($($(#[$doc:meta])* $name:literal => $var:ident($ty:ident),)*) => {
        /// One item of a notification, typed. `#[non_exhaustive]`: match with a wildcard.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Notification {
            $($(#[$doc])* $var($ty),)*
            /// A notification this table does not know (its name); read it through
            /// [`TypedEvent::item`].
            Unknown(String),
        }

        impl Notification {
            /// Every event name with a typed variant.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// Reads `name`'s item from `from` (an unknown name gives `Unknown`).
            pub fn read<'a, L: Lookup<'a>>(name: &str, from: &L) -> Result<Notification, FieldError> {
                Ok(match name {
                    $($name => Notification::$var($ty::from_lookup(from)?),)*
                    other => Notification::Unknown(other.to_owned()),
                })
            }

            /// The event name it came from (`""` for none known: see `Unknown`).
            pub fn name(&self) -> &str {
                match self {
                    $(Notification::$var(_) => $name,)*
                    Notification::Unknown(name) => name,
                }
            }
        }
    };
}

notifications! {
    /// `notifycliententerview`.
    "notifycliententerview" => ClientEnterView(ClientEnterView),
    /// `notifyclientleftview`.
    "notifyclientleftview" => ClientLeftView(ClientLeftView),
    /// `notifyclientmoved`.
    "notifyclientmoved" => ClientMoved(ClientMoved),
    /// `notifytextmessage`.
    "notifytextmessage" => TextMessage(TextMessage),
    /// `notifyserveredited`.
    "notifyserveredited" => ServerEdited(ServerEdited),
    /// `notifychannelcreated`.
    "notifychannelcreated" => ChannelCreated(ChannelCreated),
    /// `notifychanneledited`.
    "notifychanneledited" => ChannelEdited(ChannelEdited),
    /// `notifychanneldeleted`.
    "notifychanneldeleted" => ChannelDeleted(ChannelDeleted),
    /// `notifychannelmoved`.
    "notifychannelmoved" => ChannelMoved(ChannelMoved),
    /// `notifychanneldescriptionchanged`.
    "notifychanneldescriptionchanged" => ChannelDescriptionChanged(ChannelDescriptionChanged),
    /// `notifychannelpasswordchanged`.
    "notifychannelpasswordchanged" => ChannelPasswordChanged(ChannelPasswordChanged),
    /// `notifytokenused`.
    "notifytokenused" => TokenUsed(TokenUsed),
    /// `notifytalkstatuschange` (ClientQuery).
    "notifytalkstatuschange" => TalkStatusChange(TalkStatusChange),
    /// `notifyclientpoke` (ClientQuery).
    "notifyclientpoke" => ClientPoke(ClientPoke),
    /// `notifyclientupdated` (ClientQuery).
    "notifyclientupdated" => ClientUpdated(ClientUpdated),
    /// `notifyserverupdated` (ClientQuery).
    "notifyserverupdated" => ServerUpdated(ServerUpdated),
    /// `notifycurrentserverconnectionchanged` (ClientQuery).
    "notifycurrentserverconnectionchanged" => CurrentServerConnectionChanged(CurrentServerConnectionChanged),
    /// `notifyconnectstatuschange` (ClientQuery).
    "notifyconnectstatuschange" => ConnectStatusChange(ConnectStatusChange),
    /// `notifychannelsubscribed` (ClientQuery).
    "notifychannelsubscribed" => ChannelSubscribed(ChannelSubscription),
    /// `notifychannelunsubscribed` (ClientQuery).
    "notifychannelunsubscribed" => ChannelUnsubscribed(ChannelSubscription),
    /// `notifymessage` (ClientQuery).
    "notifymessage" => Message(Message),
    /// `notifymessagelist` (ClientQuery).
    "notifymessagelist" => MessageList(MessageListEntry),
    /// `notifycomplainlist` (ClientQuery).
    "notifycomplainlist" => ComplainList(ComplainListEntry),
    /// `notifybanlist` (ClientQuery).
    "notifybanlist" => BanList(BanListEntry),
    /// `notifyclientchatcomposing` (ClientQuery).
    "notifyclientchatcomposing" => ClientChatComposing(ClientChat),
    /// `notifyclientchatclosed` (ClientQuery).
    "notifyclientchatclosed" => ClientChatClosed(ClientChat),
    /// `notifyclientids` (ClientQuery).
    "notifyclientids" => ClientIds(ClientIds),
    /// `notifyclientdbidfromuid` (ClientQuery).
    "notifyclientdbidfromuid" => ClientDbidFromUid(ClientLookup),
    /// `notifyclientnamefromuid` (ClientQuery).
    "notifyclientnamefromuid" => ClientNameFromUid(ClientLookup),
    /// `notifyclientnamefromdbid` (ClientQuery).
    "notifyclientnamefromdbid" => ClientNameFromDbid(ClientLookup),
    /// `notifyclientuidfromclid` (ClientQuery).
    "notifyclientuidfromclid" => ClientUidFromClid(ClientLookup),
    /// `notifyservergroupclientadded` (ClientQuery).
    "notifyservergroupclientadded" => ServerGroupClientAdded(ServerGroupClient),
    /// `notifyservergroupclientdeleted` (ClientQuery).
    "notifyservergroupclientdeleted" => ServerGroupClientDeleted(ServerGroupClient),
    /// `notifyclientchannelgroupchanged` (ClientQuery).
    "notifyclientchannelgroupchanged" => ClientChannelGroupChanged(ClientChannelGroupChanged),
    /// `notifyconnectioninfo` (ClientQuery).
    "notifyconnectioninfo" => ConnectionInfo(ConnectionInfo),
}

/// One item of an event, typed, with the event it came from (for fields the struct does not
/// declare).
#[derive(Clone, PartialEq)]
pub struct TypedEvent {
    /// The typed value.
    pub notification: Notification,
    raw: Event,
    index: usize,
}

/// A known notification whose item does not read as its struct: the field, and the raw event
/// (kept, so nothing is lost).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {source}", raw.name())]
pub struct NotificationError {
    /// Which field, and why.
    #[source]
    pub source: FieldError,
    /// The event as received.
    pub raw: Event,
}

impl TypedEvent {
    /// One typed value per item of `event` (an event without items gives one, read from an
    /// empty item).
    // The error is smaller than a `TypedEvent`: boxing it would not shrink the `Result`.
    #[allow(clippy::result_large_err)]
    pub fn split(
        event: &Event,
    ) -> impl ExactSizeIterator<Item = Result<TypedEvent, NotificationError>> + '_ {
        let n = event.items().len().max(1);
        (0..n).map(move |index| {
            let from = Shared {
                items: event.items(),
                index,
            };
            match Notification::read(event.name(), &from) {
                Ok(notification) => Ok(TypedEvent {
                    notification,
                    raw: event.clone(),
                    index,
                }),
                Err(source) => Err(NotificationError {
                    source,
                    raw: event.clone(),
                }),
            }
        })
    }

    /// The event it came from.
    pub fn raw(&self) -> &Event {
        &self.raw
    }

    /// The item it was read from, with every field (known or not).
    pub fn item(&self) -> Option<Item<'_>> {
        self.raw.get(self.index)
    }

    /// `key` of its item, falling back to the event's first item like the typed fields do.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.raw.items().get_shared(self.index, key)
    }
}

impl fmt::Debug for TypedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.notification, f)
    }
}
