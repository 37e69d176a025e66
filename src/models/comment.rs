//! Reader comments on articles. Only `approved` comments are ever shown publicly.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::comments;

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_APPROVED: &str = "approved";
pub const STATUS_REJECTED: &str = "rejected";
pub const STATUS_SPAM: &str = "spam";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub status: String,
    pub client_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: &'a str,
    pub author_email: Option<&'a str>,
    pub body: &'a str,
    pub status: &'a str,
    pub client_hash: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewComment<'_>) -> QueryResult<Comment> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::all_columns)
        .get_result(conn)
}

/// The number of approved comments of an article.
pub fn approved_count(conn: &mut DbConn, article_id: i64) -> QueryResult<i64> {
    comments::table
        .filter(comments::article_id.eq(article_id))
        .filter(comments::status.eq(STATUS_APPROVED))
        .count()
        .get_result(conn)
}
