//! Draft preview links. An editor (or an author, for their own article) makes a link that shows
//! one article, or one of its revisions, as the public would see it once published, to anyone
//! holding it and without an account: a frontend's "draft mode" passes it on. It opens only
//! that article, expires (24 hours by default, 30 days at most), can be revoked at once, and
//! every use is counted. Creation and revocation are audited.
//!
//! A preview is rendered by publishing the article (or restoring the revision and publishing
//! it) in a transaction that is always rolled back: the answer is exactly what the public read
//! would be, from the same code, and nothing is ever written but the use count.

use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpResponse, delete, get, post, web};
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::members::DetailShape;
use super::{ArticleDetail, detail};
use crate::api::json::{BodySize, RequestBody, ValidJson};
use crate::api::transact::write_touching;
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db::{self, DbConn};
use crate::domain::articles::{self as domain, ArticleSnapshot, BodyImages, find_for_write};
use crate::domain::{Change, articles::not_found as article_not_found};
use crate::error::{AppError, FieldCode, FieldError, Problem};
use crate::http_cache::invalidated;
use crate::models::article::{self, Article};
use crate::models::preview::{self, NewPreview, PreviewLink};
use crate::models::revision;
use crate::models::session::hash_token;
use crate::state::AppState;
use crate::values::{ArticleStatus, AuditAction};

/// The query parameter that carries a preview token.
pub const TOKEN_PARAMETER: &str = "preview_token";
/// The request header that carries a preview token (instead of the parameter).
pub const TOKEN_HEADER: &str = "preview-token";
/// Every token starts with this, so that one is recognized in logs and secret scanners.
const TOKEN_PREFIX: &str = "dlp_";
/// A token's pattern, as the spec states it.
pub const TOKEN_PATTERN: &str = r"^dlp_[A-Za-z0-9_-]{43}$";
/// Hours a link works when the request does not say.
pub const DEFAULT_HOURS: u32 = 24;
/// The longest a link works: 30 days.
pub const MAX_HOURS: u32 = 720;

/// A new preview link.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revision": 3, "expires_in_hours": 48}))]
pub struct PreviewInput {
    /// The revision to show (its number). Without it, the link shows the article as it is at
    /// each use, later edits included.
    #[validate(range(min = 1))]
    #[schema(minimum = 1, example = 3)]
    pub revision: Option<i32>,
    /// Hours until the link stops working: 24 by default, at most 720 (30 days).
    #[validate(range(min = 1, max = 720))]
    #[schema(minimum = 1, maximum = 720, example = 48)]
    pub expires_in_hours: Option<u32>,
}

impl RequestBody for PreviewInput {
    const SIZE: BodySize = BodySize::Small;
}

/// A preview link as editors see it (the token is shown only once, when made).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviewView {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = 42)]
    pub article_id: i64,
    /// The revision shown; `null` for the article as it is at each use.
    #[schema(example = 3)]
    pub revision: Option<i32>,
    /// Who made it; `null` when the account was deleted.
    #[schema(example = "Jane Doe")]
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When it was revoked; `null` while it is not.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether it opens the article now (neither expired nor revoked).
    pub active: bool,
    /// How many times it was used.
    #[schema(example = 2)]
    pub uses: i64,
    /// Its last use; `null` before the first.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl PreviewView {
    fn new(link: PreviewLink, created_by: Option<String>, now: NaiveDateTime) -> Self {
        Self {
            active: link.is_open(now),
            id: link.id,
            article_id: link.article_id,
            revision: link.revision_number,
            created_by,
            created_at: utc(link.created_at),
            expires_at: utc(link.expires_at),
            revoked_at: link.revoked_at.map(utc),
            uses: link.uses,
            last_used_at: link.last_used_at.map(utc),
        }
    }
}

/// A link just made: the only time its token is shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedPreview {
    pub link: PreviewView,
    /// Pass as the `preview_token` parameter, or the `Preview-Token` header, of
    /// `GET /api/v1/articles/{slug}`. Shown only now: only its hash is stored.
    #[schema(
        pattern = r"^dlp_[A-Za-z0-9_-]{43}$",
        example = "dlp_Vq0aG4mK5cYb2T1mS3o7W9xZpLr8eUfN6hJdQkCwE1s"
    )]
    pub token: String,
    /// The article's current slug, for the frontend's preview route.
    #[schema(example = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes")]
    pub slug: String,
    /// The API read the link opens (a path with the token).
    #[schema(
        example = "/api/v1/articles/pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes?preview_token=dlp_Vq0aG4mK5cYb2T1mS3o7W9xZpLr8eUfN6hJdQkCwE1s"
    )]
    pub path: String,
}

/// An article's preview links, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PreviewList {
    pub data: Vec<PreviewView>,
}

/// Makes a preview link for an article, optionally for one of its revisions (editors and
/// admins; authors for their own articles). The answer holds the token, shown only this once.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.")),
    request_body = PreviewInput,
    responses(
        (status = 201, description = "Made; the token is shown only now.", body = CreatedPreview),
        (status = 403, description = "An author's link for someone else's article.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article the caller may see has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`revision` names no revision of the article, or `expires_in_hours` is out of range.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{slug}/previews")]
pub async fn create_preview(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    body: ValidJson<PreviewInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    let slug = slug.into_inner();
    let writer = caller.clone();
    let token = new_token();
    let hash = hash_token(&token);
    let written = write_touching(&state, caller, move |conn, change| {
        let article = find_for_write(conn, &writer, &slug, change.at)?;
        check_may_preview(&writer, &article)?;
        if let Some(number) = input.revision
            && revision::find(conn, article.id, number)?.is_none()
        {
            return Err(AppError::Validation(vec![FieldError::new(
                "revision",
                FieldCode::NotFound,
                "the article has no revision with this number",
            )]));
        }
        let hours = input.expires_in_hours.unwrap_or(DEFAULT_HOURS);
        let link = preview::insert(
            conn,
            &NewPreview {
                article_id: article.id,
                revision_number: input.revision,
                token_hash: &hash,
                created_by: change.user_id(),
                created_at: change.at,
                expires_at: change.at + Duration::hours(i64::from(hours)),
            },
        )?;
        let details =
            serde_json::json!({"article_id": article.id, "revision": input.revision, "hours": hours});
        change.audit(
            conn,
            AuditAction::PreviewCreate,
            link.id,
            Some(details.to_string()),
        )?;
        let view = PreviewView::new(link, Some(writer.display_name.clone()), change.at);
        // Nothing public changes: no cached answer is dropped.
        Ok(((view, article.slug), Vec::new()))
    })
    .await?;
    let (link, slug) = written.value.clone();
    let created = CreatedPreview {
        path: format!("/api/v1/articles/{slug}?{TOKEN_PARAMETER}={token}"),
        link,
        token,
        slug,
    };
    Ok(invalidated(HttpResponse::Created().json(created), &written))
}

/// An article's preview links, newest first, with their use counts (editors and admins;
/// authors for their own articles).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The article's slug.")),
    responses(
        (status = 200, description = "The links, newest first.", body = PreviewList),
        (status = 403, description = "An author asking about someone else's article.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article the caller may see has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/previews")]
pub async fn list_previews(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let now = state.now();
    let links = db::run(&state.pool, move |conn| {
        let article = find_for_write(conn, &caller, &slug, now)?;
        check_may_preview(&caller, &article)?;
        Ok(preview::for_article(conn, article.id)?)
    })
    .await?;
    let data = links
        .into_iter()
        .map(|(link, by)| PreviewView::new(link, by, now))
        .collect();
    Ok(HttpResponse::Ok().json(PreviewList { data }))
}

/// Revokes a preview link at once (editors and admins; authors the links they made). Revoking
/// a revoked link changes nothing.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The link's id.")),
    responses(
        (status = 204, description = "Revoked: the link no longer opens the article."),
        (status = 403, description = "An author revoking a link someone else made.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No preview link has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/previews/{id}")]
pub async fn revoke_preview(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let revoker = caller.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let link = preview::find(conn, id)?.ok_or_else(no_such_link)?;
        if !revoker.role.is_editorial() && link.created_by != Some(revoker.id) {
            return Err(AppError::forbidden(
                "Authors can revoke only the preview links they made.",
            ));
        }
        if preview::revoke(conn, id, change.at)? {
            change.audit(conn, AuditAction::PreviewRevoke, id, None)?;
        }
        Ok(((), Vec::new()))
    })
    .await?;
    Ok(invalidated(HttpResponse::NoContent().finish(), &written))
}

fn no_such_link() -> AppError {
    AppError::not_found("No preview link has this id.")
}

/// Editors and admins preview any article; authors their own.
fn check_may_preview(caller: &AuthUser, article: &Article) -> Result<(), AppError> {
    if caller.role.is_editorial() || article.author_id == Some(caller.id) {
        return Ok(());
    }
    Err(AppError::forbidden(
        "Authors can preview only their own articles.",
    ))
}

/// A fresh token: 256 random bits, URL-safe.
fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Whether a request carries a preview token (parameter or header): its answer is the
/// caller's alone, never cached or served from the cache.
pub fn is_preview(headers: &HeaderMap, query: &str) -> bool {
    headers.contains_key(TOKEN_HEADER)
        || form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == TOKEN_PARAMETER)
}

/// The token a request carries, checked for form: the parameter's when it is given (a link
/// shared with its token wins over a header a client adds to every request), else the header's.
pub fn token_of(headers: &HeaderMap, parameter: Option<&str>) -> Result<Option<String>, AppError> {
    let header = headers
        .get(TOKEN_HEADER)
        .map(|value| value.to_str().unwrap_or_default());
    let (token, field) = match (parameter, header) {
        (None, None) => return Ok(None),
        (Some(token), _) => (token, TOKEN_PARAMETER),
        (None, Some(token)) => (token, "Preview-Token"),
    };
    let well_formed = token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !well_formed {
        return Err(AppError::bad_param(
            field,
            FieldCode::InvalidToken,
            "is not a preview token (`dlp_` and 43 URL-safe characters)",
        ));
    }
    Ok(Some(token.to_owned()))
}

/// The answer to a read with a preview token: the article `slug` as the public would see it
/// once published, counted as a use of the link. Never cached.
pub async fn answer(
    state: &AppState,
    slug: String,
    token: String,
    shape: DetailShape,
) -> Result<HttpResponse, AppError> {
    let now = state.now();
    let media = state.media.clone();
    let images = BodyImages {
        // What was stored is shown as stored, even if the rule changed since.
        refuse_foreign: false,
        ..BodyImages::new(&state.config.media)
    };
    let embeds = shape.embeds;
    let detail = db::run(&state.pool, move |conn| {
        let link = open_link(conn, &token, now)?;
        let article = article::find_live_by_slug(conn, &slug)?
            .filter(|article| article.id == link.article_id)
            .ok_or_else(article_not_found)?;
        // A draft has no public related articles or comments to show yet. Checked once the
        // token opens the article: a token that opens nothing is 403 whatever else is asked.
        if embeds.any() {
            return Err(AppError::bad_param(
                "include",
                FieldCode::NotWithPreview,
                "is not available with a preview token",
            ));
        }
        if !preview::count_use(conn, link.id, now)? {
            return Err(closed_link());
        }
        render_published(conn, &media, &images, article, link.revision_number, now)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Robots-Tag", "noindex"));
    shape.respond(&mut response, &detail)
}

/// The link a token opens, if it is open at `now`.
fn open_link(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<PreviewLink, AppError> {
    preview::find_by_token_hash(conn, &hash_token(token))?
        .filter(|link| link.is_open(now))
        .ok_or_else(closed_link)
}

fn closed_link() -> AppError {
    AppError::forbidden("This preview link is unknown, expired or revoked.")
}

/// How a rolled-back rendering ends: with the answer, or with the error that stopped it.
enum Rendering {
    Done(Box<ArticleDetail>),
    Failed(AppError),
}

impl From<diesel::result::Error> for Rendering {
    fn from(error: diesel::result::Error) -> Self {
        Self::Failed(error.into())
    }
}

/// `article` (or its revision `number`) published at its planned time (or now), rendered as a
/// public read would, in a transaction that is then rolled back.
fn render_published(
    conn: &mut DbConn,
    media: &crate::media::storage::MediaStore,
    images: &BodyImages,
    article: Article,
    number: Option<i32>,
    now: NaiveDateTime,
) -> Result<ArticleDetail, AppError> {
    let outcome = db::write(conn, |conn| -> Result<(), Rendering> {
        let rendered = publish_and_render(conn, media, images, &article, number, now);
        Err(rendered.map_or_else(Rendering::Failed, |d| Rendering::Done(Box::new(d))))
    });
    match outcome {
        Err(Rendering::Done(detail)) => Ok(*detail),
        Err(Rendering::Failed(error)) => Err(error),
        Ok(()) => Err(AppError::internal("a preview transaction was not rolled back")),
    }
}

fn publish_and_render(
    conn: &mut DbConn,
    media: &crate::media::storage::MediaStore,
    images: &BodyImages,
    article: &Article,
    number: Option<i32>,
    now: NaiveDateTime,
) -> Result<ArticleDetail, AppError> {
    let mut snapshot: ArticleSnapshot = match number {
        Some(number) => {
            let (stored, _) = revision::find(conn, article.id, number)?
                .ok_or_else(|| AppError::internal("a preview link names a missing revision"))?;
            serde_json::from_str(&stored.snapshot).map_err(AppError::internal)?
        }
        None => domain::snapshot(conn, article)?,
    };
    // The article keeps its own slug: a revision's may belong to another article by now.
    snapshot.slug = article.slug.clone();
    snapshot.status = ArticleStatus::Published;
    snapshot.published_at = Some(utc(snapshot.published_at.map_or(now, |at| at.naive_utc())));
    let action = AuditAction::ArticleUpdate;
    domain::save(
        conn,
        Change::by_operator(now),
        Some(article),
        snapshot.into(),
        images,
        action,
    )
    .map_err(|error| match error {
        // A revision naming a section, tag, source or image deleted since.
        AppError::Validation(errors) => AppError::Conflict {
            detail: "This revision refers to something that no longer exists.".to_owned(),
            errors,
        },
        other => other,
    })?;
    let (saved, section, author_name) =
        article::find_any_by_slug(conn, &article.slug)?.ok_or_else(article_not_found)?;
    detail(conn, media, saved, section, author_name)
}
