//! Sitemaps for search engines: the index, monthly article sitemaps (with images), the pages
//! sitemap and the Google News sitemap. Public and cached like every public read; see
//! [`crate::syndication::sitemaps`].

use actix_web::{HttpResponse, get, web};

use crate::api::reads::ReadFrom;
use crate::error::{AppError, Problem};
use crate::http_cache::{keys as cache_keys, surrogate_keys};
use crate::state::AppState;
use crate::syndication::sitemaps::{self, Part};

const XML: &str = "application/xml; charset=utf-8";

fn xml(body: String, keys: &[&str]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(XML)
        .insert_header(surrogate_keys(keys))
        .body(body)
}

/// What an article sitemap depends on: which articles are public, their URLs (site settings)
/// and update times.
const ARTICLE_KEYS: [&str; 3] = [cache_keys::ALL_ARTICLES, cache_keys::SITE, cache_keys::BY_UPDATE];

/// The sitemap index: the pages sitemap, the News sitemap and one sitemap per month of
/// publication (UTC), in parts of 50,000 URLs; absolute URLs under the site's `base_url` (see
/// the README for proxying `/sitemap.xml` and `/sitemaps/` from the public website).
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "A sitemap index (sitemaps.org 0.9).", content_type = "application/xml", body = String,
            headers(("ETag" = String, description = "For If-None-Match."))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(state: web::Data<AppState>, from: ReadFrom) -> Result<HttpResponse, AppError> {
    let (now, per_file) = (state.now(), state.config.sitemap_urls);
    let body = from
        .run(&state, move |conn| sitemaps::index(conn, now, per_file))
        .await?;
    Ok(xml(body, &ARTICLE_KEYS))
}

/// The home page and the pages of every section, tag and public author.
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "A sitemap (sitemaps.org 0.9).", content_type = "application/xml", body = String,
            headers(("ETag" = String, description = "For If-None-Match."))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
    )
)]
#[get("/sitemaps/pages.xml")]
pub async fn pages_sitemap(state: web::Data<AppState>, from: ReadFrom) -> Result<HttpResponse, AppError> {
    let (media, per_file) = (state.media.clone(), state.config.sitemap_urls);
    let body = from
        .run(&state, move |conn| sitemaps::pages(conn, &media, per_file))
        .await?;
    Ok(xml(
        body,
        &["sections", "tags", cache_keys::AUTHORS, cache_keys::SITE],
    ))
}

/// The Google News sitemap: articles published in the last 48 hours, at most 1,000, with the
/// publication's name and language from the site settings. The index names it only while it
/// has articles.
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "A sitemap with the Google News extension.", content_type = "application/xml", body = String,
            headers(("ETag" = String, description = "For If-None-Match."))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
        (status = 404, description = "No article was published in the last 48 hours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(state: web::Data<AppState>, from: ReadFrom) -> Result<HttpResponse, AppError> {
    let (media, now) = (state.media.clone(), state.now());
    let body = from
        .run(&state, move |conn| sitemaps::news(conn, &media, now))
        .await?
        .ok_or_else(|| AppError::not_found("No article was published in the last 48 hours."))?;
    Ok(xml(body, &ARTICLE_KEYS))
}

/// The public articles of one month (UTC), oldest first, with `lastmod` (the public update
/// time) and the featured image (image extension); `2026-06-2.xml` is the month's second part
/// (of `DATELINE_SITEMAP_URLS`, 50,000 by default).
#[utoipa::path(
    tag = "sitemaps",
    params(("file" = String, Path, description = "`{yyyy}-{mm}.xml`, or `{yyyy}-{mm}-{part}.xml` from the second part on.",
        pattern = r"^[0-9]{4}-[0-9]{2}(-[0-9]+)?\.xml$")),
    responses(
        (status = 200, description = "A sitemap with the image extension.", content_type = "application/xml", body = String,
            headers(("ETag" = String, description = "For If-None-Match."))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
        (status = 404, description = "No such month or part, or no public article in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemaps/articles/{file}")]
pub async fn month_sitemap(
    state: web::Data<AppState>,
    from: ReadFrom,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let not_found = || AppError::not_found("No sitemap has this name.");
    let Some(Part::Month(month, part)) = Part::month(&file) else {
        return Err(not_found());
    };
    let (media, now, per_file) = (state.media.clone(), state.now(), state.config.sitemap_urls);
    let body = from
        .run(&state, move |conn| {
            sitemaps::month(conn, &media, now, month, part, per_file)
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(xml(body, &ARTICLE_KEYS))
}
