//! Protected article writes: create, replace, partial update, delete.
//!
//! Every write resolves to one [`ArticleInput`] and goes through [`save`], so create, replace
//! and patch share one set of rules. Roles: editors and admins write anything; authors create
//! drafts and change or delete only their own drafts, and may not set the status (beyond
//! `draft`), `published_at` or `author_id`: such a field is refused with 403 naming it.

use actix_web::{HttpResponse, delete, patch, post, put, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{ArticleDetail, ArticleStatus, article_not_found, detail};
use crate::api::json::{BodySize, RequestBody, ValidJson, double_option, rules};
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
    pub slug: Option<String>,
    #[validate(required, length(max = 300), custom(function = "rules::name"))]
    pub headline: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::name"))]
    pub alternative_headline: Option<String>,
    #[validate(length(max = 2000))]
    pub summary: Option<String>,
    /// HTML; sanitized to the news allow-list (README) before it is stored.
    #[validate(length(max = 500000))]
    pub body: Option<String>,
    /// The section's slug.
    #[validate(required, custom(function = "rules::slug"))]
    pub section: Option<String>,
    /// Tag slugs, in order (existing tags).
    #[validate(length(max = 30), custom(function = "rules::slugs"))]
    pub tags: Option<Vec<String>>,
    /// Source slugs, in order (existing sources).
    #[validate(length(max = 10), custom(function = "rules::slugs"))]
    pub sources: Option<Vec<String>>,
    /// `draft` unless given. Authors may only give `draft`.
    pub status: Option<ArticleStatus>,
    /// May lie in the future (scheduled). Set to now when publishing without one. Editors only.
    pub published_at: Option<DateTime<Utc>>,
    /// `true` unless given.
    pub comments_enabled: Option<bool>,
    /// The author's user id; the caller unless given. Editors only.
    #[validate(range(min = 1))]
    pub author_id: Option<i64>,
}

impl RequestBody for ArticleInput {
    const SIZE: BodySize = BodySize::Large;
}

/// Changes to an article: absent fields stay as they are; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"headline": "Corrected headline", "tags": ["pakistan", "iran", "diplomacy"]}))]
pub struct ArticlePatch {
    #[validate(custom(function = "rules::slug"))]
    pub slug: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::name"))]
    pub headline: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300), custom(function = "rules::name"))]
    pub alternative_headline: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    pub summary: Option<Option<String>>,
    #[validate(length(max = 500000))]
    pub body: Option<String>,
    #[validate(custom(function = "rules::slug"))]
    pub section: Option<String>,
    #[validate(length(max = 30), custom(function = "rules::slugs"))]
    pub tags: Option<Vec<String>>,
    #[validate(length(max = 10), custom(function = "rules::slugs"))]
    pub sources: Option<Vec<String>>,
    pub status: Option<ArticleStatus>,
    #[serde(default, deserialize_with = "double_option")]
    pub published_at: Option<Option<DateTime<Utc>>>,
    pub comments_enabled: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    pub author_id: Option<Option<i64>>,
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
fn check_may_change(caller: &AuthUser, article: &Article) -> Result<(), AppError> {
    if caller.role.is_editorial() || (article.author_id == Some(caller.id) && article.status == "draft") {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Authors can only change or delete their own drafts.",
        ))
    }
}

/// The article `slug` as its writer may see it, or 404.
fn find_for_write(
    conn: &mut DbConn,
    caller: &AuthUser,
    slug: &str,
    now: NaiveDateTime,
) -> Result<Article, AppError> {
    let article = article::find_by_slug(conn, slug)?.ok_or_else(article_not_found)?;
    // An author learns nothing about other people's unpublished work.
    if !caller.role.is_editorial()
        && article.author_id != Some(caller.id)
        && !article::is_visible(&article, now)
    {
        return Err(article_not_found());
    }
    Ok(article)
}

/// Writes `input` as a new article (`existing` is `None`) or over `existing`.
fn save(
    conn: &mut DbConn,
    caller: &AuthUser,
    existing: Option<&Article>,
    input: ArticleInput,
    now: NaiveDateTime,
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
        None => existing.map_or(Some(caller.id), |a| a.author_id),
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
        Some(current) => article::replace(conn, current.id, &row)?,
        None => article::insert(conn, &row)?,
    };
    tag::set_for_article(conn, saved.id, &tag_ids)?;
    source::set_for_article(conn, saved.id, &source_ids)?;
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

/// The given slug if free (409 if another article has it), the current one, or one generated
/// from the headline and made unique.
fn choose_slug(
    conn: &mut DbConn,
    existing: Option<&Article>,
    given: Option<&str>,
    headline: &str,
) -> Result<String, AppError> {
    match (given, existing) {
        (Some(given), current) => {
            let unchanged = current.is_some_and(|a| a.slug == given);
            if !unchanged && article::slug_exists(conn, given)? {
                return Err(AppError::Conflict {
                    detail: "Another article has this slug.".to_owned(),
                    errors: vec![FieldError::new("slug", "taken", "is used by another article")],
                });
            }
            Ok(given.to_owned())
        }
        (None, Some(current)) => Ok(current.slug.clone()),
        (None, None) => {
            let base = slugs::slugify(headline);
            if base.is_empty() {
                return Err(AppError::invalid_field(
                    "slug",
                    "required",
                    "cannot be made from this headline; give a slug",
                ));
            }
            Ok(available_slug(&base, |candidate| {
                article::slug_exists(conn, candidate)
            })?)
        }
    }
}

/// The article as it stands, as a whole input (for applying a patch over it).
fn current_input(conn: &mut DbConn, article: &Article) -> Result<ArticleInput, AppError> {
    let section_slug = section::find_by_id(conn, article.section_id)?.map(|s| s.slug);
    let tags = tag::for_articles(conn, &[article.id])?
        .into_iter()
        .map(|(_, t)| t.slug)
        .collect();
    let sources = source::for_articles(conn, &[article.id])?
        .into_iter()
        .map(|(_, s)| s.slug)
        .collect();
    Ok(ArticleInput {
        slug: Some(article.slug.clone()),
        headline: Some(article.headline.clone()),
        alternative_headline: article.alternative_headline.clone(),
        summary: article.summary.clone(),
        body: Some(article.body.clone()),
        section: section_slug,
        tags: Some(tags),
        sources: Some(sources),
        status: ArticleStatus::parse(&article.status),
        published_at: article.published_at.map(|at| at.and_utc()),
        comments_enabled: Some(article.comments_enabled),
        author_id: article.author_id,
    })
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
        comments_enabled
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

async fn respond_with_detail(state: &AppState, id: i64, created: bool) -> Result<HttpResponse, AppError> {
    let body: ArticleDetail = db::run(&state.pool, move |conn| {
        let (article, section, author) =
            article::find_with_section(conn, id)?.ok_or_else(article_not_found)?;
        detail(conn, article, section, author)
    })
    .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header(("Location", format!("/api/v1/articles/{}", body.slug)))
        .json(body))
}

/// Creates an article. Authors create drafts; editors may publish or schedule at once.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    request_body = ArticleInput,
    responses(
        (status = 201, description = "Created; `Location` is its URL.", body = ArticleDetail),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not set a field given; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken.", body = Problem, content_type = "application/problem+json"),
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
        db::write(conn, |conn| save(conn, &caller, None, input, now))
    })
    .await?;
    respond_with_detail(&state, saved.id, true).await
}

/// Replaces an article with the body given: absent optional fields are cleared (the slug is
/// kept when absent).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.")),
    request_body = ArticleInput,
    responses(
        (status = 200, description = "Replaced.", body = ArticleDetail),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft, or a field the role may not set; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing, malformed, unknown or refer to nothing; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/articles/{slug}")]
pub async fn replace_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
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
            save(conn, &caller, Some(&current), input, now)
        })
    })
    .await?;
    respond_with_detail(&state, saved.id, false).await
}

/// Changes some fields of an article; absent fields stay as they are.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.")),
    request_body = ArticlePatch,
    responses(
        (status = 200, description = "Updated.", body = ArticleDetail),
        (status = 400, description = "The body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft, or a field the role may not set; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are malformed, unknown or refer to nothing; each is named.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/articles/{slug}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
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
            let input = apply_patch(current_input(conn, &current)?, patch);
            if input.status == Some(ArticleStatus::Published) && input.published_at.is_none() {
                // Publishing without a time means now; clearing the time of a published article
                // is refused rather than guessed.
                if current.status == "published" {
                    return Err(AppError::invalid_field(
                        "published_at",
                        "required",
                        "a published article needs a publication time",
                    ));
                }
            }
            save(conn, &caller, Some(&current), input, now)
        })
    })
    .await?;
    respond_with_detail(&state, saved.id, false).await
}

/// Deletes an article, with its tags, sources and comments.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's draft.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{slug}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let now = state.now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = find_for_write(conn, &caller, &slug, now)?;
            check_may_change(&caller, &current)?;
            article::delete(conn, current.id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
