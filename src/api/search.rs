//! `GET /search`: published articles ranked by relevance, each with a highlighted snippet, and
//! the number of hits per section and per tag (facets).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::AppState;
use crate::api::articles::filters::with_article_filters;
use crate::api::articles::members::{CardShape, Embed, Embeds, SummaryField};
use crate::api::articles::read::card_keys;
use crate::api::articles::{ArticleSummary, filters, summaries};
use crate::api::links::{Nav, link_header};
use crate::api::params::{Page, Params};
use crate::api::reads::ReadFrom;
use crate::content::search::{self as text, MAX_QUERY_CHARS, Term};
use crate::db::schema::articles;
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::{keys as cache_keys, surrogate_keys};
use crate::models::article::{ArticleFilter, visible_summaries_by_ids};
use crate::models::{search, section};

with_article_filters! {
/// The search text, the filters of the article list, and the page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Required. Words to find (case and accents ignored) in the headline, alternative
    /// headline, summary and body; every word must appear. `"two words"` finds a phrase,
    /// `diplo*` words starting with `diplo` (at least 3 letters). Other punctuation only
    /// separates words, and common words (`the`, `of`, ...) are ignored outside phrases.
    #[param(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"[^\s\x85]",
        example = "border talks"
    )]
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    /// Hits per page: 20 by default, at most 100 (`DATELINE_PAGE_SIZE`, `DATELINE_MAX_PAGE_SIZE`).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
    /// Members each hit's card carries beyond the lean default, as on the article list.
    #[param(value_type = Option<Vec<Embed>>, style = Form, explode = false, max_items = 4, example = json!(["featured_image"]))]
    pub include: Option<String>,
    /// Exactly these members of each hit's card, as on the article list; `id`, `snippet` and
    /// `headline_highlighted` are always sent.
    #[param(value_type = Option<Vec<SummaryField>>, style = Form, explode = false, max_items = 15, example = json!(["slug", "headline", "url"]))]
    pub fields: Option<String>,
}
}

/// One hit: the article as the article list shows it, with where it matched.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub article: ArticleSummary,
    /// About 30 words of the summary and body around the matches, matching words in
    /// `<mark>…</mark>`, everything else HTML-escaped (safe to insert as HTML); `…` where cut.
    /// The start of the text when only the headline matched.
    #[schema(example = "…the two countries agreed on <mark>border</mark> <mark>talks</mark> after…")]
    pub snippet: String,
    /// The headline with its matching words in `<mark>…</mark>`, HTML-escaped; only when the
    /// headline matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    #[schema(example = "Pakistan and Iran agree on <mark>border</mark> <mark>talks</mark>")]
    pub headline_highlighted: Option<String>,
}

/// Where a page of hits sits among all hits.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchMeta {
    #[schema(example = 1)]
    pub page: u32,
    #[schema(example = 20)]
    pub per_page: u32,
    /// Whether more hits follow this page.
    pub has_more: bool,
    /// How many hits there are over all pages: the articles that match, up to 1,000.
    #[schema(example = 42)]
    pub total: i64,
    /// `false` when more than 1,000 articles match: a search then ranks, counts and pages
    /// through the 1,000 most recently created matches only (narrow it with words or filters).
    pub total_exact: bool,
}

/// A section or tag, and how many hits it holds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FacetCount {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
    #[schema(example = 12)]
    pub count: i64,
}

/// Hits per section and per tag over all pages (all hits counted by `meta.total`): the 10 with
/// the most, most first (equal counts by slug). A section counts its own articles (not its
/// sub-sections').
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SearchFacets {
    pub sections: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
}

/// A page of search hits, most relevant first, and the facets of all hits.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    pub data: Vec<SearchHit>,
    pub meta: SearchMeta,
    pub facets: SearchFacets,
}

/// Searches published articles, most relevant first.
///
/// Ranking weighs a match in the headline (or alternative headline) ten times one in the
/// summary or body: SQLite ranks with FTS5's bm25, PostgreSQL with `ts_rank_cd`; equal scores
/// go to the newest. At most 1,000 hits are ranked: when more articles match, the 1,000 most
/// recently created (`meta.total_exact` is then `false`). Only published articles whose time has come are searched. Filters are
/// those of `GET /articles`. A text whose words are all common ones (or no words at all, only
/// punctuation) finds nothing: 200 with no hits.
#[utoipa::path(
    tag = "articles",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of hits, most relevant first, with facets.", body = SearchResults,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous and next pages."))),
        (status = 400, description = "`q` is missing, empty or longer than 200 characters; or a filter, \
            `page` or `per_page` is malformed or out of range (the `errors` entry names the parameter).",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The `section`, `tag`, `all_tags`, `source` or `author` filter names no such resource (or no public author profile).",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search_articles(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    query: Params<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.0;
    let terms = check_text(query.q.as_deref())?;
    let page = Page::resolve(query.page, query.per_page, &state.config)?;
    let shape = CardShape::parse(query.fields.as_deref(), query.include.as_deref())?
        .keeping(&["snippet", "headline_highlighted"]);
    let embeds = shape.embeds;
    let given = filters::Given::check(query.filters(), None)?;
    // Any public edit may change the hits, their order and the facets.
    let mut keys = vec![cache_keys::SEARCH.to_owned()];
    keys.extend(given.keys());
    let now = state.now();
    let media = state.media.clone();
    let (author_keys, results) = from
        .run(&state, move |conn| {
            let (filter, author_keys) = given.resolve(conn)?;
            let results = if terms.is_empty() {
                SearchResults {
                    data: Vec::new(),
                    meta: SearchMeta {
                        page: page.page,
                        per_page: page.per_page,
                        has_more: false,
                        total: 0,
                        total_exact: true,
                    },
                    facets: SearchFacets::default(),
                }
            } else {
                run_search(conn, &media, &terms, &filter, now, page, embeds)?
            };
            Ok((author_keys, results))
        })
        .await?;
    keys.extend(author_keys);
    keys.extend(card_keys(
        &results
            .data
            .iter()
            .map(|hit| hit.article.clone())
            .collect::<Vec<_>>(),
    ));
    keys.extend(
        results
            .facets
            .tags
            .iter()
            .map(|tag| cache_keys::term("tag", &tag.slug)),
    );
    keys.sort_unstable();
    keys.dedup();
    let nav = Nav::Numbered {
        page: results.meta.page,
        has_next: results.meta.has_more,
    };
    shape.respond(
        HttpResponse::Ok()
            .insert_header(surrogate_keys(keys))
            .insert_header(link_header(&req, nav)),
        &results,
    )
}

/// The terms of `q`: 400 naming `q` when it is missing, blank or too long.
fn check_text(q: Option<&str>) -> Result<Vec<Term>, AppError> {
    let Some(q) = q else {
        return Err(AppError::bad_param(
            "q",
            FieldCode::Required,
            "is required: the words to search for",
        ));
    };
    if q.trim().is_empty() {
        return Err(AppError::bad_param("q", FieldCode::Empty, "must not be empty"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_param(
            "q",
            FieldCode::TooLong,
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(text::parse(q))
}

/// One page of hits with their snippets, and the facets: a fixed number of queries whatever
/// the page size (the ranked hits, the tag counts, the rows and texts of the page's articles,
/// and `summaries`' own).
fn run_search(
    conn: &mut crate::db::DbConn,
    media: &crate::media::storage::MediaStore,
    terms: &[Term],
    filter: &ArticleFilter,
    now: chrono::NaiveDateTime,
    page: Page,
    embeds: Embeds,
) -> Result<SearchResults, AppError> {
    let hits = search::ranked_hits(conn, terms, filter, now)?;
    let total = hits.len() as i64;
    let tree = section::load_tree(conn)?;
    let mut per_section: HashMap<i64, i64> = HashMap::new();
    for hit in &hits {
        *per_section.entry(hit.section_id).or_default() += 1;
    }
    let mut sections: Vec<FacetCount> = per_section
        .into_iter()
        .filter_map(|(id, count)| {
            tree.get(id).map(|s| FacetCount {
                slug: s.slug.clone(),
                name: s.name.clone(),
                count,
            })
        })
        .collect();
    sections.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(&b.slug)));
    sections.truncate(search::FACET_SIZE as usize);
    let all_ids: Vec<i64> = hits.iter().map(|hit| hit.id).collect();
    let tags = search::tag_counts(conn, &all_ids)?
        .into_iter()
        .map(|(slug, name, count)| FacetCount { slug, name, count })
        .collect();
    let ids: Vec<i64> = all_ids
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(page.per_page as usize)
        .copied()
        .collect();
    let texts: HashMap<i64, (String, Option<String>, String)> = if ids.is_empty() {
        HashMap::new()
    } else {
        articles::table
            .filter(articles::id.eq_any(&ids))
            .select((
                articles::id,
                articles::headline,
                articles::summary,
                articles::body,
            ))
            .load::<(i64, String, Option<String>, String)>(conn)?
            .into_iter()
            .map(|(id, h, s, b)| (id, (h, s, b)))
            .collect()
    };
    let rows = visible_summaries_by_ids(conn, &ids, now)?;
    let cards = summaries(conn, media, rows, embeds)?;
    let data = cards
        .into_iter()
        .map(|article| {
            let (headline, summary, body) = texts.get(&article.id).cloned().unwrap_or_default();
            let text = text::snippet_source(summary.as_deref(), &body);
            SearchHit {
                snippet: text::snippet(&text, terms),
                headline_highlighted: text::highlight(&headline, terms),
                article,
            }
        })
        .collect::<Vec<_>>();
    let seen = page.offset() + data.len() as i64;
    Ok(SearchResults {
        meta: SearchMeta {
            page: page.page,
            per_page: page.per_page,
            has_more: seen < total,
            total,
            total_exact: total < search::MAX_HITS,
        },
        facets: SearchFacets { sections, tags },
        data,
    })
}
