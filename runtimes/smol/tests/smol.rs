//! The smol runtime against the simulator over real sockets: raw TCP and SSH (a real OpenSSH
//! server bridged to the simulator), shared pipelined connections, ClientQuery, faults, and
//! a thousand connections on one executor.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use ts3_sim::testing::{demo_sim as sim, target, Via};
use ts3_sim::{Sim, SimConfig};
use ts3q::{Command, Config, FloodLimit, Mode, Transport};
use ts3q_smol::{Connection, Error, Options, Reconnect};

fn quiet(o: Options) -> Options {
    o.config(
        Config::server_query()
            .flood_limit(None)
            .keepalive(None)
            .response_timeout(Some(Duration::from_secs(5))),
    )
}

fn session(via: Via) {
    let sim = sim(None);
    let t = target(&sim, via);
    smol::block_on(async {
        let conn = Connection::connect(quiet(t.options.clone()))
            .await
            .expect("connect");
        let me = conn.query("whoami").first().await.unwrap().unwrap();
        assert_eq!(me.str("client_login_name").unwrap(), "serveradmin");
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        let clients = conn.query("clientlist").option("uid").all().await.unwrap();
        assert_eq!(clients.len(), 5);
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
            .await
            .unwrap();
        assert_eq!(info.len(), 2);
        match conn.query("channelinfo").param("cid", 999).fetch().await {
            Err(Error::Query(q)) => assert_eq!(
                (q.id(), q.msg().into_owned()),
                (768, "invalid channelID".into())
            ),
            other => panic!("{other:?}"),
        }

        // Events while commands are in flight, from several tasks sharing the connection.
        conn.exec(Command::new("servernotifyregister").param("event", "server"))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let c = conn.clone();
                smol::spawn(async move {
                    c.exec(Command::new("clientfind").param("pattern", "e"))
                        .await
                        .map(|r| (i, r.len()))
                })
            })
            .collect();
        let clid = sim.add_client("Early", 1).unwrap();
        sim.move_client(clid, 2).unwrap();
        for t in tasks {
            let (_, n) = t.await.unwrap();
            assert!(n >= 2);
        }
        assert_eq!(
            conn.wait_for_event(Some(Duration::from_secs(5)))
                .await
                .unwrap()
                .name(),
            "notifycliententerview"
        );
        assert_eq!(
            conn.wait_for_event(Some(Duration::from_secs(5)))
                .await
                .unwrap()
                .name(),
            "notifyclientmoved"
        );
        assert!(matches!(
            conn.wait_for_event(Some(Duration::from_millis(200))).await,
            Err(Error::Timeout)
        ));

        conn.close().await.unwrap();
        assert!(matches!(
            conn.exec(Command::new("version")).await,
            Err(Error::Closed(_))
        ));
    });
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
    let sim = Sim::start(SimConfig {
        idle_timeout: Some(Duration::from_millis(800)),
        flood: None,
        password: "pa:ss@word".into(),
        ..SimConfig::default()
    })
    .unwrap();
    let t = target(&sim, via);
    smol::block_on(async {
        let config = Config::server_query()
            .keepalive(Some(Duration::from_millis(250)))
            .flood_limit(None);
        let conn = Connection::connect(t.options.clone().config(config))
            .await
            .unwrap();
        // The driver keeps the connection alive while nobody uses it.
        smol::Timer::after(Duration::from_millis(2000)).await;
        conn.exec(Command::new("version"))
            .await
            .expect("still connected");
    });
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
    smol::block_on(async {
        let limit = FloodLimit {
            commands: 10,
            window: Duration::from_secs(1),
            margin: Duration::from_millis(100),
        };
        let config = Config::server_query()
            .flood_limit(Some(limit))
            .flood_retries(0);
        let conn = Connection::connect(t.options.clone().config(config))
            .await
            .unwrap();
        let start = Instant::now();
        // 25 commands submitted at once from 25 tasks: paced, none refused.
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let c = conn.clone();
                smol::spawn(async move { c.exec(Command::new("version")).await })
            })
            .collect();
        for t in tasks {
            t.await.expect("never 524");
        }
        assert!(start.elapsed() >= Duration::from_secs(2));
    });
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
    smol::block_on(async {
        let policy = Reconnect {
            attempts: 5,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
        };
        let conn = Connection::connect(quiet(t.options.clone()).reconnect(Some(policy)))
            .await
            .unwrap();
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        conn.exec(Command::new("servernotifyregister").param("event", "server"))
            .await
            .unwrap();
        sim.drop_connections();
        // The driver notices at once and reconnects by itself.
        let deadline = Instant::now() + Duration::from_secs(10);
        let notices = loop {
            let n = conn.take_reconnects();
            if !n.is_empty() {
                break n;
            }
            assert!(Instant::now() < deadline, "no reconnect");
            smol::Timer::after(Duration::from_millis(20)).await;
        };
        assert!(notices[0].failed.is_empty(), "{notices:?}");
        let me = conn
            .exec(Command::new("whoami"))
            .await
            .expect("reconnected");
        assert_eq!(
            me.first().unwrap().str("virtualserver_status").unwrap(),
            "online",
            "use was replayed"
        );
        sim.add_client("Back", 1).unwrap();
        assert_eq!(
            conn.wait_for_event(Some(Duration::from_secs(5)))
                .await
                .unwrap()
                .name(),
            "notifycliententerview",
            "subscription replayed"
        );
    });
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
    smol::block_on(async {
        let uri = format!("telnet://{}", sim.client_query_addr());
        let o = Options::from_uri(&uri, Mode::ClientQuery)
            .unwrap()
            .config(Config::client_query().keepalive(None));
        let conn = Connection::connect(o.apikey("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"))
            .await
            .unwrap();
        assert_eq!(conn.schandlerid(), Some(1));
        conn.exec(Command::new("use")).await.unwrap();
        conn.exec(
            Command::new("clientnotifyregister")
                .param("schandlerid", 1)
                .param("event", "any"),
        )
        .await
        .unwrap();
        for muted in [true, false] {
            conn.exec(Command::new("clientupdate").param("client_input_muted", muted))
                .await
                .unwrap();
            let e = conn
                .wait_for_event(Some(Duration::from_secs(5)))
                .await
                .unwrap();
            assert_eq!(e.name(), "notifyclientupdated");
            assert_eq!(e.first().unwrap().str("schandlerid").unwrap(), "1");
            assert_eq!(
                e.first().unwrap().str("client_input_muted").unwrap(),
                if muted { "1" } else { "0" }
            );
        }
        let fresh = Connection::open_client(&uri).await.unwrap();
        assert_eq!(
            fresh
                .exec(Command::new("whoami"))
                .await
                .unwrap_err()
                .query_id(),
            Some(1796)
        );
        fresh.auth("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF").await.unwrap();
        fresh.exec(Command::new("whoami")).await.unwrap();
    });
}

#[test]
fn thousand_connections_on_one_executor() {
    let sim = Sim::start(SimConfig {
        flood: None,
        idle_timeout: None,
        password: "pw".into(),
        ..SimConfig::default()
    })
    .unwrap();
    let addr = sim.query_addr();
    smol::block_on(async {
        let start = Instant::now();
        let mut conns = Vec::new();
        // Connect in batches to stay within the listen backlog.
        for _ in 0..10 {
            let batch: Vec<_> = (0..100)
                .map(|_| {
                    let o =
                        Options::new(Mode::ServerQuery, Transport::Tcp, "127.0.0.1", addr.port())
                            .login("serveradmin", "pw")
                            .config(Config::server_query().flood_limit(None).keepalive(None));
                    smol::spawn(Connection::connect(o))
                })
                .collect();
            for t in batch {
                conns.push(t.await.expect("connect"));
            }
        }
        let tasks: Vec<_> = conns
            .iter()
            .map(|c| {
                let c = c.clone();
                smol::spawn(async move { c.exec(Command::new("whoami")).await.map(|r| r.len()) })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
        eprintln!(
            "1000 connections opened, logged in and queried in {:?}",
            start.elapsed()
        );
        assert_eq!(sim.sessions(), 1000);
    });
}

// ------------------------------------------------------------------------------- faults

#[test]
fn fault_connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    match smol::block_on(Connection::open(&format!("telnet://127.0.0.1:{port}"))) {
        Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fault_wrong_password() {
    let sim = sim(None);
    match smol::block_on(Connection::open(&format!(
        "telnet://serveradmin:wrong@{}",
        sim.query_addr()
    ))) {
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
    smol::block_on(async {
        match Connection::open(&format!("ssh://serveradmin:wrong@{}", ssh.addr())).await {
            Err(Error::SshAuth) => {}
            other => panic!("{other:?}"),
        }
        let o = Options::new(
            Mode::ServerQuery,
            Transport::Ssh,
            "127.0.0.1",
            ssh.addr().port(),
        )
        .login("serveradmin", &sim.password())
        .host_key(ts3q_smol::HostKeyCheck::Sha256([7; 32]));
        assert!(matches!(
            Connection::connect(o).await,
            Err(Error::HostKeyMismatch)
        ));
    });
}

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
    });
    smol::block_on(async {
        let conn = Connection::open(&format!("telnet://{addr}")).await.unwrap();
        match conn.exec(Command::new("clientlist")).await {
            Err(Error::Request(ts3q::RequestError::ConnectionClosed)) => {}
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            conn.exec(Command::new("version")).await,
            Err(Error::Closed(_))
        ));
    });
}

#[test]
fn fault_response_timeout() {
    let addr = fake_server(|s| {
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    smol::block_on(async {
        let o = Options::from_uri(&format!("telnet://{addr}"), Mode::ServerQuery)
            .unwrap()
            .config(Config::server_query().response_timeout(Some(Duration::from_millis(300))));
        let conn = Connection::connect(o).await.unwrap();
        let start = Instant::now();
        match conn.exec(Command::new("version")).await {
            Err(Error::Request(ts3q::RequestError::Timeout(t))) => {
                assert_eq!(t, Duration::from_millis(300))
            }
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(2));
    });
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn ssh_host_key_pinning_and_known_hosts() {
    let sim = sim(None);
    let bin = ts3_sim::ssh::bridge_binary().unwrap();
    let ssh =
        ts3_sim::ssh::SshBridge::start(&bin, sim.query_addr(), "serveradmin", &sim.password())
            .unwrap();
    let fp =
        ts3q_smol::parse_sha256_fingerprint(&ssh.host_key_sha256().unwrap()).expect("fingerprint");
    let known = std::env::temp_dir().join(format!("ts3q-smol-known-hosts-{}", ssh.addr().port()));
    std::fs::write(&known, ssh.known_hosts_line().unwrap()).unwrap();
    smol::block_on(async {
        for check in [
            ts3q_smol::HostKeyCheck::Sha256(fp),
            ts3q_smol::HostKeyCheck::KnownHosts(known.clone()),
        ] {
            let o = Options::new(
                Mode::ServerQuery,
                Transport::Ssh,
                "127.0.0.1",
                ssh.addr().port(),
            )
            .login("serveradmin", &sim.password())
            .host_key(check);
            let conn = Connection::connect(o)
                .await
                .expect("the right key is accepted");
            conn.exec(Command::new("version")).await.unwrap();
        }
        std::fs::write(&known, "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n").unwrap();
        let o = Options::new(
            Mode::ServerQuery,
            Transport::Ssh,
            "127.0.0.1",
            ssh.addr().port(),
        )
        .login("serveradmin", &sim.password())
        .host_key(ts3q_smol::HostKeyCheck::KnownHosts(known.clone()));
        assert!(matches!(
            Connection::connect(o).await,
            Err(Error::HostKeyMismatch)
        ));
    });
    let _ = std::fs::remove_file(known);
}

#[test]
fn dropping_the_last_handle_closes() {
    let sim = sim(None);
    smol::block_on(async {
        let conn = Connection::open(&format!(
            "telnet://serveradmin:pa%3Ass%40word@{}",
            sim.query_addr()
        ))
        .await
        .unwrap();
        let other = conn.clone();
        drop(conn);
        other
            .exec(Command::new("version"))
            .await
            .expect("a clone keeps it open");
        assert_eq!(sim.sessions(), 1);
        drop(other);
        let deadline = Instant::now() + Duration::from_secs(5);
        while sim.sessions() > 0 {
            assert!(
                Instant::now() < deadline,
                "quit sent when the last handle went"
            );
            smol::Timer::after(Duration::from_millis(20)).await;
        }
    });
}

#[test]
fn file_transfer_with_real_files() {
    let sim = sim(None);
    let dir = std::env::temp_dir().join(format!("ts3q-smol-ft-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("upload.bin");
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    smol::block_on(async {
        let conn = Connection::open(&format!(
            "telnet://serveradmin:pa%3Ass%40word@{}",
            sim.query_addr()
        ))
        .await
        .unwrap();
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        let mut file = smol::fs::File::open(&src).await.unwrap();
        assert_eq!(
            conn.upload(&mut file, "/up.bin", 1, "", true, false)
                .await
                .unwrap(),
            data.len() as u64
        );
        assert_eq!(sim.file(1, "/up.bin").unwrap(), data);
        let dst = dir.join("down.bin");
        let mut out = smol::fs::File::create(&dst).await.unwrap();
        assert_eq!(
            conn.download(&mut out, "/up.bin", 1, "", 0).await.unwrap(),
            data.len() as u64
        );
        drop(out);
        assert_eq!(std::fs::read(&dst).unwrap(), data);
        sim.put_file(1, "/part.bin", data[..5000].to_vec());
        let mut file = smol::fs::File::open(&src).await.unwrap();
        conn.upload(&mut file, "/part.bin", 1, "", false, true)
            .await
            .unwrap();
        assert_eq!(sim.file(1, "/part.bin").unwrap(), data);
        match conn.download(&mut Vec::new(), "/missing", 1, "", 0).await {
            Err(Error::Transfer(ts3q::filetransfer::FtError::Refused { status: 2051, .. })) => {}
            other => panic!("{other:?}"),
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// `connect_on` runs the driver on the caller's executor: with one thread driving that
/// executor, the whole conversation (and an event) happens on the test's own thread.
#[test]
fn driver_on_the_callers_executor() {
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    let ex = std::sync::Arc::new(smol::Executor::new());
    let spawner = ex.clone();
    let me = std::thread::current().id();
    smol::block_on(ex.run(async move {
        let conn = Connection::connect_on(quiet(t.options), |driver| {
            spawner
                .spawn(async move {
                    driver.await;
                })
                .detach()
        })
        .await
        .expect("connect");
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .expect("use");
        conn.exec(Command::new("servernotifyregister").param("event", "server"))
            .await
            .expect("register");
        let clients = conn.query("clientlist").all().await.expect("clientlist");
        assert!(clients.len() >= 3, "{clients:?}");
        sim.add_client("Visitor", 1).expect("add client");
        let ev = conn.next_event().await.expect("event");
        assert_eq!(ev.name(), "notifycliententerview");
        assert_eq!(std::thread::current().id(), me);
        conn.close().await.expect("close");
    }));
}
