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
        (name = "system", description = "Liveness and readiness."),
    )
)]
pub struct ApiDoc;
