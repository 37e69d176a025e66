//! The media library: `POST /media` (multipart upload), `GET /media` and `GET /media/{id}`,
//! `PATCH` and `DELETE /media/{id}`, and `POST /media/gc` (admins). Authors see and change
//! their own uploads; editors and admins all of them.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::AppState;
use crate::api::json::{BodySize, RequestBody, ValidJson, double_option, non_null, rules};
use crate::api::links::{Nav, link_header};
use crate::api::params::{Page, PageMeta, Params};
use crate::api::preconditions::{self, IfMatch};
use crate::api::transact::{write_as, write_touching};
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db::{self, DbConn};
use crate::domain::media::{self as media_rules, MediaFields};
use crate::error::{AppError, FieldCode, FieldError, Problem};
use crate::http_cache::{invalidated, keys as cache_keys};
use crate::media::gc::{self, GcReport};
use crate::media::ingest::ingest;
use crate::media::process::OutputFormat;
use crate::media::storage::MediaStore;
use crate::models::media::{self as media_rows, Files, Media, MediaFilter};
use crate::models::taxonomy::{Sources, TermTable};

/// A point of the image, from its top left corner, each coordinate in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FocalPoint {
    #[validate(range(min = 0.0, max = 1.0))]
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.5)]
    pub x: f64,
    #[validate(range(min = 0.0, max = 1.0))]
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.3)]
    pub y: f64,
}

/// One stored rendition: what `srcset` and `<picture>` are written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MediaVariant {
    #[schema(example = "/media/k2v9x1c8q7m4n5b6z3a0/3f1c9e0a7b2d4c6e8f0a1b2c-640.webp")]
    pub url: String,
    #[schema(example = 640)]
    pub width: u32,
    #[schema(example = 427)]
    pub height: u32,
    pub format: OutputFormat,
}

/// An image as an article shows it: everything `<img>`, `srcset`, `<picture>` and a caption
/// line need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeaturedImage {
    #[schema(example = 12)]
    pub id: i64,
    /// The full-size rendition (upright, without metadata).
    #[schema(example = "/media/k2v9x1c8q7m4n5b6z3a0/9a8b7c6d5e4f3a2b1c0d9e8f-4000.jpg")]
    pub url: String,
    #[schema(example = 4000)]
    pub width: u32,
    #[schema(example = 2667)]
    pub height: u32,
    /// Empty for a decorative image (`alt=""`).
    #[schema(example = "Pakistani and Iranian officials shake hands in Islamabad")]
    pub alt: String,
    #[schema(example = "Officials meet in Islamabad on Monday.")]
    pub caption: Option<String>,
    #[schema(example = "AFP / Getty Images")]
    pub credit: Option<String>,
    pub focal_point: FocalPoint,
    /// Resized renditions, by width then format: WebP and the original's family (JPEG for
    /// photographs, PNG for graphics and images with transparency). Never wider than the original.
    pub variants: Vec<MediaVariant>,
}

/// A library item as the editorial tools see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediaView {
    #[schema(example = 12)]
    pub id: i64,
    /// `image` (the only kind so far).
    #[schema(example = "image")]
    pub kind: String,
    /// The uploaded file's format, as read from its bytes.
    #[schema(example = "jpeg")]
    pub format: String,
    #[schema(example = 4000)]
    pub width: u32,
    #[schema(example = 2667)]
    pub height: u32,
    /// Size of the uploaded file.
    #[schema(example = 5_123_456)]
    pub bytes: u64,
    #[schema(example = "Pakistani and Iranian officials shake hands in Islamabad")]
    pub alt: Option<String>,
    pub decorative: bool,
    pub caption: Option<String>,
    #[schema(example = "AFP / Getty Images")]
    pub credit: Option<String>,
    /// The agency source's slug.
    #[schema(example = "afp")]
    pub source: Option<String>,
    pub focal_point: FocalPoint,
    /// The full-size rendition.
    pub url: String,
    pub variants: Vec<MediaVariant>,
    /// The uploader's user id (`null` once the account is deleted).
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of the library, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MediaList {
    pub data: Vec<MediaView>,
    pub meta: PageMeta,
}

fn variants(store: &MediaStore, files: &Files) -> Vec<MediaVariant> {
    files
        .variants
        .iter()
        .map(|f| MediaVariant {
            url: store.url(&f.key),
            width: f.width,
            height: f.height,
            format: f.format,
        })
        .collect()
}

fn full_url(store: &MediaStore, files: &Files) -> String {
    files.full.as_ref().map(|f| store.url(&f.key)).unwrap_or_default()
}

impl FeaturedImage {
    pub fn new(store: &MediaStore, item: &Media) -> Self {
        let files = item.files();
        Self {
            id: item.id,
            url: full_url(store, &files),
            width: item.width.unsigned_abs(),
            height: item.height.unsigned_abs(),
            alt: item.alt.clone().unwrap_or_default(),
            caption: item.caption.clone(),
            credit: item.credit.clone(),
            focal_point: FocalPoint {
                x: item.focal_x,
                y: item.focal_y,
            },
            variants: variants(store, &files),
        }
    }
}

fn view(store: &MediaStore, item: &Media, source: Option<String>) -> MediaView {
    let files = item.files();
    MediaView {
        id: item.id,
        kind: item.kind.clone(),
        format: item.format.clone(),
        width: item.width.unsigned_abs(),
        height: item.height.unsigned_abs(),
        bytes: item.bytes.unsigned_abs(),
        alt: item.alt.clone(),
        decorative: item.decorative,
        caption: item.caption.clone(),
        credit: item.credit.clone(),
        source,
        focal_point: FocalPoint {
            x: item.focal_x,
            y: item.focal_y,
        },
        url: full_url(store, &files),
        variants: variants(store, &files),
        uploaded_by: item.uploaded_by,
        created_at: utc(item.created_at),
        updated_at: utc(item.updated_at),
    }
}

/// The slugs of the items' sources, by source id (one query).
fn source_slugs(conn: &mut DbConn, items: &[&Media]) -> Result<HashMap<i64, String>, AppError> {
    let mut ids: Vec<i64> = items.iter().filter_map(|m| m.source_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(media_rows::source_slugs(conn, &ids)?)
}

/// An item with its source's slug, as the editorial answers show it.
fn view_json(conn: &mut DbConn, store: &MediaStore, item: &Media) -> Result<MediaView, AppError> {
    let slugs = source_slugs(conn, &[item])?;
    Ok(view(
        store,
        item,
        item.source_id.and_then(|id| slugs.get(&id).cloned()),
    ))
}

fn respond(item_view: &MediaView, version: i32, created: bool) -> HttpResponse {
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::LOCATION, format!("/api/v1/media/{}", item_view.id)))
        .insert_header((header::ETAG, preconditions::etag(version)))
        .json(item_view)
}

/// The multipart form of an upload, for the spec (no other part is accepted).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The image: JPEG, PNG, WebP or GIF (the first frame of an animation), decided from its
    /// bytes. At most `DATELINE_MEDIA_MAX_BYTES` (20 MiB by default) and
    /// `DATELINE_MEDIA_MAX_PIXELS` (50 megapixels by default).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the image shows, for readers who cannot see it. Required unless `decorative` is
    /// `true`.
    #[schema(max_length = 1000)]
    alt: Option<String>,
    /// `true` for an image that only decorates: it then has no alt text.
    #[schema(value_type = Option<bool>)]
    decorative: Option<String>,
    #[schema(max_length = 2000)]
    caption: Option<String>,
    /// Who took or owns the image ("AFP / Getty Images").
    #[schema(max_length = 300)]
    credit: Option<String>,
    /// The slug of the agency source it came from.
    #[schema(max_length = 200)]
    source: Option<String>,
    /// The subject's horizontal position for crops, 0 (left) to 1 (right); 0.5 by default.
    #[schema(value_type = Option<f64>, minimum = 0.0, maximum = 1.0)]
    focal_x: Option<String>,
    /// The subject's vertical position for crops, 0 (top) to 1 (bottom); 0.5 by default.
    #[schema(value_type = Option<f64>, minimum = 0.0, maximum = 1.0)]
    focal_y: Option<String>,
}

/// The text fields of an upload and their longest accepted length, in characters.
const TEXT_FIELDS: [(&str, usize); 7] = [
    ("alt", 1000),
    ("decorative", 5),
    ("caption", 2000),
    ("credit", 300),
    ("source", 200),
    ("focal_x", 32),
    ("focal_y", 32),
];

/// An upload's form, read.
struct Form {
    file: Option<Vec<u8>>,
    text: HashMap<String, String>,
}

/// Uploads an image to the library (authors, editors and admins). The file's type is read
/// from its bytes; the image is checked against the pixel limit before it is decoded, turned
/// upright, stripped of all metadata, and rendered at the configured widths (WebP and the
/// original's family). The item exists once every file is stored.
#[utoipa::path(
    tag = "media",
    security(("bearer" = ["author", "editor", "admin"])),
    request_body(content = inline(MediaUpload), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored, with every rendition.", body = MediaView,
            headers(("Location" = String, description = "The item's address."),
                    ("ETag" = String, description = "The version, for If-Match."))),
        (status = 400, description = "The form is malformed, has an unknown or repeated field, or a field that is no text.",
            body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The upload did not arrive within `DATELINE_MEDIA_UPLOAD_TIMEOUT_SECS`.",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than `DATELINE_MEDIA_MAX_BYTES`.",
            body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not multipart/form-data, or the file is not a JPEG, PNG, WebP or GIF (the detected type is named).",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule (alt text missing, focal point out of range, unknown source), the file is missing, truncated or corrupt, or the image has more pixels than `DATELINE_MEDIA_MAX_PIXELS`.",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The media store did not accept the files; nothing was saved.",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/media")]
pub async fn upload_media(
    state: web::Data<AppState>,
    caller: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    check_multipart(&req)?;
    let config = &state.config.media;
    let _slot = state.media_uploads.acquire().await.map_err(AppError::internal)?;
    let form =
        actix_web::rt::time::timeout(config.upload_timeout, read_form(&req, payload, config.max_bytes))
            .await
            .map_err(|_| {
                AppError::RequestTimeout(format!(
                    "The upload did not arrive within {} seconds.",
                    config.upload_timeout.as_secs()
                ))
            })??;
    let fields = upload_fields(&form.text)?;
    let file = form.file.ok_or_else(|| {
        AppError::Validation(vec![FieldError::new(
            "file",
            FieldCode::Required,
            "attach the image as the `file` part",
        )])
    })?;
    let checked = fields.clone();
    db::run(&state.pool, move |conn| media_rules::check_upload(conn, &checked)).await?;
    let ingested = ingest(&state.media, &state.media_turns, config, file).await?;
    let (upload, files) = (ingested.upload, ingested.files);
    let upload_folder = upload.folder.clone();
    let store = state.media.clone();
    let saved = write_touching(&state, caller, move |conn, change| {
        let item = media_rules::create(conn, change, &upload, &fields)?;
        media_changed(conn, &store, change.at, "created", &item, Vec::new())?;
        // A new item is in no public answer yet.
        Ok(((view_json(conn, &store, &item)?, item.version), Vec::new()))
    })
    .await;
    match saved {
        Ok(written) => {
            let (item_view, version) = &written.value;
            Ok(invalidated(respond(item_view, *version, true), &written))
        }
        Err(e) => {
            // Its files go now, unless the row was written after all (a commit whose answer
            // was lost): only a folder no row names is removed; gc would take it later anyway.
            let folder = upload_folder.clone();
            let named = db::run(&state.pool, move |conn| {
                Ok(media_rows::existing_folders(conn, &[folder])?)
            })
            .await;
            if named.is_ok_and(|named| named.is_empty()) {
                let _ = state.media.delete(&files.keys()).await;
            }
            Err(e)
        }
    }
}

fn check_multipart(req: &HttpRequest) -> Result<(), AppError> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if essence.as_deref() == Some("multipart/form-data") {
        return Ok(());
    }
    Err(AppError::UnsupportedMediaType(
        "Send the upload as multipart/form-data, the image in the `file` part.".to_owned(),
    ))
}

/// Reads the form, refusing a file over `max_bytes` as soon as it gets there.
async fn read_form(req: &HttpRequest, payload: web::Payload, max_bytes: usize) -> Result<Form, AppError> {
    let malformed = |e: actix_multipart::MultipartError| {
        AppError::bad_request(format!("The multipart body is malformed: {e}"))
    };
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let mut form = Form {
        file: None,
        text: HashMap::new(),
    };
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(malformed)?;
        let name = part.name().unwrap_or_default().to_owned();
        let repeated = if name == "file" {
            form.file.is_some()
        } else {
            form.text.contains_key(&name)
        };
        if repeated {
            return Err(AppError::bad_param(
                &name,
                FieldCode::Repeated,
                "is given more than once",
            ));
        }
        let limit = if name == "file" {
            max_bytes
        } else {
            let Some((_, chars)) = TEXT_FIELDS.iter().find(|(n, _)| *n == name) else {
                return Err(AppError::bad_param(
                    &name,
                    FieldCode::UnknownField,
                    "is not a field of an upload",
                ));
            };
            // UTF-8 takes at most four bytes a character.
            chars * 4
        };
        let mut data = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(malformed)?;
            if data.len() + chunk.len() > limit {
                return Err(if name == "file" {
                    AppError::PayloadTooLarge(format!(
                        "The file is larger than the {max_bytes} bytes accepted."
                    ))
                } else {
                    AppError::Validation(vec![FieldError::new(
                        &name,
                        FieldCode::TooLong,
                        "is longer than it may be",
                    )])
                });
            }
            data.extend_from_slice(&chunk);
        }
        if name == "file" {
            form.file = Some(data);
        } else {
            let text = String::from_utf8(data)
                .map_err(|_| AppError::bad_param(&name, FieldCode::InvalidUtf8, "is not UTF-8 text"))?;
            form.text.insert(name, text);
        }
    }
    Ok(form)
}

/// The editorial fields of an upload's form.
fn upload_fields(text: &HashMap<String, String>) -> Result<MediaFields, AppError> {
    let mut invalid = Vec::new();
    for (name, chars) in TEXT_FIELDS {
        if text.get(name).is_some_and(|v| v.chars().count() > chars) {
            invalid.push(FieldError::new(
                name,
                FieldCode::TooLong,
                format!("must be at most {chars} characters"),
            ));
        }
        if let Some(value) = text.get(name)
            && rules::line(value).is_err()
        {
            invalid.push(FieldError::new(
                name,
                FieldCode::Invalid,
                "must be one line of text without control characters",
            ));
        }
    }
    let decorative = match text
        .get("decorative")
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => {
            invalid.push(FieldError::new(
                "decorative",
                FieldCode::InvalidType,
                "must be `true` or `false`",
            ));
            false
        }
    };
    let mut coordinate = |name: &'static str| match text.get(name).map(|v| v.trim()) {
        None | Some("") => 0.5,
        Some(v) => match v.parse::<f64>() {
            Ok(n) if (0.0..=1.0).contains(&n) => n,
            _ => {
                invalid.push(FieldError::new(
                    name,
                    FieldCode::OutOfRange,
                    "must be a number between 0 and 1",
                ));
                0.5
            }
        },
    };
    let focal_point = (coordinate("focal_x"), coordinate("focal_y"));
    if !invalid.is_empty() {
        return Err(AppError::Validation(invalid));
    }
    let given = |name: &str| {
        text.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(MediaFields {
        alt: given("alt"),
        decorative,
        caption: given("caption"),
        credit: given("credit"),
        source: given("source"),
        focal_point,
    })
}

/// Filters of the library.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaQuery {
    /// Text in the alt text, caption or credit (any case); not only spaces.
    #[param(min_length = 1, max_length = 200, pattern = r"[^\s\x85]")]
    pub q: Option<String>,
    /// Only items uploaded by this user id (authors always see only their own).
    #[param(minimum = 1)]
    pub uploader: Option<i64>,
    /// Only items from this agency source (slug); one that names no source is 404.
    #[param(min_length = 1, max_length = 200)]
    pub source: Option<String>,
    /// Only items of this kind (`image`).
    #[param(pattern = "^image$")]
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// Pages through the library, newest first (authors see their own uploads).
#[utoipa::path(
    tag = "media",
    security(("bearer" = ["author", "editor", "admin"])),
    params(MediaQuery),
    responses(
        (status = 200, description = "A page of library items.", body = MediaList),
        (status = 400, description = "A query parameter is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`source` names no source.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/media")]
pub async fn list_media(
    state: web::Data<AppState>,
    caller: AuthUser,
    req: HttpRequest,
    query: Params<MediaQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.0;
    let page = Page::resolve(query.page, query.per_page, &state.config)?;
    if query.uploader.is_some_and(|id| id < 1) {
        return Err(AppError::bad_param(
            "uploader",
            FieldCode::OutOfRange,
            "must be a user id (1 or more)",
        ));
    }
    if query
        .q
        .as_ref()
        .is_some_and(|q| q.trim().is_empty() || q.chars().count() > 200)
    {
        return Err(AppError::bad_param(
            "q",
            FieldCode::Invalid,
            "must be 1 to 200 characters",
        ));
    }
    if query.kind.as_deref().is_some_and(|k| k != "image") {
        return Err(AppError::bad_param("kind", FieldCode::Invalid, "must be `image`"));
    }
    let uploaded_by = if caller.role.is_editorial() {
        query.uploader
    } else {
        Some(caller.id)
    };
    let store = state.media.clone();
    let (items, total) = db::run(&state.pool, move |conn| {
        let source_id = match &query.source {
            Some(slug) => match Sources::find_by_slug(conn, slug)? {
                Some(source) => Some(source.id),
                // As on the article list: a filter naming nothing is 404, naming the parameter.
                None => {
                    return Err(AppError::NotFound {
                        detail: format!("No source has the slug `{slug}` given in `source`."),
                        errors: vec![FieldError::new(
                            "source",
                            FieldCode::NotFound,
                            "no source has this slug",
                        )],
                    });
                }
            },
            None => None,
        };
        let filter = MediaFilter {
            text: query.q.map(|q| q.trim().to_owned()),
            uploaded_by,
            source_id,
            kind: query.kind,
        };
        let (items, total) = media_rows::page(conn, &filter, page.offset(), page.limit())?;
        let slugs = source_slugs(conn, &items.iter().collect::<Vec<_>>())?;
        let views = items
            .iter()
            .map(|item| {
                view(
                    &store,
                    item,
                    item.source_id.and_then(|id| slugs.get(&id).cloned()),
                )
            })
            .collect::<Vec<_>>();
        Ok((views, total))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(MediaList {
            data: items,
            meta: page.meta(total),
        }))
}

/// The item `id` as `caller` may see it, or 404.
fn find_visible(conn: &mut DbConn, caller: &AuthUser, id: i64) -> Result<Media, AppError> {
    let item = media_rows::find(conn, id)?.ok_or_else(media_rules::not_found)?;
    media_rules::check_may_see(caller, &item)?;
    Ok(item)
}

/// The item a write goes over: visible to `caller`, at the version `If-Match` names (412 with
/// its view otherwise). Its view comes too.
fn writable(
    conn: &mut DbConn,
    store: &MediaStore,
    caller: &AuthUser,
    id: i64,
    if_match: &IfMatch,
) -> Result<(Media, MediaView), AppError> {
    let current = find_visible(conn, caller, id)?;
    let view = view_json(conn, store, &current)?;
    if_match.check(current.version, false, || as_json(&view))?;
    Ok((current, view))
}

fn as_json(view: &MediaView) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(view).map_err(AppError::internal)
}

/// Reads one library item.
#[utoipa::path(
    tag = "media",
    security(("bearer" = ["author", "editor", "admin"])),
    params(("id" = i64, Path, description = "The item's id.", minimum = 1)),
    responses(
        (status = 200, description = "The item.", body = MediaView,
            headers(("ETag" = String, description = "The version, for If-Match."))),
        (status = 400, description = "The id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No item has this id (or it is another author's upload).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/media/{id}")]
pub async fn get_media(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let store = state.media.clone();
    let (item_view, version) = db::run(&state.pool, move |conn| {
        let item = find_visible(conn, &caller, id)?;
        Ok((view_json(conn, &store, &item)?, item.version))
    })
    .await?;
    Ok(respond(&item_view, version, false))
}

/// A change of an item's editorial fields; absent members are left as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"caption": "Officials meet in Islamabad on Monday.", "credit": "AFP / Getty Images",
    "focal_point": {"x": 0.5, "y": 0.3}}))]
pub struct MediaPatch {
    /// `null` clears (then `decorative` must be `true`).
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 1000), custom(function = "rules::line"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 1000)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub decorative: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000), custom(function = "rules::line"))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 300), custom(function = "rules::line"))]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub credit: Option<Option<String>>,
    /// The agency source's slug; `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "rules::slug"))]
    #[schema(value_type = Option<crate::api::json::SlugText>)]
    pub source: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[validate(nested)]
    #[schema(value_type = FocalPoint, nullable = false)]
    pub focal_point: Option<FocalPoint>,
}

impl RequestBody for MediaPatch {
    const SIZE: BodySize = BodySize::Small;
}

impl MediaPatch {
    fn apply(self, mut fields: MediaFields) -> MediaFields {
        if let Some(alt) = self.alt {
            fields.alt = alt;
        }
        if let Some(decorative) = self.decorative {
            fields.decorative = decorative;
        }
        if let Some(caption) = self.caption {
            fields.caption = caption;
        }
        if let Some(credit) = self.credit {
            fields.credit = credit;
        }
        if let Some(source) = self.source {
            fields.source = source;
        }
        if let Some(point) = self.focal_point {
            fields.focal_point = (point.x, point.y);
        }
        fields
    }
}

/// Changes an item's editorial fields. `If-Match` optional. Articles that show the item as
/// their featured image show the change at once.
#[utoipa::path(
    tag = "media",
    security(("bearer" = ["author", "editor", "admin"])),
    params(
        ("id" = i64, Path, description = "The item's id.", minimum = 1),
        ("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version this change is based on."),
    ),
    request_body = MediaPatch,
    responses(
        (status = 200, description = "Updated.", body = MediaView),
        (status = 400, description = "The id is not a number, or the body is not valid JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No item has this id (or it is another author's upload).", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one): `current` holds the version now stored; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule: alt text removed from an image that is not decorative (or given to a decorative one), a focal point out of range, an unknown source, an unknown member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<MediaPatch>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let patch = body.0;
    let store = state.media.clone();
    let written = write_touching(&state, caller.clone(), move |conn, change| {
        let (current, before) = writable(conn, &store, &caller, id, &if_match)?;
        let fields = patch.apply(MediaFields::of(&current, before.source));
        let saved = match media_rules::update(conn, change, &current, &fields) {
            Ok(saved) => saved,
            Err(e) => {
                // A lost race: `current` is the version stored now, read again.
                let now_stored = match media_rows::find(conn, id)? {
                    Some(item) => as_json(&view_json(conn, &store, &item)?),
                    None => Err(media_rules::not_found()),
                };
                return Err(preconditions::with_current(e, || now_stored));
            }
        };
        // The articles that show it, wherever they are.
        let keys = vec![cache_keys::media(id)];
        media_changed(conn, &store, change.at, "updated", &saved, keys.clone())?;
        Ok(((view_json(conn, &store, &saved)?, saved.version), keys))
    })
    .await?;
    let (item_view, version) = &written.value;
    Ok(invalidated(respond(item_view, *version, false), &written))
}

/// Records the `media.changed` webhook event: the item as the public sees it (as a featured
/// image), or its id once deleted.
fn media_changed(
    conn: &mut DbConn,
    store: &MediaStore,
    at: chrono::NaiveDateTime,
    action: &str,
    item: &Media,
    keys: Vec<String>,
) -> Result<(), AppError> {
    let object = if action == "deleted" {
        serde_json::json!({ "id": item.id })
    } else {
        serde_json::to_value(FeaturedImage::new(store, item)).map_err(AppError::internal)?
    };
    crate::webhooks::events::changed(
        conn,
        at,
        crate::values::WebhookEvent::MediaChanged,
        cache_keys::media(item.id),
        action,
        object,
        keys,
    )
}

/// Deletes an item and its files, unless an article (in any state, the trash included) has it
/// as its featured image, or the site as its logo or share image: then 409 names them.
/// `If-Match` optional.
#[utoipa::path(
    tag = "media",
    security(("bearer" = ["author", "editor", "admin"])),
    params(
        ("id" = i64, Path, description = "The item's id.", minimum = 1),
        ("If-Match" = inline(Option<IfMatch>), Header, nullable = false, description = "Optional: the ETag of the version being deleted."),
    ),
    responses(
        (status = 204, description = "Deleted, with its files."),
        (status = 400, description = "The id is not a number.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No item has this id (or it is another author's upload).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles (their featured image) or the site settings (logo, share image) use it; `errors` names each.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names another version (or no valid one); nothing was deleted.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let store = state.media.clone();
    let written = write_touching(&state, caller.clone(), move |conn, change| {
        let (current, _) = writable(conn, &store, &caller, id, &if_match)?;
        media_rules::delete(conn, change, &current)?;
        media_changed(
            conn,
            &store,
            change.at,
            "deleted",
            &current,
            vec![cache_keys::media(id)],
        )?;
        Ok((current.files().keys(), vec![cache_keys::media(id)]))
    })
    .await?;
    // After the commit: a failure here leaves files no row names, which gc removes.
    state.media_files.forget(&written.value);
    if let Err(e) = state.media.delete(&written.value).await {
        tracing::warn!(error = %e, "files of a deleted media item remain for gc");
    }
    Ok(invalidated(HttpResponse::NoContent().finish(), &written))
}

/// Removes stored files that no item names and that are older than the grace period
/// (`DATELINE_MEDIA_GC_GRACE_SECS`, an hour by default): uploads that failed or were
/// interrupted (admins). `dateline media gc` does the same from the command line.
#[utoipa::path(
    tag = "media",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "What was removed.", body = GcReport),
        (status = 503, description = "The media store could not be listed.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/media/gc")]
pub async fn collect_garbage(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let report = gc::collect(&state.media, &state.pool, state.config.media.gc_grace).await?;
    state.media_files.forget(&report.removed);
    let details = format!("{} files, {} bytes", report.files_removed, report.bytes_removed);
    let recorded = write_as(&state, caller, move |conn, change| {
        change.audit(conn, crate::values::AuditAction::MediaGc, "gc", Some(details))?;
        crate::api::transact::touched(conn, report, Vec::new())
    })
    .await?;
    Ok(invalidated(HttpResponse::Ok().json(&recorded.value), &recorded))
}
