//! Instant invalidation across instances on PostgreSQL: every write's invalidation row is
//! followed by a `NOTIFY` (see [`super::store::record`]), and each instance keeps one connection
//! that `LISTEN`s for it and applies the new rows to its response cache within milliseconds,
//! instead of at the next once-a-second check.
//!
//! The listener reconnects by itself after the connection is lost (a database restart, a killed
//! backend), and reads every row written meanwhile before it listens again, so no write is
//! missed. The once-a-second check stays on as a fallback (and is the only path on SQLite).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::RunQueryDsl;

use super::store::{ResponseCache, read_invalidations};
use crate::config::DatabaseUrl;
use crate::db::{ConnectionManager, DbConn};

/// The notification channel.
pub const CHANNEL: &str = "dateline_cache";

/// How often the listening connection is looked at for notifications (a local, non-blocking
/// read: libpq gives no way through diesel to sleep on its socket).
const POLL: Duration = Duration::from_millis(2);

/// How often an idle listener proves its connection alive with a round trip (a dead one is then
/// replaced, and what was missed read).
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long to wait before connecting again, at most.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The name the listener's session carries in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "dateline-cache-listener";

/// A running listener; stops when dropped.
pub struct Listener {
    stop: Arc<AtomicBool>,
    listening: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Whether the listener is connected and listening now.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts listening for `cache` when the database is PostgreSQL and the cache follows writes
/// (it stores answers, or read replicas are configured).
pub fn spawn(url: &DatabaseUrl, cache: Arc<ResponseCache>) -> Option<Listener> {
    if !matches!(url, DatabaseUrl::Postgres(_)) || !cache.follows_writes() {
        return None;
    }
    let manager = ConnectionManager::new(crate::db::with_keepalives(url));
    let stop = Arc::new(AtomicBool::new(false));
    let listening = Arc::new(AtomicBool::new(false));
    let flags = Flags {
        stop: Arc::clone(&stop),
        listening: Arc::clone(&listening),
    };
    let thread = std::thread::Builder::new()
        .name(APPLICATION_NAME.to_owned())
        .spawn(move || run(&manager, &cache, &flags))
        .ok()?;
    Some(Listener {
        stop,
        listening,
        thread: Some(thread),
    })
}

/// Shared with the listener's thread.
struct Flags {
    stop: Arc<AtomicBool>,
    listening: Arc<AtomicBool>,
}

/// Listens until stopped, connecting again whenever the connection is lost.
fn run(manager: &ConnectionManager, cache: &ResponseCache, flags: &Flags) {
    let mut backoff = Duration::from_millis(10);
    while !flags.stop.load(Ordering::Acquire) {
        let outcome = listen(manager, cache, flags, &mut backoff);
        flags.listening.store(false, Ordering::Release);
        match outcome {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cache listener lost its connection; connecting again");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One connection's life: listen, catch up, then apply every notification until stopped or
/// until the connection fails.
fn listen(
    manager: &ConnectionManager,
    cache: &ResponseCache,
    flags: &Flags,
    backoff: &mut Duration,
) -> Result<(), String> {
    let mut conn = manager.connect_one().map_err(|e| e.to_string())?;
    let statement =
        |conn: &mut DbConn, sql: String| diesel::sql_query(sql).execute(conn).map_err(|e| e.to_string());
    statement(&mut conn, format!("SET application_name = '{APPLICATION_NAME}'"))?;
    // A statement on a connection that silently died must fail, not wait for ever.
    statement(&mut conn, "SET statement_timeout = '5s'".to_owned())?;
    statement(&mut conn, format!("LISTEN {CHANNEL}"))?;
    // Rows written while this instance was not listening.
    catch_up(&mut conn, cache)?;
    flags.listening.store(true, Ordering::Release);
    *backoff = Duration::from_millis(10);
    let mut quiet = Duration::ZERO;
    while !flags.stop.load(Ordering::Acquire) {
        if notified(&mut conn)? {
            catch_up(&mut conn, cache)?;
            quiet = Duration::ZERO;
            continue;
        }
        std::thread::sleep(POLL);
        quiet += POLL;
        if quiet >= HEARTBEAT {
            statement(&mut conn, "SELECT 1".to_owned())?;
            catch_up(&mut conn, cache)?;
            quiet = Duration::ZERO;
        }
    }
    Ok(())
}

/// Whether notifications arrived (all of them are taken); an error when the connection failed.
fn notified(conn: &mut DbConn) -> Result<bool, String> {
    let DbConn::Postgresql(pg) = conn else {
        return Err("the cache listener needs PostgreSQL".to_owned());
    };
    let mut any = false;
    for notification in pg.notifications_iter() {
        notification.map_err(|e| e.to_string())?;
        any = true;
    }
    Ok(any)
}

fn catch_up(conn: &mut DbConn, cache: &ResponseCache) -> Result<(), String> {
    let rows = read_invalidations(conn, cache.remote_since()).map_err(|e| e.to_string())?;
    cache.apply_remote(rows);
    Ok(())
}
