//! The path every write handler takes to the domain: one write transaction (SQLite's
//! `BEGIN IMMEDIATE`), on a pooled connection, on behalf of the caller, at the request's time.

use crate::api::AppState;
use crate::auth::AuthUser;
use crate::db::{self, DbConn};
use crate::domain::Change;
use crate::error::AppError;

/// Runs `work` in one write transaction as a change by `caller`; an error rolls it all back.
pub async fn write_as<T, F>(state: &AppState, caller: AuthUser, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, Change<'_>) -> Result<T, AppError> + Send + 'static,
{
    let now = state.now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| work(conn, Change::by(&caller, now)))
    })
    .await
}

/// A write's result and the dependency keys of the public answers it changed, already recorded
/// for the other instances and the purge endpoints (`row`, none when it changed nothing public).
pub struct Touched<T> {
    pub value: T,
    pub keys: Vec<String>,
    pub row: Option<i64>,
}

/// Like [`write_as`], for a write that also answers the keys it touched: they are written to
/// `cache_invalidations` in the same transaction, so a change never commits without its
/// invalidation (a process killed right after the commit loses nothing), and a rolled-back one
/// invalidates nothing. Answer with [`crate::http_cache::invalidated`].
pub async fn write_touching<T, F>(state: &AppState, caller: AuthUser, work: F) -> Result<Touched<T>, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, Change<'_>) -> Result<(T, Vec<String>), AppError> + Send + 'static,
{
    write_as(state, caller, move |conn, change| {
        let (value, keys) = work(conn, change)?;
        touched(conn, value, keys)
    })
    .await
}

/// Records `keys` (when there are any) in the caller's write transaction; for writes that take
/// another path than [`write_touching`].
pub fn touched<T>(conn: &mut DbConn, value: T, mut keys: Vec<String>) -> Result<Touched<T>, AppError> {
    keys.sort_unstable();
    keys.dedup();
    let row = if keys.is_empty() {
        None
    } else {
        Some(crate::http_cache::store::record(conn, Some(&keys))?)
    };
    Ok(Touched { value, keys, row })
}
