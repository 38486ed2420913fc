//! The blocking runtime against the simulator over real sockets: raw TCP and SSH (a real
//! OpenSSH server bridged to the simulator), ClientQuery, faults.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use ts3_sim::testing::{demo_sim as sim, target, Via};
use ts3_sim::{Sim, SimConfig};
use ts3q::{Command, Config, FloodLimit, Mode, Transport};
use ts3q_blocking::{Connection, Error, Options, Reconnect};

fn quiet(o: Options) -> Options {
    let config = Config::server_query()
        .flood_limit(None)
        .keepalive(None)
        .response_timeout(Some(Duration::from_secs(5)));
    o.config(config)
}

fn session(via: Via) {
    let sim = sim(None);
    let t = target(&sim, via);
    let mut conn = Connection::connect(quiet(t.options.clone())).expect("connect");
    // Logged in (by `login` over TCP, by SSH itself over SSH).
    let me = conn.query("whoami").first().unwrap().unwrap();
    assert_eq!(me.str("client_login_name").unwrap(), "serveradmin");
    conn.exec(Command::new("use").param("sid", 1)).unwrap();

    let clients = conn.query("clientlist").option("uid").all().unwrap();
    assert_eq!(clients.len(), 5);
    assert!(clients
        .iter()
        .any(|c| c.str("client_nickname").as_deref() == Some("Jürgen | bot")));

    // Builder with pipes.
    let ids: Vec<u32> = clients
        .iter()
        .filter(|c| c.str("client_type").as_deref() == Some("0"))
        .map(|c| c.parse("clid").unwrap())
        .collect();
    let info = conn
        .query("clientinfo")
        .param("clid", ids[0])
        .pipe()
        .param("clid", ids[1])
        .fetch()
        .unwrap();
    assert_eq!(info.len(), 2);

    // A query error is a typed error with id and message.
    match conn.query("channelinfo").param("cid", 999).fetch() {
        Err(Error::Query(q)) => {
            assert_eq!(q.id(), 768);
            assert_eq!(q.msg(), "invalid channelID");
        }
        other => panic!("{other:?}"),
    }
    // An empty result set reads as "no items" through first()/all().
    assert!(conn
        .query("clientfind")
        .param("pattern", "nobody")
        .first()
        .unwrap()
        .is_none());

    // Events that arrive while a command is in flight are queued, not lost.
    conn.exec(Command::new("servernotifyregister").param("event", "server"))
        .unwrap();
    let clid = sim.add_client("Early", 1).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    conn.exec(Command::new("version")).unwrap();
    sim.move_client(clid, 2).unwrap();
    let e = conn.wait_for_event(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(e.name(), "notifycliententerview");
    let e = conn.wait_for_event(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(e.name(), "notifyclientmoved");
    assert!(matches!(
        conn.wait_for_event(Some(Duration::from_millis(200))),
        Err(Error::Timeout)
    ));

    #[cfg(unix)]
    assert!(std::os::fd::AsRawFd::as_raw_fd(&conn) >= 0);
    conn.close().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.sessions() > 0 {
        assert!(Instant::now() < deadline, "quit closed the session");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn session_over_tcp() {
    session(Via::Tcp);
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn session_over_ssh() {
    session(Via::Ssh);
}

fn keepalive(via: Via) {
    // Flood protection off on both sides: this is about the idle timeout alone.
    let sim = Sim::start(SimConfig {
        idle_timeout: Some(Duration::from_millis(800)),
        flood: None,
        password: "pa:ss@word".into(),
        ..SimConfig::default()
    })
    .unwrap();
    let t = target(&sim, via);
    let config = Config::server_query()
        .keepalive(Some(Duration::from_millis(250)))
        .flood_limit(None);
    let mut conn = Connection::connect(t.options.clone().config(config)).unwrap();
    // Idle for well over the server's idle timeout: only keepalives keep it open.
    assert!(matches!(
        conn.wait_for_event(Some(Duration::from_millis(2000))),
        Err(Error::Timeout)
    ));
    conn.exec(Command::new("version")).expect("still connected");
}

#[test]
fn keepalive_over_tcp() {
    keepalive(Via::Tcp);
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn keepalive_over_ssh() {
    keepalive(Via::Ssh);
}

fn flood_pacing(via: Via) {
    let sim = sim(Some((10, Duration::from_secs(1))));
    let t = target(&sim, via);
    let limit = FloodLimit {
        commands: 10,
        window: Duration::from_secs(1),
        margin: Duration::from_millis(100),
    };
    // No retries: a 524 would surface as an error.
    let config = Config::server_query()
        .flood_limit(Some(limit))
        .flood_retries(0);
    let mut conn = Connection::connect(t.options.clone().config(config)).unwrap();
    let start = Instant::now();
    for _ in 0..25 {
        conn.exec(Command::new("version")).expect("never 524");
    }
    assert!(start.elapsed() >= Duration::from_secs(2));
}

#[test]
fn flood_pacing_over_tcp() {
    flood_pacing(Via::Tcp);
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn flood_pacing_over_ssh() {
    flood_pacing(Via::Ssh);
}

fn reconnect(via: Via) {
    let sim = sim(None);
    let t = target(&sim, via);
    let policy = Reconnect {
        attempts: 5,
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_secs(1),
    };
    let mut conn = Connection::connect(quiet(t.options.clone()).reconnect(Some(policy))).unwrap();
    conn.exec(Command::new("use").param("sid", 1)).unwrap();
    conn.exec(Command::new("servernotifyregister").param("event", "server"))
        .unwrap();
    sim.drop_connections();
    std::thread::sleep(Duration::from_millis(100));
    // The command in flight when the connection died fails; the next one reconnects.
    match conn.exec(Command::new("whoami")) {
        Err(Error::Request(ts3q::RequestError::ConnectionClosed)) | Err(Error::Closed(_)) => {}
        other => panic!("{other:?}"),
    }
    let me = conn.exec(Command::new("whoami")).expect("reconnected");
    assert_eq!(
        me.first().unwrap().str("virtualserver_status").unwrap(),
        "online",
        "use was replayed"
    );
    let notices = conn.take_reconnects();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].failed.is_empty(), "{notices:?}");
    sim.add_client("Back", 1).unwrap();
    assert_eq!(
        conn.wait_for_event(Some(Duration::from_secs(5)))
            .unwrap()
            .name(),
        "notifycliententerview",
        "subscription replayed"
    );
}

#[test]
fn reconnect_over_tcp() {
    reconnect(Via::Tcp);
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn reconnect_over_ssh() {
    reconnect(Via::Ssh);
}

#[test]
fn client_query() {
    let sim = sim(None);
    let uri = format!("telnet://{}", sim.client_query_addr());
    let mut o = Options::from_uri(&uri, Mode::ClientQuery).unwrap();
    o.config = Config::client_query().keepalive(None);
    let mut conn = Connection::connect(o.apikey("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")).unwrap();
    assert_eq!(conn.schandlerid(), Some(1));
    conn.exec(Command::new("use")).unwrap();
    conn.exec(
        Command::new("clientnotifyregister")
            .param("schandlerid", 1)
            .param("event", "any"),
    )
    .unwrap();
    conn.exec(Command::new("clientupdate").param("client_input_muted", true))
        .unwrap();
    let e = conn.wait_for_event(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(e.name(), "notifyclientupdated");
    assert_eq!(e.first().unwrap().str("schandlerid").unwrap(), "1");
    conn.exec(Command::new("clientupdate").param("client_input_muted", false))
        .unwrap();
    assert_eq!(
        conn.wait_for_event(Some(Duration::from_secs(5)))
            .unwrap()
            .first()
            .unwrap()
            .str("client_input_muted")
            .unwrap(),
        "0"
    );
    // Before auth, a fresh connection is refused with 1796.
    let mut fresh = Connection::open_client(&uri).unwrap();
    assert_eq!(
        fresh.exec(Command::new("whoami")).unwrap_err().query_id(),
        Some(1796)
    );
    fresh.auth("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF").unwrap();
    fresh.exec(Command::new("whoami")).unwrap();
    assert!(Options::from_uri("ssh://h", Mode::ClientQuery).is_err());
}

// ------------------------------------------------------------------------------- faults

#[test]
fn fault_connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    match Connection::open(&format!("telnet://127.0.0.1:{port}")) {
        Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fault_wrong_password() {
    let sim = sim(None);
    match Connection::open(&format!("telnet://serveradmin:wrong@{}", sim.query_addr())) {
        Err(Error::Query(q)) => assert_eq!(q.id(), 520),
        other => panic!("{other:?}"),
    }
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn fault_ssh_auth_failure() {
    let sim = sim(None);
    let bin = ts3_sim::ssh::bridge_binary().unwrap();
    let ssh =
        ts3_sim::ssh::SshBridge::start(&bin, sim.query_addr(), "serveradmin", &sim.password())
            .unwrap();
    let start = Instant::now();
    match Connection::open(&format!("ssh://serveradmin:wrong@{}", ssh.addr())) {
        Err(Error::SshAuth) => {}
        other => panic!("{other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(15));
    // A pinned host key that does not match is refused before the password is sent.
    let o = Options::new(
        Mode::ServerQuery,
        Transport::Ssh,
        "127.0.0.1",
        ssh.addr().port(),
    )
    .login("serveradmin", &sim.password())
    .host_key(ts3q_blocking::HostKeyCheck::Sha256([7; 32]));
    assert!(matches!(
        Connection::connect(o),
        Err(Error::HostKeyMismatch)
    ));
}

/// A fake server on a real socket: greets, then runs `script` on the connection.
fn fake_server(script: impl FnOnce(std::net::TcpStream) + Send + 'static) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"TS3\n\rWelcome to the TeamSpeak 3 ServerQuery interface.\n\r")
            .unwrap();
        script(s);
    });
    addr
}

#[test]
fn fault_server_closes_mid_response() {
    let addr = fake_server(|mut s| {
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf);
        s.write_all(b"clid=1 client_nickname=Ben|clid=2 client_nick")
            .unwrap();
        // and hang up
    });
    let mut conn = Connection::open(&format!("telnet://{addr}")).unwrap();
    let start = Instant::now();
    match conn.exec(Command::new("clientlist")) {
        Err(Error::Request(ts3q::RequestError::ConnectionClosed)) => {}
        other => panic!("{other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(
        conn.exec(Command::new("version")),
        Err(Error::Closed(_))
    ));
}

#[test]
fn fault_response_timeout() {
    let addr = fake_server(|s| {
        std::thread::sleep(Duration::from_secs(3)); // reads nothing, answers nothing
        drop(s);
    });
    let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
        .unwrap()
        .config(Config::server_query().response_timeout(Some(Duration::from_millis(300))));
    let mut conn = Connection::connect(o).unwrap();
    let start = Instant::now();
    match conn.exec(Command::new("version")) {
        Err(Error::Request(ts3q::RequestError::Timeout(t))) => {
            assert_eq!(t, Duration::from_millis(300))
        }
        other => panic!("{other:?}"),
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[test]
fn fault_not_a_query_server() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1\r\n");
        std::thread::sleep(Duration::from_secs(2));
    });
    let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
        .unwrap()
        .connect_timeout(Duration::from_millis(500));
    match Connection::connect(o) {
        Err(Error::Timeout) | Err(Error::Closed(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn ssh_host_key_pinning_and_known_hosts() {
    let sim = sim(None);
    let bin = ts3_sim::ssh::bridge_binary().unwrap();
    let ssh =
        ts3_sim::ssh::SshBridge::start(&bin, sim.query_addr(), "serveradmin", &sim.password())
            .unwrap();
    let fp = ts3q_blocking::parse_sha256_fingerprint(&ssh.host_key_sha256().unwrap())
        .expect("fingerprint");
    let known =
        std::env::temp_dir().join(format!("ts3q-blocking-known-hosts-{}", ssh.addr().port()));
    std::fs::write(&known, ssh.known_hosts_line().unwrap()).unwrap();
    for check in [
        ts3q_blocking::HostKeyCheck::Sha256(fp),
        ts3q_blocking::HostKeyCheck::KnownHosts(known.clone()),
    ] {
        let o = Options::new(
            Mode::ServerQuery,
            Transport::Ssh,
            "127.0.0.1",
            ssh.addr().port(),
        )
        .login("serveradmin", &sim.password())
        .host_key(check);
        let mut conn = Connection::connect(o).expect("the right key is accepted");
        conn.exec(Command::new("version")).unwrap();
    }
    std::fs::write(&known, "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n").unwrap();
    let o = Options::new(
        Mode::ServerQuery,
        Transport::Ssh,
        "127.0.0.1",
        ssh.addr().port(),
    )
    .login("serveradmin", &sim.password())
    .host_key(ts3q_blocking::HostKeyCheck::KnownHosts(known.clone()));
    assert!(matches!(
        Connection::connect(o),
        Err(Error::HostKeyMismatch)
    ));
    let _ = std::fs::remove_file(known);
}

#[test]
fn dropping_closes() {
    let sim = sim(None);
    let mut conn = Connection::open(&format!(
        "telnet://serveradmin:pa%3Ass%40word@{}",
        sim.query_addr()
    ))
    .unwrap();
    conn.exec(Command::new("version")).unwrap();
    assert_eq!(sim.sessions(), 1);
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.sessions() > 0 {
        assert!(Instant::now() < deadline, "quit sent on drop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn file_transfer_with_real_files() {
    let sim = sim(None);
    let mut conn = Connection::open(&format!(
        "telnet://serveradmin:pa%3Ass%40word@{}",
        sim.query_addr()
    ))
    .unwrap();
    conn.exec(Command::new("use").param("sid", 1)).unwrap();
    let dir = std::env::temp_dir().join(format!("ts3q-blocking-ft-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("upload.bin");
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let mut file = std::fs::File::open(&src).unwrap();
    assert_eq!(
        conn.upload(&mut file, "/dir/upload.bin", 1, "", true, false)
            .unwrap(),
        data.len() as u64
    );
    assert_eq!(sim.file(1, "/dir/upload.bin").unwrap(), data);

    let dst = dir.join("download.bin");
    let mut out = std::fs::File::create(&dst).unwrap();
    assert_eq!(
        conn.download(&mut out, "/dir/upload.bin", 1, "", 0)
            .unwrap(),
        data.len() as u64
    );
    drop(out);
    assert_eq!(std::fs::read(&dst).unwrap(), data);

    // Resume: the server already has the first part; only the rest is sent.
    sim.put_file(1, "/part.bin", data[..1000].to_vec());
    let mut file = std::fs::File::open(&src).unwrap();
    assert_eq!(
        conn.upload(&mut file, "/part.bin", 1, "", false, true)
            .unwrap(),
        data.len() as u64
    );
    assert_eq!(sim.file(1, "/part.bin").unwrap(), data);
    // A partial download from a seek position.
    let mut tail = Vec::new();
    conn.download(&mut tail, "/part.bin", 1, "", 699_000)
        .unwrap();
    assert_eq!(tail, &data[699_000..]);

    // Refusals are typed errors, and the connection goes on.
    match conn.download(&mut Vec::new(), "/missing", 1, "", 0) {
        Err(Error::Transfer(ts3q::filetransfer::FtError::Refused { status: 2051, .. })) => {}
        other => panic!("{other:?}"),
    }
    let mut file = std::fs::File::open(&src).unwrap();
    match conn.upload(&mut file, "/part.bin", 1, "", false, false) {
        Err(Error::Transfer(ts3q::filetransfer::FtError::Refused { status: 2050, .. })) => {}
        other => panic!("{other:?}"),
    }
    conn.exec(Command::new("version")).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
