//! The AVX2 tier: 64-byte blocks as two 32-byte halves, bit masks from `vpmovmskb`, and the
//! byte compress/expand that AVX2 lacks done 8 bytes at a time with `pshufb` tables. Tails are
//! copied into a zeroed stack block first (zero is neither a separator nor escapable).
//! Soundness: see the parent module.

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use bytes::BufMut;

use super::{escape_with, escaped_by, lanes, unescape_with};
use crate::scan::fields::{index_blocks, BlockMasks, Field};
use crate::scan::table::{ESCAPE, UNESCAPE};

/// `pshufb` pattern that keeps the bytes of an 8-byte group whose bit in the index is clear,
/// packed to the front.
const COMPRESS8: [[u8; 8]; 256] = {
    let mut t = [[0x80u8; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut i, mut n) = (0, 0);
        while i < 8 {
            if m >> i & 1 == 0 {
                t[m][n] = i as u8;
                n += 1;
            }
            i += 1;
        }
        m += 1;
    }
    t
};

/// `pshufb` pattern over `[8 bytes | 8 backslashes]` that puts a backslash (index 8) before
/// each byte whose bit in the index is set.
const EXPAND8: [[u8; 16]; 256] = {
    let mut t = [[0x80u8; 16]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut i, mut n) = (0, 0);
        while i < 8 {
            if m >> i & 1 != 0 {
                t[m][n] = 8;
                n += 1;
            }
            t[m][n] = i as u8;
            n += 1;
            i += 1;
        }
        m += 1;
    }
    t
};

/// Escape letters decoded, by low nibble, for letters `0x60..=0x6f` and `0x70..=0x7f`.
const DECODE6: [u8; 16] = nibble_row(0x60);
const DECODE7: [u8; 16] = nibble_row(0x70);

const fn nibble_row(high: usize) -> [u8; 16] {
    let mut t = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        t[i] = UNESCAPE[high | i];
        i += 1;
    }
    t
}

/// Escape letters of the controls `0x07..=0x0d`, by `byte - 7`.
const CONTROL_LETTERS: [u8; 16] = {
    let mut t = [0u8; 16];
    let mut i = 0;
    while i < 7 {
        t[i] = ESCAPE[7 + i];
        i += 1;
    }
    t
};

/// One 64-byte block of `src` from `at` (two halves) and its valid-lane mask; a short tail is
/// read from a zero-padded copy.
#[inline(always)]
unsafe fn block64(src: &[u8], at: usize) -> (__m256i, __m256i, u64) {
    let rest = &src[at..];
    if rest.len() >= 64 {
        // SAFETY: both 32-byte reads lie inside `rest`.
        unsafe {
            let p = rest.as_ptr();
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(32).cast()),
                u64::MAX,
            )
        }
    } else {
        let mut pad = [0u8; 64];
        pad[..rest.len()].copy_from_slice(rest);
        // SAFETY: both 32-byte reads lie inside the 64-byte `pad`.
        unsafe {
            let p = pad.as_ptr();
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(32).cast()),
                lanes(rest.len()),
            )
        }
    }
}

/// Bit `i` set where byte `i` of the two halves is `0xff`.
#[inline(always)]
unsafe fn bits(lo: __m256i, hi: __m256i) -> u64 {
    let l = _mm256_movemask_epi8(lo) as u32 as u64;
    let h = _mm256_movemask_epi8(hi) as u32 as u64;
    l | h << 32
}

#[inline(always)]
unsafe fn eq(v: __m256i, b: u8) -> __m256i {
    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8))
}

/// `0xff` in every byte that must be escaped.
#[inline(always)]
unsafe fn escapable(v: __m256i) -> __m256i {
    unsafe {
        // Controls 0x07..=0x0d: `v - 7` (wrapping) is below 7 exactly for them.
        let x = _mm256_sub_epi8(v, _mm256_set1_epi8(7));
        let control = _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(6)), x);
        let a = _mm256_or_si256(eq(v, b' '), eq(v, b'/'));
        let b = _mm256_or_si256(eq(v, b'\\'), eq(v, b'|'));
        _mm256_or_si256(control, _mm256_or_si256(a, b))
    }
}

/// Broadcasts a 16-byte table to both 128-bit lanes (for in-lane `pshufb`).
#[inline(always)]
unsafe fn table16(t: &[u8; 16]) -> __m256i {
    // SAFETY: a 16-byte read of a 16-byte array.
    unsafe { _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast())) }
}

/// The byte each escape letter stands for, `0` for bytes that are not escape letters.
#[inline(always)]
unsafe fn decode(v: __m256i, d6: __m256i, d7: __m256i) -> __m256i {
    unsafe {
        let low = _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
        let high = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0f));
        let six = _mm256_and_si256(
            _mm256_cmpeq_epi8(high, _mm256_set1_epi8(6)),
            _mm256_shuffle_epi8(d6, low),
        );
        let seven = _mm256_and_si256(
            _mm256_cmpeq_epi8(high, _mm256_set1_epi8(7)),
            _mm256_shuffle_epi8(d7, low),
        );
        // `\\` and `\/` stand for themselves.
        let same = _mm256_and_si256(_mm256_or_si256(eq(v, b'\\'), eq(v, b'/')), v);
        _mm256_or_si256(_mm256_or_si256(six, seven), same)
    }
}

/// `0xff` in byte `i` of the two halves where bit `i` of `m` is set.
#[inline(always)]
unsafe fn bytes_of(m: u64) -> (__m256i, __m256i) {
    unsafe {
        // Byte i of a half takes mask byte i / 8, then tests bit i % 8.
        let spread = _mm256_setr_epi8(
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3,
            3, 3, 3,
        );
        let bit = _mm256_set1_epi64x(0x8040_2010_0804_0201u64 as i64);
        let half = |m: u32| {
            let v = _mm256_shuffle_epi8(_mm256_set1_epi32(m as i32), spread);
            _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit)
        };
        (half(m as u32), half((m >> 32) as u32))
    }
}

/// Appends the unescaped form of `src` (a token boundary) to `out`.
pub(crate) fn unescape_into(src: &[u8], out: &mut Vec<u8>) {
    // SAFETY: only called when `simd::tier()` is `Avx2` or better, so the CPU has every feature.
    unsafe { unescape_with(src, out, unescape_kernel) }
}

/// Unescapes from the start of `src` (a token boundary) into `dst`; returns `(read, written)`.
#[target_feature(enable = "avx2,popcnt")]
unsafe fn unescape_kernel(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> (usize, usize) {
    let (d6, d7) = unsafe { (table16(&DECODE6), table16(&DECODE7)) };
    let (mut i, mut n) = (0, 0);
    while i < src.len() && n + 64 <= dst.len() {
        let (lo, hi, valid) = unsafe { block64(src, i) };
        let mut step = (src.len() - i).min(64);
        let bs = unsafe { bits(eq(lo, b'\\'), eq(hi, b'\\')) } & valid;
        let out = dst[n..].as_mut_ptr().cast::<u8>();
        if bs == 0 {
            // SAFETY: `n + 64 <= dst.len()` was checked by the loop condition.
            unsafe {
                _mm256_storeu_si256(out.cast(), lo);
                _mm256_storeu_si256(out.add(32).cast(), hi);
            }
            i += step;
            n += step;
            continue;
        }
        let esc = escaped_by(bs);
        let mut valid = valid;
        // A backslash that starts an escape on the last lane, with input after it: leave it
        // for the next block, so every block starts on a token boundary.
        if src.len() - i > 64 && (bs & !esc) >> 63 != 0 {
            valid >>= 1;
            step = 63;
        }
        let (dlo, dhi) = unsafe { (decode(lo, d6, d7), decode(hi, d6, d7)) };
        let zero = _mm256_setzero_si256();
        let letters = !unsafe { bits(_mm256_cmpeq_epi8(dlo, zero), _mm256_cmpeq_epi8(dhi, zero)) };
        let known = letters & esc & valid;
        let drop = !(valid & !(known >> 1));
        let (klo, khi) = unsafe { bytes_of(known) };
        let mut block = [0u8; 64];
        // SAFETY: two 32-byte stores into the 64-byte `block`.
        unsafe {
            let b = block.as_mut_ptr();
            _mm256_storeu_si256(b.cast(), _mm256_blendv_epi8(lo, dlo, klo));
            _mm256_storeu_si256(b.add(32).cast(), _mm256_blendv_epi8(hi, dhi, khi));
        }
        // Compress 8 bytes at a time: each group lands right after the previous one. Groups
        // past the input's end hold only dropped lanes: a short tail skips them.
        let mut w = 0;
        for (g, group) in block.chunks_exact(8).enumerate().take(step.div_ceil(8)) {
            let d = (drop >> (8 * g)) as u8;
            // SAFETY: an 8-byte read of `group` and of a table row; the 8-byte store is at
            // `n + w` with `w <= 56`, inside the 64 bytes checked by the loop condition.
            unsafe {
                let bytes = _mm_loadl_epi64(group.as_ptr().cast());
                let pattern = _mm_loadl_epi64(COMPRESS8[d as usize].as_ptr().cast());
                _mm_storel_epi64(out.add(w).cast(), _mm_shuffle_epi8(bytes, pattern));
            }
            w += 8 - d.count_ones() as usize;
        }
        i += step;
        n += w;
    }
    (i, n)
}

/// Appends the escaped form of `src` to `out`.
pub(crate) fn escape_into<B: BufMut>(src: &[u8], out: &mut B) {
    // SAFETY: only called when `simd::tier()` is `Avx2` or better, so the CPU has every feature.
    unsafe { escape_with(src, out, escape_kernel) }
}

/// Escapes from the start of `src` into `dst`, 16 input bytes (at most 32 output) per step;
/// returns `(read, written)`.
#[target_feature(enable = "avx2,popcnt")]
unsafe fn escape_kernel(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> (usize, usize) {
    let letters = unsafe { _mm_loadu_si128(CONTROL_LETTERS.as_ptr().cast()) };
    let backslashes = _mm_set1_epi8(b'\\' as i8);
    let (mut i, mut n) = (0, 0);
    while i < src.len() && n + 64 <= dst.len() {
        let take = (src.len() - i).min(16);
        let v = if take == 16 {
            // SAFETY: a 16-byte read inside `src`.
            unsafe { _mm_loadu_si128(src[i..].as_ptr().cast()) }
        } else {
            let mut pad = [0u8; 16];
            pad[..take].copy_from_slice(&src[i..]);
            // SAFETY: a 16-byte read of the 16-byte `pad`.
            unsafe { _mm_loadu_si128(pad.as_ptr().cast()) }
        };
        let hit = unsafe { _mm256_castsi256_si128(escapable(_mm256_castsi128_si256(v))) };
        let m = (_mm_movemask_epi8(hit) as u32) & ((1u32 << take) - 1);
        let out = dst[n..].as_mut_ptr().cast::<u8>();
        if m == 0 {
            // SAFETY: `n + 64 <= dst.len()` was checked by the loop condition.
            unsafe { _mm_storeu_si128(out.cast(), v) };
            i += take;
            n += take;
            continue;
        }
        // The letter of every escapable byte: controls by table, the rest by comparison.
        let c = _mm_sub_epi8(v, _mm_set1_epi8(7));
        let is_control = _mm_cmpeq_epi8(_mm_min_epu8(c, _mm_set1_epi8(6)), c);
        let control = _mm_and_si128(
            is_control,
            _mm_shuffle_epi8(letters, _mm_and_si128(c, _mm_set1_epi8(0x0f))),
        );
        let space = _mm_and_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
            _mm_set1_epi8(b's' as i8),
        );
        let pipe = _mm_and_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'|' as i8)),
            _mm_set1_epi8(b'p' as i8),
        );
        let code = _mm_or_si128(control, _mm_or_si128(space, pipe));
        // `/` and `\` keep their byte; everything else escapable takes its letter.
        let translated = _mm_blendv_epi8(
            v,
            code,
            _mm_or_si128(
                is_control,
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'|' as i8)),
                ),
            ),
        );
        let groups = [
            _mm_unpacklo_epi64(translated, backslashes),
            _mm_unpackhi_epi64(translated, backslashes),
        ];
        let mut w = 0;
        for (g, bytes) in groups.into_iter().enumerate().take(take.div_ceil(8)) {
            let m8 = (m >> (8 * g)) as u8;
            // SAFETY: a 16-byte read of a table row; the 16-byte store is at `n + w` with
            // `w <= 16`, inside the 64 bytes checked by the loop condition.
            unsafe {
                let pattern = _mm_loadu_si128(EXPAND8[m8 as usize].as_ptr().cast());
                _mm_storeu_si128(out.add(w).cast(), _mm_shuffle_epi8(bytes, pattern));
            }
            w += (take - 8 * g).min(8) + m8.count_ones() as usize;
        }
        i += take;
        n += w;
    }
    (i, n)
}

/// Index of the first byte of `src` that must be escaped.
pub(crate) fn find_escapable(src: &[u8]) -> Option<usize> {
    // SAFETY: only called when `simd::tier()` is `Avx2` or better.
    unsafe { find_escapable_kernel(src) }
}

#[target_feature(enable = "avx2,popcnt")]
unsafe fn find_escapable_kernel(src: &[u8]) -> Option<usize> {
    find_first(src, |lo, hi| unsafe { bits(escapable(lo), escapable(hi)) })
}

/// Appends the position of every `byte` in `src`, in order.
pub(crate) fn positions(src: &[u8], byte: u8, out: &mut Vec<usize>) {
    // SAFETY: only called when `simd::tier()` is `Avx2` or better.
    unsafe { positions_kernel(src, byte, out) }
}

#[target_feature(enable = "avx2,popcnt")]
unsafe fn positions_kernel(src: &[u8], byte: u8, out: &mut Vec<usize>) {
    let mut at = 0;
    while at < src.len() {
        // SAFETY: `at < src.len()`; `block64` reads inside `src[at..]` or a padded copy of it.
        let hits = unsafe {
            let (lo, hi, valid) = block64(src, at);
            bits(eq(lo, byte), eq(hi, byte)) & valid
        };
        crate::scan::swar::push_bits(hits, at, out);
        at += 64;
    }
}

/// Index of the first backslash of `src`.
pub(crate) fn find_backslash(src: &[u8]) -> Option<usize> {
    // SAFETY: only called when `simd::tier()` is `Avx2` or better.
    unsafe { find_backslash_kernel(src) }
}

#[target_feature(enable = "avx2,popcnt")]
unsafe fn find_backslash_kernel(src: &[u8]) -> Option<usize> {
    find_first(src, |lo, hi| unsafe { bits(eq(lo, b'\\'), eq(hi, b'\\')) })
}

/// First byte of `src` whose bit `hits` sets, 64 bytes per step (inlined into the kernels).
#[inline(always)]
fn find_first(src: &[u8], hits: impl Fn(__m256i, __m256i) -> u64) -> Option<usize> {
    let mut i = 0;
    while i < src.len() {
        // SAFETY: `i < src.len()`; only reached from the AVX2 kernels.
        let (lo, hi, valid) = unsafe { block64(src, i) };
        let h = hits(lo, hi) & valid;
        if h != 0 {
            return Some(i + h.trailing_zeros() as usize);
        }
        i += 64;
    }
    None
}

/// Builds the field index of `raw[offset..]` (see `parse::index_blocks`).
pub(crate) fn index(raw: &[u8], offset: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>) {
    // SAFETY: only called when `simd::tier()` is `Avx2` or better.
    unsafe { index_kernel(raw, offset, fields, starts) }
}

#[target_feature(enable = "avx2,popcnt")]
unsafe fn index_kernel(raw: &[u8], offset: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>) {
    index_blocks(raw, offset, fields, starts, |at| {
        // SAFETY: `index_blocks` asks only for blocks starting inside `raw`.
        let (lo, hi, valid) = unsafe { block64(raw, at) };
        let pipes = unsafe { bits(eq(lo, b'|'), eq(hi, b'|')) } & valid;
        let spaces = unsafe { bits(eq(lo, b' '), eq(hi, b' ')) } & valid;
        BlockMasks {
            ends: spaces | pipes,
            pipes,
            equals: unsafe { bits(eq(lo, b'='), eq(hi, b'=')) } & valid,
            backslashes: unsafe { bits(eq(lo, b'\\'), eq(hi, b'\\')) } & valid,
        }
    });
}
