//! Operational routes: liveness and readiness.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::AppState;
use crate::db;
use crate::error::AppError;
use crate::openapi::DatabaseUnavailable;

/// A health answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers. Never touches the database, so it stays fast when the
/// database stalls.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: the database answers a trivial query within the pool timeout.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "The database answers.", body = Health),
        DatabaseUnavailable,
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, |conn| {
        conn.batch_execute("SELECT 1")
            .map_err(|e| AppError::Unavailable(format!("readiness query failed: {e}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok".into() }))
}
