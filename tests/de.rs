//! serde deserialization of items, responses and events (feature `serde`): every mapping the
//! module documents, borrowing where it says it borrows, and errors that name the key.
#![cfg(feature = "serde")]

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use ts3q::{Event, Response};

fn response(data: &str) -> Response {
    Response::parse(data.to_string().into(), "error id=0 msg=ok".into()).expect("parses")
}

#[derive(Debug, Deserialize, PartialEq)]
struct Client<'a> {
    clid: u32,
    cid: u64,
    #[serde(borrow)]
    client_nickname: Cow<'a, str>,
    client_type: u8,
    client_away: bool,
    #[serde(default)]
    client_servergroups: Vec<u32>,
    client_idle_time: Option<i64>,
    connection_client_ip: Option<&'a str>,
}

#[test]
fn a_clientlist_into_structs() {
    let r = response(
        "clid=5 cid=1 client_nickname=Jürgen\\s\\p\\sbot client_type=1 client_away=0 client_servergroups=2,6|\
         clid=6 cid=2 client_nickname=Ben client_type=0 client_away=1 client_idle_time=12345 connection_client_ip=127.0.0.1",
    );
    let all: Vec<Client> = r.deserialize().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].client_nickname, "Jürgen | bot");
    assert!(
        matches!(all[0].client_nickname, Cow::Owned(_)),
        "escaped: unescaped into an owned copy"
    );
    assert!(
        matches!(all[1].client_nickname, Cow::Borrowed("Ben")),
        "clean: borrowed"
    );
    assert_eq!((all[0].clid, all[0].cid, all[0].client_type), (5, 1, 1));
    assert_eq!((all[0].client_away, all[1].client_away), (false, true));
    assert_eq!(all[0].client_servergroups, [2, 6]);
    assert!(
        all[1].client_servergroups.is_empty(),
        "absent with #[serde(default)]"
    );
    assert_eq!(
        (all[0].client_idle_time, all[1].client_idle_time),
        (None, Some(12345))
    );
    assert_eq!(all[1].connection_client_ip, Some("127.0.0.1"));
    // One struct from a response: its first item. An item on its own, the same.
    let first: Client = r.deserialize().unwrap();
    assert_eq!(first, all[0]);
    assert_eq!(r.get(1).unwrap().deserialize::<Client>().unwrap(), all[1]);
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Status {
    Online,
    Offline,
}

#[derive(Debug, Deserialize)]
struct Server {
    virtualserver_status: Status,
    virtualserver_name: String,
    virtualserver_uptime: u64,
    virtualserver_priority_speaker_dimm_modificator: f64,
    names: Vec<String>,
    empty: Vec<u32>,
    bare: Option<String>,
}

#[test]
fn enums_floats_lists_and_bare_keys() {
    let r = response(
        "virtualserver_status=online virtualserver_name=My\\sServer\\/\\\\x virtualserver_uptime=3600 \
         virtualserver_priority_speaker_dimm_modificator=-18.0000 names=a\\sb,c empty= bare",
    );
    let s: Server = r.deserialize().unwrap();
    assert_eq!(s.virtualserver_status, Status::Online);
    assert_eq!(s.virtualserver_name, "My Server/\\x");
    assert_eq!(s.virtualserver_uptime, 3600);
    assert_eq!(s.virtualserver_priority_speaker_dimm_modificator, -18.0);
    assert_eq!(s.names, ["a b", "c"]);
    assert!(s.empty.is_empty());
    assert_eq!(
        s.bare.as_deref(),
        Some(""),
        "a bare key is present and empty"
    );
    let _ = Status::Offline;
}

#[test]
fn an_item_as_a_map_and_unknown_keys_ignored() {
    let r = response("a=1 b=two c=x\\sy");
    let m: BTreeMap<&str, Cow<str>> = r.first().unwrap().deserialize().unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(m["c"], "x y");
    #[derive(Deserialize)]
    struct Only {
        a: u8,
    }
    assert_eq!(r.deserialize::<Only>().unwrap().a, 1);
}

#[test]
fn events_like_responses() {
    let e = Event::parse(
        "notifytextmessage targetmode=3 msg=hello\\sworld invokerid=9 invokername=Ben".into(),
    )
    .unwrap();
    #[derive(Deserialize)]
    struct Text<'a> {
        targetmode: u8,
        #[serde(borrow)]
        msg: Cow<'a, str>,
        invokerid: u32,
        invokername: &'a str,
    }
    let t: Text = e.deserialize().unwrap();
    assert_eq!((t.targetmode, t.invokerid, t.invokername), (3, 9, "Ben"));
    assert_eq!(t.msg, "hello world");
}

#[test]
fn errors_name_the_key_and_the_value_but_never_a_secret() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Bad {
        clid: u32,
    }
    let e = response("clid=abc").deserialize::<Bad>().unwrap_err();
    assert_eq!(
        (e.key.as_deref(), e.value.as_deref()),
        (Some("clid"), Some("abc"))
    );
    assert!(e.to_string().starts_with("clid=abc: "), "{e}");

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        client_login_password: u32,
    }
    let e = response("client_login_password=hunter2")
        .deserialize::<Login>()
        .unwrap_err();
    assert_eq!(e.value.as_deref(), Some("<redacted>"));
    assert!(!e.to_string().contains("hunter2"));

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Groups {
        client_servergroups: Vec<u32>,
    }
    let e = response("client_servergroups=6,x")
        .deserialize::<Groups>()
        .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("client_servergroups"));

    // A &str field cannot hold an escaped value (it would need a copy): an error, not a panic.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Borrowed<'a> {
        name: &'a str,
    }
    assert!(response("name=a\\sb").deserialize::<Borrowed>().is_err());
    assert!(response("")
        .deserialize::<Vec<Borrowed>>()
        .unwrap()
        .is_empty());
    assert!(
        response("").deserialize::<Borrowed>().is_err(),
        "no item for a struct"
    );
}

#[test]
fn definitions_enums_read_their_integer_form() {
    use ts3q::definitions::{Codec, TextMessageTargetMode};
    #[derive(Debug, Deserialize)]
    struct Text {
        targetmode: TextMessageTargetMode,
        codec: Option<Codec>,
    }
    let ev = Event::parse("notifytextmessage targetmode=2 codec=4 msg=hi".into()).unwrap();
    let t: Text = ev.deserialize().unwrap();
    assert_eq!(t.targetmode, TextMessageTargetMode::Channel);
    assert_eq!(t.codec, Some(Codec::OpusVoice));
    let ev = Event::parse("notifytextmessage targetmode=9 msg=hi".into()).unwrap();
    let err = ev.deserialize::<Text>().unwrap_err();
    assert!(err.to_string().contains("targetmode"), "{err}");
}
