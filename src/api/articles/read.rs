//! Public article routes: the list with its filters, one article, and related articles.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::filters::with_article_filters;
use super::members::{ArticleEmbed, CardShape, DetailField, DetailShape, Embed, Embeds, SummaryField};
use super::previews;
use super::related::{Anchor, RELATED_DEFAULT, related};
use super::{
    ArticleDetail, ArticleList, ArticleListMeta, ArticleSummary, Cards, article_not_found, cursor, detail,
    filters, lean_cards, stored_list, summaries,
};
use crate::api::AppState;
use crate::api::comments::{approved_page, comment_keys};
use crate::api::json::SlugText;
use crate::api::links::{Nav, link_header};
use crate::api::params::{Page, Params};
use crate::api::preconditions;
use crate::api::reads::ReadFrom;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::{keys as cache_keys, surrogate_keys};
use crate::media::storage::MediaStore;
use crate::models::article::{self, Article, ArticleFilter, ArticleSort, Keyset, Scope, Search, SummaryRow};
use crate::models::section::Section;
use crate::values::ArticleStatus;

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

with_article_filters! {
/// Filters, order and page of the public article list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// The batch form: exactly these articles (slugs separated by commas, at most 100), in the
    /// order asked (or by `sort` when one is given); the slugs of those not found (or not
    /// public) are listed in `meta.missing`, on every page. All on one page unless `per_page`
    /// says otherwise; the other filters, `page` and `cursor` apply as to any list.
    #[param(value_type = Option<Vec<SlugText>>, style = Form, explode = false, max_items = 100, example = json!(["first-story", "second-story"]))]
    pub slug: Option<String>,
    /// Full-text search in the headline, alternative headline, summary and body: every word must
    /// appear (case and accents ignored), the last one as a prefix (`diplo` finds "diplomacy").
    #[param(min_length = 1, max_length = 200, pattern = r"[^\s\x85]", example = "border")]
    pub q: Option<String>,
    /// Order of the list; newest publication first by default (most recently updated first
    /// when `status` is given).
    #[param(inline)]
    pub sort: Option<SortParam>,
    /// Editorial lists (bearer token required): articles in this state instead of the public
    /// ones. Authors see only their own.
    #[param(inline)]
    pub status: Option<StatusFilter>,
    /// Page number, from 1 (or use `cursor`).
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    /// Items per page: 20 by default, at most 100 (`DATELINE_PAGE_SIZE`, `DATELINE_MAX_PAGE_SIZE`).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
    /// Keyset pagination: the `next_cursor` of the previous page (same `sort` and filters).
    /// Stable while new articles arrive, and as fast on page 10,000 as on page 1. It wins over
    /// `page`. Any value of this form names a position (after it, in the list's order).
    #[param(
        max_length = 38,
        pattern = r"^[0-9]{1,18}\.[0-9]{1,19}$",
        example = "63856550400000000.42"
    )]
    pub cursor: Option<String>,
    /// `true` adds `meta.total`, the number of matching articles; counting every match costs,
    /// so a list counts only when asked.
    pub total: Option<bool>,
    /// Members each card carries beyond the lean default, comma-separated: each costs one
    /// query per page, not per card.
    #[param(value_type = Option<Vec<Embed>>, style = Form, explode = false, max_items = 4, example = json!(["featured_image", "comment_count"]))]
    pub include: Option<String>,
    /// Exactly these members on each card (a sparse fieldset), comma-separated; `id` is always
    /// sent. May name the members of `include` too.
    #[param(value_type = Option<Vec<SummaryField>>, style = Form, explode = false, max_items = 15, example = json!(["slug", "headline", "url"]))]
    pub fields: Option<String>,
}
}

/// `fields` of the whole article.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Exactly these members (a sparse fieldset), comma-separated; `id` is always sent.
    #[param(value_type = Option<Vec<DetailField>>, style = Form, explode = false, max_items = 27, example = json!(["headline", "summary", "url"]))]
    pub fields: Option<String>,
    /// Blocks of the story page embedded in the answer, comma-separated, so that the page is
    /// one call: `related` (what `GET /articles/{slug}/related` answers by default) and
    /// `comments` (the first page `GET /articles/{slug}/comments` answers by default). Each
    /// costs a fixed number of queries; both are sent whatever `fields` names. Not with a
    /// preview token (400).
    #[param(value_type = Option<Vec<ArticleEmbed>>, style = Form, explode = false, max_items = 2, example = json!(["related", "comments"]))]
    pub include: Option<String>,
    /// A draft preview link's token (`POST /articles/{slug}/previews`): the article as the
    /// public will see it once published, draft or not; `private, no-store`. Or send the
    /// `Preview-Token` header; when both are given, this parameter wins.
    #[param(pattern = r"^dlp_[A-Za-z0-9_-]{43}$")]
    pub preview_token: Option<String>,
}

/// Which articles an editorial list shows (needs a token; authors see only their own).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    Draft,
    /// Published, due or scheduled.
    Published,
    /// Published with a time still to come.
    Scheduled,
    Archived,
    All,
}

impl From<StatusFilter> for Scope {
    fn from(status: StatusFilter) -> Self {
        match status {
            StatusFilter::Draft => Self::Drafts,
            StatusFilter::Published => Self::Published,
            StatusFilter::Scheduled => Self::Scheduled,
            StatusFilter::Archived => Self::Archived,
            StatusFilter::All => Self::All,
        }
    }
}

/// Lists published articles, newest first unless `sort` says otherwise.
///
/// Without `status`, only published articles whose publication time has come are listed, with
/// or without a token: never drafts, archived or scheduled ones. With `status` and a bearer
/// token, editors and admins list articles in that state; authors only their own.
#[utoipa::path(
    tag = "articles",
    params(ArticleListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of article summaries.", body = ArticleList),
        (status = 401, description = "`status` was given without a valid bearer token, or the token is invalid.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The `section`, `tag`, `source` or `author` filter names no such resource (or no public author profile).",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    caller: MaybeAuthUser,
    query: Params<ArticleListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.0;
    // The batch form answers every article asked on one page unless `per_page` says otherwise.
    let batch_size = query.slug.as_deref().map(|s| s.split(',').count() as u32);
    let per_page = query
        .per_page
        .or(batch_size.map(|n| n.clamp(1, state.config.max_page_size)));
    // A cursor names its own position: `page` is then ignored (the cursor wins).
    let page_number = if query.cursor.is_some() { None } else { query.page };
    let page = Page::resolve(page_number, per_page, &state.config)?;
    let text = query.q.as_deref().map(check_search_text).transpose()?;
    let (scope, restrict_to_author) = match (query.status, caller.0) {
        (None, _) => (Scope::Public, None),
        (Some(_), None) => {
            return Err(AppError::Unauthorized(
                "The `status` filter lists unpublished articles and needs a bearer token.".to_owned(),
            ));
        }
        (Some(status), Some(user)) => (status.into(), (!user.role.is_editorial()).then_some(user.id)),
    };
    let default_sort = if scope == Scope::Public {
        SortParam::NewestFirst
    } else {
        SortParam::RecentlyUpdated
    };
    let sort: ArticleSort = query.sort.unwrap_or(default_sort).into();
    let explicit_sort = query.sort.is_some();
    let after = query.cursor.as_deref().map(cursor::decode).transpose()?;
    let count = query.total.unwrap_or(false);
    let given = filters::Given::check(query.filters(), query.slug.as_deref())?;
    let shape = CardShape::parse(query.fields.as_deref(), query.include.as_deref())?;
    let embeds = shape.embeds;
    let mut keys = list_keys(&query, &given);
    let now = state.now();
    let media = state.media.clone();
    let documents = state.documents.clone();
    // A public page without a search, at the top of its list or at a cursor, is a few indexed
    // statements whose cost does not grow with the archive: it is a bounded read (see
    // `db::run_bounded_read`). A page deep by number reads past all the pages before it.
    let bounded = scope == Scope::Public && text.is_none() && (after.is_some() || page.offset() == 0);
    let work = move |conn: &mut DbConn| {
        let (resolved, author_keys) = given.resolve(conn)?;
        let filter = ArticleFilter {
            scope,
            restrict_to_author,
            search: text
                .as_deref()
                .map(|terms| Search::new(terms, db::is_postgres(conn))),
            nothing: text.as_ref().is_some_and(|terms| terms.is_empty()),
            sort,
            after,
            ..resolved
        };
        if let Some(asked) = &given.slugs {
            // At most 100 rows: every article asked that the filters let through.
            let rows = article::page(conn, &filter, now, 0, asked.len() as i64, false)?.0;
            let batch = Batch {
                asked,
                page,
                in_sort_order: explicit_sort,
                count,
            };
            let list = batch.answer(conn, &media, rows, embeds)?;
            return Ok((author_keys, Cards::built(list.data), list.meta));
        }
        let offset = if after.is_some() { 0 } else { page.offset() };
        // One more than asked tells whether another page follows, without counting.
        let window = page.limit() + 1;
        // Lean cards of a public list may all be stored: the page is then read as ids alone
        // (from the list's index), and the cards by id; other pages read their rows.
        let stored_cards = scope == Scope::Public && documents.enabled() && embeds == Embeds::default();
        let (listed, rows, read_cards, total) = if stored_cards {
            let page = article::page_listed(
                conn,
                &filter,
                now,
                (offset, window),
                count,
                documents.fingerprint(),
            )?;
            (page.listed, None, page.cards, page.total)
        } else {
            let (rows, total) = article::page(conn, &filter, now, offset, window, count)?;
            let listed = rows.iter().map(|row| listed_in(row, sort)).collect();
            (listed, Some(rows), None, total)
        };
        let has_more = listed.len() as i64 > page.limit();
        let shown = listed.len().min(page.limit() as usize);
        let next_cursor = match listed[..shown].last().filter(|_| has_more) {
            Some(last) => last
                .at
                .time()?
                .map(|at| cursor::encode(Keyset { at, id: last.id })),
            None => None,
        };
        let cards = match (rows, read_cards) {
            (Some(mut rows), _) => {
                rows.truncate(shown);
                Cards::built(summaries(conn, &media, rows, embeds)?)
            }
            // Every card was read fresh with the page.
            (None, Some(mut cards)) => {
                cards.truncate(shown);
                Cards::Stored(cards)
            }
            (None, None) => {
                let ids = listed[..shown].iter().map(|l| l.id).collect();
                lean_cards(conn, &media, &documents, ids, now)?
            }
        };
        Ok((
            author_keys,
            cards,
            ArticleListMeta {
                page: after.is_none().then_some(page.page),
                per_page: page.per_page,
                total,
                has_more,
                next_cursor,
                missing: None,
            },
        ))
    };
    let (author_keys, cards, meta) = if bounded {
        from.run_bounded_read(&state, work).await?
    } else {
        from.run(&state, work).await?
    };
    if let Some(stored) = cards.used_documents() {
        state.metrics.document_lookup(stored);
    }
    keys.extend(author_keys);
    let card_keys = cards.keys();
    let mut response = HttpResponse::Ok();
    response.insert_header(surrogate_keys(
        keys.iter()
            .map(String::as_str)
            .chain(card_keys.iter().map(AsRef::as_ref)),
    ));
    let nav = match meta.page {
        Some(page) => Some(Nav::Numbered {
            page,
            has_next: meta.has_more,
        }),
        None => Some(Nav::Cursor {
            next: meta.next_cursor.as_deref(),
        }),
    };
    if let Some(nav) = nav {
        response.insert_header(link_header(&req, nav));
    }
    match cards {
        Cards::Built { cards, .. } => shape.respond(&mut response, &ArticleList { data: cards, meta }),
        Cards::Stored(stored) => shape.respond_stored(&mut response, stored_list(&stored, &meta)?),
    }
}

/// Where `row` stands in a list in `sort` order.
fn listed_in(row: &SummaryRow, sort: ArticleSort) -> article::Listed {
    let at = match sort {
        ArticleSort::NewestFirst | ArticleSort::OldestFirst => row.published_at,
        ArticleSort::RecentlyUpdated | ArticleSort::LeastRecentlyUpdated => Some(row.updated_at),
    };
    article::Listed {
        id: row.id,
        at: article::ListedAt::Parsed(at),
    }
}

/// What a list depends on beyond its cards: the filters' memberships (and the terms they name),
/// or every public article for an unfiltered list (search included); search and update order,
/// which any edit may change.
fn list_keys(query: &ArticleListQuery, given: &filters::Given) -> Vec<String> {
    let mut keys = Vec::new();
    if query.q.is_some() {
        keys.push(cache_keys::SEARCH.to_owned());
    }
    if matches!(
        query.sort,
        Some(SortParam::RecentlyUpdated | SortParam::LeastRecentlyUpdated)
    ) {
        keys.push(cache_keys::BY_UPDATE.to_owned());
    }
    keys.extend(given.keys());
    keys
}

/// The batch form (`slug=a,b,c`) of one request.
struct Batch<'a> {
    asked: &'a [String],
    page: Page,
    /// An explicit `sort`: the articles found in that order instead of the order asked.
    in_sort_order: bool,
    count: bool,
}

impl Batch<'_> {
    /// The articles found (`rows`, in the list's sort order), in the order asked unless a sort
    /// was given, paged like any list; `missing` names every slug asked and not found, on every
    /// page.
    fn answer(
        &self,
        conn: &mut DbConn,
        media: &MediaStore,
        rows: Vec<SummaryRow>,
        embeds: super::members::Embeds,
    ) -> Result<ArticleList, AppError> {
        let found: std::collections::HashSet<String> = rows.iter().map(|row| row.slug.clone()).collect();
        let missing: Vec<String> = self
            .asked
            .iter()
            .filter(|slug| !found.contains(*slug))
            .cloned()
            .collect();
        let ordered = if self.in_sort_order {
            rows
        } else {
            let mut by_slug: std::collections::HashMap<String, SummaryRow> =
                rows.into_iter().map(|row| (row.slug.clone(), row)).collect();
            self.asked
                .iter()
                .filter_map(|slug| by_slug.remove(slug))
                .collect()
        };
        let total = ordered.len() as i64;
        let offset = usize::try_from(self.page.offset()).unwrap_or(usize::MAX);
        let cards: Vec<SummaryRow> = ordered
            .into_iter()
            .skip(offset)
            .take(self.page.per_page as usize)
            .collect();
        let has_more = (offset as i64).saturating_add(cards.len() as i64) < total;
        Ok(ArticleList {
            meta: ArticleListMeta {
                page: Some(self.page.page),
                per_page: self.page.per_page,
                total: self.count.then_some(total),
                has_more,
                next_cursor: None,
                missing: Some(missing),
            },
            data: summaries(conn, media, cards, embeds)?,
        })
    }
}

/// What the cards of a list show: their articles and their tags' names (a section's name
/// changes with the section tree, which invalidates everything).
///
/// The articles' keys and the site's come first, then each card's other keys in card order,
/// repeats included: [`crate::http_cache::surrogate_keys`] keeps each key once, where it first
/// appears. A stored card keeps the keys this gives for it alone, so a page of stored cards
/// names the same keys in the same order without sorting them (see `stored_card_keys`).
pub fn card_keys(cards: &[ArticleSummary]) -> Vec<String> {
    // Each card shows a URL made from the site settings, and what `include` embedded: its
    // comment count, featured image, bylines.
    let mut keys: Vec<String> = cards.iter().map(|card| cache_keys::article(card.id)).collect();
    keys.push(cache_keys::SITE.to_owned());
    for card in cards {
        if card.comment_count.is_some() {
            keys.push(cache_keys::comments(card.id));
        }
        if let Some(Some(image)) = &card.featured_image {
            keys.push(cache_keys::media(image.id));
        }
        let authors = card.authors.iter().flatten();
        keys.extend(authors.map(|author| cache_keys::author(author.user_id)));
        let sources = card.sources.iter().flatten();
        keys.extend(sources.map(|source| cache_keys::term("source", &source.slug)));
        keys.extend(card.tags.iter().map(|t| cache_keys::term("tag", &t.slug)));
    }
    keys
}

/// The words of a search: letters and digits, lowercased; anything else separates words and is
/// never read as search syntax. A text with no word at all matches nothing.
fn check_search_text(q: &str) -> Result<Vec<String>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(AppError::bad_param("q", FieldCode::Empty, "must not be empty"));
    }
    if q.chars().count() > MAX_QUERY_TEXT {
        return Err(AppError::bad_param(
            "q",
            FieldCode::TooLong,
            format!("must be at most {MAX_QUERY_TEXT} characters"),
        ));
    }
    let folded = crate::content::html::fold(q);
    let terms: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_SEARCH_WORDS)
        .map(str::to_owned)
        .collect();
    Ok(terms)
}

/// The most words a search uses.
pub const MAX_SEARCH_WORDS: usize = 8;

/// Reads one published article by slug: body, section breadcrumb, tags, sources, byline,
/// the number of approved comments and correction notes.
///
/// With a bearer token, editors and admins read articles in any state, and authors their own;
/// such answers carry an `ETag` naming the version, for `If-Match` on writes. To an author,
/// someone else's unpublished article answers 404, as an unknown slug does. A former slug
/// answers 301 to the current URL (`Cache-Control` as for public reads: a slug can be taken
/// back); an archived article answers 410, by its slug or a former one.
///
/// `include=related,comments` embeds the story page's other article blocks, so that the page is
/// one call: `related`, exactly the cards `GET /articles/{slug}/related` answers by default, and
/// `comments`, exactly the first page `GET /articles/{slug}/comments` answers by default. The
/// answer's `Surrogate-Key` is the union of the three answers' keys, so it is invalidated
/// whenever one of them would be (a comment approved, a related article edited). `fields` cuts
/// the article's own members only: the included blocks are always sent.
///
/// A draft preview token may come in the `Preview-Token` header instead of the `preview_token`
/// parameter, in the same form (`dlp_` and 43 URL-safe characters, else 400 naming the
/// header); when both are given, the parameter wins.
#[utoipa::path(
    tag = "articles",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.",
        example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes"),
        // The `Preview-Token` header is described above, not listed: schemathesis's coverage phase
        // sends an optional header `0` as if it were valid whatever its pattern, and the read run
        // takes no configuration. The `preview_token` parameter carries the pattern.
        ArticleQuery),
    responses(
        (status = 200, description = "The article.", body = ArticleDetail,
            headers(("ETag" = String, description = "With a bearer token: the version, for If-Match."))),
        (status = 400, description = "A query parameter is malformed, unknown or out of range (`fields` or `include` names an unknown member, or `include` comes with a preview token that opens the article), or the preview token breaks its pattern; `errors` says which.",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The preview token (well-formed) is unknown, expired or revoked, or opens another article.",
            body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A preview of a revision that refers to a section, tag, source or image deleted since.",
            body = Problem, content_type = "application/problem+json"),
        (status = 301, description = "A former slug: `Location` is the article's current URL.",
            headers(("Location" = String, description = "The current URL."),
                ("Cache-Control" = String, description = "`public, max-age=` as for public reads; `private, no-store` with a token."))),
        (status = 404, description = "No article visible to the caller has this slug.",
            body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was withdrawn (archived); also by a former slug.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}")]
pub async fn get_article(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    caller: MaybeAuthUser,
    slug: web::Path<String>,
    query: Params<ArticleQuery>,
) -> Result<HttpResponse, AppError> {
    let shape = DetailShape::parse(query.0.fields.as_deref(), query.0.include.as_deref())?;
    let embeds = shape.embeds;
    let slug = slug.into_inner();
    if let Some(token) = previews::token_of(req.headers(), query.0.preview_token.as_deref())? {
        return previews::answer(&state, slug, token, shape).await;
    }
    // The comments route's first page, as it answers without `page` or `per_page`.
    let first_page = Page::resolve(None, None, &state.config)?;
    let now = state.now();
    let editorial = caller.0.is_some();
    let media = state.media.clone();
    // Anonymous reads of the article alone are answered from its stored document when it is
    // fresh (see `crate::documents`); the embedded blocks are read live.
    let documents = state.documents.clone();
    let stored_ok = !editorial && documents.enabled() && !embeds.related && !embeds.comments;
    // On SQLite the stored document is a point read on the request's own thread; elsewhere it is
    // looked for in the same trip to the pool as the live read that follows a miss.
    let look_with_live_read = stored_ok && !state.pool.is_sqlite();
    if stored_ok && !look_with_live_read {
        let (slug, fingerprint) = (slug.clone(), documents.fingerprint().to_owned());
        let stored = from
            .run_bounded_read(&state, move |conn| {
                Ok(crate::documents::read::detail(conn, &slug, now, &fingerprint)?)
            })
            .await?;
        state.metrics.document_lookup(stored.is_some());
        if let Some(stored) = stored {
            return stored_answer(&shape, stored);
        }
    }
    let fingerprint = documents.fingerprint().to_owned();
    let found = from
        .run(&state, move |conn| {
            if look_with_live_read
                && let Some(stored) = crate::documents::read::detail(conn, &slug, now, &fingerprint)?
            {
                return Ok(Found::Stored(stored));
            }
            match lookup(conn, caller.0.as_ref(), &slug, now)? {
                Lookup::Found(article, section, author_name) => {
                    if stored_ok {
                        documents.wanted([article.id]);
                    }
                    let version = article.version;
                    // The embedded blocks are the other routes' own answers, keys included, so
                    // that whatever invalidates one of them invalidates this answer too.
                    let mut keys = Vec::new();
                    let mut related_cards = None;
                    if embeds.related {
                        let shown = (RELATED_DEFAULT, Embeds::default());
                        let (related_keys, answer) =
                            related(conn, &media, Anchor::of(&article, &section), shown, now)?;
                        keys.extend(related_keys);
                        related_cards = Some(answer.data);
                    }
                    let mut first_comments = None;
                    if embeds.comments {
                        keys.extend(comment_keys(article.id));
                        first_comments = Some(approved_page(conn, article.id, &first_page)?);
                    }
                    let mut detail = detail(conn, &media, article, section, author_name)?;
                    detail.related = related_cards;
                    detail.comments = first_comments;
                    keys.extend(article_keys(&detail));
                    Ok(Found::Live(Box::new(detail), version, keys))
                }
                Lookup::Moved(current) => Ok(Found::Moved(current)),
            }
        })
        .await?;
    if look_with_live_read {
        state.metrics.document_lookup(matches!(found, Found::Stored(_)));
    }
    match found {
        Found::Stored(stored) => stored_answer(&shape, stored),
        Found::Live(detail, version, keys) => {
            let mut response = HttpResponse::Ok();
            if editorial {
                response.insert_header((header::ETAG, preconditions::etag(version)));
            }
            response.insert_header(surrogate_keys(keys));
            shape.respond(&mut response, &detail)
        }
        Found::Moved(current) => Ok(moved(
            &format!("/api/v1/articles/{}", current.slug),
            req.query_string(),
            &current,
            state.config.cache_max_age_secs,
        )),
    }
}

/// An article's answer from its stored document, with the keys stored beside it.
fn stored_answer(
    shape: &DetailShape,
    stored: crate::documents::read::Stored,
) -> Result<HttpResponse, AppError> {
    let mut response = HttpResponse::Ok();
    response.insert_header(surrogate_keys(stored.keys()));
    shape.respond_stored(&mut response, stored.json)
}

/// How an article read was answered.
enum Found {
    /// From its stored document (looked for with the live read).
    Stored(crate::documents::read::Stored),
    /// Read live: the article, its version (for the editorial ETag) and its keys.
    Live(Box<ArticleDetail>, i32, Vec<String>),
    /// A former slug.
    Moved(Moved),
}

/// What an article's answer depends on: itself, its section, tags, sources, owner and byline
/// authors, approved comments (their count) and the site settings (its URL, structured data).
pub fn article_keys(detail: &ArticleDetail) -> Vec<String> {
    let mut keys = vec![
        cache_keys::article(detail.id),
        cache_keys::section(&detail.section.slug),
        cache_keys::comments(detail.id),
    ];
    keys.extend(detail.tags.iter().map(|t| format!("tag-{}", t.slug)));
    keys.extend(detail.sources.iter().map(|s| format!("source-{}", s.slug)));
    keys.extend(detail.author.iter().map(|a| cache_keys::author(a.id)));
    keys.extend(detail.authors.iter().map(|a| cache_keys::author(a.user_id)));
    keys.push(cache_keys::SITE.to_owned());
    keys.extend(
        detail
            .featured_image
            .iter()
            .map(|image| cache_keys::media(image.id)),
    );
    keys
}

/// Where a former slug leads.
#[derive(Debug, Clone)]
pub struct Moved {
    pub slug: String,
    pub article_id: i64,
}

/// Where a slug leads.
#[allow(clippy::large_enum_variant)] // Short-lived, never stored in a collection.
pub enum Lookup {
    Found(Article, Section, Option<String>),
    /// A former slug: the article's current slug and id.
    Moved(Moved),
}

/// Resolves `slug` for `caller`: the article, a redirect from a former slug to an article the
/// caller may read, 410 for an archived article the caller may not read (by its slug or a
/// former one), or 404.
pub fn lookup(
    conn: &mut DbConn,
    caller: Option<&AuthUser>,
    slug: &str,
    now: chrono::NaiveDateTime,
) -> Result<Lookup, AppError> {
    if let Some((article, section, author)) = find_for(conn, caller, slug, now)? {
        return Ok(Lookup::Found(article, section, author));
    }
    if article::find_live_by_slug(conn, slug)?.is_some_and(|a| a.status == ArticleStatus::Archived) {
        return Err(withdrawn());
    }
    if let Some(current) = article::find_by_old_slug(conn, slug)? {
        if find_for(conn, caller, &current.slug, now)?.is_some() {
            return Ok(Lookup::Moved(Moved {
                slug: current.slug,
                article_id: current.id,
            }));
        }
        // Not a redirect to an answer that only says "gone": gone at once.
        if current.status == ArticleStatus::Archived {
            return Err(withdrawn());
        }
    }
    Err(article_not_found())
}

fn withdrawn() -> AppError {
    AppError::Gone("This article was withdrawn.".to_owned())
}

/// A permanent redirect to `path`, keeping the query string, cacheable for `max_age_secs` (the
/// configured `DATELINE_CACHE_MAX_AGE_SECS` of public reads).
///
/// Without `Cache-Control` a 301 may be cached heuristically, and browsers keep one for good;
/// but a former slug's answer can change: its article may take the slug back, or be archived
/// (then 410) or deleted. So it expires like the public answers it leads to. It depends on the
/// token as they do (an editor is led to articles the public is not), hence `Vary`; with a token
/// it is `private, no-store` like every authenticated answer (`server::response_policies`).
pub fn moved(path: &str, query: &str, to: &Moved, max_age_secs: u32) -> HttpResponse {
    let location = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age_secs}")))
        .insert_header((header::VARY, "Authorization"))
        // A proxy drops it with the article's other answers: re-slugged, archived or deleted.
        .insert_header(surrogate_keys([cache_keys::article(to.article_id)]))
        .finish()
}

/// An article by slug as `caller` may see it: the public sees what is published and due;
/// editors see everything; authors also see their own articles in any state.
pub fn find_for(
    conn: &mut DbConn,
    caller: Option<&AuthUser>,
    slug: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<(Article, Section, Option<String>)>, AppError> {
    let Some(caller) = caller else {
        return Ok(article::find_visible_by_slug(conn, slug, now)?);
    };
    let found = article::find_any_by_slug(conn, slug)?;
    Ok(found.filter(|(a, _, _)| {
        caller.role.is_editorial() || a.author_id == Some(caller.id) || article::is_visible(a, now)
    }))
}
