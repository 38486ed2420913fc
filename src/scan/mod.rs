//! Byte scanning, the hot loops under [`escape`](crate::escape) and [`parse`](crate::parse):
//! the field indexer and the escape and unescape passes, each portable and with SIMD kernels
//! picked at run time. It imports nothing from the rest of the crate, which calls into it.
//!
//! - [`table`]: the manual's escape table as lookup tables;
//! - `swar`: eight bytes at a time in a `u64` (the portable code's one bit trick);
//! - `fields`: the field index of a line;
//! - `text`: escaping and unescaping;
//! - `simd`: the AVX2 and AVX-512 kernels, the crate's only `unsafe` code.

mod fields;
pub(crate) mod simd;
pub(crate) mod swar;
pub(crate) mod table;
mod text;

pub(crate) use fields::{index, Field, CLEAN, MAX_LINE};
pub(crate) use text::{escape_from, find_backslash, find_escapable, unescape_from};
#[cfg(feature = "serde")]
pub(crate) use text::{unescape_into_slice, SHORT_TEXT};
/// Appends the position of every `byte` in `src`, in order: one pass 64 bytes at a time.
pub(crate) fn positions(src: &[u8], byte: u8, out: &mut Vec<usize>) {
    simd::dispatch!(
        simd::avx2::positions(src, byte, out),
        simd::avx2::positions(src, byte, out),
        swar::portable_positions(src, byte, out),
    )
}

// The portable twins, for `internals` (fuzzing and benchmarks compare the two).
#[cfg(feature = "internals")]
pub(crate) use fields::portable_index;
#[cfg(feature = "internals")]
pub(crate) use text::{portable_escape, portable_find_escapable, portable_unescape};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every tier this CPU runs finds the bytes a plain search finds, at any length
        /// (whole 64-byte blocks and the tail).
        #[test]
        fn positions_match_a_plain_search(
            src in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'\n', b'\r', b' ', 0xff]), 0..400),
        ) {
            let want: Vec<usize> = src
                .iter()
                .enumerate()
                .filter_map(|(i, &b)| (b == b'\n').then_some(i))
                .collect();
            let mut got = Vec::new();
            swar::portable_positions(&src, b'\n', &mut got);
            prop_assert_eq!(&got, &want);
            #[cfg(target_arch = "x86_64")]
            if simd::detect() >= simd::Tier::Avx2 {
                got.clear();
                simd::avx2::positions(&src, b'\n', &mut got);
                prop_assert_eq!(&got, &want);
            }
        }
    }
}
