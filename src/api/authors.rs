//! Author profiles: the public `GET /authors` and `GET /authors/{slug}` (public profiles only,
//! never an e-mail, role or login data), and `GET`/`PUT /users/{id}/profile` for the account
//! itself or an admin.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::AppState;
use crate::api::json::{
    BodySize, HttpUrl, NameText, RequestBody, SlugText, SummaryText, ValidJson, non_null, rules,
};
use crate::api::links::{Nav, link_header};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::preconditions::{self, IfMatch};
use crate::api::reads::ReadFrom;
use crate::api::site::SocialLinkBody;
use crate::api::transact::write_touching;
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db;
use crate::domain::authors::{self as author_rules, ProfileFields};
use crate::domain::site::{SiteUrls, SocialLink};
use crate::error::{AppError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys, surrogate_keys};
use crate::models::author::{self, Byline, Profile};
use crate::models::site;

/// A public author profile: what an author page and a byline link show.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorView {
    #[schema(example = "jane-doe")]
    pub slug: String,
    #[schema(example = "Jane Doe")]
    pub display_name: String,
    #[schema(example = "Jane covers South Asia from Islamabad.")]
    pub bio: Option<String>,
    #[schema(example = "https://news.example.com/media/jane.jpg")]
    pub avatar_url: Option<String>,
    #[schema(example = "Foreign correspondent")]
    pub job_title: Option<String>,
    /// In the order given.
    pub social_links: Vec<SocialLinkBody>,
    /// The author's page on the public website (`{base_url}/author/{slug}`).
    #[schema(example = "https://news.example.com/author/jane-doe")]
    pub url: String,
}

/// Records the `author.changed` webhook event for user `user_id`: their public profile as it
/// now stands, or `{"user_id", "public": false}` when they have none (any more).
pub fn author_changed(
    conn: &mut crate::db::DbConn,
    at: chrono::NaiveDateTime,
    user_id: i64,
    action: &str,
    keys: &[String],
) -> Result<(), AppError> {
    let object = match author::find_by_user(conn, user_id)? {
        Some(byline) if byline.profile.public && action != "deleted" => {
            let urls = SiteUrls::new(&site::load(conn)?);
            serde_json::to_value(AuthorView::new(byline, &urls)).map_err(AppError::internal)?
        }
        _ => serde_json::json!({ "user_id": user_id, "public": false }),
    };
    crate::webhooks::events::changed(
        conn,
        at,
        crate::values::WebhookEvent::AuthorChanged,
        cache_keys::author(user_id),
        action,
        object,
        keys.to_vec(),
    )
}

impl AuthorView {
    fn new(byline: Byline, urls: &SiteUrls) -> Self {
        let Byline {
            profile,
            display_name,
        } = byline;
        Self {
            social_links: links_view(&profile),
            url: urls.page("author", &profile.slug),
            slug: profile.slug,
            display_name,
            bio: profile.bio,
            avatar_url: profile.avatar_url,
            job_title: profile.job_title,
        }
    }
}

/// A page of public author profiles, by display name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuthorList {
    pub data: Vec<AuthorView>,
    pub meta: PageMeta,
}

/// An account's author profile as its owner and admins see it (public or not).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProfileView {
    #[schema(example = 7)]
    pub user_id: i64,
    /// Whether the profile is shown publicly (`GET /authors`, bylines with a link).
    pub public: bool,
    #[serde(flatten)]
    pub author: AuthorView,
    pub updated_at: DateTime<Utc>,
}

/// A whole author profile (`PUT`). Absent optional fields are cleared.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "jane-doe", "bio": "Jane covers South Asia from Islamabad.",
    "job_title": "Foreign correspondent", "avatar_url": "https://news.example.com/media/jane.jpg",
    "social_links": [{"network": "x", "label": "X", "url": "https://x.com/janedoe"}], "public": true}))]
pub struct ProfileInput {
    /// The profile's address: `GET /authors/{slug}`, and the `author` filter of article lists.
    #[validate(required, custom(function = "rules::slug"))]
    #[schema(value_type = SlugText, required = true, nullable = false)]
    pub slug: Option<String>,
    #[validate(length(max = 2000), custom(function = "rules::line"))]
    #[schema(value_type = Option<SummaryText>)]
    pub bio: Option<String>,
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(value_type = Option<HttpUrl>)]
    pub avatar_url: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = Option<NameText>)]
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[validate(length(max = 20), nested)]
    #[schema(value_type = Vec<SocialLinkBody>, nullable = false, max_items = 20)]
    pub social_links: Option<Vec<SocialLinkBody>>,
    /// `false` unless given: a profile is shown only once its owner or an admin says so.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub public: Option<bool>,
}

impl RequestBody for ProfileInput {
    const SIZE: BodySize = BodySize::Small;
}

fn links_view(profile: &Profile) -> Vec<SocialLinkBody> {
    author_rules::social_links(profile)
        .into_iter()
        .map(|l| SocialLinkBody {
            network: l.network,
            label: l.label,
            url: l.url,
        })
        .collect()
}

fn profile_view(byline: Byline, urls: &SiteUrls) -> ProfileView {
    ProfileView {
        user_id: byline.profile.user_id,
        public: byline.profile.public,
        updated_at: utc(byline.profile.updated_at),
        author: AuthorView::new(byline, urls),
    }
}

fn no_profile() -> AppError {
    AppError::not_found("No public author profile has this slug.")
}

/// Lists the public author profiles, by display name.
#[utoipa::path(
    tag = "authors",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of public author profiles.", body = AuthorList),
    )
)]
#[get("/authors")]
pub async fn list_authors(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (authors, total, urls) = from
        .run(&state, move |conn| {
            let (authors, total) = author::public_page(conn, page.offset(), page.limit())?;
            Ok((authors, total, SiteUrls::new(&site::load(conn)?)))
        })
        .await?;
    let mut keys = vec![cache_keys::AUTHORS.to_owned(), cache_keys::SITE.to_owned()];
    keys.extend(authors.iter().map(|a| cache_keys::author(a.profile.user_id)));
    let list = AuthorList {
        data: authors.into_iter().map(|a| AuthorView::new(a, &urls)).collect(),
        meta: page.meta(total),
    };
    Ok(HttpResponse::Ok()
        .insert_header(surrogate_keys(keys))
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(list))
}

/// Reads one public author profile. A profile that is not public answers 404, like an unknown
/// slug.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "The profile's slug.", example = "jane-doe")),
    responses(
        (status = 200, description = "The author's public profile.", body = AuthorView),
        (status = 404, description = "No public author profile has this slug.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors/{slug}")]
pub async fn get_author(
    state: web::Data<AppState>,
    from: ReadFrom,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let (found, urls) = from
        .run(&state, move |conn| {
            Ok((
                author::find_public_by_slug(conn, &slug)?,
                SiteUrls::new(&site::load(conn)?),
            ))
        })
        .await?;
    let found = found.ok_or_else(no_profile)?;
    let keys = [
        cache_keys::author(found.profile.user_id),
        cache_keys::SITE.to_owned(),
    ];
    Ok(HttpResponse::Ok()
        .insert_header(surrogate_keys(keys))
        .json(AuthorView::new(found, &urls)))
}

/// Reads an account's author profile, public or not (the account itself, or an admin).
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id.", minimum = 1)),
    responses(
        (status = 200, description = "The profile.", body = ProfileView,
            headers(("ETag" = String, description = "The version, for If-Match."))),
        (status = 400, description = "The id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another account's profile, and the caller is not an admin.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account has no author profile yet (or there is no such account).",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/profile")]
pub async fn get_profile(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    author_rules::check_may_edit(&caller, id)?;
    let (found, urls) = db::run(&state.pool, move |conn| {
        Ok((author::find_by_user(conn, id)?, SiteUrls::new(&site::load(conn)?)))
    })
    .await?;
    let found = found.ok_or_else(|| AppError::not_found("This account has no author profile yet."))?;
    let version = found.profile.version;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, preconditions::etag(version)))
        .json(profile_view(found, &urls)))
}

/// Creates or replaces an account's author profile (the account itself, or an admin).
/// `If-Match` optional.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The user's id.", minimum = 1),
        ("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version being replaced (there is none to match before the profile is first saved)."),
    ),
    request_body = ProfileInput,
    responses(
        (status = 200, description = "Saved.", body = ProfileView),
        (status = 400, description = "The id is not a number, or the body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another account's profile, and the caller is not an admin.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No user has this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another profile has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): nothing was written.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/users/{id}/profile")]
pub async fn replace_profile(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<ProfileInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    author_rules::check_may_edit(&caller, id)?;
    let input = body.0;
    let fields = ProfileFields {
        slug: input.slug.unwrap_or_default(),
        bio: input.bio,
        avatar_url: input.avatar_url,
        job_title: input.job_title,
        social_links: input
            .social_links
            .unwrap_or_default()
            .into_iter()
            .map(|l| SocialLink {
                network: l.network,
                label: l.label,
                url: l.url,
            })
            .collect(),
        public: input.public.unwrap_or(false),
    };
    let written = write_touching(&state, caller, move |conn, change| {
        let current = author::find_by_user(conn, id)?;
        let urls = SiteUrls::new(&site::load(conn)?);
        let current_json = || match &current {
            Some(c) => serde_json::to_value(profile_view(c.clone(), &urls)).map_err(AppError::internal),
            None => Ok(serde_json::Value::Null),
        };
        if let Some(c) = &current {
            if_match.check(c.profile.version, false, current_json)?;
        }
        author_rules::save(conn, change, id, current.as_ref().map(|c| &c.profile), fields)
            .map_err(|e| preconditions::with_current(e, current_json))?;
        let saved = author::find_by_user(conn, id)?.ok_or_else(|| AppError::internal("profile vanished"))?;
        // Its bylines, its page, the author list and the `author` filter's lists.
        let keys = vec![
            cache_keys::author(id),
            cache_keys::by_author(id),
            cache_keys::AUTHORS.to_owned(),
        ];
        // A profile that was and stays private changed nothing the public sees.
        let was_public = current.as_ref().is_some_and(|c| c.profile.public);
        if was_public || saved.profile.public {
            author_changed(conn, change.at, id, "updated", &keys)?;
        }
        let version = saved.profile.version;
        Ok(((profile_view(saved, &urls), version), keys))
    })
    .await?;
    let (view, version) = &written.value;
    let response = HttpResponse::Ok()
        .insert_header((header::ETAG, preconditions::etag(*version)))
        .json(view);
    Ok(invalidated(response, &written))
}
