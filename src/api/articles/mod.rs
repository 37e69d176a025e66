//! Article routes: public and editorial reads (`read`), and protected writes (`write`).
//! This file holds the shapes both sides answer with and how they are assembled.

pub mod corrections;
pub mod cursor;
pub mod history;
pub mod input;
pub mod read;
pub mod trash;
pub mod write;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::{SectionRef, SourceRef, TagRef, utc};
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article::{Article, SummaryRow};
use crate::models::section::{self, Section};
use crate::models::taxonomy::{Sources, Tags, TermTable};
use crate::models::{comment, correction};

pub use crate::values::ArticleStatus;

/// An article as shown in lists ("Latest posts", "Related articles", section pages).
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
    pub page: Option<u32>,
    pub per_page: u32,
    /// How many articles match over all pages: only with `total=true` (counting costs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Whether more articles follow this page.
    pub has_more: bool,
    /// Pass as `cursor` for the next page; stable while new articles arrive. Absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
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
    /// The author's user id (the `author` filter of the article list takes it).
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = "Jane Doe")]
    pub display_name: String,
}

/// A whole article, everything a story page needs.
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
    /// `null` when the article has no author account (imported agency copy).
    pub author: Option<Author>,
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
}

/// Attaches sections and tags to summary rows: two queries for the whole page, whatever its size.
pub fn summaries(conn: &mut DbConn, rows: Vec<SummaryRow>) -> Result<Vec<ArticleSummary>, AppError> {
    let tree = section::load_tree(conn)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut tags_by_article: HashMap<i64, Vec<TagRef>> = HashMap::new();
    for (article_id, tag) in Tags::for_articles(conn, &ids)? {
        tags_by_article
            .entry(article_id)
            .or_default()
            .push(TagRef::from(&tag));
    }
    Ok(rows
        .into_iter()
        .map(|row| ArticleSummary {
            id: row.id,
            tags: tags_by_article.remove(&row.id).unwrap_or_default(),
            section: tree
                .get(row.section_id)
                .map(SectionRef::from)
                .unwrap_or_else(|| SectionRef {
                    slug: String::new(),
                    name: String::new(),
                }),
            slug: row.slug,
            headline: row.headline,
            summary: row.summary,
            published_at: row.published_at.map(utc),
            updated_at: utc(row.updated_at),
        })
        .collect())
}

/// The whole article: a constant number of queries (sections, tags, sources, comment count).
pub fn detail(
    conn: &mut DbConn,
    article: Article,
    section: Section,
    author_name: Option<String>,
) -> Result<ArticleDetail, AppError> {
    let tree = section::load_tree(conn)?;
    let tags = Tags::for_articles(conn, &[article.id])?;
    let sources = Sources::for_articles(conn, &[article.id])?;
    let comment_count = comment::approved_count(conn, article.id)?;
    let corrections = correction::for_article(conn, article.id)?;
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
        author: article
            .author_id
            .zip(author_name)
            .map(|(id, display_name)| Author { id, display_name }),
        status: article.status,
        published_at: article.published_at.map(utc),
        created_at: utc(article.created_at),
        updated_at: utc(article.updated_at),
        comments_enabled: article.comments_enabled,
        comment_count,
        public_updated_at: article.public_updated_at.map(utc),
        corrections: corrections
            .into_iter()
            .map(corrections::CorrectionView::from)
            .collect(),
    })
}

pub use crate::domain::articles::not_found as article_not_found;
