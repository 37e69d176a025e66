//! Fixed-window counters per key (an account, a client address): "at most N events per window".
//! In memory, per process: with several instances behind a balancer each keeps its own count,
//! so the effective limit is N per instance (documented in the README).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Beyond this many tracked keys, expired windows are swept on insert.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct WindowLimiter {
    max: u32,
    window: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    count: u32,
}

impl WindowLimiter {
    pub fn new(max: u32, window: std::time::Duration) -> Self {
        Self {
            max,
            window: Duration::from_std(window).unwrap_or(Duration::minutes(15)),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds until the window ends)` when `key` has used up its events.
    pub fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get(key) {
            Some(w) if w.started + self.window > now && w.count >= self.max => Err(self.retry_after(w, now)),
            _ => Ok(()),
        }
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str, now: DateTime<Utc>) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > SWEEP_ABOVE {
            let window = self.window;
            windows.retain(|_, w| w.started + window > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        if entry.started + self.window <= now {
            *entry = Window {
                started: now,
                count: 0,
            };
        }
        entry.count += 1;
    }

    /// Checks, then counts: for events that always count (submissions).
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        self.check(key, now)?;
        self.record(key, now);
        Ok(())
    }

    /// Forgets `key` (a successful login clears its account's failures).
    pub fn clear(&self, key: &str) {
        self.windows.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    fn retry_after(&self, w: &Window, now: DateTime<Utc>) -> u64 {
        let left = (w.started + self.window - now).num_seconds();
        u64::try_from(left).unwrap_or(0).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_until_the_window_ends() {
        let limiter = WindowLimiter::new(2, std::time::Duration::from_secs(60));
        let t0 = Utc::now();
        assert!(limiter.hit("k", t0).is_ok());
        assert!(limiter.hit("k", t0).is_ok());
        assert_eq!(limiter.hit("k", t0 + Duration::seconds(10)), Err(50));
        assert!(limiter.hit("other", t0).is_ok());
        assert!(limiter.hit("k", t0 + Duration::seconds(60)).is_ok());
        limiter.clear("k");
        assert!(limiter.check("k", t0).is_ok());
    }
}
