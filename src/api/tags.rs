//! Public tag routes.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::db;
use crate::error::{AppError, Problem};
use crate::models::tag::{self, Tag};

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
) -> Result<web::Json<TagList>, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (items, total) = db::run(&state.pool, move |conn| {
        Ok(tag::page(conn, page.offset(), page.limit())?)
    })
    .await?;
    Ok(web::Json(TagList {
        data: items.into_iter().map(TagDetail::from).collect(),
        meta: page.meta(total),
    }))
}

/// Reads one tag.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug.", example = "pakistan")),
    responses(
        (status = 200, description = "The tag.", body = TagDetail),
        (status = 404, description = "No tag has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<TagDetail>, AppError> {
    let slug = slug.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(tag::find_by_slug(conn, &slug)?)).await?;
    found
        .map(|t| web::Json(TagDetail::from(t)))
        .ok_or_else(|| AppError::not_found("No tag has this slug."))
}
