//! Draft preview links: which article (and revision) a token opens, until when, and how often
//! it was used. Tokens are stored only as SHA-256 hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{preview_links, users};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = preview_links)]
pub struct PreviewLink {
    pub id: i64,
    pub article_id: i64,
    pub revision_number: Option<i32>,
    pub token_hash: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub uses: i64,
    pub last_used_at: Option<NaiveDateTime>,
}

impl PreviewLink {
    /// Whether the link still opens its article at `now`.
    pub fn is_open(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A link with its creator's display name.
pub type PreviewWithCreator = (PreviewLink, Option<String>);

/// A new link.
pub struct NewPreview<'a> {
    pub article_id: i64,
    pub revision_number: Option<i32>,
    pub token_hash: &'a str,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewPreview<'_>) -> QueryResult<PreviewLink> {
    diesel::insert_into(preview_links::table)
        .values((
            preview_links::article_id.eq(new.article_id),
            preview_links::revision_number.eq(new.revision_number),
            preview_links::token_hash.eq(new.token_hash),
            preview_links::created_by.eq(new.created_by),
            preview_links::created_at.eq(new.created_at),
            preview_links::expires_at.eq(new.expires_at),
        ))
        .returning(preview_links::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<PreviewLink>> {
    preview_links::table
        .find(id)
        .select(PreviewLink::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_token_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<PreviewLink>> {
    preview_links::table
        .filter(preview_links::token_hash.eq(token_hash))
        .select(PreviewLink::as_select())
        .first(conn)
        .optional()
}

/// An article's links, newest first, with their creators' names.
pub fn for_article(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<PreviewWithCreator>> {
    preview_links::table
        .left_join(users::table)
        .filter(preview_links::article_id.eq(article_id))
        .order(preview_links::id.desc())
        .select((PreviewLink::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// Counts one use of an open link. `false` when it was revoked or expired in the meantime.
pub fn count_use(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        preview_links::table
            .find(id)
            .filter(preview_links::revoked_at.is_null())
            .filter(preview_links::expires_at.gt(now)),
    )
    .set((
        preview_links::uses.eq(preview_links::uses + 1),
        preview_links::last_used_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes a link at `now`; `false` when it was already revoked.
pub fn revoke(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        preview_links::table
            .find(id)
            .filter(preview_links::revoked_at.is_null()),
    )
    .set(preview_links::revoked_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}
