//! The frame of the OpenAPI document: title, version, tags. Paths and schemas are collected
//! from the handlers' `#[utoipa::path]` attributes as they are mounted (see `server::openapi_spec`).

use utoipa::OpenApi;

/// Pretty-printed JSON of the whole spec, as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut json = crate::server::openapi_spec()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dateline",
        description = "A headless CMS for newsrooms: articles, sections, tags, sources and reader comments as JSON.\n\nErrors are RFC 9457 `application/problem+json` documents; invalid input lists each bad field in `errors`.\nTimestamps are RFC 3339 in UTC.",
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
        (name = "system", description = "Liveness and readiness."),
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Adds what every operation of a kind can answer, once all routes are collected: a route that
/// reads a body can also time out waiting for it (408); an anonymous public read can answer
/// 304 to a conditional request.
pub fn complete(mut spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    for item in spec.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch]
            .into_iter()
            .flatten()
        {
            if operation.request_body.is_none() || operation.responses.responses.contains_key("408") {
                continue;
            }
            let timeout = ResponseBuilder::new()
                .description("The body did not arrive within `DATELINE_BODY_TIMEOUT_SECS`.")
                .content(
                    crate::error::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            operation
                .responses
                .responses
                .insert("408".to_owned(), timeout.into());
        }
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        let Some(get) = item.get.as_mut() else { continue };
        let anonymous = get
            .security
            .as_ref()
            .is_none_or(|requirements| requirements.iter().any(|r| r == &Default::default()));
        if path.starts_with("/api/v1/") && anonymous && !get.responses.responses.contains_key("304") {
            let not_modified = ResponseBuilder::new()
                .description("The copy named by If-None-Match (or dated by If-Modified-Since) is current.")
                .build();
            get.responses
                .responses
                .insert("304".to_owned(), not_modified.into());
        }
    }
    spec
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
                        "An access token from `POST /api/v1/auth/login` (15 minutes by default).",
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
