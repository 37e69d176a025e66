//! The in-process response cache for anonymous public reads, and the one rule that keeps it
//! honest: it never serves what a fresh query would not.
//!
//! - Every cached answer carries the cache *generation* it was computed under; a lookup only
//!   accepts an entry of the current generation.
//! - A successful write through this instance moves the generation on before its own answer
//!   leaves, so the next read here is fresh at once. It also moves the `cache_generation` row
//!   on; every instance compares that row with what it last saw at most once a second, so a
//!   write through another instance (or `dateline import`) is seen within about a second.
//! - The earliest scheduled publication time is read at the same check: when the clock passes
//!   it, the generation moves on, so a scheduled article appears in cached lists on time.
//! - A read that raced a write (started before it, finished after) is not stored.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{articles, cache_generation};
use crate::db::{self, DbConn, Pool};
use crate::values::ArticleStatus;

/// How often, at most, an instance looks for writes made elsewhere and for the next scheduled
/// publication. Also the documented bound for other instances to see a write.
pub const REMOTE_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A stored answer: the encoded body and the headers that go with it.
#[derive(Debug)]
pub struct CachedResponse {
    pub generation: u64,
    pub etag: String,
    pub body: Bytes,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// What is known about the database since the last check.
#[derive(Debug)]
struct Remote {
    checked_at: Option<Instant>,
    seen_generation: Option<i64>,
    next_publication: Option<NaiveDateTime>,
}

/// The cache and its invalidation state, shared by all workers.
pub struct ResponseCache {
    entries: Option<moka::sync::Cache<String, Arc<CachedResponse>>>,
    generation: AtomicU64,
    remote: Mutex<Remote>,
}

impl ResponseCache {
    /// A cache holding at most `max_bytes` of answers; 0 turns storing off (invalidation
    /// bookkeeping stays, it is cheap).
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, value: &Arc<CachedResponse>| {
                    u32::try_from(key.len() + value.body.len() + 256).unwrap_or(u32::MAX)
                })
                .build()
        });
        Self {
            entries,
            generation: AtomicU64::new(1),
            remote: Mutex::new(Remote {
                checked_at: None,
                seen_generation: None,
                next_publication: None,
            }),
        }
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets everything cached (a write happened, or time made something visible).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedResponse>> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.generation == self.generation()).then_some(entry)
    }

    /// Stores an answer computed under `generation`, unless a write has happened since.
    pub fn put(&self, key: String, response: CachedResponse) {
        if let Some(entries) = &self.entries
            && response.generation == self.generation()
        {
            entries.insert(key, Arc::new(response));
        }
    }

    /// Whether the once-a-second check is due; marks it as taken so only one request runs it.
    fn check_due(&self) -> bool {
        let Ok(mut remote) = self.remote.try_lock() else {
            return false;
        };
        let due = remote
            .checked_at
            .is_none_or(|at| at.elapsed() >= REMOTE_CHECK_INTERVAL);
        if due {
            remote.checked_at = Some(Instant::now());
        }
        due
    }

    /// Empties the cache when a scheduled article's time has come.
    fn check_schedule(&self, now: NaiveDateTime) {
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        if remote.next_publication.is_some_and(|at| at <= now) {
            remote.next_publication = None;
            drop(remote);
            self.invalidate();
        }
    }

    /// Before serving from the cache: apply what the clock and (once a second) the database
    /// say. Errors reading the database only delay the check: they never fail a request.
    pub async fn refresh(&self, pool: &Pool, now: NaiveDateTime) {
        if !self.enabled() {
            return;
        }
        self.check_schedule(now);
        if !self.check_due() {
            return;
        }
        let found = db::run(pool, move |conn| Ok(read_remote(conn, now)?)).await;
        let Ok((generation, next_publication)) = found else {
            return;
        };
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        let moved = remote.seen_generation.is_some_and(|seen| seen != generation);
        remote.seen_generation = Some(generation);
        remote.next_publication = next_publication;
        drop(remote);
        if moved {
            self.invalidate();
        }
        self.check_schedule(now);
    }

    /// After a successful write through this instance: forget the cache here at once, and tell
    /// the other instances through the database.
    pub async fn written(&self, pool: &Pool) {
        self.invalidate();
        let bumped = db::run(pool, |conn| Ok(bump_generation(conn)?)).await;
        match bumped {
            Ok(generation) => {
                // Our own bump is no news to us.
                let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
                remote.seen_generation = Some(generation);
            }
            Err(e) => tracing::warn!(error = %e, "could not record the cache generation"),
        }
    }
}

/// The database's cache generation, and the earliest publication still to come.
fn read_remote(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let generation = cache_generation::table
        .find(1)
        .select(cache_generation::value)
        .first(conn)?;
    let next = articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.gt(now))
        .filter(articles::deleted_at.is_null())
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)?;
    Ok((generation, next))
}

/// Moves the shared generation on; returns the new value. Used after every write, by the API
/// and by the command line.
pub fn bump_generation(conn: &mut DbConn) -> QueryResult<i64> {
    diesel::update(cache_generation::table.find(1))
        .set(cache_generation::value.eq(cache_generation::value + 1))
        .returning(cache_generation::value)
        .get_result(conn)
}
