//! Public tag routes.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::AppState;
use crate::api::audit;
use crate::api::json::{BodySize, RequestBody, ValidJson, double_option, non_null, rules};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::preconditions::{self, IfMatch};
use crate::api::taxonomy::{NAMED_IN_CONFLICT, choose_slug, still_used_by_articles};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http_cache::{http_date, surrogate_keys};
use crate::models::article;
use crate::models::tag::{self, NewTag, Tag, TagChanges};

/// A tag. Its articles are listed by `GET /api/v1/articles?tag={slug}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TagDetail {
    #[schema(example = "pakistan")]
    pub slug: String,
    #[schema(example = "Pakistan")]
    pub name: String,
    pub description: Option<String>,
}

impl From<Tag> for TagDetail {
    fn from(t: Tag) -> Self {
        Self {
            slug: t.slug,
            name: t.name,
            description: t.description,
        }
    }
}

/// A page of tags, alphabetical.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TagList {
    pub data: Vec<TagDetail>,
    pub meta: PageMeta,
}

/// Lists tags alphabetically by name.
#[utoipa::path(
    tag = "tags",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of tags.", body = TagList),
        (status = 400, description = "A query parameter is malformed, unknown or out of range.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    state: web::Data<AppState>,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (items, total) = db::run(&state.pool, move |conn| {
        Ok(tag::page(conn, page.offset(), page.limit())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(surrogate_keys(["tags"]))
        .json(TagList {
            data: items.into_iter().map(TagDetail::from).collect(),
            meta: page.meta(total),
        }))
}

/// Reads one tag.
#[utoipa::path(
    tag = "tags",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The tag's slug.", example = "pakistan")),
    responses(
        (status = 200, description = "The tag.", body = TagDetail,
            headers(("ETag" = String, description = "With a bearer token: the version, for If-Match."))),
        (status = 401, description = "The bearer token is invalid or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No tag has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(tag::find_by_slug(conn, &slug)?)).await?;
    let t = found.ok_or_else(not_found)?;
    let mut response = HttpResponse::Ok();
    if caller.0.is_some() {
        response.insert_header((header::ETAG, preconditions::etag(t.version)));
    }
    // The answer is this one row: its update time is a sound Last-Modified.
    response.insert_header((header::LAST_MODIFIED, http_date(t.updated_at.and_utc())));
    response.insert_header(surrogate_keys([format!("tag-{}", t.slug)]));
    Ok(response.json(TagDetail::from(t)))
}

/// A new tag.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Counter-terrorism"}))]
pub struct TagInput {
    /// Generated from the name when absent.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

impl RequestBody for TagInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to a tag; absent fields stay as they are, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Militancy and the fight against it."}))]
pub struct TagPatch {
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
}

impl RequestBody for TagPatch {
    const SIZE: BodySize = BodySize::Small;
}

/// `If-Match`, when given, must name the current version (412 with the current tag if not).
fn check_version(if_match: &IfMatch, current: &Tag) -> Result<(), AppError> {
    if_match.check(current.version, false, || {
        serde_json::to_value(TagDetail::from(current.clone())).map_err(AppError::internal)
    })
}

/// A versioned update that found no row lost a race: 412 with the tag as it was read.
fn stale_or(err: diesel::result::Error, current: &Tag) -> AppError {
    match err {
        diesel::result::Error::NotFound => preconditions::stale(
            current.version + 1,
            serde_json::to_value(TagDetail::from(current.clone())).unwrap_or_default(),
        ),
        other => other.into(),
    }
}

fn not_found() -> AppError {
    AppError::not_found("No tag has this slug.")
}

fn respond(saved: Tag, created: bool) -> HttpResponse {
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(("Location", format!("/api/v1/tags/{}", saved.slug)))
        .insert_header((header::ETAG, preconditions::etag(saved.version)))
        .json(TagDetail::from(saved))
}

/// Creates a tag (editors and admins).
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    request_body = TagInput,
    responses(
        (status = 201, description = "Created.", body = TagDetail),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing or invalid; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<TagInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let input = body.0;
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let name = input.name.as_deref().unwrap_or_default().trim();
            let slug = choose_slug(conn, None, input.slug.as_deref(), name, "tag", tag::slug_exists)?;
            let new = NewTag {
                slug: &slug,
                name,
                description: input.description.as_deref(),
                created_at: now,
                updated_at: now,
            };
            let saved = tag::insert(conn, &new)?;
            audit::record(
                conn,
                &caller,
                "tag.create",
                "tag",
                saved.id,
                Some(saved.slug.clone()),
                now,
            )?;
            Ok(saved)
        })
    })
    .await?;
    Ok(respond(saved, true))
}

/// Changes a tag (editors and admins).
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The tag's slug."),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "Optional: the ETag of the version this change is based on."),
    ),
    request_body = TagPatch,
    responses(
        (status = 200, description = "Updated.", body = TagDetail),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No tag has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tags/{slug}")]
pub async fn update_tag(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<TagPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let patch = body.0;
    let slug = slug.into_inner();
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = tag::find_by_slug(conn, &slug)?.ok_or_else(not_found)?;
            check_version(&if_match, &current)?;
            let new_slug = choose_slug(
                conn,
                Some(&current.slug),
                patch.slug.as_deref(),
                &current.name,
                "tag",
                tag::slug_exists,
            )?;
            let changes = TagChanges {
                slug: Some(new_slug),
                name: patch.name.as_ref().map(|n| n.trim().to_owned()),
                description: patch.description.clone(),
                updated_at: Some(now),
                version: Some(current.version + 1),
            };
            let saved = tag::update(conn, current.id, current.version, &changes)
                .map_err(|e| stale_or(e, &current))?;
            audit::record(
                conn,
                &caller,
                "tag.update",
                "tag",
                saved.id,
                Some(saved.slug.clone()),
                now,
            )?;
            Ok(saved)
        })
    })
    .await?;
    Ok(respond(saved, false))
}

/// Deletes a tag that no article uses (editors and admins).
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The tag's slug."),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "Optional: the ETag of the version being deleted."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No tag has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles still use the tag; `errors` names them.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one); nothing was deleted.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tags/{slug}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let slug = slug.into_inner();
    let now = state.now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = tag::find_by_slug(conn, &slug)?.ok_or_else(not_found)?;
            let (slugs, count) = article::with_tag(conn, current.id, NAMED_IN_CONFLICT)?;
            if count > 0 {
                return Err(still_used_by_articles("tag", slugs, count));
            }
            check_version(&if_match, &current)?;
            tag::delete(conn, current.id)?;
            audit::record(
                conn,
                &caller,
                "tag.delete",
                "tag",
                current.id,
                Some(current.slug.clone()),
                now,
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
