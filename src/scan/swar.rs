//! SWAR: eight bytes tested at once in a `u64`.

/// The 8 bytes at the start of `w` as a little-endian word.
#[inline(always)]
pub(crate) fn word(w: &[u8]) -> u64 {
    u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
}

/// High bit set in every byte of `w` equal to `byte`; exact (no carries between bytes).
#[inline(always)]
pub(crate) fn matching_bytes(w: u64, byte: u8) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    !(((x & LO7).wrapping_add(LO7)) | x | LO7)
}

/// First `byte` in `s`. Lines and escapes are usually short: up to 128 bytes are tested eight
/// at a time here, which beats a `memchr` call's set-up there; a longer search goes to memchr.
#[inline(always)]
pub(crate) fn find_byte(s: &[u8], byte: u8) -> Option<usize> {
    let mut base = 0;
    while base + 8 <= s.len() && base < 128 {
        let hits = matching_bytes(word(&s[base..base + 8]), byte);
        if hits != 0 {
            return Some(base + (hits.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    if base < 128 {
        return s[base..].iter().position(|&b| b == byte).map(|p| base + p);
    }
    memchr::memchr(byte, &s[base..]).map(|p| base + p)
}
