//! HTTP caching of anonymous public reads: strong `ETag`s and 304s, `Last-Modified` where the
//! handler knows a time, `Cache-Control` for browsers and CDNs, compression, and the in-process
//! response cache (see [`store`]). Requests with a token are never cached (and are answered
//! `private, no-store` elsewhere); a successful write invalidates what its answer's
//! [`Invalidates`] names, or everything when it names nothing.

pub mod encoding;
pub mod flight;
pub mod keys;
pub mod listen;
pub mod purge;
pub mod store;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use crate::state::AppState;
use encoding::Encoding;
use store::CachedResponse;

/// The header naming what an answer depends on, for precise CDN purges.
pub const SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");

/// Headers of the handler's answer kept with a cached one.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    SURROGATE_KEY,
    header::LAST_MODIFIED,
    header::LINK,
];

/// `Surrogate-Key: a b c dateline`, for handlers: each key once, in the order first given, then
/// the key of every answer.
pub fn surrogate_keys<I, S>(keys: I) -> (HeaderName, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    // A page of cards gives about a hundred keys, most of them repeated: they are compared and
    // copied as borrowed text, and only the header itself is allocated.
    let keys: Vec<S> = keys.into_iter().collect();
    let every = keys.iter().map(AsRef::as_ref).chain([keys::EVERY_ANSWER]);
    let mut seen = std::collections::HashSet::with_capacity_and_hasher(
        keys.len() + 1,
        foldhash::fast::RandomState::default(),
    );
    let mut joined = String::with_capacity(every.clone().map(|k| k.len() + 1).sum());
    for key in every.filter(|k| seen.insert(*k)) {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(key);
    }
    (SURROGATE_KEY, joined)
}

/// The route template ("/api/v1/articles/{slug}") of a cached answer, put in the request's
/// extensions when a hit answers it: the request never reached the router, and finding its
/// template again (`HttpRequest::match_pattern`) would match the path against every route.
#[derive(Debug, Clone)]
pub struct Route(pub std::sync::Arc<str>);

/// The template of the route that answered `req`: the one a cache hit noted, else the router's.
pub fn route_of(req: &HttpRequest) -> Option<std::sync::Arc<str>> {
    if let Some(route) = req.extensions().get::<Route>() {
        return Some(route.0.clone());
    }
    req.match_pattern().map(std::sync::Arc::from)
}

/// What a successful write changed: the dependency keys (see [`keys`]) of the public answers it
/// may have changed. Set on the write's response by its handler, which alone knows; a write
/// whose response carries none invalidates every cached answer (safe by default).
#[derive(Debug, Clone, Default)]
pub struct Invalidates {
    pub keys: Vec<String>,
    /// The `cache_invalidations` row the write's transaction already recorded, if it did.
    pub recorded: Option<i64>,
}

/// `response`, marked as changing no public answer (a login, a pending comment, a draft's edit):
/// the response cache keeps its entries, here and on other instances.
pub fn public_unchanged(mut response: HttpResponse) -> HttpResponse {
    response.extensions_mut().insert(Invalidates::default());
    response
}

/// `response`, marked with what a write made through `api::transact::write_touching` changed
/// (its row already recorded in the write's transaction).
pub fn invalidated<T>(
    mut response: HttpResponse,
    touched: &crate::api::transact::Touched<T>,
) -> HttpResponse {
    response.extensions_mut().insert(Invalidates {
        keys: touched.keys.clone(),
        recorded: touched.row,
    });
    response
}

/// What a successful write invalidates: `None` for everything, else the keys it named.
fn invalidated_by(response: &ServiceResponse<impl MessageBody>) -> Option<Option<Invalidates>> {
    if !response.status().is_success() {
        return None;
    }
    Some(response.response().extensions().get::<Invalidates>().cloned())
}

fn is_public_read(req: &ServiceRequest) -> bool {
    req.method() == Method::GET
        && req.path().starts_with("/api/v1/")
        && !req.headers().contains_key(header::AUTHORIZATION)
        && !crate::api::articles::previews::is_preview(req.headers(), req.query_string())
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// The middleware.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !is_public_read(&req) {
        let method = req.method().clone();
        let response = next.call(req).await?;
        if is_write(&method)
            && let Some(named) = invalidated_by(&response)
            && named.as_ref().is_none_or(|named| !named.keys.is_empty())
        {
            state.metrics.cache_invalidation(named.is_some());
            match named {
                Some(Invalidates { keys, recorded }) => {
                    state.documents.written(&keys);
                    state.cache.written_recorded(&keys, recorded);
                }
                None => state.cache.written_everything(&state.pool).await,
            }
        }
        return Ok(response.map_into_boxed_body());
    }
    let encoding = encoding::negotiate(req.headers());
    // Tracked links (`utm_*`) and cache-busters (`_`) share the answer of the plain link.
    let query = crate::api::params::without_ignored(req.query_string());
    let key = format!("{}?{query}#{encoding:?}", req.path());
    state.cache.refresh(&state.pool, state.now()).await;
    if let Some(hit) = state.cache.get(&key) {
        state.metrics.cache_lookup(true);
        return Ok(serve_cached(req, &hit));
    }
    // Readers missing the same answer at once wait for the first one's instead of each
    // computing it (see `flight`); the flight ends when `_leader` is dropped, after the answer
    // is stored.
    let mut _leader = None;
    if state.cache.enabled() {
        match state.flights.join(&key) {
            flight::Turn::Lead(leader) => _leader = Some(leader),
            flight::Turn::Follow(receiver) => {
                flight::wait(receiver).await;
                if let Some(hit) = state.cache.get(&key) {
                    state.metrics.cache_lookup(true);
                    state.metrics.cache_coalesced();
                    return Ok(serve_cached(req, &hit));
                }
            }
        }
        state.metrics.cache_lookup(false);
    }
    let started = state.cache.begin();
    let response = next.call(req).await?;
    if response.status() != StatusCode::OK {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    // A handler's body is one piece of bytes, taken as it is; `to_bytes` would copy it.
    let body = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(body) => to_bytes(body)
            .await
            .map_err(|_| actix_web::error::ErrorInternalServerError("body"))?,
    };
    let mut entry = prepare(&state, head.headers(), body, encoding, started);
    entry.route = req.match_pattern().map(|template| Route(template.into()));
    let response = answer(&req, &entry);
    state.cache.put(key, entry);
    Ok(ServiceResponse::new(req, response))
}

/// A cached answer to `req` (or a 304).
fn serve_cached(req: ServiceRequest, hit: &CachedResponse) -> ServiceResponse<BoxBody> {
    let (req, _) = req.into_parts();
    if let Some(route) = &hit.route {
        req.extensions_mut().insert(route.clone());
    }
    let response = answer(&req, hit);
    ServiceResponse::new(req, response)
}

/// The cacheable answer: encoded body, validators and caching headers.
fn prepare(
    state: &AppState,
    handler_headers: &HeaderMap,
    body: bytes::Bytes,
    encoding: Encoding,
    started: u64,
) -> CachedResponse {
    let encoding = if body.len() < state.config.compress_min_bytes {
        Encoding::Identity
    } else {
        encoding
    };
    let etag = format!("\"{}{}\"", content_tag(&body), encoding.etag_suffix());
    let mut headers: Vec<(HeaderName, HeaderValue)> = KEPT_HEADERS
        .iter()
        .filter_map(|name| handler_headers.get(name).map(|v| (name.clone(), v.clone())))
        .collect();
    let cache_control = format!(
        "public, max-age={}, stale-while-revalidate={}",
        state.config.cache_max_age_secs, state.config.cache_stale_while_revalidate_secs
    );
    headers.push((
        header::CACHE_CONTROL,
        HeaderValue::from_str(&cache_control).unwrap_or(HeaderValue::from_static("public")),
    ));
    // The answer differs by coding, and an authenticated request gets another (private) one.
    headers.push((
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Authorization"),
    ));
    if let Some(coding) = encoding.header_value() {
        headers.push((header::CONTENT_ENCODING, HeaderValue::from_static(coding)));
    }
    // Kept as the header's text, split when looked at: a list page names about a hundred keys.
    let keys = handler_headers
        .get(SURROGATE_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .into();
    CachedResponse {
        started,
        keys,
        etag,
        body: encoding::encode(body, encoding),
        headers,
        route: None,
    }
}

/// The part of a strong `ETag` that names an answer's content: its 128-bit XXH3 hash, in hex.
///
/// Why not SHA-256: the tag is computed on every answer that misses the response cache, over
/// the whole body (about 10 KB for an article), and SHA-256 was 11% of a stored article's CPU in
/// the profile (`bench/RESULTS.md`). A tag only has to change when the content does, and be
/// the same on every instance; it guards nothing secret. XXH3 resists no deliberate collision,
/// but forging one would take control of the whole public body, the ids and times the server
/// assigns included, and would at worst let a client keep an older copy of a public page.
fn content_tag(body: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(body))
}

/// 304 when the client's copy is current, else the whole answer.
fn answer(req: &HttpRequest, entry: &CachedResponse) -> HttpResponse {
    let not_modified = match req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => etag_listed(tags, &entry.etag),
        None => modified_since_ok(req, entry),
    };
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((header::ETAG, entry.etag.clone()));
    for (name, value) in &entry.headers {
        if not_modified && (name == header::CONTENT_TYPE || name == header::CONTENT_ENCODING) {
            continue;
        }
        response.insert_header((name.clone(), value.clone()));
    }
    if not_modified {
        response.finish()
    } else {
        response.body(entry.body.clone())
    }
}

/// If-None-Match uses the weak comparison: `W/` prefixes do not matter.
fn etag_listed(header_value: &str, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    header_value.trim() == "*" || header_value.split(',').any(|tag| bare(tag) == bare(etag))
}

/// If-Modified-Since, only where the answer has a Last-Modified time.
fn modified_since_ok(req: &HttpRequest, entry: &CachedResponse) -> bool {
    let since = req
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
    let last = entry
        .headers
        .iter()
        .find(|(name, _)| name == header::LAST_MODIFIED)
        .and_then(|(_, v)| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
    matches!((since, last), (Some(since), Some(last)) if last <= since)
}

/// An HTTP date for `Last-Modified`.
pub fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
