//! `dateline import FILE`: articles with their section, tags and sources from JSON.
//!
//! The file holds one article object, an array of them, or `{"articles": [...]}`. Importing is
//! idempotent by slug: an article whose slug exists is replaced (tags and sources included),
//! otherwise it is created. Sections, tags and sources are found by slug or created. The whole
//! file is validated first and written in one transaction: all of it lands, or none.
//!
//! An article's `featured_image` names an image file relative to the import file; `dateline
//! import` stores it in the media library first (see [`ImportImage`]), and a re-import of the
//! same image keeps the item it made the first time.
//!
//! The shape of `shared/fixtures/seed-article.json` imports as is: `body_paragraphs`,
//! `suggested_tags`, `page_date` and a `breadcrumb` whose leading "Home" is the site root.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::content::{html, slug};
use crate::db::{self, DbConn};
use crate::domain::Change;
use crate::domain::articles::{self, ArticleFields, BodyImages};
use crate::domain::media::MediaFields;
use crate::domain::sections;
use crate::domain::taxonomy::{self, Sources, Tags};
use crate::error::{AppError, FieldCode};
use crate::media::ingest::Ingested;
use crate::media::storage::MediaStore;
use crate::models::article;
use crate::models::user;
use crate::values::{ArticleStatus, AuditAction};

/// Why an import was refused. Nothing is written when it is.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not what an import takes; the message names the article and field.
    #[error("{0}")]
    Invalid(String),
    /// An article broke a rule of the save path (an unknown author, a slug another article
    /// had, ...); the message names the article and the fields.
    #[error("articles[{index}]: {message}")]
    Rejected { index: usize, message: String },
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

impl ImportError {
    fn rejected(index: usize, err: AppError) -> Self {
        let message = match err {
            AppError::Validation(fields) | AppError::Conflict { errors: fields, .. }
                if !fields.is_empty() =>
            {
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            other => other.to_string(),
        };
        Self::Rejected { index, message }
    }
}

/// One article to import. Unknown fields are refused, so a misspelt field is never dropped.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportArticle {
    /// Generated from the headline when absent.
    pub slug: Option<String>,
    pub headline: String,
    pub alternative_headline: Option<String>,
    /// Taken from the first paragraph (shortened) when absent and `body_paragraphs` is given.
    pub summary: Option<String>,
    /// HTML, sanitized on import. Give this or `body_paragraphs`.
    pub body: Option<String>,
    /// Plain-text paragraphs, escaped and wrapped in `<p>`.
    pub body_paragraphs: Option<Vec<String>>,
    pub section: ImportNamed,
    /// Section names from the root, e.g. `["Home", "World News"]`; a leading "Home" is the site
    /// root, not a section. The names before the last become parent sections.
    #[serde(default)]
    pub breadcrumb: Vec<String>,
    #[serde(default)]
    pub tags: Vec<ImportNamedOrText>,
    /// Same as `tags` (the fixture's name for them).
    #[serde(default)]
    pub suggested_tags: Vec<ImportNamedOrText>,
    #[serde(default)]
    pub sources: Vec<ImportSource>,
    /// `published` (default), `draft` or `archived`.
    pub status: Option<String>,
    /// RFC 3339, or a date (`YYYY-MM-DD`: midnight in the site's time zone). Defaults to
    /// `page_date`, else to the time of import.
    pub published_at: Option<ImportTime>,
    /// `YYYY-MM-DD`: midnight in the site's time zone (`GET /api/v1/site`).
    pub page_date: Option<NaiveDate>,
    pub comments_enabled: Option<bool>,
    /// The e-mail of an existing user to credit as author.
    pub author_email: Option<String>,
    /// The free-text byline; when absent, the first credited source's `byline`.
    pub byline: Option<String>,
    /// The featured image: a file beside the import file, with its editorial fields.
    pub featured_image: Option<ImportImage>,
    /// Presentation-only fields of the page fixture; accepted and ignored.
    #[serde(default)]
    pub page_blocks: serde_json::Value,
    #[serde(default)]
    pub comment_form_messages: serde_json::Value,
}

/// A featured image to import: a JPEG, PNG, WebP or GIF file, its path relative to the import
/// file, and the fields an upload takes (`alt` unless `decorative`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportImage {
    pub file: std::path::PathBuf,
    pub alt: Option<String>,
    #[serde(default)]
    pub decorative: bool,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// An agency source's slug (it must exist, or be credited by an article of the file).
    pub source: Option<String>,
    /// `[x, y]`, each 0 to 1 from the top left; the centre by default.
    pub focal_point: Option<(f64, f64)>,
}

impl ImportImage {
    pub fn fields(&self) -> MediaFields {
        MediaFields {
            alt: self.alt.clone(),
            decorative: self.decorative,
            caption: self.caption.clone(),
            credit: self.credit.clone(),
            source: self.source.clone(),
            focal_point: self.focal_point.unwrap_or((0.5, 0.5)),
        }
    }
}

/// A featured image whose files are stored, for the article of the same index.
#[derive(Debug, Clone)]
pub struct StoredImage {
    pub ingested: Ingested,
    pub fields: MediaFields,
}

/// A section, tag or source given by name (and optionally slug).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportNamed {
    pub name: String,
    pub slug: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ImportNamedOrText {
    Text(String),
    Named(ImportNamed),
}

impl ImportNamedOrText {
    fn named(&self) -> ImportNamed {
        match self {
            Self::Text(name) => ImportNamed {
                name: name.clone(),
                slug: None,
            },
            Self::Named(named) => named.clone(),
        }
    }
}

/// A credited source. Its `byline` ("By Agencies") becomes the article's byline when the
/// article gives none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSource {
    pub name: String,
    pub slug: Option<String>,
    pub url: Option<String>,
    pub byline: Option<String>,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Files of images that the library already held (a re-import): the caller removes them.
    pub redundant_files: Vec<String>,
}

/// An article checked and normalised, ready to write.
#[derive(Debug)]
struct Prepared {
    slug: String,
    headline: String,
    alternative_headline: Option<String>,
    summary: Option<String>,
    body: String,
    section_path: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    sources: Vec<(String, String, Option<String>)>,
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    comments_enabled: bool,
    author_email: Option<String>,
    byline: Option<String>,
}

/// Parses the file's JSON.
pub fn parse(json: &str) -> Result<Vec<ImportArticle>, ImportError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ImportError::Invalid(format!("not valid JSON: {e}")))?;
    // Parse each article on its own so an error names the article and the field.
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map)
            if map.contains_key("articles") && !map.contains_key("headline") =>
        {
            match map.remove("articles") {
                Some(serde_json::Value::Array(items)) => items,
                _ => return Err(ImportError::Invalid("`articles` must be an array".to_owned())),
            }
        }
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(ImportError::Invalid(
                "expected an article object, an array of them, or {\"articles\": [...]}".to_owned(),
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_path_to_error::deserialize(item).map_err(|e| {
                let path = e.path().to_string();
                let at = if path == "." {
                    String::new()
                } else {
                    format!(".{path}")
                };
                ImportError::Invalid(format!("articles[{i}]{at}: {}", e.inner()))
            })
        })
        .collect()
}

/// A publication time as a file gives it: an instant, or a day in the site's time zone.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum ImportTime {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

/// The instant midnight of `day` is in `zone`. Where a clock change skips midnight, the first
/// instant of the day; where midnight happens twice, the first.
pub fn midnight_in(day: NaiveDate, zone: chrono_tz::Tz) -> NaiveDateTime {
    use chrono::TimeZone;
    (0..24)
        .find_map(|hour| zone.from_local_datetime(&day.and_hms_opt(hour, 0, 0)?).earliest())
        .map_or_else(|| day.and_time(chrono::NaiveTime::MIN), |at| at.naive_utc())
}

/// Validates and writes `articles` in one write transaction (no featured images; library
/// images in bodies get URLs under `/media`, the local store's default).
pub fn import(
    conn: &mut DbConn,
    media: &MediaStore,
    articles: &[ImportArticle],
    now: NaiveDateTime,
) -> Result<ImportReport, ImportError> {
    let images = BodyImages {
        public_url: "/media".to_owned(),
        refuse_foreign: false,
    };
    import_with_images(conn, media, articles, &vec![None; articles.len()], &images, now)
}

/// [`import`], with the stored featured image of each article (`images[i]` for `articles[i]`).
pub fn import_with_images(
    conn: &mut DbConn,
    media: &MediaStore,
    articles: &[ImportArticle],
    featured: &[Option<StoredImage>],
    images: &BodyImages,
    now: NaiveDateTime,
) -> Result<ImportReport, ImportError> {
    let zone = site_time_zone(conn)?;
    let prepared = articles
        .iter()
        .enumerate()
        .map(|(i, a)| prepare(a, now, zone).map_err(|e| ImportError::Invalid(format!("articles[{i}].{e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = std::collections::HashSet::new();
    for p in &prepared {
        if !seen.insert(p.slug.as_str()) {
            return Err(ImportError::Invalid(format!(
                "the slug `{}` appears twice in the file",
                p.slug
            )));
        }
    }
    db::write(conn, |conn| {
        let mut report = ImportReport::default();
        for (done, p) in prepared.iter().enumerate() {
            let image = featured.get(done).and_then(Option::as_ref);
            let created = write_one(conn, p, image, images, now, &mut report.redundant_files)
                .and_then(|(id, created)| {
                    // Webhooks hear of imported articles as of any other write.
                    crate::webhooks::events::article_changed(conn, media, now, id, &[])?;
                    Ok(created)
                })
                .map_err(|e| ImportError::rejected(done, e))?;
            if created {
                report.created += 1;
            } else {
                report.updated += 1;
            }
            if (done + 1) % 1000 == 0 {
                eprintln!("import: {}/{} articles", done + 1, prepared.len());
            }
        }
        Ok::<_, ImportError>(report)
    })
}

/// The site's time zone (validated when it was set; UTC should the stored one be unknown).
fn site_time_zone(conn: &mut DbConn) -> Result<chrono_tz::Tz, ImportError> {
    let settings = crate::models::site::load(conn)?;
    Ok(settings.time_zone.parse().unwrap_or(chrono_tz::UTC))
}

fn prepare(a: &ImportArticle, now: NaiveDateTime, zone: chrono_tz::Tz) -> Result<Prepared, String> {
    let headline = required_text("headline", &a.headline, 300)?;
    let slug = match &a.slug {
        Some(s) => checked_slug("slug", s)?,
        None => generated_slug("headline", &headline)?,
    };
    let body = match (&a.body, &a.body_paragraphs) {
        (Some(_), Some(_)) => {
            return Err("body: give `body` or `body_paragraphs`, not both".to_owned());
        }
        (Some(body), None) => html::sanitize_body(body),
        (None, Some(paragraphs)) => html::paragraphs_to_html(paragraphs),
        (None, None) => String::new(),
    };
    let summary = match &a.summary {
        Some(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        None => a
            .body_paragraphs
            .as_ref()
            .and_then(|p| p.first())
            .map(|first| super::shorten(first, 280)),
    };
    let status = match a.status.as_deref() {
        None => ArticleStatus::Published,
        Some(given) => given
            .parse()
            .map_err(|_| "status: must be `published`, `draft` or `archived`".to_owned())?,
    };
    let published_at = a
        .published_at
        .map(|t| match t {
            ImportTime::At(at) => at.naive_utc(),
            ImportTime::Day(day) => midnight_in(day, zone),
        })
        .or_else(|| a.page_date.map(|day| midnight_in(day, zone)))
        .or((status != ArticleStatus::Draft).then_some(now));
    let tags = a
        .tags
        .iter()
        .chain(&a.suggested_tags)
        .map(|t| named("tags", &t.named()))
        .collect::<Result<Vec<_>, _>>()?;
    let sources = a
        .sources
        .iter()
        .map(|s| {
            let (slug, name) = named(
                "sources",
                &ImportNamed {
                    name: s.name.clone(),
                    slug: s.slug.clone(),
                },
            )?;
            Ok((slug, name, s.url.clone()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Prepared {
        slug,
        headline,
        alternative_headline: a
            .alternative_headline
            .as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        summary,
        body,
        section_path: section_path(a)?,
        tags: dedup_by_slug(tags),
        sources: dedup_sources(sources),
        status,
        published_at,
        comments_enabled: a.comments_enabled.unwrap_or(true),
        author_email: a.author_email.clone(),
        byline: byline(a)?,
    })
}

/// The article's byline, or the first source's; one line of at most 200 characters.
fn byline(a: &ImportArticle) -> Result<Option<String>, String> {
    let given = a
        .byline
        .iter()
        .chain(a.sources.iter().filter_map(|s| s.byline.as_ref()))
        .map(|b| b.trim())
        .find(|b| !b.is_empty());
    match given {
        Some(b) if b.chars().count() > 200 || b.chars().any(char::is_control) => {
            Err("byline: must be one line of at most 200 characters".to_owned())
        }
        Some(b) => Ok(Some(b.to_owned())),
        None => Ok(None),
    }
}

/// The section and its parents, root first, from `breadcrumb` (minus a leading "Home").
fn section_path(a: &ImportArticle) -> Result<Vec<(String, String)>, String> {
    let leaf = named("section", &a.section)?;
    let mut crumbs: &[String] = &a.breadcrumb;
    if crumbs
        .first()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("home"))
    {
        crumbs = &crumbs[1..];
    }
    if let Some(last) = crumbs.last()
        && last.trim() != leaf.1
    {
        return Err(format!(
            "breadcrumb: must end with the section's name `{}`",
            leaf.1
        ));
    }
    let mut path = crumbs
        .iter()
        .take(crumbs.len().saturating_sub(1))
        .map(|name| {
            named(
                "breadcrumb",
                &ImportNamed {
                    name: name.clone(),
                    slug: None,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    path.push(leaf);
    Ok(path)
}

fn named(field: &str, n: &ImportNamed) -> Result<(String, String), String> {
    let name = required_text(field, &n.name, 200)?;
    let slug = match &n.slug {
        Some(s) => checked_slug(field, s)?,
        None => generated_slug(field, &name)?,
    };
    Ok((slug, name))
}

fn required_text(field: &str, value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{field}: must not be empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{field}: must be at most {max} characters"));
    }
    Ok(value.to_owned())
}

fn checked_slug(field: &str, value: &str) -> Result<String, String> {
    match slug::problem(value) {
        None => Ok(value.to_owned()),
        Some(problem) => Err(format!("{field}: slug {problem}")),
    }
}

fn generated_slug(field: &str, from: &str) -> Result<String, String> {
    let generated = slug::slugify(from);
    if generated.is_empty() {
        return Err(format!("{field}: no slug can be made from `{from}`; give one"));
    }
    Ok(generated)
}

fn dedup_by_slug(items: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|(slug, _)| seen.insert(slug.clone()))
        .collect()
}

fn dedup_sources(items: Vec<(String, String, Option<String>)>) -> Vec<(String, String, Option<String>)> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|(slug, _, _)| seen.insert(slug.clone()))
        .collect()
}

/// Writes one article through the domain's save path (the operator's change: a revision and an
/// audit entry by no user); true when it was created, false when an existing one was replaced.
/// The media item for an imported image: the one the article already shows when its files are
/// the same (a re-import; the new copies are then redundant), else a new one.
fn featured_media(
    conn: &mut DbConn,
    change: Change<'_>,
    existing: Option<&crate::models::article::Article>,
    image: &StoredImage,
    redundant: &mut Vec<String>,
) -> Result<i64, AppError> {
    let name = |files: &crate::models::media::Files| {
        files
            .full
            .as_ref()
            .and_then(|f| f.key.rsplit_once('/').map(|(_, name)| name.to_owned()))
    };
    let current = match existing.and_then(|a| a.featured_media_id) {
        Some(id) => crate::models::media::find(conn, id)?,
        None => None,
    };
    if let Some(current) = current
        && name(&current.files()).is_some()
        && name(&current.files()) == name(&image.ingested.files)
    {
        redundant.extend(image.ingested.files.keys());
        return Ok(current.id);
    }
    Ok(crate::domain::media::create(conn, change, &image.ingested.upload, &image.fields)?.id)
}

fn write_one(
    conn: &mut DbConn,
    p: &Prepared,
    image: Option<&StoredImage>,
    images: &BodyImages,
    now: NaiveDateTime,
    redundant: &mut Vec<String>,
) -> Result<(i64, bool), AppError> {
    let section = sections::ensure_path(conn, &p.section_path, now)?;
    let author_id = match &p.author_email {
        Some(email) => Some(
            user::find_by_email(conn, email)?
                .ok_or_else(|| {
                    AppError::invalid_field(
                        "author_email",
                        FieldCode::NotFound,
                        format!("no user has the e-mail `{email}`"),
                    )
                })?
                .id,
        ),
        None => None,
    };
    for (slug, name) in &p.tags {
        taxonomy::ensure::<Tags>(conn, slug, name, None, now)?;
    }
    for (slug, name, url) in &p.sources {
        taxonomy::ensure::<Sources>(conn, slug, name, url.as_deref(), now)?;
    }
    let fields = ArticleFields {
        slug: Some(p.slug.clone()),
        headline: p.headline.clone(),
        alternative_headline: p.alternative_headline.clone(),
        summary: p.summary.clone(),
        body: p.body.clone(),
        section,
        tags: p.tags.iter().map(|(slug, _)| slug.clone()).collect(),
        sources: p.sources.iter().map(|(slug, ..)| slug.clone()).collect(),
        status: Some(p.status),
        published_at: p.published_at.map(|at| at.and_utc()),
        comments_enabled: Some(p.comments_enabled),
        author_id,
        // No byline authors on create (the operator is no author); kept on a re-import.
        authors: None,
        byline: p.byline.clone(),
        seo: Default::default(),
        featured_media: None,
        announce_update: false,
    };
    let change = Change::by_operator(now);
    let existing = article::find_by_slug(conn, &p.slug)?;
    // The file's image, else (a re-import) the featured image an editor chose.
    let featured_media = match image {
        Some(image) => Some(featured_media(conn, change, existing.as_ref(), image, redundant)?),
        None => existing.as_ref().and_then(|a| a.featured_media_id),
    };
    let fields = ArticleFields {
        featured_media,
        ..fields
    };
    match existing {
        Some(existing) => {
            let saved = articles::save(
                conn,
                change,
                Some(&existing),
                fields,
                images,
                AuditAction::ArticleReplace,
            )?;
            Ok((saved.id, false))
        }
        None => {
            let saved = articles::save(conn, change, None, fields, images, AuditAction::ArticleCreate)?;
            Ok((saved.id, true))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_is_taken_in_the_zone_even_when_a_clock_change_skips_it() {
        let day = NaiveDate::from_ymd_opt(2025, 11, 12).unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(midnight_in(day, chrono_tz::UTC), at("2025-11-12 00:00"));
        assert_eq!(midnight_in(day, chrono_tz::Asia::Karachi), at("2025-11-11 19:00"));
        assert_eq!(
            midnight_in(day, chrono_tz::America::New_York),
            at("2025-11-12 05:00")
        );
        // Santiago moved its clocks from midnight to 01:00 on 2022-09-11: the day began at 01:00.
        let skipped = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
        assert_eq!(
            midnight_in(skipped, chrono_tz::America::Santiago),
            at("2022-09-11 04:00")
        );
    }
}
