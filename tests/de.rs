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
    assert_eq!((e.key(), e.value()), (Some("clid"), Some("abc")));
    assert!(e.to_string().starts_with("clid=abc: "), "{e}");

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        client_login_password: u32,
    }
    let e = response("client_login_password=hunter2")
        .deserialize::<Login>()
        .unwrap_err();
    assert_eq!(e.value(), Some("<redacted>"));
    assert!(!e.to_string().contains("hunter2"));

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Groups {
        client_servergroups: Vec<u32>,
    }
    let e = response("client_servergroups=6,x")
        .deserialize::<Groups>()
        .unwrap_err();
    assert_eq!(e.key(), Some("client_servergroups"));

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

/// Items before `rest`: as many as a sequence needs to learn which keys to skip (16).
const LEARN: usize = 20;

/// `first` `LEARN` times, then `rest`.
fn after_learning(first: &str, rest: &str) -> Response {
    let mut line = vec![first; LEARN].join("|");
    line.push('|');
    line.push_str(rest);
    response(&line)
}

/// Later items skip the keys the first items showed the struct ignores; a key the struct
/// wants is never skipped, whatever sat at its position before.
#[test]
fn skipped_keys_never_hide_a_wanted_one() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Cd {
        cd: Option<u32>,
    }
    // Same lengths, swapped: position 0 was an ignored `ab`, then holds `cd`.
    let r = after_learning("ab=1 cd=2", "cd=3 ab=4|ab=5 cd=6|xy=7 cd=8 zz=9|cd=10");
    let got: Vec<Cd> = r.deserialize().unwrap();
    let cds: Vec<_> = got[LEARN..].iter().map(|c| c.cd).collect();
    assert_eq!(cds, [Some(3), Some(6), Some(8), Some(10)]);
    assert!(got[..LEARN].iter().all(|c| c.cd == Some(2)));

    // Keys that differ from an ignored one only in their last byte, at every length around
    // the wide compare (16 and 32 bytes), and last on the line.
    for len in [1, 7, 8, 15, 16, 17, 31, 32, 33, 40, 64] {
        let ignored = format!("{}b", "k".repeat(len - 1));
        let wanted = format!("{}c", "k".repeat(len - 1));
        let r = after_learning(
            &format!("{ignored}=1 x=0"),
            &format!("{ignored}=2 x=0|{wanted}=3 x=0|x=0 {wanted}=4|{wanted}=5"),
        );
        let got: Vec<Option<u32>> = only(&r, &wanted).into_iter().map(|o| o.0).collect();
        assert_eq!(got[LEARN..], [None, Some(3), Some(4), Some(5)], "len {len}");
    }
}

/// Field names that share a length: a key of that length is compared with each of them, so
/// neither one hides behind the other, short or long.
#[test]
fn names_of_one_length_are_all_seen() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Pairs {
        ab: Option<u32>,
        cd: Option<u32>,
        client_aaaa: Option<u32>,
        client_bbbb: Option<u32>,
    }
    // Learned: `xy` and `client_zzzz` ignored at positions 0 and 1. Later items put each
    // name of the same length there.
    let r = after_learning(
        "xy=0 client_zzzz=0",
        "ab=1 client_aaaa=2|cd=3 client_bbbb=4|xy=5 client_zzzz=6",
    );
    let got: Vec<Pairs> = r.deserialize().unwrap();
    let pairs = |ab, cd, a, b| Pairs {
        ab,
        cd,
        client_aaaa: a,
        client_bbbb: b,
    };
    assert_eq!(
        got[LEARN..],
        [
            pairs(Some(1), None, Some(2), None),
            pairs(None, Some(3), None, Some(4)),
            pairs(None, None, None, None),
        ]
    );
}

/// Beyond the 64 positions that are learned, keys are read one by one as before.
#[test]
fn items_of_many_keys() {
    let keys: Vec<String> = (0..70).map(|i| format!("key{i}")).collect();
    let item = |n: u32| -> String {
        let fields: Vec<String> = keys.iter().map(|k| format!("{k}={n}")).collect();
        fields.join(" ")
    };
    let r = after_learning(&item(1), &[item(2), item(3)].join("|"));
    #[derive(Deserialize)]
    struct Two {
        key3: u32,
        key66: u32,
    }
    let got: Vec<Two> = r.deserialize().unwrap();
    let pairs: Vec<_> = got[LEARN - 1..].iter().map(|t| (t.key3, t.key66)).collect();
    assert_eq!(pairs, [(1, 1), (2, 2), (3, 3)]);
}

/// A field whose own value is read as ignored (`IgnoredAny`) is still a field: later items
/// offer it; aliases are fields too; `deny_unknown_fields` still sees every unknown key.
#[test]
fn what_a_struct_names_is_never_skipped() {
    #[derive(Deserialize)]
    struct Presence {
        #[allow(dead_code)]
        client_away: serde::de::IgnoredAny,
        clid: u32,
    }
    let r = after_learning(
        "clid=1 client_away=0 x=1",
        "clid=2 client_away=1 x=2|clid=3 client_away=0",
    );
    let got: Vec<Presence> = r.deserialize().unwrap();
    assert_eq!(
        got[LEARN..].iter().map(|p| p.clid).collect::<Vec<_>>(),
        [2, 3]
    );

    #[derive(Deserialize)]
    struct Aliased {
        #[serde(alias = "cid")]
        channel: u32,
    }
    let r = after_learning("cid=4 x=1", "cid=5 x=2|channel=6 x=3");
    let got: Vec<Aliased> = r.deserialize().unwrap();
    assert_eq!(
        got[LEARN..].iter().map(|a| a.channel).collect::<Vec<_>>(),
        [5, 6]
    );

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[allow(dead_code)]
        clid: u32,
    }
    assert!(after_learning("clid=1", "clid=2")
        .deserialize::<Vec<Strict>>()
        .is_ok());
    let e = after_learning("clid=1", "clid=2 x=1")
        .deserialize::<Vec<Strict>>()
        .unwrap_err();
    assert!(e.to_string().contains("unknown field `x`"), "{e}");
    let e = after_learning("clid=1 x=1", "clid=2")
        .deserialize::<Vec<Strict>>()
        .unwrap_err();
    assert!(e.to_string().contains("unknown field `x`"), "{e}");
}

/// Lists: the length is known up front, elements borrow or are owned like values, and a
/// tuple of the wrong length is an error.
#[test]
fn lists_of_every_shape() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct L<'a> {
        groups: Vec<u32>,
        names: Vec<String>,
        #[serde(borrow)]
        plain: Vec<&'a str>,
        flags: Vec<bool>,
        pair: (u8, i16),
    }
    let r = response(
        "groups= names=a\\sb,c plain=x flags=1,0,1 pair=7,-3|\
         groups=6 names=x,y plain=p,q flags= pair=0,0",
    );
    let got: Vec<L> = r.deserialize().unwrap();
    assert_eq!(got[0].groups, Vec::<u32>::new());
    assert_eq!(got[0].names, ["a b", "c"]);
    assert_eq!(got[0].flags, [true, false, true]);
    assert_eq!(got[0].pair, (7, -3));
    assert_eq!(got[1].groups, [6]);
    assert_eq!(got[1].plain, ["p", "q"]);
    assert!(got[1].flags.is_empty());

    #[derive(Debug, Deserialize)]
    struct Pair {
        #[allow(dead_code)]
        pair: (u8, u8),
    }
    for bad in ["pair=1,2,3", "pair=1", "pair=1,x"] {
        let e = response(bad).deserialize::<Pair>().unwrap_err();
        assert!(e.to_string().contains("pair"), "{bad}: {e}");
    }
    #[derive(Debug, Deserialize)]
    struct Groups {
        #[allow(dead_code)]
        client_servergroups: Vec<u32>,
    }
    let e = response("client_servergroups=6,x8")
        .deserialize::<Groups>()
        .unwrap_err();
    assert_eq!(e.key(), Some("client_servergroups"));
    assert_eq!(e.value(), Some("x8"));
}

/// One `Option<u32>` per item, for a key named at run time, read through the same path as a
/// derived struct (`deserialize_struct` with a field list, unknown keys ignored).
#[derive(Debug)]
struct Only(Option<u32>);

thread_local! {
    static WANTED: std::cell::Cell<&'static [&'static str]> = const { std::cell::Cell::new(&[]) };
}

fn only(r: &Response, name: &str) -> Vec<Only> {
    // serde's field lists are 'static: one small leak per call, in a test.
    let name: &'static str = String::leak(name.to_string());
    WANTED.with(|w| w.set(Box::leak(Box::new([name]))));
    r.deserialize().unwrap()
}

impl<'de> Deserialize<'de> for Only {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Only, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, Visitor};
        struct V(&'static str);
        impl<'de> Visitor<'de> for V {
            type Value = Only;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an item")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Only, A::Error> {
                let mut found = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == self.0 {
                        found = Some(map.next_value::<u32>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Only(found))
            }
        }
        let fields = WANTED.with(|w| w.get());
        d.deserialize_struct("Only", fields, V(fields[0]))
    }
}

proptest::proptest! {
    /// Reading a long sequence (which learns which keys to skip) gives what reading each item
    /// on its own gives, for items that mostly share a layout while single keys change.
    #[test]
    fn a_sequence_reads_as_its_items_do(
        layout in proptest::collection::vec(0usize..10, 1..10),
        edits in proptest::collection::vec((0usize..10, 0usize..10, 0u8..4), LEARN..LEARN + 30),
    ) {
        #[derive(Debug, Deserialize, PartialEq)]
        struct S {
            ab: Option<u32>,
            cd: Option<u32>,
            #[serde(alias = "ef")]
            gh: Option<u32>,
            long_key_of_forty_bytes_to_compare_xxxx: Option<u32>,
            key_of_twenty_bytes_a: Option<u32>,
        }
        // Wanted keys, and unwanted ones that differ from them in one byte only.
        const KEYS: [&str; 10] = [
            "ab", "cd", "ef", "gh", "ad", "cb",
            "long_key_of_forty_bytes_to_compare_xxxx",
            "long_key_of_forty_bytes_to_compare_xxxy",
            "key_of_twenty_bytes_a",
            "key_of_twenty_bytes_b",
        ];
        // Each item is the layout, one of its keys replaced by another a quarter of the time.
        let line: Vec<String> = edits
            .iter()
            .enumerate()
            .map(|(n, &(at, key, dice))| {
                let mut keys = layout.clone();
                if dice == 0 {
                    let at = at % keys.len();
                    keys[at] = key;
                }
                let mut seen = [false; KEYS.len()];
                let mut parts = Vec::new();
                for k in keys {
                    // A key once per item, so no item has a duplicate field.
                    if !std::mem::replace(&mut seen[k], true) {
                        parts.push(format!("{}={n}", KEYS[k]));
                    }
                }
                parts.join(" ")
            })
            .collect();
        let r = response(&line.join("|"));
        let each: Vec<Result<S, String>> = r
            .iter()
            .map(|item| item.deserialize::<S>().map_err(|e| e.to_string()))
            .collect();
        let all: Result<Vec<S>, String> = r.deserialize().map_err(|e| e.to_string());
        // Lent room changes where text comes from, never what is read.
        let mut room = Vec::new();
        let lent: Result<Vec<S>, String> = r.deserialize_in(&mut room).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(&lent, &all);
        match (all, each.iter().position(|e| e.is_err())) {
            (Ok(all), None) => {
                let each: Vec<S> = each.into_iter().flatten().collect();
                proptest::prop_assert_eq!(all, each);
            }
            (Err(e), Some(i)) => proptest::prop_assert_eq!(Some(&e), each[i].as_ref().err()),
            (all, first_error) => proptest::prop_assert!(false, "{all:?} vs {first_error:?}"),
        }
    }
}

/// A hand-written `Deserialize` that reads a key in some items and ignores it in others is
/// offered that key in every item once it names the key in its field list.
#[test]
fn a_key_read_in_some_items_is_offered_in_all() {
    #[derive(Debug, PartialEq)]
    struct Maybe(Option<u32>);
    impl<'de> Deserialize<'de> for Maybe {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Maybe, D::Error> {
            use serde::de::{IgnoredAny, MapAccess, Visitor};
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Maybe;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an item")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Maybe, A::Error> {
                    // `x` counts only in items of kind 1.
                    let (mut kind, mut x) = (0, None);
                    while let Some(key) = map.next_key::<String>()? {
                        match key.as_str() {
                            "kind" => kind = map.next_value()?,
                            "x" if kind == 1 => x = Some(map.next_value()?),
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(Maybe(x))
                }
            }
            d.deserialize_struct("Maybe", &["kind", "x"], V)
        }
    }
    let r = after_learning("kind=0 x=5", "kind=1 x=6|kind=0 x=7|kind=1 x=8");
    let got: Vec<Maybe> = r.deserialize().unwrap();
    assert_eq!(got[LEARN..], [Maybe(Some(6)), Maybe(None), Maybe(Some(8))]);
}

/// With room lent, escaped text is borrowed too: `&str` fields read escaped values (an error
/// without room), `Cow` borrows, `String` and lists read as before; a room serves one
/// response after another, larger or smaller.
#[test]
fn escaped_text_borrowed_from_lent_room() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Entry<'a> {
        clid: u32,
        client_nickname: &'a str,
        #[serde(borrow)]
        client_away_message: Cow<'a, str>,
        client_description: Option<String>,
        #[serde(default)]
        client_servergroups: Vec<u32>,
        #[serde(borrow, default)]
        client_badges: Option<&'a [u8]>,
    }
    let r = response(
        "clid=1 client_nickname=Al\\sCapone client_away_message=gone\\pback client_description=a\\sb client_badges=x\\sy|\
         clid=2 client_nickname=Ben client_away_message=plain client_servergroups=6,8",
    );
    assert!(
        r.deserialize::<Vec<Entry>>().is_err(),
        "&str of an escaped value, no room"
    );
    let mut room = Vec::new();
    let all: Vec<Entry> = r.deserialize_in(&mut room).unwrap();
    assert_eq!(all[0].client_nickname, "Al Capone");
    assert!(matches!(
        all[0].client_away_message,
        Cow::Borrowed("gone|back")
    ));
    assert_eq!(all[0].client_description.as_deref(), Some("a b"));
    assert_eq!(all[0].client_badges, Some(&b"x y"[..]));
    assert_eq!(
        (all[1].client_nickname, all[1].client_servergroups.clone()),
        ("Ben", vec![6, 8])
    );
    assert!(matches!(all[1].client_away_message, Cow::Borrowed("plain")));

    // Long escaped text (past the short values' path) too; the room grows to this response.
    let long = "x\\s".repeat(40);
    let r = response(&format!(
        "clid=4 client_nickname={long} client_away_message={long}"
    ));
    let e: Entry = r.deserialize_in(&mut room).unwrap();
    assert_eq!(e.client_nickname, "x ".repeat(40));
    assert!(matches!(e.client_away_message, Cow::Borrowed(m) if m == "x ".repeat(40)));
    let grown = room.len();

    // Lists whose elements hold escapes borrow them too.
    #[derive(Deserialize)]
    struct Names<'a> {
        #[serde(borrow)]
        names: Vec<&'a str>,
    }
    let r = response("names=a\\sb,c\\pd,e");
    let n: Names = r.deserialize_in(&mut room).unwrap();
    assert_eq!(n.names, ["a b", "c|d", "e"]);
    assert!(
        r.deserialize::<Names>().is_err(),
        "without room, escaped elements are owned"
    );

    // The room again, for a shorter response and a struct from its first item.
    let r = response("clid=3 client_nickname=\\/x\\\\y client_away_message");
    let one: Entry = r.deserialize_in(&mut room).unwrap();
    assert_eq!((one.clid, one.client_nickname), (3, "/x\\y"));
    assert_eq!(
        room.len(),
        grown,
        "a room is not shrunk, nor grown for less"
    );

    // As a map, and from an event.
    let r = response("a=x\\sy b=z");
    let map: BTreeMap<&str, &str> = r.deserialize_in(&mut room).unwrap();
    assert_eq!(map, BTreeMap::from([("a", "x y"), ("b", "z")]));
    let e = Event::parse("notifytextmessage targetmode=3 msg=hi\\sall invokername=B\\sen".into())
        .unwrap();
    #[derive(Deserialize)]
    struct Text<'a> {
        msg: &'a str,
        invokername: &'a str,
    }
    let t: Text = e.deserialize_in(&mut room).unwrap();
    assert_eq!((t.msg, t.invokername), ("hi all", "B en"));
}

/// Escaped text that is not UTF-8 once unescaped fails with its key, room or not.
#[test]
fn lent_room_keeps_errors() {
    let r = response("clid=1 client_nickname=a\\s\u{fffd}");
    // A byte that is not UTF-8 cannot go through `&str`; build the line from bytes.
    let line = b"clid=1 client_nickname=a\\s\xff".to_vec();
    let bad = Response::parse(line.into(), "error id=0 msg=ok".into()).unwrap();
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nick<'a> {
        client_nickname: &'a str,
    }
    let mut room = Vec::new();
    let e = bad.deserialize_in::<Nick>(&mut room).unwrap_err();
    assert_eq!(e.key(), Some("client_nickname"));
    assert!(e.msg().contains("UTF-8"), "{e}");
    let ok: Nick = r.deserialize_in(&mut room).unwrap();
    assert_eq!(ok.client_nickname, "a \u{fffd}");
}
