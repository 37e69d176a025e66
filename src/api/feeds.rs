//! Feeds of the latest public articles: RSS 2.0, Atom 1.0 and JSON Feed 1.1, for the whole site
//! or a section (with its sub-sections), tag, source or author. Public, cached and revalidated
//! like every public read (ETag, 304, Surrogate-Key); see [`crate::syndication::feeds`].

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::params::Params;
use crate::api::reads::ReadFrom;
use crate::error::{AppError, Problem};
use crate::http_cache::surrogate_keys;
use crate::state::AppState;
use crate::syndication::feeds::{self, Feed, Request, Scope};

/// A feed's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    /// RSS 2.0 (`application/rss+xml`).
    Rss,
    /// Atom 1.0 (`application/atom+xml`).
    Atom,
    /// JSON Feed 1.1 (`application/feed+json`).
    Json,
}

/// What a scoped feed follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeedScope {
    Sections,
    Tags,
    Sources,
    Authors,
}

/// How much of each article a feed carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    /// The summary only (the default).
    #[default]
    Summary,
    /// The whole body, as HTML.
    Full,
}

/// Options of a feed.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `summary` (the default) or `full` (the body's HTML in each entry).
    #[param(inline)]
    pub content: Option<FeedContent>,
}

/// Answers the feed of `scope` in `format`.
async fn respond(
    state: &AppState,
    req: &HttpRequest,
    from: ReadFrom,
    scope: Scope,
    format: FeedFormat,
    query: FeedQuery,
) -> Result<HttpResponse, AppError> {
    // Read on the public website through a proxy of `/feeds/...` (see the README).
    let mut path = req
        .path()
        .strip_prefix("/api/v1")
        .unwrap_or(req.path())
        .to_owned();
    let full_content = query.content == Some(FeedContent::Full);
    if full_content {
        path.push_str("?content=full");
    }
    let media = state.media.clone();
    let (size, now) = (state.config.feed_size, state.now());
    let feed: Feed = from
        .run(state, move |conn| {
            let request = Request {
                scope,
                path: &path,
                full_content,
                size,
                now,
            };
            feeds::load(conn, &media, &request)
        })
        .await?;
    let (body, content_type) = match format {
        FeedFormat::Rss => (feed.rss(), "application/rss+xml; charset=utf-8"),
        FeedFormat::Atom => (feed.atom(), "application/atom+xml; charset=utf-8"),
        FeedFormat::Json => (
            feed.json_feed().to_string(),
            "application/feed+json; charset=utf-8",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(surrogate_keys(&feed.keys))
        .body(body))
}

/// The latest public articles of the whole site, newest first (`DATELINE_FEED_SIZE`, 50 by
/// default): RSS 2.0, Atom 1.0 or JSON Feed 1.1, with absolute URLs from the site settings,
/// bylines, categories (section and tags) and the featured image as enclosure.
#[utoipa::path(
    tag = "feeds",
    params(("format" = inline(FeedFormat), Path, description = "`rss`, `atom` or `json`."), FeedQuery),
    responses(
        (status = 200, description = "The feed.", content(
            (String = "application/rss+xml"), (String = "application/atom+xml"), (Object = "application/feed+json")),
            headers(("ETag" = String, description = "For If-None-Match."),
                    ("Surrogate-Key" = String, description = "What the feed depends on, for CDN purges."))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
        (status = 400, description = "An unknown format or parameter; `errors` names it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/{format}")]
pub async fn site_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    from: ReadFrom,
    format: web::Path<FeedFormat>,
    query: Params<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    respond(&state, &req, from, Scope::Site, format.into_inner(), query.0).await
}

/// The latest public articles of a section (its sub-sections included), a tag, a source or an
/// author (by their public profile's slug), in the formats of the site's feed.
#[utoipa::path(
    tag = "feeds",
    params(
        ("scope" = inline(FeedScope), Path, description = "`sections`, `tags`, `sources` or `authors`."),
        ("slug" = String, Path, description = "The section's, tag's, source's or author's slug."),
        ("format" = inline(FeedFormat), Path, description = "`rss`, `atom` or `json`."),
        FeedQuery,
    ),
    responses(
        (status = 200, description = "The feed.", content(
            (String = "application/rss+xml"), (String = "application/atom+xml"), (Object = "application/feed+json")),
            headers(("ETag" = String, description = "For If-None-Match."),
                    ("Surrogate-Key" = String, description = "What the feed depends on, for CDN purges."))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
        (status = 400, description = "An unknown scope, format or parameter; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No section, tag, source or public author has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/{scope}/{slug}/{format}")]
pub async fn scoped_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    from: ReadFrom,
    path: web::Path<(FeedScope, String, FeedFormat)>,
    query: Params<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    // A slug that is no slug names nothing: 404, like any unknown one.
    let (scope, slug, format) = path.into_inner();
    let scope = match scope {
        FeedScope::Sections => Scope::Section(slug),
        FeedScope::Tags => Scope::Tag(slug),
        FeedScope::Sources => Scope::Source(slug),
        FeedScope::Authors => Scope::Author(slug),
    };
    respond(&state, &req, from, scope, format, query.0).await
}
