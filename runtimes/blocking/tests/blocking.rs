//! What only the blocking runtime has, over real sockets (the cases every runtime shares are
//! in `tests/suite.rs`): events that arrive during commands wait in order, and the socket's
//! descriptor for a caller's own poll loop.

use std::time::Duration;

use ts3_sim::testing::{demo_sim as sim, target, Via};
use ts3q::{Command, Config};
use ts3q_blocking::Connection;

#[test]
fn events_during_commands_wait_in_order() {
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    let config = Config::server_query().flood_limit(None).keepalive(None);
    let mut conn = Connection::connect(t.options.clone().config(config)).unwrap();
    conn.exec(Command::new("use").param("sid", 1)).unwrap();
    conn.exec(Command::new("servernotifyregister").param("event", "server"))
        .unwrap();
    for i in 0..5 {
        sim.add_client(&format!("Guest{i}"), 1).unwrap();
        conn.exec(Command::new("version")).unwrap();
    }
    assert_eq!(conn.pending_events(), 5);
    for i in 0..5 {
        let e = conn.wait_for_event(Some(Duration::ZERO)).unwrap();
        let nick = e
            .first()
            .unwrap()
            .str("client_nickname")
            .unwrap()
            .into_owned();
        assert_eq!(nick, format!("Guest{i}"));
    }
    assert_eq!(conn.pending_events(), 0);
}

#[cfg(unix)]
#[test]
fn raw_fd_while_open() {
    use std::os::fd::AsRawFd;
    let sim = sim(None);
    let t = target(&sim, Via::Tcp);
    let mut conn = Connection::connect(t.options.clone()).unwrap();
    assert!(conn.as_raw_fd() >= 0);
    conn.close().unwrap();
    assert_eq!(conn.as_raw_fd(), -1);
}
