//! Sources: the agencies and outlets articles credit ("By Agencies"). The routes are the shared
//! taxonomy routes (`api::taxonomy`); this file declares what is a source's own.

use actix_web::{delete, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, RequestBody, double_option, non_null, rules};
use crate::api::params::PageMeta;
use crate::api::taxonomy::{TermResource, term_routes};
use crate::api::views::SourceRef;
use crate::domain::taxonomy::{Sources, TermFields, TermPatch};

/// A page of sources, alphabetical.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SourceList {
    pub data: Vec<SourceRef>,
    pub meta: PageMeta,
}

impl From<(Vec<SourceRef>, PageMeta)> for SourceList {
    fn from((data, meta): (Vec<SourceRef>, PageMeta)) -> Self {
        Self { data, meta }
    }
}

/// A new source.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Reuters", "url": "https://www.reuters.com"}))]
pub struct SourceInput {
    /// Generated from the name when absent.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    /// The source's home page (http or https).
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s]+$")]
    pub url: Option<String>,
}

impl RequestBody for SourceInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to a source; absent fields stay as they are, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": null}))]
pub struct SourcePatch {
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    /// The source's home page (http or https).
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^https?://[^\s]+$")]
    pub url: Option<Option<String>>,
}

impl RequestBody for SourcePatch {
    const SIZE: BodySize = BodySize::Small;
}

impl From<SourceInput> for TermFields {
    fn from(input: SourceInput) -> Self {
        let (slug, name, extra) = (input.slug, input.name.unwrap_or_default(), input.url);
        Self { slug, name, extra }
    }
}

impl From<SourcePatch> for TermPatch {
    fn from(patch: SourcePatch) -> Self {
        let (slug, name, extra) = (patch.slug, patch.name, patch.url);
        Self { slug, name, extra }
    }
}

impl TermResource for Sources {
    type View = SourceRef;
    type List = SourceList;
    type Input = SourceInput;
    type Patch = SourcePatch;
    const PATH: &'static str = "/sources";
}

term_routes! {
    Sources, "sources", "/sources", "/sources/{slug}", [list_sources, get_source, create_source, update_source, delete_source], [SourceRef, SourceList, SourceInput, SourcePatch],
    words: ["Lists sources alphabetically by name.", "Reads one source. Its articles are listed by `GET /api/v1/articles?source={slug}`.", "Creates a source (editors and admins).", "Changes a source (editors and admins).", "Deletes a source that no article uses (editors and admins)."],
    answers: ["A page of sources.", "The source.", "No source has this slug.", "Articles still use the source; `errors` names them."],
    slug: ["The source's slug.", "agencies"]
}
