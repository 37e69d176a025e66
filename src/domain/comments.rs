//! Reader comments: submission rules (open articles only, replies to approved comments, a
//! nesting limit, no duplicate within a window). Moderation is `domain::moderation`.

use chrono::{Duration, NaiveDateTime};

use crate::content::text;
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::article::{self, Article};
use crate::models::comment::{self, Comment, NewComment};
use crate::values::CommentStatus;

/// How deep replies nest: a top-level comment is depth 0, a reply to it 1, and so on.
pub const MAX_DEPTH: i32 = 3;

/// A reader's comment, as validated by the HTTP layer.
#[derive(Debug, Clone)]
pub struct Submission {
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub parent_id: Option<i64>,
    /// `pending`, or `approved` where comments are approved automatically.
    pub status: CommentStatus,
    pub client_hash: String,
    /// The same name and text again within this window is refused (zero: never).
    pub duplicate_window: Duration,
}

/// Stores a comment on the public article `slug`.
pub fn submit(conn: &mut DbConn, slug: &str, s: Submission, now: NaiveDateTime) -> Result<Comment, AppError> {
    let article = open_article(conn, slug, now)?;
    lock_article_comments(conn, article.id)?;
    let name = &text::name(&s.author_name);
    let text = s.body.trim();
    let (parent_id, root_id, depth) = reply_position(conn, &article, s.parent_id)?;
    let window = s.duplicate_window;
    if !window.is_zero() && comment::is_duplicate(conn, article.id, name, text, now - window)? {
        return Err(AppError::conflict("The same comment was just submitted."));
    }
    let email = s
        .author_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_lowercase);
    let new = NewComment {
        article_id: article.id,
        parent_id,
        root_id,
        depth,
        author_name: name,
        author_email: email.as_deref(),
        body: text,
        status: s.status,
        client_hash: Some(&s.client_hash),
        created_at: now,
        updated_at: now,
    };
    Ok(comment::insert(conn, &new)?)
}

/// The article, if it is public and open for comments.
fn open_article(conn: &mut DbConn, slug: &str, now: chrono::NaiveDateTime) -> Result<Article, AppError> {
    let (article, _, _) =
        article::find_visible_by_slug(conn, slug, now)?.ok_or_else(super::articles::not_found)?;
    if !article.comments_enabled {
        return Err(AppError::forbidden("Comments are closed on this article."));
    }
    Ok(article)
}

/// On PostgreSQL, submissions to one article take turns, so the duplicate check cannot race
/// (SQLite's `BEGIN IMMEDIATE` already serialises writers).
fn lock_article_comments(conn: &mut DbConn, article_id: i64) -> Result<(), AppError> {
    if let db::DbConn::Postgresql(pg) = conn {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(article_id)
            .execute(pg)?;
    }
    Ok(())
}

/// `(parent_id, root_id, depth)` of a new comment: a reply must answer an approved comment of the
/// same article, and replies nest at most [`MAX_DEPTH`] deep.
fn reply_position(
    conn: &mut DbConn,
    article: &Article,
    parent_id: Option<i64>,
) -> Result<(Option<i64>, Option<i64>, i32), AppError> {
    let Some(parent_id) = parent_id else {
        return Ok((None, None, 0));
    };
    let parent = comment::find(conn, parent_id)?
        .filter(|p| p.article_id == article.id && p.status == CommentStatus::Approved)
        .ok_or_else(|| {
            AppError::invalid_field(
                "parent_id",
                FieldCode::NotFound,
                "must be an approved comment of this article",
            )
        })?;
    if parent.depth >= MAX_DEPTH {
        return Err(AppError::Validation(vec![FieldError::new(
            "parent_id",
            FieldCode::TooDeep,
            format!("replies nest at most {MAX_DEPTH} levels deep"),
        )]));
    }
    Ok((
        Some(parent.id),
        Some(parent.root_id.unwrap_or(parent.id)),
        parent.depth + 1,
    ))
}
