//! Article revisions: a full snapshot per change, numbered from 1 per article.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{article_revisions, users};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct Revision {
    pub id: i64,
    pub article_id: i64,
    pub number: i32,
    pub user_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub snapshot: String,
}

/// A revision with its author's display name.
pub type RevisionWithUser = (Revision, Option<String>);

/// Stores the next revision of an article; returns its number.
pub fn record(
    conn: &mut DbConn,
    article_id: i64,
    user_id: Option<i64>,
    snapshot: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let last: Option<i32> = article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .select(diesel::dsl::max(article_revisions::number))
        .first(conn)?;
    let number = last.unwrap_or(0) + 1;
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::number.eq(number),
            article_revisions::user_id.eq(user_id),
            article_revisions::created_at.eq(now),
            article_revisions::snapshot.eq(snapshot),
        ))
        .execute(conn)?;
    Ok(number)
}

/// All revisions of an article, newest first.
pub fn list(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<RevisionWithUser>> {
    article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::number.desc())
        .select((Revision::as_select(), users::display_name.nullable()))
        .load(conn)
}

pub fn find(conn: &mut DbConn, article_id: i64, number: i32) -> QueryResult<Option<RevisionWithUser>> {
    article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::number.eq(number))
        .select((Revision::as_select(), users::display_name.nullable()))
        .first(conn)
        .optional()
}
