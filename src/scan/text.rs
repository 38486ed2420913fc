//! The escape and unescape passes: the portable code and the dispatch to the SIMD kernels.

use bytes::BufMut;

use super::simd::{self, dispatch};
use super::swar::find_byte;
use super::table::{needs_escape, ESCAPE, UNESCAPE};

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

pub(crate) fn portable_find_escapable(s: &[u8]) -> Option<usize> {
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

/// Escapes `value`, whose bytes before `from` need no escaping.
pub(crate) fn escape_from<B: BufMut>(value: &[u8], from: usize, out: &mut B) {
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
pub(crate) fn portable_escape<B: BufMut>(value: &[u8], out: &mut B) {
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

/// First backslash of `s`, portable.
#[inline(always)]
pub(crate) fn portable_find_backslash(s: &[u8]) -> Option<usize> {
    find_byte(s, b'\\')
}

/// Text shorter than this is searched and unescaped by the portable code: a kernel's set-up
/// costs more than the whole work.
pub(crate) const SHORT_TEXT: usize = 64;

/// First backslash of `s`.
#[inline(always)]
pub(crate) fn find_backslash(s: &[u8]) -> Option<usize> {
    if s.len() < SHORT_TEXT {
        return find_byte(s, b'\\');
    }
    dispatch!(
        simd::avx512::find_backslash(s),
        simd::avx2::find_backslash(s),
        portable_find_backslash(s),
    )
}

/// Unescapes `value`, which holds no backslash before `first`: one pass, each escape decoded
/// once, so the wire text `\\n` is a backslash and an `n`, never a newline.
pub(crate) fn unescape_from(value: &[u8], first: usize, out: &mut Vec<u8>) {
    let (clean, rest) = value.split_at(first);
    out.extend_from_slice(clean);
    // A short value into a buffer with no room for a kernel's overrun (one sized to fit it,
    // as `Value::bytes` and `unescape_bytes` make): straight in, rather than a kernel's
    // set-up and the copy out of its stack block.
    if rest.len() < SHORT_TEXT && out.capacity() - out.len() < rest.len() + 64 {
        return portable_unescape(rest, out);
    }
    dispatch!(
        simd::avx512::unescape_into(rest, out),
        simd::avx2::unescape_into(rest, out),
        portable_unescape(rest, out),
    )
}

/// Unescapes `value` with the portable code. (`value` starts at a backslash only when a
/// search found one, not when a caller that knows of some backslash passes 0: find it.)
pub(crate) fn portable_unescape<B: BufMut>(value: &[u8], out: &mut B) {
    match portable_find_backslash(value) {
        Some(first) => portable_unescape_from(value, first, out),
        None => out.put_slice(value),
    }
}

pub(crate) fn portable_unescape_from<B: BufMut>(value: &[u8], first: usize, out: &mut B) {
    let mut rest = value;
    let mut next = Some(first);
    while let Some(i) = next {
        out.put_slice(&rest[..i]);
        match rest.get(i + 1) {
            Some(&c) => {
                match UNESCAPE[c as usize] {
                    0 => out.put_slice(&[b'\\', c]),
                    b => out.put_u8(b),
                }
                rest = &rest[i + 2..];
            }
            None => {
                out.put_u8(b'\\');
                rest = &[];
            }
        }
        next = portable_find_backslash(rest);
    }
    out.put_slice(rest);
}

/// Unescapes `value` into `out`, which must be at least as long (unescaping never lengthens
/// text), and returns the length written. Portable: for short values (`SHORT_TEXT`).
#[cfg(feature = "serde")]
pub(crate) fn unescape_into_slice(value: &[u8], out: &mut [u8]) -> usize {
    let total = out.len();
    let mut cursor = &mut out[..];
    portable_unescape(value, &mut cursor);
    total - cursor.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escape::{escape_into, unescape_into};
    use proptest::prelude::*;

    fn portable_escape_into(value: &[u8], out: &mut Vec<u8>) {
        portable_escape(value, out)
    }

    /// The SIMD kernels (when this CPU has them) and the portable code agree.
    fn same_both_ways(s: &[u8]) {
        let show = || String::from_utf8_lossy(s).into_owned();
        let (mut unescaped, mut escaped) = (Vec::new(), Vec::new());
        portable_unescape(s, &mut unescaped);
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

    }
}
