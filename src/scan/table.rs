//! The manual's escape table as lookup tables.

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
pub(crate) fn needs_escape(b: u8) -> bool {
    (b.wrapping_sub(0x07) < 7) | (b == b' ') | (b == b'/') | (b == b'\\') | (b == b'|')
}
