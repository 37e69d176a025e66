//! Reader comments on articles. Only `approved` comments are ever shown publicly.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{articles, comments};
use crate::values::CommentStatus;

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
    pub status: CommentStatus,
    pub client_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub root_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub root_id: Option<i64>,
    pub depth: i32,
    pub author_name: &'a str,
    pub author_email: Option<&'a str>,
    pub body: &'a str,
    pub status: CommentStatus,
    pub client_hash: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Changes by a moderator; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = comments)]
pub struct CommentChanges {
    pub author_name: Option<String>,
    pub body: Option<String>,
    pub status: Option<CommentStatus>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewComment<'_>) -> QueryResult<Comment> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Comment>> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()
}

/// The articles the comments `ids` belong to (each once).
pub fn article_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .select(comments::article_id)
        .distinct()
        .load(conn)
}

/// The number of approved comments of each of `article_ids` that has any: one grouped query.
pub fn approved_counts(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    comments::table
        .filter(comments::article_id.eq_any(article_ids))
        .filter(comments::status.eq(CommentStatus::Approved))
        .group_by(comments::article_id)
        .select((comments::article_id, diesel::dsl::count_star()))
        .load(conn)
}

/// True when the same name posted the same text on the article since `since`.
pub fn is_duplicate(
    conn: &mut DbConn,
    article_id: i64,
    author_name: &str,
    body: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::article_id.eq(article_id))
            .filter(comments::created_at.ge(since))
            .filter(comments::author_name.eq(author_name))
            .filter(comments::body.eq(body)),
    ))
    .get_result(conn)
}

/// One page of an article's approved top-level comments, oldest first, and their number.
pub fn approved_threads(
    conn: &mut DbConn,
    article_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Comment>, i64)> {
    let roots = comments::table
        .filter(comments::article_id.eq(article_id))
        .filter(comments::status.eq(CommentStatus::Approved))
        .filter(comments::parent_id.is_null());
    let page = roots
        .select(Comment::as_select())
        .order((comments::created_at.asc(), comments::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = roots.count().get_result(conn)?;
    Ok((page, total))
}

/// Every approved reply in the threads of `root_ids`, oldest first.
pub fn approved_replies(conn: &mut DbConn, root_ids: &[i64]) -> QueryResult<Vec<Comment>> {
    if root_ids.is_empty() {
        return Ok(Vec::new());
    }
    comments::table
        .filter(comments::root_id.eq_any(root_ids))
        // Says outright what the partial index on replies covers, so SQLite uses it.
        .filter(comments::root_id.is_not_null())
        .filter(comments::status.eq(CommentStatus::Approved))
        .select(Comment::as_select())
        .order((comments::created_at.asc(), comments::id.asc()))
        .load(conn)
}

/// Filters of the moderation queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<CommentStatus>,
    pub article_id: Option<i64>,
}

/// A comment with its article's slug and headline.
pub type CommentWithArticle = (Comment, (String, String));

/// Past this many comments from the top, every-status pages are ordered by the database
/// instead: merging would hold each status's whole window in memory.
pub const MERGED_QUEUE_DEPTH: i64 = 1_000;

/// One page of the moderation queue, newest first, each with its article's slug and headline.
///
/// The queue's default order (every status) has no index of its own: each status's newest
/// `offset + limit` comments are read in order from the status index that public pages and the
/// status filter already need (`comments_status_created`, or `comments_article_status` for one
/// article), and merged. A fifth index on every comment, kept for this one moderators' page,
/// cost up to 44% of the comment submission rate (bench/RESULTS.md). One status, or a page
/// deeper than [`MERGED_QUEUE_DEPTH`], is one ordered statement.
pub fn queue(
    conn: &mut DbConn,
    filter: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<CommentWithArticle>, i64)> {
    let filtered = || {
        let mut query = comments::table.inner_join(articles::table).into_boxed();
        if let Some(status) = &filter.status {
            query = query.filter(comments::status.eq(*status));
        }
        if let Some(article_id) = filter.article_id {
            query = query.filter(comments::article_id.eq(article_id));
        }
        query
    };
    let newest_first = (comments::created_at.desc(), comments::id.desc());
    let page = (Comment::as_select(), (articles::slug, articles::headline));
    let items = if filter.status.is_some() || offset + limit > MERGED_QUEUE_DEPTH {
        filtered()
            .select(page)
            .order(newest_first)
            .offset(offset)
            .limit(limit)
            .load(conn)?
    } else {
        let ids = merged_page_ids(conn, filter.article_id, offset, limit)?;
        filtered()
            .filter(comments::id.eq_any(&ids))
            .select(page)
            .order(newest_first)
            .load(conn)?
    };
    let total = filtered().count().get_result(conn)?;
    Ok((items, total))
}

/// The ids of a page of every status, newest first: each status's newest `offset + limit`
/// read in order from its index, merged.
fn merged_page_ids(
    conn: &mut DbConn,
    article_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let mut newest: Vec<(NaiveDateTime, i64)> = Vec::new();
    for &status in CommentStatus::ALL {
        let mut window = comments::table
            .filter(comments::status.eq(status))
            .select((comments::created_at, comments::id))
            .into_boxed();
        if let Some(article_id) = article_id {
            window = window.filter(comments::article_id.eq(article_id));
        }
        newest.extend(
            window
                .order((comments::created_at.desc(), comments::id.desc()))
                .limit(offset + limit)
                .load::<(NaiveDateTime, i64)>(conn)?,
        );
    }
    newest.sort_unstable_by(|a, b| b.cmp(a));
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(newest
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(_, id)| id)
        .collect())
}

pub fn update(conn: &mut DbConn, id: i64, changes: &CommentChanges) -> QueryResult<Comment> {
    diesel::update(comments::table.find(id))
        .set(changes)
        .returning(comments::all_columns)
        .get_result(conn)
}

/// Sets the status of every comment in `ids`; returns how many rows changed.
pub fn set_status(
    conn: &mut DbConn,
    ids: &[i64],
    status: CommentStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(comments::table.filter(comments::id.eq_any(ids)))
        .set((comments::status.eq(status), comments::updated_at.eq(now)))
        .execute(conn)
}

/// Which of `ids` exist.
pub fn existing_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .select(comments::id)
        .load(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(comments::table.find(id)).execute(conn)
}

/// The comments `ids` that exist (one query).
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .select(Comment::as_select())
        .load(conn)
}

/// [`by_ids`], locked until the transaction ends (a write transaction): what a moderation
/// changes from, which no concurrent moderation can change meanwhile. SQLite's write
/// transactions already run one at a time.
pub fn by_ids_locked(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Comment>> {
    match conn {
        DbConn::Postgresql(pg) => comments::table
            .filter(comments::id.eq_any(ids))
            .select(Comment::as_select())
            .for_update()
            .load(pg),
        DbConn::Sqlite(_) => by_ids(conn, ids),
    }
}
