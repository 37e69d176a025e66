//! `GET /media/{folder}/{file}`: media files from the local disk, when the binary stores them
//! itself. Names change with content, so each answer is cacheable for a year; Range requests,
//! ETag and 304 come from `actix-files`. With an S3-compatible store the files are served from
//! the bucket (or the CDN in front of it), and this route answers 404.

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::api::AppState;
use crate::error::{AppError, Problem};
use crate::media::storage::{IMMUTABLE, own_file};

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
    let (Some(dir), Some(mime)) = (state.media.local_dir(), own_file(&folder, &file)) else {
        return Err(no_file());
    };
    let named = NamedFile::open_async(dir.join(&folder).join(&file))
        .await
        .map_err(|_| no_file())?
        .set_content_type(mime.parse().map_err(AppError::internal)?)
        .disable_content_disposition()
        .use_etag(true)
        .use_last_modified(true);
    let mut response = named.into_response(&req);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
