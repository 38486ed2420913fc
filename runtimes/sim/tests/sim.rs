//! The simulator over real sockets, driven by the core's state machine (and raw bytes where
//! the exact wire matters).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{cmd, Conn};
use ts3_sim::{Sim, SimConfig};
use ts3q::{Config, Mode};

fn sim() -> Sim {
    Sim::start(SimConfig {
        flood: None,
        ..SimConfig::default()
    })
    .expect("start")
}

fn demo() -> Sim {
    Sim::start(SimConfig {
        flood: None,
        demo: true,
        ..SimConfig::default()
    })
    .expect("start")
}

fn raw(addr: std::net::SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

fn read_line(r: &mut BufReader<TcpStream>) -> String {
    let mut v = Vec::new();
    r.read_until(b'\r', &mut v).unwrap();
    String::from_utf8_lossy(&v).into_owned()
}

#[test]
fn greeting_and_replies_byte_exact() {
    let sim = sim();
    let (mut s, mut r) = raw(sim.query_addr());
    assert_eq!(read_line(&mut r), "TS3\n\r");
    assert_eq!(
        read_line(&mut r),
        "Welcome to the TeamSpeak 3 ServerQuery interface, type \"help\" for a list of commands and \"help <command>\" for information on a specific command.\n\r"
    );
    s.write_all(b"version\n").unwrap();
    assert_eq!(
        read_line(&mut r),
        "version=3.13.7 build=1655727713 platform=Linux\n\r"
    );
    assert_eq!(read_line(&mut r), "error id=0 msg=ok\n\r");
    s.write_all(b"frobnicate\n").unwrap();
    assert_eq!(
        read_line(&mut r),
        "error id=256 msg=command\\snot\\sfound\n\r"
    );
    // Blank lines and lines of spaces are ignored; \n\r from the client is fine too.
    s.write_all(b"\n   \nlogin serveradmin wrong\n\r").unwrap();
    assert_eq!(
        read_line(&mut r),
        "error id=520 msg=invalid\\sloginname\\sor\\spassword\n\r"
    );
    // The positional form real servers accept.
    s.write_all(format!("login serveradmin {}\n", sim.password()).as_bytes())
        .unwrap();
    assert_eq!(read_line(&mut r), "error id=0 msg=ok\n\r");
    s.write_all(b"use 1\n").unwrap();
    assert_eq!(read_line(&mut r), "error id=0 msg=ok\n\r");
    s.write_all(b"quit\n").unwrap();
    assert_eq!(read_line(&mut r), "error id=0 msg=ok\n\r");
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "closed after quit");
}

#[test]
fn login_use_whoami_logout() {
    let sim = sim();
    let mut c = Conn::server(sim.query_addr());
    assert_eq!(c.err(cmd("clientlist")), 518, "not logged in");
    assert_eq!(
        c.err(
            cmd("login")
                .param("client_login_name", "serveradmin")
                .param("client_login_password", "nope")
        ),
        520
    );
    let me = c.ok(cmd("whoami"));
    assert_eq!(
        me.first().unwrap().str("virtualserver_status").unwrap(),
        "unknown"
    );
    c.ok(cmd("login")
        .param("client_login_name", "serveradmin")
        .param("client_login_password", sim.password()));
    assert_eq!(c.err(cmd("clientlist")), 1024, "no server selected");
    assert_eq!(c.err(cmd("use").param("sid", 2)), 1024);
    assert_eq!(c.err(cmd("use").param("port", 1234)), 1024);
    c.ok(cmd("use")
        .param("port", 9987)
        .option("virtual")
        .param("client_nickname", "Bot"));
    let me = c.ok(cmd("whoami"));
    let me = me.first().unwrap();
    assert_eq!(me.str("virtualserver_status").unwrap(), "online");
    assert_eq!(me.str("client_nickname").unwrap(), "Bot");
    assert_eq!(me.str("client_login_name").unwrap(), "serveradmin");
    let clid: u32 = me.parse("client_id").unwrap();
    let list = c.ok(cmd("clientlist"));
    let q = list
        .iter()
        .find(|i| i.parse::<u32>("clid") == Ok(clid))
        .expect("query client listed");
    assert_eq!(q.str("client_type").unwrap(), "1");
    c.ok(cmd("logout"));
    assert_eq!(c.err(cmd("clientlist")), 518);
    assert!(sim.clients().is_empty(), "the query client left on logout");
}

#[test]
fn server_info_and_list() {
    let sim = demo();
    let mut c = Conn::admin(&sim);
    let info = c.ok(cmd("serverinfo"));
    let info = info.first().unwrap();
    assert_eq!(
        info.str("virtualserver_name").unwrap(),
        "TeamSpeak ]I[ Server"
    );
    assert_eq!(info.parse::<u32>("virtualserver_port"), Ok(9987));
    assert_eq!(info.parse::<u32>("virtualserver_clientsonline"), Ok(5));
    assert_eq!(info.parse::<u32>("virtualserver_queryclientsonline"), Ok(1));
    let list = c.ok(cmd("serverlist"));
    assert_eq!(list.len(), 1);
    assert_eq!(
        list.first().unwrap().parse::<u32>("virtualserver_id"),
        Ok(1)
    );
}

#[test]
fn channels() {
    let sim = sim();
    let mut c = Conn::admin(&sim);
    let mut watcher = Conn::admin(&sim);
    watcher.ok(cmd("servernotifyregister")
        .param("event", "channel")
        .param("id", 0));

    let list = c.ok(cmd("channellist")
        .option("topic")
        .option("flags")
        .option("voice")
        .option("limits")
        .option("icon")
        .option("secondsempty"));
    assert_eq!(list.len(), 1, "a fresh server has one channel");
    let d = list.first().unwrap();
    for key in [
        "cid",
        "pid",
        "channel_order",
        "channel_name",
        "channel_topic",
        "channel_flag_default",
        "channel_codec",
        "channel_maxclients",
        "total_clients",
        "channel_icon_id",
        "seconds_empty",
    ] {
        assert!(d.contains(key), "channellist lacks {key}");
    }
    assert_eq!(d.str("channel_flag_default").unwrap(), "1");

    let r = c.ok(cmd("channelcreate")
        .param("channel_name", "Raid | Night")
        .param("channel_topic", "Tuesday 20:00")
        .param("channel_flag_permanent", 1));
    let cid: u32 = r.first().unwrap().parse("cid").unwrap();
    let ev = watcher.event("notifychannelcreated");
    assert_eq!(
        ev.first().unwrap().str("channel_name").unwrap(),
        "Raid | Night"
    );
    assert_eq!(
        c.err(cmd("channelcreate").param("channel_name", "Raid | Night")),
        771
    );
    assert_eq!(
        c.err(
            cmd("channelcreate")
                .param("channel_name", "x")
                .param("cpid", 999)
        ),
        768
    );
    let sub = c.ok(cmd("channelcreate")
        .param("channel_name", "Sub")
        .param("cpid", cid));
    let sub: u32 = sub.first().unwrap().parse("cid").unwrap();

    let info = c.ok(cmd("channelinfo").param("cid", cid));
    assert_eq!(
        info.first().unwrap().str("channel_topic").unwrap(),
        "Tuesday 20:00"
    );
    assert_eq!(c.err(cmd("channelinfo").param("cid", 999)), 768);
    assert_eq!(c.err(cmd("channelinfo")), 1539);

    c.ok(cmd("channeledit")
        .param("cid", cid)
        .param("channel_name", "Raid"));
    let ev = watcher.event("notifychanneledited");
    assert_eq!(ev.first().unwrap().str("channel_name").unwrap(), "Raid");
    assert_eq!(ev.first().unwrap().str("reasonid").unwrap(), "10");

    c.ok(cmd("channelmove")
        .param("cid", sub)
        .param("cpid", 0)
        .param("order", 0));
    watcher.event("notifychannelmoved");
    assert_eq!(
        c.err(cmd("channelmove").param("cid", cid).param("cpid", cid)),
        768
    );

    let clid = sim.add_client("Ben", cid).unwrap();
    assert_eq!(
        c.err(cmd("channeldelete").param("cid", cid).param("force", 0)),
        772
    );
    c.ok(cmd("channeldelete").param("cid", cid).param("force", 1));
    watcher.event("notifychanneldeleted");
    assert_eq!(
        sim.clients().iter().find(|v| v.clid == clid).unwrap().cid,
        1,
        "moved to the default channel"
    );
    assert_eq!(
        c.err(cmd("channeldelete").param("cid", 1).param("force", 1)),
        1538,
        "the default channel stays"
    );
}

#[test]
fn clients() {
    let sim = demo();
    let mut c = Conn::admin(&sim);
    let all = c.ok(cmd("clientlist")
        .option("uid")
        .option("away")
        .option("voice")
        .option("times")
        .option("groups")
        .option("info")
        .option("country")
        .option("ip"));
    assert_eq!(all.len(), 5);
    let first = all.first().unwrap();
    for key in [
        "clid",
        "cid",
        "client_database_id",
        "client_nickname",
        "client_type",
        "client_unique_identifier",
        "client_away",
        "client_input_muted",
        "client_idle_time",
        "client_servergroups",
        "client_version",
        "client_country",
        "connection_client_ip",
    ] {
        assert!(first.contains(key), "clientlist lacks {key}");
    }
    // Every item has the same keys.
    let keys: Vec<Vec<u8>> = first.keys().map(<[u8]>::to_vec).collect();
    assert!(all
        .iter()
        .all(|i| i.keys().map(<[u8]>::to_vec).collect::<Vec<_>>() == keys));
    let nick = all
        .iter()
        .find(|i| i.str("client_nickname").unwrap().contains('|'))
        .unwrap();
    assert_eq!(nick.str("client_nickname").unwrap(), "Jürgen | bot");

    let found = c.ok(cmd("clientfind").param("pattern", "ali"));
    assert_eq!(
        found.first().unwrap().str("client_nickname").unwrap(),
        "Alice"
    );
    assert_eq!(c.err(cmd("clientfind").param("pattern", "nobody")), 1281);
    let alice: u32 = found.first().unwrap().parse("clid").unwrap();
    let ben = sim
        .clients()
        .into_iter()
        .find(|v| v.nickname == "Ben")
        .unwrap();

    let info = c.ok(cmd("clientinfo")
        .param("clid", alice)
        .pipe()
        .param("clid", ben.clid));
    assert_eq!(info.len(), 2);
    assert_eq!(info.get(1).unwrap().str("client_nickname").unwrap(), "Ben");
    assert_eq!(c.err(cmd("clientinfo").param("clid", 999)), 512);

    c.ok(cmd("clientmove")
        .param("clid", alice)
        .pipe()
        .param("clid", ben.clid)
        .param("cid", 5));
    assert!(sim
        .clients()
        .iter()
        .filter(|v| v.clid == alice || v.clid == ben.clid)
        .all(|v| v.cid == 5));
    assert_eq!(
        c.err(cmd("clientmove").param("clid", alice).param("cid", 5)),
        770
    );
    assert_eq!(
        c.err(cmd("clientmove").param("clid", alice).param("cid", 99)),
        768
    );
    assert_eq!(
        c.err(cmd("clientmove").param("clid", 999).param("cid", 1)),
        512
    );

    c.ok(cmd("clientpoke")
        .param("clid", alice)
        .param("msg", "wake up"));
    assert_eq!(
        c.err(cmd("clientpoke").param("clid", 999).param("msg", "x")),
        512
    );

    c.ok(cmd("clientkick")
        .param("reasonid", 4)
        .param("reasonmsg", "out")
        .param("clid", alice));
    assert_eq!(
        sim.clients().iter().find(|v| v.clid == alice).unwrap().cid,
        1
    );
    c.ok(cmd("clientkick")
        .param("reasonid", 5)
        .param("reasonmsg", "Go away!")
        .param("clid", alice)
        .pipe()
        .param("clid", ben.clid));
    assert!(!sim
        .clients()
        .iter()
        .any(|v| v.clid == alice || v.clid == ben.clid));
    assert_eq!(
        c.err(cmd("clientkick").param("reasonid", 5).param("clid", alice)),
        512
    );

    c.ok(cmd("clientupdate").param("client_nickname", "Robo Bot"));
    assert!(sim
        .clients()
        .iter()
        .any(|v| v.nickname == "Robo Bot" && v.client_type == 1));
    assert_eq!(
        c.err(cmd("clientupdate").param("client_nickname", "Bob")),
        513
    );
}

#[test]
fn events_follow_state_changes() {
    let sim = demo();
    let mut server = Conn::admin(&sim);
    server.ok(cmd("servernotifyregister").param("event", "server"));
    let mut both = Conn::admin(&sim);
    both.ok(cmd("servernotifyregister").param("event", "server"));
    both.ok(cmd("servernotifyregister")
        .param("event", "channel")
        .param("id", 0));
    let mut text = Conn::admin(&sim);
    for e in ["textserver", "textchannel", "textprivate"] {
        text.ok(cmd("servernotifyregister").param("event", e));
    }
    assert_eq!(
        text.err(cmd("servernotifyregister").param("event", "nonsense")),
        1538
    );

    let clid = sim.add_client("Newbie", 2).unwrap();
    let ev = server.event("notifycliententerview");
    let i = ev.first().unwrap();
    assert_eq!(i.str("client_nickname").unwrap(), "Newbie");
    assert_eq!(i.parse::<u32>("ctid"), Ok(2));
    assert_eq!(i.str("reasonid").unwrap(), "0");
    // Registered for server and channel events: the real server sends it twice.
    both.event("notifycliententerview");
    both.event("notifycliententerview");

    sim.move_client(clid, 3).unwrap();
    let ev = server.event("notifyclientmoved");
    assert_eq!(ev.first().unwrap().parse::<u32>("ctid"), Ok(3));

    // Text: server-wide from a voice client, and from the query client itself.
    assert!(sim.send_text(clid, 3, 0, "hello all"));
    let ev = text.event("notifytextmessage");
    assert_eq!(ev.first().unwrap().str("msg").unwrap(), "hello all");
    assert_eq!(ev.first().unwrap().str("invokername").unwrap(), "Newbie");
    let me: u32 = text
        .ok(cmd("whoami"))
        .first()
        .unwrap()
        .parse("client_id")
        .unwrap();
    assert!(sim.send_text(clid, 1, me, "psst"));
    assert_eq!(
        text.event("notifytextmessage")
            .first()
            .unwrap()
            .str("targetmode")
            .unwrap(),
        "1"
    );
    server.ok(cmd("sendtextmessage")
        .param("targetmode", 3)
        .param("target", 0)
        .param("msg", "Whirlpool in 5s"));
    assert_eq!(
        text.event("notifytextmessage")
            .first()
            .unwrap()
            .str("msg")
            .unwrap(),
        "Whirlpool in 5s"
    );

    assert!(sim.remove_client(clid));
    let ev = server.event("notifyclientleftview");
    assert_eq!(ev.first().unwrap().str("reasonid").unwrap(), "8");

    server.ok(cmd("serveredit").param("virtualserver_name", "Renamed"));
    assert_eq!(
        server
            .event("notifyserveredited")
            .first()
            .unwrap()
            .str("virtualserver_name")
            .unwrap(),
        "Renamed"
    );

    server.ok(cmd("servernotifyunregister"));
    sim.add_client("Quiet", 1).unwrap();
    both.event("notifycliententerview");
    server.settle(Duration::from_millis(200));
    assert!(
        server.events.is_empty(),
        "unregistered: {:?}",
        server.events
    );
}

#[test]
fn banclient_answers_two_lines() {
    let sim = demo();
    let mut c = Conn::admin(&sim);
    c.ok(cmd("servernotifyregister").param("event", "server"));
    let bob = sim
        .clients()
        .into_iter()
        .find(|v| v.nickname == "Bob")
        .unwrap();
    let r = c.ok(cmd("banclient")
        .param("clid", bob.clid)
        .param("time", 60)
        .param("banreason", "spam"));
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|i| i.contains("banid")));
    assert_eq!(
        c.event("notifyclientleftview")
            .first()
            .unwrap()
            .str("reasonid")
            .unwrap(),
        "6"
    );
    assert_eq!(c.ok(cmd("banlist")).len(), 2);
    let groups = c.ok(cmd("servergrouplist"));
    assert!(groups
        .iter()
        .any(|g| g.str("name").unwrap() == "Server Admin"));
}

#[test]
fn expired_transfer_keys_are_refused() {
    let sim = Sim::start(SimConfig {
        flood: None,
        ft_key_ttl_secs: 0,
        ..SimConfig::default()
    })
    .unwrap();
    let mut c = Conn::admin(&sim);
    let r = c.ok(cmd("ftinitupload")
        .param("clientftfid", 1)
        .param("name", "/late")
        .param("cid", 1)
        .param("cpw", "")
        .param("size", 3)
        .param("overwrite", 1)
        .param("resume", 0));
    ft_upload(&sim, &r.first().unwrap().str("ftkey").unwrap(), b"abc");
    assert_eq!(sim.file(1, "/late"), None, "an expired key uploads nothing");
}

#[test]
fn flood_protection_then_ban() {
    let sim = Sim::start(SimConfig {
        flood: Some((10, Duration::from_secs(3))),
        flood_ban_after: 5,
        ..SimConfig::default()
    })
    .unwrap();
    let (mut s, mut r) = raw(sim.query_addr());
    read_line(&mut r);
    read_line(&mut r);
    for _ in 0..10 {
        s.write_all(b"version\n").unwrap();
        read_line(&mut r);
        assert_eq!(read_line(&mut r), "error id=0 msg=ok\n\r");
    }
    s.write_all(b"version\n").unwrap();
    let line = read_line(&mut r);
    assert!(
        line.starts_with("error id=524 msg=client\\sis\\sflooding extra_msg=please\\swait\\s"),
        "{line}"
    );
    for _ in 0..4 {
        s.write_all(b"version\n").unwrap();
        assert!(read_line(&mut r).starts_with("error id=524"));
    }
    s.write_all(b"version\n").unwrap();
    assert!(read_line(&mut r).starts_with("error id=3329 msg=connection\\sfailed,\\syou\\sare\\sbanned extra_msg=you\\smay\\sretry\\sin\\s600\\sseconds"));
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    // A new connection from the banned address is refused the same way.
    let (_s2, mut r2) = raw(sim.query_addr());
    assert!(read_line(&mut r2).starts_with("error id=3329"));
}

#[test]
fn pacing_client_is_never_refused() {
    let sim = Sim::start(SimConfig {
        flood: Some((10, Duration::from_secs(1))),
        ..SimConfig::default()
    })
    .unwrap();
    let limit = ts3q::FloodLimit {
        commands: 10,
        window: Duration::from_secs(1),
        margin: Duration::from_millis(50),
    };
    let mut c = Conn::open(
        sim.query_addr(),
        Config::server_query()
            .flood_limit(Some(limit))
            .flood_retries(0),
    );
    let start = Instant::now();
    for _ in 0..25 {
        assert_eq!(c.err(cmd("version")), 0);
    }
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "paced over at least two windows"
    );
}

#[test]
fn idle_timeout_and_blank_lines() {
    let sim = Sim::start(SimConfig {
        idle_timeout: Some(Duration::from_millis(600)),
        ..SimConfig::default()
    })
    .unwrap();
    let (mut s, mut r) = raw(sim.query_addr());
    read_line(&mut r);
    read_line(&mut r);
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(b"\n").unwrap(); // not activity on current servers
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    let t = start.elapsed();
    assert!(
        t >= Duration::from_millis(550) && t < Duration::from_secs(3),
        "closed after {t:?}"
    );
}

#[test]
fn over_long_line_is_refused_and_connection_goes_on() {
    let sim = Sim::start(SimConfig {
        max_line: 1024,
        ..SimConfig::default()
    })
    .unwrap();
    let (mut s, mut r) = raw(sim.query_addr());
    read_line(&mut r);
    read_line(&mut r);
    s.write_all(format!("clientfind pattern={}\nversion\n", "x".repeat(5000)).as_bytes())
        .unwrap();
    assert!(read_line(&mut r).starts_with("error id=1541"));
    assert!(read_line(&mut r).starts_with("version="));
}

fn ft_upload(sim: &Sim, key: &str, data: &[u8]) {
    let mut s = TcpStream::connect(sim.ft_addr()).unwrap();
    s.write_all(key.as_bytes()).unwrap();
    s.write_all(data).unwrap();
    let mut rest = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.read_to_end(&mut rest).unwrap(); // the server closes once it has everything
}

fn ft_download(sim: &Sim, key: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(sim.ft_addr()).unwrap();
    s.write_all(key.as_bytes()).unwrap();
    let mut data = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.read_to_end(&mut data).unwrap();
    data
}

#[test]
fn file_transfers() {
    let sim = sim();
    let mut c = Conn::admin(&sim);
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let up = c.ok(cmd("ftinitupload")
        .param("clientftfid", 1)
        .param("name", "/dir x/a.bin")
        .param("cid", 1)
        .param("cpw", "")
        .param("size", data.len())
        .param("overwrite", 1)
        .param("resume", 0));
    let rec = up.first().unwrap();
    let key = rec.str("ftkey").unwrap().into_owned();
    assert_eq!(key.len(), 32);
    assert_eq!(rec.parse::<u16>("port"), Ok(sim.ft_addr().port()));
    assert_eq!(rec.str("seekpos").unwrap(), "0");
    ft_upload(&sim, &key, &data);
    assert_eq!(sim.file(1, "/dir x/a.bin").unwrap(), data);
    // Keys are single use.
    assert!(ft_download(&sim, &key).is_empty());

    let down = c.ok(cmd("ftinitdownload")
        .param("clientftfid", 2)
        .param("name", "/dir x/a.bin")
        .param("cid", 1)
        .param("cpw", "")
        .param("seekpos", 1000));
    let rec = down.first().unwrap();
    assert_eq!(rec.parse::<usize>("size"), Ok(data.len()));
    assert_eq!(ft_download(&sim, &rec.str("ftkey").unwrap()), &data[1000..]);

    // Refusals are records inside an ok response.
    let r = c.ok(cmd("ftinitupload")
        .param("clientftfid", 3)
        .param("name", "/dir x/a.bin")
        .param("cid", 1)
        .param("cpw", "")
        .param("size", 5)
        .param("overwrite", 0)
        .param("resume", 0));
    assert_eq!(r.first().unwrap().str("status").unwrap(), "2050");
    let r = c.ok(cmd("ftinitdownload")
        .param("clientftfid", 4)
        .param("name", "/missing")
        .param("cid", 1)
        .param("cpw", "")
        .param("seekpos", 0));
    let rec = r.first().unwrap();
    assert_eq!(
        (
            rec.str("status").unwrap().as_ref(),
            rec.str("size").unwrap().as_ref()
        ),
        ("2051", "0")
    );
    assert!(rec.get("ftkey").is_none());
    let r = c.ok(cmd("ftinitupload")
        .param("clientftfid", 5)
        .param("name", "/x")
        .param("cid", 1)
        .param("cpw", "")
        .param("size", 5)
        .param("overwrite", 1)
        .param("resume", 1));
    assert_eq!(r.first().unwrap().str("status").unwrap(), "2056");
    assert_eq!(
        c.err(
            cmd("ftinitupload")
                .param("clientftfid", 6)
                .param("name", "/x")
                .param("cid", 99)
                .param("cpw", "")
                .param("size", 5)
        ),
        768
    );

    // Resume: the server answers with the stored size as seekpos.
    sim.put_file(1, "/part", b"hello ".to_vec());
    let r = c.ok(cmd("ftinitupload")
        .param("clientftfid", 7)
        .param("name", "/part")
        .param("cid", 1)
        .param("cpw", "")
        .param("size", 11)
        .param("overwrite", 0)
        .param("resume", 1));
    let rec = r.first().unwrap();
    assert_eq!(rec.str("seekpos").unwrap(), "6");
    ft_upload(&sim, &rec.str("ftkey").unwrap(), b"world");
    assert_eq!(sim.file(1, "/part").unwrap(), b"hello world");

    // Listing and managing files.
    c.ok(cmd("ftcreatedir")
        .param("cid", 1)
        .param("cpw", "")
        .param("dirname", "/new"));
    assert_eq!(
        c.err(
            cmd("ftcreatedir")
                .param("cid", 1)
                .param("cpw", "")
                .param("dirname", "/new")
        ),
        2050
    );
    let list = c.ok(cmd("ftgetfilelist")
        .param("cid", 1)
        .param("cpw", "")
        .param("path", "/"));
    let names: Vec<String> = list
        .iter()
        .map(|i| i.str("name").unwrap().into_owned())
        .collect();
    assert_eq!(names, ["new", "part"]);
    let info = c.ok(cmd("ftgetfileinfo")
        .param("cid", 1)
        .param("cpw", "")
        .param("name", "/part"));
    assert_eq!(info.first().unwrap().str("size").unwrap(), "11");
    c.ok(cmd("ftrenamefile")
        .param("cid", 1)
        .param("cpw", "")
        .param("oldname", "/part")
        .param("newname", "/whole"));
    assert!(sim.file(1, "/whole").is_some());
    assert_eq!(
        c.err(
            cmd("ftrenamefile")
                .param("cid", 1)
                .param("cpw", "")
                .param("oldname", "/part")
                .param("newname", "/y")
        ),
        2051
    );
    c.ok(cmd("ftdeletefile")
        .param("cid", 1)
        .param("cpw", "")
        .param("name", "/whole")
        .pipe()
        .param("name", "/new"));
    assert_eq!(
        c.err(
            cmd("ftgetfilelist")
                .param("cid", 1)
                .param("cpw", "")
                .param("path", "/")
        ),
        1281,
        "empty"
    );
    assert_eq!(
        c.err(
            cmd("ftgetfileinfo")
                .param("cid", 1)
                .param("cpw", "")
                .param("name", "/whole")
        ),
        2051
    );
}

#[test]
fn client_query_mode() {
    let sim = demo();
    let mut c = Conn::open(
        sim.client_query_addr(),
        Config::client_query().flood_limit(None).keepalive(None),
    );
    assert_eq!(c.client.schandlerid(), Some(1));
    assert_eq!(c.client.greeting().unwrap().mode, Mode::ClientQuery);
    assert_eq!(c.err(cmd("whoami")), 1796, "auth first");
    assert_eq!(c.err(cmd("auth").param("apikey", "WRONG")), 1538);
    c.ok(cmd("auth").param("apikey", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"));
    c.ok(cmd("use"));
    assert_eq!(c.err(cmd("use").param("schandlerid", 2)), 1799);
    assert_eq!(
        c.ok(cmd("currentschandlerid"))
            .first()
            .unwrap()
            .str("schandlerid")
            .unwrap(),
        "1"
    );
    let me = c.ok(cmd("whoami"));
    let clid: u32 = me.first().unwrap().parse("clid").unwrap();
    c.ok(cmd("clientnotifyregister")
        .param("schandlerid", 1)
        .param("event", "any"));
    c.ok(cmd("clientupdate")
        .param("client_input_muted", true)
        .param("client_output_muted", true));
    let ev = c.event("notifyclientupdated");
    let i = ev.first().unwrap();
    assert_eq!(
        i.keys().next().unwrap(),
        b"schandlerid",
        "ClientQuery events carry schandlerid first"
    );
    assert_eq!(i.parse::<u32>("clid"), Ok(clid));
    assert_eq!(i.str("client_input_muted").unwrap(), "1");
    assert!(c.ok(cmd("clientlist")).len() >= 5);
    assert!(c.ok(cmd("channellist")).len() >= 5);
    let bob = sim
        .clients()
        .into_iter()
        .find(|v| v.nickname == "Bob")
        .unwrap();
    sim.send_text(bob.clid, 3, 0, "hi from Bob");
    assert_eq!(
        c.event("notifytextmessage")
            .first()
            .unwrap()
            .str("msg")
            .unwrap(),
        "hi from Bob"
    );
    assert_eq!(c.err(cmd("serverinfo").allow_unknown()), 256);
}

#[test]
fn stops_on_drop() {
    let sim = sim();
    let addr = sim.query_addr();
    let c = Conn::admin(&sim);
    drop(sim);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    drop(c);
}

#[test]
fn drop_connections_disconnects_clients() {
    let sim = sim();
    let mut c = Conn::admin(&sim);
    sim.drop_connections();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !c.closed {
        assert!(Instant::now() < deadline);
        c.pump(Duration::from_millis(50));
    }
}

#[test]
fn binary_has_help_and_version() {
    let run = |arg: &str| {
        let out = ts3_sim::testing::output_within(
            std::process::Command::new(env!("CARGO_BIN_EXE_ts3-sim")).arg(arg),
            Duration::from_secs(30),
        )
        .expect("ts3-sim runs");
        assert!(out.status.success(), "ts3-sim {arg}: {}", out.status);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let help = run("--help");
    for flag in [
        "--listen",
        "--query-port",
        "--client-query-port",
        "--ft-port",
        "--login",
        "--password",
        "--apikey",
        "--demo",
        "--no-flood",
        "--flood-commands",
        "--flood-seconds",
        "--idle-timeout",
        "--activity",
        "--scenario",
        "--seed",
        "--pace-ms",
        "--max-connections",
        "bridge",
    ] {
        assert!(help.contains(flag), "--help lists {flag}:\n{help}");
    }
    assert_eq!(
        run("--version"),
        format!("ts3-sim {}\n", env!("CARGO_PKG_VERSION"))
    );
    let bad = ts3_sim::testing::output_within(
        std::process::Command::new(env!("CARGO_BIN_EXE_ts3-sim")).arg("--query-port=x"),
        Duration::from_secs(30),
    )
    .expect("ts3-sim runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--query-port"));
}

#[test]
fn binary_prints_ports_and_serves() {
    let mut child = ts3_sim::testing::sim_command_for(
        env!("CARGO_BIN_EXE_ts3-sim"),
        &["--password", "pw", "--demo", "--no-flood"],
    )
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        lines.push(l);
    }
    assert!(lines[0].starts_with("query 127.0.0.1:"), "{lines:?}");
    assert!(lines[1].starts_with("client-query 127.0.0.1:"));
    assert!(lines[2].starts_with("filetransfer 127.0.0.1:"));
    let addr: std::net::SocketAddr = lines[0]
        .trim()
        .trim_start_matches("query ")
        .parse()
        .unwrap();
    let mut c = Conn::server(addr);
    c.ok(cmd("login")
        .param("client_login_name", "serveradmin")
        .param("client_login_password", "pw"));
    c.ok(cmd("use").param("sid", 1));
    assert_eq!(c.ok(cmd("clientlist")).len(), 5);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A download asked for while the upload's data is still arriving waits for it and gets the
/// whole file (py-ts3 asks right after its upload socket is written, before the server has
/// stored the file).
#[test]
fn download_during_upload_waits_for_it() {
    let sim = sim();
    let mut c = Conn::admin(&sim);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let up = c.ok(cmd("ftinitupload")
        .param("clientftfid", 1)
        .param("name", "/late.bin")
        .param("cid", 1)
        .param("cpw", "")
        .param("size", data.len())
        .param("overwrite", 1)
        .param("resume", 0));
    let key = up.first().unwrap().str("ftkey").unwrap().into_owned();
    let mut s = TcpStream::connect(sim.ft_addr()).unwrap();
    s.write_all(key.as_bytes()).unwrap();
    s.write_all(&data[..1000]).unwrap();
    // Let the server redeem the key and read the first part; the rest comes after a pause.
    std::thread::sleep(Duration::from_millis(100));
    let rest = data[1000..].to_vec();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        s.write_all(&rest).unwrap();
        let mut end = Vec::new();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.read_to_end(&mut end);
    });
    let down = c.ok(cmd("ftinitdownload")
        .param("clientftfid", 2)
        .param("name", "/late.bin")
        .param("cid", 1)
        .param("cpw", "")
        .param("seekpos", 0));
    let rec = down.first().unwrap();
    assert_eq!(rec.parse::<usize>("size"), Ok(data.len()));
    assert_eq!(ft_download(&sim, &rec.str("ftkey").unwrap()), data);
    writer.join().unwrap();
}

/// Every declared command answers as its declaration says, on each interface that has it:
/// on ServerQuery 518 before `login` unless it needs nothing, 1024 before `use` when it needs a
/// server; on ClientQuery 1796 before `auth` unless it needs nothing; never "command not found"
/// for a declared name, and 256 for an undeclared one. Every declared name is in the core's
/// command list of that interface, so the simulator and the client cannot drift apart.
#[test]
fn every_declared_command_keeps_its_login_and_use_requirements() {
    use ts3_sim::{Needs, COMMANDS};
    let sim = sim();
    assert!(COMMANDS.len() >= 60, "{}", COMMANDS.len());
    let mut names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), COMMANDS.len(), "each command declared once");
    let login = || {
        cmd("login")
            .param("client_login_name", "serveradmin")
            .param("client_login_password", sim.password())
    };
    let auth = || cmd("auth").param("apikey", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");
    // Commands that end the session or change it are checked on their own connection.
    let server = || Conn::server(sim.query_addr());
    let client = || {
        Conn::open(
            sim.client_query_addr(),
            Config::client_query().flood_limit(None).keepalive(None),
        )
    };
    let (mut on_server, mut on_client) = (0, 0);
    for spec in COMMANDS {
        assert!(
            spec.server.is_some() || spec.client.is_some(),
            "{} is on some interface",
            spec.name
        );
        for mode in [Mode::ServerQuery, Mode::ClientQuery] {
            if spec.needs(mode).is_some() {
                assert!(
                    mode.contains(spec.name),
                    "{} is a {mode:?} command",
                    spec.name
                );
            }
        }
        if let Some(needs) = spec.server {
            on_server += 1;
            let before_login = server().send_raw(spec.name);
            match needs {
                Needs::Nothing => assert_ne!(before_login, 518, "{} runs before login", spec.name),
                Needs::Login | Needs::Server => {
                    assert_eq!(before_login, 518, "{} before login", spec.name)
                }
                Needs::Auth => panic!("{}: auth is ClientQuery's", spec.name),
            }
            assert_ne!(before_login, 256, "{} is known", spec.name);
            let mut c = server();
            c.ok(login());
            let before_use = c.send_raw(spec.name);
            if needs == Needs::Server {
                assert_eq!(before_use, 1024, "{} before use", spec.name);
            } else {
                assert_ne!(before_use, 1024, "{} runs without use", spec.name);
            }
            assert_ne!(before_use, 256, "{} is known", spec.name);
        } else {
            let mut c = server();
            c.ok(login());
            c.ok(cmd("use").param("sid", 1));
            assert_eq!(
                c.send_raw(spec.name),
                256,
                "{} is not ServerQuery's",
                spec.name
            );
        }
        let mut c = client();
        let before_auth = c.send_raw(spec.name);
        match spec.client {
            Some(Needs::Nothing) => {
                assert_ne!(before_auth, 1796, "{} runs before auth", spec.name);
                assert_ne!(before_auth, 256, "{} is known", spec.name);
            }
            Some(Needs::Auth) => {
                assert_eq!(before_auth, 1796, "{} before auth", spec.name);
                let mut c = client();
                c.ok(auth());
                let after = c.send_raw(spec.name);
                assert!(
                    ![256, 1796].contains(&after),
                    "{} after auth: {after}",
                    spec.name
                );
            }
            Some(other) => panic!("{}: {other:?} is ServerQuery's", spec.name),
            None => {
                c.ok(auth());
                assert_eq!(
                    c.send_raw(spec.name),
                    256,
                    "{} is not ClientQuery's",
                    spec.name
                );
            }
        }
        on_client += usize::from(spec.client.is_some());
    }
    assert!(
        on_server >= 55 && on_client >= 12,
        "{on_server} and {on_client}"
    );
    let mut c = server();
    assert_eq!(c.send_raw("servergroupfrobnicate"), 256);
    c.ok(login());
    assert_eq!(c.send_raw("servergroupfrobnicate"), 256);
    let mut c = client();
    c.ok(auth());
    assert_eq!(c.send_raw("servergroupfrobnicate"), 256);
}

/// `--activity` from the binary: a client in any language sees voice clients join and talk.
#[test]
fn binary_activity_produces_events() {
    let (_child, port) =
        ts3_sim::testing::spawn_process_with(&["--activity", "--seed", "5", "--pace-ms", "20"])
            .expect("ts3-sim starts");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut c = Conn::server(addr);
    c.ok(cmd("login")
        .param("client_login_name", "serveradmin")
        .param("client_login_password", "pw"));
    c.ok(cmd("use").param("sid", 1));
    for event in ["server", "textserver"] {
        c.ok(cmd("servernotifyregister").param("event", event));
    }
    let joined = c.event("notifycliententerview");
    assert!(joined.first().unwrap().str("client_nickname").is_some());
    let said = c.event("notifytextmessage");
    assert_eq!(
        said.first().unwrap().str("targetmode").as_deref(),
        Some("3")
    );
}

/// A scenario read from JSON plays its steps; the same seed gives the same activity and the
/// same random values (unique ids, transfer keys) in the same order.
#[test]
fn scenarios_and_seeds_replay() {
    use ts3_sim::script::Script;
    let script = Script::from_json(
        r#"{"steps": [
            {"after_ms": 0, "join": {"nickname": "Ann", "cid": 1}},
            {"after_ms": 10, "say": {"nickname": "Ann", "to": "server", "msg": "hi | all"}},
            {"after_ms": 10, "leave": {"nickname": "Ann"}}
        ]}"#,
    )
    .expect("a valid scenario");
    let sim = demo();
    let mut c = Conn::admin(&sim);
    c.ok(cmd("servernotifyregister").param("event", "server"));
    c.ok(cmd("servernotifyregister").param("event", "textserver"));
    assert_eq!(sim.play(script).wait(), 3);
    assert_eq!(
        c.event("notifycliententerview")
            .first()
            .unwrap()
            .str("client_nickname")
            .as_deref(),
        Some("Ann")
    );
    assert_eq!(
        c.event("notifytextmessage")
            .first()
            .unwrap()
            .str("msg")
            .as_deref(),
        Some("hi | all")
    );
    c.event("notifyclientleftview");

    let bad = Script::from_json(r#"{"steps": [{"after_ms": 0, "dance": {}}]}"#).unwrap_err();
    assert!(bad.contains("line 1"), "{bad}");

    let pace = Duration::from_millis(1);
    assert_eq!(
        Script::activity(7, pace, 200),
        Script::activity(7, pace, 200)
    );
    assert_ne!(
        Script::activity(7, pace, 200),
        Script::activity(8, pace, 200)
    );

    let uids = |seed| {
        let sim = Sim::start(SimConfig {
            demo: true,
            seed: Some(seed),
            ..SimConfig::default()
        })
        .unwrap();
        let clid = sim.add_client("Seeded", 1).unwrap();
        let mut c = Conn::admin(&sim);
        let list = c.ok(cmd("clientlist").option("uid"));
        let uid = list
            .iter()
            .find(|i| i.parse::<u32>("clid") == Ok(clid))
            .and_then(|i| i.str("client_unique_identifier").map(|s| s.into_owned()));
        let key = c.ok(cmd("ftinitupload")
            .param("clientftfid", 1)
            .param("name", "/a")
            .param("cid", 1)
            .param("cpw", "")
            .param("size", 1)
            .param("overwrite", 1)
            .param("resume", 0));
        (
            uid,
            key.first().unwrap().str("ftkey").map(|s| s.into_owned()),
        )
    };
    assert_eq!(uids(42), uids(42));
    assert_ne!(uids(42), uids(43));
}

/// Server groups, the client database, privilege keys and instance information.
#[test]
fn groups_database_keys_and_instance() {
    let sim = demo();
    let clid = sim.add_client("Member", 1).unwrap();
    let mut c = Conn::admin(&sim);
    let info = c.ok(cmd("clientinfo").param("clid", clid));
    let info = info.first().unwrap();
    let dbid: u32 = info.parse("client_database_id").unwrap();
    let uid = info.str("client_unique_identifier").unwrap().into_owned();

    c.ok(cmd("servergroupaddclient")
        .param("sgid", 6)
        .param("cldbid", dbid));
    assert_eq!(
        c.err(
            cmd("servergroupaddclient")
                .param("sgid", 6)
                .param("cldbid", dbid)
        ),
        2561
    );
    assert_eq!(
        c.err(
            cmd("servergroupaddclient")
                .param("sgid", 99)
                .param("cldbid", dbid)
        ),
        2560
    );
    let members = c.ok(cmd("servergroupclientlist")
        .param("sgid", 6)
        .option("names"));
    assert!(members.iter().any(|m| m.parse::<u32>("cldbid") == Ok(dbid)
        && m.str("client_nickname").as_deref() == Some("Member")));
    let groups = c.ok(cmd("servergroupsbyclientid").param("cldbid", dbid));
    assert!(groups.iter().any(|g| g.parse::<u32>("sgid") == Ok(6)));
    c.ok(cmd("servergroupdelclient")
        .param("sgid", 6)
        .param("cldbid", dbid));
    assert_eq!(
        c.err(
            cmd("servergroupdelclient")
                .param("sgid", 6)
                .param("cldbid", dbid)
        ),
        2563
    );

    let list = c.ok(cmd("clientdblist").option("count"));
    assert!(list.iter().any(|i| i.parse::<u32>("cldbid") == Ok(dbid)));
    assert!(
        list.first().unwrap().get("count").is_some()
            || list.iter().any(|i| i.get("count").is_some())
    );
    let one = c.ok(cmd("clientdbinfo").param("cldbid", dbid));
    assert_eq!(
        one.first().unwrap().str("client_nickname").as_deref(),
        Some("Member")
    );
    let found = c.ok(cmd("clientdbfind").param("pattern", "memb"));
    assert!(found.iter().any(|i| i.parse::<u32>("cldbid") == Ok(dbid)));
    let found = c.ok(cmd("clientdbfind")
        .param("pattern", uid.as_str())
        .option("uid"));
    assert_eq!(found.len(), 1);
    let ids = c.ok(cmd("clientgetids").param("cluid", uid.as_str()));
    assert_eq!(ids.first().unwrap().parse::<u32>("clid"), Ok(clid));
    let d = c.ok(cmd("clientgetdbidfromuid").param("cluid", uid.as_str()));
    assert_eq!(d.first().unwrap().parse::<u32>("cldbid"), Ok(dbid));
    let n = c.ok(cmd("clientgetnamefromuid").param("cluid", uid.as_str()));
    assert_eq!(n.first().unwrap().str("name").as_deref(), Some("Member"));
    let n = c.ok(cmd("clientgetnamefromdbid").param("cldbid", dbid));
    assert_eq!(
        n.first().unwrap().str("cluid").as_deref(),
        Some(uid.as_str())
    );
    assert_eq!(c.err(cmd("clientgetids").param("cluid", "nobody=")), 1281);

    let key = c.ok(cmd("privilegekeyadd")
        .param("tokentype", 0)
        .param("tokenid1", 6)
        .param("tokenid2", 0)
        .param("tokendescription", "for Member"));
    let token = key.first().unwrap().str("token").unwrap().into_owned();
    assert_eq!(token.len(), 40);
    let keys = c.ok(cmd("privilegekeylist"));
    assert!(keys
        .iter()
        .any(|k| k.str("token").as_deref() == Some(token.as_str())
            && k.str("token_description").as_deref() == Some("for Member")));
    c.ok(cmd("privilegekeydelete").param("token", token.as_str()));
    assert_eq!(
        c.err(cmd("privilegekeydelete").param("token", token.as_str())),
        1281
    );
    assert_eq!(
        c.err(
            cmd("privilegekeyadd")
                .param("tokentype", 0)
                .param("tokenid1", 99)
        ),
        2560
    );

    // A simulated client uses a key: `tokenused` subscribers hear it, the key is spent and the
    // client is in the key's group.
    let newcomer = sim.add_client("Newcomer", 1).unwrap();
    let key = c.ok(cmd("privilegekeyadd")
        .param("tokentype", 0)
        .param("tokenid1", 6)
        .param("tokenid2", 0));
    let token = key.first().unwrap().str("token").unwrap().into_owned();
    c.ok(cmd("servernotifyregister").param("event", "tokenused"));
    assert!(sim.use_token(newcomer, &token));
    let ev = c.event("notifytokenused");
    let typed = ts3q::typed::events::TypedEvent::split(&ev)
        .next()
        .unwrap()
        .unwrap();
    match typed.notification {
        ts3q::typed::events::Notification::TokenUsed(t) => {
            assert_eq!(t.clid, newcomer);
            assert_eq!(t.token, token);
            assert_eq!(t.token1.as_deref(), Some("6"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!sim.use_token(newcomer, &token), "a key is single use");
    let info = c.ok(cmd("clientinfo").param("clid", newcomer));
    let dbid = info
        .first()
        .unwrap()
        .parse::<u32>("client_database_id")
        .unwrap();
    let groups = c.ok(cmd("servergroupsbyclientid").param("cldbid", dbid));
    assert!(groups.iter().any(|g| g.parse::<u32>("sgid") == Ok(6)));
    assert_eq!(c.err(cmd("privilegekeylist")), 1281, "no key is left");

    let mut listener = Conn::admin(&sim);
    listener.ok(cmd("servernotifyregister").param("event", "textserver"));
    c.ok(cmd("gm").param("msg", "maintenance | in 5 min"));
    let ev = listener.event("notifytextmessage");
    assert_eq!(
        ev.first().unwrap().str("msg").as_deref(),
        Some("maintenance | in 5 min")
    );

    let i = c.ok(cmd("instanceinfo"));
    assert!(i
        .first()
        .unwrap()
        .get("serverinstance_filetransfer_port")
        .is_some());
    let h = c.ok(cmd("hostinfo"));
    assert!(
        h.first()
            .unwrap()
            .parse::<u32>("virtualservers_running_total")
            == Ok(1)
    );
    let log = c.ok(cmd("logview").param("lines", 2));
    assert_eq!(log.len(), 2);
    let info = c.ok(cmd("serverrequestconnectioninfo"));
    let info = info.first().unwrap();
    assert_eq!(info.parse::<u64>("connection_bytes_sent_total"), Ok(0));
    assert_eq!(info.str("connection_ping").as_deref(), Some("0.0000"));
    assert!(info.parse::<u64>("connection_connected_time").is_ok());
}

/// A client that subscribes and never reads while events pile up is cut off once its queue
/// passes the limit; the simulator's memory stays bounded and other clients are answered.
#[test]
fn slow_readers_are_cut_off_and_memory_stays_bounded() {
    let sim = demo();
    let mut slow = raw(sim.query_addr());
    let login = format!(
        "login client_login_name=serveradmin client_login_password={}\nuse sid=1\nservernotifyregister event=textserver\n",
        sim.password()
    );
    slow.0.write_all(login.as_bytes()).unwrap();
    // The greeting and the three replies: subscribed from here on, and reading nothing more.
    for _ in 0..5 {
        read_line(&mut slow.1);
    }
    let sender = sim.add_client("Chatty", 1).unwrap();
    let before = ts3_sim::testing::resident_bytes();
    let msg = "x".repeat(900);
    let mut cut = false;
    // Up to 256 MB of events for a client that reads none of them.
    for _ in 0..300_000 {
        sim.send_text(sender, 3, 0, &msg);
        if sim.sessions() == 0 {
            cut = true;
            break;
        }
    }
    let grown = ts3_sim::testing::resident_bytes().saturating_sub(before);
    assert!(cut, "the slow reader was cut off");
    assert!(grown < 64 << 20, "memory grew by {} MiB", grown >> 20);
    // Everyone else is still served.
    let mut c = Conn::admin(&sim);
    c.ok(cmd("whoami"));
}

/// A line of 100 MB without a newline costs bounded memory and gets 1541 once it ends; the
/// connection goes on. Measured on a simulator process of its own: the memory of this test
/// process moves with whatever the tests beside it do.
#[test]
fn a_huge_line_costs_bounded_memory() {
    let (sim, port) = ts3_sim::testing::spawn_process_with(&[]).unwrap();
    let (mut w, mut r) = raw(([127, 0, 0, 1], port).into());
    read_line(&mut r);
    read_line(&mut r);
    let before = ts3_sim::testing::resident_bytes_of(sim.id());
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..100 {
        w.write_all(&chunk).unwrap();
    }
    w.write_all(b"\nversion\n").unwrap();
    assert!(read_line(&mut r).starts_with("error id=1541"), "too long");
    assert!(read_line(&mut r).starts_with("version="));
    assert_eq!(read_line(&mut r).trim_end(), "error id=0 msg=ok");
    let grown = ts3_sim::testing::resident_bytes_of(sim.id()).saturating_sub(before);
    assert!(
        grown < 16 << 20,
        "memory grew by {} MiB for a 100 MB line",
        grown >> 20
    );
}

/// A connection beyond the cap hears 1027 and is closed; once one leaves, a new one is served;
/// rapid connect/close loops leave no session behind.
#[test]
fn connection_cap_and_rapid_reconnects() {
    let sim = Sim::start(SimConfig {
        max_connections: Some(2),
        flood: None,
        ..SimConfig::default()
    })
    .unwrap();
    let first = Conn::server(sim.query_addr());
    let _second = Conn::server(sim.query_addr());
    let (_w, mut r) = raw(sim.query_addr());
    assert_eq!(
        read_line(&mut r).trim(),
        "error id=1027 msg=server\\smaxclient\\sreached"
    );
    let mut rest = String::new();
    assert_eq!(r.read_to_string(&mut rest).unwrap_or(0), 0, "then closed");
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.sessions() > 1 {
        assert!(Instant::now() < deadline, "the first session ended");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut third = Conn::server(sim.query_addr());
    third.ok(cmd("version"));
    drop(third);
    // Connect and close at once, many times: no session is left behind.
    for _ in 0..300 {
        drop(TcpStream::connect(sim.query_addr()).unwrap());
    }
    // The server accepts its backlog in order, and one of those connections may still hold the
    // second place when a newcomer is accepted (then it rightly hears 1027): retry until one is
    // greeted. By then every earlier connection has been accepted.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut w, mut r) = loop {
        let (w, mut r) = raw(sim.query_addr());
        let first = read_line(&mut r);
        if first == "TS3\n\r" {
            break (w, r);
        }
        assert_eq!(
            first.trim(),
            "error id=1027 msg=server\\smaxclient\\sreached"
        );
        assert!(Instant::now() < deadline, "never greeted again");
        std::thread::sleep(Duration::from_millis(10));
    };
    read_line(&mut r);
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.sessions() > 2 {
        assert!(
            Instant::now() < deadline,
            "{} sessions left",
            sim.sessions()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    w.write_all(b"version\n").unwrap();
    assert!(read_line(&mut r).starts_with("version="));
    assert_eq!(read_line(&mut r).trim(), "error id=0 msg=ok");
}

/// The scenario shown in the README is a valid scenario file.
#[test]
fn the_readmes_scenario_reads() {
    let readme = include_str!("../README.md");
    let start = readme.find("```json\n").expect("a JSON block") + "```json\n".len();
    let end = start + readme[start..].find("```").expect("its end");
    let script = ts3_sim::script::Script::from_json(&readme[start..end]).expect("it reads");
    assert_eq!(script.steps().len(), 7);
    assert!(matches!(
        script.steps()[5].1,
        ts3_sim::script::Action::UseToken { .. }
    ));
}

/// A running `ts3-sim` binary with its standard error in a file, killed on drop.
struct Logged {
    process: ts3_sim::testing::Process,
    log: std::path::PathBuf,
    port: u16,
}

impl Logged {
    fn start(wrapper: Option<&str>, args: &[&str]) -> Logged {
        let log = std::env::temp_dir().join(format!(
            "ts3-sim-log-{}-{}",
            std::process::id(),
            args.len() + wrapper.map_or(0, str::len)
        ));
        let mut cmd = ts3_sim::testing::sim_command(args).unwrap();
        if let Some(shell) = wrapper {
            // A shell that sets a limit, then runs the binary in its place.
            let mut sh = std::process::Command::new("sh");
            sh.arg("-c")
                .arg(format!("{shell}; exec \"$0\" \"$@\""))
                .arg(cmd.get_program())
                .args(cmd.get_args());
            cmd = sh;
        }
        cmd.stderr(std::fs::File::create(&log).unwrap());
        let (process, port) = ts3_sim::testing::spawn_command(&mut cmd).expect("ts3-sim starts");
        Logged { process, log, port }
    }

    fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Waits until the log contains `what`; returns the whole log.
    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if log.contains(what) {
                return log;
            }
            assert!(Instant::now() < deadline, "no {what:?} in the log:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `-vv` logs connections, every command with its secrets replaced by `<redacted>`, and every event
/// sent, on standard error; standard output keeps only the port lines.
#[test]
fn verbose_binary_logs_without_secrets() {
    let sim = Logged::start(
        None,
        &["-vv", "--password", "hunter2secret", "--no-flood", "--demo"],
    );
    let mut c = Conn::server(sim.addr());
    c.ok(cmd("login")
        .param("client_login_name", "serveradmin")
        .param("client_login_password", "hunter2secret"));
    c.ok(cmd("use").param("sid", 1));
    c.ok(cmd("servernotifyregister").param("event", "textserver"));
    c.ok(cmd("sendtextmessage")
        .param("targetmode", 3)
        .param("target", 1)
        .param("msg", "hello"));
    c.event("notifytextmessage");
    let mut positional = Conn::server(sim.addr());
    positional
        .stream
        .write_all(b"login serveradmin hunter2secret\n")
        .unwrap();
    drop(positional);
    drop(c);
    sim.wait_for("commands=");
    let log = sim.wait_for("login serveradmin <redacted>");
    assert!(log.contains("connected"), "{log}");
    assert!(
        log.contains(
            "command=\"login client_login_name=serveradmin client_login_password=<redacted>\""
        ),
        "{log}"
    );
    assert!(log.contains("command=\"use sid=1\""), "{log}");
    assert!(log.contains("event=notifytextmessage"), "{log}");
    assert!(
        !log.contains("hunter2secret"),
        "a secret in the log:\n{log}"
    );
}

/// When accepting fails (here: out of file descriptors), the simulator waits before trying
/// again instead of spinning; the connections it has keep being served, and once some close it
/// accepts again.
#[test]
fn accept_failures_back_off() {
    let sim = Logged::start(
        Some("ulimit -n 48"),
        &["-v", "--no-flood", "--idle-timeout", "0"],
    );
    // Fill the descriptor table: beyond a few dozen, accepting fails with EMFILE.
    let mut held = Vec::new();
    for _ in 0..80 {
        held.push(TcpStream::connect(sim.addr()).unwrap());
    }
    sim.wait_for("accept failed");
    // Its CPU time over one second while every accept fails: a spinning loop would use all of it.
    let cpu = || {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", sim.process.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        // utime and stime, fields 14 and 15 of the line (11 and 12 after the name).
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let (before, t) = (cpu(), Instant::now());
    std::thread::sleep(Duration::from_secs(1));
    let ticks = cpu() - before;
    let elapsed = t.elapsed().as_secs_f64();
    // Clock ticks are 100 a second: under 30 ticks a second is far from a spinning core.
    assert!(
        (ticks as f64) < 30.0 * elapsed,
        "{ticks} ticks of CPU in {elapsed:.2} s while accepts failed"
    );
    // A connection accepted before the table filled is still served.
    let mut first = BufReader::new(held.remove(0));
    let mut line = String::new();
    first.read_line(&mut line).unwrap();
    assert_eq!(line, "TS3\n");
    first.get_mut().write_all(b"version\n").unwrap();
    let mut reply = Vec::new();
    while !String::from_utf8_lossy(&reply).contains("error id=0") {
        let mut chunk = [0u8; 512];
        let n = first.read(&mut chunk).unwrap();
        assert!(n > 0, "closed");
        reply.extend_from_slice(&chunk[..n]);
    }
    // Once connections close, new ones are accepted and greeted.
    drop(held);
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = TcpStream::connect(sim.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut r = BufReader::new(s);
        let mut line = String::new();
        if r.read_line(&mut line).is_ok() && line == "TS3\n" {
            break;
        }
        assert!(Instant::now() < deadline, "never accepted again");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Escapes outside the manual's table, a lone trailing backslash and bytes that are not UTF-8
/// are refused with 1538 (invalid parameter); junk that is no command is 256; the connection
/// goes on after each, and a good command is still answered.
#[test]
fn invalid_escapes_and_junk_get_their_error_ids() {
    let sim = sim();
    let (mut w, mut r) = raw(sim.query_addr());
    read_line(&mut r);
    read_line(&mut r);
    w.write_all(b"login serveradmin secret\nuse 1\n").unwrap();
    assert_eq!(read_line(&mut r).trim(), "error id=0 msg=ok");
    assert_eq!(read_line(&mut r).trim(), "error id=0 msg=ok");
    let cases: [(&[u8], &str); 8] = [
        (
            b"clientupdate client_nickname=bad\\xname\n",
            "error id=1538 msg=invalid\\sparameter",
        ),
        (
            b"sendtextmessage targetmode=3 target=1 msg=lone\\\n",
            "error id=1538 msg=invalid\\sparameter",
        ),
        (
            b"sendtextmessage targetmode=3 target=1 msg=\xff\xfe\n",
            "error id=1538 msg=invalid\\sparameter",
        ),
        (
            b"channelinfo cid=1\\q\n",
            "error id=1538 msg=invalid\\sparameter",
        ),
        (
            b"\x00\x01\x02junk\n",
            "error id=256 msg=command\\snot\\sfound",
        ),
        (b"\xff\xfe\xfd\n", "error id=256 msg=command\\snot\\sfound"),
        (b"!!! ??? |||\n", "error id=256 msg=command\\snot\\sfound"),
        (
            b"frobnicate a\\xb\n",
            "error id=256 msg=command\\snot\\sfound",
        ),
    ];
    for (line, answer) in cases {
        w.write_all(line).unwrap();
        assert_eq!(
            read_line(&mut r).trim(),
            answer,
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    // The manual's escapes are all accepted.
    w.write_all(b"sendtextmessage targetmode=3 target=1 msg=\\\\\\/\\s\\p\\a\\b\\f\\n\\r\\t\\v\n")
        .unwrap();
    assert_eq!(read_line(&mut r).trim(), "error id=0 msg=ok");
    w.write_all(b"version\n").unwrap();
    assert!(read_line(&mut r).starts_with("version="));
    assert_eq!(read_line(&mut r).trim(), "error id=0 msg=ok");
}

/// With a manual clock and a seed, a scenario replays byte for byte: the same events in the
/// same order, and the same times in the replies (idle times, uptime, creation dates).
#[test]
fn a_manual_clock_and_a_seed_replay_byte_for_byte() {
    use ts3_sim::script::Script;
    use ts3_sim::Clock;
    let run = || {
        let clock = Clock::manual(1_700_000_000);
        let sim = Sim::start(SimConfig {
            demo: true,
            seed: Some(11),
            clock: clock.clone(),
            flood: None,
            ..SimConfig::default()
        })
        .unwrap();
        let (mut w, mut r) = raw(sim.query_addr());
        read_line(&mut r);
        read_line(&mut r);
        w.write_all(b"login serveradmin secret\nuse 1\nservernotifyregister event=server\nservernotifyregister event=textserver\nservernotifyregister event=textchannel channel id=0\n").unwrap();
        for _ in 0..5 {
            assert_eq!(read_line(&mut r).trim(), "error id=0 msg=ok");
        }
        let script = Script::activity(3, Duration::from_secs(2), 150);
        let steps = sim.play_now(&script);
        assert!(steps > 100, "{steps} steps took effect");
        // Time moved by the script's delays alone.
        let total: Duration = script.steps().iter().map(|(after, _)| *after).sum();
        assert_eq!(clock.unix(), 1_700_000_000 + total.as_secs());
        w.write_all(b"clientlist -uid -times\nserverinfo\nquit\n")
            .unwrap();
        let mut all = String::new();
        r.read_to_string(&mut all).unwrap();
        // The query client's nickname names its address, whose port differs between runs.
        let mut out = String::new();
        let mut rest = all.as_str();
        while let Some(at) = rest.find("127.0.0.1:") {
            out.push_str(&rest[..at + "127.0.0.1:".len()]);
            rest = rest[at + "127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
            out.push_str("PORT");
        }
        out.push_str(rest);
        out
    };
    let first = run();
    let second = run();
    assert!(first.contains("notifycliententerview"));
    assert!(first.contains("notifytextmessage"));
    assert!(first.contains("virtualserver_uptime="));
    let (a, b): (Vec<&str>, Vec<&str>) = (
        first.split("\n\r").collect(),
        second.split("\n\r").collect(),
    );
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "line {i} differs");
    }
    assert_eq!(a.len(), b.len(), "the runs have different lengths");
    assert!(a.len() > 100, "{} lines", a.len());
}

/// The outbox limit is on a backlog, not on one reply: a `clientlist` larger than the limit
/// reaches a client that reads it.
#[test]
fn a_reply_larger_than_the_outbox_limit_is_delivered() {
    let sim = demo();
    for i in 0..40_000 {
        sim.add_client(&format!("Client number {i} with a long nickname"), 1)
            .unwrap();
    }
    let mut c = Conn::admin(&sim);
    let list = c.ok(cmd("clientlist")
        .option("uid")
        .option("times")
        .option("groups"));
    assert!(list.len() > 40_000, "{} clients", list.len());
    let bytes: usize = list.items().raw().len();
    assert!(
        bytes > 4 << 20,
        "the reply is {bytes} bytes, not over the limit"
    );
    c.ok(cmd("whoami"));
}
