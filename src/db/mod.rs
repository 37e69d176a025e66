//! Database access over SQLite or PostgreSQL through one diesel codebase.
//!
//! The backend is chosen by the scheme of `DATABASE_URL` (never by trial: diesel's derived
//! `establish` would happily treat a mistyped PostgreSQL URL as a SQLite file name). Blocking
//! work reaches the pool only through [`run`], and writes go through [`write`] so that SQLite
//! takes its write lock up front (`BEGIN IMMEDIATE`).

pub mod expressions;
pub mod replicas;
pub mod schema;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::prelude::*;
use diesel::query_dsl::LoadQuery;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Semaphore;

use crate::config::DatabaseUrl;
use crate::error::AppError;

/// One connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool shared by the whole process, with a line in front of it.
///
/// Requests wait for a connection in the line (an async semaphore with one place per
/// connection), not on a blocking thread: at 256 connections in flight the process keeps about
/// as many database threads as connections instead of one parked thread per request, each with
/// its stack and malloc arena. Derefs to the r2d2 pool for callers that hold a connection
/// outside a request (CLI, readiness, tests).
#[derive(Clone)]
pub struct Pool {
    connections: r2d2::Pool<ConnectionManager>,
    line: Arc<Semaphore>,
    /// SQLite: bounded reads may run on the calling thread (see [`run_bounded_read`]).
    sqlite: bool,
}

impl Pool {
    /// Whether the database is SQLite (see [`run_bounded_read`]).
    pub fn is_sqlite(&self) -> bool {
        self.sqlite
    }
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<ConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.connections
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// SQLite's durability setting on every pooled connection (WAL with NORMAL survives a process
/// crash); bulk loads that lower it for a while set it back to this.
pub const SQLITE_SYNCHRONOUS: &str = "NORMAL";

/// How long a SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// Counts the statements run on the connections it is attached to (tests prove with it that a
/// page costs a constant number of queries).
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Makes the instrumentation attached to each new connection.
type InstrumentationFactory = Arc<dyn Fn() -> Box<dyn Instrumentation> + Send + Sync>;

/// Opens connections for the backend named by the URL scheme.
#[derive(Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    instrumentation: Option<InstrumentationFactory>,
}

impl std::fmt::Debug for ConnectionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionManager")
            .field("backend", &self.url.backend_name())
            .finish_non_exhaustive()
    }
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            instrumentation: None,
        }
    }

    /// Counts every statement run through this manager's connections.
    pub fn counting(self, counter: QueryCounter) -> Self {
        self.instrumented(counter)
    }

    /// Attaches a copy of `instrumentation` to every connection this manager opens.
    pub fn instrumented<I: Instrumentation + Clone + Sync>(mut self, instrumentation: I) -> Self {
        self.instrumentation = Some(Arc::new(move || Box::new(instrumentation.clone())));
        self
    }

    /// One connection, outside any pool.
    pub fn connect_one(&self) -> ConnectionResult<DbConn> {
        self.establish()
    }

    fn establish(&self) -> ConnectionResult<DbConn> {
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => DbConn::Postgresql(PgConnection::establish(url)?),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                configure_sqlite(&mut conn).map_err(ConnectionError::CouldntSetupConfiguration)?;
                DbConn::Sqlite(conn)
            }
        };
        if let Some(make) = &self.instrumentation {
            conn.set_instrumentation(make());
        }
        Ok(conn)
    }
}

/// Per-connection SQLite settings: they are not stored in the file, so every pooled
/// connection sets them itself.
fn configure_sqlite(conn: &mut SqliteConnection) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {SQLITE_SYNCHRONOUS};
         PRAGMA foreign_keys = ON;"
    ))
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConn, ConnectionError> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        match conn {
            DbConn::Postgresql(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
            DbConn::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
        }
    }
}

/// `url` with TCP keepalives and a connect timeout, so that a connection to a vanished server
/// is found dead within seconds (unless the URL sets them itself).
pub fn with_keepalives(url: &DatabaseUrl) -> DatabaseUrl {
    match url {
        DatabaseUrl::Postgres(raw) if !raw.contains("keepalives") => {
            let joint = if raw.contains('?') { '&' } else { '?' };
            DatabaseUrl::Postgres(format!(
                "{raw}{joint}keepalives=1&keepalives_idle=5&keepalives_interval=2&keepalives_count=3&connect_timeout=5"
            ))
        }
        other => other.clone(),
    }
}

/// Builds the pool. For SQLite, the database's folder is created if missing; an unwritable
/// location is reported as such rather than as a driver message.
pub fn build_pool(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> anyhow::Result<Pool> {
    build_pool_with(ConnectionManager::new(url.clone()), max_size, timeout)
}

/// [`build_pool`] with a manager of the caller's (e.g. one that counts queries).
pub fn build_pool_with(manager: ConnectionManager, max_size: u32, timeout: Duration) -> anyhow::Result<Pool> {
    let backend = manager.url.backend_name();
    let sqlite = matches!(manager.url, DatabaseUrl::Sqlite(_));
    if let DatabaseUrl::Sqlite(path) = &manager.url {
        prepare_sqlite_path(path)?;
        // One connection first: on a new file it switches the journal to WAL, which needs the
        // file to itself. Opened all at once, the pool's connections raced for that switch and
        // r2d2 logged "database is locked" before retrying.
        manager
            .connect_one()
            .with_context(|| format!("cannot connect to the {backend} database"))?;
    }
    let connections = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(timeout)
        // A PostgreSQL connection that died with its server is found and replaced on checkout;
        // a SQLite file does not go away under its connections, so it skips the round trip.
        .test_on_check_out(matches!(manager.url, DatabaseUrl::Postgres(_)))
        .build(manager)
        .with_context(|| format!("cannot connect to the {backend} database"))?;
    Ok(Pool {
        connections,
        line: Arc::new(Semaphore::new(max_size as usize)),
        sqlite,
    })
}

fn prepare_sqlite_path(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
    let probe = dir.join(".dateline-write-check");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| format!("the database folder {} is not writable", dir.display()))
}

/// Applies the embedded migrations of the connection's backend; returns how many ran.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<usize> {
    let migrations = match conn {
        DbConn::Postgresql(_) => POSTGRES_MIGRATIONS,
        DbConn::Sqlite(_) => SQLITE_MIGRATIONS,
    };
    let done = conn
        .run_pending_migrations(migrations)
        .map(|done| done.len())
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    fill_word_counts(conn)?;
    Ok(done)
}

/// Stores the word count of articles saved before word counts were stored (a migration cannot
/// count words in HTML), in batches. Idempotent: there is nothing to do after the first start.
fn fill_word_counts(conn: &mut DbConn) -> anyhow::Result<()> {
    use crate::models::article;
    loop {
        let batch = article::missing_word_counts(conn, 500)?;
        if batch.is_empty() {
            return Ok(());
        }
        conn.transaction(|conn| {
            for (id, body) in &batch {
                article::set_word_count(conn, *id, crate::content::html::word_count(body))?;
            }
            diesel::QueryResult::Ok(())
        })?;
    }
}

/// Runs blocking database work on actix's blocking pool. The request first waits its turn in
/// the pool's line, without a thread; the whole wait (line and checkout) is bounded by the pool
/// timeout, after which the caller gets a 503.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    let waiting = Waiting::start();
    let timeout = pool.connections.connection_timeout();
    let deadline = Instant::now() + timeout;
    let turn = tokio::time::timeout(timeout, pool.line.clone().acquire_owned())
        .await
        .map_err(|_| AppError::Unavailable("no database connection free within the pool timeout".into()))?
        .expect("the line is never closed");
    let connections = pool.connections.clone();
    actix_web::web::block(move || {
        let _turn = turn;
        let conn = connections.get_timeout(deadline.saturating_duration_since(Instant::now()));
        drop(waiting);
        let mut conn = conn?;
        work(&mut conn)
    })
    .await?
}

/// Runs a bounded read at once on the calling thread when the database is SQLite and a turn
/// and a connection are free right now; else like [`run`]. Bounded: a few indexed statements
/// whose cost does not grow with the data (a stored article by slug, the top of a list, a page
/// at a cursor), never a search or a scan.
///
/// Why: handing work to a blocking thread and back costs two thread switches, which on this
/// kind of virtual machine cost more than a read from SQLite's page cache (measured: the
/// kernel's scheduling was half of a stored article's cost). The worker thread is held for the
/// read only, never while waiting: no turn or no free connection means the usual path.
pub async fn run_bounded_read<T, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    if pool.sqlite
        && let Ok(turn) = pool.line.clone().try_acquire_owned()
    {
        if let Some(mut conn) = pool.connections.try_get() {
            let result = work(&mut conn);
            drop(conn);
            drop(turn);
            return result;
        }
        drop(turn);
    }
    run(pool, work).await
}

/// Counts a request in `dateline_db_pool_waiting` until it has a connection, or gives up
/// (also when the client goes away while it waits).
struct Waiting;

impl Waiting {
    fn start() -> Self {
        crate::observability::metrics::POOL_WAITING.fetch_add(1, Ordering::Relaxed);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        crate::observability::metrics::POOL_WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `work` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so a
/// transaction that reads then writes waits for the write lock instead of failing with
/// SQLITE_BUSY halfway; on PostgreSQL it is a plain transaction.
pub fn write<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let sqlite = match conn {
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            true
        }
        DbConn::Postgresql(_) => false,
    };
    if !sqlite {
        return conn.transaction(work);
    }
    // The derived multi-connection delegates transaction state to the inner connection,
    // so commit and rollback through either side see the same transaction.
    match work(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(err)
        }
    }
}

/// Runs `$body` with `$c` bound to the concrete backend connection, for the statements the
/// multi-backend connection cannot express (multi-row inserts).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Loads `query` on the backend's own connection rather than through [`DbConn`]: diesel's
/// derived multi-connection writes a statement's SQL text afresh on every execution, twice (to
/// find the prepared statement and again to bind it), and decodes each value through one more
/// layer. That was an eighth of a first page's instructions and a quarter of its statement's.
/// For the public read paths, whose statements have fixed types that both backends take.
pub fn load<'q, Q, U>(conn: &mut DbConn, query: Q) -> QueryResult<Vec<U>>
where
    Q: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
{
    match conn {
        DbConn::Sqlite(c) => query.load(c),
        DbConn::Postgresql(c) => query.load(c),
    }
}

/// The first row of `query`, if any, read as [`load`] reads: `.first(conn).optional()`.
pub fn first<'q, Q, U>(conn: &mut DbConn, query: Q) -> QueryResult<Option<U>>
where
    Q: diesel::query_dsl::methods::LimitDsl,
    diesel::dsl::Limit<Q>: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
{
    Ok(load(conn, query.limit(1))?.into_iter().next())
}

/// True when the connection talks to PostgreSQL (for the few dialect differences).
pub fn is_postgres(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Postgresql(_))
}
