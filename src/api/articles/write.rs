//! Protected article writes: create, replace, partial update, delete.
//!
//! Every write resolves to one [`ArticleInput`] and goes through [`save`], so create, replace
//! and patch share one set of rules. Roles: editors and admins write anything; authors create
//! drafts and change or delete only their own drafts, and may not set the status (beyond
//! `draft`), `published_at` or `author_id`: such a field is refused with 403 naming it.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, patch, post, put, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::history::{self, ArticleSnapshot};
use super::{ArticleDetail, ArticleStatus, article_not_found, detail};
use crate::api::audit;
use crate::api::json::{BodySize, RequestBody, SlugText, ValidJson, double_option, non_null, rules};
use crate::api::preconditions::{self, IfMatch};
use crate::auth::AuthUser;
use crate::content::{html, slug as slugs};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldError, Problem};
use crate::models::article::{self, Article, NewArticle};
use crate::models::{available_slug, section, source, tag, user};
use crate::state::AppState;

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
    /// kept as it is when absent on replace.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(required, length(max = 300), custom(function = "rules::name"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 300, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub headline: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::name"))]
    #[schema(
        max_length = 300,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub alternative_headline: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    /// HTML; sanitized to the news allow-list (README) before it is stored.
    #[validate(length(max = 500000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 500000)]
    pub body: Option<String>,
    /// The section's slug.
    #[validate(required, custom(function = "rules::slug"))]
    #[schema(value_type = String, required = true, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
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
    /// A new slug; the old one keeps redirecting here.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 300, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub headline: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300), custom(function = "rules::name"))]
    #[schema(value_type = Option<String>, max_length = 300, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub alternative_headline: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub summary: Option<Option<String>>,
    #[validate(length(max = 500000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 500000)]
    pub body: Option<String>,
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
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
    /// `true` marks a real update of a published story (not a typo fix): the public
    /// `public_updated_at` is set to now.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub announce_update: Option<bool>,
}

impl RequestBody for ArticlePatch {
    const SIZE: BodySize = BodySize::Large;
}

/// Fields an author set that only editors may set.
fn forbidden_for_author(
    status: Option<ArticleStatus>,
    published_at: bool,
    author_id: bool,
) -> Vec<FieldError> {
    let mut fields = Vec::new();
    if status.is_some_and(|s| s != ArticleStatus::Draft) {
        fields.push(FieldError::new(
            "status",
            "forbidden",
            "authors can only save drafts",
        ));
    }
    if published_at {
        fields.push(FieldError::new(
            "published_at",
            "forbidden",
            "only editors set the publication time",
        ));
    }
    if author_id {
        fields.push(FieldError::new(
            "author_id",
            "forbidden",
            "only editors set the author",
        ));
    }
    fields
}

fn refuse(fields: Vec<FieldError>) -> Result<(), AppError> {
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
    if caller.role.is_editorial() || (article.author_id == Some(caller.id) && article.status == "draft") {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Authors can only change or delete their own drafts.",
        ))
    }
}

/// The article `slug` (not in the trash) as its writer may see it, or 404.
pub fn find_for_write(
    conn: &mut DbConn,
    caller: &AuthUser,
    slug: &str,
    now: NaiveDateTime,
) -> Result<Article, AppError> {
    let article = article::find_live_by_slug(conn, slug)?.ok_or_else(article_not_found)?;
    // An author learns nothing about other people's unpublished work.
    if !caller.role.is_editorial()
        && article.author_id != Some(caller.id)
        && !article::is_visible(&article, now)
    {
        return Err(article_not_found());
    }
    Ok(article)
}

/// Checks `If-Match` (required for article writes) against the stored version; a stale one is
/// 412 with the current article in the body.
pub fn check_if_match(conn: &mut DbConn, if_match: &IfMatch, article: &Article) -> Result<(), AppError> {
    if_match.check(article.version, true, || current_json(conn, article.id))
}

fn current_json(conn: &mut DbConn, id: i64) -> Result<serde_json::Value, AppError> {
    let (article, section, author) = article::find_with_section(conn, id)?.ok_or_else(article_not_found)?;
    serde_json::to_value(detail(conn, article, section, author)?).map_err(AppError::internal)
}

/// Claims the next version of `current`: if another write moved it on since it was read, the
/// answer is 412 and nothing is written. Two racing writers cannot both pass.
fn claim_version(conn: &mut DbConn, current: &Article) -> Result<(), AppError> {
    if article::bump_version(conn, current.id, current.version)? {
        return Ok(());
    }
    let (latest, ..) = article::find_with_section(conn, current.id)?.ok_or_else(article_not_found)?;
    Err(preconditions::stale(
        latest.version,
        current_json(conn, current.id)?,
    ))
}

/// Writes `input` as a new article (`existing` is `None`) or over `existing`, then records a
/// revision and an audit entry. The one path of every article write.
pub fn save(
    conn: &mut DbConn,
    caller: &AuthUser,
    existing: Option<&Article>,
    input: ArticleInput,
    now: NaiveDateTime,
    action: &str,
) -> Result<Article, AppError> {
    let mut invalid = Vec::new();
    let section_slug = input.section.clone().unwrap_or_default();
    let section_id = section::find_by_slug(conn, &section_slug)?.map(|s| s.id);
    if section_id.is_none() {
        invalid.push(FieldError::new(
            "section",
            "not_found",
            "no section has this slug",
        ));
    }
    let tag_ids = resolve_all(
        conn,
        "tags",
        input.tags.as_deref().unwrap_or_default(),
        &mut invalid,
        |c, s| Ok(tag::find_by_slug(c, s)?.map(|t| t.id)),
    )?;
    let source_ids = resolve_all(
        conn,
        "sources",
        input.sources.as_deref().unwrap_or_default(),
        &mut invalid,
        |c, s| Ok(source::find_by_slug(c, s)?.map(|t| t.id)),
    )?;
    let author_id = match input.author_id {
        Some(id) if user::find(conn, id)?.is_none() => {
            invalid.push(FieldError::new("author_id", "not_found", "no user has this id"));
            None
        }
        Some(id) => Some(id),
        None if existing.is_none() => Some(caller.id),
        None => None,
    };
    let status = input.status.unwrap_or(ArticleStatus::Draft);
    let published_at = match (status, input.published_at) {
        (_, Some(at)) => Some(at.naive_utc()),
        (ArticleStatus::Published, None) => Some(now),
        (_, None) => None,
    };
    if !invalid.is_empty() {
        return Err(AppError::Validation(invalid));
    }
    let headline = input.headline.as_deref().unwrap_or_default().trim().to_owned();
    let slug = choose_slug(conn, existing, input.slug.as_deref(), &headline)?;
    let body = html::sanitize_body(input.body.as_deref().unwrap_or_default());
    let row = NewArticle {
        slug: &slug,
        headline: &headline,
        alternative_headline: trimmed(input.alternative_headline.as_deref()),
        summary: trimmed(input.summary.as_deref()),
        body: &body,
        section_id: section_id.unwrap_or_default(),
        author_id,
        status: status.as_str(),
        published_at,
        comments_enabled: input.comments_enabled.unwrap_or(true),
        created_at: now,
        updated_at: now,
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
    tag::set_for_article(conn, saved.id, &tag_ids)?;
    source::set_for_article(conn, saved.id, &source_ids)?;
    let text = html::search_text(
        &saved.headline,
        saved.alternative_headline.as_deref(),
        saved.summary.as_deref(),
        &saved.body,
    );
    article::set_search_text(conn, saved.id, &text)?;
    if input.announce_update == Some(true) {
        article::set_public_updated_at(conn, saved.id, now)?;
    }
    let revision = history::record(conn, caller, &saved, now)?;
    audit::record(
        conn,
        caller,
        action,
        "article",
        saved.id,
        Some(format!("{slug} (revision {revision})")),
        now,
    )?;
    Ok(saved)
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Resolves slugs to ids; each unknown one is reported as `field[index]`.
fn resolve_all(
    conn: &mut DbConn,
    field: &str,
    slugs: &[String],
    invalid: &mut Vec<FieldError>,
    mut find: impl FnMut(&mut DbConn, &str) -> Result<Option<i64>, AppError>,
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(slugs.len());
    for (index, slug) in slugs.iter().enumerate() {
        match find(conn, slug)? {
            Some(id) => ids.push(id),
            None => invalid.push(FieldError::new(
                format!("{field}[{index}]"),
                "not_found",
                format!("no {} has the slug `{slug}`", field.trim_end_matches('s')),
            )),
        }
    }
    Ok(ids)
}

/// The given slug if free (409 if another article has or had it), the current one, or one
/// generated from the headline and made unique.
fn choose_slug(
    conn: &mut DbConn,
    existing: Option<&Article>,
    given: Option<&str>,
    headline: &str,
) -> Result<String, AppError> {
    let me = existing.map(|a| a.id);
    match (given, existing) {
        (Some(given), _) => {
            if article::slug_taken(conn, given, me)? {
                return Err(AppError::Conflict {
                    detail: "Another article has or had this slug.".to_owned(),
                    errors: vec![FieldError::new("slug", "taken", "is used by another article")],
                });
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

fn apply_patch(mut input: ArticleInput, patch: ArticlePatch) -> ArticleInput {
    macro_rules! overlay {
        ($($field:ident),*) => { $( if let Some(value) = patch.$field { input.$field = Some(value); } )* };
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
        announce_update
    );
    if let Some(value) = patch.alternative_headline {
        input.alternative_headline = value;
    }
    if let Some(value) = patch.summary {
        input.summary = value;
    }
    if let Some(value) = patch.published_at {
        input.published_at = value;
    }
    if let Some(value) = patch.author_id {
        input.author_id = value;
    }
    input
}

/// The article as stored, answered with its ETag (and `Location` on create).
pub async fn respond_with_detail(state: &AppState, id: i64, created: bool) -> Result<HttpResponse, AppError> {
    let (body, version): (ArticleDetail, i32) = db::run(&state.pool, move |conn| {
        let (article, section, author) =
            article::find_with_section(conn, id)?.ok_or_else(article_not_found)?;
        let version = article.version;
        Ok((detail(conn, article, section, author)?, version))
    })
    .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header(("Location", format!("/api/v1/articles/{}", body.slug)))
        .insert_header((header::ETAG, preconditions::etag(version)))
        .json(body))
}

/// Creates an article. Authors create drafts; editors may publish or schedule at once.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    request_body = ArticleInput,
    responses(
        (status = 201, description = "Created; `Location` is its URL, `ETag` its version.", body = ArticleDetail,
            headers(("ETag" = String, description = "The version, for If-Match on later writes."))),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not set a field given; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken (now or formerly) by another article.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing, malformed, unknown or refer to nothing; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<ArticleInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    if !caller.role.is_editorial() {
        refuse(forbidden_for_author(
            input.status,
            input.published_at.is_some(),
            input.author_id.is_some(),
        ))?;
    }
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            save(conn, &caller, None, input, now, "article.create")
        })
    })
    .await?;
    respond_with_detail(&state, saved.id, true).await
}

/// Replaces an article with the body given: absent optional fields are cleared (the slug is
/// kept when absent). Needs `If-Match` with the ETag of the version it replaces.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "The ETag of the version this write is based on, e.g. `\"v3\"`."),
    ),
    request_body = ArticleInput,
    responses(
        (status = 200, description = "Replaced; `ETag` is the new version.", body = ArticleDetail,
            headers(("ETag" = String, description = "The new version."))),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft, or a field the role may not set; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken (now or formerly) by another article.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing, malformed, unknown or refer to nothing; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/articles/{slug}")]
pub async fn replace_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<ArticleInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    if !caller.role.is_editorial() {
        refuse(forbidden_for_author(
            input.status,
            input.published_at.is_some(),
            input.author_id.is_some(),
        ))?;
    }
    let slug = slug.into_inner();
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = find_for_write(conn, &caller, &slug, now)?;
            check_may_change(&caller, &current)?;
            check_if_match(conn, &if_match, &current)?;
            let input = ArticleInput {
                // A replace that does not name an author keeps the current one.
                author_id: input.author_id.or(current.author_id),
                ..input
            };
            save(conn, &caller, Some(&current), input, now, "article.replace")
        })
    })
    .await?;
    respond_with_detail(&state, saved.id, false).await
}

/// Changes some fields of an article; absent fields stay as they are. Needs `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "The ETag of the version this write is based on, e.g. `\"v3\"`."),
    ),
    request_body = ArticlePatch,
    responses(
        (status = 200, description = "Updated; `ETag` is the new version.", body = ArticleDetail,
            headers(("ETag" = String, description = "The new version."))),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft, or a field the role may not set; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken (now or formerly) by another article.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are malformed, unknown or refer to nothing; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/articles/{slug}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<ArticlePatch>,
) -> Result<HttpResponse, AppError> {
    let patch = body.0;
    if !caller.role.is_editorial() {
        refuse(forbidden_for_author(
            patch.status,
            patch.published_at.is_some(),
            patch.author_id.is_some(),
        ))?;
    }
    let slug = slug.into_inner();
    let now = state.now();
    let saved = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = find_for_write(conn, &caller, &slug, now)?;
            check_may_change(&caller, &current)?;
            check_if_match(conn, &if_match, &current)?;
            let clears_time = matches!(patch.published_at, Some(None));
            let input = apply_patch(history::snapshot(conn, &current)?.into(), patch);
            if clears_time && input.status == Some(ArticleStatus::Published) {
                // Clearing the time of a published article is refused rather than guessed.
                return Err(AppError::invalid_field(
                    "published_at",
                    "required",
                    "a published article needs a publication time",
                ));
            }
            save(conn, &caller, Some(&current), input, now, "article.update")
        })
    })
    .await?;
    respond_with_detail(&state, saved.id, false).await
}

/// Moves an article to the trash: invisible everywhere, restorable by editors until it is
/// purged (`DATELINE_TRASH_RETENTION_DAYS`). Needs `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#, description = "The ETag of the version being deleted, e.g. `\"v3\"`."),
    ),
    responses(
        (status = 204, description = "Moved to the trash."),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was deleted.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{slug}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let now = state.now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = find_for_write(conn, &caller, &slug, now)?;
            check_may_change(&caller, &current)?;
            check_if_match(conn, &if_match, &current)?;
            claim_version(conn, &current)?;
            article::set_trashed(conn, current.id, Some(now), now)?;
            audit::record(
                conn,
                &caller,
                "article.trash",
                "article",
                current.id,
                Some(current.slug.clone()),
                now,
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
            announce_update: None,
        }
    }
}
