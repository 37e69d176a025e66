//! Webhook endpoints, for admins: where events go, which events, the signing secret (shown once,
//! rotatable with an overlap), the delivery log, manual redelivery and a test ping. Nothing here
//! changes a public answer, so no write invalidates the response cache.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, HttpUrl, RequestBody, ValidJson, double_option, non_null};
use crate::api::links::{Nav, link_header};
use crate::api::params::{PageMeta, PageQuery, Params};
use crate::api::transact::write_as;
use crate::api::views::utc;
use crate::auth::AuthUser;
use crate::config::Environment;
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldCode, Problem};
use crate::http_cache::public_unchanged;
use crate::models::webhook::{self as rows, Attempt, Delivery, Endpoint, EndpointFields, EventRow};
use crate::state::AppState;
use crate::values::{AuditAction, DeliveryState, WebhookEvent};
use crate::webhooks::events::{self, Event};
use crate::webhooks::guard;
use crate::webhooks::secrets::{self, SealingKey};

/// Overlap of the old secret after a rotation, by default and at most, in hours.
const DEFAULT_OVERLAP_HOURS: u32 = 24;
const MAX_OVERLAP_HOURS: u32 = 168;

/// A webhook endpoint (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "https://hooks.example.com/dateline")]
    pub url: String,
    #[schema(example = "Rebuild the static front page")]
    pub description: Option<String>,
    /// The events it receives.
    pub events: Vec<WebhookEvent>,
    /// Inactive endpoints receive nothing; their pending deliveries wait.
    pub active: bool,
    /// Until then, deliveries are also signed with the secret before the last rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookView {
    fn new(endpoint: Endpoint, now: chrono::NaiveDateTime) -> Self {
        Self {
            events: endpoint.event_types(),
            id: endpoint.id,
            url: endpoint.url,
            description: endpoint.description,
            active: endpoint.active,
            previous_secret_expires_at: endpoint.previous_expires_at.filter(|at| *at > now).map(utc),
            version: endpoint.version,
            created_at: utc(endpoint.created_at),
            updated_at: utc(endpoint.updated_at),
        }
    }
}

/// An endpoint with its signing secret: answered once, on creation and on rotation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The Standard Webhooks secret (`whsec_` and base64): keep it now, it is never shown again.
    #[schema(example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")]
    pub secret: String,
}

/// A page of endpoints.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
    pub meta: PageMeta,
}

/// A new endpoint.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/dateline", "events": ["article.published", "article.updated"],
    "description": "Rebuild the static front page"}))]
pub struct WebhookInput {
    /// Where deliveries are POSTed: https in production; it must resolve to public addresses
    /// (`DATELINE_WEBHOOK_ALLOWED_NETWORKS` names exceptions).
    #[validate(required, length(max = 2000))]
    #[schema(value_type = HttpUrl, required = true, nullable = false)]
    pub url: Option<String>,
    /// At least one event type.
    #[validate(required, length(min = 1, max = 20))]
    #[schema(required = true, nullable = false, min_items = 1, max_items = 20)]
    pub events: Option<Vec<WebhookEvent>>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `true` unless given.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub active: Option<bool>,
}

impl RequestBody for WebhookInput {
    const SIZE: BodySize = BodySize::Small;
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct WebhookPatch {
    #[validate(length(max = 2000))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = HttpUrl, nullable = false)]
    pub url: Option<String>,
    #[validate(length(min = 1, max = 20))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, min_items = 1, max_items = 20)]
    pub events: Option<Vec<WebhookEvent>>,
    /// `null` clears it.
    #[validate(length(max = 500))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    pub active: Option<bool>,
}

impl RequestBody for WebhookPatch {
    const SIZE: BodySize = BodySize::Small;
}

/// A secret rotation (`{}` for the defaults).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"overlap_hours": 24}))]
pub struct RotateSecretInput {
    /// How long the old secret keeps signing too (both signatures are sent), so that receivers
    /// can switch without losing a delivery: 24 by default, 0 to stop at once, at most 168.
    #[validate(range(max = 168))]
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = u32, nullable = false, minimum = 0, maximum = 168)]
    pub overlap_hours: Option<u32>,
}

impl RequestBody for RotateSecretInput {
    const SIZE: BodySize = BodySize::Small;
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    #[schema(example = 1)]
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; `null` when none came (refused address, timeout, ...).
    #[schema(example = 204)]
    pub status: Option<i32>,
    /// Why no status came.
    pub error: Option<String>,
    #[schema(example = 42)]
    pub latency_ms: i32,
    /// The start of the receiver's answer (at most 1 KiB; the rest is never read).
    pub response_excerpt: Option<String>,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        Self {
            attempt: a.attempt,
            at: utc(a.at),
            status: a.status,
            error: a.error,
            latency_ms: a.latency_ms,
            response_excerpt: a.response_excerpt,
        }
    }
}

/// A delivery of one event to one endpoint, with its attempts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    #[schema(example = 812)]
    pub id: i64,
    /// The message id (`webhook-id`): the same on every attempt and on redelivery.
    #[schema(example = "msg_5f1c0a7e9b3d4c2a8e6f0b1d3c5a7e9f")]
    pub message_id: String,
    pub event_type: WebhookEvent,
    #[schema(example = "article-42")]
    pub resource: String,
    pub state: DeliveryState,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The body sent.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub attempts: Vec<AttemptView>,
}

impl DeliveryView {
    fn new(delivery: Delivery, event: EventRow, attempts: Vec<Attempt>) -> Self {
        Self {
            id: delivery.id,
            message_id: event.public_id,
            event_type: event.event_type,
            resource: delivery.resource,
            next_attempt_at: (delivery.state == DeliveryState::Pending)
                .then(|| utc(delivery.next_attempt_at)),
            state: delivery.state,
            created_at: utc(delivery.created_at),
            completed_at: delivery.completed_at.map(utc),
            payload: serde_json::from_str(&event.payload).unwrap_or(Value::Null),
            attempts: attempts.into_iter().map(AttemptView::from).collect(),
        }
    }
}

/// A page of an endpoint's deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    pub data: Vec<DeliveryView>,
    pub meta: PageMeta,
}

fn webhook_not_found() -> AppError {
    AppError::not_found("No webhook endpoint has this id.")
}

/// The event types, each once, in catalogue order (the order the client gave is not kept).
fn event_list(events: &[WebhookEvent]) -> String {
    let chosen: Vec<WebhookEvent> = WebhookEvent::ALL
        .iter()
        .copied()
        .filter(|e| events.contains(e))
        .collect();
    serde_json::to_string(&chosen).expect("event types serialize")
}

/// A target URL the configuration accepts, or a 422 naming `url`.
fn check_target(state: &AppState, url: &str) -> Result<(), AppError> {
    let production = state.config.environment == Environment::Production;
    match guard::url_problem(url, production, &state.config.webhooks.allowed_networks) {
        Some(problem) => Err(AppError::invalid_field(
            "url",
            FieldCode::ForbiddenTarget,
            problem,
        )),
        None => Ok(()),
    }
}

fn sealing_key(state: &AppState) -> SealingKey {
    SealingKey::derive(state.config.jwt_secret.bytes())
}

fn find(conn: &mut DbConn, id: i64) -> Result<Endpoint, AppError> {
    rows::find_endpoint(conn, id)?.ok_or_else(webhook_not_found)
}

/// Lists the webhook endpoints by id.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(PageQuery),
    responses((status = 200, description = "A page of endpoints.", body = WebhookList))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let page = query.0.resolve(&state.config)?;
    let now = state.now();
    let (endpoints, total) = db::run(&state.pool, move |conn| {
        Ok(rows::endpoints_page(conn, page.offset(), page.limit())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(WebhookList {
            data: endpoints.into_iter().map(|e| WebhookView::new(e, now)).collect(),
            meta: page.meta(total),
        }))
}

/// Adds an endpoint. The answer holds its signing secret, shown this once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Created; `secret` is shown only now.", body = WebhookWithSecret,
            headers(("Location" = String, description = "The endpoint's address."))),
        (status = 422, description = "A field is missing or malformed, an event type is unknown, or `url` is refused (`forbidden_target`: not https in production, credentials, or a non-public address).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<WebhookInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let input = body.0;
    let (Some(url), Some(events)) = (input.url, input.events) else {
        return Err(AppError::internal("validated fields missing"));
    };
    check_target(&state, &url)?;
    let secret = secrets::generate();
    let sealed = sealing_key(&state).seal(&secret);
    let now = state.now();
    let created = write_as(&state, caller, move |conn, change| {
        let fields = EndpointFields {
            url: &url,
            description: input.description.as_deref(),
            events: event_list(&events),
            active: input.active.unwrap_or(true),
        };
        let endpoint = rows::insert_endpoint(conn, &fields, &sealed, change.at)?;
        change.audit(conn, AuditAction::WebhookCreate, endpoint.id, Some(url.clone()))?;
        Ok(endpoint)
    })
    .await?;
    let id = created.id;
    Ok(public_unchanged(
        HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/webhooks/{id}")))
            .json(WebhookWithSecret {
                webhook: WebhookView::new(created, now),
                secret,
            }),
    ))
}

/// Reads one endpoint (never its secret).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id.", minimum = 1)),
    responses(
        (status = 200, description = "The endpoint.", body = WebhookView),
        (status = 404, description = "No endpoint has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<web::Json<WebhookView>, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let now = state.now();
    let endpoint = db::run(&state.pool, move |conn| find(conn, id)).await?;
    Ok(web::Json(WebhookView::new(endpoint, now)))
}

/// Changes an endpoint: its URL, events, description or active flag.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id.", minimum = 1)),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "Updated.", body = WebhookView),
        (status = 404, description = "No endpoint has this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed by someone else at the same moment; read it again.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is malformed, or `url` is refused (`forbidden_target`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<WebhookPatch>,
) -> Result<web::Json<WebhookView>, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let patch = body.0;
    if let Some(url) = &patch.url {
        check_target(&state, url)?;
    }
    let now = state.now();
    let updated = write_as(&state, caller, move |conn, change| {
        let current = find(conn, id)?;
        let events = match &patch.events {
            Some(events) => event_list(events),
            None => current.events.clone(),
        };
        let fields = EndpointFields {
            url: patch.url.as_deref().unwrap_or(&current.url),
            description: match &patch.description {
                Some(description) => description.as_deref(),
                None => current.description.as_deref(),
            },
            events,
            active: patch.active.unwrap_or(current.active),
        };
        if !rows::update_endpoint(conn, id, current.version, &fields, change.at)? {
            return Err(AppError::conflict(
                "The endpoint changed meanwhile; read it again.",
            ));
        }
        change.audit(conn, AuditAction::WebhookUpdate, id, None)?;
        find(conn, id)
    })
    .await?;
    Ok(web::Json(WebhookView::new(updated, now)))
}

/// Removes an endpoint, with its pending deliveries and its log.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id.", minimum = 1)),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "No endpoint has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    write_as(&state, caller, move |conn, change| {
        if rows::delete_endpoint(conn, id)? == 0 {
            return Err(webhook_not_found());
        }
        change.audit(conn, AuditAction::WebhookDelete, id, None)
    })
    .await?;
    Ok(public_unchanged(HttpResponse::NoContent().finish()))
}

/// Gives an endpoint a new signing secret, shown this once. The old one keeps signing too
/// (both signatures are sent) for `overlap_hours`, so receivers switch without losing a delivery.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id.", minimum = 1)),
    request_body = RotateSecretInput,
    responses(
        (status = 200, description = "Rotated; `secret` is shown only now.", body = WebhookWithSecret),
        (status = 404, description = "No endpoint has this id.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`overlap_hours` is out of range.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<RotateSecretInput>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    // Validation refused more than the maximum already.
    let hours = body
        .0
        .overlap_hours
        .unwrap_or(DEFAULT_OVERLAP_HOURS)
        .min(MAX_OVERLAP_HOURS);
    let secret = secrets::generate();
    let sealed = sealing_key(&state).seal(&secret);
    let now = state.now();
    let rotated = write_as(&state, caller, move |conn, change| {
        let current = find(conn, id)?;
        let overlap_until = (hours > 0).then(|| change.at + Duration::hours(i64::from(hours)));
        let rotated = rows::rotate_secret(conn, &current, &sealed, overlap_until, change.at)?;
        change.audit(
            conn,
            AuditAction::WebhookRotateSecret,
            id,
            Some(format!("old secret signs for {hours} h")),
        )?;
        Ok(rotated)
    })
    .await?;
    Ok(public_unchanged(HttpResponse::Ok().json(WebhookWithSecret {
        webhook: WebhookView::new(rotated, now),
        secret,
    })))
}

/// An endpoint's delivery log, newest first: state, every attempt's status, latency and the
/// start of the answer.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id.", minimum = 1), PageQuery),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryList),
        (status = 404, description = "No endpoint has this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    id: web::Path<i64>,
    query: Params<PageQuery>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let page = query.0.resolve(&state.config)?;
    let (deliveries, total) = db::run(&state.pool, move |conn| {
        find(conn, id)?;
        Ok(rows::deliveries_page(conn, id, page.offset(), page.limit())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(link_header(&req, Nav::numbered(&page, total)))
        .json(DeliveryList {
            data: deliveries
                .into_iter()
                .map(|(d, e, a)| DeliveryView::new(d, e, a))
                .collect(),
            meta: page.meta(total),
        }))
}

/// Sends a delivery's event again, as a new delivery (same message id), due at once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(
        ("id" = i64, Path, description = "The endpoint's id.", minimum = 1),
        ("delivery_id" = i64, Path, description = "The delivery's id.", minimum = 1),
    ),
    responses(
        (status = 202, description = "Queued; the answer is the new delivery.", body = DeliveryView),
        (status = 404, description = "No such endpoint, or no such delivery of it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is inactive.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let (id, delivery_id) = path.into_inner();
    let queued = write_as(&state, caller, move |conn, change| {
        check_active(&find(conn, id)?)?;
        let (delivery, _) = rows::find_delivery(conn, id, delivery_id)?
            .ok_or_else(|| AppError::not_found("This endpoint has no delivery with this id."))?;
        let new_id = rows::redeliver(conn, &delivery, change.at)?;
        rows::find_delivery(conn, id, new_id)?.ok_or_else(|| AppError::internal("the new delivery vanished"))
    })
    .await?;
    let (delivery, event) = queued;
    Ok(public_unchanged(
        HttpResponse::Accepted().json(DeliveryView::new(delivery, event, Vec::new())),
    ))
}

/// Queues a `webhook.ping` event for this endpoint alone, to test the receiver and its
/// signature check.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id.", minimum = 1)),
    responses(
        (status = 202, description = "Queued; the answer is the delivery (see the log for its attempts).", body = DeliveryView),
        (status = 404, description = "No endpoint has this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is inactive.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let queued = write_as(&state, caller, move |conn, change| {
        check_active(&find(conn, id)?)?;
        let event = Event::new(
            WebhookEvent::WebhookPing,
            format!("webhook-{id}"),
            json!({ "webhook_id": id }),
            Vec::new(),
        );
        let delivery_id = events::record_for(conn, change.at, event, id)?;
        rows::find_delivery(conn, id, delivery_id)?.ok_or_else(|| AppError::internal("the ping vanished"))
    })
    .await?;
    let (delivery, event) = queued;
    Ok(public_unchanged(
        HttpResponse::Accepted().json(DeliveryView::new(delivery, event, Vec::new())),
    ))
}

fn check_active(endpoint: &Endpoint) -> Result<(), AppError> {
    if endpoint.active {
        Ok(())
    } else {
        Err(AppError::conflict("The endpoint is inactive: activate it first."))
    }
}
