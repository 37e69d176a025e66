//! Prometheus metrics: requests by route template and status, latency, the connection pool,
//! and response-cache hits. Served at `/metrics` only where configured (its own address, or
//! behind a bearer token).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use actix_web::http::Method;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::db::Pool;

/// Requests waiting for a database connection right now (process-wide).
pub static POOL_WAITING: AtomicI64 = AtomicI64::new(0);

/// The service's metrics, one registry per application state.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_in_use: IntGauge,
    pool_idle: IntGauge,
    pool_waiting: IntGauge,
    pool_size: IntGauge,
    cache: IntCounterVec,
    coalesced: prometheus::IntCounter,
    documents: IntCounterVec,
    documents_rendered: prometheus::IntCounter,
    windows_refreshed: prometheus::IntCounter,
    invalidations: IntCounterVec,
    purges: IntCounterVec,
    webhook_attempts: IntCounterVec,
    database_reads: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("dateline".to_owned()), None).expect("a valid prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route template and status.",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer, by method and route template.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        let pool_in_use = gauge("db_pool_connections_in_use", "Database connections checked out.");
        let pool_idle = gauge("db_pool_connections_idle", "Database connections open and idle.");
        let pool_waiting = gauge("db_pool_waiting", "Requests waiting for a database connection.");
        let pool_size = gauge("db_pool_max_size", "The pool's maximum size.");
        let cache = IntCounterVec::new(
            Opts::new(
                "response_cache_total",
                "Response cache lookups by result (hit, miss).",
            ),
            &["result"],
        )
        .expect("valid metric");
        let coalesced = prometheus::IntCounter::new(
            "response_cache_coalesced_total",
            "Cache hits that waited for another request computing the same answer (counted among the hits too).",
        )
        .expect("valid metric");
        let documents = IntCounterVec::new(
            Opts::new(
                "stored_documents_total",
                "Public article reads that looked for stored documents, by result: `hit` (served from them), `miss` (read live).",
            ),
            &["result"],
        )
        .expect("valid metric");
        let documents_rendered = prometheus::IntCounter::new(
            "stored_documents_rendered_total",
            "Articles whose stored documents this instance rendered and stored.",
        )
        .expect("valid metric");
        let windows_refreshed = prometheus::IntCounter::new(
            "related_windows_refreshed_total",
            "Related-articles windows (a tag's or a section's newest articles) this instance recomputed and stored after a change.",
        )
        .expect("valid metric");
        let invalidations = IntCounterVec::new(
            Opts::new(
                "response_cache_invalidations_total",
                "Writes through this instance that invalidated cached answers, by scope: `keys` (what the write changed) or `everything`.",
            ),
            &["scope"],
        )
        .expect("valid metric");
        let purges = IntCounterVec::new(
            Opts::new(
                "cache_purges_total",
                "Purge batches sent to the CDN or caching proxy, by result (sent, failed; failed ones are retried).",
            ),
            &["result"],
        )
        .expect("valid metric");
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts by the delivery's state after them: delivered, pending (will be retried), failed (retry period over).",
            ),
            &["result"],
        )
        .expect("valid metric");
        let database_reads = IntCounterVec::new(
            Opts::new(
                "db_reads_total",
                "Public reads by where they ran: `primary` or a replica's `host:port/database` (counted when replicas are configured).",
            ),
            &["target"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_in_use.clone()),
            Box::new(pool_idle.clone()),
            Box::new(pool_waiting.clone()),
            Box::new(pool_size.clone()),
            Box::new(cache.clone()),
            Box::new(coalesced.clone()),
            Box::new(documents.clone()),
            Box::new(documents_rendered.clone()),
            Box::new(windows_refreshed.clone()),
            Box::new(invalidations.clone()),
            Box::new(purges.clone()),
            Box::new(webhook_attempts.clone()),
            Box::new(database_reads.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            latency,
            pool_in_use,
            pool_idle,
            pool_waiting,
            pool_size,
            cache,
            coalesced,
            documents,
            documents_rendered,
            windows_refreshed,
            invalidations,
            purges,
            webhook_attempts,
            database_reads,
        }
    }

    /// Counts one answered request. `route` must be a template or another fixed name, never a raw
    /// path; the method is reduced to [`method_label`].
    pub fn observe(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    pub fn cache_lookup(&self, hit: bool) {
        self.cache
            .with_label_values(&[if hit { "hit" } else { "miss" }])
            .inc();
    }

    /// A cache hit that waited for another request computing the answer.
    pub fn cache_coalesced(&self) {
        self.coalesced.inc();
    }

    /// A public article read found fresh stored documents (`hit`) or read live.
    pub fn document_lookup(&self, hit: bool) {
        self.documents
            .with_label_values(&[if hit { "hit" } else { "miss" }])
            .inc();
    }

    /// Articles whose documents were rendered and stored.
    pub fn documents_rendered(&self, count: usize) {
        self.documents_rendered.inc_by(count as u64);
    }

    /// Related windows recomputed and stored.
    pub fn windows_refreshed(&self, count: usize) {
        self.windows_refreshed.inc_by(count as u64);
    }

    /// A write invalidated the answers depending on some keys (`targeted`), or everything.
    pub fn cache_invalidation(&self, targeted: bool) {
        self.invalidations
            .with_label_values(&[if targeted { "keys" } else { "everything" }])
            .inc();
    }

    /// A batch of purges was accepted by its endpoint (`sent`), or failed and will be retried.
    pub fn cache_purge(&self, sent: bool) {
        self.purges
            .with_label_values(&[if sent { "sent" } else { "failed" }])
            .inc();
    }

    /// A webhook delivery was attempted, leaving it in `state`.
    pub fn webhook_attempt(&self, state: crate::values::DeliveryState) {
        self.webhook_attempts.with_label_values(&[state.as_str()]).inc();
    }

    /// A public read ran on `target` (`primary`, or a replica's name from the configuration).
    pub fn database_read(&self, target: &str) {
        self.database_reads.with_label_values(&[target]).inc();
    }

    /// The exposition text, with the pool gauges read now.
    pub fn render(&self, pool: &Pool) -> String {
        let state = pool.state();
        self.pool_in_use
            .set(i64::from(state.connections - state.idle_connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_waiting.set(POOL_WAITING.load(Ordering::Relaxed));
        self.pool_size.set(i64::from(pool.max_size()));
        let mut buffer = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// The method as a label: the standard ones by name, anything else as `OTHER`. HTTP lets a
/// client invent methods, and every distinct label value is a series kept for the life of the
/// process, so a client must not be able to mint them.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for invented in [&b"FOO123"[..], b"get", b"PROPFIND", b"X"] {
            let method = Method::from_bytes(invented).expect("a valid method token");
            assert_eq!(method_label(&method), "OTHER");
        }
    }
}
