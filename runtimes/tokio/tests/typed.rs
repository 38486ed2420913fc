//! `query(..).all_as::<T>()` / `first_as` (feature `serde`) against the simulator.
#![cfg(feature = "serde")]

use serde::Deserialize;
use ts3_sim::testing::{demo_sim, target, Via};
use ts3q::Command;
use ts3q_tokio::{Connection, Error};

#[derive(Debug, Deserialize)]
struct Client {
    clid: u32,
    cid: u32,
    client_nickname: String,
    client_type: u8,
}

/// `clientinfo` has no `clid`: its own type.
#[derive(Debug, Deserialize)]
struct Info {
    cid: u32,
    client_nickname: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct WrongType {
    client_nickname: u32,
}

#[tokio::test]
async fn results_into_structs() {
    let sim = demo_sim(None);
    let conn = Connection::connect(target(&sim, Via::Tcp).options)
        .await
        .unwrap();
    conn.exec(Command::new("use").param("sid", 1))
        .await
        .unwrap();
    let clients: Vec<Client> = conn.query("clientlist").all_as().await.unwrap();
    assert_eq!(clients.len(), 5);
    assert!(clients
        .iter()
        .any(|c| c.client_nickname == "Jürgen | bot" && c.cid == 1));
    assert_eq!(clients.iter().filter(|c| c.client_type == 1).count(), 1);
    let first: Option<Info> = conn
        .query("clientinfo")
        .param("clid", clients[0].clid)
        .first_as()
        .await
        .unwrap();
    let first = first.expect("clientinfo has an item");
    assert_eq!(
        (first.cid, first.client_nickname.as_str()),
        (clients[0].cid, clients[0].client_nickname.as_str())
    );
    let none: Option<Client> = conn
        .query("clientfind")
        .param("pattern", "nobody")
        .first_as()
        .await
        .unwrap();
    assert!(none.is_none(), "an empty result is None");
    match conn.query("clientlist").all_as::<WrongType>().await {
        Err(Error::Deserialize(e)) => assert_eq!(e.key(), Some("client_nickname")),
        other => panic!("{other:?}"),
    }
}
