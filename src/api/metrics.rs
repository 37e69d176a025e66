//! `/metrics` for Prometheus, on the main address only behind `DATELINE_METRICS_TOKEN`
//! (otherwise it is not there: 404). `DATELINE_METRICS_BIND` serves it on an address of its own.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Prometheus metrics: requests by route template and status, latency histograms, the
/// database pool, response-cache hits.
#[utoipa::path(
    tag = "system",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition format.", body = String, content_type = "text/plain"),
        (status = 401, description = "The metrics token is missing or wrong.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are not served on this address (no DATELINE_METRICS_TOKEN).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let Some(expected) = &state.config.metrics_token else {
        return Err(AppError::not_found("No route matches this path."));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Unauthorized(
            "The metrics token is missing or wrong.".to_owned(),
        ));
    }
    Ok(exposition(&state))
}

/// The metrics answer itself (also served, without a token, on `DATELINE_METRICS_BIND`).
pub fn exposition(state: &AppState) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render(&state.pool))
}

/// Compares without leaking, through timing, how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
