//! Hooks for the crate's own fuzz targets and benchmarks (feature `internals`): the portable
//! twins of the SIMD paths and the kernel tier switch. Not a stable API.

use bytes::{BufMut, Bytes};

use crate::error::ParseError;
use crate::parse::Items;
pub use crate::scan::simd::{detect, use_tier, Tier};

/// `escape_into` without the SIMD kernels.
pub fn portable_escape_into<B: BufMut>(value: &[u8], out: &mut B) {
    crate::scan::portable_escape(value, out)
}

/// `unescape_into` without the SIMD kernels.
pub fn portable_unescape_into(value: &[u8], out: &mut Vec<u8>) {
    crate::scan::portable_unescape(value, out)
}

/// `needs_escaping` without the SIMD kernels.
pub fn portable_needs_escaping(s: &[u8]) -> bool {
    crate::scan::portable_find_escapable(s).is_some()
}

/// `Items::parse` without the SIMD indexer.
pub fn parse_portable(raw: Bytes) -> Result<Items, ParseError> {
    Items::index_with(raw, 0, crate::scan::portable_index)
}

/// The position of every `byte` in `src` (the framer's newline search), with the tier in use.
pub fn positions(src: &[u8], byte: u8) -> Vec<usize> {
    let mut out = Vec::new();
    crate::scan::positions(src, byte, &mut out);
    out
}

/// [`positions`] without the SIMD kernels.
pub fn portable_positions(src: &[u8], byte: u8) -> Vec<usize> {
    let mut out = Vec::new();
    crate::scan::swar::portable_positions(src, byte, &mut out);
    out
}
