//! Public source routes: the agencies and outlets articles credit.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::views::SourceRef;
use crate::db;
use crate::error::{AppError, Problem};
use crate::models::source;

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
    let found = db::run(&state.pool, move |conn| {
        Ok(source::find_by_slug(conn, &slug)?)
    })
    .await?;
    found
        .map(|s| web::Json(SourceRef::from(&s)))
        .ok_or_else(|| AppError::not_found("No source has this slug."))
}
