//! SIMD kernels for escaping, unescaping, the field scan and the newline search, and a
//! prefetch hint: the crate's only `unsafe` code.
//!
//! Two tiers on x86-64, picked at run time: `avx512` (AVX-512 BW/VL/VBMI/VBMI2: byte
//! compress and expand in one instruction) and `avx2` (AVX2: the same work with shuffle
//! tables). Every kernel has a portable twin in `escape` or `parse` that gives the same
//! result; the unit tests compare each tier with it, and the fuzz targets compare all tiers on
//! every input. `benches/README.md` has the figures that justify the `unsafe`.
//!
//! Why the `unsafe` is sound, once for all kernels:
//! - a kernel of a tier runs only when `tier` returned that tier, and `tier` never returns
//!   a tier whose features (the kernels' `#[target_feature]` lists) the CPU lacks;
//! - loads read only bytes inside the input slice: whole blocks with unaligned loads, the
//!   tail through AVX-512 masked loads (which never touch masked-off lanes) or from a copy
//!   on the stack;
//! - stores go into a `MaybeUninit` slice or stack array, each after a check that the whole
//!   store fits; only the bytes a kernel reports as written are read back.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU8, Ordering};

use bytes::BufMut;

/// A kernel family. Ordered: a CPU that runs one tier runs the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Tier {
    /// Plain Rust: SWAR and auto-vectorised loops.
    Portable = 1,
    /// x86-64 AVX2 + POPCNT.
    Avx2 = 2,
    /// x86-64 AVX-512 BW/VL/VBMI/VBMI2 + BMI2 + POPCNT.
    Avx512 = 3,
}

/// The tier in use; 0 until first asked.
static ACTIVE: AtomicU8 = AtomicU8::new(0);

/// The tier in use (detected once, then one relaxed load).
#[inline(always)]
pub(crate) fn tier() -> Tier {
    match ACTIVE.load(Ordering::Relaxed) {
        3 => Tier::Avx512,
        2 => Tier::Avx2,
        1 => Tier::Portable,
        _ => {
            let t = detect();
            ACTIVE.store(t as u8, Ordering::Relaxed);
            t
        }
    }
}

/// The best tier this CPU runs.
#[cold]
pub fn detect() -> Tier {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt");
        let avx512 = avx2
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512vbmi")
            && is_x86_feature_detected!("avx512vbmi2")
            && is_x86_feature_detected!("bmi2");
        if avx512 {
            return Tier::Avx512;
        }
        if avx2 {
            return Tier::Avx2;
        }
    }
    Tier::Portable
}

/// Uses `wanted`, or the best tier below it that this CPU runs; returns the tier now in use.
/// For benchmarks and fuzzing that compare tiers; every tier gives the same results.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
pub fn use_tier(wanted: Tier) -> Tier {
    let t = wanted.min(detect());
    ACTIVE.store(t as u8, Ordering::Relaxed);
    t
}

/// Runs the kernel of the tier in use: `dispatch!(avx512 expr, avx2 expr, portable expr)`.
macro_rules! dispatch {
    ($avx512:expr, $avx2:expr, $portable:expr $(,)?) => {{
        #[cfg(target_arch = "x86_64")]
        let r = match $crate::scan::simd::tier() {
            $crate::scan::simd::Tier::Avx512 => $avx512,
            $crate::scan::simd::Tier::Avx2 => $avx2,
            $crate::scan::simd::Tier::Portable => $portable,
        };
        #[cfg(not(target_arch = "x86_64"))]
        let r = $portable;
        r
    }};
}
pub(crate) use dispatch;

/// Asks the CPU to bring `bytes` into its caches ahead of use: a hint, with no effect on any
/// result. Reading a large list's values after indexing it is a second pass over a line too
/// large for the cache; without the hint, each escaped value read waits for memory.
#[inline]
pub(crate) fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut at = 0;
        while at < bytes.len() {
            // SAFETY: a prefetch reads nothing architecturally and never faults; the pointer
            // is inside `bytes` anyway. SSE is part of every x86-64 CPU.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(bytes.as_ptr().add(at).cast());
            }
            at += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Lanes `0..len` of a 64-lane mask (`len` may exceed 64).
#[inline(always)]
pub(crate) fn lanes(len: usize) -> u64 {
    if len >= 64 {
        u64::MAX
    } else {
        (1u64 << len) - 1
    }
}

/// The bytes escaped by a backslash, given the backslash mask of a block that starts at a token
/// boundary (simdjson's odd-run trick): in every run of backslashes, the 2nd, 4th, ... are
/// escaped, and so is the byte after a run of odd length.
#[inline(always)]
pub(crate) fn escaped_by(backslashes: u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let follows = backslashes << 1;
    let odd_starts = backslashes & !EVEN & !follows;
    let (on_even, _) = odd_starts.overflowing_add(backslashes);
    (EVEN ^ (on_even << 1)) & follows
}

/// A kernel that reads from the start of its input into an output slice and returns
/// `(read, written)`, stopping early only when fewer than 64 bytes of output room are left.
type Kernel = unsafe fn(&[u8], &mut [MaybeUninit<u8>]) -> (usize, usize);

/// Appends what `kernel` (an unescape kernel) makes of `src`, written straight into the spare
/// capacity of `out`.
///
/// # Safety
/// The CPU must have the features `kernel` is compiled with.
#[inline(always)]
unsafe fn unescape_with(mut src: &[u8], out: &mut Vec<u8>, kernel: Kernel) {
    while !src.is_empty() {
        // Unescaping never grows the text, and the last store may write 64 bytes past it.
        let room = src.len() + 64;
        if out.capacity() - out.len() < room && src.len() <= SHORT {
            // A short value into a buffer sized to fit it (`unescape_bytes` and `Value::bytes`
            // allocate the escaped length): through a stack block, so the buffer is not
            // reallocated for the kernel's slack.
            let mut stage = [MaybeUninit::<u8>::uninit(); SHORT + 64];
            // SAFETY: the caller vouches for the CPU features.
            let (read, written) = unsafe { kernel(src, &mut stage) };
            // SAFETY: the kernel initialised `stage[..written]`.
            out.extend_from_slice(unsafe {
                std::slice::from_raw_parts(stage.as_ptr().cast::<u8>(), written)
            });
            src = &src[read..];
            continue;
        }
        out.reserve(room);
        let len = out.len();
        // SAFETY: the caller vouches for the CPU features.
        let (read, written) = unsafe { kernel(src, out.spare_capacity_mut()) };
        // SAFETY: the kernel initialised the first `written` bytes of the spare capacity.
        unsafe { out.set_len(len + written) };
        src = &src[read..];
    }
}

/// Values up to this long are unescaped through a stack block when the output has no slack.
const SHORT: usize = 256;

/// Appends what `kernel` (an escape kernel) makes of `src` to `out`, through a stack block.
///
/// # Safety
/// The CPU must have the features `kernel` is compiled with.
#[inline(always)]
unsafe fn escape_with<B: BufMut>(mut src: &[u8], out: &mut B, kernel: Kernel) {
    let mut stage = [MaybeUninit::<u8>::uninit(); 4096];
    while !src.is_empty() {
        // SAFETY: the caller vouches for the CPU features.
        let (read, written) = unsafe { kernel(src, &mut stage) };
        // SAFETY: the kernel initialised `stage[..written]`.
        out.put_slice(unsafe { std::slice::from_raw_parts(stage.as_ptr().cast::<u8>(), written) });
        src = &src[read..];
    }
}
