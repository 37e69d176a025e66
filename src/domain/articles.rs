//! Article writes and their rules: the one save path (create, replace, patch, restore, import),
//! who may change what, versions, revisions and the trash.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Change;
use crate::auth::AuthUser;
use crate::content::{html, slug as slugs};
use crate::db::DbConn;
use crate::domain::taxonomy::{Sources, Tags, TermKind};
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::article::{self, Article, NewArticle};
use crate::models::taxonomy::{Term, TermTable};
use crate::models::{author, available_slug, revision, section, user};
use crate::values::{ArticleStatus, AuditAction};

/// A whole article as a write gives it: relations by slug, in order. Absent optional fields are
/// cleared; an absent slug is generated (create) or kept (replace).
#[derive(Debug, Clone, Default)]
pub struct ArticleFields {
    pub slug: Option<String>,
    pub headline: String,
    pub alternative_headline: Option<String>,
    pub summary: Option<String>,
    /// HTML; sanitized to the news allow-list before it is stored.
    pub body: String,
    pub section: String,
    pub tags: Vec<String>,
    pub sources: Vec<String>,
    pub status: Option<ArticleStatus>,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_enabled: Option<bool>,
    /// The author's user id; on create, the caller unless given.
    pub author_id: Option<i64>,
    /// Byline authors by profile slug, in order. `None`: on create, the caller if they have a
    /// profile; on replace, the current ones.
    pub authors: Option<Vec<String>>,
    /// A free-text byline ("By Agencies", "Staff reporter").
    pub byline: Option<String>,
    pub seo: Seo,
    /// The featured image: a media library item's id.
    pub featured_media: Option<i64>,
    /// A real update of a published story: sets `public_updated_at` to now.
    pub announce_update: bool,
}

/// An article as it stood at one revision (the stored form of a revision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArticleSnapshot {
    pub slug: String,
    pub headline: String,
    pub alternative_headline: Option<String>,
    pub summary: Option<String>,
    pub body: String,
    /// The section's slug.
    pub section: String,
    /// Tag slugs, in order.
    pub tags: Vec<String>,
    /// Source slugs, in order.
    pub sources: Vec<String>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_enabled: bool,
    pub author_id: Option<i64>,
    /// Byline authors' profile slugs, in order; `null` in revisions older than bylines (a
    /// restore of one keeps the current byline authors).
    #[serde(default)]
    pub authors: Option<Vec<String>>,
    #[serde(default)]
    pub byline: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub seo: Seo,
    /// The featured image's media id.
    #[serde(default)]
    pub featured_media: Option<i64>,
}

/// Search-engine and social-sharing overrides of an article. Each absent one falls back on the
/// article's own (headline, summary, own URL, featured image).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Pakistan, Iran agree to de-escalate", "description": "The two neighbours agreed to de-escalate after cross-border strikes.",
    "canonical_url": "https://www.reuters.com/world/pakistan-iran-de-escalate", "noindex": false}))]
pub struct Seo {
    /// The `<title>` for search engines, instead of the headline.
    #[validate(length(max = 300), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::TitleLineText>)]
    #[serde(default)]
    pub title: Option<String>,
    /// The meta description, instead of the summary.
    #[validate(length(max = 2000), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::SummaryText>)]
    #[serde(default)]
    pub description: Option<String>,
    /// Where the original lives (syndicated agency copy), instead of the article's own URL.
    #[validate(length(max = 2000), custom(function = "crate::api::json::rules::http_url"))]
    #[schema(value_type = Option<crate::api::json::HttpUrl>)]
    #[serde(default)]
    pub canonical_url: Option<String>,
    /// `true` asks search engines not to index the article.
    #[serde(default)]
    pub noindex: bool,
    /// The title when shared (Open Graph), instead of the headline.
    #[validate(length(max = 300), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::TitleLineText>)]
    #[serde(default)]
    pub social_title: Option<String>,
    /// The description when shared, instead of the summary.
    #[validate(length(max = 2000), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::SummaryText>)]
    #[serde(default)]
    pub social_description: Option<String>,
    /// The image when shared, instead of the site's default social image.
    #[validate(length(max = 2000), custom(function = "crate::api::json::rules::http_url"))]
    #[schema(value_type = Option<crate::api::json::HttpUrl>)]
    #[serde(default)]
    pub social_image_url: Option<String>,
}

impl Seo {
    /// As stored on `article`.
    pub fn of(article: &Article) -> Self {
        Self {
            title: article.seo_title.clone(),
            description: article.meta_description.clone(),
            canonical_url: article.canonical_url.clone(),
            noindex: article.noindex,
            social_title: article.social_title.clone(),
            social_description: article.social_description.clone(),
            social_image_url: article.social_image_url.clone(),
        }
    }
}

impl From<ArticleSnapshot> for ArticleFields {
    fn from(s: ArticleSnapshot) -> Self {
        Self {
            slug: Some(s.slug),
            headline: s.headline,
            alternative_headline: s.alternative_headline,
            summary: s.summary,
            body: s.body,
            section: s.section,
            tags: s.tags,
            sources: s.sources,
            status: Some(s.status),
            published_at: s.published_at,
            comments_enabled: Some(s.comments_enabled),
            author_id: s.author_id,
            authors: s.authors,
            byline: s.byline,
            seo: s.seo,
            featured_media: s.featured_media,
            announce_update: false,
        }
    }
}

/// What a write gives of the fields only editors may set.
#[derive(Debug, Clone, Copy, Default)]
pub struct EditorOnly {
    pub status: Option<ArticleStatus>,
    pub sets_published_at: bool,
    pub sets_author: bool,
    /// Byline authors given (`authors`).
    pub sets_bylines: bool,
}

/// Fields an author gave that only editors may set: 403 naming each.
pub fn check_author_fields(caller: &AuthUser, given: EditorOnly) -> Result<(), AppError> {
    if caller.role.is_editorial() {
        return Ok(());
    }
    let EditorOnly {
        status,
        sets_published_at,
        sets_author,
        sets_bylines,
    } = given;
    let mut fields = Vec::new();
    if status.is_some_and(|s| s != ArticleStatus::Draft) {
        fields.push(FieldError::new(
            "status",
            FieldCode::Forbidden,
            "authors can only save drafts",
        ));
    }
    if sets_published_at {
        fields.push(FieldError::new(
            "published_at",
            FieldCode::Forbidden,
            "only editors set the publication time",
        ));
    }
    if sets_author {
        fields.push(FieldError::new(
            "author_id",
            FieldCode::Forbidden,
            "only editors set the author",
        ));
    }
    if sets_bylines {
        fields.push(FieldError::new(
            "authors",
            FieldCode::Forbidden,
            "only editors set the byline authors",
        ));
    }
    if fields.is_empty() {
        return Ok(());
    }
    Err(AppError::Forbidden {
        detail: "Your role may not set these fields.".to_owned(),
        errors: fields,
    })
}

/// Authors may only touch their own drafts.
pub fn check_may_change(caller: &AuthUser, article: &Article) -> Result<(), AppError> {
    let own_draft = article.author_id == Some(caller.id) && article.status == ArticleStatus::Draft;
    if caller.role.is_editorial() || own_draft {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Authors can only change or delete their own drafts.",
        ))
    }
}

pub fn not_found() -> AppError {
    AppError::not_found("No article has this slug, or it is not published.")
}

/// The article `slug` (not in the trash) as its writer may see it, or 404.
pub fn find_for_write(
    conn: &mut DbConn,
    caller: &AuthUser,
    slug: &str,
    now: NaiveDateTime,
) -> Result<Article, AppError> {
    let article = article::find_live_by_slug(conn, slug)?.ok_or_else(not_found)?;
    // An author learns nothing about other people's unpublished work.
    if !caller.role.is_editorial()
        && article.author_id != Some(caller.id)
        && !article::is_visible(&article, now)
    {
        return Err(not_found());
    }
    Ok(article)
}

/// Claims the next version of `current`: if another write moved it on since it was read, the
/// answer is 412 (its `current` body is left for the HTTP layer to fill) and nothing is
/// written. Two racing writers cannot both pass.
fn claim_version(conn: &mut DbConn, current: &Article) -> Result<(), AppError> {
    if article::bump_version(conn, current.id, current.version)? {
        return Ok(());
    }
    Err(super::stale(current.version + 1))
}

/// How the `<img>` elements of a body are completed on save: one that names a library item
/// (`data-media-id`) gets its URLs from `public_url` (the media store's), its size and alt text;
/// one pointing elsewhere is kept, or refused (422) when `refuse_foreign`.
#[derive(Debug, Clone)]
pub struct BodyImages {
    pub public_url: String,
    pub refuse_foreign: bool,
}

impl BodyImages {
    pub fn new(config: &crate::config::MediaConfig) -> Self {
        Self {
            public_url: config.public_url.clone(),
            refuse_foreign: config.refuse_foreign_images,
        }
    }
}

/// Which library items a save may name. Authors see only their own uploads, so they may name
/// only those, and any the article already shows; to them another's item is as unknown as a
/// missing one (its existence is not revealed).
struct MediaAccess {
    author: Option<i64>,
    already: std::collections::HashSet<i64>,
}

impl MediaAccess {
    fn new(change: Change<'_>, existing: Option<&Article>) -> Self {
        let author = change.by.filter(|c| !c.role.is_editorial()).map(|c| c.id);
        let mut already = std::collections::HashSet::new();
        if let Some(article) = existing {
            already.extend(article.featured_media_id);
            already.extend(
                html::body_images(&article.body)
                    .into_iter()
                    .filter_map(|i| match i {
                        html::BodyImage::Library(id) => Some(id),
                        html::BodyImage::Foreign(_) => None,
                    }),
            );
        }
        Self { author, already }
    }

    fn may_use(&self, item: &crate::models::media::Media) -> bool {
        self.author.is_none_or(|me| item.uploaded_by == Some(me)) || self.already.contains(&item.id)
    }
}

/// `body` with its library images completed, and the items it shows; an unknown item (or one
/// the caller may not use), or a foreign image where those are refused, is a field error on
/// `body`.
fn complete_images(
    conn: &mut DbConn,
    rules: &BodyImages,
    access: &MediaAccess,
    body: String,
    invalid: &mut Vec<FieldError>,
) -> Result<(String, Vec<i64>), AppError> {
    let mut ids = Vec::new();
    for image in html::body_images(&body) {
        match image {
            html::BodyImage::Library(id) => ids.push(id),
            html::BodyImage::Foreign(src) if rules.refuse_foreign => invalid.push(FieldError::new(
                "body",
                FieldCode::ForeignImage,
                format!("images must come from the media library (`data-media-id`), not `{src}`"),
            )),
            html::BodyImage::Foreign(_) => {}
        }
    }
    if ids.is_empty() {
        return Ok((body, ids));
    }
    let mut found = crate::models::media::by_ids(conn, &ids)?;
    found.retain(|_, item| access.may_use(item));
    for id in &ids {
        if !found.contains_key(id) {
            invalid.push(FieldError::new(
                "body",
                FieldCode::NotFound,
                format!("an image names media item {id}, which does not exist"),
            ));
        }
    }
    let url = |key: &str| format!("{}/{key}", rules.public_url);
    let images = found
        .into_iter()
        .map(|(id, item)| {
            let files = item.files();
            let family: Vec<_> = files
                .variants
                .iter()
                .filter(|v| v.format != crate::media::process::OutputFormat::Webp)
                .map(|v| format!("{} {}w", url(&v.key), v.width))
                .collect();
            let image = html::LibraryImage {
                src: files.full.as_ref().map(|f| url(&f.key)).unwrap_or_default(),
                srcset: family.join(", "),
                width: item.width.unsigned_abs(),
                height: item.height.unsigned_abs(),
                alt: item.alt.clone().unwrap_or_default(),
            };
            (id, image)
        })
        .collect();
    Ok((html::fill_library_images(&body, &images), ids))
}

/// Writes `fields` as a new article (`existing` is `None`) or over `existing`, then records a
/// revision and an audit entry. The one path of every article write.
pub fn save(
    conn: &mut DbConn,
    change: Change<'_>,
    existing: Option<&Article>,
    fields: ArticleFields,
    images: &BodyImages,
    action: AuditAction,
) -> Result<Article, AppError> {
    let now = change.at;
    let mut invalid = Vec::new();
    let section_id = section::find_by_slug(conn, &fields.section)?.map(|s| s.id);
    if section_id.is_none() {
        invalid.push(FieldError::new(
            "section",
            FieldCode::NotFound,
            "no section has this slug",
        ));
    }
    let tag_ids = Tags::resolve_slugs(conn, &fields.tags, &mut invalid)?;
    let source_ids = Sources::resolve_slugs(conn, &fields.sources, &mut invalid)?;
    let byline_ids = byline_authors(conn, change, existing, &fields, &mut invalid)?;
    let access = MediaAccess::new(change, existing);
    if let Some(id) = fields.featured_media
        && !crate::models::media::find(conn, id)?.is_some_and(|item| access.may_use(&item))
    {
        invalid.push(FieldError::new(
            "featured_media",
            FieldCode::NotFound,
            "no media item has this id",
        ));
    }
    let author_id = match fields.author_id {
        Some(id) if user::find(conn, id)?.is_none() => {
            invalid.push(FieldError::new(
                "author_id",
                FieldCode::NotFound,
                "no user has this id",
            ));
            None
        }
        Some(id) => Some(id),
        None if existing.is_none() => change.user_id(),
        None => None,
    };
    let (body, body_media) = complete_images(
        conn,
        images,
        &access,
        html::sanitize_body(&fields.body),
        &mut invalid,
    )?;
    let status = fields.status.unwrap_or(ArticleStatus::Draft);
    let published_at = match (status, fields.published_at) {
        (_, Some(at)) => Some(at.naive_utc()),
        (ArticleStatus::Published, None) => Some(now),
        (_, None) => None,
    };
    if !invalid.is_empty() {
        return Err(AppError::Validation(invalid));
    }
    let headline = fields.headline.trim().to_owned();
    let slug = choose_slug(conn, change, existing, fields.slug.as_deref(), &headline)?;
    let seo = &fields.seo;
    let row = NewArticle {
        slug: &slug,
        headline: &headline,
        alternative_headline: trimmed(fields.alternative_headline.as_deref()),
        summary: trimmed(fields.summary.as_deref()),
        body: &body,
        section_id: section_id.unwrap_or_default(),
        author_id,
        status,
        published_at,
        comments_enabled: fields.comments_enabled.unwrap_or(true),
        created_at: now,
        updated_at: now,
        byline: trimmed(fields.byline.as_deref()),
        seo_title: trimmed(seo.title.as_deref()),
        meta_description: trimmed(seo.description.as_deref()),
        canonical_url: trimmed(seo.canonical_url.as_deref()),
        noindex: seo.noindex,
        social_title: trimmed(seo.social_title.as_deref()),
        social_description: trimmed(seo.social_description.as_deref()),
        social_image_url: trimmed(seo.social_image_url.as_deref()),
        word_count: Some(html::word_count(&body)),
        featured_media_id: fields.featured_media,
    };
    let saved = match existing {
        Some(current) => {
            claim_version(conn, current)?;
            if current.slug != slug {
                article::record_slug_change(conn, current.id, &current.slug, &slug, now)?;
            }
            article::replace(conn, current.id, &row)?
        }
        None => article::insert(conn, &row)?,
    };
    Tags::attach(conn, saved.id, &tag_ids)?;
    crate::models::media::set_body_images(conn, saved.id, &body_media)?;
    Sources::attach(conn, saved.id, &source_ids)?;
    if let Some(ids) = byline_ids {
        author::attach(conn, saved.id, &ids)?;
    }
    index_for_search(conn, &saved)?;
    if fields.announce_update {
        article::set_public_updated_at(conn, saved.id, now)?;
    }
    let revision = record_revision(conn, change, &saved)?;
    change.audit(
        conn,
        action,
        saved.id,
        Some(format!("{slug} (revision {revision})")),
    )?;
    Ok(saved)
}

/// Moves an article to the trash (a new version, so held ETags go stale).
pub fn trash(conn: &mut DbConn, change: Change<'_>, current: &Article) -> Result<(), AppError> {
    claim_version(conn, current)?;
    article::set_trashed(conn, current.id, Some(change.at), change.at)?;
    change.audit(
        conn,
        AuditAction::ArticleTrash,
        current.id,
        Some(current.slug.clone()),
    )
}

/// Stores the text the full-text search indexes for `article`.
fn index_for_search(conn: &mut DbConn, article: &Article) -> Result<(), AppError> {
    let text = html::search_text(
        &article.headline,
        article.alternative_headline.as_deref(),
        article.summary.as_deref(),
        &article.body,
    );
    Ok(article::set_search_text(conn, article.id, &text)?)
}

/// The article as stored now.
pub fn snapshot(conn: &mut DbConn, article: &Article) -> Result<ArticleSnapshot, AppError> {
    let section = section::find_by_id(conn, article.section_id)?
        .map(|s| s.slug)
        .unwrap_or_default();
    let slugs_of = |terms: Vec<(i64, Term)>| terms.into_iter().map(|(_, t)| t.slug).collect();
    let tags = slugs_of(Tags::for_articles(conn, &[article.id])?);
    let sources = slugs_of(Sources::for_articles(conn, &[article.id])?);
    let authors = Some(
        author::for_articles(conn, &[article.id])?
            .into_iter()
            .map(|(_, a)| a.profile.slug)
            .collect(),
    );
    Ok(ArticleSnapshot {
        slug: article.slug.clone(),
        headline: article.headline.clone(),
        alternative_headline: article.alternative_headline.clone(),
        summary: article.summary.clone(),
        body: article.body.clone(),
        section,
        tags,
        sources,
        status: article.status,
        published_at: article.published_at.map(|at| at.and_utc()),
        comments_enabled: article.comments_enabled,
        author_id: article.author_id,
        authors,
        byline: article.byline.clone(),
        seo: Seo::of(article),
        featured_media: article.featured_media_id,
    })
}

/// Stores a revision of `article` as it now stands; returns its number.
fn record_revision(conn: &mut DbConn, change: Change<'_>, article: &Article) -> Result<i32, AppError> {
    let json = serde_json::to_string(&snapshot(conn, article)?).map_err(AppError::internal)?;
    Ok(revision::record(
        conn,
        article.id,
        change.user_id(),
        &json,
        change.at,
    )?)
}

/// The byline authors a save stores, by user id: the profiles `fields.authors` names (each
/// unknown one a field error), or when none are given, on create the profile of the article's
/// author (the given `author_id`, else the caller) if they have one, and on replace nothing to
/// change (`None`).
fn byline_authors(
    conn: &mut DbConn,
    change: Change<'_>,
    existing: Option<&Article>,
    fields: &ArticleFields,
    invalid: &mut Vec<FieldError>,
) -> Result<Option<Vec<i64>>, AppError> {
    let Some(slugs) = fields.authors.as_deref() else {
        if existing.is_some() {
            return Ok(None);
        }
        let own = match fields.author_id.or(change.user_id()) {
            Some(id) => author::find_by_user(conn, id)?.map(|_| id),
            None => None,
        };
        return Ok(Some(own.into_iter().collect()));
    };
    let found: std::collections::HashMap<String, i64> =
        author::ids_by_slugs(conn, slugs)?.into_iter().collect();
    let mut ids = Vec::with_capacity(slugs.len());
    for (i, slug) in slugs.iter().enumerate() {
        match found.get(slug) {
            Some(&id) => ids.push(id),
            None => invalid.push(FieldError::new(
                format!("authors[{i}]"),
                FieldCode::NotFound,
                "no author profile has this slug",
            )),
        }
    }
    Ok(Some(ids))
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The given slug if free (see [`slug_unavailable`] if another article has or had it), the
/// current one, or one generated from the headline and made unique.
fn choose_slug(
    conn: &mut DbConn,
    change: Change<'_>,
    existing: Option<&Article>,
    given: Option<&str>,
    headline: &str,
) -> Result<String, AppError> {
    let me = existing.map(|a| a.id);
    match (given, existing) {
        (Some(given), _) => {
            if article::slug_taken(conn, given, me)? {
                return Err(slug_unavailable(change.by));
            }
            Ok(given.to_owned())
        }
        (None, Some(current)) => Ok(current.slug.clone()),
        (None, None) => {
            // A headline with nothing to transliterate (some scripts) still gets a usable slug.
            let base = Some(slugs::slugify(headline))
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "article".to_owned());
            Ok(available_slug(&base, |candidate| {
                article::slug_taken(conn, candidate, None)
            })?)
        }
    }
}

/// A slug another article has or had. Editors see every article and are told so (409). An
/// author is told only that the slug is not available (422), in the same words whatever holds
/// it: someone else's draft or scheduled story, a published one, a former slug, the trash or
/// their own article. Saying "taken" only where they could not see why would tell them that
/// someone else's unpublished story has that slug.
fn slug_unavailable(by: Option<&AuthUser>) -> AppError {
    if by.is_some_and(|caller| !caller.role.is_editorial()) {
        return AppError::Validation(vec![FieldError::new(
            "slug",
            FieldCode::Unavailable,
            "is not available; choose another",
        )]);
    }
    AppError::Conflict {
        detail: "Another article has or had this slug.".to_owned(),
        errors: vec![FieldError::new(
            "slug",
            FieldCode::Taken,
            "is used by another article",
        )],
    }
}

/// Attaches a public correction note to a published article (409 otherwise); a new version.
pub fn correct(
    conn: &mut DbConn,
    change: Change<'_>,
    current: &Article,
    text: &str,
) -> Result<crate::models::correction::Correction, AppError> {
    if current.status != ArticleStatus::Published {
        return Err(AppError::conflict(
            "Corrections are attached to published articles.",
        ));
    }
    article::bump_version(conn, current.id, current.version)?;
    let saved = crate::models::correction::insert(conn, current.id, text, change.user_id(), change.at)?;
    change.audit(
        conn,
        AuditAction::ArticleCorrect,
        current.id,
        Some(text.to_owned()),
    )?;
    Ok(saved)
}
