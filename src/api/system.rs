//! Operational routes: liveness and readiness.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::AppState;
use crate::db;
use crate::db::replicas::ReplicaStatus;
use crate::error::AppError;
use crate::openapi::DatabaseUnavailable;

/// What a health or readiness answer says when it answers 200 (otherwise the answer is a
/// problem document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpStatus {
    /// Alive (liveness), or ready to serve (readiness).
    Ok,
}

/// A health answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: UpStatus,
}

/// Liveness: the process answers. Never touches the database, so it stays fast when the
/// database stalls.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: UpStatus::Ok })
}

/// Readiness: the primary database answers, and how each read replica is doing.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    pub status: UpStatus,
    /// Each configured read replica (`DATABASE_REPLICA_URLS`); absent when none is. A replica
    /// that is not `ok` is skipped (its reads go to the primary) and does not make the service
    /// unready.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<ReplicaHealth>,
}

/// One read replica's state at its last check (once a second).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplicaHealth {
    /// Where it is, without credentials.
    #[schema(example = "10.0.0.12:5432/dateline")]
    pub name: String,
    pub status: ReplicaState,
    /// How long it had been behind the primary at the last check, in milliseconds.
    #[schema(example = 0)]
    pub lag_ms: Option<u64>,
}

/// Whether a replica serves reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaState {
    /// Well and close enough behind: serving reads.
    Ok,
    /// Further behind than `DATELINE_REPLICA_MAX_LAG_MS`: skipped until it catches up.
    Lagging,
    /// Unreachable or failing: skipped until a check reaches it.
    Down,
    /// Answers but is not in recovery (promoted, or a wrong URL): never used.
    NotStandby,
    /// Not checked yet (the process has just started): not used yet.
    Unchecked,
}

impl From<ReplicaStatus> for ReplicaState {
    fn from(status: ReplicaStatus) -> Self {
        match status {
            ReplicaStatus::Ok => Self::Ok,
            ReplicaStatus::Lagging => Self::Lagging,
            ReplicaStatus::Down => Self::Down,
            ReplicaStatus::NotStandby => Self::NotStandby,
            ReplicaStatus::Unchecked => Self::Unchecked,
        }
    }
}

/// Readiness: the primary database answers a trivial query within the pool timeout. Read
/// replicas are reported, never required.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "The database answers.", body = Readiness),
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
    let replicas = state
        .replicas
        .report()
        .into_iter()
        .map(|replica| ReplicaHealth {
            name: replica.name,
            status: replica.status.into(),
            lag_ms: replica
                .lag
                .map(|lag| u64::try_from(lag.as_millis()).unwrap_or(u64::MAX)),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Readiness {
        status: UpStatus::Ok,
        replicas,
    }))
}
