//! Article routes: public and editorial reads (`read`), and protected writes (`write`).
//! This file holds the shapes both sides answer with and how they are assembled.

pub mod corrections;
pub mod cursor;
pub mod filters;
pub mod history;
pub mod input;
pub mod members;
pub mod previews;
pub mod read;
pub mod related;
pub mod seo;
pub mod trash;
pub mod write;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::media::FeaturedImage;
use crate::api::views::{SectionRef, SourceRef, TagRef, utc};
use crate::content::html;
use crate::db::DbConn;
use crate::documents::Documents;
use crate::documents::read::Stored;
use crate::domain::articles::Seo;
use crate::domain::site::SiteUrls;
use crate::error::AppError;
use crate::media::storage::MediaStore;
use crate::models::article::{Article, SummaryRow};
use crate::models::section::{self, Section};
use crate::models::taxonomy::{Sources, Tags, TermTable};
use crate::models::{author, comment, correction, media as media_rows, site};

pub use crate::values::ArticleStatus;

/// An article as shown in lists ("Latest posts", "Related articles", section pages).
///
/// Lean by default: `authors`, `sources`, `featured_image` and `comment_count` are sent only
/// when `include` (or `fields`) names them; `fields` leaves out every member it does not name
/// but `id`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleSummary {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes")]
    pub slug: String,
    #[schema(example = "Pakistan and Iran Announce De-escalation Agreement Following Border Airstrikes")]
    pub headline: String,
    pub summary: Option<String>,
    pub section: SectionRef,
    /// In the article's own order.
    pub tags: Vec<TagRef>,
    /// Always set on public answers; `null` only for drafts without a planned time (editorial lists).
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The article's canonical URL on the public website (site `base_url` and `permalink`).
    #[schema(
        example = "https://news.example.com/world-news/pakistan-and-iran-announce-de-escalation-agreement"
    )]
    pub url: String,
    /// Words in the body.
    #[schema(example = 512)]
    pub word_count: i32,
    /// At 230 words a minute, rounded up; at least 1.
    #[schema(example = 3)]
    pub reading_time_minutes: i32,
    /// The credited authors, in order: only with `include=authors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub authors: Option<Vec<BylineAuthor>>,
    /// Credited sources in order: only with `include=sources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sources: Option<Vec<SourceRef>>,
    /// Approved comments: only with `include=comment_count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    #[schema(example = 3)]
    pub comment_count: Option<i64>,
    /// The featured image, for the card's thumbnail (`srcset` from `variants`): only with
    /// `include=featured_image`, then `null` when the article has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<FeaturedImage>, required = false)]
    pub featured_image: Option<Option<FeaturedImage>>,
}

/// A page of article summaries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ArticleList {
    pub data: Vec<ArticleSummary>,
    pub meta: ArticleListMeta,
}

/// Where a page of articles sits in the list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleListMeta {
    /// The page number, in page-number mode; absent with `cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub page: Option<u32>,
    pub per_page: u32,
    /// How many articles match over all pages: only with `total=true` (counting costs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub total: Option<i64>,
    /// Whether more articles follow this page.
    pub has_more: bool,
    /// Pass as `cursor` for the next page; stable while new articles arrive. Absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_cursor: Option<String>,
    /// The batch form (`slug=a,b,c`) only: the slugs asked for that no public article has, in
    /// the order asked (empty when all were found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub missing: Option<Vec<String>>,
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

/// A credited author (co-byline). Only a public profile shows more than the name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BylineAuthor {
    /// For the answer's cache keys only; never sent.
    #[serde(skip)]
    pub user_id: i64,
    #[schema(example = "Jane Doe")]
    pub display_name: String,
    /// The profile's slug (`GET /authors/{slug}`); `null` when the profile is not public.
    #[schema(example = "jane-doe")]
    pub slug: Option<String>,
    /// `null` when not set or the profile is not public.
    #[schema(example = "Foreign correspondent")]
    pub job_title: Option<String>,
    /// `null` when not set or the profile is not public.
    #[schema(example = "https://news.example.com/media/jane.jpg")]
    pub avatar_url: Option<String>,
    /// The author's page on the public website; `null` when the profile is not public.
    #[schema(example = "https://news.example.com/author/jane-doe")]
    pub url: Option<String>,
}

impl BylineAuthor {
    pub fn new(byline: crate::models::author::Byline, urls: &SiteUrls) -> Self {
        let crate::models::author::Byline {
            profile,
            display_name,
        } = byline;
        if !profile.public {
            return Self {
                user_id: profile.user_id,
                display_name,
                slug: None,
                job_title: None,
                avatar_url: None,
                url: None,
            };
        }
        Self {
            user_id: profile.user_id,
            display_name,
            url: Some(urls.page("author", &profile.slug)),
            slug: Some(profile.slug),
            job_title: profile.job_title,
            avatar_url: profile.avatar_url,
        }
    }
}

/// The account that owns the article (its writer, for editorial permissions).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Author {
    /// The owning account's user id (the article list's `author` filter takes byline authors'
    /// profile slugs instead).
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = "Jane Doe")]
    pub display_name: String,
}

/// A whole article, everything a story page needs. With `fields`, only the members it names
/// (and `id`) are sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleDetail {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes")]
    pub slug: String,
    #[schema(example = "Pakistan and Iran Announce De-escalation Agreement Following Border Airstrikes")]
    pub headline: String,
    #[schema(example = "Pakistan and Iran Agree to De-Escalate Tensions Following Border Airstrikes")]
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
    /// The account that owns the article; `null` when it has none (imported agency copy).
    /// For the byline, use `authors` and `byline`.
    pub author: Option<Author>,
    /// The credited authors, in order (co-bylines).
    pub authors: Vec<BylineAuthor>,
    /// A free-text byline ("By Agencies"), shown instead of or beside `authors`.
    #[schema(example = "By Agencies")]
    pub byline: Option<String>,
    pub status: ArticleStatus,
    /// Always set on public answers; `null` only for drafts without a planned time.
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub comments_enabled: bool,
    /// Approved comments only.
    #[schema(example = 3)]
    pub comment_count: i64,
    /// Set when an editor announced a real update of the published story (typo fixes do not
    /// set it): show "Updated ..." with this time.
    pub public_updated_at: Option<DateTime<Utc>>,
    /// Public correction notes, oldest first.
    pub corrections: Vec<corrections::CorrectionView>,
    /// The article's canonical URL on the public website (site `base_url` and `permalink`).
    #[schema(
        example = "https://news.example.com/world-news/pakistan-and-iran-announce-de-escalation-agreement"
    )]
    pub url: String,
    /// Words in the body.
    #[schema(example = 512)]
    pub word_count: i32,
    /// At 230 words a minute, rounded up; at least 1.
    #[schema(example = 3)]
    pub reading_time_minutes: i32,
    /// The featured image: URLs, size, alt text, caption, credit, focal point and the
    /// variants a `srcset` or `<picture>` is written from.
    pub featured_image: Option<FeaturedImage>,
    /// The SEO and social overrides as stored (what an editor set); `null` members fall back.
    pub seo: Seo,
    /// What the page's `<head>` shows: the overrides applied over the article's own fields.
    pub head: seo::ArticleHead,
    /// schema.org JSON-LD: a `NewsArticle` and a `BreadcrumbList`, each ready for its own
    /// `<script type="application/ld+json">`.
    #[schema(value_type = Vec<Object>)]
    pub structured_data: Vec<serde_json::Value>,
    /// Only with `include=related`: the related articles, exactly the `data` that
    /// `GET /articles/{slug}/related` answers by default (5 lean cards, most relevant first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub related: Option<Vec<ArticleSummary>>,
    /// Only with `include=comments`: the first page of approved comment threads, exactly what
    /// `GET /articles/{slug}/comments` answers by default (`data` and `meta`); further pages
    /// from that route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub comments: Option<crate::api::comments::CommentList>,
}

/// Attaches sections, tags and URLs to summary rows, and the members `embeds` asks for: three
/// queries for the whole page (sections, tags, site settings) and one per embedded member,
/// whatever its size.
pub fn summaries(
    conn: &mut DbConn,
    media: &MediaStore,
    rows: Vec<SummaryRow>,
    embeds: members::Embeds,
) -> Result<Vec<ArticleSummary>, AppError> {
    let tree = section::load_tree(conn)?;
    let urls = SiteUrls::new(&site::load(conn)?);
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let images = if embeds.featured_image {
        featured_images(conn, media, rows.iter().filter_map(|row| row.featured_media_id))?
    } else {
        HashMap::new()
    };
    let counts: Option<HashMap<i64, i64>> = embeds
        .comment_count
        .then(|| comment::approved_counts(conn, &ids))
        .transpose()?
        .map(|counts| counts.into_iter().collect());
    let mut tags_by_article = grouped(Tags::for_articles(conn, &ids)?, |tag| TagRef::from(&tag));
    let mut sources_by_article = embeds
        .sources
        .then(|| Sources::for_articles(conn, &ids))
        .transpose()?
        .map(|sources| grouped(sources, |source| SourceRef::from(&source)));
    let mut authors_by_article = embeds
        .authors
        .then(|| author::for_articles(conn, &ids))
        .transpose()?
        .map(|bylines| grouped(bylines, |byline| BylineAuthor::new(byline, &urls)));
    Ok(rows
        .into_iter()
        .map(|row| {
            let section = tree
                .get(row.section_id)
                .map(SectionRef::from)
                .unwrap_or_else(|| SectionRef {
                    slug: String::new(),
                    name: String::new(),
                });
            let words = row.word_count.unwrap_or(0);
            ArticleSummary {
                id: row.id,
                tags: tags_by_article.remove(&row.id).unwrap_or_default(),
                url: urls.article(
                    &row.slug,
                    &section.slug,
                    row.id,
                    row.published_at.unwrap_or(row.updated_at),
                ),
                authors: authors_by_article
                    .as_mut()
                    .map(|by| by.remove(&row.id).unwrap_or_default()),
                sources: sources_by_article
                    .as_mut()
                    .map(|by| by.remove(&row.id).unwrap_or_default()),
                comment_count: counts
                    .as_ref()
                    .map(|counts| counts.get(&row.id).copied().unwrap_or(0)),
                featured_image: embeds
                    .featured_image
                    .then(|| row.featured_media_id.and_then(|id| images.get(&id).cloned())),
                word_count: words,
                reading_time_minutes: html::reading_minutes(words),
                section,
                slug: row.slug,
                headline: row.headline,
                summary: row.summary,
                published_at: row.published_at.map(utc),
                updated_at: utc(row.updated_at),
            }
        })
        .collect())
}

/// The cards of a page: from the stored documents when the page asks for lean cards and every
/// card has a fresh one (one query for the page), else built live by [`summaries`].
pub enum Cards {
    Stored(Vec<Stored>),
    Built {
        cards: Vec<ArticleSummary>,
        /// Whether stored documents were looked for (and some missing).
        looked: bool,
    },
}

impl Cards {
    /// Cards built live, stored documents not looked for.
    pub fn built(cards: Vec<ArticleSummary>) -> Self {
        Self::Built { cards, looked: false }
    }

    /// Whether the page came from stored documents, when they were looked for.
    pub fn used_documents(&self) -> Option<bool> {
        match self {
            Self::Stored(_) => Some(true),
            Self::Built { looked, .. } => looked.then_some(false),
        }
    }

    /// What the cards show, for the page's Surrogate-Key: stored cards' keys borrowed from them.
    pub fn keys(&self) -> Vec<Cow<'_, str>> {
        match self {
            Self::Stored(stored) => stored_card_keys(stored),
            Self::Built { cards, .. } => read::card_keys(cards).into_iter().map(Cow::Owned).collect(),
        }
    }
}

/// The keys of stored lean cards in the order [`read::card_keys`] gives live ones: each card's
/// article, the site, then each card's other keys (its tags) in card order, repeats included
/// ([`crate::http_cache::surrogate_keys`] keeps the first of each).
fn stored_card_keys(stored: &[Stored]) -> Vec<Cow<'_, str>> {
    // Borrowed, never copied: a page's cards name about a hundred keys, most of them repeated.
    // Not sorted: sorting them to match a sorted live order was a twentieth of a page's CPU.
    use crate::http_cache::keys::SITE;
    let is_article = |key: &&str| key.starts_with("article-");
    let mut keys = Vec::with_capacity(stored.len() * 6);
    // A card names one article, its own, first.
    keys.extend(
        stored
            .iter()
            .filter_map(|card| card.keys().find(is_article))
            .map(Cow::Borrowed),
    );
    keys.push(Cow::Borrowed(SITE));
    let others = stored
        .iter()
        .flat_map(Stored::keys)
        .filter(|key| !is_article(key) && *key != SITE);
    keys.extend(others.map(Cow::Borrowed));
    keys
}

/// The lean cards of the listed articles `ids`, in that order (see [`Cards`]): their stored
/// cards when every one is fresh (one query), else built live from their rows, and the articles
/// missing a fresh document are asked for.
pub fn lean_cards(
    conn: &mut DbConn,
    media: &MediaStore,
    documents: &Documents,
    ids: Vec<i64>,
    now: chrono::NaiveDateTime,
) -> Result<Cards, AppError> {
    if ids.is_empty() {
        return Ok(Cards::built(Vec::new()));
    }
    let mut stored = crate::documents::read::summaries(conn, &ids, documents.fingerprint())?;
    if stored.len() == ids.len() {
        return Ok(Cards::Stored(
            ids.iter().filter_map(|id| stored.remove(id)).collect(),
        ));
    }
    documents.wanted(ids.iter().copied().filter(|id| !stored.contains_key(id)));
    let rows = crate::models::article::visible_summaries_by_ids(conn, &ids, now)?;
    Ok(Cards::Built {
        cards: summaries(conn, media, rows, members::Embeds::default())?,
        looked: true,
    })
}

/// A page of stored cards as [`ArticleList`] is sent: the cards as stored, byte for byte.
pub fn stored_list(cards: &[Stored], meta: &ArticleListMeta) -> Result<String, AppError> {
    let meta = serde_json::to_string(meta).map_err(AppError::internal)?;
    Ok(stored_cards_object(cards, Some(&meta)))
}

/// `{"data":[cards...]}` with the stored cards as they are, and `"meta"` when given.
pub fn stored_cards_object(cards: &[Stored], meta: Option<&str>) -> String {
    let size = cards.iter().map(|c| c.json.len() + 1).sum::<usize>() + meta.map_or(0, str::len) + 20;
    let mut json = String::with_capacity(size);
    json.push_str("{\"data\":[");
    for (i, card) in cards.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&card.json);
    }
    json.push(']');
    if let Some(meta) = meta {
        json.push_str(",\"meta\":");
        json.push_str(meta);
    }
    json.push('}');
    json
}

/// `(article id, item)` pairs in order, as each article's list of views.
fn grouped<T, V>(pairs: Vec<(i64, T)>, view: impl Fn(T) -> V) -> HashMap<i64, Vec<V>> {
    let mut by_article: HashMap<i64, Vec<V>> = HashMap::new();
    for (article_id, item) in pairs {
        by_article.entry(article_id).or_default().push(view(item));
    }
    by_article
}

/// The featured images `ids`, by media id (one query).
fn featured_images(
    conn: &mut DbConn,
    media: &MediaStore,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, FeaturedImage>, AppError> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(media_rows::by_ids(conn, &ids)?
        .into_iter()
        .map(|(id, item)| (id, FeaturedImage::new(media, &item)))
        .collect())
}

/// The whole article: a constant number of queries (sections, tags, sources, bylines, site
/// settings, comment count, corrections, featured image).
pub fn detail(
    conn: &mut DbConn,
    media: &MediaStore,
    article: Article,
    section: Section,
    author_name: Option<String>,
) -> Result<ArticleDetail, AppError> {
    let mut one = details(conn, media, vec![(article, section, author_name)])?;
    Ok(one.remove(0))
}

/// The whole of each of `articles`, in their order, in the queries one costs: the stored
/// documents' renderer builds a batch at once, which on PostgreSQL was a round trip per
/// query per article.
pub fn details(
    conn: &mut DbConn,
    media: &MediaStore,
    articles: Vec<(Article, Section, Option<String>)>,
) -> Result<Vec<ArticleDetail>, AppError> {
    let tree = section::load_tree(conn)?;
    let site = site::load(conn)?;
    let site = crate::api::site::SiteImages::load(conn, media, &site)?.applied(site);
    let urls = SiteUrls::new(&site);
    let ids: Vec<i64> = articles.iter().map(|(article, ..)| article.id).collect();
    let mut authors = grouped(author::for_articles(conn, &ids)?, |byline| {
        BylineAuthor::new(byline, &urls)
    });
    let images = featured_images(
        conn,
        media,
        articles
            .iter()
            .filter_map(|(article, ..)| article.featured_media_id),
    )?;
    let mut tags = grouped(Tags::for_articles(conn, &ids)?, |tag| TagRef::from(&tag));
    let mut sources = grouped(Sources::for_articles(conn, &ids)?, |source| {
        SourceRef::from(&source)
    });
    let counts: HashMap<i64, i64> = comment::approved_counts(conn, &ids)?.into_iter().collect();
    let mut corrections = grouped(
        correction::for_articles(conn, &ids)?
            .into_iter()
            .map(|correction| (correction.article_id, correction))
            .collect(),
        corrections::CorrectionView::from,
    );
    let mut built = Vec::with_capacity(articles.len());
    for (article, section, author_name) in articles {
        let id = article.id;
        let embedded = Embedded {
            authors: authors.remove(&id).unwrap_or_default(),
            featured_image: article
                .featured_media_id
                .and_then(|media_id| images.get(&media_id).cloned()),
            tags: tags.remove(&id).unwrap_or_default(),
            sources: sources.remove(&id).unwrap_or_default(),
            comment_count: counts.get(&id).copied().unwrap_or(0),
            corrections: corrections.remove(&id).unwrap_or_default(),
        };
        built.push(assemble(
            (article, section, author_name),
            embedded,
            (&tree, &site, &urls),
        ));
    }
    Ok(built)
}

/// What a detail embeds from other tables, read for a batch of articles at once.
struct Embedded {
    authors: Vec<BylineAuthor>,
    featured_image: Option<FeaturedImage>,
    tags: Vec<TagRef>,
    sources: Vec<SourceRef>,
    comment_count: i64,
    corrections: Vec<corrections::CorrectionView>,
}

/// One article's detail from its row and what it embeds.
fn assemble(
    (article, section, author_name): (Article, Section, Option<String>),
    embedded: Embedded,
    (tree, site, urls): (&section::SectionTree, &site::SiteRow, &SiteUrls),
) -> ArticleDetail {
    let words = article.word_count.unwrap_or(0);
    let seo = Seo::of(&article);
    let url = urls.article(
        &article.slug,
        &section.slug,
        article.id,
        // As on summaries: a draft without a planned time is dated by its last change.
        article.published_at.unwrap_or(article.updated_at),
    );
    let own = seo::OwnFields {
        headline: &article.headline,
        summary: article.summary.as_deref(),
        url: &url,
    };
    let head = seo::head(&seo, own, embedded.featured_image.as_ref(), site);
    let mut detail = ArticleDetail {
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
        tags: embedded.tags,
        sources: embedded.sources,
        author: article
            .author_id
            .zip(author_name)
            .map(|(id, display_name)| Author { id, display_name }),
        status: article.status,
        published_at: article.published_at.map(utc),
        created_at: utc(article.created_at),
        updated_at: utc(article.updated_at),
        comments_enabled: article.comments_enabled,
        comment_count: embedded.comment_count,
        public_updated_at: article.public_updated_at.map(utc),
        corrections: embedded.corrections,
        authors: embedded.authors,
        byline: article.byline,
        url,
        word_count: words,
        reading_time_minutes: html::reading_minutes(words),
        featured_image: embedded.featured_image,
        seo,
        head,
        structured_data: Vec::new(),
        related: None,
        comments: None,
    };
    // Built from the finished answer, so that it says exactly what the answer says.
    detail.structured_data = seo::structured_data(&detail, site, &urls.home());
    detail
}

pub use crate::domain::articles::not_found as article_not_found;
