//! The filters of the article list, checked before any query and resolved to ids inside it:
//! comma-separated slug lists (any of them), all-of tags, publication-time bounds, exclusions
//! and the batch form (`slug=a,b,c`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::http_cache::keys as cache_keys;
use crate::models::article::ArticleFilter;
use crate::models::taxonomy::{Sources, Tags, TermTable};
use crate::models::{author, section, site};

/// The most values a filter list takes (`tag=a,b,...`).
pub const MAX_FILTER_VALUES: usize = 20;
/// The most slugs `exclude` and the batch form (`slug`) take.
pub const MAX_SLUGS: usize = 100;

/// The spec's schema of `published_after` and `published_before`: what [`bound`] takes, an RFC
/// 3339 time or a date (formats `date-time` and `date`), so that other strings are invalid by
/// the schema, not only by the server.
pub struct TimeBound;

impl utoipa::PartialSchema for TimeBound {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
        let string = |format| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
        };
        AnyOfBuilder::new()
            .item(string(KnownFormat::DateTime))
            .item(string(KnownFormat::Date))
            .description(Some(
                "An RFC 3339 time (`2024-01-22T10:00:00Z`), or a date (`2024-01-22`: its midnight in the \
                 site's time zone); years 0 to 9999.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for TimeBound {}

/// A publication-time bound as given: an instant, or a day in the site's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    At(NaiveDateTime),
    Day(NaiveDate),
}

impl Bound {
    /// The instant in UTC: a day starts at midnight in the site's time zone.
    fn resolve(self, zone: chrono_tz::Tz) -> NaiveDateTime {
        match self {
            Self::At(at) => at,
            Self::Day(day) => crate::content::import::midnight_in(day, zone),
        }
    }
}

/// The filter parameters as given in a query string, lent by a struct that
/// [`with_article_filters`] declared.
#[derive(Debug, Clone, Copy, Default)]
pub struct FilterParams<'a> {
    pub section: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub all_tags: Option<&'a str>,
    pub source: Option<&'a str>,
    pub author: Option<&'a str>,
    pub exclude: Option<&'a str>,
    pub published_after: Option<&'a str>,
    pub published_before: Option<&'a str>,
}

/// Declares a query-string struct whose first members are the article list's filters
/// (`section`, `tag`, `all_tags`, `source`, `author`, `exclude`, `published_after`,
/// `published_before`), documented once, here, for every route that takes them (the list and
/// the search), followed by the members written in the invocation; and its `filters()`, which
/// lends them to [`Given::check`]. A macro because the two usual ways to share fields do not
/// apply: serde's `flatten` does not combine with `deny_unknown_fields`, and utoipa's
/// `IntoParams` does not flatten.
macro_rules! with_article_filters {
    ($(#[$meta:meta])* pub struct $name:ident { $($members:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// Only articles in this section or any of its sub-sections; several slugs,
            /// separated by commas, match any of them (at most 20).
            #[param(value_type = Option<Vec<crate::api::json::SlugText>>, style = Form, explode = false, max_items = 20, example = json!(["world-news"]))]
            pub section: Option<String>,
            /// Only articles with this tag; several slugs, separated by commas, match any of
            /// them (at most 20).
            #[param(value_type = Option<Vec<crate::api::json::SlugText>>, style = Form, explode = false, max_items = 20, example = json!(["pakistan", "iran"]))]
            pub tag: Option<String>,
            /// Only articles with every one of these tags (slugs separated by commas, at most 20).
            #[param(value_type = Option<Vec<crate::api::json::SlugText>>, style = Form, explode = false, max_items = 20, example = json!(["pakistan", "diplomacy"]))]
            pub all_tags: Option<String>,
            /// Only articles crediting this source; several slugs, separated by commas, match
            /// any of them (at most 20).
            #[param(value_type = Option<Vec<crate::api::json::SlugText>>, style = Form, explode = false, max_items = 20, example = json!(["agencies"]))]
            pub source: Option<String>,
            /// Only articles crediting this author in their byline (a public profile's slug,
            /// `GET /authors`); several, separated by commas, match any of them (at most 20).
            #[param(value_type = Option<Vec<crate::api::json::SlugText>>, style = Form, explode = false, max_items = 20, example = json!(["jane-doe"]))]
            pub author: Option<String>,
            /// Never these articles (slugs separated by commas, at most 100): "latest posts
            /// except this one".
            #[param(value_type = Option<Vec<crate::api::json::SlugText>>, style = Form, explode = false, max_items = 100, example = json!(["pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes"]))]
            pub exclude: Option<String>,
            /// Only articles published at or after this time: RFC 3339, or a date (its
            /// midnight in the site's time zone).
            #[param(value_type = Option<crate::api::articles::filters::TimeBound>, example = "2024-01-01")]
            pub published_after: Option<String>,
            /// Only articles published before this time: RFC 3339, or a date (its midnight in
            /// the site's time zone, so `2024-02-01` ends January).
            #[param(value_type = Option<crate::api::articles::filters::TimeBound>, example = "2024-02-01T00:00:00Z")]
            pub published_before: Option<String>,
            $($members)*
        }

        impl $name {
            /// The article list's filters, as given.
            pub fn filters(&self) -> crate::api::articles::filters::FilterParams<'_> {
                crate::api::articles::filters::FilterParams {
                    section: self.section.as_deref(),
                    tag: self.tag.as_deref(),
                    all_tags: self.all_tags.as_deref(),
                    source: self.source.as_deref(),
                    author: self.author.as_deref(),
                    exclude: self.exclude.as_deref(),
                    published_after: self.published_after.as_deref(),
                    published_before: self.published_before.as_deref(),
                }
            }
        }
    };
}
pub(crate) use with_article_filters;

/// The list's filters as given, each checked for form (not yet for existence).
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub sections: Vec<String>,
    pub tags: Vec<String>,
    pub all_tags: Vec<String>,
    pub sources: Vec<String>,
    pub authors: Vec<String>,
    pub exclude: Vec<String>,
    pub slugs: Option<Vec<String>>,
    pub published_after: Option<Bound>,
    pub published_before: Option<Bound>,
}

impl Given {
    /// Checks the form of every filter given, and of the batch form's `slug` list when there is
    /// one: 400 naming the parameter at the first fault.
    pub fn check(query: FilterParams<'_>, slug: Option<&str>) -> Result<Self, AppError> {
        let given = Self {
            sections: slug_list("section", query.section, MAX_FILTER_VALUES)?,
            tags: slug_list("tag", query.tag, MAX_FILTER_VALUES)?,
            all_tags: slug_list("all_tags", query.all_tags, MAX_FILTER_VALUES)?,
            sources: slug_list("source", query.source, MAX_FILTER_VALUES)?,
            authors: slug_list("author", query.author, MAX_FILTER_VALUES)?,
            exclude: slug_list("exclude", query.exclude, MAX_SLUGS)?,
            slugs: slug.map(|s| slug_list("slug", Some(s), MAX_SLUGS)).transpose()?,
            published_after: query
                .published_after
                .map(|v| bound("published_after", v))
                .transpose()?,
            published_before: query
                .published_before
                .map(|v| bound("published_before", v))
                .transpose()?,
        };
        Ok(given)
    }

    /// Whether anything narrows the list's membership (else it depends on every article).
    fn narrows_membership(&self) -> bool {
        !(self.sections.is_empty()
            && self.tags.is_empty()
            && self.all_tags.is_empty()
            && self.sources.is_empty()
            && self.authors.is_empty())
    }

    /// What the list's membership depends on, before anything is resolved: each named section
    /// or term (its membership and its own answer), or every public article.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for slug in &self.sections {
            keys.extend([cache_keys::in_section(slug), cache_keys::section(slug)]);
        }
        for slug in self.tags.iter().chain(&self.all_tags) {
            keys.extend([cache_keys::in_term("tag", slug), cache_keys::term("tag", slug)]);
        }
        for slug in &self.sources {
            keys.extend([
                cache_keys::in_term("source", slug),
                cache_keys::term("source", slug),
            ]);
        }
        // An author's list carries its keys once the slug is resolved (`resolve`).
        if !self.narrows_membership() {
            keys.push(cache_keys::ALL_ARTICLES.to_owned());
        }
        // Naming articles by slug (the batch form, `exclude`) depends on every public article's
        // slug: a rename or a newly published one may change the answer, and every public edit
        // invalidates `articles-search`.
        if self.slugs.is_some() || !self.exclude.is_empty() {
            keys.push(cache_keys::SEARCH.to_owned());
        }
        keys
    }

    /// Turns slugs into ids (a slug that names nothing is 404 naming the parameter) and days
    /// into instants; answers the filter and the keys learnt on the way (the authors').
    pub fn resolve(&self, conn: &mut DbConn) -> Result<(ArticleFilter, Vec<String>), AppError> {
        let mut filter = ArticleFilter::default();
        let mut keys = Vec::new();
        if !self.sections.is_empty() {
            let subtrees = section::subtrees_by_slugs(conn, &self.sections)?;
            for slug in &self.sections {
                let root = subtrees
                    .iter()
                    .find(|row| &row.slug == slug)
                    .ok_or_else(|| unknown("section", slug))?
                    .root;
                filter.section_roots.push(root);
            }
            let mut ids: Vec<i64> = subtrees.iter().map(|row| row.id).collect();
            ids.sort_unstable();
            ids.dedup();
            filter.section_ids = Some(ids);
        }
        filter.tag_ids = term_ids::<Tags>(conn, "tag", &self.tags)?;
        filter.all_tag_ids = term_ids::<Tags>(conn, "all_tags", &self.all_tags)?;
        filter.source_ids = term_ids::<Sources>(conn, "source", &self.sources)?;
        let found: HashMap<String, i64> = author::public_ids_by_slugs(conn, &self.authors)?
            .into_iter()
            .collect();
        for slug in &self.authors {
            let id = *found.get(slug).ok_or_else(|| unknown("author", slug))?;
            filter.author_ids.push(id);
            keys.extend([cache_keys::by_author(id), cache_keys::author(id)]);
        }
        filter.exclude_slugs = self.exclude.clone();
        filter.slugs = self.slugs.clone();
        if self.published_after.is_some() || self.published_before.is_some() {
            let zone = site::load(conn)?
                .time_zone
                .parse::<chrono_tz::Tz>()
                .unwrap_or(chrono_tz::UTC);
            filter.published_from = self.published_after.map(|b| b.resolve(zone));
            filter.published_before = self.published_before.map(|b| b.resolve(zone));
        }
        Ok((filter, keys))
    }
}

/// A comma-separated list of slugs: each well-formed, none twice, at most `max`; empty, none.
fn slug_list(param: &str, value: Option<&str>, max: usize) -> Result<Vec<String>, AppError> {
    // `tag=` is the empty list, as the spec's form-style array reads it: no filter.
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    let slugs: Vec<String> = value.split(',').map(str::to_owned).collect();
    if slugs.len() > max {
        return Err(AppError::bad_param(
            param,
            FieldCode::TooMany,
            format!("takes at most {max} slugs"),
        ));
    }
    for slug in &slugs {
        if let Some(problem) = crate::content::slug::problem(slug) {
            let shown: String = slug.chars().take(40).collect();
            return Err(AppError::bad_param(
                param,
                FieldCode::InvalidSlug,
                format!("`{shown}`: {problem}"),
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = slugs.iter().find(|s| !seen.insert(s.as_str())) {
        return Err(AppError::bad_param(
            param,
            FieldCode::Duplicate,
            format!("`{twice}` is listed twice"),
        ));
    }
    Ok(slugs)
}

/// An RFC 3339 time, or a `YYYY-MM-DD` date (a day in the site's time zone).
/// Years 0 to 9999 only: what RFC 3339 can write, and within both databases' range.
fn bound(param: &str, value: &str) -> Result<Bound, AppError> {
    use chrono::Datelike;
    let parsed = if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        Some(Bound::At(at.naive_utc()))
    } else {
        NaiveDate::parse_from_str(value, "%Y-%m-%d").ok().map(Bound::Day)
    };
    let year = match parsed {
        Some(Bound::At(at)) => at.year(),
        Some(Bound::Day(day)) => day.year(),
        None => -1,
    };
    match parsed {
        Some(bound) if (0..=9999).contains(&year) => Ok(bound),
        _ => Err(AppError::bad_param(
            param,
            FieldCode::InvalidTime,
            "must be an RFC 3339 time (2024-01-22T10:00:00Z) or a date (2024-01-22), years 0 to 9999",
        )),
    }
}

/// The ids of the terms `slugs` names, in one query; the first slug that names nothing is 404.
fn term_ids<K: TermTable>(conn: &mut DbConn, param: &str, slugs: &[String]) -> Result<Vec<i64>, AppError> {
    let found: HashMap<String, i64> = K::find_by_slugs(conn, slugs)?
        .into_iter()
        .map(|t| (t.slug, t.id))
        .collect();
    slugs
        .iter()
        .map(|slug| found.get(slug).copied().ok_or_else(|| unknown(param, slug)))
        .collect()
}

fn unknown(param: &str, slug: &str) -> AppError {
    AppError::NotFound {
        detail: format!("Nothing has the slug `{slug}` given in `{param}`."),
        errors: vec![FieldError::new(
            param,
            FieldCode::NotFound,
            format!("nothing has the slug `{slug}`"),
        )],
    }
}
