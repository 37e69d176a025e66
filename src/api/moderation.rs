//! Comment moderation, for editors and admins: the queue, status changes, edits, deletion, and
//! moderating many comments in one all-or-nothing request.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::json::{AuthorName, BodySize, RequestBody, SlugText, ValidJson, non_null, rules};
use crate::api::links::{Nav, link_header};
use crate::api::params::{Page, PageMeta, Params};
use crate::api::transact::write_touching;
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db;
use crate::domain::moderation::{self, CommentEdit, not_found as comment_not_found};
use crate::error::{AppError, FieldCode, FieldError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys};
use crate::models::article;
use crate::models::comment::{self, Comment, QueueFilter};
use crate::state::AppState;

pub use crate::values::CommentStatus;

/// A comment as moderators see it, e-mail included.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModeratedComment {
    pub id: i64,
    pub article: CommentArticle,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The article a comment belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommentArticle {
    pub slug: String,
    pub headline: String,
}

fn view(comment: Comment, (slug, headline): (String, String)) -> ModeratedComment {
    ModeratedComment {
        id: comment.id,
        article: CommentArticle { slug, headline },
        parent_id: comment.parent_id,
        depth: comment.depth,
        author_name: comment.author_name,
        author_email: comment.author_email,
        body: comment.body,
        status: comment.status,
        created_at: utc(comment.created_at),
        updated_at: utc(comment.updated_at),
    }
}

/// A page of the moderation queue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModerationList {
    pub data: Vec<ModeratedComment>,
    pub meta: PageMeta,
}

/// Filters of the moderation queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only comments in this state.
    #[param(inline)]
    pub status: Option<CommentStatus>,
    /// Only comments on this article (slug).
    #[param(value_type = Option<SlugText>)]
    pub article: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// A moderator's change to one comment.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved"}))]
pub struct CommentPatch {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = CommentStatus, nullable = false)]
    pub status: Option<CommentStatus>,
    #[validate(length(max = 100), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = AuthorName, nullable = false)]
    pub author_name: Option<String>,
    #[validate(length(max = 2000), custom(function = "rules::not_blank"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 2000, pattern = r"[^\s\x85]")]
    pub body: Option<String>,
}

impl RequestBody for CommentPatch {
    const SIZE: BodySize = BodySize::Small;
}

/// One status for many comments, applied all together or not at all.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ids": [7, 8, 9], "status": "spam"}))]
pub struct BulkModeration {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_items = 1, max_items = 500)]
    pub ids: Vec<i64>,
    pub status: CommentStatus,
}

impl RequestBody for BulkModeration {
    const SIZE: BodySize = BodySize::Small;
}

/// What a bulk moderation changed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    pub updated: usize,
    pub status: CommentStatus,
}

/// The moderation queue, newest first (editors and admins).
#[utoipa::path(
    tag = "comments",
    security(("bearer" = ["editor", "admin"])),
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of comments.", body = ModerationList),
        (status = 404, description = "The `article` filter names no article.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/comments")]
pub async fn moderation_queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    query: Params<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let query = query.0;
    let page = Page::resolve(query.page, query.per_page, &state.config)?;
    let list = db::run(&state.pool, move |conn| {
        let article_id = match &query.article {
            Some(slug) => Some(
                article::find_by_slug(conn, slug)?
                    .ok_or_else(|| AppError::NotFound {
                        detail: "No article has the slug given in `article`.".to_owned(),
                        errors: vec![FieldError::new(
                            "article",
                            FieldCode::NotFound,
                            "no article has this slug",
                        )],
                    })?
                    .id,
            ),
            None => None,
        };
        let filter = QueueFilter {
            status: query.status,
            article_id,
        };
        let (rows, total) = comment::queue(conn, &filter, page.offset(), page.limit())?;
        Ok(ModerationList {
            data: rows.into_iter().map(|(c, a)| view(c, a)).collect(),
            meta: page.meta(total),
        })
    })
    .await?;
    let total = list.meta.total;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(list))
}

/// Changes a comment's status, or edits its name or text (editors and admins).
#[utoipa::path(
    tag = "comments",
    security(("bearer" = ["editor", "admin"])),
    params(("id" = i64, Path, description = "The comment's id.", minimum = 1)),
    request_body = CommentPatch,
    responses(
        (status = 200, description = "Updated.", body = ModeratedComment),
        (status = 400, description = "The body is not valid JSON, or the id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/comments/{id}")]
pub async fn moderate_comment(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<CommentPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let id = id.into_inner();
    let patch = body.0;
    let edit = CommentEdit {
        author_name: patch.author_name,
        body: patch.body,
        status: patch.status,
    };
    let written = write_touching(&state, caller, move |conn, change| {
        let before = comment::by_ids_locked(conn, &[id])?;
        let saved = moderation::moderate(conn, change, id, edit)?;
        crate::webhooks::events::comments_approved(conn, change.at, &before)?;
        let article = article::find_with_section(conn, saved.article_id)?
            .ok_or_else(comment_not_found)?
            .0;
        let touched = vec![cache_keys::comments(article.id)];
        Ok((view(saved, (article.slug, article.headline)), touched))
    })
    .await?;
    Ok(invalidated(HttpResponse::Ok().json(&written.value), &written))
}

/// Sets one status on many comments in one transaction: if any id is unknown, nothing changes.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = ["editor", "admin"])),
    request_body = BulkModeration,
    responses(
        (status = 200, description = "All updated.", body = BulkResult),
        (status = 422, description = "An id is unknown (each is named) or a field is invalid; nothing was changed.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/moderation")]
pub async fn moderate_many(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<BulkModeration>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let BulkModeration { ids, status } = body.0;
    let written = write_touching(&state, caller, move |conn, change| {
        let articles = comment::article_ids(conn, &ids)?;
        let before = comment::by_ids_locked(conn, &ids)?;
        let updated = moderation::moderate_many(conn, change, &ids, status)?;
        crate::webhooks::events::comments_approved(conn, change.at, &before)?;
        Ok((updated, articles.into_iter().map(cache_keys::comments).collect()))
    })
    .await?;
    let updated = written.value;
    Ok(invalidated(
        HttpResponse::Ok().json(BulkResult { updated, status }),
        &written,
    ))
}

/// Deletes a comment and its replies (editors and admins).
#[utoipa::path(
    tag = "comments",
    security(("bearer" = ["editor", "admin"])),
    params(("id" = i64, Path, description = "The comment's id.", minimum = 1)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "The id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/comments/{id}")]
pub async fn delete_comment(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let id = id.into_inner();
    let written = write_touching(&state, caller, move |conn, change| {
        let articles = comment::article_ids(conn, &[id])?;
        moderation::delete(conn, change, id)?;
        Ok(((), articles.into_iter().map(cache_keys::comments).collect()))
    })
    .await?;
    Ok(invalidated(HttpResponse::NoContent().finish(), &written))
}
