//! What only the async runtimes have, on tokio over real sockets (the cases every runtime
//! shares are in `tests/suite.rs`): commands pipelined from many tasks on a multi-threaded
//! runtime, events as a `Stream`, clones that keep a connection open.

use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use ts3_sim::testing::{demo_sim as sim, target, Via};
use ts3q::{Command, Config};
use ts3q_tokio::{Connection, Options};

fn quiet(o: Options) -> Options {
    o.config(
        Config::server_query()
            .flood_limit(None)
            .keepalive(None)
            .response_timeout(Some(Duration::from_secs(5))),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_commands_from_many_tasks_and_a_stream_of_events() {
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    let conn = Connection::connect(quiet(t.options.clone()))
        .await
        .expect("connect");
    conn.exec(Command::new("use").param("sid", 1))
        .await
        .unwrap();
    conn.exec(Command::new("servernotifyregister").param("event", "server"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let c = conn.clone();
            tokio::spawn(async move {
                let r = c.query("clientinfo").param("clid", 1 + i % 4).first().await;
                r.map(|item| (i, item.and_then(|it| it.parse::<u32>("cid").ok())))
            })
        })
        .collect();
    let clid = sim.add_client("Early", 1).unwrap();
    sim.move_client(clid, 2).unwrap();
    for (i, t) in tasks.into_iter().enumerate() {
        let (j, cid) = t.await.expect("task").expect("clientinfo");
        assert_eq!(i, j);
        assert!(cid.is_some());
    }
    let mut events = std::pin::pin!(conn.events());
    let names: Vec<String> = (&mut events)
        .take(2)
        .map(|e| e.name().to_string())
        .collect()
        .await;
    assert_eq!(names, ["notifycliententerview", "notifyclientmoved"]);
}

#[tokio::test]
async fn dropping_the_last_handle_closes() {
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    let conn = Connection::connect(quiet(t.options.clone())).await.unwrap();
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
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Transfers are `Send` futures: they can run on spawned tasks, several at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_on_spawned_tasks() {
    use ts3q_tokio::transfer::{Download, Upload};
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    let conn = Connection::connect(quiet(t.options.clone())).await.unwrap();
    conn.exec(Command::new("use").param("sid", 1))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..4u8)
        .map(|i| {
            let c = conn.clone();
            tokio::spawn(async move {
                let data = vec![i; 100_000 + usize::from(i)];
                let name = format!("/spawned{i}.bin");
                let mut src = std::io::Cursor::new(data.clone());
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
        t.await.expect("transfer task");
    }
}
