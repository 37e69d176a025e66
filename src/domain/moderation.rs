//! Comment moderation: status changes and edits, bulk status changes that land whole or not at
//! all, and deletion (with the replies, by the database's cascade).

use super::Change;
use crate::content::text;
use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::comment::{self, Comment, CommentChanges};
use crate::values::{AuditAction, CommentStatus};

/// A moderator's change to one comment: absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct CommentEdit {
    pub author_name: Option<String>,
    pub body: Option<String>,
    pub status: Option<CommentStatus>,
}

pub fn not_found() -> AppError {
    AppError::not_found("No comment has this id.")
}

/// Applies `edit` to comment `id` (404 if there is none).
pub fn moderate(
    conn: &mut DbConn,
    change: Change<'_>,
    id: i64,
    edit: CommentEdit,
) -> Result<Comment, AppError> {
    comment::find(conn, id)?.ok_or_else(not_found)?;
    let changes = CommentChanges {
        author_name: edit.author_name.as_deref().map(text::name),
        body: edit.body.map(|b| b.trim().to_owned()),
        status: edit.status,
        updated_at: Some(change.at),
    };
    let saved = comment::update(conn, id, &changes)?;
    let details = edit.status.map_or("edited", CommentStatus::as_str).to_owned();
    change.audit(conn, AuditAction::CommentModerate, id, Some(details))?;
    Ok(saved)
}

/// Sets `status` on every comment in `ids`; if any is unknown, nothing changes (422 naming each
/// unknown one by its index). Returns how many were updated.
pub fn moderate_many(
    conn: &mut DbConn,
    change: Change<'_>,
    ids: &[i64],
    status: CommentStatus,
) -> Result<usize, AppError> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let updated = comment::set_status(conn, &unique, status, change.at)?;
    if updated != unique.len() {
        // Returning an error rolls the whole transaction back: all or nothing.
        let found = comment::existing_ids(conn, &unique)?;
        let errors = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| !found.contains(id))
            .map(|(i, _)| FieldError::new(format!("ids[{i}]"), FieldCode::NotFound, "no comment has this id"))
            .collect();
        return Err(AppError::Validation(errors));
    }
    let joined = unique.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let details = format!("{joined} -> {status}");
    change.audit(conn, AuditAction::CommentModerateMany, "many", Some(details))?;
    Ok(updated)
}

/// Deletes comment `id` and its replies (404 if there is none).
pub fn delete(conn: &mut DbConn, change: Change<'_>, id: i64) -> Result<(), AppError> {
    if comment::delete(conn, id)? == 0 {
        return Err(not_found());
    }
    change.audit(conn, AuditAction::CommentDelete, id, None)
}
