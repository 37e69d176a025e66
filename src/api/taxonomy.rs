//! The routes of the simple taxonomies (tags, sources), written once.
//!
//! The handlers are generic over [`TermResource`]: a kind's wire shapes (view, list, input,
//! patch) and its URL. [`term_routes!`] mounts them under each kind's own operation names with
//! the OpenAPI text of that kind; everything else (errors, caching headers, versions) is here.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::api::AppState;
use crate::api::json::{RequestBody, ValidJson};
use crate::api::links::{Nav, link_header};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::preconditions::{self, IfMatch};
use crate::api::reads::ReadFrom;
use crate::api::transact::write_touching;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db::DbConn;
use crate::domain::site::SiteUrls;
use crate::domain::taxonomy::{self, TermFields, TermKind, TermPatch};
use crate::error::AppError;
use crate::http_cache::{http_date, invalidated, keys as cache_keys, surrogate_keys};
use crate::models::site;
use crate::models::taxonomy::Term;
use crate::values::WebhookEvent;

/// A taxonomy as the API shows it.
pub trait TermResource: TermKind {
    /// One term on the wire, made from the row and the site's URLs.
    type View: Serialize + for<'a> From<(&'a Term, &'a SiteUrls)>;
    /// A page of terms on the wire.
    type List: Serialize + From<(Vec<Self::View>, PageMeta)>;
    /// The body of a create.
    type Input: RequestBody + Validate + DeserializeOwned + Into<TermFields> + 'static;
    /// The body of a partial update.
    type Patch: RequestBody + Validate + DeserializeOwned + Into<TermPatch> + 'static;
    /// The collection's path under `/api/v1` (`/tags`); also the Surrogate-Key of its lists.
    const PATH: &'static str;
}

fn view_json<K: TermResource>(term: &Term, urls: &SiteUrls) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(K::View::from((term, urls))).map_err(AppError::internal)
}

fn site_urls(conn: &mut DbConn) -> Result<SiteUrls, AppError> {
    Ok(SiteUrls::new(&site::load(conn)?))
}

/// Records the `tag.changed` or `source.changed` webhook event of a change to `term`.
fn term_changed<K: TermResource>(
    conn: &mut DbConn,
    at: chrono::NaiveDateTime,
    action: &str,
    term: &Term,
    object: serde_json::Value,
    keys: &[String],
) -> Result<(), AppError> {
    let kind = if K::NOUN == "tag" {
        WebhookEvent::TagChanged
    } else {
        WebhookEvent::SourceChanged
    };
    let resource = cache_keys::term(K::NOUN, &term.id.to_string());
    crate::webhooks::events::changed(conn, at, kind, resource, action, object, keys.to_vec())
}

/// The Surrogate-Key of one term's answers (`tag-pakistan`).
fn term_key<K: TermResource>(term: &Term) -> String {
    cache_keys::term(K::NOUN, &term.slug)
}

/// What a change to `term` touches: the list of terms, the term's own answer, the answers that
/// show it (articles and cards carry its key) and the article lists filtered by it.
fn touched_by<K: TermResource>(term: &Term) -> Vec<String> {
    vec![
        K::FIELD.to_owned(),
        term_key::<K>(term),
        cache_keys::in_term(K::NOUN, &term.slug),
    ]
}

/// `GET /{kind}`: a page of terms, alphabetical.
pub async fn list<K: TermResource>(
    state: web::Data<AppState>,
    from: ReadFrom,
    req: HttpRequest,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.0.resolve(&state.config)?;
    let (items, total, urls) = from
        .run(&state, move |conn| {
            let (items, total) = K::page(conn, page.offset(), page.limit())?;
            Ok((items, total, site_urls(conn)?))
        })
        .await?;
    let views = items.iter().map(|t| K::View::from((t, &urls))).collect();
    Ok(HttpResponse::Ok()
        .insert_header(surrogate_keys([K::FIELD, cache_keys::SITE]))
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(K::List::from((views, page.meta(total)))))
}

/// `GET /{kind}/{slug}`: one term; its ETag for callers with a token.
pub async fn get<K: TermResource>(
    state: web::Data<AppState>,
    from: ReadFrom,
    caller: MaybeAuthUser,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let (term, settings) = from
        .run(&state, move |conn| {
            Ok((taxonomy::find::<K>(conn, &slug)?, site::load(conn)?))
        })
        .await?;
    let urls = SiteUrls::new(&settings);
    let mut response = HttpResponse::Ok();
    if caller.0.is_some() {
        response.insert_header((header::ETAG, preconditions::etag(term.version)));
    }
    // The answer is this row and the site's URLs: the later of their update times is a sound
    // Last-Modified.
    let modified = term.updated_at.max(settings.updated_at);
    response.insert_header((header::LAST_MODIFIED, http_date(modified.and_utc())));
    response.insert_header(surrogate_keys([
        term_key::<K>(&term),
        cache_keys::SITE.to_owned(),
    ]));
    Ok(response.json(K::View::from((&term, &urls))))
}

/// The term as saved, with its URL and version.
fn respond<K: TermResource>(
    (saved, urls): &(Term, SiteUrls),
    mut response: actix_web::HttpResponseBuilder,
) -> HttpResponse {
    response
        .insert_header(("Location", format!("/api/v1{}/{}", K::PATH, saved.slug)))
        .insert_header((header::ETAG, preconditions::etag(saved.version)))
        .json(K::View::from((saved, urls)))
}

/// `POST /{kind}` (editors and admins).
pub async fn create<K: TermResource>(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<K::Input>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let fields: TermFields = body.0.into();
    let written = write_touching(&state, caller, move |conn, change| {
        let (saved, urls) = (taxonomy::create::<K>(conn, change, fields)?, site_urls(conn)?);
        // A new term is in no article yet: only the list of terms changes.
        let keys = vec![K::FIELD.to_owned()];
        term_changed::<K>(
            conn,
            change.at,
            "created",
            &saved,
            view_json::<K>(&saved, &urls)?,
            &keys,
        )?;
        Ok(((saved, urls), keys))
    })
    .await?;
    Ok(invalidated(
        respond::<K>(&written.value, HttpResponse::Created()),
        &written,
    ))
}

/// `PATCH /{kind}/{slug}` (editors and admins); `If-Match` optional.
pub async fn update<K: TermResource>(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<K::Patch>,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let patch: TermPatch = body.0.into();
    let slug = slug.into_inner();
    let written = write_touching(&state, caller, move |conn, change| {
        let current = taxonomy::find::<K>(conn, &slug)?;
        let urls = site_urls(conn)?;
        if_match.check(current.version, false, || view_json::<K>(&current, &urls))?;
        let saved = taxonomy::update::<K>(conn, change, &current, patch)
            .map_err(|e| preconditions::with_current(e, || view_json::<K>(&current, &urls)))?;
        let mut touched = touched_by::<K>(&current);
        touched.extend(touched_by::<K>(&saved));
        term_changed::<K>(
            conn,
            change.at,
            "updated",
            &saved,
            view_json::<K>(&saved, &urls)?,
            &touched,
        )?;
        Ok(((saved, urls), touched))
    })
    .await?;
    Ok(invalidated(
        respond::<K>(&written.value, HttpResponse::Ok()),
        &written,
    ))
}

/// `DELETE /{kind}/{slug}` (editors and admins): only a term no article lists.
pub async fn delete<K: TermResource>(
    state: web::Data<AppState>,
    caller: AuthUser,
    slug: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    caller.require_editorial()?;
    let slug = slug.into_inner();
    let written = write_touching(&state, caller, move |conn, change| {
        let current = taxonomy::find::<K>(conn, &slug)?;
        taxonomy::check_unused::<K>(conn, &current)?;
        let urls = site_urls(conn)?;
        if_match.check(current.version, false, || view_json::<K>(&current, &urls))?;
        taxonomy::delete::<K>(conn, change, &current)?;
        let keys = touched_by::<K>(&current);
        let gone = serde_json::json!({ "id": current.id, "slug": current.slug });
        term_changed::<K>(conn, change.at, "deleted", &current, gone, &keys)?;
        Ok(((), keys))
    })
    .await?;
    Ok(invalidated(HttpResponse::NoContent().finish(), &written))
}

/// Declares the five routes of a [`TermResource`] under the operation names and OpenAPI text of
/// that kind: `kind` (type), `tag` (OpenAPI tag), the two paths, the five handler names,
/// then the wire types and the kind's words for the spec. The calling module imports
/// `actix_web::{delete, get, patch, post}`: utoipa recognises only the bare route attributes.
macro_rules! term_routes {
    (
        $kind:ident, $tag:literal, $collection:literal, $item:literal,
        [$list:ident, $get:ident, $create:ident, $update:ident, $delete:ident],
        [$view:ident, $list_ty:ident, $input:ident, $patch:ident],
        words: [$lists:literal, $reads:literal, $creates:literal, $changes:literal, $deletes:literal],
        answers: [$page:literal, $one:literal, $missing:literal, $in_use:literal],
        slug: [$slug_doc:literal, $slug_example:literal]
    ) => {
        #[doc = $lists]
        #[utoipa::path(tag = $tag, params(crate::api::params::PageQuery), responses(
            (status = 200, description = $page, body = $list_ty),
        ))]
        #[get($collection)]
        pub async fn $list(
            state: actix_web::web::Data<crate::api::AppState>,
            from: crate::api::reads::ReadFrom,
            req: actix_web::HttpRequest,
            query: crate::api::params::Params<crate::api::params::PageQuery>,
        ) -> Result<actix_web::HttpResponse, crate::error::AppError> {
            crate::api::taxonomy::list::<$kind>(state, from, req, query).await
        }

        #[doc = $reads]
        #[utoipa::path(tag = $tag, security((), ("bearer" = [])),
            params(("slug" = String, Path, description = $slug_doc, example = $slug_example)),
            responses(
                (status = 200, description = $one, body = $view,
                    headers(("ETag" = String, description = "With a bearer token: the version, for If-Match."))),
                (status = 404, description = $missing, body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($item)]
        pub async fn $get(
            state: actix_web::web::Data<crate::api::AppState>,
            from: crate::api::reads::ReadFrom,
            caller: crate::auth::MaybeAuthUser,
            slug: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, crate::error::AppError> {
            crate::api::taxonomy::get::<$kind>(state, from, caller, slug).await
        }

        #[doc = $creates]
        #[utoipa::path(tag = $tag, security(("bearer" = ["editor", "admin"])), request_body = $input, responses(
            (status = 201, description = "Created.", body = $view),
            (status = 409, description = "The slug is taken.", body = crate::error::Problem, content_type = "application/problem+json"),
        ))]
        #[post($collection)]
        pub async fn $create(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::auth::AuthUser,
            body: crate::api::json::ValidJson<$input>,
        ) -> Result<actix_web::HttpResponse, crate::error::AppError> {
            crate::api::taxonomy::create::<$kind>(state, caller, body).await
        }

        #[doc = $changes]
        #[utoipa::path(tag = $tag, security(("bearer" = ["editor", "admin"])),
            params(("slug" = String, Path, description = $slug_doc), ("If-Match" = inline(Option<crate::api::preconditions::IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version this change is based on.")),
            request_body = $patch,
            responses(
                (status = 200, description = "Updated.", body = $view),
                (status = 404, description = $missing, body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The new slug is taken.", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[patch($item)]
        pub async fn $update(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::auth::AuthUser,
            slug: actix_web::web::Path<String>,
            if_match: crate::api::preconditions::IfMatch,
            body: crate::api::json::ValidJson<$patch>,
        ) -> Result<actix_web::HttpResponse, crate::error::AppError> {
            crate::api::taxonomy::update::<$kind>(state, caller, slug, if_match, body).await
        }

        #[doc = $deletes]
        #[utoipa::path(tag = $tag, security(("bearer" = ["editor", "admin"])),
            params(("slug" = String, Path, description = $slug_doc), ("If-Match" = inline(Option<crate::api::preconditions::IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version being deleted.")),
            responses(
                (status = 204, description = "Deleted."),
                (status = 404, description = $missing, body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = $in_use, body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names another version (or no valid one); nothing was deleted.", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::auth::AuthUser,
            slug: actix_web::web::Path<String>,
            if_match: crate::api::preconditions::IfMatch,
        ) -> Result<actix_web::HttpResponse, crate::error::AppError> {
            crate::api::taxonomy::delete::<$kind>(state, caller, slug, if_match).await
        }
    };
}

pub(crate) use term_routes;

/// Declares the wire shapes of a [`TermResource`] (its page, its create and patch bodies) and
/// implements the trait. A kind gives its type names, its path, its own column (`extra`, with
/// its validation and schema rules) and the texts and examples of its schemas. Slug and name
/// are the same for every kind and declared here once.
macro_rules! term_bodies {
    (
        $kind:ident, $path:literal, view: $view:ident,
        list: $list:ident $list_doc:literal,
        input: $input:ident $input_doc:literal $input_example:tt,
        patch: $patch:ident $patch_doc:literal $patch_example:tt,
        extra: $(#[doc = $extra_doc:literal])* $extra:ident, validate($($rules:tt)*), schema($($schema:tt)*)
    ) => {
        #[doc = $list_doc]
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $list {
            pub data: Vec<$view>,
            pub meta: crate::api::params::PageMeta,
        }

        impl From<(Vec<$view>, crate::api::params::PageMeta)> for $list {
            fn from((data, meta): (Vec<$view>, crate::api::params::PageMeta)) -> Self {
                Self { data, meta }
            }
        }

        #[doc = $input_doc]
        #[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        #[schema(example = json!($input_example))]
        pub struct $input {
            /// Generated from the name when absent.
            #[validate(custom(function = "crate::api::json::rules::slug"))]
            #[serde(default, deserialize_with = "crate::api::json::non_null")]
            #[schema(value_type = crate::api::json::SlugText, nullable = false)]
            pub slug: Option<String>,
            #[validate(required, length(max = 200), custom(function = "crate::api::json::rules::name"))]
            #[schema(value_type = crate::api::json::NameText, required = true, nullable = false)]
            pub name: Option<String>,
            $(#[doc = $extra_doc])*
            #[validate($($rules)*)]
            #[schema($($schema)*)]
            pub $extra: Option<String>,
            /// The page's `<title>` for search engines, instead of the name.
            #[validate(length(max = 300), custom(function = "crate::api::json::rules::line"))]
            #[schema(value_type = Option<crate::api::json::TitleLineText>)]
            pub seo_title: Option<String>,
            /// The page's meta description, instead of the description.
            #[validate(length(max = 2000), custom(function = "crate::api::json::rules::line"))]
            #[schema(value_type = Option<crate::api::json::SummaryText>)]
            pub meta_description: Option<String>,
        }

        #[doc = $patch_doc]
        #[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        #[schema(example = json!($patch_example))]
        pub struct $patch {
            #[validate(custom(function = "crate::api::json::rules::slug"))]
            #[serde(default, deserialize_with = "crate::api::json::non_null")]
            #[schema(value_type = crate::api::json::SlugText, nullable = false)]
            pub slug: Option<String>,
            #[validate(length(max = 200), custom(function = "crate::api::json::rules::name"))]
            #[serde(default, deserialize_with = "crate::api::json::non_null")]
            #[schema(value_type = crate::api::json::NameText, nullable = false)]
            pub name: Option<String>,
            $(#[doc = $extra_doc])*
            #[serde(default, deserialize_with = "crate::api::json::double_option")]
            #[validate($($rules)*)]
            #[schema(value_type = Option<String>, $($schema)*)]
            pub $extra: Option<Option<String>>,
            /// `null` clears: the name is the page's title again.
            #[serde(default, deserialize_with = "crate::api::json::double_option")]
            #[validate(length(max = 300), custom(function = "crate::api::json::rules::line"))]
            #[schema(value_type = Option<crate::api::json::TitleLineText>)]
            pub seo_title: Option<Option<String>>,
            /// `null` clears.
            #[serde(default, deserialize_with = "crate::api::json::double_option")]
            #[validate(length(max = 2000), custom(function = "crate::api::json::rules::line"))]
            #[schema(value_type = Option<crate::api::json::SummaryText>)]
            pub meta_description: Option<Option<String>>,
        }

        impl crate::api::json::RequestBody for $input {
            const SIZE: crate::api::json::BodySize = crate::api::json::BodySize::Small;
        }

        impl crate::api::json::RequestBody for $patch {
            const SIZE: crate::api::json::BodySize = crate::api::json::BodySize::Small;
        }

        impl From<$input> for crate::domain::taxonomy::TermFields {
            fn from(input: $input) -> Self {
                Self {
                    slug: input.slug,
                    name: input.name.unwrap_or_default(),
                    extra: input.$extra,
                    seo_title: input.seo_title,
                    meta_description: input.meta_description,
                }
            }
        }

        impl From<$patch> for crate::domain::taxonomy::TermPatch {
            fn from(patch: $patch) -> Self {
                Self {
                    slug: patch.slug,
                    name: patch.name,
                    extra: patch.$extra,
                    seo_title: patch.seo_title,
                    meta_description: patch.meta_description,
                }
            }
        }

        impl crate::api::taxonomy::TermResource for $kind {
            type View = $view;
            type List = $list;
            type Input = $input;
            type Patch = $patch;
            const PATH: &'static str = $path;
        }
    };
}

pub(crate) use term_bodies;
