//! Fixed-window counters per key (an account, a client address): "at most N events per window".
//! In memory, per process: with several instances behind a balancer each keeps its own count,
//! so the effective limit is N per instance (documented in the README).
//!
//! Memory is bounded: at most [`MAX_KEYS`] keys per counter set, expired windows are dropped in
//! the order they started (O(1) amortized per event, never a scan under the lock), and beyond the
//! bound the oldest windows are forgotten first. Written by hand rather than on a cache crate
//! because the counts must follow the service's clock (tests move it) and a cache's admission
//! policy may decline to store a new counter, which would silently lift a limit.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

/// The most keys one counter set tracks. An attacker who makes this many keys (addresses,
/// accounts) within one window can push the oldest ones out early; each key costs well under
/// 200 bytes, so the bound is a few MB per set.
pub const MAX_KEYS: usize = 50_000;

/// Event counts per key within fixed windows that start with each key's first event. Not
/// synchronised: callers that need several sets to move together hold one lock over them.
#[derive(Debug)]
pub struct WindowCounts {
    window: Duration,
    max_keys: usize,
    windows: HashMap<String, Window>,
    /// Window starts in the order they happened, with their key: the front expires first. An
    /// entry whose key has since been cleared or restarted is stale and skipped when popped.
    starts: VecDeque<(DateTime<Utc>, String)>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    count: u32,
}

impl WindowCounts {
    pub fn new(window: std::time::Duration) -> Self {
        Self::with_max_keys(window, MAX_KEYS)
    }

    pub fn with_max_keys(window: std::time::Duration, max_keys: usize) -> Self {
        Self {
            window: Duration::from_std(window).unwrap_or(Duration::minutes(15)),
            max_keys: max_keys.max(1),
            windows: HashMap::new(),
            starts: VecDeque::new(),
        }
    }

    /// Events counted for `key` in its current window.
    pub fn count(&mut self, key: &str, now: DateTime<Utc>) -> u32 {
        self.expire(now);
        self.windows.get(key).map_or(0, |w| w.count)
    }

    /// Seconds until `key`'s window ends (at least 1).
    pub fn retry_after(&self, key: &str, now: DateTime<Utc>) -> u64 {
        let left = self
            .windows
            .get(key)
            .map_or(0, |w| (w.started + self.window - now).num_seconds());
        u64::try_from(left).unwrap_or(0).max(1)
    }

    /// Counts one event for `key`, starting a window if it has none.
    pub fn add(&mut self, key: &str, now: DateTime<Utc>) {
        self.expire(now);
        if let Some(window) = self.windows.get_mut(key) {
            window.count += 1;
            return;
        }
        while self.windows.len() >= self.max_keys {
            self.forget_oldest();
        }
        self.windows.insert(
            key.to_owned(),
            Window {
                started: now,
                count: 1,
            },
        );
        self.starts.push_back((now, key.to_owned()));
        self.compact_if_mostly_stale();
    }

    /// Takes back one event of `key` (an attempt that turned out not to count).
    pub fn take_back(&mut self, key: &str) {
        if let Some(window) = self.windows.get_mut(key) {
            window.count = window.count.saturating_sub(1);
        }
    }

    /// Forgets `key`'s window.
    pub fn clear(&mut self, key: &str) {
        self.windows.remove(key);
    }

    /// Drops the windows that have ended, oldest first.
    fn expire(&mut self, now: DateTime<Utc>) {
        while let Some((started, _)) = self.starts.front() {
            if *started + self.window > now {
                break;
            }
            self.forget_oldest();
        }
    }

    /// Removes the oldest window start, and its window if it is still that key's current one.
    fn forget_oldest(&mut self) {
        let Some((started, key)) = self.starts.pop_front() else {
            return;
        };
        if self.windows.get(&key).is_some_and(|w| w.started == started) {
            self.windows.remove(&key);
        }
    }

    /// Cleared keys leave stale starts behind; when they outnumber the live windows, drop them
    /// in one pass (amortized over the insertions that made them).
    fn compact_if_mostly_stale(&mut self) {
        if self.starts.len() > 2 * self.windows.len() + 64 {
            let windows = &self.windows;
            self.starts
                .retain(|(started, key)| windows.get(key).is_some_and(|w| w.started == *started));
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> (usize, usize) {
        (self.windows.len(), self.starts.len())
    }
}

/// "At most `max` events per window per key", shareable between threads.
#[derive(Debug)]
pub struct WindowLimiter {
    max: u32,
    counts: Mutex<WindowCounts>,
}

impl WindowLimiter {
    pub fn new(max: u32, window: std::time::Duration) -> Self {
        Self {
            max,
            counts: Mutex::new(WindowCounts::new(window)),
        }
    }

    /// Counts one event for `key`, or `Err(seconds until its window ends)` when it has used up
    /// its events (the refused event is not counted).
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.count(key, now) >= self.max {
            return Err(counts.retry_after(key, now));
        }
        counts.add(key, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

    #[test]
    fn the_limit_holds_until_the_window_ends() {
        let limiter = WindowLimiter::new(2, MINUTE);
        let t0 = Utc::now();
        assert!(limiter.hit("k", t0).is_ok());
        assert!(limiter.hit("k", t0).is_ok());
        assert_eq!(limiter.hit("k", t0 + Duration::seconds(10)), Err(50));
        assert!(limiter.hit("other", t0).is_ok());
        assert!(limiter.hit("k", t0 + Duration::seconds(60)).is_ok());
    }

    #[test]
    fn taking_back_and_clearing_free_the_key() {
        let mut counts = WindowCounts::new(MINUTE);
        let t0 = Utc::now();
        counts.add("k", t0);
        counts.add("k", t0);
        counts.take_back("k");
        assert_eq!(counts.count("k", t0), 1);
        counts.clear("k");
        assert_eq!(counts.count("k", t0), 0);
        counts.add("k", t0 + Duration::seconds(30));
        // The stale start of the cleared window must not end the new one early.
        assert_eq!(counts.count("k", t0 + Duration::seconds(70)), 1);
        assert_eq!(counts.count("k", t0 + Duration::seconds(90)), 0);
    }

    #[test]
    fn memory_stays_bounded_whatever_the_number_of_keys() {
        let mut counts = WindowCounts::with_max_keys(MINUTE, 100);
        let t0 = Utc::now();
        for i in 0..10_000 {
            counts.add(&format!("address-{i}"), t0);
        }
        let (windows, starts) = counts.tracked();
        assert_eq!(windows, 100, "the oldest keys were forgotten");
        assert!(starts <= 100, "no stale starts pile up: {starts}");
        // The newest keys are still counted.
        assert_eq!(counts.count("address-9999", t0), 1);
        assert_eq!(counts.count("address-0", t0), 0);
        // Clearing and restarting keys does not grow the start queue without bound.
        for i in 0..10_000 {
            counts.clear("address-9999");
            counts.add("address-9999", t0 + Duration::milliseconds(i));
        }
        let (windows, starts) = counts.tracked();
        assert!(windows <= 100 && starts <= 2 * windows + 65, "{windows} {starts}");
    }

    #[test]
    fn expired_windows_are_dropped_as_time_passes() {
        let mut counts = WindowCounts::new(MINUTE);
        let t0 = Utc::now();
        for i in 0..1_000 {
            counts.add(&format!("k{i}"), t0);
        }
        counts.add("late", t0 + Duration::seconds(59));
        assert_eq!(counts.count("late", t0 + Duration::seconds(61)), 1);
        assert_eq!(counts.tracked(), (1, 1));
    }
}
