//! Zero-copy parsing of response, error and event lines.
//!
//! A line is kept whole as [`Bytes`](bytes::Bytes); parsing only builds a compact index of where each field's
//! key and value lie (12 bytes per field, 4 per item). Values are unescaped when read, and borrow
//! the line when they hold no escape.
//!
//! Grammar of a data line: items separated by `|`, fields separated by spaces, each field either
//! `key=value` (split at the FIRST `=`) or a bare `key`. Escaped values hold no raw space or `|`.

mod event;
mod items;
mod line;
mod response;
mod status;

pub use event::Event;
pub(crate) use items::is_secret_key;
pub use items::{Item, Items, ItemsIter, Value};
pub use line::{classify, LineKind};
pub use response::{OwnedItem, Response};
pub use status::{QueryError, Status};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{FieldError, ParseError};
    use bytes::Bytes;
    use std::borrow::Cow;

    fn items(s: &str) -> Items {
        Items::parse(Bytes::copy_from_slice(s.as_bytes())).unwrap()
    }

    #[test]
    fn fields_values_and_bare_keys() {
        let it = items("cid=1 channel_topic= channel_flag_default uid=abc/def= x=a=b");
        let i = it.first().unwrap();
        assert_eq!(i.len(), 5);
        assert!(!i.get("channel_topic").unwrap().is_bare());
        assert!(i.get("channel_flag_default").unwrap().is_bare());
        assert_eq!(i.str("channel_flag_default").unwrap(), "");
        assert_eq!(i.str("uid").unwrap(), "abc/def=");
        assert_eq!(i.str("x").unwrap(), "a=b");
        let keys: Vec<_> = i.keys().collect();
        assert_eq!(
            keys,
            [
                &b"cid"[..],
                b"channel_topic",
                b"channel_flag_default",
                b"uid",
                b"x"
            ]
        );
    }

    #[test]
    fn pipes_and_escaped_pipes() {
        let it = items("a=1\\p2|a=2||a=3");
        assert_eq!(it.len(), 4);
        assert_eq!(it.get(0).unwrap().str("a").unwrap(), "1|2");
        assert!(it.get(2).unwrap().is_empty());
        assert_eq!(it.get(3).unwrap().str("a").unwrap(), "3");
        assert!(it.get(4).is_none());
        assert_eq!(it.iter().len(), 4);
    }

    #[test]
    fn empty_and_spaces() {
        assert_eq!(items("").len(), 0);
        let it = items("  a=1   b=2 ");
        assert_eq!(it.first().unwrap().len(), 2);
    }

    #[test]
    fn shared_keys() {
        let it = items("ctid=4 clid=1|clid=2");
        assert_eq!(it.get_shared(1, "ctid").unwrap().raw(), b"4");
        assert_eq!(it.get_shared(1, "clid").unwrap().raw(), b"2");
        assert!(it.get(1).unwrap().get("ctid").is_none());
    }

    #[test]
    fn values_borrow_when_unescaped() {
        let it = items("a=plain b=with\\sspace");
        let i = it.first().unwrap();
        assert!(matches!(
            i.get("a").unwrap().to_str().unwrap(),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            i.get("b").unwrap().to_str().unwrap(),
            Cow::Owned(_)
        ));
    }

    #[test]
    fn invalid_utf8_checked_and_lossy() {
        let it = Items::parse(Bytes::from_static(b"n=Andr\xffoid")).unwrap();
        let v = it.first().unwrap().get("n").unwrap();
        assert!(v.to_str().is_err());
        assert_eq!(v.to_str_lossy(), "Andr\u{fffd}oid");
        assert_eq!(v.bytes().as_ref(), b"Andr\xffoid");
        assert!(matches!(
            it.first().unwrap().parse::<String>("n"),
            Err(FieldError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn status_lines() {
        let s = Status::parse(
            "error id=2568 msg=insufficient\\sclient\\spermissions failed_permid=4".into(),
        )
        .unwrap();
        assert_eq!(s.id(), 2568);
        assert_eq!(s.msg(), "insufficient client permissions");
        assert_eq!(s.failed_permid(), Some(4));
        assert!(s.is_insufficient_permissions());
        assert!(s.check().is_err());
        let extra: Vec<_> = s.extra().map(|(k, _)| k).collect();
        assert_eq!(extra, [&b"failed_permid"[..]]);
        let f = Status::parse(
            "error id=524 msg=client\\sis\\sflooding extra_msg=please\\swait\\s2\\sseconds".into(),
        )
        .unwrap();
        assert!(f.is_flooding());
        assert_eq!(f.flood_wait_secs(), Some(2));
        assert_eq!(
            Status::parse("error msg=ok".into()),
            Err(ParseError::MissingErrorId)
        );
        assert_eq!(
            Status::parse("error id=x msg=ok".into()),
            Err(ParseError::InvalidErrorId)
        );
        assert_eq!(
            Status::parse("error id=99999999999".into()),
            Err(ParseError::InvalidErrorId)
        );
        assert_eq!(
            Status::parse("error".into()),
            Err(ParseError::MissingErrorId)
        );
        assert!(Status::new(0, "ok").is_ok());
        assert_eq!(
            Status::new(1281, "database empty result set").msg(),
            "database empty result set"
        );
    }

    #[test]
    fn classify_lines() {
        assert_eq!(classify(b""), LineKind::Blank);
        assert_eq!(classify(b"   "), LineKind::Blank);
        assert_eq!(classify(b"error id=0 msg=ok"), LineKind::Status);
        assert_eq!(classify(b"error"), LineKind::Status);
        assert_eq!(classify(b"error_x=1"), LineKind::Data);
        assert_eq!(classify(b"notifytextmessage msg=a"), LineKind::Event);
        assert_eq!(classify(b"notifyfoo"), LineKind::Event);
        assert_eq!(classify(b"notify=1"), LineKind::Data);
        assert_eq!(classify(b"notifyx=1 a=2"), LineKind::Data);
        assert_eq!(classify(b"clid=1"), LineKind::Data);
        assert_eq!(classify(b" clid=1"), LineKind::Data);
    }

    #[test]
    fn debug_redacts_secrets() {
        let it = items("client_login_name=bot client_login_password=hunter2 apikey=ABCD ftkey=k");
        let dbg = format!("{:?}", it);
        assert!(dbg.contains("bot"));
        for secret in ["hunter2", "ABCD", "=k"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn owned_items_share_the_buffer() {
        let r = Response::parse(
            "clid=1 nick=a\\sb|clid=2".into(),
            "error id=0 msg=ok".into(),
        )
        .unwrap();
        let raw_ptr = r.items().raw().as_ptr();
        let items = r.clone().into_items();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].str("nick").unwrap(), "a b");
        assert_eq!(items[1].parse::<u32>("clid"), Ok(2));
        assert_eq!(items[1].item().raw.as_ptr(), raw_ptr, "no copy");
        assert!(format!("{:?}", items[0]).contains("nick"));
        assert_eq!(r.into_first().unwrap().get("clid").unwrap().raw(), b"1");
        let empty = Response::parse(Bytes::new(), "error id=1281 msg=x".into()).unwrap();
        assert!(empty.clone().into_first().is_none());
        assert!(empty.into_items().is_empty());
    }

    #[test]
    fn events() {
        let ev = Event::parse("notifyclientmoved ctid=4 reasonid=0 clid=2|clid=3".into()).unwrap();
        assert_eq!(ev.name(), "notifyclientmoved");
        assert_eq!(ev.items().len(), 2);
        let bare = Event::parse("notifyfoo".into()).unwrap();
        assert_eq!(bare.name(), "notifyfoo");
        assert!(bare.items().is_empty());
    }
}
