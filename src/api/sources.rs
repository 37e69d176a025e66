//! Sources: the agencies and outlets articles credit ("By Agencies"). The routes and bodies are
//! the shared taxonomy ones (`api::taxonomy`); this file declares a source's view, column and words.

use actix_web::{delete, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::taxonomy::{term_bodies, term_routes};
use crate::domain::site::SiteUrls;
use crate::domain::taxonomy::Sources;
use crate::models::taxonomy::Term;

/// A source. Its articles are listed by `GET /api/v1/articles?source={slug}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceDetail {
    #[schema(example = "agencies")]
    pub slug: String,
    #[schema(example = "Agencies")]
    pub name: String,
    /// The source's own home page, if known.
    #[schema(example = "https://www.reuters.com")]
    pub url: Option<String>,
    /// The page's `<title>` override; `null`: use the name.
    pub seo_title: Option<String>,
    /// The page's meta description override.
    pub meta_description: Option<String>,
    /// The source's page on the public website (`{base_url}/source/{slug}`).
    #[schema(example = "https://news.example.com/source/agencies")]
    pub page_url: String,
}

impl From<(&Term, &SiteUrls)> for SourceDetail {
    fn from((t, urls): (&Term, &SiteUrls)) -> Self {
        Self {
            page_url: urls.page("source", &t.slug),
            slug: t.slug.clone(),
            name: t.name.clone(),
            url: t.extra.clone(),
            seo_title: t.seo_title.clone(),
            meta_description: t.meta_description.clone(),
        }
    }
}

term_bodies! {
    Sources, "/sources", view: SourceDetail, list: SourceList "A page of sources, alphabetical.",
    input: SourceInput "A new source." {"name": "Reuters", "url": "https://www.reuters.com"},
    patch: SourcePatch "Changes to a source; absent fields stay as they are, `null` clears." {"url": null},
    extra: #[doc = " The source's home page (http or https)."] url,
        validate(length(max = 2000), custom(function = "crate::api::json::rules::http_url")),
        schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f\ufeff]+$")
}

term_routes! {
    Sources, "sources", "/sources", "/sources/{slug}", [list_sources, get_source, create_source, update_source, delete_source], [SourceDetail, SourceList, SourceInput, SourcePatch],
    words: ["Lists sources alphabetically by name.", "Reads one source. Its articles are listed by `GET /api/v1/articles?source={slug}`.", "Creates a source (editors and admins).", "Changes a source (editors and admins).", "Deletes a source that no article uses (editors and admins)."],
    answers: ["A page of sources.", "The source.", "No source has this slug.", "Articles still use the source; `errors` names them."],
    slug: ["The source's slug.", "agencies"]
}
