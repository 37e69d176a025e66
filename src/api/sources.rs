//! Public source routes: the agencies and outlets articles credit.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::AppState;
use crate::api::json::{BodySize, RequestBody, ValidJson, double_option, rules};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::taxonomy::{NAMED_IN_CONFLICT, choose_slug, still_used_by_articles};
use crate::api::views::SourceRef;
use crate::auth::AuthUser;
use crate::db;
use crate::error::{AppError, Problem};
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
) -> Result<web::Json<SourceList>, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (items, total) = db::run(&state.pool, move |conn| {
        Ok(source::page(conn, page.offset(), page.limit())?)
    })
    .await?;
    Ok(web::Json(SourceList {
        data: items.iter().map(SourceRef::from).collect(),
        meta: page.meta(total),
    }))
}

/// Reads one source. Its articles are listed by `GET /api/v1/articles?source={slug}`.
#[utoipa::path(
    tag = "sources",
    params(("slug" = String, Path, description = "The source's slug.", example = "agencies")),
    responses(
        (status = 200, description = "The source.", body = SourceRef),
        (status = 404, description = "No source has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sources/{slug}")]
pub async fn get_source(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<SourceRef>, AppError> {
    let slug = slug.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(source::find_by_slug(conn, &slug)?)).await?;
    found
        .map(|s| web::Json(SourceRef::from(&s)))
        .ok_or_else(|| AppError::not_found("No source has this slug."))
}

/// A new source.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Reuters", "url": "https://www.reuters.com"}))]
pub struct SourceInput {
    /// Generated from the name when absent.
    #[validate(custom(function = "rules::slug"))]
    pub slug: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    pub name: Option<String>,
    /// The source's home page (http or https).
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
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
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    pub url: Option<Option<String>>,
}

impl RequestBody for SourcePatch {
    const SIZE: BodySize = BodySize::Small;
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
            let slug = choose_slug(conn, None, input.slug.as_deref(), name, source::slug_exists)?;
            let new = NewSource {
                slug: &slug,
                name,
                url: input.url.as_deref(),
                created_at: now,
                updated_at: now,
            };
            Ok(source::insert(conn, &new)?)
        })
    })
    .await?;
    Ok(respond(saved, true))
}

/// Changes a source (editors and admins).
#[utoipa::path(
    tag = "sources",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The source's slug.")),
    request_body = SourcePatch,
    responses(
        (status = 200, description = "Updated.", body = SourceRef),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No source has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = Problem, content_type = "application/problem+json"),
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
    body: ValidJson<SourcePatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let patch = body.0;
    let slug = slug.into_inner();
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = source::find_by_slug(conn, &slug)?.ok_or_else(not_found)?;
            let new_slug = choose_slug(
                conn,
                Some(&current.slug),
                patch.slug.as_deref(),
                &current.name,
                source::slug_exists,
            )?;
            let changes = SourceChanges {
                slug: Some(new_slug),
                name: patch.name.as_ref().map(|n| n.trim().to_owned()),
                url: patch.url.clone(),
                updated_at: Some(now),
            };
            Ok(source::update(conn, current.id, &changes)?)
        })
    })
    .await?;
    Ok(respond(saved, false))
}

/// Deletes a source that no article uses (editors and admins).
#[utoipa::path(
    tag = "sources",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The source's slug.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No source has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles still use the source; `errors` names them.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sources/{slug}")]
pub async fn delete_source(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let slug = slug.into_inner();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = source::find_by_slug(conn, &slug)?.ok_or_else(not_found)?;
            let (slugs, count) = article::with_source(conn, current.id, NAMED_IN_CONFLICT)?;
            if count > 0 {
                return Err(still_used_by_articles("source", slugs, count));
            }
            source::delete(conn, current.id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
