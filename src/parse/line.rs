//! What a received line is, by its first word.

use memchr::memchr;

/// What a received line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Empty (or only spaces): ignored.
    Blank,
    /// `error id=...`: ends a response.
    Status,
    /// `notify...`: an event.
    Event,
    /// Anything else: data of the response in flight.
    Data,
}

/// Classifies a line by its first word.
pub fn classify(line: &[u8]) -> LineKind {
    let word_end = memchr(b' ', line).unwrap_or(line.len());
    let word = &line[..word_end];
    if word.is_empty() {
        return if line.iter().all(|&b| b == b' ') {
            LineKind::Blank
        } else {
            LineKind::Data
        };
    }
    if word == b"error" {
        LineKind::Status
    } else if word.len() > 6
        && word.starts_with(b"notify")
        && word.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        LineKind::Event
    } else {
        LineKind::Data
    }
}
