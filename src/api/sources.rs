//! Sources: the agencies and outlets articles credit ("By Agencies"). The routes and bodies are
//! the shared taxonomy ones (`api::taxonomy`); the view is `views::SourceRef`, as on articles.

use actix_web::{delete, get, patch, post};

use crate::api::taxonomy::{term_bodies, term_routes};
use crate::api::views::SourceRef;
use crate::domain::taxonomy::Sources;

term_bodies! {
    Sources, "/sources", view: SourceRef, list: SourceList "A page of sources, alphabetical.",
    input: SourceInput "A new source." {"name": "Reuters", "url": "https://www.reuters.com"},
    patch: SourcePatch "Changes to a source; absent fields stay as they are, `null` clears." {"url": null},
    extra: #[doc = " The source's home page (http or https)."] url,
        validate(length(max = 2000), custom(function = "crate::api::json::rules::http_url")),
        schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$")
}

term_routes! {
    Sources, "sources", "/sources", "/sources/{slug}", [list_sources, get_source, create_source, update_source, delete_source], [SourceRef, SourceList, SourceInput, SourcePatch],
    words: ["Lists sources alphabetically by name.", "Reads one source. Its articles are listed by `GET /api/v1/articles?source={slug}`.", "Creates a source (editors and admins).", "Changes a source (editors and admins).", "Deletes a source that no article uses (editors and admins)."],
    answers: ["A page of sources.", "The source.", "No source has this slug.", "Articles still use the source; `errors` names them."],
    slug: ["The source's slug.", "agencies"]
}
