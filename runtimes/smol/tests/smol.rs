//! What only the smol runtime has, over real sockets (the cases every runtime shares are in
//! `tests/suite.rs`): commands pipelined from many tasks, a thousand connections on one
//! executor, a driver on the caller's executor, clones that keep a connection open.

use std::time::{Duration, Instant};

use ts3_sim::testing::{demo_sim as sim, target, Via};
use ts3_sim::{Sim, SimConfig};
use ts3q::{Command, Config, Mode, Transport};
use ts3q_smol::{Connection, Options};

fn quiet(o: Options) -> Options {
    o.config(
        Config::server_query()
            .flood_limit(None)
            .keepalive(None)
            .response_timeout(Some(Duration::from_secs(5))),
    )
}

/// Commands from 20 tasks at once through one connection, with events arriving meanwhile:
/// every task gets its own answer, the events come out in order.
#[test]
fn pipelined_commands_from_many_tasks() {
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    smol::block_on(async {
        let conn = Connection::connect(quiet(t.options.clone()))
            .await
            .expect("connect");
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        conn.exec(Command::new("servernotifyregister").param("event", "server"))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let c = conn.clone();
                smol::spawn(async move {
                    c.query("clientfind")
                        .param("pattern", "e")
                        .all()
                        .await
                        .map(|r| (i, r.len()))
                })
            })
            .collect();
        let clid = sim.add_client("Early", 1).unwrap();
        sim.move_client(clid, 2).unwrap();
        for (i, t) in tasks.into_iter().enumerate() {
            let (j, n) = t.await.unwrap();
            assert_eq!(i, j);
            assert!(n >= 2);
        }
        let five = Some(Duration::from_secs(5));
        assert_eq!(
            conn.wait_for_event(five).await.unwrap().name(),
            "notifycliententerview"
        );
        assert_eq!(
            conn.wait_for_event(five).await.unwrap().name(),
            "notifyclientmoved"
        );
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

/// Transfers are `Send` futures: they can run on spawned tasks, several at once.
#[test]
fn transfers_on_spawned_tasks() {
    use ts3q_smol::transfer::{Download, Upload};
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    smol::block_on(async {
        let conn = Connection::connect(quiet(t.options.clone())).await.unwrap();
        conn.exec(Command::new("use").param("sid", 1))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..4u8)
            .map(|i| {
                let c = conn.clone();
                smol::spawn(async move {
                    let data = vec![i; 100_000 + usize::from(i)];
                    let name = format!("/spawned{i}.bin");
                    let mut src = smol::io::Cursor::new(data.clone());
                    c.upload(&Upload::new(&name, 1), &mut src).await.unwrap();
                    let mut back = Vec::new();
                    c.download(&Download::new(&name, 1), &mut back)
                        .await
                        .unwrap();
                    assert_eq!(back, data);
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
}
