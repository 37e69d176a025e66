//! Protected article writes: create, replace, partial update, delete.
//!
//! Every write resolves to one [`ArticleFields`] and goes through `domain::articles::save`, so
//! create, replace, patch, restore and import share one set of rules. Roles: editors and admins
//! write anything; authors create drafts and change or delete only their own drafts, and may not
//! set the status (beyond `draft`), `published_at` or `author_id`: such a field is refused with
//! 403 naming it. Someone else's unpublished article is, to an author, an unknown slug (404), and
//! a slug another article has or had is "not available" (422) whatever holds it, so that nothing
//! tells an author that someone else's unpublished story exists.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, patch, post, put, web};
use chrono::NaiveDateTime;

use super::input::{ArticleInput, ArticlePatch};
use super::{ArticleDetail, article_not_found, detail};
use crate::api::json::ValidJson;
use crate::api::preconditions::{self, IfMatch};
use crate::api::transact::write_touching;
use crate::auth::AuthUser;
use crate::config::MediaConfig;
use crate::db::{self, DbConn};
use crate::domain::Change;
use crate::domain::articles::BodyImages;
use crate::domain::articles::{
    self as domain, ArticleFields, check_author_fields, check_may_change, find_for_write,
};
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::{invalidated, keys as cache_keys};
use crate::media::storage::MediaStore;
use crate::models::article::{self, Article};
use crate::state::AppState;
use crate::values::{ArticleStatus, AuditAction};
use crate::webhooks::events;

/// Checks `If-Match` (required for article writes) against the stored version; a stale one is
/// 412 with the current article in the body.
pub fn check_if_match(
    conn: &mut DbConn,
    media: &MediaStore,
    if_match: &IfMatch,
    article: &Article,
) -> Result<(), AppError> {
    if_match.check(article.version, true, || current_json(conn, media, article.id))
}

fn current_json(conn: &mut DbConn, media: &MediaStore, id: i64) -> Result<serde_json::Value, AppError> {
    let (article, section, author) = article::find_with_section(conn, id)?.ok_or_else(article_not_found)?;
    serde_json::to_value(detail(conn, media, article, section, author)?).map_err(AppError::internal)
}

/// Saves `fields` over `current` and answers a lost race (412) with the article as it now
/// stands.
pub fn save_over(
    conn: &mut DbConn,
    media: &MediaStore,
    config: &MediaConfig,
    change: Change<'_>,
    current: &Article,
    fields: ArticleFields,
    action: AuditAction,
) -> Result<Article, AppError> {
    domain::save(
        conn,
        change,
        Some(current),
        fields,
        &BodyImages::new(config),
        action,
    )
    .map_err(|e| stale_with_current(conn, media, e, current))
}

/// What a write over an existing article (replace, patch) may answer besides its own answers.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its OpenAPI description is used
pub enum WriteOverErrors {
    #[response(
        status = 403,
        description = "Not the caller's draft (a published article, to an author), or a field the role may not set; `errors` names it.",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No article has this slug; to an author, none of theirs and no published one.",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Editors: the new slug is taken (now or formerly) by another article. Authors get 422 `unavailable` instead.",
        content_type = "application/problem+json"
    )]
    SlugTaken(Problem),
    #[response(
        status = 412,
        description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.",
        content_type = "application/problem+json"
    )]
    Stale(Problem),
}

/// The article a write goes over, the version it is based on, and what the audit log calls it.
struct Target {
    slug: String,
    if_match: IfMatch,
    action: AuditAction,
}

impl Target {
    fn new(slug: web::Path<String>, if_match: IfMatch, action: AuditAction) -> Self {
        let slug = slug.into_inner();
        Self {
            slug,
            if_match,
            action,
        }
    }
}

/// A write over an article (replace, patch): the caller may see and change it, and `If-Match`
/// names its version; `fields` makes what to save from the article as stored.
async fn write_over(
    state: &AppState,
    caller: AuthUser,
    target: Target,
    fields: impl FnOnce(&mut DbConn, &Article) -> Result<ArticleFields, AppError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let Target {
        slug,
        if_match,
        action,
    } = target;
    let writer = caller.clone();
    let media = state.media.clone();
    let config = state.config.clone();
    let written = write_touching(state, caller, move |conn, change| {
        let current = writable(conn, &media, &writer, &slug, &if_match, change.at)?;
        let fields = fields(conn, &current)?;
        let before = cache_keys::listed(conn, &current, change.at)?;
        let saved = save_over(conn, &media, &config.media, change, &current, fields, action)?;
        let keys = touched(conn, before, &saved, change.at)?;
        events::article_changed(conn, &media, change.at, saved.id, &keys)?;
        Ok((saved, keys))
    })
    .await?;
    let response = respond_with_detail(state, written.value.id, false).await?;
    Ok(invalidated(response, &written))
}

/// The public answers a change to an article touches, from where it stood in the lists before
/// the change (`before`, read before it) and where `after` stands now. None for a draft that
/// stays one: drafts have no public answer.
pub fn touched(
    conn: &mut DbConn,
    before: Option<cache_keys::Listed>,
    after: &Article,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    Ok(cache_keys::touched(before, cache_keys::listed(conn, after, now)?))
}

/// The article `slug` as `caller` may change it: visible to them, theirs to change (authors:
/// their drafts), and at the version `If-Match` names.
fn writable(
    conn: &mut DbConn,
    media: &MediaStore,
    caller: &AuthUser,
    slug: &str,
    if_match: &IfMatch,
    now: NaiveDateTime,
) -> Result<Article, AppError> {
    let current = find_for_write(conn, caller, slug, now)?;
    check_may_change(caller, &current)?;
    check_if_match(conn, media, if_match, &current)?;
    Ok(current)
}

/// A 412 from the domain layer, completed with the latest version and its representation.
fn stale_with_current(conn: &mut DbConn, media: &MediaStore, err: AppError, article: &Article) -> AppError {
    if !matches!(&err, AppError::PreconditionFailed { current, .. } if current.is_null()) {
        return err;
    }
    match article::find_with_section(conn, article.id) {
        Ok(Some((latest, ..))) => match current_json(conn, media, article.id) {
            Ok(json) => preconditions::stale(latest.version, json),
            Err(e) => e,
        },
        Ok(None) => article_not_found(),
        Err(e) => e.into(),
    }
}

/// The article as stored, answered with its ETag (and `Location` on create).
pub async fn respond_with_detail(state: &AppState, id: i64, created: bool) -> Result<HttpResponse, AppError> {
    let media = state.media.clone();
    let (body, version): (ArticleDetail, i32) = db::run(&state.pool, move |conn| {
        let (article, section, author) =
            article::find_with_section(conn, id)?.ok_or_else(article_not_found)?;
        let version = article.version;
        Ok((detail(conn, &media, article, section, author)?, version))
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
            headers(("ETag" = String, description = "The version, for If-Match on later writes."),
                ("Location" = String, description = "The article's address (`/api/v1/articles/{slug}`), which follows its slug."))),
        (status = 403, description = "The role may not set a field given; `errors` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Editors: the slug is taken (now or formerly) by another article.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing, malformed, unknown or refer to nothing; each is named. An author's slug that another article has or had: `slug`, code `unavailable`, the same answer whatever article holds it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<ArticleInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    check_author_fields(&caller, input.editor_only())?;
    let images = BodyImages::new(&state.config.media);
    let media = state.media.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let saved = domain::save(
            conn,
            change,
            None,
            input.into(),
            &images,
            AuditAction::ArticleCreate,
        )?;
        let keys = touched(conn, None, &saved, change.at)?;
        events::article_changed(conn, &media, change.at, saved.id, &keys)?;
        Ok((saved, keys))
    })
    .await?;
    let response = respond_with_detail(&state, written.value.id, true).await?;
    Ok(invalidated(response, &written))
}

/// Replaces an article with the body given: absent optional fields are cleared (the slug is
/// kept when absent). Needs `If-Match` with the ETag of the version it replaces.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("If-Match" = inline(IfMatch), Header, description = "The ETag of the version this write is based on, e.g. `\"v3\"`."),
    ),
    request_body = ArticleInput,
    responses(
        (status = 200, description = "Replaced; `ETag` is the new version.", body = ArticleDetail,
            headers(("ETag" = String, description = "The new version."), ("Location" = String, description = "The article's address (`/api/v1/articles/{slug}`), which follows its slug."))),
        WriteOverErrors,
        (status = 422, description = "Fields are missing, malformed, unknown or refer to nothing; each is named. An author's slug that another article has or had: `slug`, code `unavailable`.", body = Problem, content_type = "application/problem+json"),
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
    check_author_fields(&caller, input.editor_only())?;
    let target = Target::new(slug, if_match, AuditAction::ArticleReplace);
    write_over(&state, caller, target, move |_, current| {
        // A replace that does not name an author keeps the current one.
        let author_id = input.author_id.or(current.author_id);
        Ok(ArticleInput { author_id, ..input }.into())
    })
    .await
}

/// Changes some fields of an article; absent fields stay as they are. Needs `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("If-Match" = inline(IfMatch), Header, description = "The ETag of the version this write is based on, e.g. `\"v3\"`."),
    ),
    request_body = ArticlePatch,
    responses(
        (status = 200, description = "Updated; `ETag` is the new version.", body = ArticleDetail,
            headers(("ETag" = String, description = "The new version."), ("Location" = String, description = "The article's address (`/api/v1/articles/{slug}`), which follows its slug."))),
        WriteOverErrors,
        (status = 422, description = "Fields are malformed, unknown or refer to nothing; each is named. An author's slug that another article has or had: `slug`, code `unavailable`.", body = Problem, content_type = "application/problem+json"),
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
    check_author_fields(&caller, patch.editor_only())?;
    let target = Target::new(slug, if_match, AuditAction::ArticleUpdate);
    write_over(&state, caller, target, move |conn, current| {
        let clears_time = matches!(patch.published_at, Some(None));
        let input = ArticleInput::from(domain::snapshot(conn, current)?).patched(patch);
        if clears_time && input.status == Some(ArticleStatus::Published) {
            // Clearing the time of a published article is refused rather than guessed.
            return Err(AppError::invalid_field(
                "published_at",
                FieldCode::Required,
                "a published article needs a publication time",
            ));
        }
        Ok(input.into())
    })
    .await
}

/// Moves an article to the trash: invisible everywhere, restorable by editors until it is
/// purged (`DATELINE_TRASH_RETENTION_DAYS`). Needs `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The article's slug."),
        ("If-Match" = inline(IfMatch), Header, description = "The ETag of the version being deleted, e.g. `\"v3\"`."),
    ),
    responses(
        (status = 204, description = "Moved to the trash."),
        (status = 403, description = "Not the caller's draft.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was deleted.", body = Problem, content_type = "application/problem+json"),
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
    let writer = caller.clone();
    let media = state.media.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let current = writable(conn, &media, &writer, &slug, &if_match, change.at)?;
        let before = cache_keys::listed(conn, &current, change.at)?;
        domain::trash(conn, change, &current).map_err(|e| stale_with_current(conn, &media, e, &current))?;
        let keys = cache_keys::touched(before, None);
        events::article_changed(conn, &media, change.at, current.id, &keys)?;
        Ok(((), keys))
    })
    .await?;
    Ok(invalidated(HttpResponse::NoContent().finish(), &written))
}
