//! Public section routes: the navigation tree and one section with its breadcrumb.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::views::SectionRef;
use crate::db;
use crate::error::{AppError, Problem};
use crate::models::section;

/// A section as listed in the tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectionItem {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
    pub description: Option<String>,
    /// The parent's slug; `null` for a top-level section.
    pub parent: Option<String>,
    /// 0 for a top-level section, 1 below it, and so on.
    pub depth: u32,
    /// Order among its siblings.
    pub position: i32,
}

/// A page of the section tree, in depth-first order (parents before their children).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionList {
    pub data: Vec<SectionItem>,
    pub meta: PageMeta,
}

/// One section with where it sits in the tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectionDetail {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
    pub description: Option<String>,
    pub parent: Option<SectionRef>,
    /// From the root down to this section.
    pub breadcrumb: Vec<SectionRef>,
    /// Direct sub-sections, in order.
    pub children: Vec<SectionRef>,
}

/// Lists sections as a tree: depth-first, siblings by position then name, each with its parent
/// and depth, so a navigation menu can be built from the list in order.
#[utoipa::path(
    tag = "sections",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the section tree.", body = SectionList),
        (status = 400, description = "A query parameter is malformed, unknown or out of range.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sections")]
pub async fn list_sections(
    state: web::Data<AppState>,
    query: Params<PageQuery>,
) -> Result<web::Json<SectionList>, AppError> {
    let page = query.0.resolve(&state.config)?;
    let tree = db::run(&state.pool, |conn| Ok(section::load_tree(conn)?)).await?;
    let ordered = tree.in_tree_order();
    let data = page
        .slice(&ordered)
        .iter()
        .map(|(s, depth)| SectionItem {
            slug: s.slug.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            parent: s
                .parent_id
                .and_then(|p| tree.get(p))
                .map(|p| p.slug.clone()),
            depth: *depth as u32,
            position: s.position,
        })
        .collect();
    Ok(web::Json(SectionList {
        data,
        meta: page.meta(ordered.len() as i64),
    }))
}

/// Reads one section with its breadcrumb and direct sub-sections. Its articles are listed by
/// `GET /api/v1/articles?section={slug}`.
#[utoipa::path(
    tag = "sections",
    params(("slug" = String, Path, description = "The section's slug.", example = "world-news")),
    responses(
        (status = 200, description = "The section.", body = SectionDetail),
        (status = 404, description = "No section has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sections/{slug}")]
pub async fn get_section(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<SectionDetail>, AppError> {
    let tree = db::run(&state.pool, |conn| Ok(section::load_tree(conn)?)).await?;
    let section = tree
        .by_slug(&slug)
        .ok_or_else(|| AppError::not_found("No section has this slug."))?;
    Ok(web::Json(SectionDetail {
        slug: section.slug.clone(),
        name: section.name.clone(),
        description: section.description.clone(),
        parent: section
            .parent_id
            .and_then(|p| tree.get(p))
            .map(SectionRef::from),
        breadcrumb: tree
            .breadcrumb(section.id)
            .into_iter()
            .map(SectionRef::from)
            .collect(),
        children: tree
            .children(section.id)
            .into_iter()
            .map(SectionRef::from)
            .collect(),
    }))
}
