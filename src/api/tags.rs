//! Tags: free keywords an article is filed under. The routes are the shared taxonomy routes
//! (`api::taxonomy`); this file declares what is a tag's own: its wire shapes and its words.

use actix_web::{delete, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, RequestBody, double_option, non_null, rules};
use crate::api::params::PageMeta;
use crate::api::taxonomy::{TermResource, term_routes};
use crate::domain::taxonomy::{Tags, TermFields, TermPatch};
use crate::models::taxonomy::Term;

/// A tag. Its articles are listed by `GET /api/v1/articles?tag={slug}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TagDetail {
    #[schema(example = "pakistan")]
    pub slug: String,
    #[schema(example = "Pakistan")]
    pub name: String,
    pub description: Option<String>,
}

impl From<&Term> for TagDetail {
    fn from(t: &Term) -> Self {
        let (slug, name, description) = (t.slug.clone(), t.name.clone(), t.extra.clone());
        Self {
            slug,
            name,
            description,
        }
    }
}

/// A page of tags, alphabetical.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TagList {
    pub data: Vec<TagDetail>,
    pub meta: PageMeta,
}

impl From<(Vec<TagDetail>, PageMeta)> for TagList {
    fn from((data, meta): (Vec<TagDetail>, PageMeta)) -> Self {
        Self { data, meta }
    }
}

/// A new tag.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Counter-terrorism"}))]
pub struct TagInput {
    /// Generated from the name when absent.
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(required, length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = String, required = true, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

impl RequestBody for TagInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to a tag; absent fields stay as they are, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Militancy and the fight against it."}))]
pub struct TagPatch {
    #[validate(custom(function = "rules::slug"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 120, pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
}

impl RequestBody for TagPatch {
    const SIZE: BodySize = BodySize::Small;
}

impl From<TagInput> for TermFields {
    fn from(input: TagInput) -> Self {
        let (slug, name, extra) = (input.slug, input.name.unwrap_or_default(), input.description);
        Self { slug, name, extra }
    }
}

impl From<TagPatch> for TermPatch {
    fn from(patch: TagPatch) -> Self {
        let (slug, name, extra) = (patch.slug, patch.name, patch.description);
        Self { slug, name, extra }
    }
}

impl TermResource for Tags {
    type View = TagDetail;
    type List = TagList;
    type Input = TagInput;
    type Patch = TagPatch;
    const PATH: &'static str = "/tags";
}

term_routes! {
    Tags, "tags", "/tags", "/tags/{slug}", [list_tags, get_tag, create_tag, update_tag, delete_tag], [TagDetail, TagList, TagInput, TagPatch],
    words: ["Lists tags alphabetically by name.", "Reads one tag.", "Creates a tag (editors and admins).", "Changes a tag (editors and admins).", "Deletes a tag that no article uses (editors and admins)."],
    answers: ["A page of tags.", "The tag.", "No tag has this slug.", "Articles still use the tag; `errors` names them."],
    slug: ["The tag's slug.", "pakistan"]
}
