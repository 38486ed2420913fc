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

/// Appends the position of every `byte` in `src`, in order, 64 bytes per step.
pub(crate) fn portable_positions(src: &[u8], byte: u8, out: &mut Vec<usize>) {
    let mut base = 0;
    while base < src.len() {
        push_bits(portable_byte_mask64(&src[base..], byte), base, out);
        base += 64;
    }
}

/// Appends `base + i` for every bit `i` set in `mask`, lowest first.
#[inline(always)]
pub(crate) fn push_bits(mut mask: u64, base: usize, out: &mut Vec<usize>) {
    while mask != 0 {
        out.push(base + mask.trailing_zeros() as usize);
        mask &= mask - 1;
    }
}

/// Bit `i` set where `block[i] == byte`, for the first 64 bytes of `block` (fewer at its end):
/// eight words tested, each word's eight hits gathered into a byte by one multiply.
#[inline]
fn portable_byte_mask64(block: &[u8], byte: u8) -> u64 {
    let mut mask = 0u64;
    let full = block.len().min(64) / 8 * 8;
    for (k, w) in block[..full].chunks_exact(8).enumerate() {
        let hits = matching_bytes(word(w), byte) >> 7;
        mask |= (hits.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    for (i, &b) in block[full..block.len().min(64)].iter().enumerate() {
        mask |= u64::from(b == byte) << (full + i);
    }
    mask
}
