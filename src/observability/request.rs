//! Per request: an id (the client's `X-Request-Id` when it is sensible, else a new one), echoed
//! in the response and attached to every log line of the request; one access-log line when it
//! is answered; and the request metrics under the route's template, never its raw path.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use rand::RngCore;
use tracing::Instrument;

use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The client's request id if it is short and plain, else a fresh random one.
fn request_id(req: &ServiceRequest) -> String {
    let given = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok());
    match given {
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')) =>
        {
            id.to_owned()
        }
        _ => {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        }
    }
}

/// The middleware: wraps every request.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    // The template ("/api/v1/articles/{slug}"), so metrics stay bounded whatever the paths; every
    // path no route took shares one name.
    let template = crate::http_cache::route_of(response.request());
    let route: &str = template.as_deref().unwrap_or("unmatched");
    if let Some(state) = state {
        state.metrics.observe(&method, route, status, elapsed);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let millis = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| match status {
        500.. => tracing::error!(status, route = %route, millis, "answered"),
        _ => tracing::info!(status, route = %route, millis, "answered"),
    });
    Ok(response)
}
