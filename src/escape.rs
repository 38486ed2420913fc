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
use memchr::memchr;

use crate::simd::{self, dispatch};

/// Wire letter for each byte that must be escaped, `0` for bytes that pass through.
pub(crate) const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'\\' as usize] = b'\\';
    t[b'/' as usize] = b'/';
    t[b' ' as usize] = b's';
    t[b'|' as usize] = b'p';
    t[0x07] = b'a';
    t[0x08] = b'b';
    t[0x0C] = b'f';
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x0B] = b'v';
    t
};

/// Byte for each letter that may follow a backslash, `0` for unknown escapes.
pub(crate) const UNESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if ESCAPE[b] != 0 {
            t[ESCAPE[b] as usize] = b as u8;
        }
        b += 1;
    }
    t
};

/// Whether `b` must be escaped. The escapable controls (BEL..CR) are one contiguous range,
/// so this is a handful of comparisons that LLVM turns into vector code over a block.
#[inline(always)]
fn needs_escape(b: u8) -> bool {
    (b.wrapping_sub(0x07) < 7) | (b == b' ') | (b == b'/') | (b == b'\\') | (b == b'|')
}

/// Scanning granularity: a fixed-size block lets LLVM vectorise the branch-free "any" checks.
const BLOCK: usize = 32;

// OR-ing as integers keeps the loop branch-free; a `bool` fold gets turned back into an
// early-exit loop after inlining and runs 25x slower (measured: 0.73 vs 19 GB/s).
#[inline(always)]
fn block_needs_escape(block: &[u8; BLOCK]) -> bool {
    let mut any = 0u8;
    for &b in block {
        any |= u8::from(needs_escape(b));
    }
    any != 0
}

/// Index of the first byte of `s` that must be escaped.
#[inline]
pub(crate) fn find_escapable(s: &[u8]) -> Option<usize> {
    dispatch!(
        simd::avx512::find_escapable(s),
        simd::avx2::find_escapable(s),
        portable_find_escapable(s),
    )
}

fn portable_find_escapable(s: &[u8]) -> Option<usize> {
    let (blocks, rest) = s.as_chunks::<BLOCK>();
    for (i, block) in blocks.iter().enumerate() {
        if block_needs_escape(block) {
            return block
                .iter()
                .position(|&b| needs_escape(b))
                .map(|p| i * BLOCK + p);
        }
    }
    let base = blocks.len() * BLOCK;
    rest.iter().position(|&b| needs_escape(b)).map(|p| base + p)
}

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

/// [`escape_into`] without the SIMD kernels, for tests and fuzzing that compare the two.
#[doc(hidden)]
pub fn portable_escape_into<B: BufMut>(value: &[u8], out: &mut B) {
    portable_escape(value, out)
}

/// [`unescape_into`] without the SIMD kernels, for tests and fuzzing that compare the two.
#[doc(hidden)]
pub fn portable_unescape_into(value: &[u8], out: &mut Vec<u8>) {
    match portable_find_backslash(value) {
        None => out.extend_from_slice(value),
        Some(first) => portable_unescape_from(value, first, out),
    }
}

/// [`needs_escaping`] without the SIMD kernels.
#[doc(hidden)]
pub fn portable_needs_escaping(s: &[u8]) -> bool {
    portable_find_escapable(s).is_some()
}

/// Escapes `value`, whose bytes before `from` need no escaping.
fn escape_from<B: BufMut>(value: &[u8], from: usize, out: &mut B) {
    let (clean, rest) = value.split_at(from);
    out.put_slice(clean);
    dispatch!(
        simd::avx512::escape_into(rest, out),
        simd::avx2::escape_into(rest, out),
        portable_escape(rest, out),
    )
}

/// The portable escaper: clean 32-byte blocks are copied in runs; a block with something to
/// escape is rewritten branch-free into a small buffer.
fn portable_escape<B: BufMut>(value: &[u8], out: &mut B) {
    let (blocks, rest) = value.as_chunks::<BLOCK>();
    let mut clean = 0; // start of the clean run not yet copied
    for (i, block) in blocks.iter().enumerate() {
        if block_needs_escape(block) {
            let at = i * BLOCK;
            out.put_slice(&value[clean..at]);
            escape_block(block, out);
            clean = at + BLOCK;
        }
    }
    out.put_slice(&value[clean..blocks.len() * BLOCK]);
    escape_block(rest, out);
}

#[inline(always)]
fn escape_block<B: BufMut>(block: &[u8], out: &mut B) {
    // Each byte becomes 1 or 2 bytes, written as one 2-byte store (the second byte is
    // overwritten by the next step when unused): branch-free, one store per input byte.
    let mut buf = [0u8; 2 * BLOCK + 2];
    let mut n = 0;
    for &b in block {
        let code = ESCAPE[b as usize];
        let pair = if code != 0 { [b'\\', code] } else { [b, 0] };
        buf[n..n + 2].copy_from_slice(&pair);
        n += 1 + usize::from(code != 0);
    }
    out.put_slice(&buf[..n]);
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

/// High bit in each byte of the 8 bytes at `w` that is a backslash (exact: no carries).
#[inline(always)]
fn backslashes(w: &[u8]) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const BACKSLASH: u64 = 0x5c5c_5c5c_5c5c_5c5c;
    let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ BACKSLASH;
    !(((x & LO7).wrapping_add(LO7)) | x | LO7)
}

/// First backslash of `s`. Escapes are usually close together (or the value is short): the
/// first 32 bytes are tested 8 at a time (SWAR), which beats a memchr call there; a longer
/// search goes to memchr.
#[inline(always)]
fn portable_find_backslash(s: &[u8]) -> Option<usize> {
    let mut base = 0;
    while base + 8 <= s.len() && base < 32 {
        let hits = backslashes(&s[base..base + 8]);
        if hits != 0 {
            return Some(base + (hits.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    if base < 32 {
        return s[base..].iter().position(|&b| b == b'\\').map(|p| base + p);
    }
    memchr(b'\\', &s[base..]).map(|p| base + p)
}

/// First backslash of `s`.
#[inline(always)]
fn find_backslash(s: &[u8]) -> Option<usize> {
    dispatch!(
        simd::avx512::find_backslash(s),
        simd::avx2::find_backslash(s),
        portable_find_backslash(s),
    )
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

/// Unescapes `value`, which holds no backslash before `first`: one pass, each escape decoded
/// once, so the wire text `\\n` is a backslash and an `n`, never a newline.
fn unescape_from(value: &[u8], first: usize, out: &mut Vec<u8>) {
    let (clean, rest) = value.split_at(first);
    out.extend_from_slice(clean);
    dispatch!(
        simd::avx512::unescape_into(rest, out),
        simd::avx2::unescape_into(rest, out),
        portable_unescape_from(rest, 0, out),
    )
}

fn portable_unescape_from(value: &[u8], first: usize, out: &mut Vec<u8>) {
    let mut rest = value;
    let mut next = Some(first);
    while let Some(i) = next {
        out.extend_from_slice(&rest[..i]);
        match rest.get(i + 1) {
            Some(&c) => {
                match UNESCAPE[c as usize] {
                    0 => out.extend_from_slice(&[b'\\', c]),
                    b => out.push(b),
                }
                rest = &rest[i + 2..];
            }
            None => {
                out.push(b'\\');
                rest = &[];
            }
        }
        next = portable_find_backslash(rest);
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// The SIMD kernels (when this CPU has them) and the portable code agree.
    fn same_both_ways(s: &[u8]) {
        let show = || String::from_utf8_lossy(s).into_owned();
        let (mut unescaped, mut escaped) = (Vec::new(), Vec::new());
        portable_unescape_into(s, &mut unescaped);
        portable_escape_into(s, &mut escaped);
        let first_escapable = portable_find_escapable(s);
        let first_backslash = portable_find_backslash(s);
        // Through the dispatcher, and every tier this CPU runs called directly.
        let mut got = Vec::new();
        unescape_into(s, &mut got);
        assert_eq!(got, unescaped, "unescape {:?}", show());
        got.clear();
        escape_into(s, &mut got);
        assert_eq!(got, escaped, "escape {:?}", show());
        #[cfg(target_arch = "x86_64")]
        {
            type Kernels = (
                simd::Tier,
                fn(&[u8], &mut Vec<u8>),
                fn(&[u8], &mut Vec<u8>),
                fn(&[u8]) -> Option<usize>,
                fn(&[u8]) -> Option<usize>,
            );
            let tiers: [Kernels; 2] = [
                (
                    simd::Tier::Avx512,
                    simd::avx512::unescape_into,
                    simd::avx512::escape_into::<Vec<u8>>,
                    simd::avx512::find_escapable,
                    simd::avx512::find_backslash,
                ),
                (
                    simd::Tier::Avx2,
                    simd::avx2::unescape_into,
                    simd::avx2::escape_into::<Vec<u8>>,
                    simd::avx2::find_escapable,
                    simd::avx2::find_backslash,
                ),
            ];
            for (tier, unescape, escape, find_escapable, find_backslash) in tiers {
                if tier > simd::detect() {
                    continue;
                }
                let mut got = vec![b'x'];
                unescape(s, &mut got);
                assert_eq!(got[1..], unescaped[..], "{tier:?} unescape {:?}", show());
                let mut got = vec![b'x'];
                escape(s, &mut got);
                assert_eq!(got[1..], escaped[..], "{tier:?} escape {:?}", show());
                assert_eq!(find_escapable(s), first_escapable, "{tier:?} {:?}", show());
                assert_eq!(find_backslash(s), first_backslash, "{tier:?} {:?}", show());
            }
        }
    }

    #[test]
    fn kernels_match_portable_at_block_edges() {
        // Escapes, runs of backslashes, unknown escapes and non-ASCII bytes at every position
        // around the 32- and 64-byte block edges, including a trailing lone backslash.
        let pieces: [&[u8]; 9] = [
            b"\\\\", b"\\", b"\\\\\\", b"\\s", b"\\x", b"\\\\xff", b"\\\xc3", b" ", b"\xff",
        ];
        for len in [0, 1, 31, 32, 33, 62, 63, 64, 65, 127, 128, 129, 200] {
            for pos in 0..=len {
                for piece in pieces {
                    let mut v = vec![b'a'; len];
                    v.splice(pos..pos, piece.iter().copied());
                    same_both_ways(&v);
                }
            }
        }
        let all: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        same_both_ways(&all);
        same_both_ways(&vec![b'\\'; 4099]);
        same_both_ways(&vec![b'|'; 4099]);
    }

    proptest! {
        #[test]
        fn kernels_match_portable(s in proptest::collection::vec(
            prop_oneof![Just(b'\\'), Just(b's'), Just(b' '), Just(b'a'), Just(0xc3u8), any::<u8>()],
            0..600,
        )) {
            same_both_ways(&s);
        }

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
