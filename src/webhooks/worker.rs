//! The delivery worker, in the serving process: announces scheduled articles whose time came,
//! claims due deliveries and sends them, signed, recording every attempt.
//!
//! At least once, in order per endpoint and resource: a delivery is marked delivered only after
//! a 2xx answer; a failed attempt is tried again with exponential backoff and jitter until the
//! retry period (`DATELINE_WEBHOOK_RETRY_HOURS`) has passed, then marked failed. A claim is a
//! lease: a worker that dies mid-send leaves it to be taken again once the lease ends. Each send
//! is its own task with a timeout, and an endpoint has at most [`PER_ENDPOINT`] in flight, so a
//! slow or failing receiver holds up neither the server nor other endpoints.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::http::header;
use chrono::NaiveDateTime;
use futures_util::StreamExt;

use super::guard::{self, GuardedResolver};
use super::secrets::{self, SealingKey};
use crate::db;
use crate::error::AppError;
use crate::models::article;
use crate::models::webhook::{self as rows, Claimed, Outcome};
use crate::state::AppState;
use crate::values::DeliveryState;

/// How often the worker looks for due deliveries and scheduled articles.
const POLL: Duration = Duration::from_millis(250);
/// Deliveries in flight to one endpoint at most.
pub const PER_ENDPOINT: usize = 2;
/// The response body kept per attempt, in bytes; the rest is never read.
pub const EXCERPT_BYTES: usize = 1024;
/// Backoff after the first failure, doubling up to [`LAST_RETRY`].
const FIRST_RETRY_SECS: i64 = 5;
const LAST_RETRY_SECS: i64 = 3600;
/// Scheduled articles announced per round.
const ANNOUNCED_PER_ROUND: i64 = 100;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub announced: usize,
    pub attempted: usize,
    pub delivered: usize,
}

/// Sends deliveries for one process.
#[derive(Clone)]
pub struct Deliverer {
    state: AppState,
    client: awc::Client,
    key: SealingKey,
    in_flight: Rc<RefCell<HashMap<i64, usize>>>,
}

impl Deliverer {
    pub fn new(state: AppState) -> Self {
        let config = &state.config.webhooks;
        let resolver = actix_tls::connect::Resolver::custom(GuardedResolver {
            allowed: config.allowed_networks.clone(),
        });
        let connector = awc::Connector::new()
            .openssl(crate::outbound::tls_connector())
            .connector(actix_tls::connect::Connector::new(resolver).service())
            .timeout(config.timeout);
        let client = awc::Client::builder()
            .connector(connector)
            .disable_redirects()
            .timeout(config.timeout)
            .add_default_header((header::USER_AGENT, "Dateline-Webhooks/1"))
            .finish();
        let key = SealingKey::derive(state.config.jwt_secret.bytes());
        Self {
            state,
            client,
            key,
            in_flight: Rc::default(),
        }
    }

    /// Runs forever on the current (actix) runtime.
    pub async fn run(self) {
        loop {
            match self.start_round().await {
                Ok(started) if started > 0 => {}
                Ok(_) => actix_web::rt::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker round failed; retrying");
                    actix_web::rt::time::sleep(POLL * 4).await;
                }
            }
        }
    }

    /// Announces due scheduled articles and starts sending what is due, without waiting for
    /// the answers; returns how many sends it started.
    async fn start_round(&self) -> Result<usize, AppError> {
        self.announce_due().await?;
        let claimed = self.claim().await?;
        let started = claimed.len();
        for delivery in claimed {
            let this = self.clone();
            actix_web::rt::spawn(async move {
                let endpoint = delivery.endpoint_id;
                if let Err(e) = this.deliver(delivery).await {
                    tracing::warn!(error = %e, "recording a webhook attempt failed");
                }
                this.finished(endpoint);
            });
        }
        Ok(started)
    }

    /// One whole round, waiting for every answer: for tests and the command line.
    pub async fn run_once(&self) -> Result<Round, AppError> {
        let announced = self.announce_due().await?;
        let claimed = self.claim().await?;
        let attempted = claimed.len();
        let mut delivered = 0;
        let results = futures_util::future::join_all(claimed.into_iter().map(|d| {
            let endpoint = d.endpoint_id;
            async move {
                let result = self.deliver(d).await;
                self.finished(endpoint);
                result
            }
        }))
        .await;
        for result in results {
            if result? == DeliveryState::Delivered {
                delivered += 1;
            }
        }
        Ok(Round {
            announced,
            attempted,
            delivered,
        })
    }

    /// Scheduled articles whose time came: each announced once, in its own transaction.
    async fn announce_due(&self) -> Result<usize, AppError> {
        let now = self.state.now();
        let media = self.state.media.clone();
        db::run(&self.state.pool, move |conn| {
            let due = article::due_unannounced(conn, now, ANNOUNCED_PER_ROUND)?;
            let mut announced = 0;
            for id in due {
                // One article that cannot be announced must hold up neither the others nor the
                // deliveries: it is logged and tried again next round.
                match db::write(conn, |conn| {
                    super::events::announce_scheduled(conn, &media, now, id)
                }) {
                    Ok(true) => announced += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(article = id, error = %e, "announcing a scheduled article failed")
                    }
                }
            }
            Ok(announced)
        })
        .await
    }

    /// Claims what this process may send now.
    async fn claim(&self) -> Result<Vec<Claimed>, AppError> {
        let config = &self.state.config.webhooks;
        let (busy, total): (Vec<i64>, usize) = {
            let in_flight = self.in_flight.borrow();
            let busy = in_flight
                .iter()
                .filter(|(_, n)| **n >= PER_ENDPOINT)
                .map(|(id, _)| *id)
                .collect();
            (busy, in_flight.values().sum())
        };
        let free = config.concurrency.saturating_sub(total);
        if free == 0 {
            return Ok(Vec::new());
        }
        let now = self.state.now();
        let lease = now
            + chrono::Duration::from_std(config.timeout).unwrap_or_default()
            + chrono::Duration::seconds(30);
        let counts = self.in_flight.borrow().clone();
        let claimed = db::run(&self.state.pool, move |conn| {
            db::write(conn, |conn| {
                let claimed = rows::claim_due(conn, now, lease, free as i64, &busy)?;
                // At most PER_ENDPOINT in flight per endpoint: the surplus goes back at once.
                let mut taken = counts;
                let (keep, surplus): (Vec<Claimed>, Vec<Claimed>) = claimed.into_iter().partition(|d| {
                    let n = taken.entry(d.endpoint_id).or_default();
                    *n += 1;
                    *n <= PER_ENDPOINT
                });
                if !surplus.is_empty() {
                    rows::release(conn, &surplus.iter().map(|d| d.id).collect::<Vec<_>>())?;
                }
                Ok::<_, AppError>(keep)
            })
        })
        .await?;
        let mut in_flight = self.in_flight.borrow_mut();
        for d in &claimed {
            *in_flight.entry(d.endpoint_id).or_default() += 1;
        }
        Ok(claimed)
    }

    fn finished(&self, endpoint: i64) {
        let mut in_flight = self.in_flight.borrow_mut();
        if let Some(n) = in_flight.get_mut(&endpoint) {
            *n -= 1;
            if *n == 0 {
                in_flight.remove(&endpoint);
            }
        }
    }

    /// Sends one delivery and records the attempt; returns the delivery's new state.
    async fn deliver(&self, delivery: Claimed) -> Result<DeliveryState, AppError> {
        let started = Instant::now();
        let sent = self.send(&delivery).await;
        let latency_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let now = self.state.now();
        let attempt = delivery.attempts + 1;
        let (status, error, excerpt) = match &sent {
            Ok((status, excerpt)) => (Some(i32::from(*status)), None, Some(excerpt.clone())),
            Err(error) => (None, Some(error.clone()), None),
        };
        let success = status.is_some_and(|s| (200..300).contains(&s));
        let retry_ends = delivery.created_at
            + chrono::Duration::from_std(self.state.config.webhooks.retry_period).unwrap_or_default();
        let (state, next) = if success {
            (DeliveryState::Delivered, now)
        } else {
            let next = now + backoff(attempt);
            if next > retry_ends {
                (DeliveryState::Failed, now)
            } else {
                (DeliveryState::Pending, next)
            }
        };
        self.state.metrics.webhook_attempt(state);
        let (id, lease) = (delivery.id, delivery.leased_until);
        db::run(&self.state.pool, move |conn| {
            let outcome = Outcome {
                at: now,
                status,
                error: error.as_deref(),
                latency_ms,
                response_excerpt: excerpt.as_deref(),
                state,
                next_attempt_at: next,
            };
            Ok(db::write(conn, |conn| {
                rows::record_attempt(conn, id, attempt, lease, &outcome)
            })?)
        })
        .await?;
        Ok(state)
    }

    /// POSTs the payload, signed with the current secret (and the previous one while its
    /// overlap lasts); the status and a bounded excerpt of the answer, or why there is none.
    async fn send(&self, delivery: &Claimed) -> Result<(u16, String), String> {
        // Names are checked by the resolver as the connection is made; an address written as
        // such never reaches it.
        guard::check_literal_address(&delivery.url, &self.state.config.webhooks.allowed_networks)?;
        let now = self.state.now();
        let signature = self.signature(delivery, now)?;
        let timestamp = now.and_utc().timestamp();
        let request = self
            .client
            .post(&delivery.url)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header(("webhook-id", delivery.public_id.as_str()))
            .insert_header(("webhook-timestamp", timestamp.to_string()))
            .insert_header(("webhook-signature", signature));
        let timeout = self.state.config.webhooks.timeout;
        let too_slow = || format!("no answer within {} ms", timeout.as_millis());
        let exchange = async {
            let mut response = request
                .send_body(delivery.payload.clone())
                .await
                .map_err(|e| match e {
                    awc::error::SendRequestError::Timeout => too_slow(),
                    other => format!("sending failed: {other}"),
                })?;
            let status = response.status().as_u16();
            let mut excerpt = Vec::new();
            while excerpt.len() < EXCERPT_BYTES {
                match response.next().await {
                    Some(Ok(chunk)) => excerpt.extend_from_slice(&chunk),
                    Some(Err(e)) => return Err(format!("reading the answer failed: {e}")),
                    None => break,
                }
            }
            excerpt.truncate(EXCERPT_BYTES);
            Ok((status, String::from_utf8_lossy(&excerpt).into_owned()))
        };
        actix_web::rt::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(too_slow()))
    }

    fn signature(&self, delivery: &Claimed, now: NaiveDateTime) -> Result<String, String> {
        let unreadable = "the endpoint's secret cannot be read (was DATELINE_JWT_SECRET changed?): rotate it";
        let current = self.key.open(&delivery.secret).ok_or(unreadable)?;
        let timestamp = now.and_utc().timestamp();
        let body = delivery.payload.as_bytes();
        let mut signatures = vec![secrets::sign(&current, &delivery.public_id, timestamp, body)];
        if let (Some(previous), Some(until)) = (&delivery.previous_secret, delivery.previous_expires_at)
            && until > now
            && let Some(previous) = self.key.open(previous)
        {
            signatures.push(secrets::sign(&previous, &delivery.public_id, timestamp, body));
        }
        Ok(signatures.join(" "))
    }
}

/// The wait before attempt `attempt + 1`: 5 s doubling per attempt up to an hour, with jitter
/// (between half and all of it) so that failed deliveries do not retry in lockstep.
pub fn backoff(attempt: i32) -> chrono::Duration {
    let full = FIRST_RETRY_SECS
        .saturating_mul(1_i64 << (attempt - 1).clamp(0, 20))
        .min(LAST_RETRY_SECS)
        * 1000;
    chrono::Duration::milliseconds(rand::random_range(full / 2..=full))
}

/// Starts the worker on the current (actix) runtime.
pub fn spawn(state: &AppState) {
    actix_web::rt::spawn(Deliverer::new(state.clone()).run());
}
