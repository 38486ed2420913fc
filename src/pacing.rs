//! Flood pacing: at most N commands in any window of W seconds, measured at our send times.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The server's flood limit, which the machine paces commands to stay under.
///
/// The server counts commands as they arrive, so a burst sent exactly `window` apart can still
/// land inside one window after network jitter; `margin` is added to the window for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimit {
    /// Commands allowed per window (server default: 10).
    pub commands: u32,
    /// The window (server default: 3 s).
    pub window: Duration,
    /// Extra time added to the window against jitter.
    pub margin: Duration,
}

impl Default for FloodLimit {
    /// The TeamSpeak server's defaults, `serverinstance_serverquery_flood_commands=10` and
    /// `serverinstance_serverquery_flood_time=3`, with a 100 ms margin.
    fn default() -> FloodLimit {
        FloodLimit {
            commands: 10,
            window: Duration::from_secs(3),
            margin: Duration::from_millis(100),
        }
    }
}

/// Remembers the send times of the last `commands` commands.
#[derive(Debug, Clone)]
pub(crate) struct Pacer {
    limit: Option<FloodLimit>,
    sent: VecDeque<Instant>,
}

impl Pacer {
    pub(crate) fn new(limit: Option<FloodLimit>) -> Pacer {
        Pacer {
            limit: limit.filter(|l| l.commands > 0),
            sent: VecDeque::new(),
        }
    }

    /// When the next command may go; `None` when it may go now.
    pub(crate) fn next_slot(&self) -> Option<Instant> {
        let limit = self.limit?;
        if self.sent.len() < limit.commands as usize {
            return None;
        }
        // The oldest of the last `commands` sends must leave the window first.
        let oldest = self.sent[self.sent.len() - limit.commands as usize];
        Some(oldest + limit.window + limit.margin)
    }

    pub(crate) fn record(&mut self, now: Instant) {
        if let Some(limit) = self.limit {
            self.sent.push_back(now);
            while self.sent.len() > limit.commands as usize {
                self.sent.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let t0 = Instant::now();
        let limit = FloodLimit {
            commands: 3,
            window: Duration::from_secs(3),
            margin: Duration::ZERO,
        };
        let mut p = Pacer::new(Some(limit));
        for i in 0..3 {
            assert_eq!(p.next_slot(), None);
            p.record(t0 + Duration::from_secs(i));
        }
        assert_eq!(p.next_slot(), Some(t0 + Duration::from_secs(3)));
        p.record(t0 + Duration::from_secs(3));
        assert_eq!(p.next_slot(), Some(t0 + Duration::from_secs(4)));
    }

    #[test]
    fn off() {
        let mut p = Pacer::new(None);
        for _ in 0..100 {
            p.record(Instant::now());
        }
        assert_eq!(p.next_slot(), None);
        assert_eq!(
            Pacer::new(Some(FloodLimit {
                commands: 0,
                ..Default::default()
            }))
            .next_slot(),
            None
        );
    }
}
