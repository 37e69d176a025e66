//! Password hashing with argon2id. Hashing is slow on purpose: callers run it on the blocking
//! pool (`db::run` or `web::block`), never on an async worker.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Each argon2 run takes 19 MiB and a core for tens of milliseconds: at most this many run at
/// once for anyone, whatever the number of logins in flight (a login flood cannot exhaust memory).
pub const MAX_CONCURRENT_HASHES: usize = 2;

/// One more turn is kept for known callers (a login from a known device, an admin setting a
/// password), so that a flood of anonymous logins cannot keep them waiting.
pub const RESERVED_HASHES: usize = 1;

/// At most this many requests wait for a turn in each lane; more are turned away at once (503
/// with `Retry-After`) rather than queued: a flood cannot delay a genuine login by more than this
/// many hashes (a few hundred milliseconds).
pub const MAX_WAITING_HASHES: usize = 16;

/// Who asks for a turn to hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Anyone: an anonymous login.
    Open,
    /// A caller the server already knows: a login from a known device, or an authenticated
    /// admin. Takes an open turn when one is free, else waits for the reserved ones.
    Known,
}

/// The turns to hash or verify a password, in this process.
#[derive(Debug)]
pub struct Hashing {
    open: Queue,
    reserved: Queue,
}

/// Turns and the requests waiting for them.
#[derive(Debug)]
struct Queue {
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
}

/// Too many requests already wait to hash a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl Hashing {
    pub fn new() -> Self {
        Self {
            open: Queue::new(MAX_CONCURRENT_HASHES),
            reserved: Queue::new(RESERVED_HASHES),
        }
    }

    /// Waits for a turn to hash or verify a password (hold it for the duration of the work), or
    /// `Busy` when the queue of the caller's lane is full.
    pub async fn turn(&self, lane: Lane) -> Result<OwnedSemaphorePermit, Busy> {
        if let Some(permit) = self.open.try_now() {
            return Ok(permit);
        }
        match lane {
            Lane::Open => self.open.wait().await,
            Lane::Known => match self.reserved.try_now() {
                Some(permit) => Ok(permit),
                None => self.reserved.wait().await,
            },
        }
    }
}

impl Queue {
    fn new(turns: usize) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(turns)),
            waiting: AtomicUsize::new(0),
        }
    }

    fn try_now(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.turns).try_acquire_owned().ok()
    }

    async fn wait(&self) -> Result<OwnedSemaphorePermit, Busy> {
        let queued = self.waiting.fetch_add(1, Ordering::AcqRel);
        // Leaves the queue however the wait ends, a client that gives up included.
        let _in_queue = LeaveQueue(&self.waiting);
        if queued >= MAX_WAITING_HASHES {
            return Err(Busy);
        }
        let permit = Arc::clone(&self.turns).acquire_owned().await;
        Ok(permit.expect("the semaphore is never closed"))
    }
}

impl Default for Hashing {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Busy> for crate::error::AppError {
    fn from(_: Busy) -> Self {
        Self::Unavailable("too many passwords waiting to be hashed".to_owned())
    }
}

struct LeaveQueue<'a>(&'a AtomicUsize);

impl Drop for LeaveQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The shortest password accepted.
pub const MIN_LEN: usize = 12;
/// The longest password accepted (hashing cost grows with length).
pub const MAX_LEN: usize = 256;

/// argon2's working memory, reused from run to run. Allocating 19 MiB per run let glibc keep
/// freed runs resident in each thread's arena: a login flood grew the process to hundreds of MB
/// although no more than two hashes ran at a time. Now the memory is at most one buffer per
/// concurrent hash, allocated once.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `work` with at least `blocks` blocks of argon2 memory.
fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let spare = MEMORY.lock().unwrap_or_else(PoisonError::into_inner).pop();
    let mut memory = match spare {
        Some(memory) if memory.len() >= blocks => memory,
        _ => vec![Block::new(); blocks],
    };
    let result = work(&mut memory[..blocks]);
    let mut pool = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
    if pool.len() < MAX_CONCURRENT_HASHES + RESERVED_HASHES {
        pool.push(memory);
    }
    result
}

/// The hash of `password` with `salt` under `argon2`, into `out`.
fn compute(argon2: &Argon2<'_>, password: &str, salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    with_memory(argon2.params().block_count(), |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, memory)
    })
}

/// Hashing failed (argon2 refused its parameters or could not allocate): an internal error.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// An argon2id PHC string for `password`, with a fresh random salt and the default parameters
/// (OWASP's: 19 MiB, 2 passes, 1 lane).
pub fn hash(password: &str) -> Result<String, HashError> {
    let fail = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = argon2::password_hash::generate_salt();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, password, &salt, &mut out).map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// True when `password` matches `stored`. A stored value that is no valid hash (such as the
/// `!` of accounts that cannot log in) matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = phc.version.map_or(Ok(Version::default()), Version::try_from) else {
        return false;
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    if compute(&argon2, password, salt, &mut out).is_err() {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == *expected)
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

    #[actix_web::test]
    async fn known_callers_get_a_turn_when_the_open_lane_is_full() {
        use std::pin::pin;
        use std::task::Poll;
        let hashing = Hashing::new();
        let mut held = Vec::new();
        for _ in 0..MAX_CONCURRENT_HASHES {
            held.push(hashing.turn(Lane::Open).await.unwrap());
        }
        // Fill the open queue with waiters that stay in it.
        let mut waiters: Vec<_> = (0..MAX_WAITING_HASHES)
            .map(|_| Box::pin(hashing.turn(Lane::Open)))
            .collect();
        for waiter in &mut waiters {
            assert!(matches!(futures_util::poll!(waiter.as_mut()), Poll::Pending));
        }
        assert_eq!(hashing.turn(Lane::Open).await.err(), Some(Busy));
        // A known caller still gets a turn at once; a second one waits in its own lane.
        let known = hashing.turn(Lane::Known).await.unwrap();
        let mut second = pin!(hashing.turn(Lane::Known));
        assert!(matches!(futures_util::poll!(second.as_mut()), Poll::Pending));
        drop(known);
        assert!(second.await.is_ok());
        // Waiters that give up leave the queue.
        drop(waiters);
        drop(held.pop());
        assert!(hashing.turn(Lane::Open).await.is_ok());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("wrong horse battery", &stored));
        assert!(!verify("anything", "!"));
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"an older account's password")
            .unwrap()
            .to_string();
        assert!(verify("an older account's password", &theirs));
        assert!(!verify("an older account's passwore", &theirs));
        let ours = hash("an older account's password").unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"an older account's password", ours.as_str())
                .is_ok()
        );
        // Other parameters (more memory than the default) verify too.
        let params = Params::new(32 * 1024, 3, 1, None).unwrap();
        let stronger = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"stronger parameters!")
            .unwrap()
            .to_string();
        assert!(verify("stronger parameters!", &stronger));
        assert!(!verify("weaker parameters!!!", &stronger));
    }
}
