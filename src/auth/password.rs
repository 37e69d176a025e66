//! Password hashing with argon2id. Hashing is slow on purpose: callers run it on the blocking
//! pool (`db::run` or `web::block`), never on an async worker.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Each argon2 run takes 19 MiB and a core for tens of milliseconds: at most this many run at
/// once, whatever the number of logins in flight (a login flood cannot exhaust memory).
pub const MAX_CONCURRENT_HASHES: usize = 2;

static HASHING: Semaphore = Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// Waits for a turn to hash or verify a password; hold it for the duration of the work.
pub async fn turn() -> SemaphorePermit<'static> {
    HASHING.acquire().await.expect("the semaphore is never closed")
}

/// The shortest password accepted.
pub const MIN_LEN: usize = 12;
/// The longest password accepted (hashing cost grows with length).
pub const MAX_LEN: usize = 256;

/// An argon2id PHC string for `password`, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

/// True when `password` matches `stored`. A stored value that is no valid hash (such as the
/// `!` of accounts that cannot log in) matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Verifies against a throwaway hash, so a login for an unknown e-mail costs the same time as
/// one with a wrong password and the two cannot be told apart.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("dateline timing equaliser").unwrap_or_else(|_| String::from("!")));
    let _ = verify(password, &DUMMY);
}

/// Why a new password is refused, or `None` when it is acceptable.
pub fn problem(password: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Some(format!("must be at least {MIN_LEN} characters"));
    }
    if len > MAX_LEN {
        return Some(format!("must be at most {MAX_LEN} characters"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("wrong horse battery", &stored));
        assert!(!verify("anything", "!"));
    }
}
