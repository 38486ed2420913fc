//! The manual's escape table, applied in one left-to-right pass each way.
//!
//! | byte | `\\` | `/`  | space | `\|` | BEL  | BS   | FF   | LF   | CR   | TAB  | VT   |
//! |------|------|------|-------|------|------|------|------|------|------|------|------|
//! | wire | `\\\\` | `\/` | `\s`  | `\p` | `\a` | `\b` | `\f` | `\n` | `\r` | `\t` | `\v` |
//!
//! Both directions borrow their input when there is nothing to change, so the common case
//! (plain values) allocates nothing.

use std::borrow::Cow;

use bytes::BufMut;

use crate::scan::{escape_from, find_backslash, find_escapable, unescape_from};

/// Whether any byte of `s` must be escaped.
pub fn needs_escaping(s: &[u8]) -> bool {
    find_escapable(s).is_some()
}

/// Escapes `value` for use as a parameter value. Borrows when nothing needs escaping.
///
/// ```
/// assert_eq!(ts3q::escape("Go away!"), "Go\\saway!");
/// assert!(matches!(ts3q::escape("plain"), std::borrow::Cow::Borrowed("plain")));
/// ```
pub fn escape(value: &str) -> Cow<'_, str> {
    match find_escapable(value.as_bytes()) {
        None => Cow::Borrowed(value),
        Some(first) => {
            let mut out = Vec::with_capacity(value.len() + value.len() / 8 + 2);
            escape_from(value.as_bytes(), first, &mut out);
            // Escaping replaces ASCII bytes by ASCII bytes, so UTF-8 stays valid.
            Cow::Owned(
                String::from_utf8(out)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            )
        }
    }
}

/// [`escape`] for arbitrary bytes.
pub fn escape_bytes(value: &[u8]) -> Cow<'_, [u8]> {
    match find_escapable(value) {
        None => Cow::Borrowed(value),
        Some(first) => {
            let mut out = Vec::with_capacity(value.len() + value.len() / 8 + 2);
            escape_from(value, first, &mut out);
            Cow::Owned(out)
        }
    }
}

/// Appends the escaped form of `value` to `out` (a `Vec<u8>` or `BytesMut`).
#[inline]
pub fn escape_into<B: BufMut>(value: &[u8], out: &mut B) {
    // A clean prefix (often the whole value) is copied in one go.
    match find_escapable(value) {
        None => out.put_slice(value),
        Some(first) => escape_from(value, first, out),
    }
}

/// Reverses [`escape`] in one pass. Unknown escapes (`\x`) and a trailing lone backslash are
/// kept as they are. Borrows when the value holds no backslash.
///
/// ```
/// assert_eq!(ts3q::unescape("C:\\\\new"), "C:\\new");   // not "C:" + newline
/// assert_eq!(ts3q::unescape("a\\qb\\"), "a\\qb\\");   // unknown escape, lone backslash
/// ```
pub fn unescape(value: &str) -> Cow<'_, str> {
    match unescape_bytes(value.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(value),
        // Escapes decode to ASCII and everything else is copied, so UTF-8 stays valid.
        Cow::Owned(v) => Cow::Owned(
            String::from_utf8(v)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    }
}

/// [`unescape`] for arbitrary bytes.
#[inline]
pub fn unescape_bytes(value: &[u8]) -> Cow<'_, [u8]> {
    match find_backslash(value) {
        None => Cow::Borrowed(value),
        Some(first) => {
            let mut out = Vec::with_capacity(value.len());
            unescape_from(value, first, &mut out);
            Cow::Owned(out)
        }
    }
}

/// Appends the unescaped form of `value` to `out`.
#[inline]
pub fn unescape_into(value: &[u8], out: &mut Vec<u8>) {
    match find_backslash(value) {
        None => out.extend_from_slice(value),
        Some(first) => unescape_from(value, first, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::table::{needs_escape, UNESCAPE};
    use proptest::prelude::*;

    #[test]
    fn table_both_ways() {
        let raw = "\\/ |\u{7}\u{8}\u{c}\n\r\t\u{b}";
        let wire = "\\\\\\/\\s\\p\\a\\b\\f\\n\\r\\t\\v";
        assert_eq!(escape(raw), wire);
        assert_eq!(unescape(wire), raw);
    }

    #[test]
    fn one_pass_not_chained_replace() {
        assert_eq!(unescape("C:\\\\new"), "C:\\new");
        assert_eq!(unescape("a\\\\sb"), "a\\sb");
        assert_eq!(unescape("\\\\\\\\"), "\\\\");
    }

    #[test]
    fn unknown_and_trailing() {
        assert_eq!(unescape("\\x\\"), "\\x\\");
        assert_eq!(unescape("\\"), "\\");
        assert_eq!(unescape("ab\\"), "ab\\");
        assert_eq!(unescape_bytes(b"\\\xff"), &b"\\\xff"[..]);
    }

    #[test]
    fn borrows_when_clean() {
        assert!(matches!(escape("abc-DEF_09=:"), Cow::Borrowed(_)));
        assert!(matches!(unescape("abc def"), Cow::Borrowed(_)));
        let long = "x".repeat(1000);
        assert!(matches!(escape(&long), Cow::Borrowed(_)));
    }

    #[test]
    fn finds_every_position() {
        for len in 0..80 {
            for pos in 0..len {
                let mut v = vec![b'a'; len];
                v[pos] = b'|';
                assert_eq!(find_escapable(&v), Some(pos));
            }
            assert_eq!(find_escapable(&vec![b'a'; len]), None);
        }
    }

    #[test]
    fn escape_into_buffers() {
        let mut v = Vec::new();
        escape_into(b"a b", &mut v);
        let mut b = bytes::BytesMut::new();
        escape_into(b"a b", &mut b);
        assert_eq!(v, b"a\\sb");
        assert_eq!(&b[..], b"a\\sb");
        let mut u = Vec::new();
        unescape_into(b"a\\sb", &mut u);
        assert_eq!(u, b"a b");
    }

    proptest! {
        #[test]
        fn round_trip_any_bytes(s in proptest::collection::vec(any::<u8>(), 0..300)) {
            let e = escape_bytes(&s);
            let back = unescape_bytes(&e).into_owned();
            prop_assert_eq!(back, s);
        }

        #[test]
        fn round_trip_any_str(s in ".*") {
            let e = escape(&s);
            let back = unescape(&e).into_owned();
            prop_assert_eq!(back, s);
        }

        #[test]
        fn escaped_has_no_escapable_raw_byte(s in proptest::collection::vec(any::<u8>(), 0..300)) {
            let e = escape_bytes(&s);
            // Every escapable byte is gone, except the backslashes that introduce escapes.
            let mut i = 0;
            while i < e.len() {
                if e[i] == b'\\' {
                    prop_assert!(i + 1 < e.len());
                    prop_assert!(UNESCAPE[e[i + 1] as usize] != 0);
                    i += 2;
                } else {
                    prop_assert!(!needs_escape(e[i]), "raw {:#x} at {}", e[i], i);
                    i += 1;
                }
            }
            for bad in [b' ', b'|', b'\n', b'\r'] {
                prop_assert!(!e.contains(&bad));
            }
        }

        #[test]
        fn unescape_never_panics(s in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = unescape_bytes(&s);
        }
    }
}
