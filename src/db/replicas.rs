//! PostgreSQL read replicas for anonymous public reads (`DATABASE_REPLICA_URLS`).
//!
//! A replica serves a read only when three things hold; otherwise the read goes to the primary:
//!
//! - **It is well.** Once a second the primary's WAL position is sampled and each replica asked
//!   whether it is a standby and how far it has replayed. A replica that is down, is no standby
//!   (promoted, or a wrong URL), or has been behind for longer than `DATELINE_REPLICA_MAX_LAG_MS`
//!   is skipped until a later check finds it well again. A failed connection marks it down at once.
//! - **It has replayed every write this instance knows of** (the fence). Whenever this instance
//!   invalidates cached answers (its own write, or another instance's seen through LISTEN/NOTIFY
//!   or the invalidation log), the primary's WAL flush position is read *after* the invalidation;
//!   a replica serves a read only once it has replayed that far, checked on the read's own
//!   connection just before it (so a standby restarted behind where it was, or another server
//!   behind the same address, is caught too). Until the position is known, reads go to the
//!   primary. So a write is never followed by an older answer from a replica, and
//!   no older answer gets into the response cache: read-your-writes for every caller of this
//!   instance, the writer included.
//! - **The request carries no token.** Editorial reads and a caller's own drafts always read the
//!   primary (see `api::reads`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::ResponseError;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::{ConnectionManager, DbConn, Pool};
use crate::config::DatabaseUrl;
use crate::error::AppError;
use crate::http_cache::store::ResponseCache;

/// How often replicas are checked and the primary's position sampled.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// How long a read waits for a replica connection before it goes to the primary instead (a
/// replica that went away refuses connections at once; one that hangs is given this long).
const CHECKOUT_TIMEOUT: Duration = Duration::from_millis(500);

/// How long one health check of a replica may take before the replica counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What is known of one replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaStatus {
    /// Not checked yet (just started): not used.
    Unchecked,
    Ok,
    /// Further behind than the bound.
    Lagging,
    /// Unreachable or failing.
    Down,
    /// Answers, but is not in recovery: no replica of ours (promoted, or a wrong URL).
    NotStandby,
}

impl ReplicaStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchecked => "unchecked",
            Self::Ok => "ok",
            Self::Lagging => "lagging",
            Self::Down => "down",
            Self::NotStandby => "not_standby",
        }
    }
}

/// A replica's state as reported by `/readyz`.
#[derive(Debug, Clone)]
pub struct ReplicaReport {
    /// `host:port/database`, without credentials.
    pub name: String,
    pub status: ReplicaStatus,
    /// How long the replica has been behind the primary, at the last check.
    pub lag: Option<Duration>,
}

/// One replica: its pool and what the checks found.
pub struct Replica {
    name: String,
    pool: Pool,
    health: Mutex<Health>,
}

#[derive(Debug, Clone, Copy)]
struct Health {
    status: ReplicaStatus,
    lag: Option<Duration>,
}

impl Replica {
    fn status(&self) -> ReplicaStatus {
        self.health.lock().unwrap_or_else(PoisonError::into_inner).status
    }

    fn set(&self, status: ReplicaStatus, lag: Option<Duration>) {
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        if health.status != status {
            tracing::info!(replica = %self.name, status = status.as_str(), "replica status changed");
        }
        *health = Health { status, lag };
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The primary's WAL position as seen by this instance, and which invalidations it covers.
#[derive(Debug, Default, Clone, Copy)]
struct Fence {
    /// Every invalidation numbered up to this (the cache's sequence) committed before `lsn`.
    covers: u64,
    lsn: u64,
}

/// All configured replicas (possibly none) and the state shared by their reads.
pub struct Replicas {
    members: Vec<Replica>,
    max_lag: Duration,
    next: AtomicUsize,
    fence: Mutex<Fence>,
    /// Recent samples of the primary's position, oldest first, to tell how long a replica has
    /// been behind: since the first sample past its replay position.
    samples: Mutex<VecDeque<(Instant, u64)>>,
}

/// Why a replica did not run a read.
enum Unfit {
    Unreachable,
    /// Not replayed as far as the fence yet.
    Behind,
    NotStandby,
}

/// Where a read ran.
pub enum Served<T, F> {
    /// On the named replica, with this result.
    Replica(String, Result<T, AppError>),
    /// Not on a replica: the work comes back for the primary.
    Declined(F),
}

impl Replicas {
    /// Pools for `urls`, opened lazily: a replica that is down at start is reported, not fatal.
    pub fn connect(urls: &[DatabaseUrl], pool_size: u32, max_lag: Duration) -> Self {
        let members = urls
            .iter()
            .map(|url| {
                let connections = r2d2::Pool::builder()
                    .max_size(pool_size)
                    .min_idle(Some(0))
                    .connection_timeout(CHECKOUT_TIMEOUT)
                    .test_on_check_out(true)
                    // The checks report a replica's trouble; r2d2's own log would repeat it.
                    .error_handler(Box::new(r2d2::NopErrorHandler))
                    // Keepalives find a replica whose machine went away; a connection attempt
                    // gives up after a few seconds.
                    .build_unchecked(ConnectionManager::new(super::with_keepalives(url)));
                Replica {
                    name: url.location(),
                    pool: Pool {
                        connections,
                        line: Arc::new(tokio::sync::Semaphore::new(pool_size as usize)),
                        sqlite: false,
                    },
                    health: Mutex::new(Health {
                        status: ReplicaStatus::Unchecked,
                        lag: None,
                    }),
                }
            })
            .collect();
        Self::with_members(members, max_lag)
    }

    fn with_members(members: Vec<Replica>, max_lag: Duration) -> Self {
        Self {
            members,
            max_lag,
            next: AtomicUsize::new(0),
            fence: Mutex::new(Fence::default()),
            samples: Mutex::new(VecDeque::new()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Each replica's state, for `/readyz`.
    pub fn report(&self) -> Vec<ReplicaReport> {
        self.members
            .iter()
            .map(|replica| {
                let health = *replica.health.lock().unwrap_or_else(PoisonError::into_inner);
                ReplicaReport {
                    name: replica.name.clone(),
                    status: health.status,
                    lag: health.lag,
                }
            })
            .collect()
    }

    /// A well replica for a read that starts at cache sequence `sequence`, and the position it
    /// must have replayed; `None` when the fence does not cover that sequence yet or none is well.
    fn choose(&self, sequence: u64) -> Option<(&Replica, u64)> {
        if self.members.is_empty() {
            return None;
        }
        let fence = *self.fence.lock().unwrap_or_else(PoisonError::into_inner);
        if fence.covers < sequence {
            return None;
        }
        let count = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|i| &self.members[(start + i) % count])
            .find(|replica| replica.status() == ReplicaStatus::Ok)
            .map(|replica| (replica, fence.lsn))
    }

    /// Runs `work` on a replica fit for a read that starts at cache sequence `sequence`, or gives
    /// it back for the primary: also when the replica fails it (a lost connection, a query
    /// cancelled by recovery), so a replica's trouble never reaches the client.
    pub async fn try_read<T, F>(&self, sequence: u64, work: F) -> Served<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Clone + Send + 'static,
    {
        let Some((replica, fence)) = self.choose(sequence) else {
            return Served::Declined(work);
        };
        let Ok(Ok(turn)) = tokio::time::timeout(
            replica.pool.connection_timeout(),
            replica.pool.line.clone().acquire_owned(),
        )
        .await
        else {
            return Served::Declined(work);
        };
        let connections = replica.pool.connections.clone();
        let retry = work.clone();
        let outcome = actix_web::web::block(move || {
            let _turn = turn;
            let Ok(mut conn) = connections.get() else {
                return Err(Unfit::Unreachable);
            };
            match standby_state(&mut conn) {
                Ok((true, Some(replayed))) if replayed >= fence => Ok(work(&mut conn)),
                Ok((true, _)) => Err(Unfit::Behind),
                Ok((false, _)) => Err(Unfit::NotStandby),
                Err(_) => Err(Unfit::Unreachable),
            }
        })
        .await;
        match outcome {
            Ok(Ok(Ok(value))) => Served::Replica(replica.name.clone(), Ok(value)),
            // The answer to the request (a 404 is one); only the server's own failures are retried.
            Ok(Ok(Err(e))) if !e.status_code().is_server_error() => {
                Served::Replica(replica.name.clone(), Err(e))
            }
            Ok(Ok(Err(e))) => {
                tracing::warn!(replica = %replica.name, error = %e, "a read failed on a replica; read again on the primary");
                if matches!(e, AppError::Unavailable(_)) {
                    replica.set(ReplicaStatus::Down, None);
                }
                Served::Declined(retry)
            }
            Ok(Err(unfit)) => {
                match unfit {
                    // Not worth another try until a check finds it back.
                    Unfit::Unreachable => replica.set(ReplicaStatus::Down, None),
                    Unfit::NotStandby => replica.set(ReplicaStatus::NotStandby, None),
                    Unfit::Behind => {}
                }
                Served::Declined(retry)
            }
            Err(_) => Served::Declined(retry),
        }
    }

    /// Keeps the replicas' health and the fence current, for the life of the process: the fence
    /// is raised after every invalidation of `cache`, and every second with the replicas' checks,
    /// which run in a task of their own so that a slow check never holds the fence back.
    pub async fn watch(self: Arc<Self>, primary: Pool, cache: Arc<ResponseCache>) {
        if self.members.is_empty() {
            return;
        }
        actix_web::rt::spawn(Arc::clone(&self).check_every_second(primary.clone(), Arc::clone(&cache)));
        loop {
            cache.invalidated().notified().await;
            self.raise_fence(&primary, &cache).await;
        }
    }

    async fn check_every_second(self: Arc<Self>, primary: Pool, cache: Arc<ResponseCache>) {
        let mut tick = tokio::time::interval(CHECK_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let primary_at = self.raise_fence(&primary, &cache).await;
            self.check_replicas(primary_at.or_else(|| self.last_sample()))
                .await;
        }
    }

    fn last_sample(&self) -> Option<u64> {
        let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        samples.back().map(|(_, lsn)| *lsn)
    }

    /// Reads the primary's position after the invalidations so far: they are all behind it.
    /// Returns the position, or `None` when the primary could not be asked.
    async fn raise_fence(&self, primary: &Pool, cache: &ResponseCache) -> Option<u64> {
        let covers = cache.begin();
        let lsn = super::run(primary, |conn| primary_position(conn).map_err(AppError::from))
            .await
            .ok()
            .flatten()?;
        let mut fence = self.fence.lock().unwrap_or_else(PoisonError::into_inner);
        if covers >= fence.covers {
            *fence = Fence { covers, lsn };
        }
        drop(fence);
        let mut samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        samples.push_back((Instant::now(), lsn));
        let keep = self.max_lag + 2 * CHECK_INTERVAL;
        while samples.front().is_some_and(|(at, _)| at.elapsed() > keep) {
            samples.pop_front();
        }
        Some(lsn)
    }

    /// Asks each replica how it is; `primary_at` is the primary's last known position (`None`:
    /// never known, so no lag can be told).
    async fn check_replicas(&self, primary_at: Option<u64>) {
        let checks = self.members.iter().map(|replica| async move {
            let pool = replica.pool.clone();
            let asked = tokio::time::timeout(
                CHECK_TIMEOUT,
                super::run(&pool, |conn| standby_state(conn).map_err(AppError::from)),
            )
            .await;
            match (asked, primary_at) {
                (Ok(Ok((true, Some(replayed)))), Some(primary_at)) => match self.lag(replayed, primary_at) {
                    Some(lag) if lag <= self.max_lag => replica.set(ReplicaStatus::Ok, Some(lag)),
                    lag => replica.set(ReplicaStatus::Lagging, lag),
                },
                (Ok(Ok((true, _))), _) => replica.set(ReplicaStatus::Unchecked, None),
                (Ok(Ok((false, _))), _) => replica.set(ReplicaStatus::NotStandby, None),
                (Ok(Err(_)) | Err(_), _) => replica.set(ReplicaStatus::Down, None),
            }
        });
        futures_util::future::join_all(checks).await;
    }

    /// How long a replica that replayed up to `replayed` has been behind: nothing when it has
    /// everything the primary had at the last sample, else the age of the oldest sample past it.
    /// `None` when it is behind every sample and they do not reach back past the bound yet (just
    /// started): it cannot be told to be close enough.
    fn lag(&self, replayed: u64, primary_at: u64) -> Option<Duration> {
        if replayed >= primary_at {
            return Some(Duration::ZERO);
        }
        let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        let first_past = samples.iter().position(|(_, lsn)| *lsn > replayed)?;
        let age = samples[first_past].0.elapsed();
        (first_past > 0 || age > self.max_lag).then_some(age)
    }
}

/// Starts watching the state's replicas, if it has any (see [`Replicas::watch`]).
pub fn spawn(state: &crate::state::AppState) {
    if state.replicas.is_empty() {
        return;
    }
    actix_web::rt::spawn(Arc::clone(&state.replicas).watch(state.pool.clone(), Arc::clone(&state.cache)));
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Text)]
    lsn: String,
}

#[derive(QueryableByName)]
struct Standby {
    #[diesel(sql_type = Bool)]
    in_recovery: bool,
    #[diesel(sql_type = Nullable<Text>)]
    replayed: Option<String>,
}

/// A WAL position of the primary that every transaction committed before the call ends before:
/// the flush position, which a commit waits for; with `synchronous_commit = off` (on this pool's
/// role or database, so on the writers' too) a commit does not wait, and the insert position is
/// taken instead. `None` if the server says something else than a position.
fn primary_position(conn: &mut DbConn) -> QueryResult<Option<u64>> {
    let DbConn::Postgresql(pg) = conn else {
        return Ok(None);
    };
    let position: Position = diesel::sql_query(
        "SELECT (CASE WHEN current_setting('synchronous_commit') = 'off' THEN pg_current_wal_insert_lsn() \
         ELSE pg_current_wal_flush_lsn() END)::text AS lsn",
    )
    .get_result(pg)?;
    Ok(parse_lsn(&position.lsn))
}

/// Whether the server is a standby, and how far it has replayed.
fn standby_state(conn: &mut DbConn) -> QueryResult<(bool, Option<u64>)> {
    let DbConn::Postgresql(pg) = conn else {
        return Ok((false, None));
    };
    let state: Standby = diesel::sql_query(
        "SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS replayed",
    )
    .get_result(pg)?;
    Ok((state.in_recovery, state.replayed.as_deref().and_then(parse_lsn)))
}

/// A PostgreSQL LSN (`16/B374D848`) as a number.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    Some((u64::from_str_radix(high, 16).ok()? << 32) | u64::from_str_radix(low, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_compare_as_numbers() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert!(parse_lsn("1/0") > parse_lsn("0/FFFFFFFF"));
        assert_eq!(parse_lsn("nonsense"), None);
        assert_eq!(parse_lsn("1/G"), None);
    }

    #[test]
    fn lag_counts_from_when_the_primary_moved_past_the_replica() {
        let replicas = Replicas::with_members(Vec::new(), Duration::from_secs(5));
        let now = Instant::now();
        {
            let mut samples = replicas.samples.lock().unwrap();
            samples.push_back((now - Duration::from_secs(3), 100));
            samples.push_back((now - Duration::from_secs(2), 200));
            samples.push_back((now - Duration::from_secs(1), 300));
        }
        assert_eq!(replicas.lag(300, 300), Some(Duration::ZERO), "caught up");
        let lag = replicas.lag(150, 300).unwrap();
        assert!(
            lag >= Duration::from_secs(2) && lag < Duration::from_secs(3),
            "{lag:?}"
        );
        // Behind every sample, which reach back 3 s only: more than 3 s, maybe not past 5 s.
        assert_eq!(replicas.lag(50, 300), None);
        replicas
            .samples
            .lock()
            .unwrap()
            .push_front((now - Duration::from_secs(6), 80));
        let behind_all = replicas.lag(50, 300).unwrap();
        assert!(behind_all >= Duration::from_secs(6), "{behind_all:?}");
    }

    #[test]
    fn a_well_replica_is_chosen_only_for_reads_the_fence_covers() {
        let url = DatabaseUrl::Postgres("postgres://127.0.0.1:1/nowhere".to_owned());
        let replicas = Replicas::connect(&[url], 1, Duration::from_secs(5));
        assert!(replicas.choose(1).is_none(), "unchecked");
        replicas.members[0].set(ReplicaStatus::Ok, Some(Duration::ZERO));
        assert!(
            replicas.choose(1).is_none(),
            "the fence covers no invalidation yet"
        );
        *replicas.fence.lock().unwrap() = Fence { covers: 3, lsn: 42 };
        let (chosen, fence) = replicas.choose(3).expect("covered");
        assert_eq!((chosen.name(), fence), ("127.0.0.1:1/nowhere", 42));
        assert!(replicas.choose(4).is_none(), "an invalidation after the fence");
        replicas.members[0].set(ReplicaStatus::Lagging, None);
        assert!(replicas.choose(3).is_none(), "lagging");
    }
}
