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
///
/// ```
/// use ts3q::parse::{classify, LineKind};
/// assert_eq!(classify(b"error id=0 msg=ok"), LineKind::Status);
/// assert_eq!(classify(b"notifytextmessage targetmode=3 msg=hi"), LineKind::Event);
/// assert_eq!(classify(b"notify"), LineKind::Data);
/// assert_eq!(classify(b"errors=1"), LineKind::Data);
/// assert_eq!(classify(b"  "), LineKind::Blank);
/// ```
#[inline]
pub fn classify(line: &[u8]) -> LineKind {
    // Decided by the first byte for most lines: data lines start with a key, never with
    // `error ` or `notify`, and need no search for the end of their first word.
    match line.first() {
        None => LineKind::Blank,
        Some(b'e') if line.starts_with(b"error") && matches!(line.get(5), None | Some(b' ')) => {
            LineKind::Status
        }
        Some(b'n') if line.starts_with(b"notify") => {
            let word = &line[..memchr(b' ', line).unwrap_or(line.len())];
            if word.len() > 6
                && word[6..]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                LineKind::Event
            } else {
                LineKind::Data
            }
        }
        Some(b' ') if line.iter().all(|&b| b == b' ') => LineKind::Blank,
        Some(_) => LineKind::Data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first-word rules, spelled out slowly: the reference for the fast path.
    fn by_first_word(line: &[u8]) -> LineKind {
        let word = &line[..memchr(b' ', line).unwrap_or(line.len())];
        if word.is_empty() {
            if line.iter().all(|&b| b == b' ') {
                LineKind::Blank
            } else {
                LineKind::Data
            }
        } else if word == b"error" {
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

    proptest::proptest! {
        #[test]
        fn fast_classify_matches_the_first_word_rules(
            head in proptest::sample::select(vec!["", "error", "notify", "notifycliententerview", "e", "n", " ", "errorx", "notify-x"]),
            tail in "[ a-z_=|!-]{0,12}",
        ) {
            let line = format!("{head}{tail}");
            proptest::prop_assert_eq!(classify(line.as_bytes()), by_first_word(line.as_bytes()));
        }
    }
}
