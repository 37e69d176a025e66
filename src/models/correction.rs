//! Public correction notes attached to published articles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::article_corrections;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = article_corrections)]
pub struct Correction {
    pub id: i64,
    pub article_id: i64,
    pub body: String,
    pub user_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    article_id: i64,
    body: &str,
    user_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<Correction> {
    diesel::insert_into(article_corrections::table)
        .values((
            article_corrections::article_id.eq(article_id),
            article_corrections::body.eq(body),
            article_corrections::user_id.eq(user_id),
            article_corrections::created_at.eq(now),
        ))
        .returning(article_corrections::all_columns)
        .get_result(conn)
}

/// The corrections of each of `article_ids`, each article's oldest first: one query.
pub fn for_articles(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<Correction>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_corrections::table
        .filter(article_corrections::article_id.eq_any(article_ids))
        .order((
            article_corrections::article_id.asc(),
            article_corrections::created_at.asc(),
            article_corrections::id.asc(),
        ))
        .select(Correction::as_select())
        .load(conn)
}
