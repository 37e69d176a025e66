//! Article revisions: every change stores a full snapshot (who, when, what). Editors list an
//! article's revisions, read one, compare two field by field, and restore one, which becomes a
//! new revision. Authors see the revisions of their own articles; someone else's unpublished
//! article is, to them, an unknown slug.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ArticleStatus;
use super::write::{check_if_match, respond_with_detail, save_over, touched};
use crate::api::preconditions::IfMatch;
use crate::api::transact::write_touching;
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db::{self, DbConn};
use crate::domain::articles::{check_may_change, find_for_write};
use crate::error::{AppError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys};
use crate::models::article::Article;
use crate::models::revision::{self, Revision};
use crate::state::AppState;
use crate::values::AuditAction;
use crate::webhooks::events;

pub use crate::domain::articles::ArticleSnapshot;

/// One revision: who made it, when, and the article as it stood.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevisionView {
    /// 1 for the first version, counting up.
    #[schema(example = 3)]
    pub number: i32,
    pub created_at: DateTime<Utc>,
    pub user: Option<RevisionUser>,
    pub snapshot: ArticleSnapshot,
}

/// Who made a revision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevisionUser {
    pub id: i64,
    pub display_name: String,
}

/// An article's revisions, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevisionList {
    pub data: Vec<RevisionView>,
}

/// One field that differs between two revisions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    #[schema(example = "headline")]
    pub field: String,
    /// The value before: any JSON value (a string, a list of slugs, `null`, ...).
    pub from: serde_json::Value,
    /// The value after: any JSON value.
    pub to: serde_json::Value,
}

/// What changed from one revision to another, field by field.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevisionDiff {
    pub from: i32,
    pub to: i32,
    /// Only the fields that differ.
    pub changes: Vec<FieldChange>,
}

fn view((revision, display_name): (Revision, Option<String>)) -> Result<RevisionView, AppError> {
    let snapshot = serde_json::from_str(&revision.snapshot).map_err(AppError::internal)?;
    Ok(RevisionView {
        number: revision.number,
        created_at: utc(revision.created_at),
        user: revision
            .user_id
            .zip(display_name)
            .map(|(id, display_name)| RevisionUser { id, display_name }),
        snapshot,
    })
}

/// The article whose revisions `caller` may see: editors any, authors their own. Someone else's
/// unpublished article is, to an author, a slug that does not exist (404); only a published one,
/// which anybody can read, is theirs to be refused (403).
fn article_for_history(
    conn: &mut DbConn,
    caller: &AuthUser,
    slug: &str,
    now: NaiveDateTime,
) -> Result<Article, AppError> {
    let article = find_for_write(conn, caller, slug, now)?;
    if !caller.role.is_editorial() && article.author_id != Some(caller.id) {
        return Err(AppError::forbidden(
            "Authors see the revisions of their own articles only.",
        ));
    }
    Ok(article)
}

fn find_revision(conn: &mut DbConn, article_id: i64, number: i32) -> Result<RevisionView, AppError> {
    let found = revision::find(conn, article_id, number)?
        .ok_or_else(|| AppError::not_found("The article has no revision with this number."))?;
    view(found)
}

/// Lists an article's revisions, newest first (editors; authors for their own articles).
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.")),
    responses(
        (status = 200, description = "The revisions.", body = RevisionList),
        (status = 403, description = "An author asking about someone else's published article.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug; to an author, none of theirs and no published one.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/revisions")]
pub async fn list_revisions(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
) -> Result<web::Json<RevisionList>, AppError> {
    let slug = slug.into_inner();
    let now = state.now();
    let list = db::run(&state.pool, move |conn| {
        let article = article_for_history(conn, &caller, &slug, now)?;
        let data = revision::list(conn, article.id)?
            .into_iter()
            .map(view)
            .collect::<Result<_, _>>()?;
        Ok(RevisionList { data })
    })
    .await?;
    Ok(web::Json(list))
}

/// Reads one revision.
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("number" = i32, Path, description = "The revision number, from 1.", minimum = 1),
    ),
    responses(
        (status = 200, description = "The revision.", body = RevisionView),
        (status = 400, description = "The number is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An author asking about someone else's published article.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article (to an author: none of theirs and no published one) or revision.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/revisions/{number}")]
pub async fn get_revision(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<RevisionView>, AppError> {
    let (slug, number) = path.into_inner();
    let now = state.now();
    let found = db::run(&state.pool, move |conn| {
        let article = article_for_history(conn, &caller, &slug, now)?;
        find_revision(conn, article.id, number)
    })
    .await?;
    Ok(web::Json(found))
}

/// Compares two revisions field by field.
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("from" = i32, Path, description = "The earlier revision.", minimum = 1),
        ("to" = i32, Path, description = "The later revision.", minimum = 1),
    ),
    responses(
        (status = 200, description = "The fields that differ.", body = RevisionDiff),
        (status = 400, description = "A number is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An author asking about someone else's published article.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article (to an author: none of theirs and no published one) or revision.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/revisions/{from}/diff/{to}")]
pub async fn diff_revisions(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, i32, i32)>,
) -> Result<web::Json<RevisionDiff>, AppError> {
    let (slug, from, to) = path.into_inner();
    let now = state.now();
    let diff = db::run(&state.pool, move |conn| {
        let article = article_for_history(conn, &caller, &slug, now)?;
        let before = find_revision(conn, article.id, from)?.snapshot;
        let after = find_revision(conn, article.id, to)?.snapshot;
        Ok(RevisionDiff {
            from,
            to,
            changes: changes(&before, &after)?,
        })
    })
    .await?;
    Ok(web::Json(diff))
}

/// The fields of `after` that differ from `before`, in the snapshot's field order.
fn changes(before: &ArticleSnapshot, after: &ArticleSnapshot) -> Result<Vec<FieldChange>, AppError> {
    let (before, after) = (
        serde_json::to_value(before).map_err(AppError::internal)?,
        serde_json::to_value(after).map_err(AppError::internal)?,
    );
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Err(AppError::internal("a snapshot is not an object"));
    };
    Ok(after
        .iter()
        .filter(|(field, value)| before.get(*field) != Some(value))
        .map(|(field, value)| FieldChange {
            field: field.clone(),
            from: before.get(field).cloned().unwrap_or(serde_json::Value::Null),
            to: value.clone(),
        })
        .collect())
}

/// Restores an article to an earlier revision; the restore is itself a new revision. Needs
/// `If-Match` like any article write.
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("number" = i32, Path, description = "The revision to restore.", minimum = 1),
        ("If-Match" = inline(IfMatch), Header, description = "The ETag of the current version, e.g. `\"v7\"`."),
    ),
    responses(
        (status = 200, description = "Restored; `ETag` is the new version.", body = super::ArticleDetail,
            headers(("ETag" = String, description = "The new version."), ("Location" = String, description = "The article's address (`/api/v1/articles/{slug}`), which follows its slug."))),
        (status = 400, description = "The number is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft, or the revision sets what the role may not.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article or revision.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Editors: the revision's slug now belongs to another article.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The revision refers to a section, tag or source that no longer exists; each is named. To an author, a slug another article now has or had: `slug`, code `unavailable`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{slug}/revisions/{number}/restore")]
pub async fn restore_revision(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(String, i32)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (slug, number) = path.into_inner();
    let writer = caller.clone();
    let media = state.media.clone();
    let config = state.config.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let current = article_for_history(conn, &writer, &slug, change.at)?;
        check_may_change(&writer, &current)?;
        check_if_match(conn, &media, &if_match, &current)?;
        let old = find_revision(conn, current.id, number)?.snapshot;
        if !writer.role.is_editorial() && old.status != ArticleStatus::Draft {
            return Err(AppError::forbidden("Authors can only restore draft revisions."));
        }
        let action = AuditAction::ArticleRestoreRevision;
        let before = cache_keys::listed(conn, &current, change.at)?;
        let saved = save_over(conn, &media, &config.media, change, &current, old.into(), action)?;
        let keys = touched(conn, before, &saved, change.at)?;
        events::article_changed(conn, &media, change.at, saved.id, &keys)?;
        Ok((saved, keys))
    })
    .await?;
    let response = respond_with_detail(&state, written.value.id, false).await?;
    Ok(invalidated(response, &written))
}
