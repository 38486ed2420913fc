//! Incremental line framing: bytes in any chunking, whole lines out.
//!
//! Servers end lines with `\n\r`; `\r\n` and a bare `\n` are accepted too. A line ends at its
//! `\n`, so a response is complete as soon as its last `\n` arrives (the server's trailing `\r`
//! is stripped from the start of the next line). Lines are split off the receive buffer as
//! [`Bytes`] without copying.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memchr;

use crate::scan::find_byte;

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
    buf: BytesMut,
    /// Bytes of `buf` already searched for `\n` (keeps scanning O(n) over split reads).
    scanned: usize,
    max_line: usize,
    discard: Option<Discard>,
}

#[derive(Debug)]
struct Discard {
    len: usize,
    prefix: Bytes,
}

impl LineFramer {
    /// A framer that rejects lines longer than `max_line` bytes (terminators not counted).
    pub fn new(max_line: usize) -> Self {
        LineFramer {
            buf: BytesMut::new(),
            scanned: 0,
            max_line: max_line.max(1),
            discard: None,
        }
    }

    /// The configured maximum line length.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Appends received bytes. Call [`next_frame`](Self::next_frame) until it returns `None`.
    pub fn push(&mut self, data: &[u8]) {
        if let Some(d) = &mut self.discard {
            if self.buf.is_empty() {
                // Skipping an over-long line: only its end is of interest, copy nothing before it.
                match memchr(b'\n', data) {
                    None => {
                        d.len += data.len();
                        return;
                    }
                    Some(i) => {
                        d.len += i;
                        self.buf.extend_from_slice(&data[i..]);
                        return;
                    }
                }
            }
        }
        self.buf.extend_from_slice(data);
    }

    /// Releases the buffer when it holds nothing (an idle connection then holds no buffer).
    pub fn shrink_to_fit(&mut self) {
        if self.buf.is_empty() {
            self.buf = BytesMut::new();
            self.scanned = 0;
        }
    }

    /// Bytes received but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame, if any.
    pub fn next_frame(&mut self) -> Option<Frame> {
        if let Some(d) = &mut self.discard {
            return match memchr(b'\n', &self.buf) {
                None => {
                    d.len += self.buf.len();
                    self.buf.clear();
                    None
                }
                Some(i) => {
                    d.len += i;
                    self.buf.advance(i + 1);
                    let d = self.discard.take()?;
                    Some(Frame::TooLong {
                        len: d.len,
                        prefix: d.prefix,
                    })
                }
            };
        }
        match find_byte(&self.buf[self.scanned..], b'\n') {
            Some(i) => {
                let end = self.scanned + i;
                let mut line = self.buf.split_to(end + 1);
                self.scanned = 0;
                line.truncate(end);
                let start = line.iter().take_while(|&&b| b == b'\r').count();
                line.advance(start);
                if line.last() == Some(&b'\r') {
                    line.truncate(line.len() - 1);
                }
                if line.len() > self.max_line {
                    let keep = line.len().min(TOO_LONG_PREFIX);
                    return Some(Frame::TooLong {
                        len: line.len(),
                        prefix: line.freeze().slice(..keep),
                    });
                }
                Some(Frame::Line(line.freeze()))
            }
            None => {
                self.scanned = self.buf.len();
                let pending = self.buf.iter().take_while(|&&b| b == b'\r').count();
                if self.buf.len() - pending > self.max_line {
                    self.buf.advance(pending);
                    let keep = self.buf.len().min(TOO_LONG_PREFIX);
                    self.discard = Some(Discard {
                        len: self.buf.len(),
                        prefix: Bytes::copy_from_slice(&self.buf[..keep]),
                    });
                    self.buf.clear();
                    self.scanned = 0;
                }
                None
            }
        }
    }

    /// Takes what is left at end of input: an unterminated line, if it holds anything but `\r`.
    pub fn take_partial(&mut self) -> Option<Bytes> {
        self.scanned = 0;
        if let Some(d) = self.discard.take() {
            self.buf.clear();
            return Some(d.prefix);
        }
        let mut rest = self.buf.split().freeze();
        let start = rest.iter().take_while(|&&b| b == b'\r').count();
        let _ = rest.split_to(start);
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
                    prefix: Bytes::from_static(b"abcdef")
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
}
