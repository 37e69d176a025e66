//! What every handler can reach: the pool, the configuration, the clock, the token keys and the
//! abuse limiters. Built once, before the server starts, and shared by all workers.

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::auth::device::Devices;
use crate::auth::jwt::TokenKeys;
use crate::auth::limiter::WindowLimiter;
use crate::auth::login_limits::{LoginLimits, LoginPolicy};
use crate::auth::password::Hashing;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Pool;
use crate::db::replicas::Replicas;
use crate::http_cache::store::ResponseCache;
use crate::media::storage::MediaStore;
use crate::observability::metrics::Metrics;

/// Per-process abuse limits.
#[derive(Debug)]
pub struct Limits {
    /// Failed logins per address, per account and address, and per account.
    pub login: LoginLimits,
    /// Comment submissions per client address; `None` when switched off.
    pub comments_per_address: Option<WindowLimiter>,
}

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<TokenKeys>,
    pub limits: Arc<Limits>,
    /// Turns to run argon2, shared by logins and password changes.
    pub hashing: Arc<Hashing>,
    pub metrics: Arc<Metrics>,
    pub cache: Arc<ResponseCache>,
    /// The cache misses being computed, for request coalescing.
    pub flights: Arc<crate::http_cache::flight::Flights>,
    /// Read replicas for anonymous public reads (none unless `DATABASE_REPLICA_URLS` is set).
    pub replicas: Arc<Replicas>,
    /// Where media files are stored and served from.
    pub media: Arc<MediaStore>,
    /// Turns to render uploads (`DATELINE_MEDIA_CONCURRENCY`): decoding a large photograph takes
    /// memory and a core, so at most this many run at once and the rest wait.
    pub media_turns: Arc<tokio::sync::Semaphore>,
    /// Uploads being received at once (four per rendering turn): each is buffered in memory
    /// up to `DATELINE_MEDIA_MAX_BYTES`, so their number is bounded; more wait.
    pub media_uploads: Arc<tokio::sync::Semaphore>,
    /// Local media files kept in memory once served.
    pub media_files: Arc<crate::api::media_files::FileCache>,
    /// Stored public documents (`DATELINE_STORED_DOCUMENTS`) and the articles waiting for theirs.
    pub documents: Arc<crate::documents::Documents>,
}

impl AppState {
    /// The state of a process. Fails when the media store cannot be opened.
    pub fn new(pool: Pool, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let limits = Limits {
            login: LoginLimits::new(LoginPolicy {
                per_account: config.login_max_failures_per_account,
                per_address: config.login_max_failures_per_address,
                account_ceiling: config.login_account_ceiling,
                window: config.login_window,
                pace: config.login_pace,
            }),
            comments_per_address: (config.comments_per_minute > 0)
                .then(|| WindowLimiter::new(config.comments_per_minute, std::time::Duration::from_secs(60))),
        };
        let media = Arc::new(MediaStore::open(&config.media)?);
        let documents = Arc::new(crate::documents::Documents::new(
            config.stored_documents,
            &media.url(""),
        ));
        Ok(Self {
            pool,
            documents,
            media,
            media_turns: Arc::new(tokio::sync::Semaphore::new(config.media.concurrency)),
            media_uploads: Arc::new(tokio::sync::Semaphore::new(config.media.concurrency * 4)),
            media_files: Arc::new(crate::api::media_files::FileCache::new(
                config.media.memory_cache_bytes,
            )),
            tokens: Arc::new(TokenKeys::new(config.jwt_secret.bytes())),
            limits: Arc::new(limits),
            hashing: Arc::new(Hashing::new()),
            metrics: Arc::new(Metrics::new()),
            cache: Arc::new(
                ResponseCache::new(config.response_cache_bytes)
                    .following_writes(!config.replica_urls.is_empty()),
            ),
            flights: Arc::default(),
            replicas: Arc::new(Replicas::connect(
                &config.replica_urls,
                config.db_pool_size,
                config.replica_max_lag,
            )),
            config: Arc::new(config),
            clock,
        })
    }

    /// Now, at the precision the database stores.
    pub fn now(&self) -> NaiveDateTime {
        crate::clock::now_micros(self.clock.as_ref())
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now().and_utc()
    }

    /// The key for hashing client addresses, derived from the signing secret so that no second
    /// secret needs managing.
    pub fn address_key(&self) -> Vec<u8> {
        let mut key = b"dateline client address:".to_vec();
        key.extend_from_slice(self.config.jwt_secret.bytes());
        key
    }

    /// Device tokens, signed with the access tokens' key and naming accounts by a keyed digest.
    pub fn devices(&self) -> Devices<'_> {
        let mut digest_key = b"dateline device account:".to_vec();
        digest_key.extend_from_slice(self.config.jwt_secret.bytes());
        Devices {
            keys: &self.tokens,
            digest_key,
        }
    }
}
