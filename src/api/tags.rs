//! Tags: free keywords an article is filed under. The routes and bodies are the shared taxonomy
//! ones (`api::taxonomy`); this file declares what is a tag's own: its view, its column, its words.

use actix_web::{delete, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::taxonomy::{term_bodies, term_routes};
use crate::domain::site::SiteUrls;
use crate::domain::taxonomy::Tags;
use crate::models::taxonomy::Term;

/// A tag. Its articles are listed by `GET /api/v1/articles?tag={slug}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TagDetail {
    #[schema(example = "pakistan")]
    pub slug: String,
    #[schema(example = "Pakistan")]
    pub name: String,
    pub description: Option<String>,
    /// The page's `<title>` override; `null`: use the name.
    pub seo_title: Option<String>,
    /// The page's meta description override; `null`: use the description.
    pub meta_description: Option<String>,
    /// The tag's page on the public website (`{base_url}/tag/{slug}`).
    #[schema(example = "https://news.example.com/tag/pakistan")]
    pub url: String,
}

impl From<(&Term, &SiteUrls)> for TagDetail {
    fn from((t, urls): (&Term, &SiteUrls)) -> Self {
        Self {
            url: urls.page("tag", &t.slug),
            slug: t.slug.clone(),
            name: t.name.clone(),
            description: t.extra.clone(),
            seo_title: t.seo_title.clone(),
            meta_description: t.meta_description.clone(),
        }
    }
}

term_bodies! {
    Tags, "/tags", view: TagDetail, list: TagList "A page of tags, alphabetical.",
    input: TagInput "A new tag." {"name": "Counter-terrorism"},
    patch: TagPatch "Changes to a tag; absent fields stay as they are, `null` clears." {"description": "Militancy and the fight against it."},
    extra: description, validate(length(max = 2000)), schema(max_length = 2000)
}

term_routes! {
    Tags, "tags", "/tags", "/tags/{slug}", [list_tags, get_tag, create_tag, update_tag, delete_tag], [TagDetail, TagList, TagInput, TagPatch],
    words: ["Lists tags alphabetically by name.", "Reads one tag.", "Creates a tag (editors and admins).", "Changes a tag (editors and admins).", "Deletes a tag that no article uses (editors and admins)."],
    answers: ["A page of tags.", "The tag.", "No tag has this slug.", "Articles still use the tag; `errors` names them."],
    slug: ["The tag's slug.", "pakistan"]
}
