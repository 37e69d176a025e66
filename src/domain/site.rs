//! The site settings: what a frontend needs around the articles (name, public address, language
//! and time zone, publisher, "Stay Connected" links, main navigation, permalink pattern), and
//! the rules a change must keep.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Change;
use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::section::SectionTree;
use crate::models::site::{self, SiteRow};
use crate::values::AuditAction;

/// Placeholders a permalink pattern may use.
pub const PERMALINK_PLACEHOLDERS: [&str; 6] = ["{section}", "{slug}", "{yyyy}", "{mm}", "{dd}", "{id}"];

/// One "Stay Connected" link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialLink {
    pub network: String,
    pub label: String,
    pub url: String,
}

/// One navigation entry: a section (stored by id, so a renamed section keeps its place) or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredNavLink {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A navigation entry as edited: a section by slug, or a URL.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub label: String,
    pub section: Option<String>,
    pub url: Option<String>,
}

/// The whole settings, as a change gives them.
#[derive(Debug, Clone)]
pub struct Settings {
    pub name: String,
    pub description: Option<String>,
    pub base_url: String,
    pub language: String,
    pub time_zone: String,
    pub publisher_name: Option<String>,
    pub social_links: Vec<SocialLink>,
    pub navigation: Vec<NavLink>,
    pub permalink: String,
    pub logo_url: Option<String>,
    pub social_image_url: Option<String>,
    /// A media library item: the logo (its URL wins over `logo_url`).
    pub logo_media: Option<i64>,
    /// A media library item: the default share image (wins over `social_image_url`).
    pub social_image_media: Option<i64>,
}

/// The stored lists, read back (they were validated when stored).
pub fn social_links(row: &SiteRow) -> Vec<SocialLink> {
    serde_json::from_str(&row.social_links).unwrap_or_default()
}

pub fn navigation(row: &SiteRow) -> Vec<StoredNavLink> {
    serde_json::from_str(&row.navigation).unwrap_or_default()
}

/// The settings as stored now, in the form a change gives them (navigation by section slug;
/// an entry whose section was deleted is left out).
pub fn current(row: &SiteRow, tree: &SectionTree) -> Settings {
    Settings {
        name: row.name.clone(),
        description: row.description.clone(),
        base_url: row.base_url.clone(),
        language: row.language.clone(),
        time_zone: row.time_zone.clone(),
        publisher_name: row.publisher_name.clone(),
        social_links: social_links(row),
        navigation: navigation(row)
            .into_iter()
            .filter_map(|link| match link.section_id {
                Some(id) => tree.get(id).map(|s| NavLink {
                    label: link.label,
                    section: Some(s.slug.clone()),
                    url: None,
                }),
                None => Some(NavLink {
                    label: link.label,
                    section: None,
                    url: link.url,
                }),
            })
            .collect(),
        permalink: row.permalink.clone(),
        logo_url: row.logo_url.clone(),
        social_image_url: row.social_image_url.clone(),
        logo_media: row.logo_media_id,
        social_image_media: row.social_image_media_id,
    }
}

/// Replaces the settings with `settings` (the caller checked the version it read against
/// If-Match), after the checks only the server can make: the time zone and language exist, the
/// permalink pattern is usable, the navigation's sections exist. 422 names every field at fault.
pub fn update(
    conn: &mut DbConn,
    change: Change<'_>,
    current: &SiteRow,
    tree: &SectionTree,
    settings: Settings,
) -> Result<SiteRow, AppError> {
    let mut invalid = Vec::new();
    check_base_url(&settings.base_url, &mut invalid);
    if chrono_tz::Tz::from_str(&settings.time_zone).is_err() {
        invalid.push(FieldError::new(
            "time_zone",
            FieldCode::UnknownTimeZone,
            "must be an IANA time zone name, such as `Europe/London` or `Asia/Karachi`",
        ));
    }
    if language_tags::LanguageTag::parse(&settings.language).is_err() {
        invalid.push(FieldError::new(
            "language",
            FieldCode::InvalidLanguage,
            "must be a BCP 47 language tag, such as `en` or `en-GB`",
        ));
    }
    if let Some(problem) = permalink_problem(&settings.permalink) {
        invalid.push(FieldError::new("permalink", FieldCode::InvalidPermalink, problem));
    }
    let navigation = stored_navigation(&settings.navigation, tree, &mut invalid);
    let images = [settings.logo_media, settings.social_image_media];
    let found = crate::models::media::by_ids(conn, &images.iter().flatten().copied().collect::<Vec<_>>())?;
    for (field, id) in [
        ("logo_media", settings.logo_media),
        ("social_image_media", settings.social_image_media),
    ] {
        if id.is_some_and(|id| !found.contains_key(&id)) {
            invalid.push(FieldError::new(
                field,
                FieldCode::NotFound,
                "no media item has this id",
            ));
        }
    }
    if !invalid.is_empty() {
        return Err(AppError::Validation(invalid));
    }
    let row = SiteRow {
        id: current.id,
        name: settings.name,
        description: settings.description,
        base_url: settings.base_url.trim_end_matches('/').to_owned(),
        language: settings.language,
        time_zone: settings.time_zone,
        publisher_name: settings.publisher_name,
        social_links: serde_json::to_string(&settings.social_links).map_err(AppError::internal)?,
        navigation: serde_json::to_string(&navigation).map_err(AppError::internal)?,
        permalink: settings.permalink,
        version: current.version + 1,
        updated_at: change.at,
        logo_url: settings.logo_url,
        social_image_url: settings.social_image_url,
        logo_media_id: settings.logo_media,
        social_image_media_id: settings.social_image_media,
    };
    if !site::save(conn, &row, current.version)? {
        return Err(super::stale(current.version + 1));
    }
    change.audit(conn, AuditAction::SiteUpdate, row.id, None)?;
    Ok(row)
}

/// How the public website's URLs are made from the settings: articles by the permalink pattern,
/// sections at `{base_url}/{section}`, tags at `{base_url}/tag/{slug}`, sources at
/// `{base_url}/source/{slug}` and authors at `{base_url}/author/{slug}`.
#[derive(Debug, Clone)]
pub struct SiteUrls {
    base: String,
    permalink: String,
    time_zone: chrono_tz::Tz,
}

impl SiteUrls {
    pub fn new(row: &SiteRow) -> Self {
        Self {
            base: row.base_url.trim_end_matches('/').to_owned(),
            permalink: row.permalink.clone(),
            time_zone: chrono_tz::Tz::from_str(&row.time_zone).unwrap_or(chrono_tz::UTC),
        }
    }

    /// The home page.
    pub fn home(&self) -> String {
        format!("{}/", self.base)
    }

    /// An article's canonical URL. The date placeholders take the publication date in the
    /// site's time zone (the creation date for a draft without one).
    pub fn article(&self, slug: &str, section: &str, id: i64, dated: chrono::NaiveDateTime) -> String {
        let local = dated.and_utc().with_timezone(&self.time_zone);
        let path = self
            .permalink
            .replace("{section}", section)
            .replace("{slug}", slug)
            .replace("{yyyy}", &local.format("%Y").to_string())
            .replace("{mm}", &local.format("%m").to_string())
            .replace("{dd}", &local.format("%d").to_string())
            .replace("{id}", &id.to_string());
        format!("{}{path}", self.base)
    }

    pub fn section(&self, slug: &str) -> String {
        format!("{}/{slug}", self.base)
    }

    /// A tag's, source's or author's page: `{base_url}/{kind}/{slug}`.
    pub fn page(&self, kind: &str, slug: &str) -> String {
        format!("{}/{kind}/{slug}", self.base)
    }
}

/// `url` made absolute for crawlers and link previews: a root-relative one (`/media/...`, media
/// on the local disk without an absolute `DATELINE_MEDIA_PUBLIC_URL`) is taken to be served by the
/// public website at `base_url`.
pub fn absolute(base_url: &str, url: &str) -> String {
    if url.starts_with('/') && !url.starts_with("//") {
        format!("{}{url}", base_url.trim_end_matches('/'))
    } else {
        url.to_owned()
    }
}

/// The public website's origin (and path prefix, if the site lives under one): http(s), no
/// query or fragment, since article URLs are built by appending paths to it.
fn check_base_url(url: &str, invalid: &mut Vec<FieldError>) {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let problem = match rest {
        None => Some("must start with https:// or http://"),
        Some(rest) if rest.is_empty() || rest.starts_with('/') => Some("must name a host"),
        Some(rest) if rest.contains(['?', '#']) => Some("must have no query or fragment"),
        Some(rest) if rest.chars().any(crate::content::text::is_url_blank) => {
            Some("must not contain spaces or control characters")
        }
        Some(_) => None,
    };
    if let Some(problem) = problem {
        invalid.push(FieldError::new("base_url", FieldCode::InvalidBaseUrl, problem));
    }
}

/// Why `pattern` cannot make article URLs, if it cannot: it must be a path, use only the known
/// placeholders, and name the article uniquely (`{slug}` or `{id}`).
pub fn permalink_problem(pattern: &str) -> Option<String> {
    if !pattern.starts_with('/') {
        return Some("must start with `/`".to_owned());
    }
    if pattern.contains(['?', '#']) || pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must be a path: no spaces, query or fragment".to_owned());
    }
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Some("has a `{` without its `}`".to_owned());
        };
        let placeholder = &rest[open..open + close + 1];
        if !PERMALINK_PLACEHOLDERS.contains(&placeholder) {
            return Some(format!(
                "uses `{placeholder}`; the placeholders are {}",
                PERMALINK_PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Some("has a `}` without its `{`".to_owned());
    }
    if !pattern.contains("{slug}") && !pattern.contains("{id}") {
        return Some("must contain `{slug}` or `{id}`, so that each article has its own URL".to_owned());
    }
    None
}

/// The navigation as stored: sections by id. Each entry names a section or a URL, not both.
fn stored_navigation(
    links: &[NavLink],
    tree: &SectionTree,
    invalid: &mut Vec<FieldError>,
) -> Vec<StoredNavLink> {
    let mut stored = Vec::new();
    for (i, link) in links.iter().enumerate() {
        match (&link.section, &link.url) {
            (Some(slug), None) => match tree.by_slug(slug) {
                Some(section) => stored.push(StoredNavLink {
                    label: link.label.clone(),
                    section_id: Some(section.id),
                    url: None,
                }),
                None => invalid.push(FieldError::new(
                    format!("navigation[{i}].section"),
                    FieldCode::NotFound,
                    format!("no section has the slug `{slug}`"),
                )),
            },
            (None, Some(url)) => stored.push(StoredNavLink {
                label: link.label.clone(),
                section_id: None,
                url: Some(url.clone()),
            }),
            _ => invalid.push(FieldError::new(
                format!("navigation[{i}]"),
                FieldCode::OneTarget,
                "must give either `section` or `url`",
            )),
        }
    }
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_urls_follow_the_pattern_with_dates_in_the_site_time_zone() {
        let row = SiteRow {
            id: 1,
            name: "Dateline".into(),
            description: None,
            base_url: "https://news.example.com".into(),
            language: "en".into(),
            time_zone: "Asia/Karachi".into(),
            publisher_name: None,
            social_links: "[]".into(),
            navigation: "[]".into(),
            permalink: "/{yyyy}/{mm}/{dd}/{section}/{id}-{slug}".into(),
            version: 1,
            updated_at: chrono::NaiveDateTime::default(),
            logo_url: None,
            social_image_url: None,
            logo_media_id: None,
            social_image_media_id: None,
        };
        // 21:30 UTC on 31 December is already 1 January in Karachi (UTC+5).
        let at = chrono::NaiveDate::from_ymd_opt(2023, 12, 31)
            .and_then(|d| d.and_hms_opt(21, 30, 0))
            .expect("a date");
        let urls = SiteUrls::new(&row);
        assert_eq!(
            urls.article("talks", "world-news", 7, at),
            "https://news.example.com/2024/01/01/world-news/7-talks"
        );
        assert_eq!(urls.section("world-news"), "https://news.example.com/world-news");
        assert_eq!(
            urls.page("author", "jane"),
            "https://news.example.com/author/jane"
        );
    }

    #[test]
    fn permalink_patterns_are_paths_with_known_placeholders_and_a_unique_part() {
        for good in [
            "/{section}/{slug}",
            "/{yyyy}/{mm}/{dd}/{slug}",
            "/news/{id}",
            "/a/{id}-{slug}",
        ] {
            assert_eq!(permalink_problem(good), None, "{good}");
        }
        for bad in [
            "{section}/{slug}",
            "/{section}",
            "/{author}/{slug}",
            "/{slug",
            "/slug}",
            "/{slug}?x=1",
            "/{ slug }",
        ] {
            assert!(permalink_problem(bad).is_some(), "{bad}");
        }
    }
}
