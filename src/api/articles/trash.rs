//! The trash: deleted articles wait here, invisible everywhere, until an editor restores them
//! or they are purged for good (`DATELINE_TRASH_RETENTION_DAYS` after deletion).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::members::Embeds;
use super::write::respond_with_detail;
use super::{ArticleSummary, summaries};
use crate::api::links::{Nav, link_header};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::transact::{write_as, write_touching};
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db;
use crate::domain::trash;
use crate::error::{AppError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys, public_unchanged};
use crate::models::article::{self, ArticleFilter, ArticleSort, Scope};
use crate::state::AppState;
use crate::webhooks::events;

/// A page of the trash, most recently deleted first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrashList {
    pub data: Vec<ArticleSummary>,
    pub meta: PageMeta,
    /// Items deleted before this time are purged by the next purge.
    pub purge_before: DateTime<Utc>,
}

/// What a purge removed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PurgeResult {
    pub purged: usize,
    /// Articles deleted before this time were removed.
    pub deleted_before: DateTime<Utc>,
}

/// Lists the trash (editors and admins).
#[utoipa::path(
    tag = "trash",
    security(("bearer" = ["editor", "admin"])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of trashed articles.", body = TrashList),
    )
)]
#[get("/trash")]
pub async fn list_trash(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let page = query.0.resolve(&state.config)?;
    let now = state.now();
    let purge_before = now - Duration::days(i64::from(state.config.trash_retention_days));
    let media = state.media.clone();
    let list = db::run(&state.pool, move |conn| {
        let filter = ArticleFilter {
            scope: Scope::Trashed,
            sort: ArticleSort::RecentlyUpdated,
            ..ArticleFilter::default()
        };
        let (rows, total) = article::page(conn, &filter, now, page.offset(), page.limit(), true)?;
        Ok(TrashList {
            data: summaries(conn, &media, rows, Embeds::ALL)?,
            meta: page.meta(total.unwrap_or_default()),
            purge_before: utc(purge_before),
        })
    })
    .await?;
    let total = list.meta.total;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(list))
}

/// Takes an article out of the trash, as it was (editors and admins).
#[utoipa::path(
    tag = "trash",
    security(("bearer" = ["editor", "admin"])),
    params(("slug" = String, Path, description = "The trashed article's slug.")),
    responses(
        (status = 200, description = "Restored.", body = super::ArticleDetail,
            headers(("ETag" = String, description = "The version, for If-Match on later writes."), ("Location" = String, description = "The article's address (`/api/v1/articles/{slug}`), which follows its slug."))),
        (status = 404, description = "No trashed article has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/trash/{slug}/restore")]
pub async fn restore_from_trash(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let slug = slug.into_inner();
    let media = state.media.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let id = trash::restore(conn, change, &slug)?;
        let (restored, _, _) = article::find_with_section(conn, id)?.ok_or_else(super::article_not_found)?;
        let keys = cache_keys::touched(None, cache_keys::listed(conn, &restored, change.at)?);
        events::article_changed(conn, &media, change.at, id, &keys)?;
        Ok((id, keys))
    })
    .await?;
    let response = respond_with_detail(&state, written.value, false).await?;
    Ok(invalidated(response, &written))
}

/// Purges the articles trashed longer than the retention period, for good (admins).
#[utoipa::path(
    tag = "trash",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Purged.", body = PurgeResult),
    )
)]
#[post("/trash/purge")]
pub async fn purge_trash(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let retention = state.config.trash_retention_days;
    let (purged, cutoff) = write_as(&state, caller, move |conn, change| {
        trash::purge(conn, change, retention)
    })
    .await?;
    // Articles in the trash are in no public answer.
    Ok(public_unchanged(HttpResponse::Ok().json(PurgeResult {
        purged,
        deleted_before: utc(cutoff),
    })))
}
