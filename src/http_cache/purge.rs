//! Purging a CDN or caching proxy by Surrogate-Key: after each committed write, the keys it
//! invalidated (the rows of `cache_invalidations`) are sent to every endpoint of
//! `DATELINE_PURGE_URLS`, as Varnish's xkey module or Fastly's API expect them.
//!
//! The invalidation rows are the outbox: each endpoint has a cursor (`cache_purges`) that moves
//! only once the endpoint has accepted the purge, so a purge that fails (the proxy is down,
//! answers 5xx, times out) is sent again, with exponential backoff and jitter, until it is
//! delivered; nothing is lost across restarts. One instance at a time holds an endpoint's lease
//! and sends its purges, so several instances over one database do not send each one N times.

use std::collections::BTreeSet;
use std::time::Duration;

use actix_web::http::Method;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::keys::EVERY_ANSWER;
use super::store::{EVERYTHING, read_invalidations};
use crate::config::{PurgeStyle, PurgeTarget};
use crate::db::schema::{cache_invalidations, cache_purges};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::state::AppState;

/// How often an endpoint's worker looks for new rows written by other instances (writes
/// through this one wake it at once).
const IDLE_POLL: Duration = Duration::from_millis(200);
/// How long an instance's claim on an endpoint lasts without being renewed.
const LEASE_SECS: i64 = 10;
/// Backoff after a failed purge: from the first to the last, doubling, with jitter.
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(30);
/// Rows read per batch, and keys per request (Fastly accepts 256).
const BATCH_ROWS: usize = 500;
const KEYS_PER_REQUEST: usize = 200;
/// Rows below the cursor read again (PostgreSQL commits can land out of id order).
const RECHECKED: i64 = 64;

/// Starts one purging task per endpoint on the current (actix) runtime.
pub fn spawn(state: &AppState) {
    let Some(target) = state.config.purge.clone() else {
        return;
    };
    let instance = hex::encode(rand::random::<[u8; 8]>());
    for url in target.urls.clone() {
        let worker = Worker {
            state: state.clone(),
            target: target.clone(),
            url,
            instance: instance.clone(),
            sent: BTreeSet::new(),
            recorded: state.cache.recorded(),
        };
        actix_web::rt::spawn(worker.run());
    }
}

struct Worker {
    state: AppState,
    target: PurgeTarget,
    url: String,
    instance: String,
    /// Row ids sent by this instance near the cursor.
    sent: BTreeSet<i64>,
    /// Writes through this instance wake the worker at once; others' are found by polling.
    recorded: tokio::sync::watch::Receiver<u64>,
}

/// What one round did.
enum Round {
    /// Sent the purges of new rows.
    Sent,
    /// Nothing new.
    Idle,
    /// Another instance holds this endpoint.
    Held,
}

/// An endpoint's cursor, claimed.
enum Claimed {
    At(i64),
    /// Rows it had not been sent were removed.
    Lost,
}

/// What one round has to send.
struct Batch {
    rows: Vec<(i64, String)>,
}

impl Worker {
    async fn run(mut self) {
        let mut retry = FIRST_RETRY;
        loop {
            match self.round().await {
                Ok(Round::Sent) => retry = FIRST_RETRY,
                Ok(Round::Idle) => {
                    retry = FIRST_RETRY;
                    let woken = Box::pin(self.recorded.changed());
                    let timer = Box::pin(actix_web::rt::time::sleep(IDLE_POLL));
                    let _ = futures_util::future::select(woken, timer).await;
                }
                Ok(Round::Held) => actix_web::rt::time::sleep(Duration::from_secs(1)).await,
                Err(e) => {
                    self.state.metrics.cache_purge(false);
                    tracing::warn!(endpoint = %self.url, error = %e, "purge failed; retrying");
                    let jitter = rand::random_range(0..=retry.as_millis() as u64 / 2);
                    actix_web::rt::time::sleep(retry + Duration::from_millis(jitter)).await;
                    retry = (retry * 2).min(LAST_RETRY);
                }
            }
        }
    }

    /// Claims the endpoint, sends what is new, and moves its cursor.
    async fn round(&mut self) -> Result<Round, String> {
        let (url, instance, now) = (self.url.clone(), self.instance.clone(), self.state.now());
        let claimed = db::run(&self.state.pool, move |conn| {
            Ok(claim(conn, &url, &instance, now)?)
        })
        .await
        .map_err(|e| e.to_string())?;
        let last_id = match claimed {
            None => return Ok(Round::Held),
            Some(Claimed::At(last_id)) => last_id,
            Some(Claimed::Lost) => {
                tracing::warn!(endpoint = %self.url, "purges were lost to the clean-up; purging everything");
                self.request(&crate::outbound::client(Duration::from_secs(5)), None)
                    .await?;
                let (url, instance) = (self.url.clone(), self.instance.clone());
                db::run(&self.state.pool, move |conn| {
                    Ok(restart(conn, &url, &instance, now)?)
                })
                .await
                .map_err(|e| e.to_string())?;
                return Ok(Round::Sent);
            }
        };
        let since = last_id - RECHECKED;
        let rows = db::run(&self.state.pool, move |conn| {
            let mut rows = read_invalidations(conn, Some(since))?;
            rows.truncate(BATCH_ROWS);
            Ok::<_, AppError>(rows)
        })
        .await
        .map_err(|e| e.to_string())?;
        let batch = Batch {
            rows: rows
                .into_iter()
                .filter(|(id, _)| *id > last_id || !self.sent.contains(id))
                .collect(),
        };
        let Some(newest) = batch.rows.iter().map(|(id, _)| *id).max() else {
            return Ok(Round::Idle);
        };
        self.send(&batch).await?;
        self.state.metrics.cache_purge(true);
        self.sent.extend(batch.rows.iter().map(|(id, _)| *id));
        let floor = newest.max(last_id) - RECHECKED;
        self.sent.retain(|&id| id > floor);
        let (url, instance) = (self.url.clone(), self.instance.clone());
        db::run(&self.state.pool, move |conn| {
            Ok(advance(conn, &url, &instance, newest, now)?)
        })
        .await
        .map_err(|e| e.to_string())?;
        Ok(Round::Sent)
    }

    /// Sends the batch's keys (or everything) to the endpoint; an error unless it accepted them.
    async fn send(&self, batch: &Batch) -> Result<(), String> {
        let everything = batch.rows.iter().any(|(_, keys)| keys == EVERYTHING);
        let mut keys: Vec<&str> = batch
            .rows
            .iter()
            .flat_map(|(_, keys)| keys.split(' ').filter(|k| !k.is_empty()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let client = crate::outbound::client(Duration::from_secs(5));
        if everything {
            return self.request(&client, None).await;
        }
        for chunk in keys.chunks(KEYS_PER_REQUEST) {
            self.request(&client, Some(&chunk.join(" "))).await?;
        }
        Ok(())
    }

    /// One purge request: of `keys`, or of everything.
    async fn request(&self, client: &awc::Client, keys: Option<&str>) -> Result<(), String> {
        let request = match self.target.style {
            PurgeStyle::Xkey => {
                let purge = Method::from_bytes(b"PURGE").expect("a valid method");
                client
                    .request(purge, format!("{}/", self.url))
                    .insert_header(("xkey-purge", keys.unwrap_or(EVERY_ANSWER)))
            }
            PurgeStyle::Fastly => {
                let token = self.target.token.clone().unwrap_or_default();
                let request = match keys {
                    Some(keys) => client
                        .post(format!("{}/purge", self.url))
                        .insert_header(("Surrogate-Key", keys)),
                    None => client.post(format!("{}/purge_all", self.url)),
                };
                request
                    .insert_header(("Fastly-Key", token))
                    .insert_header(("Accept", "application/json"))
            }
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the endpoint answered {}", response.status()))
        }
    }
}

/// Takes (or renews) this instance's lease on `endpoint` and answers its cursor, or `None` when
/// another instance holds it. A new endpoint starts at the newest row: it has nothing cached
/// from before.
fn claim(
    conn: &mut DbConn,
    endpoint: &str,
    instance: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Claimed>> {
    let newest: Option<i64> = cache_invalidations::table
        .select(diesel::dsl::max(cache_invalidations::id))
        .first(conn)?;
    let known: i64 = cache_purges::table
        .filter(cache_purges::endpoint.eq(endpoint))
        .count()
        .get_result(conn)?;
    if known == 0 {
        let inserted = diesel::insert_into(cache_purges::table)
            .values((
                cache_purges::endpoint.eq(endpoint),
                cache_purges::last_id.eq(newest.unwrap_or(0)),
                cache_purges::updated_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            // Another instance added it at the same moment.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            other => {
                other?;
            }
        }
    }
    // A cursor behind the oldest row kept lost rows to the clean-up (the endpoint was
    // unreachable for a day): it starts over from the newest, after purging everything.
    let oldest: Option<i64> = cache_invalidations::table
        .select(diesel::dsl::min(cache_invalidations::id))
        .first(conn)?;
    let claimed = diesel::update(
        cache_purges::table
            .filter(cache_purges::endpoint.eq(endpoint))
            .filter(
                cache_purges::leased_by
                    .is_null()
                    .or(cache_purges::leased_by.eq(instance))
                    .or(cache_purges::leased_until.lt(now)),
            ),
    )
    .set((
        cache_purges::leased_by.eq(instance),
        cache_purges::leased_until.eq(now + chrono::Duration::seconds(LEASE_SECS)),
        cache_purges::updated_at.eq(now),
    ))
    .returning(cache_purges::last_id)
    .get_result::<i64>(conn)
    .optional()?;
    Ok(claimed.map(|last_id| match oldest {
        Some(oldest) if last_id + 1 < oldest => Claimed::Lost,
        _ => Claimed::At(last_id),
    }))
}

/// Moves `endpoint`'s cursor to the newest row, after everything was purged.
fn restart(conn: &mut DbConn, endpoint: &str, instance: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let newest: Option<i64> = cache_invalidations::table
        .select(diesel::dsl::max(cache_invalidations::id))
        .first(conn)?;
    advance(conn, endpoint, instance, newest.unwrap_or(0), now)
}

/// Moves `endpoint`'s cursor to `sent_up_to`, if this instance still holds it.
fn advance(
    conn: &mut DbConn,
    endpoint: &str,
    instance: &str,
    sent_up_to: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        cache_purges::table
            .filter(cache_purges::endpoint.eq(endpoint))
            .filter(cache_purges::leased_by.eq(instance))
            .filter(cache_purges::last_id.lt(sent_up_to)),
    )
    .set((
        cache_purges::last_id.eq(sent_up_to),
        cache_purges::updated_at.eq(now),
    ))
    .execute(conn)
}
