//! Public source routes: the agencies and outlets articles credit.

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
use crate::api::views::SourceRef;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http_cache::{http_date, surrogate_keys};
use crate::models::article;
use crate::models::source::{self, NewSource, Source, SourceChanges};

/// A page of sources, alphabetical.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SourceList {
    pub data: Vec<SourceRef>,
    pub meta: PageMeta,
}

/// Lists sources alphabetically by name.
#[utoipa::path(
    tag = "sources",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of sources.", body = SourceList),
        (status = 400, description = "A query parameter is malformed, unknown or out of range.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sources")]
pub async fn list_sources(
    state: web::Data<AppState>,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (items, total) = db::run(&state.pool, move |conn| {
        Ok(source::page(conn, page.offset(), page.limit())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(surrogate_keys(["sources"]))
        .json(SourceList {
            data: items.iter().map(SourceRef::from).collect(),
            meta: page.meta(total),
        }))
}

/// Reads one source. Its articles are listed by `GET /api/v1/articles?source={slug}`.
#[utoipa::path(
    tag = "sources",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The source's slug.", example = "agencies")),
    responses(
        (status = 200, description = "The source.", body = SourceRef,
            headers(("ETag" = String, description = "With a bearer token: the version, for If-Match."))),
        (status = 401, description = "The bearer token is invalid or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No source has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sources/{slug}")]
pub async fn get_source(
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(source::find_by_slug(conn, &slug)?)).await?;
    let t = found.ok_or_else(not_found)?;
    let mut response = HttpResponse::Ok();
    if caller.0.is_some() {
        response.insert_header((header::ETAG, preconditions::etag(t.version)));
    }
    // The answer is this one row: its update time is a sound Last-Modified.
    response.insert_header((header::LAST_MODIFIED, http_date(t.updated_at.and_utc())));
    response.insert_header(surrogate_keys([format!("source-{}", t.slug)]));
    Ok(response.json(SourceRef::from(&t)))
}

/// A new source.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Reuters", "url": "https://www.reuters.com"}))]
pub struct SourceInput {
    /// Generated from the name when absent.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    /// The source's home page (http or https).
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s]+$")]
    pub url: Option<String>,
}

impl RequestBody for SourceInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to a source; absent fields stay as they are, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": null}))]
pub struct SourcePatch {
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    /// The source's home page (http or https).
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^https?://[^\s]+$")]
    pub url: Option<Option<String>>,
}

impl RequestBody for SourcePatch {
    const SIZE: BodySize = BodySize::Small;
}

/// `If-Match`, when given, must name the current version (412 with the current source if not).
fn check_version(if_match: &IfMatch, current: &Source) -> Result<(), AppError> {
    if_match.check(current.version, false, || {
        serde_json::to_value(SourceRef::from(current)).map_err(AppError::internal)
    })
}

/// A versioned update that found no row lost a race: 412 with the source as it was read.
fn stale_or(err: diesel::result::Error, current: &Source) -> AppError {
    match err {
        diesel::result::Error::NotFound => preconditions::stale(
            current.version + 1,
            serde_json::to_value(SourceRef::from(current)).unwrap_or_default(),
        ),
        other => other.into(),
    }
}

fn not_found() -> AppError {
    AppError::not_found("No source has this slug.")
}

fn respond(saved: Source, created: bool) -> HttpResponse {
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(("Location", format!("/api/v1/sources/{}", saved.slug)))
        .insert_header((header::ETAG, preconditions::etag(saved.version)))
        .json(SourceRef::from(&saved))
}

/// Creates a source (editors and admins).
#[utoipa::path(
    tag = "sources",
    security(("bearer" = [])),
    request_body = SourceInput,
    responses(
        (status = 201, description = "Created.", body = SourceRef),
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
#[post("/sources")]
pub async fn create_source(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<SourceInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let input = body.0;
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let name = input.name.as_deref().unwrap_or_default().trim();
            let slug = choose_slug(
                conn,
                None,
                input.slug.as_deref(),
                name,
                "source",
                source::slug_exists,
            )?;
            let new = NewSource {
                slug: &slug,
                name,
                url: input.url.as_deref(),
                created_at: now,
                updated_at: now,
            };
            let saved = source::insert(conn, &new)?;
            audit::record(
                conn,
                &caller,
                "source.create",
                "source",
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

/// Changes a source (editors and admins).
#[utoipa::path(
    tag = "sources",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The source's slug."),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "Optional: the ETag of the version this change is based on."),
    ),
    request_body = SourcePatch,
    responses(
        (status = 200, description = "Updated.", body = SourceRef),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No source has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/sources/{slug}")]
pub async fn update_source(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<SourcePatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let patch = body.0;
    let slug = slug.into_inner();
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = source::find_by_slug(conn, &slug)?.ok_or_else(not_found)?;
            check_version(&if_match, &current)?;
            let new_slug = choose_slug(
                conn,
                Some(&current.slug),
                patch.slug.as_deref(),
                &current.name,
                "source",
                source::slug_exists,
            )?;
            let changes = SourceChanges {
                slug: Some(new_slug),
                name: patch.name.as_ref().map(|n| n.trim().to_owned()),
                url: patch.url.clone(),
                updated_at: Some(now),
                version: Some(current.version + 1),
            };
            let saved = source::update(conn, current.id, current.version, &changes)
                .map_err(|e| stale_or(e, &current))?;
            audit::record(
                conn,
                &caller,
                "source.update",
                "source",
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

/// Deletes a source that no article uses (editors and admins).
#[utoipa::path(
    tag = "sources",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The source's slug."),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "Optional: the ETag of the version being deleted."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No source has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles still use the source; `errors` names them.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one); nothing was deleted.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sources/{slug}")]
pub async fn delete_source(
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
            let current = source::find_by_slug(conn, &slug)?.ok_or_else(not_found)?;
            let (slugs, count) = article::with_source(conn, current.id, NAMED_IN_CONFLICT)?;
            if count > 0 {
                return Err(still_used_by_articles("source", slugs, count));
            }
            check_version(&if_match, &current)?;
            source::delete(conn, current.id)?;
            audit::record(
                conn,
                &caller,
                "source.delete",
                "source",
                current.id,
                Some(current.slug.clone()),
                now,
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
