//! The audit log, paged through by admins. Writes record their entries in their own
//! transaction through `domain::Change::audit`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::links::{Nav, link_header};
use crate::api::params::{Page, PageMeta, Params};
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::db;
use crate::error::AppError;
use crate::models::audit::{self, AuditEntry, AuditFilter};
use crate::state::AppState;
use crate::values::AuditAction;

/// One audit entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The acting user's id; `null` for failed logins of unknown accounts.
    pub user_id: Option<i64>,
    pub action: AuditAction,
    #[schema(example = "article")]
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub details: Option<String>,
    /// Keyed hash of the client address (never the address itself).
    pub client_hash: Option<String>,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: utc(e.created_at),
            user_id: e.user_id,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            details: e.details,
            client_hash: e.client_hash,
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditList {
    pub data: Vec<AuditView>,
    pub meta: PageMeta,
}

/// Filters of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries by this user id.
    #[param(minimum = 1)]
    pub user: Option<i64>,
    /// Only entries about this kind of resource (`article`, `section`, `tag`, `source`,
    /// `comment`, `user`, `session`, `site`, `author`, `media`).
    #[param(min_length = 1, max_length = 50)]
    pub resource: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// Pages through the audit log, newest first (admins).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = ["admin"])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries.", body = AuditList),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    query: Params<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let query = query.0;
    let page = Page::resolve(query.page, query.per_page, &state.config)?;
    let filter = AuditFilter {
        user_id: query.user,
        resource_type: query.resource,
        from: query.from.map(|t| t.naive_utc()),
        to: query.to.map(|t| t.naive_utc()),
    };
    let (entries, total) = db::run(&state.pool, move |conn| {
        Ok(audit::page(conn, &filter, page.offset(), page.limit())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(AuditList {
            data: entries.into_iter().map(AuditView::from).collect(),
            meta: page.meta(total),
        }))
}
