//! The domain layer: every write and its rules, between the HTTP handlers (`api/`) and the
//! queries (`models/`).
//!
//! Handlers extract, authorize, call one function here and shape the answer; the command line
//! (`cli`) and the content tools (`content/`) call the same functions, so an article saved by
//! `dateline import` goes through the very rules an editor's `PUT` does. Each write takes a
//! [`Change`]: who makes it and when, which is also what its audit entry records.

pub mod accounts;
pub mod articles;
pub mod authors;
pub mod comments;
pub mod media;
pub mod moderation;
pub mod sections;
pub mod sessions;
pub mod site;
pub mod taxonomy;
pub mod trash;

use chrono::NaiveDateTime;

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::audit::{self, Event};
use crate::values::AuditAction;

/// 412: another write claimed the version after the one this write read. `version` is the
/// least the stored version now is (the HTTP layer re-reads it for the ETag it answers), and the
/// body's `current` representation is left empty for the HTTP layer, which owns the
/// representations (`api::preconditions::with_current`).
pub fn stale(version: i32) -> AppError {
    AppError::PreconditionFailed {
        etag: crate::error::version_etag(version),
        current: Box::default(),
    }
}

/// Who makes a change and when. `by` is `None` for the operator's command line.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub by: Option<&'a AuthUser>,
    pub at: NaiveDateTime,
}

impl<'a> Change<'a> {
    /// A change by an authenticated caller.
    pub fn by(caller: &'a AuthUser, at: NaiveDateTime) -> Self {
        Self { by: Some(caller), at }
    }

    /// A change by the operator (command line, scheduled jobs): no user, no client address.
    pub fn by_operator(at: NaiveDateTime) -> Change<'static> {
        Change { by: None, at }
    }

    /// The caller's user id, if a user makes the change.
    pub fn user_id(&self) -> Option<i64> {
        self.by.map(|caller| caller.id)
    }

    /// Records `action` on the resource `id` in the audit log, in the change's transaction.
    pub fn audit(
        &self,
        conn: &mut DbConn,
        action: AuditAction,
        id: impl ToString,
        details: Option<String>,
    ) -> Result<(), AppError> {
        let event = Event {
            action,
            resource_id: Some(id.to_string()),
            details,
            user_id: self.user_id(),
            client_hash: self.by.map(|caller| caller.client_hash.clone()),
            at: self.at,
        };
        Ok(audit::record(conn, &event)?)
    }
}
