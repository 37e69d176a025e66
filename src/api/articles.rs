//! Public article routes: the list with its filters, one article, and related articles.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::AppState;
use crate::api::params::{Page, PageMeta, Params};
use crate::api::views::{SectionRef, SourceRef, TagRef, utc};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldError, Problem};
use crate::models::article::{self, ArticleFilter, ArticleSort, SummaryWithSection};
use crate::models::{comment, section, source, tag};

/// The order of an article list. A leading `-` means descending.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum SortParam {
    /// Newest publication first (the default).
    #[default]
    #[serde(rename = "-published_at")]
    NewestFirst,
    /// Oldest publication first.
    #[serde(rename = "published_at")]
    OldestFirst,
    /// Most recently updated first.
    #[serde(rename = "-updated_at")]
    RecentlyUpdated,
    /// Least recently updated first.
    #[serde(rename = "updated_at")]
    LeastRecentlyUpdated,
}

impl From<SortParam> for ArticleSort {
    fn from(sort: SortParam) -> Self {
        match sort {
            SortParam::NewestFirst => Self::NewestFirst,
            SortParam::OldestFirst => Self::OldestFirst,
            SortParam::RecentlyUpdated => Self::RecentlyUpdated,
            SortParam::LeastRecentlyUpdated => Self::LeastRecentlyUpdated,
        }
    }
}

/// The longest accepted search text.
pub const MAX_QUERY_TEXT: usize = 200;

/// Filters, order and page of the public article list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// Only articles in this section (by slug) or any of its sub-sections.
    #[param(example = "world-news", min_length = 1, max_length = 200)]
    pub section: Option<String>,
    /// Only articles with this tag (by slug).
    #[param(example = "pakistan", min_length = 1, max_length = 200)]
    pub tag: Option<String>,
    /// Only articles crediting this source (by slug).
    #[param(example = "agencies", min_length = 1, max_length = 200)]
    pub source: Option<String>,
    /// Only articles by this author (user id).
    #[param(minimum = 1, example = 1)]
    pub author: Option<i64>,
    /// Case-insensitive text searched in the headline, alternative headline, summary and body.
    #[param(min_length = 1, max_length = 200, example = "border")]
    pub q: Option<String>,
    /// Order of the list; newest publication first by default.
    #[param(inline)]
    pub sort: Option<SortParam>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    /// Items per page: 20 by default, at most 100 (`DATELINE_PAGE_SIZE`, `DATELINE_MAX_PAGE_SIZE`).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// `limit` of the related-articles route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// How many related articles: 5 by default, at most 20.
    #[param(minimum = 1, maximum = 20, example = 5)]
    pub limit: Option<u32>,
}

pub const RELATED_DEFAULT: u32 = 5;
pub const RELATED_MAX: u32 = 20;

/// An article as shown in lists ("Latest posts", "Related articles", section pages).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleSummary {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(
        example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes"
    )]
    pub slug: String,
    #[schema(
        example = "Pakistan and Iran Announce De-escalation Agreement Following Border Airstrikes"
    )]
    pub headline: String,
    pub summary: Option<String>,
    pub section: SectionRef,
    /// In the article's own order.
    pub tags: Vec<TagRef>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of article summaries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ArticleList {
    pub data: Vec<ArticleSummary>,
    pub meta: PageMeta,
}

/// Related articles, most relevant first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RelatedArticles {
    pub data: Vec<ArticleSummary>,
}

/// An article's section with its path from the root.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleSection {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
    /// From the root section down to this one ("World News", or "News > World").
    pub breadcrumb: Vec<SectionRef>,
}

/// The byline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Author {
    #[schema(example = "Jane Doe")]
    pub display_name: String,
}

/// A whole article, everything a story page needs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleDetail {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(
        example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes"
    )]
    pub slug: String,
    #[schema(
        example = "Pakistan and Iran Announce De-escalation Agreement Following Border Airstrikes"
    )]
    pub headline: String,
    #[schema(
        example = "Pakistan and Iran Agree to De-Escalate Tensions Following Border Airstrikes"
    )]
    pub alternative_headline: Option<String>,
    pub summary: Option<String>,
    /// Sanitized HTML (paragraphs, headings, lists, links, emphasis, quotes, figures, images).
    #[schema(example = "<p>In a significant diplomatic development, ...</p>")]
    pub body: String,
    pub section: ArticleSection,
    /// In the article's own order.
    pub tags: Vec<TagRef>,
    /// Credited sources in order: the "Sources: By Agencies" line.
    pub sources: Vec<SourceRef>,
    /// `null` when the article has no author account (imported agency copy).
    pub author: Option<Author>,
    #[schema(example = "published")]
    pub status: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub comments_enabled: bool,
    /// Approved comments only.
    #[schema(example = 3)]
    pub comment_count: i64,
}

/// Lists published articles, newest first unless `sort` says otherwise.
///
/// Only published articles whose publication time has come are listed: never drafts,
/// archived or scheduled ones.
#[utoipa::path(
    tag = "articles",
    params(ArticleListQuery),
    responses(
        (status = 200, description = "A page of article summaries.", body = ArticleList),
        (status = 400, description = "A query parameter is malformed, unknown or out of range; `errors` names it.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The `section`, `tag` or `source` filter names no such resource.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    query: Params<ArticleListQuery>,
) -> Result<web::Json<ArticleList>, AppError> {
    let query = query.0;
    let page = Page::resolve(query.page, query.per_page, &state.config)?;
    let text = query.q.as_deref().map(check_search_text).transpose()?;
    let now = state.now();
    let list = db::run(&state.pool, move |conn| {
        let filter = ArticleFilter {
            text,
            author_id: query.author,
            sort: query.sort.unwrap_or_default().into(),
            ..resolve_filters(conn, &query)?
        };
        let (rows, total) = article::public_page(conn, &filter, now, page.offset(), page.limit())?;
        Ok(ArticleList {
            data: summaries(conn, rows)?,
            meta: page.meta(total),
        })
    })
    .await?;
    Ok(web::Json(list))
}

fn check_search_text(q: &str) -> Result<String, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(AppError::bad_param("q", "empty", "must not be empty"));
    }
    if q.chars().count() > MAX_QUERY_TEXT {
        return Err(AppError::bad_param(
            "q",
            "too_long",
            format!("must be at most {MAX_QUERY_TEXT} characters"),
        ));
    }
    Ok(q.to_owned())
}

/// Turns the slug filters into ids; a slug that names nothing is a 404 naming the parameter.
fn resolve_filters(conn: &mut DbConn, query: &ArticleListQuery) -> Result<ArticleFilter, AppError> {
    let mut filter = ArticleFilter::default();
    if let Some(slug) = &query.section {
        let tree = section::load_tree(conn)?;
        let section = tree
            .by_slug(slug)
            .ok_or_else(|| unknown_filter("section"))?;
        filter.section_ids = Some(tree.subtree_ids(section.id));
    }
    if let Some(slug) = &query.tag {
        let tag = tag::find_by_slug(conn, slug)?.ok_or_else(|| unknown_filter("tag"))?;
        filter.tag_id = Some(tag.id);
    }
    if let Some(slug) = &query.source {
        let source = source::find_by_slug(conn, slug)?.ok_or_else(|| unknown_filter("source"))?;
        filter.source_id = Some(source.id);
    }
    Ok(filter)
}

fn unknown_filter(param: &str) -> AppError {
    AppError::NotFound {
        detail: format!("No {param} has the slug given in `{param}`."),
        errors: vec![FieldError::new(
            param,
            "not_found",
            format!("no {param} has this slug"),
        )],
    }
}

/// Attaches tags to summary rows with one query for the whole page.
fn summaries(
    conn: &mut DbConn,
    rows: Vec<SummaryWithSection>,
) -> Result<Vec<ArticleSummary>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|(row, _)| row.id).collect();
    let mut tags_by_article: HashMap<i64, Vec<TagRef>> = HashMap::new();
    for (article_id, tag) in tag::for_articles(conn, &ids)? {
        tags_by_article
            .entry(article_id)
            .or_default()
            .push(TagRef::from(&tag));
    }
    Ok(rows
        .into_iter()
        .map(|(row, (section_slug, section_name))| ArticleSummary {
            id: row.id,
            tags: tags_by_article.remove(&row.id).unwrap_or_default(),
            slug: row.slug,
            headline: row.headline,
            summary: row.summary,
            section: SectionRef {
                slug: section_slug,
                name: section_name,
            },
            published_at: utc(row.published_at.unwrap_or(row.updated_at)),
            updated_at: utc(row.updated_at),
        })
        .collect())
}

/// Reads one published article by slug: body, section breadcrumb, tags, sources, byline and
/// the number of approved comments.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug.",
        example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes")),
    responses(
        (status = 200, description = "The article.", body = ArticleDetail),
        (status = 404, description = "No published article has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}")]
pub async fn get_article(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let now = state.now();
    let detail = db::run(&state.pool, move |conn| {
        let (article, section, author_name) =
            article::find_visible_by_slug(conn, &slug, now)?.ok_or_else(article_not_found)?;
        let tree = section::load_tree(conn)?;
        let tags = tag::for_articles(conn, &[article.id])?;
        let sources = source::for_articles(conn, &[article.id])?;
        let comment_count = comment::approved_count(conn, article.id)?;
        Ok(ArticleDetail {
            id: article.id,
            slug: article.slug,
            headline: article.headline,
            alternative_headline: article.alternative_headline,
            summary: article.summary,
            body: article.body,
            section: ArticleSection {
                breadcrumb: tree
                    .breadcrumb(section.id)
                    .into_iter()
                    .map(SectionRef::from)
                    .collect(),
                slug: section.slug,
                name: section.name,
            },
            tags: tags.iter().map(|(_, t)| TagRef::from(t)).collect(),
            sources: sources.iter().map(|(_, s)| SourceRef::from(s)).collect(),
            author: author_name.map(|display_name| Author { display_name }),
            status: article.status,
            published_at: utc(article.published_at.unwrap_or(article.created_at)),
            updated_at: utc(article.updated_at),
            comments_enabled: article.comments_enabled,
            comment_count,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(detail))
}

fn article_not_found() -> AppError {
    AppError::not_found("No published article has this slug.")
}

/// Other published articles that share tags or the section with this one, most relevant first.
///
/// Each shared tag counts one and the same section one more; ties go to the most recent.
/// The article itself is never included.
#[utoipa::path(
    tag = "articles",
    params(
        ("slug" = String, Path, description = "The article's slug."),
        RelatedQuery,
    ),
    responses(
        (status = 200, description = "Related articles, most relevant first.", body = RelatedArticles),
        (status = 400, description = "`limit` is malformed or out of range.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable; retry after `Retry-After` seconds.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/related")]
pub async fn related_articles(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: Params<RelatedQuery>,
) -> Result<web::Json<RelatedArticles>, AppError> {
    let limit = query.0.limit.unwrap_or(RELATED_DEFAULT);
    if !(1..=RELATED_MAX).contains(&limit) {
        return Err(AppError::bad_param(
            "limit",
            "out_of_range",
            format!("must be between 1 and {RELATED_MAX}"),
        ));
    }
    let slug = slug.into_inner();
    let now = state.now();
    let related = db::run(&state.pool, move |conn| {
        let (article, _, _) =
            article::find_visible_by_slug(conn, &slug, now)?.ok_or_else(article_not_found)?;
        let tag_ids: Vec<i64> = tag::for_articles(conn, &[article.id])?
            .into_iter()
            .map(|(_, t)| t.id)
            .collect();
        let ids = article::related_ids(conn, &article, &tag_ids, now, limit as usize)?;
        let rows = article::visible_summaries_by_ids(conn, &ids, now)?;
        Ok(RelatedArticles {
            data: summaries(conn, rows)?,
        })
    })
    .await?;
    Ok(web::Json(related))
}
