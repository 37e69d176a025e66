//! Articles: the stories themselves, and the queries behind the public article routes.
//!
//! "Visible to the public" is one rule, [`visible_at`]: status `published` and a publication
//! time that has come. It is applied inside every public query, never after loading.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use crate::db::expressions::{IdIn, Stamp, StoredText};
use crate::db::schema::{
    article_authors, article_documents, article_search, article_slugs, article_sources, article_tags,
    articles, document_generation, section_listings, sections, users,
};
use crate::db::{self, DbConn, MultiBackend};
use crate::documents::read::Stored;
use crate::models::search::{CandidatePlan, LIST_WALK_COST_RATIO};
use crate::models::section::Section;
use crate::values::ArticleStatus;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub alternative_headline: Option<String>,
    pub summary: Option<String>,
    pub body: String,
    pub section_id: i64,
    pub author_id: Option<i64>,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub comments_enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub deleted_at: Option<NaiveDateTime>,
    pub public_updated_at: Option<NaiveDateTime>,
    pub byline: Option<String>,
    pub seo_title: Option<String>,
    pub meta_description: Option<String>,
    pub canonical_url: Option<String>,
    pub noindex: bool,
    pub social_title: Option<String>,
    pub social_description: Option<String>,
    pub social_image_url: Option<String>,
    /// Words of the body's text; `None` only until the server fills it for older articles.
    pub word_count: Option<i32>,
    /// The featured image (a media library item).
    pub featured_media_id: Option<i64>,
    /// Whether the public was told it is public (its `article.published` webhook event).
    pub announced: bool,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct NewArticle<'a> {
    pub slug: &'a str,
    pub headline: &'a str,
    pub alternative_headline: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub body: &'a str,
    pub section_id: i64,
    pub author_id: Option<i64>,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub comments_enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub byline: Option<&'a str>,
    pub seo_title: Option<&'a str>,
    pub meta_description: Option<&'a str>,
    pub canonical_url: Option<&'a str>,
    pub noindex: bool,
    pub social_title: Option<&'a str>,
    pub social_description: Option<&'a str>,
    pub social_image_url: Option<&'a str>,
    pub word_count: Option<i32>,
    pub featured_media_id: Option<i64>,
}

/// The columns an article list needs (the section comes from the section tree).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct SummaryRow {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub summary: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub section_id: i64,
    pub word_count: Option<i32>,
    pub featured_media_id: Option<i64>,
}

/// Public list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArticleSort {
    #[default]
    NewestFirst,
    OldestFirst,
    RecentlyUpdated,
    LeastRecentlyUpdated,
}

/// A position in a list ordered by (time, id): where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub at: NaiveDateTime,
    pub id: i64,
}

impl Keyset {
    /// Before every article, oldest first (RFC 3339 times, all the API takes, start at year 0;
    /// chrono's own minimum is out of PostgreSQL's range).
    fn start() -> Keyset {
        let at = chrono::NaiveDate::from_ymd_opt(0, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("a valid date");
        Keyset { at, id: i64::MIN }
    }

    /// Just after every article published by `now`, newest first (ids never reach `i64::MAX`).
    fn end_at(now: NaiveDateTime) -> Keyset {
        Keyset {
            at: now,
            id: i64::MAX,
        }
    }
}

/// A full-text search: words that must all appear (the last one as a prefix), in the dialect of
/// the backend's index (FTS5 on SQLite, a tsvector on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    postgres: bool,
    expression: String,
}

impl Search {
    /// `terms` must be plain words (letters and digits only): nothing in them can be read as
    /// search syntax by either engine.
    pub fn new(terms: &[String], postgres: bool) -> Self {
        let last = terms.len().saturating_sub(1);
        let expression = if postgres {
            let words: Vec<String> = terms
                .iter()
                .enumerate()
                .map(|(i, t)| if i == last { format!("{t}:*") } else { t.clone() })
                .collect();
            words.join(" & ")
        } else {
            let words: Vec<String> = terms
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if i == last {
                        format!("\"{t}\"*")
                    } else {
                        format!("\"{t}\"")
                    }
                })
                .collect();
            words.join(" ")
        };
        Self { postgres, expression }
    }

    /// The start of the `IN` over the search index that `expression` completes.
    fn sql_prefix(&self) -> &'static str {
        if self.postgres {
            "articles.id IN (SELECT article_id FROM article_search_vectors WHERE search @@ to_tsquery('simple', "
        } else {
            "articles.id IN (SELECT rowid FROM article_search_fts WHERE article_search_fts MATCH ("
        }
    }
}

/// Which articles a list may show at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Published and due: what the public sees.
    #[default]
    Public,
    Drafts,
    /// Published, due or scheduled.
    Published,
    /// Published with a time still to come.
    Scheduled,
    Archived,
    /// Every status (trash excluded).
    All,
    /// Only the trash.
    Trashed,
}

/// Filters of the article list, already resolved to ids.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub scope: Scope,
    /// Only this author's articles, whatever else is asked (authors see only their own drafts).
    pub restrict_to_author: Option<i64>,
    /// The sections asked for and all their sub-sections.
    pub section_ids: Option<Vec<i64>>,
    /// The sections asked for (each stands for its subtree in `section_ids`): each one's
    /// listing holds its whole subtree's articles ([`section_candidates`]).
    pub section_roots: Vec<i64>,
    /// Articles with any of these tags.
    pub tag_ids: Vec<i64>,
    /// Articles with every one of these tags.
    pub all_tag_ids: Vec<i64>,
    /// Articles crediting any of these sources.
    pub source_ids: Vec<i64>,
    /// Articles with any of these authors in their byline.
    pub author_ids: Vec<i64>,
    /// Never these articles (by slug).
    pub exclude_slugs: Vec<String>,
    /// Only these articles (by slug): the batch form.
    pub slugs: Option<Vec<String>>,
    /// Published at or after this time.
    pub published_from: Option<NaiveDateTime>,
    /// Published before this time.
    pub published_before: Option<NaiveDateTime>,
    /// Only articles among these ids: the candidates of several listing windows
    /// ([`linked_candidates`], [`section_candidates`]), which then stand for the term or
    /// section filters.
    pub only_ids: Option<Vec<i64>>,
    /// Full-text search.
    pub search: Option<Search>,
    /// Match nothing (a search without a single word).
    pub nothing: bool,
    pub sort: ArticleSort,
    /// Keyset pagination: only articles after this position in `sort` order.
    pub after: Option<Keyset>,
}

/// Published, and its publication time has come.
#[dsl::auto_type(no_type_alias)]
pub fn visible_at(now: NaiveDateTime) -> _ {
    let published: ArticleStatus = ArticleStatus::Published;
    articles::status
        .eq(published)
        .and(articles::published_at.le(now))
        .and(articles::deleted_at.is_null())
}

/// The same rule as [`visible_at`], for an article already loaded.
pub fn is_visible(article: &Article, now: NaiveDateTime) -> bool {
    article.status == ArticleStatus::Published
        && article.published_at.is_some_and(|at| at <= now)
        && article.deleted_at.is_none()
}

// Lists read `articles` alone: with a join, planners may walk the small `sections` table first
// and sort every match, instead of reading the index in order and stopping at the page.
type ListQuery<'a> = articles::BoxedQuery<'a, MultiBackend>;

/// Evaluates `$body` with `$listed` bound to the first `window` visible links of one term in
/// list order, read from the link table's listing index from the keyset on (`$table` is
/// `article_tags`, `article_sources`, `article_authors` or `section_listings`, `$key` its term
/// column): a statement for `$body` to select from. A macro because the link tables are
/// distinct types to diesel, and the statements stay unboxed, as MultiConnection needs.
macro_rules! with_window_links {
    ($table:ident, $key:ident, $id:expr, $filter:expr, $now:expr, $window:expr, |$listed:ident| $body:expr) => {{
        let links = $table::table.filter($table::$key.eq($id));
        if $filter.sort == ArticleSort::OldestFirst {
            let k = $filter.after.unwrap_or_else(Keyset::start);
            let $listed = links
                .filter($table::listed_at.le($now))
                .filter($table::listed_at.ge(k.at))
                .filter(
                    $table::listed_at
                        .gt(k.at)
                        .or($table::listed_at.eq(k.at).and($table::article_id.gt(k.id))),
                )
                .order(($table::listed_at.asc(), $table::article_id.asc()))
                .limit($window);
            $body
        } else {
            // A cursor past now (only a forged one can be) starts from the top.
            let k = match $filter.after {
                Some(k) if k.at <= $now => k,
                _ => Keyset::end_at($now),
            };
            let $listed = links
                .filter($table::listed_at.le(k.at))
                .filter(
                    $table::listed_at
                        .lt(k.at)
                        .or($table::listed_at.eq(k.at).and($table::article_id.lt(k.id))),
                )
                .order(($table::listed_at.desc(), $table::article_id.desc()))
                .limit($window);
            $body
        }
    }};
}

/// Keeps the articles linked to any of several terms of one kind. With a window (one term, see
/// [`reads_one_listing`]) the link query stops at the page; without, one subquery over the link
/// table's term index.
macro_rules! filter_linked {
    ($query:expr, $table:ident, $key:ident, $ids:expr, $filter:expr, $now:expr, $window:expr) => {{
        let ids: &[i64] = $ids;
        match $window {
            Some(window) if ids.len() == 1 => {
                with_window_links!($table, $key, ids[0], $filter, $now, window, |listed| {
                    $query.filter(articles::id.eq_any(listed.select($table::article_id)))
                })
            }
            _ => $query.filter(
                articles::id.eq_any(
                    $table::table
                        .filter($table::$key.eq_any(ids))
                        .select($table::article_id),
                ),
            ),
        }
    }};
}

/// The most candidate ids [`linked_candidates`] gathers (pages up to 2,000 deep at 20 terms of
/// 100 articles a page, far deeper at fewer).
const MAX_CANDIDATES: i64 = 20_000;

/// For a public list narrowed only by several terms of one kind (`tag=a,b`), the ids the page
/// can hold: each term's first `window` listed articles, read from its listing index (one
/// bounded read per term, at most [`crate::api::articles::filters::MAX_FILTER_VALUES`]). The
/// page is among them: each term's top `window` holds every article of that term that can be on
/// it. Then the page is read by id: a constant cost whatever the archive's size, where one
/// query over all the terms' links would read and sort every article they ever had. `None`
/// when the list is not of that shape.
fn linked_candidates(
    conn: &mut DbConn,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    window: i64,
) -> QueryResult<Option<Vec<i64>>> {
    let terms = filter.tag_ids.len() + filter.source_ids.len() + filter.author_ids.len();
    // Deep pages would bind more ids than a statement takes (SQLite: 32,766): they read the
    // links whole instead, as a single query.
    if !reads_listings(filter) || reads_one_listing(filter) || window * terms as i64 > MAX_CANDIDATES {
        return Ok(None);
    }
    let mut ids = Vec::new();
    for &id in &filter.tag_ids {
        ids.extend(with_window_links!(
            article_tags,
            tag_id,
            id,
            filter,
            now,
            window,
            |listed| listed.select(article_tags::article_id).load::<i64>(conn)?
        ));
    }
    for &id in &filter.source_ids {
        ids.extend(with_window_links!(
            article_sources,
            source_id,
            id,
            filter,
            now,
            window,
            |listed| listed.select(article_sources::article_id).load::<i64>(conn)?
        ));
    }
    for &id in &filter.author_ids {
        ids.extend(with_window_links!(
            article_authors,
            user_id,
            id,
            filter,
            now,
            window,
            |listed| listed.select(article_authors::article_id).load::<i64>(conn)?
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(ids))
}

/// The most sections [`section_candidates`] reads one by one (a statement each); a wider tree
/// is read by the one sorting query.
const MAX_SECTION_WINDOWS: usize = 16;

/// For a public list in publication order narrowed by a section with sub-sections
/// (`section=world-news`), the ids the page can hold: each section's first `window` articles,
/// read in order from its own range of the section index (one bounded read per section), merged
/// here. One query over all the sections cannot read them in order: it read every article they
/// hold and sorted them, a cost that grows with the archive. Any other filter applies within
/// each section's read; term filters and search have their own candidates. The result is the
/// top `window` of the list itself, in list order. `None` when the list is not of that shape.
fn section_candidates(
    conn: &mut DbConn,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    window: i64,
) -> QueryResult<Option<Vec<Listed>>> {
    if let Some(found) = section_listing_candidates(conn, filter, now, window, None)? {
        return Ok(Some(found.into_iter().map(|(listed, _)| listed).collect()));
    }
    // Other filters beside the sections (a date range, `exclude`) are applied within each
    // section's read, below. PostgreSQL walks the public index in list order and filters by section, a cheap read per
    // page; a statement per section cost it more round trips than it saved (section page 1,791
    // -> 1,422 req/s, bench/RESULTS.md). SQLite sorted the whole tree instead.
    if db::is_postgres(conn) {
        return Ok(None);
    }
    let Some(sections) = filter.section_ids.as_ref().filter(|ids| ids.len() > 1) else {
        return Ok(None);
    };
    let shaped = is_public_by_publication_without_terms(filter)
        && filter.search.is_none()
        && filter.only_ids.is_none();
    if !shaped || sections.len() > MAX_SECTION_WINDOWS || window * sections.len() as i64 > MAX_CANDIDATES {
        return Ok(None);
    }
    // Each window's times are read and merged as the text SQLite stores and orders them by;
    // parsing every row's time was a tenth of a section page's CPU (see [`ListedAt`]).
    let mut found: Vec<(Option<Stamp>, i64)> = Vec::new();
    for &section in sections {
        let one = ArticleFilter {
            section_ids: Some(vec![section]),
            ..filter.clone()
        };
        let query = list_query(&one, now, None).select((StoredText(articles::published_at), articles::id));
        let query = if filter.sort == ArticleSort::OldestFirst {
            query.order((articles::published_at.asc(), articles::id.asc()))
        } else {
            query.order((articles::published_at.desc(), articles::id.desc()))
        };
        found.extend(query.limit(window).load::<(Option<Stamp>, i64)>(conn)?);
    }
    found.sort_unstable();
    if filter.sort == ArticleSort::NewestFirst {
        found.reverse();
    }
    found.truncate(usize::try_from(window).unwrap_or(usize::MAX));
    let listed = found.into_iter().map(|(at, id)| Listed {
        id,
        at: ListedAt::Stored(at),
    });
    Ok(Some(listed.collect()))
}

/// A time as SQLite stores it (see [`StoredText`]): as diesel writes it, or in any form
/// diesel reads (what another writer might have used): a `T` or a space between date and time,
/// seconds with or without a fraction or none, a `Z` or an offset (ignored, as diesel does), or
/// a Julian day number. The forms are tried only when diesel's own does not parse.
fn stored_time(text: &str) -> QueryResult<NaiveDateTime> {
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%F %T%.f") {
        return Ok(at);
    }
    let other_forms = [" ", "T"].into_iter().flat_map(|between| {
        ["%T%.f", "%R"].into_iter().flat_map(move |time| {
            ["", "Z", "%:z"]
                .into_iter()
                .map(move |zone| format!("%F{between}{time}{zone}"))
        })
    });
    for format in other_forms {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, &format) {
            return Ok(at);
        }
    }
    text.parse::<f64>()
        .ok()
        .and_then(from_julian_days)
        .ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("a time stored as {text:?}").into())
        })
}

/// A time from SQLite's Julian day number (`julianday()`), as diesel reads one.
fn from_julian_days(days: f64) -> Option<NaiveDateTime> {
    const UNIX_EPOCH_IN_JULIAN_DAYS: f64 = 2_440_587.5;
    let micros = ((days - UNIX_EPOCH_IN_JULIAN_DAYS) * 86_400_000_000.0).round();
    if !micros.is_finite() || micros.abs() > i64::MAX as f64 {
        return None;
    }
    chrono::DateTime::from_timestamp_micros(micros as i64).map(|at| at.naive_utc())
}

/// The latest publication time a public list can reach: now, or a newest-first cursor's time.
/// One bound, not two: given `published_at <= now` and `published_at <= cursor`, SQLite seeks
/// with one of them, and with the first it walks every newer entry before the cursor.
fn newest_bound(filter: &ArticleFilter, now: NaiveDateTime) -> NaiveDateTime {
    match filter.after {
        Some(k) if filter.sort == ArticleSort::NewestFirst => k.at.min(now),
        _ => now,
    }
}

/// Rows a page needs from the top of the list (offset + limit); `None` when every match counts.
type Window = Option<i64>;

fn list_query<'a>(filter: &'a ArticleFilter, now: NaiveDateTime, window: Window) -> ListQuery<'a> {
    let query = articles::table.into_boxed();
    let query = if filter.scope == Scope::Trashed {
        query.filter(articles::deleted_at.is_not_null())
    } else {
        query.filter(articles::deleted_at.is_null())
    };
    let mut query = match filter.scope {
        Scope::Public => query.filter(visible_at(newest_bound(filter, now))),
        Scope::Drafts => query.filter(articles::status.eq(ArticleStatus::Draft)),
        Scope::Published => query.filter(articles::status.eq(ArticleStatus::Published)),
        Scope::Scheduled => query
            .filter(articles::status.eq(ArticleStatus::Published))
            .filter(articles::published_at.gt(now)),
        Scope::Archived => query.filter(articles::status.eq(ArticleStatus::Archived)),
        Scope::All | Scope::Trashed => query,
    };
    if let Some(author_id) = filter.restrict_to_author {
        query = query.filter(articles::author_id.eq(author_id));
    }
    // Keyset: the first condition bounds the index range (planners do not derive a range from
    // the OR alone and would walk the index from its start); the second breaks ties by id.
    if let Some(k) = filter.after {
        query = match filter.sort {
            ArticleSort::NewestFirst => query.filter(articles::published_at.le(k.at)).filter(
                articles::published_at
                    .lt(k.at)
                    .or(articles::published_at.eq(k.at).and(articles::id.lt(k.id))),
            ),
            ArticleSort::OldestFirst => query.filter(articles::published_at.ge(k.at)).filter(
                articles::published_at
                    .gt(k.at)
                    .or(articles::published_at.eq(k.at).and(articles::id.gt(k.id))),
            ),
            ArticleSort::RecentlyUpdated => query.filter(articles::updated_at.le(k.at)).filter(
                articles::updated_at
                    .lt(k.at)
                    .or(articles::updated_at.eq(k.at).and(articles::id.lt(k.id))),
            ),
            ArticleSort::LeastRecentlyUpdated => query.filter(articles::updated_at.ge(k.at)).filter(
                articles::updated_at
                    .gt(k.at)
                    .or(articles::updated_at.eq(k.at).and(articles::id.gt(k.id))),
            ),
        };
    }
    if let Some(ids) = &filter.section_ids {
        query = match ids.as_slice() {
            // One section as an equality: PostgreSQL then walks that section's index in list
            // order. Given `= ANY` of a one-element array it walked the whole public index
            // instead, filtering by section (4.7 ms for a section of 280 articles in 10,000).
            [one] => query.filter(articles::section_id.eq(*one)),
            _ => query.filter(articles::section_id.eq_any(ids)),
        };
    }
    let window = window.filter(|_| reads_one_listing(filter));
    if !filter.tag_ids.is_empty() {
        query = filter_linked!(query, article_tags, tag_id, &filter.tag_ids, filter, now, window);
    }
    for &tag_id in &filter.all_tag_ids {
        let tagged = article_tags::table
            .filter(article_tags::tag_id.eq(tag_id))
            .select(article_tags::article_id);
        query = query.filter(articles::id.eq_any(tagged));
    }
    if !filter.source_ids.is_empty() {
        query = filter_linked!(
            query,
            article_sources,
            source_id,
            &filter.source_ids,
            filter,
            now,
            window
        );
    }
    if !filter.author_ids.is_empty() {
        query = filter_linked!(
            query,
            article_authors,
            user_id,
            &filter.author_ids,
            filter,
            now,
            window
        );
    }
    if !filter.exclude_slugs.is_empty() {
        query = query.filter(articles::slug.ne_all(&filter.exclude_slugs));
    }
    if let Some(ids) = &filter.only_ids {
        query = query.filter(articles::id.eq_any(ids));
    }
    if let Some(slugs) = &filter.slugs {
        query = query.filter(articles::slug.eq_any(slugs));
    }
    if let Some(from) = filter.published_from {
        query = query.filter(articles::published_at.ge(from));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(articles::published_at.lt(before));
    }
    if filter.nothing {
        query = query.filter(articles::id.lt(0));
    }
    if let Some(search) = filter.search.as_ref().filter(|_| !filter.nothing) {
        use diesel::dsl::sql;
        use diesel::sql_types::{Bool, Text};
        let condition = sql::<Bool>(search.sql_prefix())
            .bind::<Text, _>(search.expression.clone())
            .sql("))");
        query = query.filter(condition);
    }
    query
}

/// True when terms of one kind (tags, sources or authors; any of several) are the only thing
/// narrowing a public list in publication order: then the page is among the tops of those
/// terms' listing indexes (`listed_at` mirrors visibility and the publication time), so each
/// link query can stop at the page instead of returning every match.
fn reads_listings(filter: &ArticleFilter) -> bool {
    filter.scope == Scope::Public
        && matches!(filter.sort, ArticleSort::NewestFirst | ArticleSort::OldestFirst)
        && [&filter.tag_ids, &filter.source_ids, &filter.author_ids]
            .iter()
            .filter(|ids| !ids.is_empty())
            .count()
            == 1
        && filter.all_tag_ids.is_empty()
        && filter.section_ids.is_none()
        && narrows_nothing_else(filter)
}

/// True when nothing narrows the list but its scope, order, sections and terms: no author
/// restriction, search, exclusion, batch, date range or candidate ids. A listing index can then
/// stand for the whole filter.
fn narrows_nothing_else(filter: &ArticleFilter) -> bool {
    filter.restrict_to_author.is_none()
        && filter.search.is_none()
        && !filter.nothing
        && filter.exclude_slugs.is_empty()
        && filter.slugs.is_none()
        && filter.published_from.is_none()
        && filter.published_before.is_none()
        && filter.only_ids.is_none()
}

/// [`reads_listings`] with a single term: its window goes into the list query itself.
fn reads_one_listing(filter: &ArticleFilter) -> bool {
    reads_listings(filter) && filter.tag_ids.len() + filter.source_ids.len() + filter.author_ids.len() == 1
}

/// One page of the list, and the number of matching articles when `count` asks for it (counting
/// every match costs a scan of the matches; a page does not).
pub fn page(
    conn: &mut DbConn,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
    count: bool,
) -> QueryResult<(Vec<SummaryRow>, Option<i64>)> {
    page_of(conn, filter, now, (offset, limit), count, |conn, query| {
        query.select(SummaryRow::as_select()).load(conn)
    })
}

/// Where an article stands in a list: its id and the time the list is ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub at: ListedAt,
}

/// The time a list is ordered by, as read: parsed, or the text SQLite stores (see
/// [`StoredText`]), parsed only when asked. A page needs one time, its next cursor's; parsing
/// every row's with chrono's format parser was a twentieth of a first page's CPU.
///
/// Times compare as read: one backend never mixes the two forms, and the stored text's order
/// is the order SQLite's own indexes keep, so a ranking made here agrees with every list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ListedAt {
    Parsed(Option<NaiveDateTime>),
    Stored(Option<Stamp>),
}

/// Loads `query` selecting `(key, time)`, with `time` read as a [`ListedAt`]: parsed on
/// PostgreSQL, where it arrives as a number, and as SQLite's stored text (see [`StoredText`]).
macro_rules! load_listed {
    ($conn:expr, $query:expr, $key:expr, $time:expr) => {
        if db::is_postgres($conn) {
            db::load::<_, (_, Option<NaiveDateTime>)>($conn, $query.select(($key, $time))).map(|rows| {
                rows.into_iter()
                    .map(|(key, at)| (key, ListedAt::Parsed(at)))
                    .collect::<Vec<_>>()
            })
        } else {
            db::load::<_, (_, Option<Stamp>)>($conn, $query.select(($key, StoredText($time)))).map(|rows| {
                rows.into_iter()
                    .map(|(key, at)| (key, ListedAt::Stored(at)))
                    .collect::<Vec<_>>()
            })
        }
    };
}

/// [`load_listed!`] with each row's stored card beside it when that card is fresh (the current
/// generation, rendered under `$fingerprint`; see [`crate::documents`]): a page and its cards in
/// one statement, each card a primary-key lookup from its listed row. Reading the cards by id
/// afterwards was a second statement that cost a third of a first page (its ids bound as JSON
/// on SQLite; one more round trip on PostgreSQL). A left join keeps the listing's index the
/// outer loop, in order, stopping at the page.
///
/// The join is on the document's primary key alone and freshness is read beside the card:
/// with the freshness in the join's condition, PostgreSQL's generic plan expected a handful of
/// fresh documents and scanned them all once per page.
macro_rules! load_listed_cards {
    ($conn:expr, $query:expr, $key:expr, $time:expr, $fingerprint:expr) => {{
        let current = document_generation::table
            .select(document_generation::value)
            .single_value();
        let fresh = article_documents::fingerprint
            .nullable()
            .eq($fingerprint)
            .and(article_documents::generation.nullable().eq(current));
        let joined = $query.left_join(article_documents::table.on(article_documents::article_id.eq($key)));
        let card = (
            fresh,
            article_documents::summary.nullable(),
            article_documents::summary_keys.nullable(),
        );
        if db::is_postgres($conn) {
            db::load::<_, (i64, Option<NaiveDateTime>, Card)>($conn, joined.select(($key, $time, card))).map(
                |rows| {
                    rows.into_iter()
                        .map(|(id, at, card)| listed_with_card(id, ListedAt::Parsed(at), card))
                        .collect::<Vec<_>>()
                },
            )
        } else {
            db::load::<_, (i64, Option<Stamp>, Card)>($conn, joined.select(($key, StoredText($time), card)))
                .map(|rows| {
                    rows.into_iter()
                        .map(|(id, at, card)| listed_with_card(id, ListedAt::Stored(at), card))
                        .collect::<Vec<_>>()
                })
        }
    }};
}

/// A listed row and its fresh stored card (summary, keys), if it has one.
type WithCard = (Listed, Option<Stored>);

/// A listed row's document as [`load_listed_cards!`] reads it: whether it is fresh, its card
/// and the card's keys (all `None` without a document).
type Card = (Option<bool>, Option<String>, Option<String>);

fn listed_with_card(id: i64, at: ListedAt, card: Card) -> WithCard {
    let stored = match card {
        (Some(true), Some(json), Some(keys)) => Some(Stored { json, keys }),
        _ => None,
    };
    (Listed { id, at }, stored)
}

/// A page as [`page_listed`] reads it: the listed rows, and their stored cards when the page was
/// read with them and every one was fresh (else the caller reads the cards by id).
#[derive(Debug, Default)]
pub struct ListedPage {
    pub listed: Vec<Listed>,
    pub cards: Option<Vec<Stored>>,
    pub total: Option<i64>,
}

impl ListedPage {
    /// The cards when the page has some and every one is fresh (an empty page has none to use).
    fn with_cards(rows: Vec<WithCard>, total: Option<i64>) -> Self {
        let (listed, cards): (Vec<Listed>, Vec<Option<Stored>>) = rows.into_iter().unzip();
        Self {
            cards: (!listed.is_empty())
                .then(|| cards.into_iter().collect())
                .flatten(),
            listed,
            total,
        }
    }
}

impl ListedAt {
    pub fn time(&self) -> QueryResult<Option<NaiveDateTime>> {
        match self {
            Self::Parsed(at) => Ok(*at),
            Self::Stored(text) => text.as_ref().map(|t| stored_time(t.as_str())).transpose(),
        }
    }
}

/// [`page`] as ids and order times only, for a page whose cards are stored: no member of an
/// article's row is loaded: an unfiltered page and a section's listing are read from their
/// indexes alone (`articles_public` and `section_listings` cover visibility), with the stored
/// cards of their rows under `fingerprint` in the same statement.
pub fn page_listed(
    conn: &mut DbConn,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    (offset, limit): (i64, i64),
    count: bool,
    fingerprint: &str,
) -> QueryResult<ListedPage> {
    let by_update = matches!(
        filter.sort,
        ArticleSort::RecentlyUpdated | ArticleSort::LeastRecentlyUpdated
    );
    let total = |conn: &mut DbConn| count.then(|| count_matching(conn, filter, now)).transpose();
    // The cards come with the rows of a page read from its top (a first page, or at a cursor);
    // a page deep by number reads past rows it skips, which would each cost a card.
    let cards_under = (offset == 0).then_some(fingerprint);
    if is_whole_public_list(filter) {
        let rows = newest_public(conn, now, (offset, limit), cards_under)?;
        return Ok(ListedPage::with_cards(rows, total(conn)?));
    }
    if let Some(rows) = section_listing_candidates(conn, filter, now, offset + limit, cards_under)? {
        let page = rows
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .collect();
        return Ok(ListedPage::with_cards(page, total(conn)?));
    }
    // A section's merged windows were read with this page's own filter and in its order: they
    // are the page already, and reading those ids back in order would be one more statement.
    if let Some(found) = section_candidates(conn, filter, now, offset + limit)? {
        let listed = found
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .collect();
        return Ok(ListedPage {
            listed,
            cards: None,
            total: total(conn)?,
        });
    }
    let (rows, total) = page_of(conn, filter, now, (offset, limit), count, |conn, query| {
        if by_update {
            query
                .select((articles::id, articles::updated_at.nullable()))
                .load::<(i64, Option<NaiveDateTime>)>(conn)
        } else {
            query
                .select((articles::id, articles::published_at))
                .load::<(i64, Option<NaiveDateTime>)>(conn)
        }
    })?;
    let listed = rows
        .into_iter()
        .map(|(id, at)| Listed {
            id,
            at: ListedAt::Parsed(at),
        })
        .collect();
    Ok(ListedPage {
        listed,
        cards: None,
        total,
    })
}

/// A public list in publication order narrowed by no tag, source or author: the shape whose
/// sections can be read window by window.
fn is_public_by_publication_without_terms(filter: &ArticleFilter) -> bool {
    filter.scope == Scope::Public
        && matches!(filter.sort, ArticleSort::NewestFirst | ArticleSort::OldestFirst)
        && [
            &filter.tag_ids,
            &filter.all_tag_ids,
            &filter.source_ids,
            &filter.author_ids,
        ]
        .iter()
        .all(|ids| ids.is_empty())
}

/// True when sections are the only thing narrowing a public list in publication order: the page
/// is then the top of those sections' listings ([`section_listing_candidates`]).
fn reads_section_listings(filter: &ArticleFilter, window: i64) -> bool {
    let roots = filter.section_roots.len();
    is_public_by_publication_without_terms(filter)
        && (1..=MAX_SECTION_WINDOWS).contains(&roots)
        && window * roots as i64 <= MAX_CANDIDATES
        && narrows_nothing_else(filter)
}

/// For a public list in publication order narrowed only by sections (`section=world-news`), the
/// page's top `window`, in list order, read from each section's listing, which holds its whole
/// subtree's articles (migration `section_listings`): one index range per section asked,
/// whatever the shape of the tree below it, with each row's stored card when `cards_under` names
/// the fingerprint they are read under. `None` when the list is not of that shape.
fn section_listing_candidates(
    conn: &mut DbConn,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    window: i64,
    cards_under: Option<&str>,
) -> QueryResult<Option<Vec<WithCard>>> {
    if !reads_section_listings(filter, window) {
        return Ok(None);
    }
    let mut found: Vec<WithCard> = Vec::new();
    for &root in &filter.section_roots {
        let rows = with_window_links!(
            section_listings,
            section_id,
            root,
            filter,
            now,
            window,
            |listed| match cards_under {
                Some(fingerprint) => load_listed_cards!(
                    conn,
                    listed,
                    section_listings::article_id,
                    section_listings::listed_at,
                    fingerprint
                )?,
                None => load_listed!(
                    conn,
                    listed,
                    section_listings::article_id,
                    section_listings::listed_at
                )?
                .into_iter()
                .map(|(id, at)| (Listed { id, at }, None))
                .collect(),
            }
        );
        found.extend(rows);
    }
    if filter.section_roots.len() > 1 {
        // A section asked for may lie below another one asked for: its articles are then read
        // twice, with the same time, and sorting puts the two side by side.
        found.sort_unstable_by(|(a, _), (b, _)| (&a.at, a.id).cmp(&(&b.at, b.id)));
        found.dedup_by_key(|(listed, _)| listed.id);
        if filter.sort == ArticleSort::NewestFirst {
            found.reverse();
        }
        found.truncate(usize::try_from(window).unwrap_or(usize::MAX));
    }
    Ok(Some(found))
}

/// True for the whole public list, newest first, from its top or by page number: the home
/// page's list, the most read of all.
fn is_whole_public_list(filter: &ArticleFilter) -> bool {
    let ArticleFilter {
        scope,
        restrict_to_author,
        section_ids,
        section_roots,
        tag_ids,
        all_tag_ids,
        source_ids,
        author_ids,
        exclude_slugs,
        slugs,
        published_from,
        published_before,
        only_ids,
        search,
        nothing,
        sort,
        after,
    } = filter;
    *scope == Scope::Public
        && *sort == ArticleSort::NewestFirst
        && restrict_to_author.is_none()
        && section_ids.is_none()
        && section_roots.is_empty()
        && [tag_ids, all_tag_ids, source_ids, author_ids]
            .iter()
            .all(|ids| ids.is_empty())
        && exclude_slugs.is_empty()
        && slugs.is_none()
        && published_from.is_none()
        && published_before.is_none()
        && only_ids.is_none()
        && search.is_none()
        && !nothing
        && after.is_none()
}

/// A page of the whole public list, newest first, as ids and times ([`is_whole_public_list`]),
/// with their stored cards when `cards_under` names the fingerprint to read them under.
/// One statement of a fixed type, which diesel finds in its statement cache by that type; a
/// boxed list query rebuilds its SQL text for every lookup (a twentieth of the page's CPU).
fn newest_public(
    conn: &mut DbConn,
    now: NaiveDateTime,
    (offset, limit): (i64, i64),
    cards_under: Option<&str>,
) -> QueryResult<Vec<WithCard>> {
    let query = articles::table
        .filter(articles::deleted_at.is_null())
        .filter(visible_at(now))
        .order((articles::published_at.desc(), articles::id.desc()))
        .offset(offset)
        .limit(limit);
    match cards_under {
        Some(fingerprint) => {
            load_listed_cards!(conn, query, articles::id, articles::published_at, fingerprint)
        }
        None => Ok(load_listed!(conn, query, articles::id, articles::published_at)?
            .into_iter()
            .map(|(id, at)| (Listed { id, at }, None))
            .collect()),
    }
}

/// How many articles the list's filter matches, on every page.
fn count_matching(conn: &mut DbConn, filter: &ArticleFilter, now: NaiveDateTime) -> QueryResult<i64> {
    list_query(filter, now, None).count().get_result(conn)
}

/// A page of the list, each row read by `load` from the ordered, windowed query.
fn page_of<T>(
    conn: &mut DbConn,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    (offset, limit): (i64, i64),
    count: bool,
    load: impl Fn(&mut DbConn, ListQuery<'_>) -> QueryResult<Vec<T>>,
) -> QueryResult<(Vec<T>, Option<i64>)> {
    let narrowed;
    let candidates = match linked_candidates(conn, filter, now, offset + limit)? {
        Some(ids) => Some(ids),
        None => section_candidates(conn, filter, now, offset + limit)?
            .map(|found| found.into_iter().map(|listed| listed.id).collect()),
    };
    let paged = match candidates {
        Some(ids) => {
            narrowed = ArticleFilter {
                tag_ids: Vec::new(),
                source_ids: Vec::new(),
                author_ids: Vec::new(),
                section_ids: None,
                section_roots: Vec::new(),
                only_ids: Some(ids),
                ..filter.clone()
            };
            &narrowed
        }
        None => filter,
    };
    let load_items = |conn: &mut DbConn| {
        let mut query = list_query(paged, now, Some(offset + limit));
        query = match filter.sort {
            ArticleSort::NewestFirst => query.order((articles::published_at.desc(), articles::id.desc())),
            ArticleSort::OldestFirst => query.order((articles::published_at.asc(), articles::id.asc())),
            ArticleSort::RecentlyUpdated => query.order((articles::updated_at.desc(), articles::id.desc())),
            ArticleSort::LeastRecentlyUpdated => {
                query.order((articles::updated_at.asc(), articles::id.asc()))
            }
        };
        load(conn, query.offset(offset).limit(limit))
    };
    let count_all = |conn: &mut DbConn| count_matching(conn, filter, now);
    match filter.search.as_ref().filter(|s| s.postgres && !filter.nothing) {
        // See `search::CandidatePlan`: PostgreSQL's planner does not count reading each vector
        // back, so it would scan the vector table for rare words (470 ms for `kenya vote` at
        // 100,000 articles) and walk the list's index for them. A count reads every match.
        Some(search) => {
            let plan = CandidatePlan::choose(conn, &search.expression, offset + limit, LIST_WALK_COST_RATIO)?;
            let items = plan.run(conn, load_items)?;
            let total = if count {
                Some(CandidatePlan::Bitmap.run(conn, count_all)?)
            } else {
                None
            };
            Ok((items, total))
        }
        None => {
            let items = load_items(conn)?;
            let total = if count { Some(count_all(conn)?) } else { None };
            Ok((items, total))
        }
    }
}

/// A visible article by slug, with its section and its author's display name.
pub fn find_visible_by_slug(
    conn: &mut DbConn,
    slug: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Article, Section, Option<String>)>> {
    articles::table
        .inner_join(sections::table)
        .left_join(users::table)
        .filter(articles::slug.eq(slug))
        .filter(visible_at(now))
        .select((
            Article::as_select(),
            Section::as_select(),
            users::display_name.nullable(),
        ))
        .first(conn)
        .optional()
}

/// An article of any status (not in the trash) by slug, with its section and its author's
/// display name.
pub fn find_any_by_slug(
    conn: &mut DbConn,
    slug: &str,
) -> QueryResult<Option<(Article, Section, Option<String>)>> {
    articles::table
        .inner_join(sections::table)
        .left_join(users::table)
        .filter(articles::slug.eq(slug))
        .filter(articles::deleted_at.is_null())
        .select((
            Article::as_select(),
            Section::as_select(),
            users::display_name.nullable(),
        ))
        .first(conn)
        .optional()
}

/// An article by id, with its section and its author's display name.
/// One article with its section and owner's name, as [`with_sections`] reads many.
pub fn find_with_section(
    conn: &mut DbConn,
    id: i64,
) -> QueryResult<Option<(Article, Section, Option<String>)>> {
    Ok(with_sections(conn, &[id])?.into_iter().next())
}

/// The articles `ids` with their sections and owners' names, in one query (in no particular
/// order).
pub fn with_sections(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(Article, Section, Option<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .inner_join(sections::table)
        .left_join(users::table)
        .filter(articles::id.eq_any(ids))
        .select((
            Article::as_select(),
            Section::as_select(),
            users::display_name.nullable(),
        ))
        .load(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Article>> {
    articles::table
        .filter(articles::slug.eq(slug))
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// Summaries of the visible articles among `ids`, in the order of `ids`.
pub fn visible_summaries_by_ids(
    conn: &mut DbConn,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<SummaryRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = articles::table
        .filter(visible_at(now))
        .select(SummaryRow::as_select());
    let rows: Vec<SummaryRow> = if db::is_postgres(conn) {
        // `= ANY($1)`: one array parameter, the same statement for any number of ids.
        query.filter(articles::id.eq_any(ids)).load(conn)?
    } else {
        query
            .filter(IdIn::new(articles::id, ids.iter().copied()))
            .load(conn)?
    };
    let mut by_id: HashMap<i64, SummaryRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The visible article `slug` as related articles are ranked from it: its id, its section's id
/// and its section's slug, read from the slug index (which carries visibility and the section)
/// and the section's row: nothing of the article's own row, whose body is its bulk.
pub fn visible_anchor(
    conn: &mut DbConn,
    slug: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(i64, i64, String)>> {
    let query = articles::table
        .inner_join(sections::table)
        .filter(articles::slug.eq(slug))
        .filter(visible_at(now))
        .select((articles::id, articles::section_id, sections::slug));
    db::first(conn, query)
}

pub fn insert(conn: &mut DbConn, new: &NewArticle<'_>) -> QueryResult<Article> {
    diesel::insert_into(articles::table)
        .values(new)
        .returning(articles::all_columns)
        .get_result(conn)
}

/// An article not in the trash, by slug.
pub fn find_live_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Article>> {
    articles::table
        .filter(articles::slug.eq(slug))
        .filter(articles::deleted_at.is_null())
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// True when `slug` is the current or a former slug of an article other than `except`:
/// former slugs keep redirecting, so they are never handed to another article.
pub fn slug_taken(conn: &mut DbConn, slug: &str, except: Option<i64>) -> QueryResult<bool> {
    let other = except.unwrap_or(-1);
    let current = diesel::select(diesel::dsl::exists(
        articles::table
            .filter(articles::slug.eq(slug))
            .filter(articles::id.ne(other)),
    ))
    .get_result::<bool>(conn)?;
    if current {
        return Ok(true);
    }
    diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::slug.eq(slug))
            .filter(article_slugs::article_id.ne(other)),
    ))
    .get_result(conn)
}

/// Records that `article_id` was reachable at `old_slug`; a slug coming back into use by its own
/// article leaves the history.
pub fn record_slug_change(
    conn: &mut DbConn,
    article_id: i64,
    old_slug: &str,
    new_slug: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(article_slugs::table.filter(article_slugs::slug.eq(new_slug))).execute(conn)?;
    diesel::insert_into(article_slugs::table)
        .values((
            article_slugs::slug.eq(old_slug),
            article_slugs::article_id.eq(article_id),
            article_slugs::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// The article that used to have `old_slug` (not in the trash).
pub fn find_by_old_slug(conn: &mut DbConn, old_slug: &str) -> QueryResult<Option<Article>> {
    article_slugs::table
        .inner_join(articles::table)
        .filter(article_slugs::slug.eq(old_slug))
        .filter(articles::deleted_at.is_null())
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// Moves the version on by one if it still is `expected`; false when another write got there
/// first (the caller answers 412).
pub fn bump_version(conn: &mut DbConn, id: i64, expected: i32) -> QueryResult<bool> {
    let updated = diesel::update(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::version.eq(expected)),
    )
    .set(articles::version.eq(expected + 1))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Moves an article to the trash (or out of it, with `None`).
pub fn set_trashed(
    conn: &mut DbConn,
    id: i64,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(articles::table.find(id))
        .set((articles::deleted_at.eq(at), articles::updated_at.eq(now)))
        .execute(conn)
        .map(drop)
}

/// A trashed article by slug.
pub fn find_trashed_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Article>> {
    articles::table
        .filter(articles::slug.eq(slug))
        .filter(articles::deleted_at.is_not_null())
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// Deletes for good the articles trashed before `cutoff`; returns their ids and slugs (those
/// the statement itself deleted, whatever a concurrent restore or trash did meanwhile).
pub fn purge_trashed_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<Vec<(i64, String)>> {
    diesel::delete(articles::table.filter(articles::deleted_at.lt(cutoff)))
        .returning((articles::id, articles::slug))
        .get_results(conn)
}

pub fn set_public_updated_at(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(articles::table.find(id))
        .set(articles::public_updated_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Up to `limit` articles (any status, the trash too) whose word count is not stored yet: their
/// ids and bodies. Only articles saved before word counts were stored lack one.
pub fn missing_word_counts(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    articles::table
        .filter(articles::word_count.is_null())
        .order(articles::id)
        .select((articles::id, articles::body))
        .limit(limit)
        .load(conn)
}

pub fn set_word_count(conn: &mut DbConn, id: i64, words: i32) -> QueryResult<()> {
    diesel::update(articles::table.find(id))
        .set(articles::word_count.eq(words))
        .execute(conn)
        .map(drop)
}

/// Up to `limit` slugs of articles (any status) in a section, and how many there are.
pub fn in_section(conn: &mut DbConn, section_id: i64, limit: i64) -> QueryResult<(Vec<String>, i64)> {
    let slugs = articles::table
        .filter(articles::section_id.eq(section_id))
        .order(articles::id)
        .select(articles::slug)
        .limit(limit)
        .load(conn)?;
    let count = articles::table
        .filter(articles::section_id.eq(section_id))
        .count()
        .get_result(conn)?;
    Ok((slugs, count))
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(articles::table.find(id)).execute(conn)
}

/// Replaces the text full-text search reads for an article.
pub fn set_search_text(
    conn: &mut DbConn,
    article_id: i64,
    text: &crate::content::html::SearchText,
) -> QueryResult<()> {
    diesel::delete(article_search::table.find(article_id)).execute(conn)?;
    diesel::insert_into(article_search::table)
        .values((
            article_search::article_id.eq(article_id),
            article_search::headline_text.eq(&text.headline),
            article_search::body_text.eq(&text.body),
        ))
        .execute(conn)
        .map(drop)
}

/// Overwrites every column of article `id` except its creation time.
pub fn replace(conn: &mut DbConn, id: i64, new: &NewArticle<'_>) -> QueryResult<Article> {
    let created_at = articles::table
        .find(id)
        .select(articles::created_at)
        .first::<NaiveDateTime>(conn)?;
    let new = NewArticle { created_at, ..*new };
    diesel::update(articles::table.find(id))
        .set(&new)
        .returning(articles::all_columns)
        .get_result(conn)
}

/// Records whether the public was told that article `id` is public.
pub fn set_announced(conn: &mut DbConn, id: i64, announced: bool) -> QueryResult<()> {
    diesel::update(articles::table.find(id))
        .set(articles::announced.eq(announced))
        .execute(conn)?;
    Ok(())
}

/// Marks article `id` announced if it was not: true for the one caller that did it.
pub fn claim_announcement(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let claimed = diesel::update(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::announced.eq(false)),
    )
    .set(articles::announced.eq(true))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Published articles whose time has come but that were never announced: scheduled ones whose
/// moment passed (read through `articles_unannounced`).
pub fn due_unannounced(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    articles::table
        .filter(articles::announced.eq(false))
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.le(now))
        .filter(articles::deleted_at.is_null())
        .order(articles::published_at.asc())
        .select(articles::id)
        .limit(limit)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::stored_time;
    use chrono::NaiveDate;

    /// Every form diesel reads a SQLite time in is read here too, to the same time.
    #[test]
    fn a_stored_time_is_read_in_every_form_diesel_reads() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let at = day.and_hms_micro_opt(7, 30, 15, 250_000).unwrap();
        let minute = day.and_hms_opt(7, 30, 0).unwrap();
        for (text, expected) in [
            ("2026-12-06 07:30:15.25", at),
            ("2026-12-06 07:30:15.250000", at),
            ("2026-12-06T07:30:15.25", at),
            ("2026-12-06T07:30:15.25Z", at),
            ("2026-12-06 07:30:15.25+02:00", at),
            ("2026-12-06 07:30", minute),
            ("2026-12-06T07:30Z", minute),
        ] {
            assert_eq!(stored_time(text).unwrap(), expected, "{text}");
        }
        // SELECT julianday('2026-12-06 07:30:00')
        assert_eq!(stored_time("2461380.8125").unwrap(), minute);
        assert!(stored_time("yesterday").is_err());
        assert!(stored_time("2026-13-06 07:30:00").is_err());
    }
}
