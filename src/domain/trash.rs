//! The trash: articles deleted by editors stay restorable until the retention period ends, then
//! a purge (the API's `POST /trash/purge` or `dateline purge`) removes them for good.

use chrono::{Duration, NaiveDateTime};

use super::Change;
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article;
use crate::values::AuditAction;

/// Takes the article `slug` out of the trash (a new version); returns its id.
pub fn restore(conn: &mut DbConn, change: Change<'_>, slug: &str) -> Result<i64, AppError> {
    let trashed = article::find_trashed_by_slug(conn, slug)?.ok_or_else(super::articles::not_found)?;
    article::bump_version(conn, trashed.id, trashed.version)?;
    article::set_trashed(conn, trashed.id, None, change.at)?;
    change.audit(
        conn,
        AuditAction::ArticleUntrash,
        trashed.id,
        Some(slug.to_owned()),
    )?;
    Ok(trashed.id)
}

/// Removes for good the articles trashed more than `retention_days` before the change, and
/// records it; returns how many and the cut-off time.
pub fn purge(
    conn: &mut DbConn,
    change: Change<'_>,
    retention_days: u32,
) -> Result<(usize, NaiveDateTime), AppError> {
    let cutoff = change.at - Duration::days(i64::from(retention_days));
    let removed = article::purge_trashed_before(conn, cutoff)?;
    crate::webhooks::events::articles_deleted(conn, change.at, &removed)?;
    let purged = removed.len();
    let details = match change.by {
        Some(_) => format!("{purged} purged"),
        None => format!("{purged} purged from the command line"),
    };
    change.audit(conn, AuditAction::TrashPurge, "trash", Some(details))?;
    Ok((purged, cutoff))
}
