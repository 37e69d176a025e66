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
