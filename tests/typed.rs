//! The typed layer against real-capture lines: every `Notification` variant, the fixtures'
//! events, the simulator's own output, and the typed results of the simulator's replies.

use std::path::Path;

use ts3q::definitions::TextMessageTargetMode;
use ts3q::typed::events::{Notification as N, Reason, TypedEvent};
use ts3q::typed::results::*;
use ts3q::Event;

/// One line per typed notification, as servers and clients send them (3.13 server, 3.6 client).
const LINES: &[&str] = &[
    r"notifycliententerview cfid=0 ctid=1 reasonid=0 clid=7 client_unique_identifier=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= client_nickname=Jürgen\s\p\sbot client_input_muted=0 client_output_muted=0 client_outputonly_muted=0 client_input_hardware=1 client_output_hardware=1 client_meta_data client_is_recording=0 client_database_id=12 client_channel_group_id=8 client_servergroups=6,8 client_away=0 client_away_message client_type=0 client_flag_avatar client_talk_power=75 client_talk_request=0 client_talk_request_msg client_description client_is_talker=0 client_is_priority_speaker=0 client_unread_messages=0 client_nickname_phonetic client_needed_serverquery_view_power=75 client_icon_id=0 client_is_channel_commander=0 client_country=DE client_channel_group_inherited_channel_id=1 client_badges=Overwolf=0",
    r"notifyclientleftview cfid=1 ctid=0 reasonid=5 invokerid=1 invokername=serveradmin invokeruid=serveradmin reasonmsg=bye\sbye clid=7",
    r"notifyclientmoved ctid=2 reasonid=1 invokerid=3 invokername=Al invokeruid=x1H\/ab= clid=7|clid=8",
    r"notifytextmessage targetmode=1 msg=hello\sserver\\world target=1 invokerid=7 invokername=Jürgen invokeruid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ=",
    r"notifyserveredited reasonid=10 invokerid=1 invokername=serveradmin invokeruid=serveradmin virtualserver_name=New\sName virtualserver_codec_encryption_mode=0 virtualserver_priority_speaker_dimm_modificator=-18.0000",
    r"notifychannelcreated cid=9 cpid=0 channel_name=Lobby channel_codec_quality=6 channel_order=2 channel_flag_permanent=1 channel_maxclients=-1 invokerid=1 invokername=serveradmin invokeruid=serveradmin",
    r"notifychanneledited cid=9 reasonid=10 invokerid=1 invokername=serveradmin invokeruid=serveradmin channel_topic=new\stopic channel_codec=4",
    r"notifychanneldeleted invokerid=0 invokername=Server invokeruid cid=9",
    r"notifychannelmoved cid=9 cpid=2 order=0 reasonid=1 invokerid=1 invokername=serveradmin invokeruid=serveradmin",
    r"notifychanneldescriptionchanged cid=2",
    r"notifychannelpasswordchanged cid=2",
    r"notifytokenused clid=7 cldbid=12 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= token=eKnFZQ9EK7G7MhtuQB6+N2B1PNZZ6OZL3ycDp2OW tokencustomset token1=7 token2=0",
    r"notifytalkstatuschange schandlerid=1 status=1 isreceivedwhisper=0 clid=2",
    r"notifyclientpoke schandlerid=1 invokerid=7 invokername=Jürgen invokeruid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= msg=wake\sup",
    r"notifyclientupdated schandlerid=1 clid=2 client_input_muted=1",
    r"notifyserverupdated schandlerid=1 virtualserver_name=TeamSpeak\s]I[\sServer virtualserver_clientsonline=3",
    r"notifycurrentserverconnectionchanged schandlerid=2",
    r"notifyconnectstatuschange schandlerid=1 status=connection_established error=0",
    r"notifychannelsubscribed schandlerid=1 cid=4 es=3",
    r"notifychannelunsubscribed schandlerid=1 cid=4",
    r"notifymessage schandlerid=1 msgid=3 cluid=x1H\/ab= subject=hi message=see\syou timestamp=1700000000",
    r"notifymessagelist schandlerid=1 msgid=3 cluid=x1H\/ab= subject=hi timestamp=1700000000 flag_read=0",
    r"notifycomplainlist schandlerid=1 tcldbid=12 tname=Jürgen fcldbid=13 fname=Al message=spam timestamp=1700000000",
    r"notifybanlist schandlerid=1 banid=5 ip name=Troll uid created=1700000000 duration=0 invokername=serveradmin invokercldbid=1 invokeruid=serveradmin reason=spam enforcements=2",
    r"notifyclientchatcomposing schandlerid=1 clid=7 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ=",
    r"notifyclientchatclosed schandlerid=1 clid=7 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ=",
    r"notifyclientids schandlerid=1 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= clid=7 name=Jürgen",
    r"notifyclientdbidfromuid schandlerid=1 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= cldbid=12",
    r"notifyclientnamefromuid schandlerid=1 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= cldbid=12 name=Jürgen",
    r"notifyclientnamefromdbid schandlerid=1 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= cldbid=12 name=Jürgen",
    r"notifyclientuidfromclid schandlerid=1 clid=7 cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= nickname=Jürgen",
    r"notifyservergroupclientadded schandlerid=1 sgid=6 clid=7 name=Jürgen cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= invokerid=1 invokername=serveradmin invokeruid=serveradmin",
    r"notifyservergroupclientdeleted schandlerid=1 sgid=6 clid=7 name=Jürgen cluid=K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ= invokerid=1 invokername=serveradmin invokeruid=serveradmin",
    r"notifyclientchannelgroupchanged schandlerid=1 invokerid=1 invokername=serveradmin cgid=5 cgi=2 cid=2 clid=7",
    r"notifyconnectioninfo schandlerid=1 clid=7 connection_ping=12.5 connection_connected_time=91000 connection_packets_sent_total=44",
];

fn typed(line: &str) -> Vec<TypedEvent> {
    let ev = Event::parse(line.as_bytes().to_vec().into()).expect("event parses");
    TypedEvent::split(&ev)
        .map(|t| t.unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

#[test]
fn every_variant_reads_from_a_real_line() {
    let mut names: Vec<String> = Vec::new();
    for line in LINES {
        for t in typed(line) {
            assert!(!matches!(t.notification, N::Unknown(_)), "{line}");
            assert_eq!(t.notification.name(), line.split(' ').next().unwrap());
            names.push(t.notification.name().to_owned());
        }
    }
    names.sort_unstable();
    names.dedup();
    let mut all: Vec<String> = N::NAMES.iter().map(|s| s.to_string()).collect();
    all.sort_unstable();
    assert_eq!(names, all, "a line for every variant");
}

#[test]
fn fields_read_as_their_types() {
    let t = typed(LINES[0]).remove(0);
    let N::ClientEnterView(e) = &t.notification else {
        panic!()
    };
    assert_eq!((e.clid, e.ctid, e.reasonid), (7, 1, Reason::Switched));
    assert_eq!(e.client_nickname, "Jürgen | bot");
    assert_eq!(e.client_servergroups.as_deref(), Some(&[6, 8][..]));
    assert_eq!(e.client_meta_data.as_deref(), Some(""));
    assert_eq!(e.client_input_hardware, Some(true));
    assert_eq!(e.client_talk_power, Some(75));
    // a field no struct declares stays readable
    assert!(t.item().unwrap().get("client_badges").is_some());

    let N::ClientLeftView(l) = &typed(LINES[1])[0].notification else {
        panic!()
    };
    assert_eq!(
        (l.reasonid, l.reasonmsg.as_deref()),
        (Reason::KickServer, Some("bye bye"))
    );
    assert_eq!(l.invoker.name.as_deref(), Some("serveradmin"));

    // keys the later items do not repeat come from the first
    let moved: Vec<_> = typed(LINES[2])
        .into_iter()
        .map(|t| match t.notification {
            N::ClientMoved(m) => (m.clid, m.ctid, m.reasonid, m.invoker.id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        moved,
        [
            (7, 2, Reason::Moved, Some(3)),
            (8, 2, Reason::Moved, Some(3))
        ]
    );

    let N::TextMessage(m) = &typed(LINES[3])[0].notification else {
        panic!()
    };
    assert_eq!(m.targetmode, TextMessageTargetMode::Client);
    assert_eq!(m.msg, "hello server\\world");
    assert_eq!(
        m.invoker.uid.as_deref(),
        Some("K2Xq6Ra3PjCpgyEwLhHkm3B0QdQ=")
    );

    let N::ServerEdited(s) = &typed(LINES[4])[0].notification else {
        panic!()
    };
    assert_eq!(
        s.virtualserver_priority_speaker_dimm_modificator,
        Some(-18.0)
    );
    let N::ChannelCreated(c) = &typed(LINES[5])[0].notification else {
        panic!()
    };
    assert_eq!((c.cid, c.props.channel_maxclients), (9, Some(-1)));
    let N::TalkStatusChange(s) = &typed(LINES[12])[0].notification else {
        panic!()
    };
    assert!(s.status && s.isreceivedwhisper == Some(false));
    let N::ConnectionInfo(c) = &typed(LINES[34])[0].notification else {
        panic!()
    };
    assert_eq!(c.connection_ping, Some(12.5));
}

#[test]
fn unknown_events_and_bad_fields_lose_nothing() {
    let t = typed("notifyfuturething a=1 b=2").remove(0);
    assert_eq!(t.notification, N::Unknown("notifyfuturething".into()));
    assert_eq!(t.get("b").unwrap().raw(), b"2");

    let ev = Event::parse("notifyclientmoved ctid=x reasonid=0 clid=1".into()).unwrap();
    let err = TypedEvent::split(&ev).next().unwrap().unwrap_err();
    assert_eq!(err.raw.name(), "notifyclientmoved");
    assert_eq!(
        err.to_string(),
        "notifyclientmoved: field `ctid` is not a valid u32"
    );
    assert!(matches!(err.source, ts3q::FieldError::Invalid { ref key, .. } if key == "ctid"));
    assert_eq!(err.raw, ev);
    let ev = Event::parse("notifyclientmoved reasonid=0 clid=1".into()).unwrap();
    let err = TypedEvent::split(&ev).next().unwrap().unwrap_err();
    assert!(matches!(err.source, ts3q::FieldError::Missing { ref key } if key == "ctid"));
    // an unknown reason id is a value, not an error
    let t = typed("notifyclientmoved ctid=1 reasonid=99 clid=1").remove(0);
    let N::ClientMoved(m) = t.notification else {
        panic!()
    };
    assert_eq!(m.reasonid, Reason::Other(99));
}

/// Every event of every fixture (ours and `TS3_FIXTURES`'s) reads as a typed value.
#[test]
fn fixture_events_are_typed() {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    if let Some(d) = std::env::var_os("TS3_FIXTURES") {
        dirs.push(d.into());
    }
    let mut seen = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "in") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            for line in bytes.split(|&b| b == b'\n' || b == b'\r') {
                if ts3q::parse::classify(line) != ts3q::parse::LineKind::Event {
                    continue;
                }
                let ev = Event::parse(line.to_vec().into()).unwrap();
                for t in TypedEvent::split(&ev) {
                    let t = t.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    assert!(!matches!(t.notification, N::Unknown(_)), "{}", ev.name());
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= 10, "{seen} fixture events");
}

/// The demo simulator and a ServerQuery connection to it, logged in.
fn demo() -> (ts3_sim::Sim, ts3q_blocking::Connection) {
    let sim = ts3_sim::Sim::start(ts3_sim::SimConfig {
        demo: true,
        ..Default::default()
    })
    .unwrap();
    let uri = format!(
        "telnet://serveradmin:{}@{}",
        sim.password(),
        sim.query_addr()
    );
    let conn = ts3q_blocking::Connection::open(&uri).unwrap();
    (sim, conn)
}

/// The simulator's events for a scene (join, move, chat with escapes, leave) all read typed.
#[test]
fn simulator_events_are_typed() {
    use std::time::Duration;
    let (sim, mut conn) = demo();
    conn.exec(ts3q::Command::new("use").param("sid", 1))
        .unwrap();
    for event in [
        "server",
        "channel id=0",
        "textserver",
        "textchannel",
        "textprivate",
    ] {
        let mut cmd = ts3q::Command::new("servernotifyregister");
        for (i, part) in event.split(' ').enumerate() {
            cmd = if i == 0 {
                cmd.param("event", part)
            } else {
                let (k, v) = part.split_once('=').unwrap();
                cmd.param(k, v)
            };
        }
        conn.exec(cmd).unwrap();
    }
    let player = sim.play(ts3_sim::script::Script::demo(Duration::from_millis(5)));
    let mut kinds = std::collections::BTreeSet::new();
    while let Ok(ev) = conn.wait_for_event(Some(Duration::from_secs(2))) {
        for t in TypedEvent::split(&ev) {
            let t = t.unwrap_or_else(|e| panic!("{e}"));
            assert!(!matches!(t.notification, N::Unknown(_)), "{ev:?}");
            kinds.insert(t.notification.name().to_owned());
        }
        if player.is_finished() && conn.pending_events() == 0 {
            break;
        }
    }
    for k in [
        "notifycliententerview",
        "notifyclientmoved",
        "notifytextmessage",
        "notifyclientleftview",
    ] {
        assert!(kinds.contains(k), "{k} in {kinds:?}");
    }
}

/// The typed results of the simulator's replies to the commands bots use most.
#[test]
fn results_of_the_simulators_replies() {
    let (_sim, mut conn) = demo();
    let version: Vec<Version> = conn.query("version").fetch().unwrap().typed().unwrap();
    assert!(!version[0].version.is_empty());
    let servers: Vec<ServerListEntry> = conn.query("serverlist").fetch().unwrap().typed().unwrap();
    assert_eq!(servers[0].virtualserver_id, 1);
    conn.query("use").param("sid", 1).fetch().unwrap();
    let me: Whoami = conn
        .query("whoami")
        .fetch()
        .unwrap()
        .first_typed()
        .unwrap()
        .unwrap();
    assert_eq!(me.virtualserver_id, 1);
    let info: ServerInfo = conn
        .query("serverinfo")
        .fetch()
        .unwrap()
        .first_typed()
        .unwrap()
        .unwrap();
    assert!(!info.virtualserver_name.is_empty());
    let clients: Vec<ClientListEntry> = conn
        .query("clientlist")
        .option("uid")
        .option("away")
        .option("groups")
        .fetch()
        .unwrap()
        .typed()
        .unwrap();
    let bot = clients
        .iter()
        .find(|c| c.client_type == 0)
        .expect("a voice client");
    assert!(bot.client_unique_identifier.is_some() && bot.client_servergroups.is_some());
    let ci: ClientInfo = conn
        .query("clientinfo")
        .param("clid", bot.clid)
        .fetch()
        .unwrap()
        .first_typed()
        .unwrap()
        .unwrap();
    assert_eq!(ci.client_nickname, bot.client_nickname);
    let channels: Vec<ChannelListEntry> = conn
        .query("channellist")
        .option("topic")
        .fetch()
        .unwrap()
        .typed()
        .unwrap();
    assert!(channels.len() > 1 && channels.iter().all(|c| c.channel_topic.is_some()));
    let ch: ChannelInfo = conn
        .query("channelinfo")
        .param("cid", channels[0].cid)
        .fetch()
        .unwrap()
        .first_typed()
        .unwrap()
        .unwrap();
    assert_eq!(ch.channel_name, channels[0].channel_name);
    let groups: Vec<ServerGroup> = conn
        .query("servergrouplist")
        .fetch()
        .unwrap()
        .typed()
        .unwrap();
    assert!(!groups.is_empty());
}
