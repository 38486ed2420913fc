//! The field index of a line: where each key and value lies, found eight bytes at a time
//! (portable) or 64 at a time (SIMD, through [`index_blocks`]).

use super::simd::{self, dispatch};
use super::swar::{matching_bytes, word};

/// Where one field lies in its line: key `start..eq`, value `eq+1..end`; `eq == end` marks a bare
/// key (no `=`). The top bit of `end` is [`CLEAN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) start: u32,
    pub(crate) eq: u32,
    pub(crate) end: u32,
}

/// Set in `Field::end` when the indexer saw that the field holds no backslash, so reading its
/// value needs no second scan.
pub(crate) const CLEAN: u32 = 1 << 31;

/// Longest line the index can describe (positions are 31-bit).
pub(crate) const MAX_LINE: usize = (CLEAN - 1) as usize;

impl Field {
    #[inline(always)]
    pub(crate) fn end(&self) -> usize {
        (self.end & !CLEAN) as usize
    }
}

/// High bit set in every byte of `word` that is a space, `|`, `=` or backslash.
#[inline(always)]
fn separators(w: u64) -> u64 {
    matching_bytes(w, b' ')
        | matching_bytes(w, b'|')
        | matching_bytes(w, b'=')
        | matching_bytes(w, b'\\')
}

/// Builds the field index of `raw[offset..]`. Every space or `|` ends a field; only the first `=`
/// of a field splits it. Empty fields (doubled spaces) are skipped.
///
/// Separators are found eight bytes at a time (SWAR): one word test per 8 bytes, then one step
/// per separator, instead of a search call per separator.
pub(crate) fn portable_index(
    raw: &[u8],
    offset: usize,
    fields: &mut Vec<Field>,
    starts: &mut Vec<u32>,
) {
    // Most lines are one item (serverinfo, whoami, events): start with room for a typical one.
    fields.reserve(((raw.len() - offset) / 12 + 1).min(64));
    let mut start = offset;
    let mut eq: Option<usize> = None;
    let mut escaped = false;
    let mut on_separator =
        |pos: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>| match raw[pos] {
            b'=' => {
                if eq.is_none() {
                    eq = Some(pos);
                }
            }
            b'\\' => escaped = true,
            sep => {
                if pos > start {
                    fields.push(Field {
                        start: start as u32,
                        eq: eq.unwrap_or(pos) as u32,
                        end: pos as u32 | if escaped { 0 } else { CLEAN },
                    });
                }
                if sep == b'|' {
                    if starts.is_empty() {
                        presize(raw.len() - offset, pos + 1 - offset, fields, starts);
                    }
                    starts.push(fields.len() as u32);
                }
                start = pos + 1;
                eq = None;
                escaped = false;
            }
        };
    let body = &raw[offset..];
    let mut words = body.chunks_exact(8);
    let mut base = offset;
    for chunk in &mut words {
        let mut hits = separators(word(chunk));
        while hits != 0 {
            let pos = base + (hits.trailing_zeros() / 8) as usize;
            on_separator(pos, fields, starts);
            hits &= hits - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if matches!(b, b' ' | b'|' | b'=' | b'\\') {
            on_separator(base + i, fields, starts);
        }
    }
    let end = raw.len();
    if end > start {
        fields.push(Field {
            start: start as u32,
            eq: eq.unwrap_or(end) as u32,
            end: end as u32 | if escaped { 0 } else { CLEAN },
        });
    }
}

/// At the end of the first item of a list, reserve the index for the whole line: list replies
/// give every item the same keys, so the first item predicts the rest and the index is
/// allocated once instead of growing by doubling.
fn presize(total: usize, first_item: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>) {
    let items = total / first_item.max(1) + 1;
    let items = items + items / 8;
    starts.reserve(items);
    // A field takes at least two bytes (a byte and its separator): never reserve beyond that.
    let wanted = (items * fields.len().max(1)).min(total / 2 + 1);
    fields.reserve(wanted.saturating_sub(fields.len()));
}

/// Bit masks of one 64-byte block (bit `i` is byte `i`): the field ends (space or `|`), the
/// pipes among them, the `=` and the backslashes.
#[derive(Clone, Copy)]
pub(crate) struct BlockMasks {
    pub(crate) ends: u64,
    pub(crate) pipes: u64,
    pub(crate) equals: u64,
    pub(crate) backslashes: u64,
}

/// [`portable_index`] driven by whole-block bit masks (`masks(at)` describes `raw[at..at + 64]`, with no
/// bits past the end): one step per field instead of one per separator, and each field learns
/// whether it holds a backslash for free.
#[inline(always)]
pub(crate) fn index_blocks(
    raw: &[u8],
    offset: usize,
    fields: &mut Vec<Field>,
    starts: &mut Vec<u32>,
    mut masks: impl FnMut(usize) -> BlockMasks,
) {
    fields.reserve(((raw.len() - offset) / 12 + 1).min(64));
    // The open field: where it starts, its first `=` (`NONE` if not seen yet) and whether it
    // holds a backslash, as far as the blocks before this one tell.
    const NONE: usize = usize::MAX;
    let (mut start, mut eq, mut escaped) = (offset, NONE, false);
    let mut base = offset;
    while base < raw.len() {
        let m = masks(base);
        let mut ends = m.ends;
        let mut from = 0; // first bit of the open field in this block (< 64 inside the loop)
        while ends != 0 {
            let bit = ends.trailing_zeros() as usize;
            ends &= ends - 1;
            let pos = base + bit;
            let span = (u64::MAX << from) & !(u64::MAX << bit);
            if pos > start {
                // The field's first `=` in this block, or its end when there is none.
                let here = base + ((m.equals & span) | 1 << bit).trailing_zeros() as usize;
                let clean = !escaped && m.backslashes & span == 0;
                fields.push(Field {
                    start: start as u32,
                    eq: if eq == NONE { here } else { eq } as u32,
                    end: pos as u32 | if clean { CLEAN } else { 0 },
                });
            }
            if m.pipes >> bit & 1 != 0 {
                if starts.is_empty() {
                    presize(raw.len() - offset, pos + 1 - offset, fields, starts);
                }
                starts.push(fields.len() as u32);
            }
            (start, eq, escaped) = (pos + 1, NONE, false);
            from = bit + 1;
        }
        // The field still open at the block's end carries what this block saw of it.
        let rest = if from < 64 { u64::MAX << from } else { 0 };
        if eq == NONE && m.equals & rest != 0 {
            eq = base + (m.equals & rest).trailing_zeros() as usize;
        }
        escaped |= m.backslashes & rest != 0;
        base += 64;
    }
    let end = raw.len();
    if end > start {
        fields.push(Field {
            start: start as u32,
            eq: if eq == NONE { end } else { eq } as u32,
            end: end as u32 | if escaped { 0 } else { CLEAN },
        });
    }
}

/// Builds the field index of `raw[offset..]` with the best indexer the CPU runs.
#[inline]
pub(crate) fn index(raw: &[u8], offset: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>) {
    dispatch!(
        simd::avx512::index(raw, offset, fields, starts),
        simd::avx2::index(raw, offset, fields, starts),
        portable_index(raw, offset, fields, starts),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type IndexFn = fn(&[u8], usize, &mut Vec<Field>, &mut Vec<u32>);

    /// Every SIMD indexer this CPU runs gives the portable index, and both mark a field
    /// clean exactly when it holds no backslash.
    fn same_index(line: &[u8], offset: usize) {
        let (mut f1, mut s1) = (Vec::new(), Vec::new());
        portable_index(line, offset, &mut f1, &mut s1);
        #[cfg(target_arch = "x86_64")]
        {
            let tier = simd::detect();
            let kernels: [(simd::Tier, IndexFn); 2] = [
                (simd::Tier::Avx512, simd::avx512::index),
                (simd::Tier::Avx2, simd::avx2::index),
            ];
            for (t, kernel) in kernels {
                if t <= tier {
                    let (mut f2, mut s2) = (Vec::new(), Vec::new());
                    kernel(line, offset, &mut f2, &mut s2);
                    assert_eq!(f2, f1, "{t:?} {:?}", String::from_utf8_lossy(line));
                    assert_eq!(s2, s1, "{t:?}");
                }
            }
        }
        for f in &f1 {
            let field = &line[f.start as usize..f.end()];
            assert_eq!(f.end & CLEAN != 0, !field.contains(&b'\\'));
        }
    }

    #[test]
    fn simd_index_at_block_edges() {
        let pieces: [&[u8]; 7] = [b" ", b"|", b"=", b"\\s", b"  ", b"a=b=c", b"|\\p|"];
        for len in [0, 1, 62, 63, 64, 65, 127, 128, 129, 200] {
            for pos in 0..=len {
                for piece in pieces {
                    let mut v: Vec<u8> = (0..len).map(|i| b"key=val "[i % 8]).collect();
                    v.splice(pos..pos, piece.iter().copied());
                    same_index(&v, 0);
                    if v.len() > 3 {
                        same_index(&v, 3);
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn simd_index_matches_portable(line in proptest::collection::vec(
            prop_oneof![Just(b' '), Just(b'|'), Just(b'='), Just(b'\\'), Just(b'a'), any::<u8>()],
            0..400,
        )) {
            same_index(&line, 0);
        }
    }
}
