//! `GET /media/{folder}/{file}`: media files from the local disk, when the binary stores them
//! itself. Names change with content, so each answer is cacheable for a year and its ETag is the
//! content hash in its name; Range requests are answered (206/416) and If-None-Match (304).
//!
//! Files are kept in memory once read (`DATELINE_MEDIA_MEMORY_CACHE_MB`, least recently used
//! go first): a file never changes under its name, so the copy is never stale. Serving from
//! memory costs no thread-pool round trip per chunk, as streaming from disk does. With an
//! S3-compatible store the files are served by the bucket (or its CDN) and this answers 404.

use std::sync::Arc;

use actix_files::HttpRange;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;

use crate::api::AppState;
use crate::error::{AppError, Problem};
use crate::media::storage::{IMMUTABLE, own_file};

/// Files read from the local media folder, by `{folder}/{file}`.
pub struct FileCache(Option<moka::sync::Cache<String, Bytes>>);

impl FileCache {
    pub fn new(bytes: u64) -> Self {
        Self((bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .weigher(|_: &String, file: &Bytes| u32::try_from(file.len()).unwrap_or(u32::MAX))
                .max_capacity(bytes)
                .build()
        }))
    }

    /// Drops the files of a deleted item.
    pub fn forget(&self, keys: &[String]) {
        if let Some(cache) = &self.0 {
            for key in keys {
                cache.invalidate(key);
            }
        }
    }
}

fn no_file() -> AppError {
    AppError::not_found("No media file has this name.")
}

/// A media file from the local disk (when media are stored there; with S3 they are served by the
/// bucket or its CDN and this answers 404). Immutable: `Cache-Control: public,
/// max-age=31536000, immutable`; ETag and 304; Range requests (206).
#[utoipa::path(
    tag = "media",
    params(
        ("folder" = String, Path, description = "The upload's folder.", pattern = "^[a-z0-9]{20}$"),
        ("file" = String, Path, description = "The file: a hash of its bytes, its width, its format.",
            pattern = "^[0-9a-f]{24}-[0-9]{1,5}\\.(jpg|png|webp)$"),
        ("Range" = Option<String>, Header, description = "Optional: a byte range, e.g. `bytes=0-1023`."),
    ),
    responses(
        (status = 200, description = "The file.", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp")),
            headers(("ETag" = String, description = "For If-None-Match."),
                    ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`."))),
        (status = 206, description = "The byte range asked for.", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match."),
        (status = 404, description = "No file has this name.", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file."),
    )
)]
#[get("/media/{folder}/{file}")]
pub async fn serve_media_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (folder, file) = path.into_inner();
    // Only names this server gives are served, so no path can leave the folder.
    let (Some(dir), Some(mime)) = (state.media.local_dir(), own_file(&folder, &file)) else {
        return Err(no_file());
    };
    let key = format!("{folder}/{file}");
    // The name holds a hash of the content: a strong validator that never needs the file.
    let etag = format!("\"{}\"", file.split('-').next().unwrap_or_default());
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .any(|tag| tag.trim().trim_start_matches("W/") == etag)
        });
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    let bytes = read(&state, dir.join(&folder).join(&file), key).await?;
    if not_modified {
        return Ok(response.finish());
    }
    response.insert_header((header::CONTENT_TYPE, mime));
    Ok(ranged(&req, response, bytes, &etag))
}

/// The file's bytes, from memory or read from disk (and kept).
async fn read(state: &AppState, path: std::path::PathBuf, key: String) -> Result<Bytes, AppError> {
    let cache = Arc::clone(&state.media_files);
    if let Some(found) = cache.0.as_ref().and_then(|c| c.get(&key)) {
        return Ok(found);
    }
    let bytes = web::block(move || std::fs::read(path))
        .await
        .map_err(AppError::internal)?
        .map(Bytes::from)
        .map_err(|_| no_file())?;
    if let Some(cache) = &cache.0 {
        cache.insert(key, bytes.clone());
    }
    Ok(bytes)
}

/// The whole file, or the one range asked for (206; 416 when it starts past the end). Several
/// ranges, a malformed Range, or an `If-Range` that names another version, get the whole file,
/// as RFC 9110 allows.
fn ranged(
    req: &HttpRequest,
    mut response: actix_web::HttpResponseBuilder,
    bytes: Bytes,
    etag: &str,
) -> HttpResponse {
    let Some(range) = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return response.body(bytes);
    };
    let if_range_ok = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    if !if_range_ok {
        return response.body(bytes);
    }
    let size = bytes.len() as u64;
    match HttpRange::parse(range, size).as_deref() {
        Ok([one]) => {
            let (start, end) = (one.start, one.start + one.length);
            response
                .status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {start}-{}/{size}", end - 1)))
                .body(bytes.slice(start as usize..end as usize))
        }
        Ok(_) => response.body(bytes),
        // A Range that is no valid `bytes=` ranges-specifier is ignored (RFC 9110 section 14.2:
        // a server MUST ignore an unknown range unit and MAY ignore an invalid specifier); only
        // a valid range that starts past the end is refused.
        Err(invalid) if invalid.to_string().ends_with("invalid syntax") => response.body(bytes),
        Err(_) => {
            let mut refused = response.status(StatusCode::RANGE_NOT_SATISFIABLE).finish();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                refused.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            refused
        }
    }
}
