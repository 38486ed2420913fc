//! The typed layer on arbitrary input: byte 0 picks a known notification name (or keeps the
//! line's own), the rest is its items. Splitting into typed notifications, reading items as
//! the typed results and deserializing them (serde) into representative structs must give a
//! typed value or a typed error, never a panic; an error keeps the raw event.
#![no_main]
use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use ts3q::typed::events::{Notification, TypedEvent};
use ts3q::typed::results::{
    Ban, ChannelListEntry, ClientInfo, ClientListEntry, ServerGroup, Whoami,
};
use ts3q::typed::FromItem;
use ts3q::{Bytes, Event, Items};

#[derive(Deserialize, Debug, PartialEq)]
#[allow(dead_code)]
struct Client<'a> {
    clid: u32,
    #[serde(borrow)]
    client_nickname: Cow<'a, str>,
    client_servergroups: Option<Vec<u32>>,
    client_away: Option<bool>,
    client_input_muted: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Text {
    targetmode: ts3q::definitions::TextMessageTargetMode,
    msg: String,
    invokerid: Option<u32>,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Anything<'a> {
    #[serde(borrow, flatten)]
    fields: std::collections::BTreeMap<&'a str, Cow<'a, str>>,
}

fn results(items: &Items) {
    for item in items.iter() {
        let _ = Whoami::from_item(&item);
        let _ = ClientListEntry::from_item(&item);
        let _ = ClientInfo::from_item(&item);
        let _ = ChannelListEntry::from_item(&item);
        let _ = ServerGroup::from_item(&item);
        let _ = Ban::from_item(&item);
        let _ = item.deserialize::<Client>();
        let _ = item.deserialize::<Text>();
        let _ = item.deserialize::<Anything>();
    }
}

/// A list read as one sequence (which learns, from its first items, which keys to skip in the
/// later ones), with or without room lent for its text, reads as its items read one by one: `rest` seventeen times over, so the
/// sequence is long enough to learn, then once more changed by the fuzzer's first byte.
fn sequence_reads_as_items(rest: &[u8], pick: u8) {
    let mut line = vec![rest; 17].join(&b'|');
    line.push(b'|');
    line.extend(rest.iter().map(|&b| b ^ (pick & 0x0f)));
    let Ok(resp) =
        ts3q::Response::parse(Bytes::from(line), Bytes::from_static(b"error id=0 msg=ok"))
    else {
        return;
    };
    let each: Result<Vec<Client>, _> = resp
        .iter()
        .map(|item| item.deserialize::<Client>())
        .collect();
    let all: Result<Vec<Client>, _> = resp.deserialize();
    // Text unescaped into lent room reads the same.
    let mut room = Vec::new();
    let lent: Result<Vec<Client>, _> = resp.deserialize_in(&mut room);
    assert_eq!(lent, all);
    match (all, each) {
        (Ok(all), Ok(each)) => assert_eq!(all, each),
        (Err(a), Err(e)) => assert_eq!(a, e),
        (all, each) => panic!("sequence {all:?}, items {each:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let names = Notification::NAMES;
    let line = match names.get(pick as usize) {
        Some(name) => [name.as_bytes(), b" ", rest].concat(),
        None => rest.to_vec(),
    };
    let line = Bytes::from(line);
    if let Ok(event) = Event::parse(line.clone()) {
        for typed in TypedEvent::split(&event) {
            match typed {
                Ok(t) => {
                    let known = names.contains(&event.name());
                    assert_eq!(known, !matches!(t.notification, Notification::Unknown(_)));
                    let _ = (t.item(), t.get("clid"), format!("{t:?}"));
                }
                Err(e) => {
                    assert_eq!(&e.raw, &event);
                    assert!(names.contains(&event.name()));
                    let _ = e.to_string();
                }
            }
        }
        let _ = event.deserialize::<Text>();
        let _ = event.deserialize_in::<Anything>(&mut Vec::new());
        results(event.items());
    }
    if let Ok(items) = Items::parse(Bytes::copy_from_slice(rest)) {
        results(&items);
    }
    sequence_reads_as_items(rest, pick);
});
