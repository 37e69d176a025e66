//! The site settings: `GET /site` (public) and `PUT`/`PATCH /site` (admins).

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::AppState;
use crate::api::json::{BodySize, HttpUrl, NameText, RequestBody, ValidJson, double_option, non_null, rules};
use crate::api::media::FeaturedImage;
use crate::api::preconditions::{self, IfMatch};
use crate::api::reads::ReadFrom;
use crate::api::transact::write_touching;
use crate::api::views::utc;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db::DbConn;
use crate::domain::site::{self as site_rules, NavLink, Settings, SocialLink};
use crate::error::{AppError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys, surrogate_keys};
use crate::media::storage::MediaStore;
use crate::models::section::{self, SectionTree};
use crate::models::site::{self, SiteRow};

/// One "Stay Connected" link, in the order given.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocialLinkBody {
    /// The network, for an icon: a slug such as `facebook`, `x`, `instagram`, `youtube`, `rss`.
    #[validate(length(max = 40), custom(function = "rules::slug"))]
    #[schema(
        example = "facebook",
        max_length = 40,
        pattern = r"^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub network: String,
    /// The text shown: one line, not blank.
    #[validate(length(max = 80), custom(function = "rules::name"))]
    #[schema(
        example = "Facebook",
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*[^\s\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff][^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*$"
    )]
    pub label: String,
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(
        example = "https://www.facebook.com/dateline",
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f\ufeff]+$"
    )]
    pub url: String,
}

/// One main-navigation entry, in the order given: a section (by slug) or any URL, not both.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NavLinkBody {
    #[validate(length(max = 80), custom(function = "rules::name"))]
    #[schema(example = "World News", max_length = 80)]
    pub label: String,
    /// A section's slug: the entry follows the section if it is renamed.
    #[validate(custom(function = "rules::slug"))]
    #[schema(example = "world-news")]
    pub section: Option<String>,
    /// Any http(s) URL.
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1f\x7f-\x9f\ufeff]+$")]
    pub url: Option<String>,
}

/// A navigation entry as answered.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NavLinkView {
    #[schema(example = "World News")]
    pub label: String,
    /// The section's slug, for a section entry.
    #[schema(example = "world-news")]
    pub section: Option<String>,
    /// Where the entry leads: the section's page on the public site (`{base_url}/{section}`),
    /// or the URL given.
    #[schema(example = "https://news.example.com/world-news")]
    pub url: String,
}

/// The site settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SiteView {
    #[schema(example = "The Daily Dateline")]
    pub name: String,
    #[schema(example = "News from Pakistan and the world")]
    pub description: Option<String>,
    /// The public website's origin (and path prefix, if any), without a trailing slash: every
    /// canonical URL starts with it.
    #[schema(example = "https://news.example.com")]
    pub base_url: String,
    /// BCP 47 language tag of the content.
    #[schema(example = "en-GB")]
    pub language: String,
    /// IANA time zone in which the site shows dates (and in which a date-only import means
    /// midnight).
    #[schema(example = "Asia/Karachi")]
    pub time_zone: String,
    /// The publisher for structured data: the configured name, or the site's name.
    #[schema(example = "Dateline Media Ltd")]
    pub publisher_name: String,
    /// The "Stay Connected" links, in order.
    pub social_links: Vec<SocialLinkBody>,
    /// The main navigation, in order. An entry whose section was deleted is left out.
    pub navigation: Vec<NavLinkView>,
    /// How an article's path on the public site is made from `{section}`, `{slug}`, `{yyyy}`,
    /// `{mm}`, `{dd}` (publication date in the site's time zone) and `{id}`.
    #[schema(example = "/{section}/{slug}")]
    pub permalink: String,
    /// The site's logo kept elsewhere, as given (`logo`, a library item, wins over it, also as
    /// the publisher's logo in structured data).
    #[schema(value_type = Option<HttpUrl>)]
    pub logo_url: Option<String>,
    /// The image shared on social networks for pages without one of their own, as given
    /// (`social_image` wins over it).
    #[schema(value_type = Option<HttpUrl>)]
    pub social_image_url: Option<String>,
    /// The logo as a media library item (`logo_media`), with its variants.
    pub logo: Option<FeaturedImage>,
    /// The default share image as a media library item (`social_image_media`).
    pub social_image: Option<FeaturedImage>,
    pub updated_at: DateTime<Utc>,
}

/// The whole settings (`PUT`). Absent optional fields are cleared.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "The Daily Dateline", "description": "News from Pakistan and the world",
    "base_url": "https://news.example.com", "language": "en-GB", "time_zone": "Asia/Karachi",
    "publisher_name": "Dateline Media Ltd",
    "social_links": [{"network": "facebook", "label": "Facebook", "url": "https://www.facebook.com/dateline"}],
    "navigation": [{"label": "World News", "section": "world-news"}, {"label": "About", "url": "https://news.example.com/about"}],
    "permalink": "/{section}/{slug}"
}))]
pub struct SiteInput {
    #[validate(length(max = 100), custom(function = "rules::name"))]
    #[schema(value_type = NameText, max_length = 100)]
    pub name: String,
    #[validate(length(max = 500), custom(function = "rules::line"))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[validate(length(max = 500))]
    #[schema(
        max_length = 500,
        example = "https://news.example.com",
        pattern = r"^https?://[^/?#\s\x00-\x1f\x7f-\x9f\ufeff][^?#\s\x00-\x1f\x7f-\x9f\ufeff]*$"
    )]
    pub base_url: String,
    #[validate(length(min = 2, max = 35))]
    #[schema(min_length = 2, max_length = 35, example = "en-GB")]
    pub language: String,
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "Asia/Karachi")]
    pub time_zone: String,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[schema(value_type = Option<NameText>)]
    pub publisher_name: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub social_links: Vec<SocialLinkBody>,
    #[serde(default)]
    #[validate(length(max = 30), nested)]
    #[schema(max_items = 30)]
    pub navigation: Vec<NavLinkBody>,
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "/{section}/{slug}",
        pattern = r"^/"
    )]
    pub permalink: String,
    /// The site's logo (also the publisher's logo in structured data): an http(s) URL.
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(value_type = Option<HttpUrl>)]
    pub logo_url: Option<String>,
    /// The default image for social sharing: an http(s) URL.
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[schema(value_type = Option<HttpUrl>)]
    pub social_image_url: Option<String>,
    /// The logo as a media library item's id (`POST /media`); its URL wins over `logo_url`.
    #[validate(range(min = 1))]
    #[schema(minimum = 1, example = 3)]
    pub logo_media: Option<i64>,
    /// The default share image as a media library item's id; wins over `social_image_url`.
    #[validate(range(min = 1))]
    #[schema(minimum = 1, example = 4)]
    pub social_image_media: Option<i64>,
}

impl RequestBody for SiteInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to the settings (`PATCH`); absent fields stay as they are, `null` clears an optional
/// one. Lists are replaced whole.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"time_zone": "Europe/London"}))]
pub struct SitePatch {
    #[validate(length(max = 100), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = NameText, nullable = false, max_length = 100)]
    pub name: Option<String>,
    #[validate(length(max = 500), custom(function = "rules::line"))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    #[validate(length(max = 500))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, max_length = 500, pattern = r"^https?://[^/?#\s\x00-\x1f\x7f-\x9f\ufeff][^?#\s\x00-\x1f\x7f-\x9f\ufeff]*$")]
    pub base_url: Option<String>,
    #[validate(length(min = 2, max = 35))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 2, max_length = 35)]
    pub language: Option<String>,
    #[validate(length(min = 1, max = 64))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::name"))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NameText>)]
    pub publisher_name: Option<Option<String>>,
    #[validate(length(max = 20), nested)]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<SocialLinkBody>, nullable = false, max_items = 20)]
    pub social_links: Option<Vec<SocialLinkBody>>,
    #[validate(length(max = 30), nested)]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Vec<NavLinkBody>, nullable = false, max_items = 30)]
    pub navigation: Option<Vec<NavLinkBody>>,
    #[validate(length(min = 1, max = 200))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String, nullable = false, min_length = 1, max_length = 200, pattern = r"^/")]
    pub permalink: Option<String>,
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<HttpUrl>)]
    pub logo_url: Option<Option<String>>,
    #[validate(length(max = 2000), custom(function = "rules::http_url"))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<HttpUrl>)]
    pub social_image_url: Option<Option<String>>,
    /// A media library item's id; `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub logo_media: Option<Option<i64>>,
    /// A media library item's id; `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1))]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub social_image_media: Option<Option<i64>>,
}

impl RequestBody for SitePatch {
    const SIZE: BodySize = BodySize::Small;
}

fn social(links: Vec<SocialLinkBody>) -> Vec<SocialLink> {
    links
        .into_iter()
        .map(|l| SocialLink {
            network: l.network,
            label: l.label,
            url: l.url,
        })
        .collect()
}

fn nav(links: Vec<NavLinkBody>) -> Vec<NavLink> {
    links
        .into_iter()
        .map(|l| NavLink {
            label: l.label,
            section: l.section,
            url: l.url,
        })
        .collect()
}

impl From<SiteInput> for Settings {
    fn from(input: SiteInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            base_url: input.base_url,
            language: input.language,
            time_zone: input.time_zone,
            publisher_name: input.publisher_name,
            social_links: social(input.social_links),
            navigation: nav(input.navigation),
            permalink: input.permalink,
            logo_url: input.logo_url,
            social_image_url: input.social_image_url,
            logo_media: input.logo_media,
            social_image_media: input.social_image_media,
        }
    }
}

impl SitePatch {
    fn apply(self, mut settings: Settings) -> Settings {
        if let Some(name) = self.name {
            settings.name = name;
        }
        if let Some(description) = self.description {
            settings.description = description;
        }
        if let Some(base_url) = self.base_url {
            settings.base_url = base_url;
        }
        if let Some(language) = self.language {
            settings.language = language;
        }
        if let Some(time_zone) = self.time_zone {
            settings.time_zone = time_zone;
        }
        if let Some(publisher_name) = self.publisher_name {
            settings.publisher_name = publisher_name;
        }
        if let Some(links) = self.social_links {
            settings.social_links = social(links);
        }
        if let Some(links) = self.navigation {
            settings.navigation = nav(links);
        }
        if let Some(permalink) = self.permalink {
            settings.permalink = permalink;
        }
        if let Some(logo_url) = self.logo_url {
            settings.logo_url = logo_url;
        }
        if let Some(social_image_url) = self.social_image_url {
            settings.social_image_url = social_image_url;
        }
        if let Some(logo_media) = self.logo_media {
            settings.logo_media = logo_media;
        }
        if let Some(social_image_media) = self.social_image_media {
            settings.social_image_media = social_image_media;
        }
        settings
    }
}

/// The answer for the stored settings: as a change would give them (navigation by section
/// slug, deleted sections left out), with the public URL of each entry.
/// The site's library images (one query, none when it has none).
#[derive(Debug, Clone, Default)]
pub struct SiteImages {
    pub logo: Option<FeaturedImage>,
    pub social_image: Option<FeaturedImage>,
}

impl SiteImages {
    pub fn load(conn: &mut DbConn, media: &MediaStore, row: &SiteRow) -> Result<Self, AppError> {
        let ids: Vec<i64> = [row.logo_media_id, row.social_image_media_id]
            .into_iter()
            .flatten()
            .collect();
        let found = crate::models::media::by_ids(conn, &ids)?;
        let image = |id: Option<i64>| {
            id.and_then(|id| found.get(&id))
                .map(|m| FeaturedImage::new(media, m))
        };
        Ok(Self {
            logo: image(row.logo_media_id),
            social_image: image(row.social_image_media_id),
        })
    }

    /// `row` with the library images' absolute URLs in `logo_url` and `social_image_url`, for
    /// the answers that embed them (structured data, the `<head>`).
    pub fn applied(&self, mut row: SiteRow) -> SiteRow {
        if let Some(logo) = &self.logo {
            row.logo_url = Some(site_rules::absolute(&row.base_url, &logo.url));
        }
        if let Some(image) = &self.social_image {
            row.social_image_url = Some(site_rules::absolute(&row.base_url, &image.url));
        }
        row
    }

    /// The dependency keys of the images an answer shows.
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.logo
            .iter()
            .chain(&self.social_image)
            .map(|image| cache_keys::media(image.id))
    }
}

fn view(row: &SiteRow, tree: &SectionTree, images: &SiteImages) -> SiteView {
    let settings = site_rules::current(row, tree);
    let navigation = settings
        .navigation
        .into_iter()
        .map(|link| NavLinkView {
            url: link.url.unwrap_or_else(|| {
                format!("{}/{}", row.base_url, link.section.as_deref().unwrap_or_default())
            }),
            label: link.label,
            section: link.section,
        })
        .collect();
    SiteView {
        publisher_name: settings.publisher_name.unwrap_or_else(|| settings.name.clone()),
        name: settings.name,
        description: settings.description,
        base_url: settings.base_url,
        language: settings.language,
        time_zone: settings.time_zone,
        social_links: settings
            .social_links
            .into_iter()
            .map(|l| SocialLinkBody {
                network: l.network,
                label: l.label,
                url: l.url,
            })
            .collect(),
        navigation,
        permalink: settings.permalink,
        logo_url: settings.logo_url,
        social_image_url: settings.social_image_url,
        logo: images.logo.clone(),
        social_image: images.social_image.clone(),
        updated_at: utc(row.updated_at),
    }
}

fn view_json(row: &SiteRow, tree: &SectionTree, images: &SiteImages) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(view(row, tree, images)).map_err(AppError::internal)
}

/// Reads the site settings: name, public address, language and time zone, publisher, the
/// "Stay Connected" links, the main navigation and the permalink pattern.
#[utoipa::path(
    tag = "site",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The site settings.", body = SiteView,
            headers(("ETag" = String, description = "With a bearer token: the version, for If-Match."))),
    )
)]
#[get("/site")]
pub async fn get_site(
    state: web::Data<AppState>,
    from: ReadFrom,
    caller: MaybeAuthUser,
) -> Result<HttpResponse, AppError> {
    let media = state.media.clone();
    let (row, tree, images) = from
        .run(&state, move |conn| {
            let row = site::load(conn)?;
            let images = SiteImages::load(conn, &media, &row)?;
            Ok((row, section::load_tree(conn)?, images))
        })
        .await?;
    let mut response = HttpResponse::Ok();
    if caller.0.is_some() {
        response.insert_header((header::ETAG, preconditions::etag(row.version)));
    }
    // The navigation shows section slugs: a section change (which invalidates everything) may
    // change it too.
    response.insert_header(surrogate_keys(
        std::iter::once(cache_keys::SITE.to_owned()).chain(images.keys()),
    ));
    Ok(response.json(view(&row, &tree, &images)))
}

/// Replaces the site settings (admins). `If-Match` optional.
#[utoipa::path(
    tag = "site",
    security(("bearer" = ["admin"])),
    params(("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version being replaced.")),
    request_body = SiteInput,
    responses(
        (status = 200, description = "Saved.", body = SiteView),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the settings now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/site")]
pub async fn replace_site(
    state: web::Data<AppState>,
    caller: AuthUser,
    if_match: IfMatch,
    body: ValidJson<SiteInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let settings: Settings = body.0.into();
    save(state, caller, if_match, move |_| settings).await
}

/// Changes some of the site settings (admins). `If-Match` optional.
#[utoipa::path(
    tag = "site",
    security(("bearer" = ["admin"])),
    params(("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version being changed.")),
    request_body = SitePatch,
    responses(
        (status = 200, description = "Saved.", body = SiteView),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the settings now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/site")]
pub async fn update_site(
    state: web::Data<AppState>,
    caller: AuthUser,
    if_match: IfMatch,
    body: ValidJson<SitePatch>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let patch = body.0;
    save(state, caller, if_match, move |current| patch.apply(current)).await
}

/// Saves the settings `make` builds from the current ones, and answers them.
async fn save(
    state: web::Data<AppState>,
    caller: AuthUser,
    if_match: IfMatch,
    make: impl FnOnce(Settings) -> Settings + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let media = state.media.clone();
    let written = write_touching(&state, caller, move |conn, change| {
        let current = site::load(conn)?;
        let tree = section::load_tree(conn)?;
        let images = SiteImages::load(conn, &media, &current)?;
        if_match.check(current.version, false, || view_json(&current, &tree, &images))?;
        let settings = make(site_rules::current(&current, &tree));
        let saved = site_rules::update(conn, change, &current, &tree, settings)
            .map_err(|e| preconditions::with_current(e, || view_json(&current, &tree, &images)))?;
        let images = SiteImages::load(conn, &media, &saved)?;
        let answer = view(&saved, &tree, &images);
        let keys = vec![cache_keys::SITE.to_owned()];
        let object = serde_json::to_value(&answer).map_err(AppError::internal)?;
        crate::webhooks::events::changed(
            conn,
            change.at,
            crate::values::WebhookEvent::SiteChanged,
            "site".to_owned(),
            "updated",
            object,
            keys.clone(),
        )?;
        Ok(((answer, saved.version), keys))
    })
    .await?;
    let (answer, version) = &written.value;
    let response = HttpResponse::Ok()
        .insert_header((header::ETAG, preconditions::etag(*version)))
        .json(answer);
    Ok(invalidated(response, &written))
}
