//! The simulator's time: the system clock, or a manual clock that moves only when told, so
//! that a test replays a run to the second (idle times, uptimes, key expiry, flood windows,
//! file dates). Network timeouts (the idle disconnect, a stalled transfer) always use the
//! system clock: they wait on sockets.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where a simulator's time comes from; clones share it.
///
/// ```
/// use std::time::Duration;
/// use ts3_sim::{Clock, Sim, SimConfig};
/// let clock = Clock::manual(1_700_000_000);
/// let sim = Sim::start(SimConfig { clock: clock.clone(), ..SimConfig::default() }).unwrap();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.unix(), 1_700_000_090);
/// # drop(sim);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Manual>>,
}

#[derive(Debug)]
struct Manual {
    base: Instant,
    base_unix: u64,
    offset: Mutex<Duration>,
}

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that reads `unix_start` (seconds since 1970) and moves only by [`advance`].
    ///
    /// [`advance`]: Clock::advance
    pub fn manual(unix_start: u64) -> Clock {
        Clock {
            manual: Some(Arc::new(Manual {
                base: Instant::now(),
                base_unix: unix_start,
                offset: Mutex::new(Duration::ZERO),
            })),
        }
    }

    /// Moves a manual clock forward by `by`; false (and nothing happens) on the system clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.manual {
            Some(m) => {
                *m.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
                true
            }
            None => false,
        }
    }

    /// Whether it is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// The current instant.
    pub fn now(&self) -> Instant {
        match &self.manual {
            Some(m) => m.base + m.offset(),
            None => Instant::now(),
        }
    }

    /// The current time in seconds since 1970.
    pub fn unix(&self) -> u64 {
        match &self.manual {
            Some(m) => m.base_unix + m.offset().as_secs(),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    /// Time since `then` (zero if `then` is later).
    pub fn since(&self, then: Instant) -> Duration {
        self.now().saturating_duration_since(then)
    }
}

impl Manual {
    fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}
