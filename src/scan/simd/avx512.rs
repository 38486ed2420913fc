//! The AVX-512 tier: 64-byte blocks, masked loads for tails, `vpcompressb` to drop the
//! backslashes of escapes and to drop unused slots of (backslash, byte) pairs, `vpermi2b` for
//! the 128-entry escape tables. Soundness: see the parent module.

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use bytes::BufMut;

use super::{escape_with, escaped_by, lanes, unescape_with};
use crate::scan::fields::{index_blocks, BlockMasks, Field};
use crate::scan::table::{ESCAPE, UNESCAPE};

/// Loads `t[0..64]` and `t[64..128]`: a 128-entry table for `vpermi2b`.
#[inline(always)]
unsafe fn table(t: &[u8; 256]) -> (__m512i, __m512i) {
    // SAFETY: both 64-byte reads lie inside the 256-byte table.
    unsafe {
        (
            _mm512_loadu_si512(t.as_ptr().cast()),
            _mm512_loadu_si512(t.as_ptr().add(64).cast()),
        )
    }
}

/// Masked load of `src[at..at + 64]`, clipped to the slice; returns the vector and lane mask.
#[inline(always)]
unsafe fn load64(src: &[u8], at: usize) -> (__m512i, u64) {
    let m = lanes(src.len() - at);
    // SAFETY: `at <= src.len()` (callers loop while `at < len`) and lanes past the end are
    // masked off, so only bytes of `src` are read.
    (
        unsafe { _mm512_maskz_loadu_epi8(m, src.as_ptr().add(at).cast()) },
        m,
    )
}

/// Appends the unescaped form of `src` (a token boundary) to `out`.
pub(crate) fn unescape_into(src: &[u8], out: &mut Vec<u8>) {
    // SAFETY: only called when `simd::tier()` is `Avx512` or better, so the CPU has every feature.
    unsafe { unescape_with(src, out, unescape_kernel) }
}

/// Unescapes from the start of `src` (a token boundary) into `dst`; returns `(read, written)`.
/// Stops at the end of `src` or when `dst` is nearly full, always on a token boundary.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
unsafe fn unescape_kernel(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> (usize, usize) {
    let (lo, hi) = unsafe { table(&UNESCAPE) };
    let backslash = _mm512_set1_epi8(b'\\' as i8);
    let (mut i, mut n) = (0, 0);
    while i < src.len() && n + 64 <= dst.len() {
        let (v, valid) = unsafe { load64(src, i) };
        let mut step = (src.len() - i).min(64);
        let bs = _mm512_cmpeq_epi8_mask(v, backslash) & valid;
        let (keep, out) = if bs == 0 {
            (valid, v)
        } else {
            let esc = escaped_by(bs);
            let mut valid = valid;
            // A backslash that starts an escape on the last lane, with input after it: leave
            // it for the next block, so every block starts on a token boundary.
            if src.len() - i > 64 && (bs & !esc) >> 63 != 0 {
                valid >>= 1;
                step = 63;
            }
            let decoded = _mm512_permutex2var_epi8(lo, v, hi);
            let ascii = !_mm512_movepi8_mask(v);
            let known = _mm512_test_epi8_mask(decoded, decoded) & ascii & esc & valid;
            // Unknown escapes keep their backslash; known ones drop it and decode the letter.
            (
                valid & !(known >> 1),
                _mm512_mask_mov_epi8(v, known, decoded),
            )
        };
        let packed = _mm512_maskz_compress_epi8(keep, out);
        // SAFETY: `n + 64 <= dst.len()` was checked by the loop condition.
        unsafe { _mm512_storeu_si512(dst.as_mut_ptr().add(n).cast(), packed) };
        i += step;
        n += keep.count_ones() as usize;
    }
    (i, n)
}

/// Appends the escaped form of `src` to `out`.
pub(crate) fn escape_into<B: BufMut>(src: &[u8], out: &mut B) {
    // SAFETY: only called when `simd::tier()` is `Avx512` or better, so the CPU has every feature.
    unsafe { escape_with(src, out, escape_kernel) }
}

/// Lane `2k` takes lane 32 (a backslash), lane `2k + 1` takes input lane `k`.
const INTERLEAVE: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut k = 0;
    while k < 32 {
        t[2 * k] = 32;
        t[2 * k + 1] = k as u8;
        k += 1;
    }
    t
};

/// Escapes from the start of `src` into `dst`; returns `(read, written)`. Stops at the end of
/// `src` or when `dst` is nearly full.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
unsafe fn escape_kernel(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> (usize, usize) {
    let (lo, hi) = unsafe { table(&ESCAPE) };
    // SAFETY: a 64-byte read of a 64-byte array.
    let interleave = unsafe { _mm512_loadu_si512(INTERLEAVE.as_ptr().cast()) };
    let backslash = _mm512_set1_epi8(b'\\' as i8);
    let (mut i, mut n) = (0, 0);
    // 32 input bytes per step, so the output (at most 64 bytes) is one store.
    while i < src.len() && n + 64 <= dst.len() {
        let take = (src.len() - i).min(32);
        let valid = lanes(take);
        // SAFETY: lanes past the end of `src` are masked off.
        let v = unsafe { _mm512_maskz_loadu_epi8(valid, src.as_ptr().add(i).cast()) };
        let code = _mm512_permutex2var_epi8(lo, v, hi);
        let hits = _mm512_test_epi8_mask(code, code) & !_mm512_movepi8_mask(v) & valid;
        let (keep, out) = if hits == 0 {
            (valid, v)
        } else {
            // Lanes 0..32: the byte or its escape letter; lanes 32..64: backslashes. Interleave
            // them as (backslash, byte) pairs, then drop the backslashes nobody needs.
            let letters = _mm512_mask_mov_epi8(v, hits, code);
            let both = _mm512_mask_mov_epi8(letters, !0u64 << 32, backslash);
            let pairs = _mm512_permutexvar_epi8(interleave, both);
            let keep =
                (_pdep_u64(hits, 0x5555_5555_5555_5555) | 0xaaaa_aaaa_aaaa_aaaa) & lanes(2 * take);
            (keep, pairs)
        };
        let packed = _mm512_maskz_compress_epi8(keep, out);
        // SAFETY: `n + 64 <= dst.len()` was checked by the loop condition.
        unsafe { _mm512_storeu_si512(dst.as_mut_ptr().add(n).cast(), packed) };
        i += take;
        n += keep.count_ones() as usize;
    }
    (i, n)
}

/// Index of the first byte of `src` that must be escaped.
pub(crate) fn find_escapable(src: &[u8]) -> Option<usize> {
    // SAFETY: only called when `simd::tier()` is `Avx512`, so the CPU has every feature.
    unsafe { find_escapable_kernel(src) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
unsafe fn find_escapable_kernel(src: &[u8]) -> Option<usize> {
    let (lo, hi) = unsafe { table(&ESCAPE) };
    let hits = |v: __m512i| {
        let code = _mm512_permutex2var_epi8(lo, v, hi);
        _mm512_test_epi8_mask(code, code) & !_mm512_movepi8_mask(v)
    };
    let mut i = 0;
    // Two blocks per step on long inputs: one branch per 128 bytes.
    while i + 128 <= src.len() {
        // SAFETY: both 64-byte reads lie inside `src`.
        let (a, b) = unsafe {
            let p = src.as_ptr().add(i);
            (
                _mm512_loadu_si512(p.cast()),
                _mm512_loadu_si512(p.add(64).cast()),
            )
        };
        let (ha, hb) = (hits(a), hits(b));
        if ha | hb != 0 {
            let at = if ha != 0 {
                ha.trailing_zeros()
            } else {
                64 + hb.trailing_zeros()
            };
            return Some(i + at as usize);
        }
        i += 128;
    }
    while i < src.len() {
        let (v, valid) = unsafe { load64(src, i) };
        let h = hits(v) & valid;
        if h != 0 {
            return Some(i + h.trailing_zeros() as usize);
        }
        i += 64;
    }
    None
}

/// Index of the first backslash of `src`.
pub(crate) fn find_backslash(src: &[u8]) -> Option<usize> {
    // SAFETY: only called when `simd::tier()` is `Avx512`, so the CPU has every feature.
    unsafe { find_backslash_kernel(src) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
unsafe fn find_backslash_kernel(src: &[u8]) -> Option<usize> {
    let backslash = _mm512_set1_epi8(b'\\' as i8);
    let mut i = 0;
    while i < src.len() {
        let (v, valid) = unsafe { load64(src, i) };
        let hits = _mm512_cmpeq_epi8_mask(v, backslash) & valid;
        if hits != 0 {
            return Some(i + hits.trailing_zeros() as usize);
        }
        i += 64;
    }
    None
}

/// Builds the field index of `raw[offset..]` (see `parse::index_blocks`).
pub(crate) fn index(raw: &[u8], offset: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>) {
    // SAFETY: only called when `simd::tier()` is `Avx512`, so the CPU has every feature.
    unsafe { index_kernel(raw, offset, fields, starts) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
unsafe fn index_kernel(raw: &[u8], offset: usize, fields: &mut Vec<Field>, starts: &mut Vec<u32>) {
    let (space, pipe) = (_mm512_set1_epi8(b' ' as i8), _mm512_set1_epi8(b'|' as i8));
    let (equals, backslash) = (_mm512_set1_epi8(b'=' as i8), _mm512_set1_epi8(b'\\' as i8));
    index_blocks(raw, offset, fields, starts, |at| {
        // SAFETY: `index_blocks` asks only for blocks starting inside `raw`.
        let (v, valid) = unsafe { load64(raw, at) };
        let pipes = _mm512_cmpeq_epi8_mask(v, pipe) & valid;
        BlockMasks {
            ends: _mm512_cmpeq_epi8_mask(v, space) & valid | pipes,
            pipes,
            equals: _mm512_cmpeq_epi8_mask(v, equals) & valid,
            backslashes: _mm512_cmpeq_epi8_mask(v, backslash) & valid,
        }
    });
}
