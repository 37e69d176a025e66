//! The failed-login policy: guessing is slowed per address and per account, and nobody can
//! lock an account's owner out.
//!
//! Within one window (`DATELINE_LOGIN_WINDOW_SECS`):
//! - an address may fail `per_address` times, over all accounts;
//! - an address may fail `per_account` times for one account (the pair's limit); the owner, at
//!   another address, is not affected by it;
//! - once an account has failed `account_ceiling` times from all addresses together, it is under
//!   attack: an address that has already failed on it gets at most one more try per `pace`, so a
//!   botnet's repeated guesses are slowed to a trickle, while an address with no failure on it
//!   (the owner at home) is still answered at once;
//! - a login from a known device (see [`super::device`]) is counted per (account, device) instead
//!   of per address and pair, and is never paced: the owner's own laptop or phone gets
//!   `per_account` tries per window wherever it is, whatever others do.
//!
//! Every attempt is *reserved* before its password is hashed, under one lock, and given back when
//! the password was right (or was never checked): requests that arrive together cannot all pass a
//! check made before any of them has been counted.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::limiter::WindowCounts;

/// The numbers of the policy.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    pub per_account: u32,
    pub per_address: u32,
    pub account_ceiling: u32,
    pub window: std::time::Duration,
    pub pace: std::time::Duration,
}

/// The counts behind the policy, in this process.
#[derive(Debug)]
pub struct LoginLimits {
    policy: LoginPolicy,
    counts: Mutex<Counts>,
}

#[derive(Debug)]
struct Counts {
    addresses: WindowCounts,
    pairs: WindowCounts,
    accounts: WindowCounts,
    /// Accounts under attack that answered a repeated guess within the last `pace`.
    paced: WindowCounts,
    /// Every attempt of a known device, right or wrong: its lane cannot be flooded.
    device_attempts: WindowCounts,
}

/// An attempt counted in advance as a failure; hand it back with [`LoginLimits::succeeded`] or
/// [`LoginLimits::not_checked`].
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    account: String,
    /// `None` for a known device's attempt, which no address counts.
    address: Option<String>,
    pair: String,
}

impl LoginLimits {
    pub fn new(policy: LoginPolicy) -> Self {
        let counts = Counts {
            addresses: WindowCounts::new(policy.window),
            pairs: WindowCounts::new(policy.window),
            accounts: WindowCounts::new(policy.window),
            paced: WindowCounts::new(policy.pace),
            device_attempts: WindowCounts::new(policy.window),
        };
        Self {
            policy,
            counts: Mutex::new(counts),
        }
    }

    /// Counts an attempt for `account` from `address` (or from the known device `device`) as a
    /// failure before it is checked, or `Err(seconds to wait)` when the policy refuses it.
    pub fn reserve(
        &self,
        account: &str,
        address: &str,
        device: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Reservation, u64> {
        let policy = self.policy;
        let mut counts = self.lock();
        let Counts {
            addresses,
            pairs,
            accounts,
            paced,
            device_attempts,
        } = &mut *counts;
        if let Some(device) = device {
            let pair = format!("device {device} {account}");
            if pairs.count(&pair, now) >= policy.per_account {
                return Err(pairs.retry_after(&pair, now));
            }
            // Right passwords too: a known device gets at most `per_address` logins per window,
            // so nobody can keep the turn kept for known devices busy with their own account.
            if device_attempts.count(&pair, now) >= policy.per_address {
                return Err(device_attempts.retry_after(&pair, now));
            }
            device_attempts.add(&pair, now);
            pairs.add(&pair, now);
            accounts.add(account, now);
            return Ok(Reservation {
                account: account.to_owned(),
                address: None,
                pair,
            });
        }
        let pair = format!("{address} {account}");
        if addresses.count(address, now) >= policy.per_address {
            return Err(addresses.retry_after(address, now));
        }
        let pair_failures = pairs.count(&pair, now);
        if pair_failures >= policy.per_account {
            return Err(pairs.retry_after(&pair, now));
        }
        let under_attack = accounts.count(account, now) >= policy.account_ceiling;
        if under_attack && pair_failures > 0 {
            if paced.count(account, now) > 0 {
                return Err(paced.retry_after(account, now));
            }
            paced.add(account, now);
        }
        addresses.add(address, now);
        pairs.add(&pair, now);
        accounts.add(account, now);
        Ok(Reservation {
            account: account.to_owned(),
            address: Some(address.to_owned()),
            pair,
        })
    }

    /// The password was right: the attempt was no failure, and the pair starts afresh.
    pub fn succeeded(&self, reservation: Reservation) {
        let mut counts = self.lock();
        counts.pairs.clear(&reservation.pair);
        if let Some(address) = &reservation.address {
            counts.addresses.take_back(address);
        }
        counts.accounts.take_back(&reservation.account);
    }

    /// The password was never checked (the server was too busy): the attempt does not count.
    pub fn not_checked(&self, reservation: Reservation) {
        let mut counts = self.lock();
        counts.pairs.take_back(&reservation.pair);
        if let Some(address) = &reservation.address {
            counts.addresses.take_back(address);
        }
        counts.accounts.take_back(&reservation.account);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn limits() -> LoginLimits {
        LoginLimits::new(LoginPolicy {
            per_account: 3,
            per_address: 10,
            account_ceiling: 6,
            window: std::time::Duration::from_secs(900),
            pace: std::time::Duration::from_secs(10),
        })
    }

    #[test]
    fn an_address_gets_its_pair_limit_then_waits() {
        let limits = limits();
        let t0 = Utc::now();
        for _ in 0..3 {
            let _ = limits.reserve("admin", "attacker", None, t0).unwrap();
        }
        assert!(limits.reserve("admin", "attacker", None, t0).is_err());
        // The owner elsewhere is not affected, and a right password gives the attempt back.
        let owner = limits.reserve("admin", "owner", None, t0).unwrap();
        limits.succeeded(owner);
        for _ in 0..3 {
            let _ = limits.reserve("admin", "owner", None, t0).unwrap();
        }
    }

    #[test]
    fn under_attack_repeated_guesses_are_paced_and_fresh_addresses_still_answered() {
        let limits = limits();
        let t0 = Utc::now();
        for address in ["a", "b", "c"] {
            let _ = limits.reserve("admin", address, None, t0).unwrap();
            let _ = limits.reserve("admin", address, None, t0).unwrap();
        }
        // Six failures: the account is under attack. A repeated guess gets one try per pace.
        let _ = limits.reserve("admin", "a", None, t0).unwrap();
        assert_eq!(limits.reserve("admin", "b", None, t0).err(), Some(10));
        let _ = limits
            .reserve("admin", "b", None, t0 + Duration::seconds(10))
            .unwrap();
        // An address with no failure on the account is answered at once.
        let _ = limits.reserve("admin", "owner", None, t0).unwrap();
    }

    #[test]
    fn a_known_device_is_limited_on_its_own_and_never_paced() {
        let limits = limits();
        let t0 = Utc::now();
        // The account is under attack and the shared address has used up its pair limit.
        for _ in 0..3 {
            let _ = limits.reserve("admin", "home", None, t0).unwrap();
        }
        for address in ["a", "b", "c"] {
            let _ = limits.reserve("admin", address, None, t0).unwrap();
        }
        assert_eq!(limits.reserve("admin", "a", None, t0).ok().map(|_| ()), Some(()));
        assert_eq!(limits.reserve("admin", "b", None, t0).err(), Some(10), "paced");
        assert!(limits.reserve("admin", "home", None, t0).is_err());
        // The owner's known device is still answered, from that same address, up to its own limit.
        for _ in 0..3 {
            let _ = limits.reserve("admin", "home", Some("laptop"), t0).unwrap();
        }
        assert_eq!(
            limits.reserve("admin", "home", Some("laptop"), t0).err(),
            Some(900)
        );
        let owner = limits.reserve("admin", "elsewhere", Some("phone"), t0).unwrap();
        limits.succeeded(owner);
    }

    #[test]
    fn a_known_device_has_a_ceiling_on_all_its_logins_right_ones_included() {
        let limits = limits();
        let t0 = Utc::now();
        for _ in 0..10 {
            let attempt = limits.reserve("admin", "home", Some("laptop"), t0).unwrap();
            limits.succeeded(attempt);
        }
        assert_eq!(
            limits.reserve("admin", "home", Some("laptop"), t0).err(),
            Some(900)
        );
        // Without the token it is an ordinary login from its address.
        let _ = limits.reserve("admin", "home", None, t0).unwrap();
    }

    #[test]
    fn an_unchecked_attempt_does_not_count() {
        let limits = limits();
        let t0 = Utc::now();
        for _ in 0..10 {
            let reservation = limits.reserve("admin", "x", None, t0).unwrap();
            limits.not_checked(reservation);
        }
        let _ = limits.reserve("admin", "x", None, t0).unwrap();
    }
}
