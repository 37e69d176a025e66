//! Reader comments, public side: submitting one, and reading the approved ones.
//!
//! Comments are plain text: stored as given (trimmed), never interpreted as HTML by the API.
//! Clients must escape them when rendering.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::api::articles::read::{Lookup, lookup, moved};
use crate::api::json::{AuthorName, BodySize, RequestBody, ValidJson, rules};
use crate::api::links::{Nav, link_header};
use crate::api::params::{Page, PageMeta, PageQuery, Params};
use crate::api::reads::ReadFrom;
use crate::api::transact::touched;
use crate::api::views::utc;
use crate::auth::client;
use crate::db::{self, DbConn};
use crate::domain::comments::{self, Submission};
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::{invalidated, keys as cache_keys, surrogate_keys};
use crate::models::comment::{self, Comment};
use crate::state::AppState;
use crate::values::CommentStatus;

pub use crate::domain::comments::MAX_DEPTH;
pub const MAX_NAME_CHARS: u64 = 100;
pub const MAX_BODY_CHARS: u64 = 2000;

/// The seed page's own messages for the two required fields.
pub const NAME_MISSING: &str = "Please enter your name here";
pub const BODY_MISSING: &str = "Please enter your comment!";

/// A reader's comment. `author_name` and `body` are required; the e-mail is never shown publicly.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"author_name": "Amina", "body": "Good to see diplomacy win.", "author_email": "amina@example.com"}))]
pub struct CommentInput {
    /// At most 100 characters, one line.
    #[validate(
        required(message = "Please enter your name here"),
        length(max = 100),
        custom(function = "name_rule")
    )]
    #[schema(value_type = AuthorName, required = true, nullable = false)]
    pub author_name: Option<String>,
    /// Plain text, at most 2000 characters; line breaks allowed.
    #[validate(
        required(message = "Please enter your comment!"),
        length(max = 2000),
        custom(function = "body_rule")
    )]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 2000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]
    pub body: Option<String>,
    /// Optional; kept for the moderators, never returned by a public route.
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub author_email: Option<String>,
    /// Reply to this approved comment of the same article.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
}

impl RequestBody for CommentInput {
    const SIZE: BodySize = BodySize::Small;
}

fn rule_error(code: FieldCode, message: &'static str) -> ValidationError {
    let mut e = ValidationError::new(code.as_str());
    e.message = Some(message.into());
    e
}

fn name_rule(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(rule_error(FieldCode::Required, NAME_MISSING));
    }
    if value.chars().any(char::is_control) {
        return Err(rule_error(
            FieldCode::ControlCharacters,
            "must not contain control characters",
        ));
    }
    rules::no_invisible_chars(value)
}

/// The body is free text: it keeps invisible formatting characters (U+200D joins emoji
/// sequences), which only names refuse.
fn body_rule(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(rule_error(FieldCode::Required, BODY_MISSING));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(rule_error(
            FieldCode::ControlCharacters,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// What a submission answers: the comment and whether it waits for moderation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmittedComment {
    #[schema(example = 7)]
    pub id: i64,
    /// `pending` (held for moderation) or `approved` (published).
    pub status: CommentStatus,
    pub parent_id: Option<i64>,
    /// Plain text: escape it when rendering.
    pub author_name: String,
    /// Plain text: escape it when rendering.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// An approved comment with its approved replies.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicComment {
    #[schema(example = 7)]
    pub id: i64,
    pub parent_id: Option<i64>,
    /// Plain text: escape it when rendering.
    #[schema(example = "Amina")]
    pub author_name: String,
    /// Plain text, line breaks included: escape it when rendering.
    #[schema(example = "Good to see diplomacy win.")]
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Approved replies, oldest first.
    #[schema(no_recursion)]
    pub replies: Vec<PublicComment>,
}

/// A page of top-level approved comments, oldest first, replies nested.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommentList {
    pub data: Vec<PublicComment>,
    /// Counts top-level comments.
    pub meta: PageMeta,
}

/// Submits a comment on a published article.
///
/// Comments are plain text, stored as given (trimmed) and never interpreted as HTML by the
/// API: clients must escape `author_name` and `body` when rendering. New comments are held for
/// moderation (`pending`) unless the service auto-approves. Submissions are limited per client
/// address (429), and the same comment (same article, name and text) again within the
/// duplicate window is refused (409). Replies nest at most 3 levels deep.
#[utoipa::path(
    tag = "comments",
    params(("slug" = String, Path, description = "The article's slug.")),
    request_body = CommentInput,
    responses(
        (status = 201, description = "Stored; `status` says whether it waits for moderation.", body = SubmittedComment),
        (status = 403, description = "Comments are closed on this article.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same comment was just submitted.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing or invalid, e.g. `Please enter your name here`, `Please enter your comment!`.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; retry after `Retry-After` seconds.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{slug}/comments")]
pub async fn submit_comment(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: ValidJson<CommentInput>,
) -> Result<HttpResponse, AppError> {
    let address_hash = client::address_hash(
        client::client_ip(&req, &state.config.trusted_proxies),
        &state.address_key(),
    );
    if let Some(limiter) = &state.limits.comments_per_address {
        limiter
            .hit(&address_hash, state.now_utc())
            .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    }
    let input = body.0;
    let slug = slug.into_inner();
    let now = state.now();
    let status = if state.config.comments_auto_approve {
        CommentStatus::Approved
    } else {
        CommentStatus::Pending
    };
    let window = Duration::from_std(state.config.comment_duplicate_window).unwrap_or(Duration::zero());
    let written = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let submission = Submission {
                author_name: input.author_name.unwrap_or_default(),
                author_email: input.author_email,
                body: input.body.unwrap_or_default(),
                parent_id: input.parent_id,
                status,
                client_hash: address_hash,
                duplicate_window: window,
            };
            let saved = comments::submit(conn, &slug, submission, now)?;
            // A pending comment shows nowhere until a moderator approves it.
            let keys = if saved.status == CommentStatus::Approved {
                // Approved on arrival (`DATELINE_COMMENTS_AUTO_APPROVE`): it was not before.
                let arrived = crate::models::comment::Comment {
                    status: CommentStatus::Pending,
                    ..saved.clone()
                };
                crate::webhooks::events::comments_approved(conn, now, &[arrived])?;
                vec![cache_keys::comments(saved.article_id)]
            } else {
                Vec::new()
            };
            touched(conn, saved, keys)
        })
    })
    .await?;
    let saved = written.value.clone();
    let response = HttpResponse::Created().json(SubmittedComment {
        id: saved.id,
        status: saved.status,
        parent_id: saved.parent_id,
        author_name: saved.author_name,
        body: saved.body,
        created_at: utc(saved.created_at),
    });
    Ok(invalidated(response, &written))
}

/// Lists an article's approved comments: top-level comments oldest first, a page at a time,
/// each with its approved replies nested (a reply to a comment that is not approved is not
/// shown). Three queries per page, whatever its size.
#[utoipa::path(
    tag = "comments",
    params(("slug" = String, Path, description = "The article's slug."), PageQuery),
    responses(
        (status = 200, description = "A page of approved comment threads.", body = CommentList),
        (status = 301, description = "A former slug: `Location` is the current URL.",
            headers(("Location" = String, description = "The current URL."),
                ("Cache-Control" = String, description = "`public, max-age=` as for public reads."))),
        (status = 410, description = "The article was withdrawn (archived); also by a former slug.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/comments")]
pub async fn list_comments(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    slug: web::Path<String>,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.0.resolve(&state.config)?;
    let slug = slug.into_inner();
    let now = state.now();
    // The first page is a bounded read (see `db::run_bounded_read`); a later one reads past the
    // threads before it.
    let first = page.offset() == 0;
    let work = move |conn: &mut DbConn| {
        let article_id = match visible_article_id(conn, &slug, now)? {
            Ok(id) => id,
            Err(current) => return Ok(Err(current)),
        };
        Ok(Ok((article_id, approved_page(conn, article_id, &page)?)))
    };
    let list = if first {
        from.run_bounded_read(&state, work).await?
    } else {
        from.run(&state, work).await?
    };
    Ok(match list {
        Ok((id, list)) => HttpResponse::Ok()
            .insert_header(surrogate_keys(comment_keys(id)))
            .insert_header(link_header(&req, Nav::numbered(&page, list.meta.total)))
            .json(list),
        Err(current) => moved(
            &format!("/api/v1/articles/{}/comments", current.slug),
            req.query_string(),
            &current,
            state.config.cache_max_age_secs,
        ),
    })
}

/// The id of the article `slug` if the public may see it; otherwise what [`lookup`] says (a
/// redirect from a former slug, gone, or not found). The common case reads the slug index, not
/// the article's row, whose body is its bulk.
fn visible_article_id(
    conn: &mut DbConn,
    slug: &str,
    now: chrono::NaiveDateTime,
) -> Result<Result<i64, crate::api::articles::read::Moved>, AppError> {
    if let Some((id, _, _)) = crate::models::article::visible_anchor(conn, slug, now)? {
        return Ok(Ok(id));
    }
    match lookup(conn, None, slug, now)? {
        Lookup::Found(article, _, _) => Ok(Ok(article.id)),
        Lookup::Moved(current) => Ok(Err(current)),
    }
}

/// A page of the approved comment threads of article `article_id`, in a fixed number of
/// queries whatever the page's size: the route's answer, and the one the article embeds with
/// `include=comments`.
pub fn approved_page(conn: &mut DbConn, article_id: i64, page: &Page) -> Result<CommentList, AppError> {
    let (roots, total) = comment::approved_threads(conn, article_id, page.offset(), page.limit())?;
    let root_ids: Vec<i64> = roots.iter().map(|c| c.id).collect();
    let replies = comment::approved_replies(conn, &root_ids)?;
    Ok(CommentList {
        data: nest(roots, replies),
        meta: page.meta(total),
    })
}

/// What a page of an article's comments depends on: its approved comments, and the article
/// (its slug, its visibility).
pub fn comment_keys(article_id: i64) -> [String; 2] {
    [cache_keys::comments(article_id), cache_keys::article(article_id)]
}

/// Builds the reply trees. A reply whose parent is not among the approved comments is dropped
/// with its own replies.
fn nest(roots: Vec<Comment>, replies: Vec<Comment>) -> Vec<PublicComment> {
    let mut children: HashMap<i64, Vec<Comment>> = HashMap::new();
    for reply in replies {
        if let Some(parent) = reply.parent_id {
            children.entry(parent).or_default().push(reply);
        }
    }
    fn build(comment: Comment, children: &mut HashMap<i64, Vec<Comment>>) -> PublicComment {
        let replies = children
            .remove(&comment.id)
            .unwrap_or_default()
            .into_iter()
            .map(|c| build(c, children))
            .collect();
        PublicComment {
            id: comment.id,
            parent_id: comment.parent_id,
            author_name: comment.author_name,
            body: comment.body,
            created_at: utc(comment.created_at),
            replies,
        }
    }
    roots.into_iter().map(|root| build(root, &mut children)).collect()
}
