//! Response deadlines, earliest first.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

/// Deadlines of commands in flight, as `(deadline, seq)`, earliest first.
///
/// Commands mostly share one timeout and go out in order, so their deadlines arrive sorted:
/// those stay in a queue (O(1) each way); only a deadline earlier than the last one (a
/// per-command timeout) goes to a heap.
#[derive(Debug, Default)]
pub(super) struct Deadlines {
    sorted: VecDeque<(Instant, u64)>,
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
}

impl Deadlines {
    pub(super) fn push(&mut self, at: Instant, seq: u64) {
        match self.sorted.back() {
            Some(&(last, _)) if last > at => self.heap.push(Reverse((at, seq))),
            _ => self.sorted.push_back((at, seq)),
        }
    }

    /// The earliest.
    pub(super) fn peek(&self) -> Option<(Instant, u64)> {
        match (self.sorted.front(), self.heap.peek()) {
            (Some(&a), Some(&Reverse(b))) => Some(a.min(b)),
            (Some(&a), None) => Some(a),
            (None, Some(&Reverse(b))) => Some(b),
            (None, None) => None,
        }
    }

    /// Removes the earliest.
    pub(super) fn pop(&mut self) {
        match (self.sorted.front(), self.heap.peek()) {
            (Some(&a), Some(&Reverse(b))) if b < a => {
                self.heap.pop();
            }
            (Some(_), _) => {
                self.sorted.pop_front();
            }
            (None, _) => {
                self.heap.pop();
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.sorted.is_empty() && self.heap.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.sorted.clear();
        self.heap.clear();
    }

    /// Releases the memory when empty.
    pub(super) fn shrink(&mut self) {
        if self.is_empty() {
            *self = Deadlines::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_first_in_and_out_of_order() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut d = Deadlines::default();
        for (at, seq) in [(30, 1), (30, 2), (5, 3), (31, 4), (1, 5), (40, 6)] {
            d.push(t0 + s(at), seq);
        }
        let mut order = Vec::new();
        while let Some((_, seq)) = d.peek() {
            order.push(seq);
            d.pop();
        }
        assert_eq!(order, [5, 3, 1, 2, 4, 6]);
        assert!(d.is_empty());
    }
}
