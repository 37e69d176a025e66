//! Configuration from the environment (and an optional `.env` file), validated once at start.
//!
//! Every variable is documented in `.env.example` and the README. A bad value stops the process
//! with a message naming the variable and what is wrong with the value; nothing is guessed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Where the data lives, chosen by the scheme of `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string, as given.
    Postgres(String),
}

impl DatabaseUrl {
    pub const DEFAULT: &'static str = "sqlite://data/dateline.db";

    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://...` or `postgresql://...`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .ok_or_else(|| "must start with sqlite:// or postgres://".to_owned())?;
        if path.is_empty() {
            return Err("has an empty SQLite file path".to_owned());
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// The URL form, as `DATABASE_URL` would give it.
    pub fn to_url(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// Where the database is, without credentials or options: `host:port/name`, or the file.
    pub fn location(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                let rest = rest.split(['?', '#']).next().unwrap_or_default();
                let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
                let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
                format!("{host}/{database}")
            }
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

// By hand: a PostgreSQL URL carries its password, and debug output ends up in logs.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&redacted_url(url)).finish(),
        }
    }
}

/// What may be shown of a URL that can carry credentials: its scheme, nothing after it.
fn redacted_url(raw: &str) -> String {
    let is_scheme = |s: &str| {
        s.len() <= 32
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    match raw.trim().split_once("://") {
        Some((scheme, _)) if is_scheme(scheme) => format!("{scheme}://<redacted>"),
        _ => "<redacted>".to_owned(),
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// `development` (the default) or `production`; production refuses insecure fallbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// The key that signs access tokens. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    bytes: Vec<u8>,
    /// True when no secret was configured and a random one was made for this process.
    pub generated: bool,
}

impl Secret {
    /// The shortest secret accepted, in bytes (HS256 wants at least its output size).
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            generated: false,
        }
    }

    pub fn random() -> Self {
        let mut bytes = vec![0u8; 48];
        rand::fill(&mut bytes[..]);
        Self {
            bytes,
            generated: true,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.generated {
            "Secret(generated)"
        } else {
            "Secret(configured)"
        })
    }
}

/// The first administrator, created at start when no user exists (container deployments).
#[derive(Clone)]
pub struct BootstrapAdmin {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapAdmin")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// The validated configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    /// PostgreSQL streaming replicas that serve anonymous public reads (`DATABASE_REPLICA_URLS`).
    pub replica_urls: Vec<DatabaseUrl>,
    /// A replica further behind its primary than this is skipped until it catches up.
    pub replica_max_lag: Duration,
    pub bind: SocketAddr,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub default_page_size: u32,
    pub max_page_size: u32,
    /// Origins allowed by CORS; `["*"]` allows any origin.
    pub cors_origins: Vec<String>,
    pub db_pool_size: u32,
    pub db_pool_timeout: Duration,
    pub workers: usize,
    pub environment: Environment,
    pub jwt_secret: Secret,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Failed logins allowed per account from one address, and per client address, within
    /// `login_window`.
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_address: u32,
    pub login_window: Duration,
    /// Failures of one account from all addresses after which repeated guesses are paced.
    pub login_account_ceiling: u32,
    /// Under attack, an account answers at most one repeated guess per this long.
    pub login_pace: Duration,
    /// Proxies whose `X-Forwarded-For` is believed; nobody else's is.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// Request body limits: articles and other content, and the small ones (auth, comments).
    pub max_body_bytes: usize,
    pub max_small_body_bytes: usize,
    /// New comments are published at once instead of waiting for moderation.
    pub comments_auto_approve: bool,
    /// Whether public article reads use the documents rendered at write time (`src/documents`).
    pub stored_documents: bool,
    /// Comment submissions per client address per minute; 0 turns the limit off.
    pub comments_per_minute: u32,
    /// The same comment (article, name, text) again within this time is refused (409).
    pub comment_duplicate_window: Duration,
    /// Days a deleted article stays restorable in the trash before a purge removes it.
    pub trash_retention_days: u32,
    /// A separate address serving only `/metrics`, for a private network.
    pub metrics_bind: Option<SocketAddr>,
    /// A bearer token that unlocks `/metrics` on the main address.
    pub metrics_token: Option<String>,
    /// Where the Surrogate-Keys of each write are sent (a CDN or caching proxy); `None`: nowhere.
    pub purge: Option<PurgeTarget>,
    /// How long in-flight requests get to finish after SIGTERM/SIGINT.
    pub shutdown_timeout: Duration,
    /// A client must send its request head (line and headers) within this time.
    pub header_timeout: Duration,
    /// A client must send its whole body within this time (slow uploads are cut off).
    pub body_timeout: Duration,
    /// `Cache-Control: public, max-age` of anonymous public reads, for browsers and CDNs.
    pub cache_max_age_secs: u32,
    /// `stale-while-revalidate` of anonymous public reads.
    pub cache_stale_while_revalidate_secs: u32,
    /// Memory for the in-process response cache, in bytes; 0 turns it off.
    pub response_cache_bytes: u64,
    /// Answers smaller than this are not compressed.
    pub compress_min_bytes: usize,
    /// The longest request target (path and query) accepted, in bytes (414 beyond). The default
    /// takes the longest request the spec allows (every slug list full of 120-character slugs,
    /// `q` at 200 four-byte characters, all percent-encoded: about 40 KB).
    pub max_uri_bytes: usize,
    /// The most header bytes a request may carry (431 beyond).
    pub max_header_bytes: usize,
    /// The media library: storage, limits and renditions.
    pub media: MediaConfig,
    /// Webhook deliveries (`DATELINE_WEBHOOK_*`).
    pub webhooks: WebhookConfig,
    /// Articles in each RSS, Atom and JSON feed.
    pub feed_size: u32,
    /// URLs in one sitemap at most; a month with more is split into parts.
    pub sitemap_urls: i64,
}

/// A variable with a value the process cannot run with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: {var}={value:?} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub problem: String,
}

impl ConfigError {
    /// The error with its value cut to the URL's scheme: a connection URL carries a password,
    /// and start-up errors end up in terminals, logs and CI output.
    fn with_url_redacted(self) -> Self {
        Self {
            value: redacted_url(&self.value),
            ..self
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env { lookup: &lookup };
        let default_page_size = env.parse_range("DATELINE_PAGE_SIZE", 20, 1, 1000)?;
        let max_page_size = env.parse_range("DATELINE_MAX_PAGE_SIZE", 100, 1, 1000)?;
        if default_page_size > max_page_size {
            return Err(ConfigError {
                var: "DATELINE_PAGE_SIZE",
                value: default_page_size.to_string(),
                problem: format!("is larger than DATELINE_MAX_PAGE_SIZE ({max_page_size})"),
            });
        }
        let environment = env.parse_with("DATELINE_ENV", "development", |v| match v {
            "development" => Ok(Environment::Development),
            "production" => Ok(Environment::Production),
            _ => Err("must be `development` or `production`".to_owned()),
        })?;
        Ok(Self {
            jwt_secret: jwt_secret(&env, environment)?,
            environment,
            access_token_ttl: Duration::from_secs(
                env.parse_range("DATELINE_ACCESS_TOKEN_TTL_SECS", 900, 30, 86_400)?
                    .into(),
            ),
            refresh_token_ttl: Duration::from_secs(
                u64::from(env.parse_range("DATELINE_REFRESH_TOKEN_TTL_DAYS", 30, 1, 365)?) * 86_400,
            ),
            login_max_failures_per_account: env.parse_range(
                "DATELINE_LOGIN_MAX_FAILURES",
                5,
                1,
                1_000_000,
            )?,
            login_max_failures_per_address: env.parse_range(
                "DATELINE_LOGIN_MAX_FAILURES_PER_ADDRESS",
                20,
                1,
                1_000_000,
            )?,
            login_window: Duration::from_secs(
                env.parse_range("DATELINE_LOGIN_WINDOW_SECS", 900, 1, 86_400)?
                    .into(),
            ),
            login_account_ceiling: env.parse_range("DATELINE_LOGIN_ACCOUNT_CEILING", 50, 1, 1_000_000)?,
            login_pace: Duration::from_secs(
                env.parse_range("DATELINE_LOGIN_PACE_SECS", 10, 1, 3_600)?.into(),
            ),
            trusted_proxies: env.parse_with("DATELINE_TRUSTED_PROXIES", "", parse_networks)?,
            bootstrap_admin: bootstrap_admin(&env)?,
            max_body_bytes: env.parse_range("DATELINE_MAX_BODY_BYTES", 1_048_576, 1024, 64 * 1_048_576)?
                as usize,
            max_small_body_bytes: env.parse_range("DATELINE_MAX_SMALL_BODY_BYTES", 16_384, 256, 1_048_576)?
                as usize,
            comments_auto_approve: env.parse_with("DATELINE_COMMENTS_AUTO_APPROVE", "false", parse_bool)?,
            stored_documents: env.parse_with("DATELINE_STORED_DOCUMENTS", "true", parse_bool)?,
            trash_retention_days: env.parse_range("DATELINE_TRASH_RETENTION_DAYS", 30, 0, 3650)?,
            metrics_bind: env.parse_with("DATELINE_METRICS_BIND", "", |v| {
                if v.is_empty() {
                    return Ok(None);
                }
                SocketAddr::from_str(v)
                    .map(Some)
                    .map_err(|_| "is not a socket address like 127.0.0.1:9090".to_owned())
            })?,
            purge: purge_target(&env)?,
            metrics_token: env.parse_with("DATELINE_METRICS_TOKEN", "", |v| match v.len() {
                0 => Ok(None),
                16.. => Ok(Some(v.to_owned())),
                _ => Err("is too short: at least 16 characters".to_owned()),
            })?,
            cache_max_age_secs: env.parse_range("DATELINE_CACHE_MAX_AGE_SECS", 30, 0, 86_400)?,
            cache_stale_while_revalidate_secs: env.parse_range(
                "DATELINE_CACHE_STALE_WHILE_REVALIDATE_SECS",
                60,
                0,
                86_400,
            )?,
            response_cache_bytes: u64::from(env.parse_range("DATELINE_RESPONSE_CACHE_MB", 64, 0, 65_536)?)
                * 1_048_576,
            compress_min_bytes: env.parse_range("DATELINE_COMPRESS_MIN_BYTES", 1024, 0, 1_048_576)? as usize,
            max_uri_bytes: env.parse_range("DATELINE_MAX_URI_BYTES", 49_152, 256, 65_536)? as usize,
            max_header_bytes: env.parse_range("DATELINE_MAX_HEADER_BYTES", 16_384, 1024, 65_536)? as usize,
            media: media_config(&env)?,
            webhooks: webhook_config(&env)?,
            feed_size: env.parse_range("DATELINE_FEED_SIZE", 50, 1, 500)?,
            sitemap_urls: i64::from(env.parse_range(
                "DATELINE_SITEMAP_URLS",
                crate::syndication::sitemaps::MAX_URLS,
                1,
                crate::syndication::sitemaps::MAX_URLS,
            )?),
            shutdown_timeout: Duration::from_secs(
                env.parse_range("DATELINE_SHUTDOWN_TIMEOUT_SECS", 30, 1, 3600)?
                    .into(),
            ),
            header_timeout: Duration::from_millis(
                env.parse_range("DATELINE_HEADER_TIMEOUT_MS", 5000, 100, 120_000)?
                    .into(),
            ),
            body_timeout: Duration::from_secs(
                env.parse_range("DATELINE_BODY_TIMEOUT_SECS", 10, 1, 3600)?.into(),
            ),
            comments_per_minute: env.parse_range("DATELINE_COMMENTS_PER_MINUTE", 5, 0, 1_000_000)?,
            comment_duplicate_window: Duration::from_secs(
                env.parse_range("DATELINE_COMMENT_DUPLICATE_WINDOW_SECS", 600, 0, 604_800)?
                    .into(),
            ),
            database_url: env
                .parse_with("DATABASE_URL", DatabaseUrl::DEFAULT, DatabaseUrl::parse)
                .map_err(ConfigError::with_url_redacted)?,
            replica_urls: replica_urls(&env)?,
            replica_max_lag: Duration::from_millis(
                env.parse_range("DATELINE_REPLICA_MAX_LAG_MS", 5000, 1000, 600_000)?
                    .into(),
            ),
            bind: env.parse_with("DATELINE_BIND", "127.0.0.1:8080", |v| {
                SocketAddr::from_str(v).map_err(|_| "is not a socket address like 127.0.0.1:8080".to_owned())
            })?,
            log_filter: env.parse_with("DATELINE_LOG", "info", parse_log_filter)?,
            log_format: env.parse_with("DATELINE_LOG_FORMAT", "text", |v| match v {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err("must be `text` or `json`".to_owned()),
            })?,
            default_page_size,
            max_page_size,
            cors_origins: env.parse_with("DATELINE_CORS_ORIGINS", "", parse_origins)?,
            db_pool_size: env.parse_range("DATELINE_DB_POOL_SIZE", 10, 1, 500)?,
            db_pool_timeout: Duration::from_millis(
                env.parse_range("DATELINE_DB_POOL_TIMEOUT_MS", 3000, 10, 60_000)?
                    .into(),
            ),
            workers: env.parse_range(
                "DATELINE_WORKERS",
                std::thread::available_parallelism().map_or(2, |n| n.get()) as u32,
                1,
                256,
            )? as usize,
        })
        .and_then(Self::replicas_need_postgres)
    }

    /// Replicas are PostgreSQL streaming replicas of a PostgreSQL primary.
    fn replicas_need_postgres(self) -> Result<Self, ConfigError> {
        if !self.replica_urls.is_empty() && matches!(self.database_url, DatabaseUrl::Sqlite(_)) {
            return Err(ConfigError {
                var: "DATABASE_REPLICA_URLS",
                value: "<redacted>".to_owned(),
                problem: "needs a PostgreSQL DATABASE_URL: replicas stream from a PostgreSQL primary"
                    .to_owned(),
            });
        }
        Ok(self)
    }

    /// The configuration used when nothing is set, with another database.
    pub fn with_database(database_url: DatabaseUrl) -> Self {
        let mut config = Self::from_lookup(|_| None).expect("the defaults are valid");
        config.database_url = database_url;
        config
    }
}

/// How purges are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeStyle {
    /// Varnish with the xkey module: `PURGE {url}` with `xkey-purge: k1 k2`.
    Xkey,
    /// Fastly's API: `POST {url}/purge` with `Surrogate-Key: k1 k2` and `Fastly-Key`, and
    /// `POST {url}/purge_all`; `url` is the service's, `https://api.fastly.com/service/{id}`.
    Fastly,
}

/// The caching proxies or CDN to purge.
#[derive(Clone)]
pub struct PurgeTarget {
    pub style: PurgeStyle,
    pub urls: Vec<String>,
    /// Fastly's API token (`Fastly-Key`).
    pub token: Option<String>,
}

impl std::fmt::Debug for PurgeTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PurgeTarget")
            .field("style", &self.style)
            .field("urls", &self.urls)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn purge_target(env: &Env<'_>) -> Result<Option<PurgeTarget>, ConfigError> {
    let urls = env.parse_with("DATELINE_PURGE_URLS", "", |v| {
        v.split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| {
                if u.starts_with("http://") || u.starts_with("https://") {
                    Ok(u.trim_end_matches('/').to_owned())
                } else {
                    Err(format!("contains `{u}`, which is no http:// or https:// URL"))
                }
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let style = env.parse_with("DATELINE_PURGE_STYLE", "xkey", |v| match v {
        "xkey" => Ok(PurgeStyle::Xkey),
        "fastly" => Ok(PurgeStyle::Fastly),
        _ => Err("must be `xkey` or `fastly`".to_owned()),
    })?;
    let token = env.get("DATELINE_PURGE_TOKEN").filter(|t| !t.trim().is_empty());
    if urls.is_empty() {
        return Ok(None);
    }
    if style == PurgeStyle::Fastly && token.is_none() {
        return Err(ConfigError {
            var: "DATELINE_PURGE_TOKEN",
            value: String::new(),
            problem: "is required with DATELINE_PURGE_STYLE=fastly".to_owned(),
        });
    }
    Ok(Some(PurgeTarget { style, urls, token }))
}

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Networks a target may resolve to although they are loopback, private, link-local or
    /// cloud metadata addresses (refused otherwise).
    pub allowed_networks: Vec<ipnet::IpNet>,
    /// How long a delivery is retried before it is marked failed.
    pub retry_period: Duration,
    /// How long a receiver has to answer one attempt.
    pub timeout: Duration,
    /// Deliveries sent at once, over all endpoints.
    pub concurrency: usize,
}

fn webhook_config(env: &Env<'_>) -> Result<WebhookConfig, ConfigError> {
    Ok(WebhookConfig {
        allowed_networks: env.parse_with("DATELINE_WEBHOOK_ALLOWED_NETWORKS", "", parse_networks)?,
        retry_period: Duration::from_secs(
            u64::from(env.parse_range("DATELINE_WEBHOOK_RETRY_HOURS", 24, 1, 720)?) * 3600,
        ),
        timeout: Duration::from_secs(
            env.parse_range("DATELINE_WEBHOOK_TIMEOUT_SECS", 10, 1, 120)?
                .into(),
        ),
        concurrency: env.parse_range("DATELINE_WEBHOOK_CONCURRENCY", 32, 1, 256)? as usize,
    })
}

/// Where media files are stored.
#[derive(Clone, PartialEq, Eq)]
pub enum MediaStorage {
    /// A folder on the local disk (`DATELINE_MEDIA_DIR`); the binary serves it under `/media`.
    Local(PathBuf),
    /// An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, ...).
    S3(S3Target),
}

impl std::fmt::Debug for MediaStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local(dir) => f.debug_tuple("Local").field(dir).finish(),
            Self::S3(target) => f
                .debug_struct("S3")
                .field("bucket", &target.bucket)
                .field("endpoint", &target.endpoint)
                .field("region", &target.region)
                .field("credentials", &target.credentials.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

/// An S3-compatible bucket. Without `credentials`, the standard `AWS_*` variables (or the
/// instance's role) are used.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Target {
    pub bucket: String,
    /// The endpoint of a store other than AWS (`http://127.0.0.1:9000` for a local MinIO).
    pub endpoint: Option<String>,
    pub region: String,
    /// Access key id and secret.
    pub credentials: Option<(String, String)>,
}

/// The media library's settings.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub storage: MediaStorage,
    /// The URL files are served from, without a trailing slash: `/media` (this binary) for the
    /// local disk unless a CDN is named; the bucket's URL for S3 unless a CDN is named.
    pub public_url: String,
    /// Largest accepted upload, in bytes (413 beyond).
    pub max_bytes: usize,
    /// Largest accepted image, in pixels, read from the header before decoding (422 beyond).
    pub max_pixels: u64,
    /// Widths of the resized renditions, ascending; an image is never enlarged.
    pub widths: Vec<u32>,
    /// Uploads processed at once; more wait their turn.
    pub concurrency: usize,
    /// Memory for local media files kept once served (0: read each time).
    pub memory_cache_bytes: u64,
    /// How long an upload's body may take to arrive.
    pub upload_timeout: Duration,
    /// Whether an article body's `<img>` must name a library item (`data-media-id`): otherwise
    /// one pointing elsewhere is kept as written.
    pub refuse_foreign_images: bool,
    /// Files no row names are removed by gc only once older than this (an upload in progress
    /// has stored its files but not yet its row).
    pub gc_grace: Duration,
}

fn media_config(env: &Env<'_>) -> Result<MediaConfig, ConfigError> {
    let storage = match env
        .get("DATELINE_MEDIA_S3_BUCKET")
        .filter(|b| !b.trim().is_empty())
    {
        Some(bucket) => MediaStorage::S3(S3Target {
            bucket: bucket.trim().to_owned(),
            endpoint: env.parse_with("DATELINE_MEDIA_S3_ENDPOINT", "", |v| match v {
                "" => Ok(None),
                v if v.starts_with("http://") || v.starts_with("https://") => {
                    Ok(Some(v.trim_end_matches('/').to_owned()))
                }
                _ => Err("is no http:// or https:// URL".to_owned()),
            })?,
            region: env.parse_with("DATELINE_MEDIA_S3_REGION", "us-east-1", |v| Ok(v.to_owned()))?,
            credentials: match (
                env.get("DATELINE_MEDIA_S3_ACCESS_KEY_ID"),
                env.get("DATELINE_MEDIA_S3_SECRET_ACCESS_KEY"),
            ) {
                (Some(id), Some(secret)) => Some((id, secret)),
                (None, None) => None,
                (Some(_), None) | (None, Some(_)) => {
                    return Err(ConfigError {
                        var: "DATELINE_MEDIA_S3_SECRET_ACCESS_KEY",
                        value: String::new(),
                        problem: "and DATELINE_MEDIA_S3_ACCESS_KEY_ID are set together or not at all"
                            .to_owned(),
                    });
                }
            },
        }),
        None => MediaStorage::Local(PathBuf::from(env.parse_with(
            "DATELINE_MEDIA_DIR",
            "data/media",
            |v| Ok(v.to_owned()),
        )?)),
    };
    let default_public_url = match &storage {
        MediaStorage::Local(_) => "/media".to_owned(),
        MediaStorage::S3(S3Target {
            endpoint: Some(endpoint),
            bucket,
            ..
        }) => format!("{endpoint}/{bucket}"),
        MediaStorage::S3(S3Target { bucket, region, .. }) => {
            format!("https://{bucket}.s3.{region}.amazonaws.com")
        }
    };
    let public_url = env.parse_with("DATELINE_MEDIA_PUBLIC_URL", "", |v| match v {
        "" => Ok(default_public_url.clone()),
        v if v.starts_with("http://") || v.starts_with("https://") || v.starts_with('/') => {
            Ok(v.trim_end_matches('/').to_owned())
        }
        _ => Err("must be an http(s):// URL or a path starting with /".to_owned()),
    })?;
    Ok(MediaConfig {
        storage,
        public_url,
        max_bytes: env.parse_range("DATELINE_MEDIA_MAX_BYTES", 20 * 1_048_576, 1024, 1024 * 1_048_576)?
            as usize,
        max_pixels: u64::from(env.parse_range("DATELINE_MEDIA_MAX_PIXELS", 50_000_000, 1, 1_000_000_000)?),
        widths: env.parse_with("DATELINE_MEDIA_WIDTHS", "320,640,960,1280,1920", parse_widths)?,
        // Half the cores: rendering never takes the cores reads need.
        concurrency: env.parse_range(
            "DATELINE_MEDIA_CONCURRENCY",
            (std::thread::available_parallelism().map_or(2, |n| n.get()) / 2).max(1) as u32,
            1,
            64,
        )? as usize,
        refuse_foreign_images: env.parse_with("DATELINE_MEDIA_FOREIGN_IMAGES", "keep", |v| match v {
            "keep" => Ok(false),
            "refuse" => Ok(true),
            _ => Err("must be `keep` or `refuse`".to_owned()),
        })?,
        memory_cache_bytes: u64::from(env.parse_range("DATELINE_MEDIA_MEMORY_CACHE_MB", 128, 0, 65_536)?)
            * 1_048_576,
        upload_timeout: Duration::from_secs(
            env.parse_range("DATELINE_MEDIA_UPLOAD_TIMEOUT_SECS", 120, 1, 3600)?
                .into(),
        ),
        gc_grace: Duration::from_secs(
            env.parse_range("DATELINE_MEDIA_GC_GRACE_SECS", 3600, 0, 30 * 86_400)?
                .into(),
        ),
    })
}

/// Comma-separated widths between 16 and 8192 pixels, at least one; sorted, duplicates dropped.
fn parse_widths(value: &str) -> Result<Vec<u32>, String> {
    let mut widths = value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| match v.parse::<u32>() {
            Ok(w) if (16..=8192).contains(&w) => Ok(w),
            _ => Err(format!("contains `{v}`, which is no width between 16 and 8192")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if widths.is_empty() {
        return Err("names no width".to_owned());
    }
    widths.sort_unstable();
    widths.dedup();
    Ok(widths)
}

/// `DATABASE_REPLICA_URLS`: comma-separated PostgreSQL URLs, none by default.
fn replica_urls(env: &Env<'_>) -> Result<Vec<DatabaseUrl>, ConfigError> {
    env.parse_with("DATABASE_REPLICA_URLS", "", |v| {
        v.split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .enumerate()
            .map(|(i, u)| match DatabaseUrl::parse(u) {
                Ok(url @ DatabaseUrl::Postgres(_)) => Ok(url),
                _ => Err(format!(
                    "has an entry (number {}) that is no postgres:// URL",
                    i + 1
                )),
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(ConfigError::with_url_redacted)
}

fn jwt_secret(env: &Env<'_>, environment: Environment) -> Result<Secret, ConfigError> {
    const VAR: &str = "DATELINE_JWT_SECRET";
    match env.get(VAR) {
        Some(value) if value.len() >= Secret::MIN_LEN => Ok(Secret::new(value.into_bytes())),
        Some(value) => Err(ConfigError {
            var: VAR,
            // Never echo a secret, even a bad one.
            value: format!("<{} bytes>", value.len()),
            problem: format!("is too short: at least {} bytes are required", Secret::MIN_LEN),
        }),
        None if environment == Environment::Production => Err(ConfigError {
            var: VAR,
            value: String::new(),
            problem: format!(
                "is required when DATELINE_ENV=production (at least {} random bytes)",
                Secret::MIN_LEN
            ),
        }),
        None => Ok(Secret::random()),
    }
}

fn bootstrap_admin(env: &Env<'_>) -> Result<Option<BootstrapAdmin>, ConfigError> {
    match (
        env.get("DATELINE_ADMIN_EMAIL"),
        env.get("DATELINE_ADMIN_PASSWORD"),
    ) {
        (Some(email), Some(password)) => Ok(Some(BootstrapAdmin { email, password })),
        (None, None) => Ok(None),
        (Some(email), None) => Err(ConfigError {
            var: "DATELINE_ADMIN_PASSWORD",
            value: String::new(),
            problem: format!("is required with DATELINE_ADMIN_EMAIL={email}"),
        }),
        (None, Some(_)) => Err(ConfigError {
            var: "DATELINE_ADMIN_EMAIL",
            value: String::new(),
            problem: "is required with DATELINE_ADMIN_PASSWORD".to_owned(),
        }),
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("must be `true` or `false`".to_owned()),
    }
}

fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<ipnet::IpNet>()
                .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("contains `{v}`, which is neither an IP address nor a CIDR network"))
        })
        .collect()
}

struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    fn get(&self, var: &str) -> Option<String> {
        (self.lookup)(var).filter(|v| !v.trim().is_empty())
    }

    fn parse_with<T>(
        &self,
        var: &'static str,
        default: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let value = self.get(var).unwrap_or_else(|| default.to_owned());
        parse(value.trim()).map_err(|problem| ConfigError { var, value, problem })
    }

    fn parse_range(&self, var: &'static str, default: u32, min: u32, max: u32) -> Result<u32, ConfigError> {
        self.parse_with(var, &default.to_string(), |v| {
            let n: u32 = v
                .parse()
                .map_err(|_| format!("is not a whole number between {min} and {max}"))?;
            if (min..=max).contains(&n) {
                Ok(n)
            } else {
                Err(format!("is out of range: must be between {min} and {max}"))
            }
        })
    }
}

fn parse_log_filter(value: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(value)
        .map(|_| value.to_owned())
        .map_err(|e| format!("is not a log filter such as `info` or `dateline=debug,info`: {e}"))
}

fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    let origins: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    for origin in &origins {
        let valid = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && !origin.contains(char::is_whitespace));
        if !valid {
            return Err(format!(
                "contains `{origin}`: each origin must be `*` or a scheme and host such as https://www.example.com, without a trailing slash"
            ));
        }
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn purge_targets_are_checked() {
        assert!(config(&[]).unwrap().purge.is_none());
        let varnish = config(&[("DATELINE_PURGE_URLS", "http://v1:6081/, http://v2:6081")]).unwrap();
        let purge = varnish.purge.unwrap();
        assert_eq!((purge.style, purge.urls.len()), (PurgeStyle::Xkey, 2));
        assert_eq!(purge.urls[0], "http://v1:6081");
        let bad = config(&[("DATELINE_PURGE_URLS", "v1:6081")]).unwrap_err();
        assert_eq!(bad.var, "DATELINE_PURGE_URLS");
        let fastly = [
            ("DATELINE_PURGE_URLS", "https://api.fastly.com/service/abc"),
            ("DATELINE_PURGE_STYLE", "fastly"),
        ];
        assert_eq!(config(&fastly).unwrap_err().var, "DATELINE_PURGE_TOKEN");
        let with_token = [fastly[0], fastly[1], ("DATELINE_PURGE_TOKEN", "secret-token")];
        let purge = config(&with_token).unwrap().purge.unwrap();
        assert!(
            !format!("{purge:?}").contains("secret-token"),
            "the token is never printed"
        );
        let style = config(&[
            ("DATELINE_PURGE_URLS", "http://v"),
            ("DATELINE_PURGE_STYLE", "ban"),
        ]);
        assert_eq!(style.unwrap_err().var, "DATELINE_PURGE_STYLE");
    }

    #[test]
    fn defaults_are_sqlite_on_localhost() {
        let c = config(&[]).unwrap();
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("data/dateline.db"))
        );
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!((c.default_page_size, c.max_page_size), (20, 100));
        assert!(c.cors_origins.is_empty());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("DATELINE_MAX_PAGE_SIZE", "lots")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_MAX_PAGE_SIZE");
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.var, "DATABASE_URL");
        let err = config(&[("DATELINE_BIND", "localhost")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_BIND");
        let err = config(&[("DATELINE_PAGE_SIZE", "50"), ("DATELINE_MAX_PAGE_SIZE", "10")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_PAGE_SIZE");
        let err = config(&[("DATELINE_CORS_ORIGINS", "https://a.example/")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_CORS_ORIGINS");
        let err = config(&[("DATELINE_LOG_FORMAT", "xml")]).unwrap_err();
        assert!(err.to_string().contains("DATELINE_LOG_FORMAT"));
        let err = config(&[("DATELINE_TRUSTED_PROXIES", "10.0.0.0/8,nope")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_TRUSTED_PROXIES");
        let err = config(&[("DATELINE_ADMIN_EMAIL", "a@b.c")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_ADMIN_PASSWORD");
    }

    #[test]
    fn the_jwt_secret_is_required_in_production_and_never_echoed() {
        let dev = config(&[]).unwrap();
        assert!(dev.jwt_secret.generated);
        let err = config(&[("DATELINE_ENV", "production")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_JWT_SECRET");
        let err = config(&[("DATELINE_JWT_SECRET", "short-secret")]).unwrap_err();
        assert!(!err.to_string().contains("short-secret"));
        let long = "x".repeat(32);
        let prod = config(&[("DATELINE_ENV", "production"), ("DATELINE_JWT_SECRET", &long)]).unwrap();
        assert!(!prod.jwt_secret.generated);
        assert!(!format!("{prod:?}").contains(&long));
    }

    #[test]
    fn a_database_location_carries_no_credentials_or_options() {
        let url =
            DatabaseUrl::parse("postgres://reader:s3cret@db-2.internal:5433/news?sslmode=require").unwrap();
        assert_eq!(url.location(), "db-2.internal:5433/news");
        let bare = DatabaseUrl::parse("postgresql://10.0.0.12/news").unwrap();
        assert_eq!(bare.location(), "10.0.0.12/news");
    }

    #[test]
    fn replicas_are_postgres_urls_and_their_lag_bound_is_checked() {
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://127.0.0.1/news".to_owned()),
            "DATABASE_REPLICA_URLS" => {
                Some(" postgres://127.0.0.1:5433/news ,postgres://127.0.0.1:5434/news,".to_owned())
            }
            "DATELINE_REPLICA_MAX_LAG_MS" => Some("2500".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.replica_urls.len(), 2);
        assert_eq!(config.replica_max_lag, Duration::from_millis(2500));
        let too_small = Config::from_lookup(|name| match name {
            "DATELINE_REPLICA_MAX_LAG_MS" => Some("10".to_owned()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(too_small.var, "DATELINE_REPLICA_MAX_LAG_MS");
    }

    #[test]
    fn database_urls_are_never_echoed_with_their_credentials() {
        let err = config(&[("DATABASE_URL", "mysql://admin:s3cret-pw@db.example:3306/news")]).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("DATABASE_URL") && message.contains("mysql://"),
            "{message}"
        );
        for secret in ["s3cret-pw", "admin", "db.example"] {
            assert!(!message.contains(secret), "{secret} in {message}");
        }
        let err = config(&[("DATABASE_URL", "admin:s3cret-pw@db.example/news")]).unwrap_err();
        assert!(!err.to_string().contains("s3cret-pw"), "{err}");
        let c = config(&[("DATABASE_URL", "postgres://admin:s3cret-pw@db.example/news")]).unwrap();
        assert!(!format!("{c:?}").contains("s3cret-pw"));
    }

    #[test]
    fn postgres_urls_are_recognised_by_scheme() {
        let c = config(&[("DATABASE_URL", "postgresql://u@h/db")]).unwrap();
        assert_eq!(c.database_url.backend_name(), "postgres");
    }
}
