//! The frame of the OpenAPI document: title, version, tags. Paths and schemas are collected
//! from the handlers' `#[utoipa::path]` attributes as they are mounted (see `server::openapi_spec`);
//! [`complete`] then adds the error responses that follow from an operation's shape, so the
//! annotations list only what is particular to their route.

mod headers;
mod polish;

use std::collections::BTreeMap;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{
    Components, ContentBuilder, HeaderBuilder, OpenApi, PathItem, Ref, RefOr, Required, Response,
    ResponseBuilder,
};

/// Pretty-printed JSON of the whole spec, as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut json = crate::server::openapi_spec()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Dateline",
        // The description is `polish::INTRODUCTION`.
        description = "A headless CMS for newsrooms.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "articles", description = "Published articles, their related articles."),
        (name = "sections", description = "The section tree (\"Home > World News\")."),
        (name = "tags", description = "Keywords articles are filed under."),
        (name = "sources", description = "Agencies and outlets articles credit (\"By Agencies\")."),
        (name = "comments", description = "Reader comments (plain text: escape when rendering) and their moderation."),
        (name = "revisions", description = "Every change to an article, restorable."),
        (name = "trash", description = "Deleted articles, restorable until purged."),
        (name = "audit", description = "Who did what, when (admins)."),
        (name = "auth", description = "Log in, rotate refresh tokens, log out."),
        (name = "users", description = "Editorial accounts (admins only)."),
        (name = "authors", description = "Public author profiles (bylines link to them), and each account's own profile."),
        (name = "media", description = "The media library: uploaded images with alt text, caption, credit and focal point, rendered to WebP and JPEG/PNG variants for `srcset` (editorial)."),
        (name = "webhooks", description = "Signed webhooks (Standard Webhooks) for every public change, from a transactional outbox: endpoints, secrets, delivery log, redelivery and test pings (admins)."),
        (name = "feeds", description = "RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the latest articles: the whole site, a section (with its sub-sections), a tag, a source or an author."),
        (name = "sitemaps", description = "Sitemaps for search engines: an index, monthly article sitemaps with images, one for sections, tags and authors, and a Google News sitemap."),
        (name = "site", description = "The site's settings: name, public address, language, time zone, navigation, \"Stay Connected\" links."),
        (name = "system", description = "Liveness and readiness."),
    ),
    // Named by parameters too (which utoipa does not collect), not only by bodies.
    components(schemas(
        crate::api::json::SlugText,
        crate::api::articles::members::SummaryField,
        crate::api::articles::members::Embed,
        crate::api::articles::members::DetailField,
        crate::api::articles::members::ArticleEmbed,
        crate::api::articles::filters::TimeBound,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Where the database-backed API lives: every operation under it can answer 503.
const API_PREFIX: &str = "/api/v1/";

/// The security scheme of user access tokens; its scopes, where listed, are the roles admitted.
const BEARER: &str = "bearer";

/// Adds the responses that follow from an operation's shape, once all routes are collected, so
/// that no annotation repeats them:
///
/// - a request body: malformed JSON (400), too slow (408), too large (413), not JSON (415),
///   fields that break the schema (422);
/// - query parameters: one malformed, unknown or out of range (400);
/// - a `bearer` requirement: a missing or bad token (401), and a role outside the listed scopes
///   (403);
/// - a required `If-Match` header: 428 without it;
/// - an anonymous public read under `/api/v1/`: 304 to a conditional request;
/// - anything under `/api/v1/`: the database is unavailable (503).
///
/// An operation's own entry for a status always wins: a route-specific description (a 403
/// about the caller's own draft, say) stays as the annotation words it.
pub fn complete(mut spec: OpenApi) -> OpenApi {
    if let Some(components) = spec.components.as_mut() {
        sparse_fieldsets(components);
        headers::register(components);
    }
    let components = spec.components.clone().unwrap_or_default();
    let versioned_paths: Vec<String> = spec
        .paths
        .paths
        .iter_mut()
        .filter_map(|(path, item)| {
            operations_mut(item)
                .any(|o| takes_if_match(o))
                .then(|| path.clone())
        })
        .collect();
    for (path, item) in spec.paths.paths.iter_mut() {
        let versioned = versioned_paths.contains(path);
        let collection_of_versioned = versioned_paths
            .iter()
            .any(|versioned| is_item_of(versioned, path));
        if let Some(get) = item.get.as_mut() {
            let conditional = not_modified(path, get);
            add_missing(get, conditional);
        }
        for operation in operations_mut(item) {
            let shared = shared_responses(path, operation, &components);
            add_missing(operation, shared);
        }
        for (method, operation) in methods_mut(item) {
            let is_get = method == "get";
            // A versioned resource's writes answer its address and version (`respond` in
            // `api::sections`, `api::taxonomy`, `api::media`, `api::articles::write`).
            let writes_item = matches!(method, "put" | "patch") && versioned && path.ends_with('}');
            let creates_item = method == "post" && collection_of_versioned;
            let shape = headers::Shape {
                cached_read: is_get && is_cached_read(path, operation),
                takes_token: Bearer::of(operation).is_some(),
                versioned: versioned || creates_item,
                locates: writes_item || creates_item,
                paged: is_get && is_paged(operation),
            };
            headers::document(operation, &shape);
        }
    }
    polish::apply(&mut spec);
    spec
}

/// The answers `fields=` cuts down (`api::articles::members`): any member but `id` may be left
/// out, so only `id` is required. Their other members say when each is sent.
fn sparse_fieldsets(components: &mut Components) {
    for name in ["ArticleSummary", "ArticleDetail"] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
            object.required = vec!["id".to_owned()];
        }
    }
}

/// What the `Link` header of a paged list says (`api::links`).
const PAGING_LINKS: &str = "RFC 8288 links to the `first`, `prev` (from page 2 on) and `next` (when another page \
     follows) pages: this request's path and query with `page` (or `cursor`) changed.";

/// A paged list (one that takes `page`) answers an RFC 8288 `Link` header (`api::links`).
fn is_paged(get: &Operation) -> bool {
    get.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) && p.name == "page")
    })
}

/// A GET under the API that an anonymous caller may make: the response cache answers it
/// (`http_cache::layer`), with validators and 304s.
fn is_cached_read(path: &str, get: &Operation) -> bool {
    let anonymous = get
        .security
        .as_ref()
        .is_none_or(|requirements| requirements.iter().any(|r| r == &Default::default()));
    path.starts_with(API_PREFIX) && anonymous
}

/// Every operation of a path.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    methods_mut(item).map(|(_, operation)| operation)
}

/// Every operation of a path with its method.
fn methods_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("post", &mut item.post),
        ("put", &mut item.put),
        ("patch", &mut item.patch),
        ("delete", &mut item.delete),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
}

/// Inserts each response whose status the operation does not declare itself.
fn add_missing(operation: &mut Operation, responses: Vec<(&'static str, Response)>) {
    for (status, response) in responses {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| response.into());
    }
}

/// 304 for a GET under the API that an anonymous caller may make: those are the cacheable ones.
fn not_modified(path: &str, get: &Operation) -> Vec<(&'static str, Response)> {
    if !is_cached_read(path, get) {
        return Vec::new();
    }
    let response = ResponseBuilder::new()
        .description("The copy named by If-None-Match (or dated by If-Modified-Since) is current.")
        .build();
    vec![("304", response)]
}

/// The error responses an operation's shape implies, by status.
fn shared_responses(
    path: &str,
    operation: &Operation,
    components: &Components,
) -> Vec<(&'static str, Response)> {
    let mut shared = Vec::new();
    let body = operation.request_body.as_ref();
    if let Some(description) = bad_request(
        has_number_in_path(operation),
        body.is_some(),
        has_query(operation),
        takes_if_match(operation),
    ) {
        shared.push(("400", problem(&description)));
    }
    if has_query(operation) {
        // Each parameter within its own limits, several together can still exceed the request
        // target's (`reject_malformed` in `server`).
        shared.push((
            "414",
            problem("The request target (path and query) is longer than `DATELINE_MAX_URI_BYTES` (49,152 bytes by default, which every request this spec allows fits in)."),
        ));
    }
    if let Some(bearer) = Bearer::of(operation) {
        shared.push(("401", problem(bearer.unauthorized())));
        if let Some(forbidden) = bearer.forbidden() {
            shared.push(("403", problem(&forbidden)));
        }
    }
    if requires_if_match(operation) {
        shared.push(("428", problem("If-Match is missing.")));
    }
    if let Some(body) = body {
        shared.extend(body_responses(body, components));
    }
    if path.starts_with(API_PREFIX) {
        shared.push(("503", database_unavailable()));
    }
    shared
}

fn has_query(operation: &Operation) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)))
}

/// Whether `item` is `collection` and one path parameter (`/api/v1/tags/{slug}` of
/// `/api/v1/tags`).
fn is_item_of(item: &str, collection: &str) -> bool {
    item.strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix("/{"))
        .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
}

/// Whether the operation takes an `If-Match` header at all: its resource is versioned.
fn takes_if_match(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Header)
            && p.name.eq_ignore_ascii_case("If-Match"))
    })
}

/// Whether the operation names a required `If-Match` header: without one it answers 428
/// (`api::preconditions`).
fn requires_if_match(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Header)
            && p.name.eq_ignore_ascii_case("If-Match")
            && matches!(p.required, Required::True))
    })
}

/// What a 400 means, from the parts of the request that can be at fault (see `api::json`
/// and `api::params`: both name the culprit in `errors`). A numeric path segment is at fault
/// when it is not a number or lies outside 64 bits; an `If-Match` when it breaks its pattern
/// (`api::preconditions`).
fn bad_request(path: bool, body: bool, query: bool, if_match: bool) -> Option<String> {
    let culprits: Vec<&str> = [
        (path, "an id in the path is not a number (or too large)"),
        (body, "the body is not valid JSON or gives a key twice"),
        (query, "a query parameter is malformed, unknown or out of range"),
        (if_match, "`If-Match` is neither `*` nor a list of entity tags"),
    ]
    .into_iter()
    .filter_map(|(present, culprit)| present.then_some(culprit))
    .collect();
    let (last, others) = culprits.split_last()?;
    let listed = if others.is_empty() {
        (*last).to_owned()
    } else {
        format!("{}, or {last}", others.join(", "))
    };
    let mut sentence = listed;
    sentence[..1].make_ascii_uppercase();
    Some(format!("{sentence}; `errors` says which."))
}

fn is_integer(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Integer))
}

/// Whether a path parameter is an integer, which the router parses before the handler runs.
fn has_number_in_path(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path)
            && p.schema.as_ref().is_some_and(is_integer))
    })
}

/// The responses of reading a JSON body (`api::json::ValidJson`), 400 aside.
fn body_responses(body: &RefOr<RequestBody>, components: &Components) -> Vec<(&'static str, Response)> {
    let invalid = if has_required_fields(body, components) {
        "Fields are missing or invalid; each is named."
    } else {
        "Fields are invalid; each is named."
    };
    vec![
        (
            "408",
            problem("The body did not arrive within `DATELINE_BODY_TIMEOUT_SECS`."),
        ),
        ("413", problem("The body is too large.")),
        ("415", problem("The body is not `application/json`.")),
        ("422", problem(invalid)),
    ]
}

/// Whether the JSON body's schema requires any field, so that one can be missing.
fn has_required_fields(body: &RefOr<RequestBody>, components: &Components) -> bool {
    let RefOr::T(body) = body else { return true };
    let schema = body
        .content
        .get("application/json")
        .and_then(|content| match content {
            RefOr::T(content) => content.schema.as_ref(),
            RefOr::Ref(_) => None,
        });
    let schema = match schema {
        Some(RefOr::Ref(reference)) => reference
            .ref_location
            .strip_prefix("#/components/schemas/")
            .and_then(|name| components.schemas.get(name)),
        other => other,
    };
    // Unknown shapes count as requiring something: "missing or invalid" is never wrong there.
    match schema {
        Some(RefOr::T(Schema::Object(object))) => !object.required.is_empty(),
        _ => true,
    }
}

/// An operation's `bearer` requirement: whether anonymous callers are admitted too, and which
/// roles (the requirement's scopes; none listed means any role).
struct Bearer {
    optional: bool,
    roles: Vec<String>,
}

impl Bearer {
    fn of(operation: &Operation) -> Option<Self> {
        // `SecurityRequirement` keeps its map private; its JSON form is that map.
        let requirements: Vec<serde_json::Map<String, serde_json::Value>> = operation
            .security
            .iter()
            .flatten()
            .filter_map(|r| serde_json::to_value(r).ok()?.as_object().cloned())
            .collect();
        let scopes = requirements.iter().find_map(|r| r.get(BEARER))?;
        let roles = scopes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|role| role.as_str().map(str::to_owned))
            .collect();
        Some(Self {
            optional: requirements.iter().any(serde_json::Map::is_empty),
            roles,
        })
    }

    fn unauthorized(&self) -> &'static str {
        if self.optional {
            "The bearer token is invalid or expired."
        } else {
            "No valid access token."
        }
    }

    /// "Not an editor or admin." for the scopes `["editor", "admin"]`; `None` without scopes.
    fn forbidden(&self) -> Option<String> {
        let (first, rest) = self.roles.split_first()?;
        let article = if first.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let mut names = vec![format!("{article} {first}")];
        names.extend(rest.iter().cloned());
        Some(format!("Not {}.", names.join(" or ")))
    }
}

/// An RFC 9457 problem response.
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// 503: every database error that may pass (no connection, busy, closed) says so, and when to
/// retry (`error::AppError::Unavailable`).
fn database_unavailable() -> Response {
    let mut response = problem("The database is unavailable; retry after `Retry-After` seconds.");
    let retry_after = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)),
        ))
        .description(Some("Seconds to wait before retrying."))
        .build();
    response
        .headers
        .insert("Retry-After".to_owned(), RefOr::T(retry_after));
    response
}

/// The 503 of a route outside `/api/v1/` that waits on the database, for its annotation:
/// `responses((status = 200, ...), DatabaseUnavailable)`.
pub struct DatabaseUnavailable;

impl utoipa::IntoResponses for DatabaseUnavailable {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([("503".to_owned(), database_unavailable().into())])
    }
}

/// Declares the `bearer` security scheme that protected operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login` (15 minutes by default). Where an operation lists scopes, they are the roles it admits (`admin`, `editor`, `author`); another role gets 403.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The operator's `DATELINE_METRICS_TOKEN`."))
                    .build(),
            ),
        );
    }
}
