//! Incremental line framing: bytes in any chunking, whole lines out.
//!
//! Servers end lines with `\n\r`; `\r\n` and a bare `\n` are accepted too. A line ends at its
//! `\n`, so a response is complete as soon as its last `\n` arrives (the server's trailing `\r`
//! is stripped from the start of the next line).
//!
//! Each [`push`](LineFramer::push) copies the complete lines it brings into one buffer, once,
//! and lines are handed out as [`Bytes`] slices of it: no allocation per line, and none per
//! read once the lines of earlier reads have been dropped (the buffer is then reused).
//! An unfinished line waits in a growable buffer, so a long line arriving in many small reads
//! is still copied a bounded number of times.

use std::collections::VecDeque;
use std::ops::Range;

use bytes::{Bytes, BytesMut};
use memchr::{memchr, memrchr};

use crate::scan::positions;

/// Default maximum line length: 16 MiB, far above any real response line.
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

/// How many leading bytes of an over-long line are kept, to tell what it was.
pub const TOO_LONG_PREFIX: usize = 32;

/// One unit of framed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line without its terminator (possibly empty).
    Line(Bytes),
    /// A line longer than the maximum; its bytes were dropped up to its end.
    TooLong {
        /// Length of the dropped line.
        len: usize,
        /// Its first bytes (at most [`TOO_LONG_PREFIX`]).
        prefix: Bytes,
    },
}

/// A frame whose line is still in the framer's buffer (see [`LineFramer::next_span`]).
pub(crate) enum Span {
    /// Where the line lies in the buffer.
    Line(Range<usize>),
    /// As [`Frame::TooLong`].
    TooLong { len: usize, prefix: Bytes },
}

/// Splits a byte stream into lines.
///
/// ```
/// use ts3q::framing::{Frame, LineFramer};
/// let mut f = LineFramer::new(1024);
/// f.push(b"error id=0 msg=ok\n");
/// f.push(b"\rnext");
/// assert_eq!(f.next_frame(), Some(Frame::Line("error id=0 msg=ok".into())));
/// assert_eq!(f.next_frame(), None); // "next" is not complete yet
/// ```
#[derive(Debug)]
pub struct LineFramer {
    /// Complete lines not yet returned: `lines[pos..]` (it always ends with `\n`).
    lines: Bytes,
    /// The buffer `lines` is split from: each read's complete lines are copied into it once,
    /// and it is reused when nothing holds the lines of earlier reads any more.
    buf: BytesMut,
    pos: usize,
    /// Where each `\n` of `lines` is, found in one pass when `lines` was filled; the next line
    /// ends at `newlines[next]`.
    newlines: Vec<usize>,
    next: usize,
    /// The unfinished line after them (no `\n` in it).
    partial: BytesMut,
    max_line: usize,
    /// The over-long line being skipped, when its end has not arrived yet.
    discard: Option<Discard>,
    /// Skipped lines whose end arrived, each reported once `pos` reaches its place in `lines`.
    skipped: VecDeque<(usize, Discard)>,
}

#[derive(Debug, Default)]
struct Discard {
    /// Bytes skipped so far (leading `\r`s not counted).
    len: usize,
    /// The first [`TOO_LONG_PREFIX`] of them.
    prefix: BytesMut,
    /// Whether the last byte skipped was `\r` (the line's terminator, when `\n` follows).
    last_cr: bool,
}

impl Discard {
    fn skip(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
        let room = TOO_LONG_PREFIX - self.prefix.len();
        self.prefix
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        if let Some(&last) = bytes.last() {
            self.last_cr = last == b'\r';
        }
    }

    /// The frame once the line's `\n` arrived: its length and prefix as if it had come whole.
    fn finish(self) -> Span {
        let len = self.len - usize::from(self.last_cr);
        let mut prefix = self.prefix.freeze();
        prefix.truncate(len);
        Span::TooLong { len, prefix }
    }
}

/// Leading `\r` bytes (the tail of the previous line's `\n\r`).
fn leading_crs(b: &[u8]) -> usize {
    b.iter().take_while(|&&b| b == b'\r').count()
}

impl LineFramer {
    /// A framer that rejects lines longer than `max_line` bytes (terminators not counted).
    pub fn new(max_line: usize) -> Self {
        LineFramer {
            lines: Bytes::new(),
            buf: BytesMut::new(),
            pos: 0,
            newlines: Vec::new(),
            next: 0,
            partial: BytesMut::new(),
            max_line: max_line.max(1),
            discard: None,
            skipped: VecDeque::new(),
        }
    }

    /// The configured maximum line length.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Appends received bytes. Call [`next_frame`](Self::next_frame) until it returns `None`
    /// before the next push: lines not taken yet are copied again along with the next push's.
    pub fn push(&mut self, mut data: &[u8]) {
        if let Some(d) = &mut self.discard {
            // Skipping an over-long line: only its end is of interest, copy nothing before it.
            match memchr(b'\n', data) {
                None => {
                    d.skip(data);
                    return;
                }
                Some(i) => {
                    d.skip(&data[..i]);
                    data = &data[i + 1..];
                    if let Some(d) = self.discard.take() {
                        // After every complete line received before it.
                        self.skipped.push_back((self.lines.len(), d));
                    }
                }
            }
        }
        match memrchr(b'\n', data) {
            // No line ends here: the unfinished line grows (amortized, never copied again
            // until it ends).
            None => {
                self.partial.extend_from_slice(data);
                self.check_partial();
            }
            Some(last) => {
                let (complete, rest) = data.split_at(last + 1);
                let lines = std::mem::take(&mut self.lines);
                let needed = lines.len() - self.pos + self.partial.len() + complete.len();
                if self.pos == lines.len() {
                    // Released first: once the lines of earlier reads are dropped too, a
                    // buffer is unique again and is reused in place.
                    drop(lines);
                    self.reclaim(needed);
                } else {
                    self.reclaim(needed);
                    self.buf.extend_from_slice(&lines[self.pos..]);
                }
                self.buf.extend_from_slice(&self.partial);
                self.buf.extend_from_slice(complete);
                for (at, _) in &mut self.skipped {
                    *at = at.saturating_sub(self.pos);
                }
                self.lines = self.buf.split().freeze();
                self.pos = 0;
                self.newlines.clear();
                self.next = 0;
                positions(&self.lines, b'\n', &mut self.newlines);
                self.partial.clear();
                self.partial.extend_from_slice(rest);
                self.check_partial();
            }
        }
    }

    /// Room for `needed` bytes in `buf`: in place when nothing holds its earlier lines any
    /// more, else in a new buffer with room to spare, so that the next read, a little longer,
    /// still fits.
    fn reclaim(&mut self, needed: usize) {
        if !self.buf.try_reclaim(needed) {
            self.buf.reserve(needed + needed.min(1 << 20));
        }
    }

    /// Starts skipping the unfinished line once it is longer than the maximum.
    fn check_partial(&mut self) {
        let crs = leading_crs(&self.partial);
        // A trailing `\r` may be the terminator's, not the line's.
        let cr = usize::from(self.partial.len() > crs && self.partial.last() == Some(&b'\r'));
        if self.partial.len() - crs - cr > self.max_line {
            let mut d = Discard::default();
            d.skip(&self.partial[crs..]);
            self.discard = Some(d);
            // Released, not kept: it grew to the maximum line length.
            self.partial = BytesMut::new();
        }
    }

    /// Releases the buffers when they hold nothing (an idle connection then holds none).
    pub fn shrink_to_fit(&mut self) {
        if self.pos == self.lines.len() {
            self.lines = Bytes::new();
            self.pos = 0;
            self.newlines = Vec::new();
            self.next = 0;
            self.buf = BytesMut::new();
        }
        if self.partial.is_empty() {
            self.partial = BytesMut::new();
        }
    }

    /// Bytes received but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.lines.len() - self.pos + self.partial.len()
    }

    /// The next complete frame, if any.
    pub fn next_frame(&mut self) -> Option<Frame> {
        Some(match self.next_span()? {
            Span::Line(range) => Frame::Line(self.cut(range)),
            Span::TooLong { len, prefix } => Frame::TooLong { len, prefix },
        })
    }

    /// The next frame, its line not cut from the buffer yet: [`peek`](Self::peek) at it, and
    /// [`cut`](Self::cut) it only to keep it (a line read and dropped costs no reference).
    pub(crate) fn next_span(&mut self) -> Option<Span> {
        if self.skipped.front().is_some_and(|(at, _)| *at <= self.pos) {
            let (_, d) = self.skipped.pop_front()?;
            return Some(d.finish());
        }
        let end = self.next_newline()?;
        let mut start = self.pos + leading_crs(&self.lines[self.pos..end]);
        self.pos = end + 1;
        let mut end = end;
        if end > start && self.lines[end - 1] == b'\r' {
            end -= 1;
        }
        start = start.min(end);
        if end - start > self.max_line {
            let keep = (end - start).min(TOO_LONG_PREFIX);
            return Some(Span::TooLong {
                len: end - start,
                prefix: self.lines.slice(start..start + keep),
            });
        }
        Some(Span::Line(start..end))
    }

    /// The bytes of a line from [`next_span`](Self::next_span).
    #[inline]
    pub(crate) fn peek(&self, range: &Range<usize>) -> &[u8] {
        &self.lines[range.clone()]
    }

    /// A line from [`next_span`](Self::next_span), to keep (no copy).
    #[inline]
    pub(crate) fn cut(&self, range: Range<usize>) -> Bytes {
        self.lines.slice(range)
    }

    /// The next `\n` of `lines`, at or after `pos`.
    #[inline]
    fn next_newline(&mut self) -> Option<usize> {
        let at = *self.newlines.get(self.next)?;
        self.next += 1;
        Some(at)
    }

    /// Takes what is left at end of input: an unterminated line, if it holds anything but `\r`.
    pub fn take_partial(&mut self) -> Option<Bytes> {
        if let Some(d) = self.discard.take() {
            self.partial.clear();
            return Some(d.prefix.freeze());
        }
        let mut rest = self.partial.split().freeze();
        let _ = rest.split_to(leading_crs(&rest));
        (!rest.is_empty()).then_some(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(f: &mut LineFramer) -> Vec<Frame> {
        std::iter::from_fn(|| f.next_frame()).collect()
    }

    fn line(s: &str) -> Frame {
        Frame::Line(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn all_line_endings() {
        let mut f = LineFramer::new(100);
        f.push(b"a\n\rb\r\nc\nd\n\r");
        assert_eq!(
            lines(&mut f),
            vec![line("a"), line("b"), line("c"), line("d")]
        );
        assert_eq!(f.take_partial(), None);
    }

    #[test]
    fn byte_by_byte() {
        let input = b"TS3\n\rWelcome\n\rerror id=0 msg=ok\n\r";
        let mut f = LineFramer::new(100);
        let mut out = Vec::new();
        for b in input {
            f.push(&[*b]);
            out.extend(lines(&mut f));
        }
        assert_eq!(
            out,
            vec![line("TS3"), line("Welcome"), line("error id=0 msg=ok")]
        );
    }

    #[test]
    fn too_long_in_one_chunk_then_recovers() {
        let mut f = LineFramer::new(4);
        f.push(b"abcdefgh\n\rok\n\r");
        assert_eq!(
            lines(&mut f),
            vec![
                Frame::TooLong {
                    len: 8,
                    prefix: Bytes::from_static(b"abcdefgh")
                },
                line("ok")
            ]
        );
    }

    #[test]
    fn too_long_across_chunks_then_recovers() {
        let mut f = LineFramer::new(4);
        let mut out = Vec::new();
        for chunk in [&b"\rabc"[..], b"def", b"ghij", b"kl\n\rab\n", b"\r"] {
            f.push(chunk);
            out.extend(lines(&mut f));
        }
        assert_eq!(
            out,
            vec![
                Frame::TooLong {
                    len: 12,
                    prefix: Bytes::from_static(b"abcdefghijkl")
                },
                line("ab")
            ]
        );
        assert!(f.buffered() <= 1);
    }

    #[test]
    fn partial_at_eof() {
        let mut f = LineFramer::new(100);
        f.push(b"done\n\rerror id=0 ms");
        assert_eq!(lines(&mut f), vec![line("done")]);
        assert_eq!(f.take_partial(), Some(Bytes::from_static(b"error id=0 ms")));
    }

    /// What framing the whole input at once gives: the reference for any chunking.
    fn whole(input: &[u8], max: usize) -> (Vec<Frame>, Option<Bytes>) {
        let mut frames = Vec::new();
        let mut parts: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        let tail = parts.pop().unwrap_or_default();
        for part in parts {
            let mut line = &part[leading_crs(part)..];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            frames.push(if line.len() > max {
                Frame::TooLong {
                    len: line.len(),
                    prefix: Bytes::copy_from_slice(&line[..line.len().min(TOO_LONG_PREFIX)]),
                }
            } else {
                Frame::Line(Bytes::copy_from_slice(line))
            });
        }
        let tail = &tail[leading_crs(tail)..];
        let partial = (!tail.is_empty()).then(|| {
            Bytes::copy_from_slice(
                &tail[..tail.len().min(if tail.len() > max {
                    TOO_LONG_PREFIX
                } else {
                    tail.len()
                })],
            )
        });
        (frames, partial)
    }

    proptest::proptest! {
        /// Any chunking, drained after every push or only at the end, frames as the whole
        /// input does, over-long lines included.
        #[test]
        fn any_chunking_frames_as_the_whole(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'b', b' ', b'\r', b'\n']), 0..300),
            cuts in proptest::collection::vec(0usize..300, 0..12),
            max in 1usize..40,
            drain_each in proptest::bool::ANY,
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(input.len())).collect();
            cuts.push(0);
            cuts.push(input.len());
            cuts.sort_unstable();
            let mut f = LineFramer::new(max);
            let mut got = Vec::new();
            for w in cuts.windows(2) {
                f.push(&input[w[0]..w[1]]);
                if drain_each {
                    got.extend(lines(&mut f));
                }
            }
            got.extend(lines(&mut f));
            let (frames, partial) = whole(&input, max);
            proptest::prop_assert_eq!(got, frames);
            proptest::prop_assert_eq!(f.take_partial(), partial);
        }
    }
}
