//! Public section routes: the navigation tree and one section with its breadcrumb.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::AppState;
use crate::api::json::{
    BodySize, NameText, RequestBody, SlugText, ValidJson, double_option, non_null, rules,
};
use crate::api::links::{Nav, link_header};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::preconditions::{self, IfMatch};
use crate::api::reads::ReadFrom;
use crate::api::transact::write_as;
use crate::api::views::SectionRef;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db::DbConn;
use crate::db::{self};
use crate::domain::sections::{self, SectionFields, not_found as section_not_found};
use crate::domain::site::SiteUrls;
use crate::error::{AppError, Problem};
use crate::http_cache::{keys as cache_keys, surrogate_keys};
use crate::models::section::{self, Section, SectionTree};
use crate::models::site;
use crate::values::WebhookEvent;

/// A section as listed in the tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectionItem {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
    pub description: Option<String>,
    /// The parent's slug; `null` for a top-level section.
    pub parent: Option<String>,
    /// 0 for a top-level section, 1 below it, and so on.
    pub depth: u32,
    /// Order among its siblings.
    pub position: i32,
    /// The section's page on the public website (`{base_url}/{slug}`), for a navigation menu.
    #[schema(example = "https://news.example.com/world-news")]
    pub url: String,
}

/// A page of the section tree, in depth-first order (parents before their children).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SectionList {
    pub data: Vec<SectionItem>,
    pub meta: PageMeta,
}

/// One section with where it sits in the tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectionDetail {
    #[schema(example = "world-news")]
    pub slug: String,
    #[schema(example = "World News")]
    pub name: String,
    pub description: Option<String>,
    pub parent: Option<SectionRef>,
    /// From the root down to this section.
    pub breadcrumb: Vec<SectionRef>,
    /// Direct sub-sections, in order.
    pub children: Vec<SectionRef>,
    /// The page's `<title>` override; `null`: use the name.
    pub seo_title: Option<String>,
    /// The page's meta description override; `null`: use the description.
    pub meta_description: Option<String>,

    /// The section's page on the public website (`{base_url}/{slug}`).
    #[schema(example = "https://news.example.com/world-news")]
    pub url: String,
}

/// Lists sections as a tree: depth-first, siblings by position then name, each with its parent
/// and depth, so a navigation menu can be built from the list in order.
#[utoipa::path(
    tag = "sections",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the section tree.", body = SectionList),
    )
)]
#[get("/sections")]
pub async fn list_sections(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (tree, urls) = from.run(&state, tree_and_urls).await?;
    let ordered = tree.in_tree_order();
    let data = page
        .slice(&ordered)
        .iter()
        .map(|(s, depth)| SectionItem {
            slug: s.slug.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            parent: s.parent_id.and_then(|p| tree.get(p)).map(|p| p.slug.clone()),
            depth: *depth as u32,
            position: s.position,
            url: urls.section(&s.slug),
        })
        .collect();
    let total = ordered.len() as i64;
    Ok(HttpResponse::Ok()
        .insert_header(surrogate_keys(["sections", cache_keys::SITE]))
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(SectionList {
            data,
            meta: page.meta(ordered.len() as i64),
        }))
}

/// Reads one section with its breadcrumb and direct sub-sections. Its articles are listed by
/// `GET /api/v1/articles?section={slug}`.
#[utoipa::path(
    tag = "sections",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The section's slug.", example = "world-news")),
    responses(
        (status = 200, description = "The section.", body = SectionDetail,
            headers(("ETag" = String, description = "With a bearer token: the version, for If-Match."))),
        (status = 404, description = "No section has this slug.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sections/{slug}")]
pub async fn get_section(
    state: web::Data<AppState>,
    from: ReadFrom,
    caller: MaybeAuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (tree, urls) = from.run(&state, tree_and_urls).await?;
    let section = tree.by_slug(&slug).ok_or_else(section_not_found)?;
    let mut response = HttpResponse::Ok();
    if caller.0.is_some() {
        response.insert_header((header::ETAG, preconditions::etag(section.version)));
    }
    // A section's answer includes its parents and children: any section change may touch it.
    response.insert_header(surrogate_keys([
        "sections".to_owned(),
        format!("section-{}", section.slug),
        cache_keys::SITE.to_owned(),
    ]));
    Ok(response.json(section_detail(&tree, &urls, section)))
}

/// `If-Match`, when given, must name the current version (412 with the current section if not).
fn check_version(
    if_match: &IfMatch,
    tree: &SectionTree,
    urls: &SiteUrls,
    current: &Section,
) -> Result<(), AppError> {
    if_match.check(current.version, false, || detail_json(tree, urls, current))
}

fn detail_json(
    tree: &SectionTree,
    urls: &SiteUrls,
    current: &Section,
) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(section_detail(tree, urls, current)).map_err(AppError::internal)
}

/// The section tree and how the public site's URLs are made (a section's page, its articles').
fn tree_and_urls(conn: &mut DbConn) -> Result<(SectionTree, SiteUrls), AppError> {
    Ok((section::load_tree(conn)?, SiteUrls::new(&site::load(conn)?)))
}

fn section_detail(tree: &SectionTree, urls: &SiteUrls, section: &Section) -> SectionDetail {
    SectionDetail {
        url: urls.section(&section.slug),
        slug: section.slug.clone(),
        name: section.name.clone(),
        description: section.description.clone(),
        seo_title: section.seo_title.clone(),
        meta_description: section.meta_description.clone(),
        parent: section.parent_id.and_then(|p| tree.get(p)).map(SectionRef::from),
        breadcrumb: tree
            .breadcrumb(section.id)
            .into_iter()
            .map(SectionRef::from)
            .collect(),
        children: tree
            .children(section.id)
            .into_iter()
            .map(SectionRef::from)
            .collect(),
    }
}

/// A new section.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "World News", "parent": "news", "position": 1}))]
pub struct SectionInput {
    /// Generated from the name when absent.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = SlugText, nullable = false)]
    pub slug: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = NameText, required = true, nullable = false)]
    pub name: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The parent section's slug; top level when absent or `null`.
    #[validate(custom(function = "rules::slug"))]
    #[schema(value_type = Option<SlugText>)]
    pub parent: Option<String>,
    /// Order among siblings (ascending); 0 when absent.
    #[validate(range(min = -100000, max = 100000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = i32, nullable = false, minimum = -100000, maximum = 100000)]
    pub position: Option<i32>,
    /// The page's `<title>` for search engines, instead of the name.
    #[validate(length(max = 300), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::TitleLineText>)]
    pub seo_title: Option<String>,
    /// The page's meta description, instead of the description.
    #[validate(length(max = 2000), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::SummaryText>)]
    pub meta_description: Option<String>,
}

impl RequestBody for SectionInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to a section; absent fields stay as they are, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"parent": null, "position": 3}))]
pub struct SectionPatch {
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = SlugText, nullable = false)]
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = NameText, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
    /// The new parent's slug; `null` moves the section to the top level. A move under itself
    /// or one of its own sub-sections is refused (409).
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "rules::slug"))]
    #[schema(value_type = Option<SlugText>)]
    pub parent: Option<Option<String>>,
    #[validate(range(min = -100000, max = 100000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = i32, nullable = false, minimum = -100000, maximum = 100000)]
    pub position: Option<i32>,
    /// `null` clears: the name is the page's title again.
    #[serde(default, deserialize_with = "crate::api::json::double_option")]
    #[validate(length(max = 300), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::TitleLineText>)]
    pub seo_title: Option<Option<String>>,
    /// `null` clears: the description is the page's meta description again.
    #[serde(default, deserialize_with = "crate::api::json::double_option")]
    #[validate(length(max = 2000), custom(function = "crate::api::json::rules::line"))]
    #[schema(value_type = Option<crate::api::json::SummaryText>)]
    pub meta_description: Option<Option<String>>,
}

impl RequestBody for SectionPatch {
    const SIZE: BodySize = BodySize::Small;
}

/// Records the `section.changed` webhook event of section `id` as the change left it. A section
/// shows in every answer's navigation and breadcrumbs: a CDN purges everything.
fn section_changed(
    conn: &mut DbConn,
    at: chrono::NaiveDateTime,
    action: &str,
    id: i64,
) -> Result<(), AppError> {
    // Names and paths show in every article's breadcrumb, URL and structured data: every stored
    // document is stale, in this write's transaction.
    crate::documents::invalidate::everything(conn)?;
    let (tree, urls) = tree_and_urls(conn)?;
    let section = tree.get(id).ok_or_else(section_not_found)?;
    let keys = vec![
        cache_keys::section(&section.slug),
        cache_keys::EVERY_ANSWER.to_owned(),
    ];
    let object = detail_json(&tree, &urls, section)?;
    let resource = cache_keys::section(&id.to_string());
    crate::webhooks::events::changed(
        conn,
        at,
        WebhookEvent::SectionChanged,
        resource,
        action,
        object,
        keys,
    )
}

async fn respond(state: &AppState, id: i64, created: bool) -> Result<HttpResponse, AppError> {
    let (tree, urls) = db::run(&state.pool, tree_and_urls).await?;
    let section = tree.get(id).ok_or_else(section_not_found)?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header(("Location", format!("/api/v1/sections/{}", section.slug)))
        .insert_header((header::ETAG, preconditions::etag(section.version)))
        .json(section_detail(&tree, &urls, section)))
}

/// Creates a section (editors and admins).
#[utoipa::path(
    tag = "sections",
    security(("bearer" = ["editor", "admin"])),
    request_body = SectionInput,
    responses(
        (status = 201, description = "Created.", body = SectionDetail),
        (status = 409, description = "The slug is taken.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sections")]
pub async fn create_section(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<SectionInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let input = body.0;
    let fields = SectionFields {
        slug: input.slug,
        name: input.name.unwrap_or_default(),
        description: input.description,
        parent: input.parent,
        position: input.position,
        seo_title: input.seo_title,
        meta_description: input.meta_description,
    };
    let id = write_as(&state, caller, move |conn, change| {
        let id = sections::create(conn, change, fields)?.id;
        section_changed(conn, change.at, "created", id)?;
        Ok(id)
    })
    .await?;
    respond(&state, id, true).await
}

/// Changes a section, or moves it in the tree (editors and admins).
#[utoipa::path(
    tag = "sections",
    security(("bearer" = ["editor", "admin"])),
    params(
        ("slug" = String, Path, description = "The section's slug."),
        ("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version this change is based on."),
    ),
    request_body = SectionPatch,
    responses(
        (status = 200, description = "Updated.", body = SectionDetail),
        (status = 404, description = "No section has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken, or the move would make a cycle.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/sections/{slug}")]
pub async fn update_section(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<SectionPatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let patch = body.0;
    let slug = slug.into_inner();
    let patch = sections::SectionPatch {
        slug: patch.slug,
        name: patch.name,
        description: patch.description,
        parent: patch.parent,
        position: patch.position,
        seo_title: patch.seo_title,
        meta_description: patch.meta_description,
    };
    let id = write_as(&state, caller, move |conn, change| {
        let (tree, urls) = tree_and_urls(conn)?;
        let current = sections::find(&tree, &slug)?;
        check_version(&if_match, &tree, &urls, current)?;
        let saved = sections::update(conn, change, &tree, current, patch)
            .map_err(|e| preconditions::with_current(e, || detail_json(&tree, &urls, current)))?;
        section_changed(conn, change.at, "updated", saved.id)?;
        Ok(saved.id)
    })
    .await?;
    respond(&state, id, false).await
}

/// Deletes a section that has no sub-sections and no articles (editors and admins).
#[utoipa::path(
    tag = "sections",
    security(("bearer" = ["editor", "admin"])),
    params(
        ("slug" = String, Path, description = "The section's slug."),
        ("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version being deleted."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No section has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The section still has sub-sections or articles; `errors` names them.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one); nothing was deleted.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sections/{slug}")]
pub async fn delete_section(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let slug = slug.into_inner();
    write_as(&state, caller, move |conn, change| {
        let (tree, urls) = tree_and_urls(conn)?;
        let current = sections::find(&tree, &slug)?;
        check_version(&if_match, &tree, &urls, current)?;
        sections::check_unused(conn, &tree, current)?;
        sections::delete(conn, change, current)?;
        let gone = serde_json::json!({ "id": current.id, "slug": current.slug });
        let keys = vec![
            cache_keys::section(&current.slug),
            cache_keys::EVERY_ANSWER.to_owned(),
        ];
        let resource = cache_keys::section(&current.id.to_string());
        crate::webhooks::events::changed(
            conn,
            change.at,
            WebhookEvent::SectionChanged,
            resource,
            "deleted",
            gone,
            keys,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
