//! The in-process response cache for anonymous public reads, and the one rule that keeps it
//! honest: it never serves what a fresh query would not.
//!
//! Invalidation is targeted. Every answer names what it depends on (the keys of its
//! `Surrogate-Key` header, see [`super::keys`]), and every write names what it changed (an
//! [`Invalidation`](super::Invalidation) on its response). Rather than searching the cache for
//! entries to drop, each key remembers when it was last invalidated:
//!
//! - a sequence number moves on at every invalidation; a read notes it when it *starts*;
//! - an invalidation records the new number against each key it names (or against everything);
//! - an entry is served only while none of its keys, and not everything, was invalidated after
//!   the read that computed it started. So a read that raced a write (started before it,
//!   finished after) is never served, and a write through this instance is seen by the very next
//!   read, before its own answer leaves.
//!
//! Other instances (and `dateline import`) learn of writes from the `cache_invalidations` table:
//! on PostgreSQL at once (a `NOTIFY` wakes their listener, see [`super::listen`]), and on both
//! backends by reading it at most once a second. A scheduled article's publication time passing
//! invalidates everything (it changes lists across the site, and happens a few times a day).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{articles, cache_invalidations, cache_purges};
use crate::db::{self, DbConn, Pool};
use crate::values::ArticleStatus;

/// How often, at most, an instance looks for writes made elsewhere and for the next scheduled
/// publication. Also the documented bound for other instances to see a write.
pub const REMOTE_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A stored answer: the encoded body and the headers that go with it.
#[derive(Debug)]
pub struct CachedResponse {
    /// The invalidation sequence number when the read that computed it started.
    pub started: u64,
    /// What it depends on: its Surrogate-Key, keys separated by spaces (see [`Self::keys`]).
    pub keys: String,
    pub etag: String,
    pub body: Bytes,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The route template that answered, for the metrics of a hit (see [`super::Route`]).
    pub route: Option<super::Route>,
}

impl CachedResponse {
    /// The keys it depends on.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.split_ascii_whitespace()
    }
}

/// The longest an answer is kept, however little changes.
pub const MAX_ENTRY_AGE: Duration = Duration::from_secs(600);

/// How many keys' invalidation times are remembered; past it they are forgotten and everything
/// is invalidated once (safe, and rare: it takes this many distinct keys written).
const MAX_TRACKED_KEYS: usize = 100_000;

/// How many invalidations another instance may have written since the last look before this one
/// gives up reading them one by one and invalidates everything.
const MAX_REMOTE_BATCH: i64 = 1_000;

/// When each key was last invalidated.
#[derive(Debug, Default)]
struct Invalidated {
    /// Entries that started before this were all invalidated.
    everything: u64,
    /// Hashed with foldhash: every hit looks up each of its answer's keys here.
    keys: HashMap<String, u64, foldhash::fast::RandomState>,
}

/// What is known about the database since the last check.
#[derive(Debug, Default)]
struct Remote {
    checked_at: Option<Instant>,
    /// The newest invalidation row seen, and the ids seen near it: with PostgreSQL, rows can
    /// commit out of id order, so the last ids are read again at each check.
    last_id: Option<i64>,
    recent_ids: BTreeSet<i64>,
    /// The earliest publication time after the previous check (see `refresh`).
    next_publication: Option<NaiveDateTime>,
    /// The clock's time at the previous check: a publication time passed since then shows a
    /// scheduled article, even one scheduled and due between two checks.
    checked_until: Option<NaiveDateTime>,
    /// When rows were last read: after a longer silence than rows are kept, some may be gone.
    read_at: Option<Instant>,
}

/// The cache and its invalidation state, shared by all workers.
pub struct ResponseCache {
    entries: Option<moka::sync::Cache<String, Arc<CachedResponse>>>,
    sequence: AtomicU64,
    invalidated: RwLock<Invalidated>,
    remote: Mutex<Remote>,
    /// Moves on when a write through this instance has been recorded: wakes the purgers.
    recorded: tokio::sync::watch::Sender<u64>,
    /// Told after every invalidation (read replicas then wait for the primary's new position).
    invalidated_signal: tokio::sync::Notify,
    /// Follow other instances' writes even with storing off: read replicas need to know of
    /// every write to stay behind none of them.
    follow_without_storing: bool,
}

impl ResponseCache {
    /// A cache holding at most `max_bytes` of answers; 0 turns storing off (invalidation
    /// bookkeeping stays, it is cheap).
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                // A safety net, not the invalidation: were one ever lost (a process killed
                // between a commit and its invalidation row), the answer still goes in time.
                .time_to_live(MAX_ENTRY_AGE)
                .weigher(|key: &String, value: &Arc<CachedResponse>| {
                    let size = key.len() + value.keys.len() + value.body.len() + 256;
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .build()
        });
        Self {
            entries,
            sequence: AtomicU64::new(1),
            invalidated: RwLock::new(Invalidated::default()),
            remote: Mutex::new(Remote::default()),
            recorded: tokio::sync::watch::Sender::new(0),
            invalidated_signal: tokio::sync::Notify::new(),
            follow_without_storing: false,
        }
    }

    /// Keeps following other instances' writes when storing is off (see `follows_writes`).
    pub fn following_writes(mut self, follow: bool) -> Self {
        self.follow_without_storing = follow;
        self
    }

    /// Whether this instance learns of other instances' writes (listener, once-a-second check):
    /// when it stores answers, or when read replicas need the news.
    pub fn follows_writes(&self) -> bool {
        self.entries.is_some() || self.follow_without_storing
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The sequence number a read notes when it starts.
    pub fn begin(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    /// Forgets everything cached (time made something visible, or the keys are unknown).
    pub fn invalidate_all(&self) {
        let mut invalidated = self.invalidated.write().unwrap_or_else(PoisonError::into_inner);
        // Numbered under the lock, so invalidations apply in the order of their numbers: a
        // slower one can never lower a key's time below a later one's.
        let at = self.sequence.fetch_add(1, Ordering::AcqRel) + 1;
        invalidated.everything = at;
        invalidated.keys.clear();
        drop(invalidated);
        self.invalidated_signal.notify_one();
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    /// Wakes a waiter after each invalidation (several in a row may wake it once).
    pub fn invalidated(&self) -> &tokio::sync::Notify {
        &self.invalidated_signal
    }

    /// Forgets the answers that depend on any of `keys`.
    pub fn invalidate_keys<S: AsRef<str>>(&self, keys: &[S]) {
        if keys.is_empty() {
            return;
        }
        let mut invalidated = self.invalidated.write().unwrap_or_else(PoisonError::into_inner);
        let at = self.sequence.fetch_add(1, Ordering::AcqRel) + 1;
        if invalidated.keys.len() + keys.len() > MAX_TRACKED_KEYS {
            invalidated.everything = at;
            invalidated.keys.clear();
            drop(invalidated);
            self.invalidated_signal.notify_one();
            if let Some(entries) = &self.entries {
                entries.invalidate_all();
            }
            return;
        }
        for key in keys {
            invalidated.keys.insert(key.as_ref().to_owned(), at);
        }
        drop(invalidated);
        self.invalidated_signal.notify_one();
    }

    /// Whether `entry` is still what a fresh read would answer.
    fn is_current(&self, entry: &CachedResponse) -> bool {
        let invalidated = self.invalidated.read().unwrap_or_else(PoisonError::into_inner);
        entry.started >= invalidated.everything
            && entry
                .keys()
                .all(|key| invalidated.keys.get(key).is_none_or(|&at| at <= entry.started))
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedResponse>> {
        let entries = self.entries.as_ref()?;
        let entry = entries.get(key)?;
        if self.is_current(&entry) {
            Some(entry)
        } else {
            entries.invalidate(key);
            None
        }
    }

    /// Stores an answer, unless something it depends on was invalidated since its read started.
    /// An answer that names no dependency is never stored: nothing could invalidate it.
    pub fn put(&self, key: String, mut response: CachedResponse) {
        if let Some(entries) = &self.entries
            && response.keys().next().is_some()
            && self.is_current(&response)
        {
            // A copy of exactly its size: the answer's own bytes may hold its buffer's spare
            // capacity, which the cache's weigher would not count.
            response.body = Bytes::copy_from_slice(&response.body);
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
        let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
        if remote.next_publication.is_some_and(|at| at <= now) {
            remote.next_publication = None;
            drop(remote);
            self.invalidate_all();
        }
    }

    /// Before serving from the cache: apply what the clock and (once a second) the database
    /// say. Errors reading the database only delay the check: they never fail a request.
    pub async fn refresh(&self, pool: &Pool, now: NaiveDateTime) {
        if !self.follows_writes() {
            return;
        }
        self.check_schedule(now);
        if !self.check_due() {
            return;
        }
        let since = self.remote_since();
        let after = self
            .remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .checked_until
            .unwrap_or(now);
        let found = db::run(pool, move |conn| {
            Ok((read_invalidations(conn, since)?, next_publication(conn, after)?))
        })
        .await;
        let Ok((rows, next_publication)) = found else {
            return;
        };
        {
            let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
            remote.next_publication = next_publication;
            remote.checked_until = Some(now);
        }
        self.apply_remote(rows);
        self.check_schedule(now);
    }

    /// Tells when a write through this instance has been recorded (see [`super::purge`]).
    pub fn recorded(&self) -> tokio::sync::watch::Receiver<u64> {
        self.recorded.subscribe()
    }

    /// Where the next read of other instances' invalidations starts (`None`: the first read).
    pub fn remote_since(&self) -> Option<i64> {
        let remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
        remote.last_id.map(|id| id - RECHECKED_IDS)
    }

    /// Applies the invalidation rows read from the database since [`Self::remote_since`]; rows
    /// already applied (by the other reader, or written here) are skipped.
    pub fn apply_remote(&self, rows: Vec<(i64, String)>) {
        let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
        // Rows older than KEPT_FOR_SECS may have been removed unread: forget everything then.
        let silent_too_long = remote
            .read_at
            .is_some_and(|at| at.elapsed() > Duration::from_secs(KEPT_FOR_SECS as u64 / 2));
        remote.read_at = Some(Instant::now());
        let news = match remote.take_news(rows) {
            _ if silent_too_long => News::Everything,
            news => news,
        };
        drop(remote);
        match news {
            News::Nothing => {}
            News::Keys(keys) => self.invalidate_keys(&keys),
            News::Everything => self.invalidate_all(),
        }
    }

    /// After a write through this instance whose transaction recorded its row `row`: forget what
    /// it changed here at once (the other instances read the row).
    pub fn written_recorded(&self, keys: &[String], row: Option<i64>) {
        self.invalidate_keys(keys);
        self.seen_own(row);
    }

    /// Our own row is no news to us; the purgers have something to send.
    fn seen_own(&self, row: Option<i64>) {
        let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
        remote.recent_ids.extend(row);
        drop(remote);
        self.recorded.send_modify(|n| *n += 1);
    }

    /// After a successful write through this instance that named nothing (a section change):
    /// forget everything here at once, and tell the other instances through the database.
    pub async fn written_everything(&self, pool: &Pool) {
        self.invalidate_all();
        match db::run(pool, |conn| Ok(record(conn, None)?)).await {
            Ok(id) => self.seen_own(Some(id)),
            Err(e) => tracing::warn!(error = %e, "could not record the cache invalidation"),
        }
    }
}

/// Rows below the newest one seen that are read again at each check (see [`Remote`]).
const RECHECKED_IDS: i64 = 64;

/// What the invalidation rows written elsewhere ask of this instance.
enum News {
    Nothing,
    Keys(Vec<String>),
    Everything,
}

impl Remote {
    /// The rows not seen yet, as one invalidation; remembers them as seen.
    fn take_news(&mut self, rows: Vec<(i64, String)>) -> News {
        let Some(&(newest, _)) = rows.last() else {
            if self.last_id.is_none() {
                // An empty table: from now on every row is news.
                self.last_id = Some(0);
            }
            return News::Nothing;
        };
        let first_look = self.last_id.is_none();
        let too_many = rows.len() as i64 >= MAX_REMOTE_BATCH;
        let mut keys = Vec::new();
        let mut everything = too_many;
        for (id, row) in rows {
            if !self.recent_ids.insert(id) {
                continue;
            }
            if row == EVERYTHING {
                everything = true;
            } else {
                keys.extend(row.split(' ').filter(|k| !k.is_empty()).map(str::to_owned));
            }
        }
        self.last_id = Some(self.last_id.map_or(newest, |last| last.max(newest)));
        let floor = self.last_id.unwrap_or(0) - RECHECKED_IDS;
        self.recent_ids.retain(|&id| id > floor);
        if first_look {
            // This instance has just started: its cache holds nothing older than these rows.
            return News::Nothing;
        }
        if everything {
            News::Everything
        } else if keys.is_empty() {
            News::Nothing
        } else {
            News::Keys(keys)
        }
    }
}

/// The row that invalidates everything.
pub const EVERYTHING: &str = "*";

/// The invalidation rows after `since` (only the newest, the first time).
pub fn read_invalidations(conn: &mut DbConn, since: Option<i64>) -> QueryResult<Vec<(i64, String)>> {
    match since {
        Some(since) => cache_invalidations::table
            .filter(cache_invalidations::id.gt(since))
            .order(cache_invalidations::id.asc())
            .select((cache_invalidations::id, cache_invalidations::keys))
            .limit(MAX_REMOTE_BATCH + RECHECKED_IDS)
            .load(conn),
        None => cache_invalidations::table
            .order(cache_invalidations::id.desc())
            .select((cache_invalidations::id, cache_invalidations::keys))
            .limit(1)
            .load(conn),
    }
}

/// The earliest publication time after `after`.
fn next_publication(conn: &mut DbConn, after: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.gt(after))
        .filter(articles::deleted_at.is_null())
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)
}

/// How long invalidation rows are kept for instances to read (they read them every second).
const KEPT_FOR_SECS: i64 = 3600;

/// Records an invalidation of `keys` (`None`: everything) for the other instances; returns its
/// id. Now and then, rows older than an hour are removed. Used after every write, by the API and
/// by the command line.
pub fn record(conn: &mut DbConn, keys: Option<&[String]>) -> QueryResult<i64> {
    // The stored documents follow the same keys, in the same transaction.
    crate::documents::invalidate::on_write(conn, keys)?;
    let keys = keys.map_or_else(|| EVERYTHING.to_owned(), |keys| keys.join(" "));
    let now = chrono::Utc::now().naive_utc();
    let id = diesel::insert_into(cache_invalidations::table)
        .values((
            cache_invalidations::keys.eq(keys),
            cache_invalidations::created_at.eq(now),
        ))
        .returning(cache_invalidations::id)
        .get_result(conn)?;
    if db::is_postgres(conn) {
        // Wakes the other instances' listeners (see `listen`): they read the new row at once.
        diesel::sql_query(format!("NOTIFY {}", super::listen::CHANNEL)).execute(conn)?;
    }
    if id % 100 == 0 {
        // Kept past the hour for a purge endpoint that has not been sent them yet (one still
        // configured somewhere: its worker looked at it within the day).
        let purged: Option<i64> = cache_purges::table
            .filter(cache_purges::updated_at.gt(now - chrono::Duration::days(1)))
            .select(diesel::dsl::min(cache_purges::last_id))
            .first(conn)?;
        diesel::delete(
            cache_invalidations::table
                .filter(cache_invalidations::created_at.lt(now - chrono::Duration::seconds(KEPT_FOR_SECS)))
                .filter(cache_invalidations::id.le(purged.unwrap_or(i64::MAX))),
        )
        .execute(conn)?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(started: u64, keys: &[&str]) -> CachedResponse {
        CachedResponse {
            started,
            keys: keys.join(" "),
            etag: "\"e\"".to_owned(),
            body: Bytes::from_static(b"{}"),
            headers: Vec::new(),
            route: None,
        }
    }

    #[test]
    fn an_invalidation_drops_the_answers_that_depend_on_its_keys_only() {
        let cache = ResponseCache::new(1 << 20);
        let started = cache.begin();
        cache.put("a".into(), answer(started, &["article-1", "articles"]));
        cache.put("b".into(), answer(started, &["article-2"]));
        cache.invalidate_keys(&["article-1"]);
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        cache.invalidate_all();
        assert!(cache.get("b").is_none());
    }

    #[test]
    fn a_read_that_raced_a_write_is_never_served() {
        let cache = ResponseCache::new(1 << 20);
        let started = cache.begin();
        // The write lands while the read runs: its answer may hold the old state.
        cache.invalidate_keys(&["article-1"]);
        cache.put("a".into(), answer(started, &["article-1"]));
        assert!(cache.get("a").is_none());
        // Stored before the write, found stale after it.
        let started = cache.begin();
        cache.put("a".into(), answer(started, &["article-1"]));
        assert!(cache.get("a").is_some());
        cache.invalidate_keys(&["article-1"]);
        assert!(cache.get("a").is_none());
        // An answer that names no dependency is not stored at all.
        let started = cache.begin();
        cache.put("c".into(), answer(started, &[]));
        assert!(cache.get("c").is_none());
    }

    #[test]
    fn other_instances_rows_become_one_invalidation_and_are_read_once() {
        let mut remote = Remote::default();
        // The first look only notes where the log stands.
        assert!(matches!(
            remote.take_news(vec![(7, "article-1".into())]),
            News::Nothing
        ));
        let news = remote.take_news(vec![(7, "article-1".into()), (8, "article-2 articles".into())]);
        let News::Keys(keys) = news else {
            panic!("keys expected")
        };
        assert_eq!(keys, ["article-2", "articles"]);
        // A row that commits late, below the newest seen, is still picked up.
        let news = remote.take_news(vec![(6, "tag-iran".into()), (7, "x".into()), (8, "y".into())]);
        let News::Keys(keys) = news else {
            panic!("keys expected")
        };
        assert_eq!(keys, ["tag-iran"]);
        assert!(matches!(
            remote.take_news(vec![(9, EVERYTHING.into())]),
            News::Everything
        ));
    }
}
