//! The bodies of article writes (`ArticleInput` for create and replace, `ArticlePatch` for a
//! partial update) and how they become the domain's [`ArticleFields`].

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{
    BodySize, BylineText, HeadlineText, RequestBody, SlugText, SummaryText, double_option, non_null, rules,
};
use crate::domain::articles::{ArticleFields, ArticleSnapshot, EditorOnly, Seo};
use crate::values::ArticleStatus;

/// A whole article, as created or replaced. Relations are given by slug, in order.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "headline": "Pakistan and Iran Announce De-escalation Agreement Following Border Airstrikes",
    "alternative_headline": "Pakistan and Iran Agree to De-Escalate Tensions Following Border Airstrikes",
    "summary": "Both countries agreed to de-escalate after an exchange of strikes.",
    "body": "<p>In a significant diplomatic development, ...</p>",
    "section": "world-news", "tags": ["pakistan", "iran"], "sources": ["agencies"],
    "status": "published", "published_at": "2024-01-22T10:00:00Z", "comments_enabled": true
}))]
pub struct ArticleInput {
    /// Generated from the headline (transliterated to ASCII, made unique) when absent on create;
    /// kept as it is when absent on replace. A slug another article has or had is refused: 409
    /// for editors; 422 `unavailable` for authors, whatever article holds it.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = SlugText, nullable = false)]
    pub slug: Option<String>,
    #[validate(required, length(max = 300), custom(function = "rules::name"))]
    #[schema(value_type = HeadlineText, required = true, nullable = false)]
    pub headline: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::name"))]
    #[schema(value_type = Option<HeadlineText>)]
    pub alternative_headline: Option<String>,
    #[validate(length(max = 2000), custom(function = "rules::line"))]
    #[schema(value_type = Option<SummaryText>)]
    pub summary: Option<String>,
    /// HTML; sanitized to the news allow-list (README) before it is stored.
    #[validate(length(max = 500000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 500000)]
    pub body: Option<String>,
    /// The section's slug.
    #[validate(required, custom(function = "rules::slug"))]
    #[schema(value_type = SlugText, required = true, nullable = false)]
    pub section: Option<String>,
    /// Tag slugs, in order (existing tags).
    #[validate(length(max = 30), custom(function = "rules::slugs"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SlugText>, nullable = false, max_items = 30)]
    pub tags: Option<Vec<String>>,
    /// Source slugs, in order (existing sources).
    #[validate(length(max = 10), custom(function = "rules::slugs"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SlugText>, nullable = false, max_items = 10)]
    pub sources: Option<Vec<String>>,
    /// `draft` unless given. Authors may only give `draft`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = ArticleStatus, nullable = false)]
    pub status: Option<ArticleStatus>,
    /// May lie in the future (scheduled). Set to now when publishing without one. Editors only.
    pub published_at: Option<DateTime<Utc>>,
    /// `true` unless given.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub comments_enabled: Option<bool>,
    /// The author's user id; the caller unless given. Editors only.
    #[validate(range(min = 1))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = i64, nullable = false, minimum = 1)]
    pub author_id: Option<i64>,
    /// Byline authors by profile slug (`GET /authors`), in order: the co-bylines. Editors only.
    /// On create, the article's author (`author_id`, else the caller) if they have an author
    /// profile, unless given; on replace, kept unless given.
    #[validate(length(max = 10), custom(function = "rules::slugs"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SlugText>, nullable = false, max_items = 10, example = json!(["jane-doe"]))]
    pub authors: Option<Vec<String>>,
    /// A free-text byline shown instead of, or beside, the authors ("By Agencies").
    #[validate(length(max = 200), custom(function = "rules::line"))]
    #[schema(value_type = Option<BylineText>)]
    pub byline: Option<String>,
    /// Search-engine and social overrides; absent ones fall back on the article's own fields.
    #[validate(nested)]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Seo, nullable = false)]
    pub seo: Option<Seo>,
    /// The featured image: the id of a media library item (`POST /media`). Answers show it as
    /// `featured_image`, with its variants.
    #[validate(range(min = 1))]
    #[schema(minimum = 1, example = 12)]
    pub featured_media: Option<i64>,
    /// `true` marks a real update of a published story (not a typo fix): the public
    /// `public_updated_at` is set to now.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub announce_update: Option<bool>,
}

impl RequestBody for ArticleInput {
    const SIZE: BodySize = BodySize::Large;
}

/// Changes to an article: absent fields stay as they are; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"headline": "Corrected headline", "tags": ["pakistan", "iran", "diplomacy"]}))]
pub struct ArticlePatch {
    /// A new slug; the old one keeps redirecting here. A slug another article has or had is
    /// refused: 409 for editors; 422 `unavailable` for authors, whatever article holds it.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = SlugText, nullable = false)]
    pub slug: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = HeadlineText, nullable = false)]
    pub headline: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300), custom(function = "rules::name"))]
    #[schema(value_type = Option<HeadlineText>)]
    pub alternative_headline: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000), custom(function = "rules::line"))]
    #[schema(value_type = Option<SummaryText>)]
    pub summary: Option<Option<String>>,
    #[validate(length(max = 500000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 500000)]
    pub body: Option<String>,
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = SlugText, nullable = false)]
    pub section: Option<String>,
    #[validate(length(max = 30), custom(function = "rules::slugs"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SlugText>, nullable = false, max_items = 30)]
    pub tags: Option<Vec<String>>,
    #[validate(length(max = 10), custom(function = "rules::slugs"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SlugText>, nullable = false, max_items = 10)]
    pub sources: Option<Vec<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = ArticleStatus, nullable = false)]
    pub status: Option<ArticleStatus>,
    /// `null` clears a draft's planned time (refused for a published article).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub comments_enabled: Option<bool>,
    /// `null` leaves the article without an author account.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub author_id: Option<Option<i64>>,
    /// Byline authors by profile slug, in order (replaces the list).
    #[validate(length(max = 10), custom(function = "rules::slugs"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SlugText>, nullable = false, max_items = 10)]
    pub authors: Option<Vec<String>>,
    /// `null` clears the free-text byline.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 200), custom(function = "rules::line"))]
    #[schema(value_type = Option<BylineText>)]
    pub byline: Option<Option<String>>,
    /// Replaces all the SEO overrides (members left out are cleared).
    #[validate(nested)]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Seo, nullable = false)]
    pub seo: Option<Seo>,
    /// A media library item's id; `null` removes the featured image.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub featured_media: Option<Option<i64>>,
    /// `true` marks a real update of a published story (not a typo fix): the public
    /// `public_updated_at` is set to now.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub announce_update: Option<bool>,
}

impl RequestBody for ArticlePatch {
    const SIZE: BodySize = BodySize::Large;
}

impl ArticleInput {
    /// What the body gives of the fields only editors may set.
    pub fn editor_only(&self) -> EditorOnly {
        EditorOnly {
            status: self.status,
            sets_published_at: self.published_at.is_some(),
            sets_author: self.author_id.is_some(),
            sets_bylines: self.authors.is_some(),
        }
    }

    /// Overlays the fields `patch` gives (absent ones stay; `null` clears a nullable one).
    pub fn patched(mut self, patch: ArticlePatch) -> Self {
        macro_rules! overlay {
            ($($field:ident),*) => { $( if let Some(value) = patch.$field { self.$field = Some(value); } )* };
        }
        overlay!(
            slug,
            headline,
            body,
            section,
            tags,
            sources,
            status,
            comments_enabled,
            announce_update,
            authors,
            seo
        );
        if let Some(value) = patch.byline {
            self.byline = value;
        }
        if let Some(value) = patch.alternative_headline {
            self.alternative_headline = value;
        }
        if let Some(value) = patch.summary {
            self.summary = value;
        }
        if let Some(value) = patch.published_at {
            self.published_at = value;
        }
        if let Some(value) = patch.author_id {
            self.author_id = value;
        }
        if let Some(value) = patch.featured_media {
            self.featured_media = value;
        }
        self
    }
}

impl ArticlePatch {
    /// What the patch gives of the fields only editors may set (`null` counts as given).
    pub fn editor_only(&self) -> EditorOnly {
        EditorOnly {
            status: self.status,
            sets_published_at: self.published_at.is_some(),
            sets_author: self.author_id.is_some(),
            sets_bylines: self.authors.is_some(),
        }
    }
}

impl From<ArticleInput> for ArticleFields {
    fn from(input: ArticleInput) -> Self {
        Self {
            slug: input.slug,
            headline: input.headline.unwrap_or_default(),
            alternative_headline: input.alternative_headline,
            summary: input.summary,
            body: input.body.unwrap_or_default(),
            section: input.section.unwrap_or_default(),
            tags: input.tags.unwrap_or_default(),
            sources: input.sources.unwrap_or_default(),
            status: input.status,
            published_at: input.published_at,
            comments_enabled: input.comments_enabled,
            author_id: input.author_id,
            authors: input.authors,
            byline: input.byline,
            seo: input.seo.unwrap_or_default(),
            featured_media: input.featured_media,
            announce_update: input.announce_update == Some(true),
        }
    }
}

impl From<ArticleSnapshot> for ArticleInput {
    fn from(s: ArticleSnapshot) -> Self {
        Self {
            slug: Some(s.slug),
            headline: Some(s.headline),
            alternative_headline: s.alternative_headline,
            summary: s.summary,
            body: Some(s.body),
            section: Some(s.section),
            tags: Some(s.tags),
            sources: Some(s.sources),
            status: Some(s.status),
            published_at: s.published_at,
            comments_enabled: Some(s.comments_enabled),
            author_id: s.author_id,
            authors: s.authors,
            byline: s.byline,
            seo: Some(s.seo),
            featured_media: s.featured_media,
            announce_update: None,
        }
    }
}
