//! Recording events in the outbox: called inside the transaction of the change they report,
//! so an event exists exactly when its change committed. An event is written only when an
//! active endpoint wants it; then one delivery per such endpoint is written with it.
//!
//! The payload is the body every delivery sends, as Standard Webhooks suggests it:
//! `{"type", "timestamp", "data", "id", "surrogate_keys"}`, where `data` is the public
//! representation of the resource as the change left it (its id and slug for removals), and
//! `surrogate_keys` the keys a CDN should purge.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::api::articles::read::article_keys;
use crate::db::DbConn;
use crate::db::schema::webhook_events;
use crate::error::AppError;
use crate::media::storage::MediaStore;
use crate::models::article;
use crate::models::comment::{self, Comment};
use crate::models::webhook::{self as rows, Endpoint};
use crate::values::{CommentStatus, WebhookEvent};

/// What happened, to what, and what a CDN should purge.
pub struct Event {
    pub kind: WebhookEvent,
    /// `article-12`, `section-world`...: deliveries of one resource keep their order.
    pub resource: String,
    pub data: Value,
    pub keys: Vec<String>,
}

impl Event {
    pub fn new(kind: WebhookEvent, resource: impl Into<String>, data: Value, keys: Vec<String>) -> Self {
        Self {
            kind,
            resource: resource.into(),
            data,
            keys,
        }
    }
}

/// A new message id: `msg_` and 128 random bits.
fn message_id() -> String {
    format!("msg_{}", hex::encode(rand::random::<[u8; 16]>()))
}

fn body(id: &str, event: &Event, at: NaiveDateTime) -> String {
    json!({
        "type": event.kind,
        "timestamp": at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "id": id,
        "data": event.data,
        "surrogate_keys": event.keys,
    })
    .to_string()
}

/// The active endpoints that want `kind` (one small read).
fn subscribers(conn: &mut DbConn, kind: WebhookEvent) -> Result<Vec<Endpoint>, AppError> {
    Ok(rows::active_endpoints(conn)?
        .into_iter()
        .filter(|e| e.wants(kind))
        .collect())
}

/// Records `event` for every active endpoint that wants it, in the caller's transaction.
pub fn record(conn: &mut DbConn, at: NaiveDateTime, event: Event) -> Result<(), AppError> {
    let endpoints = subscribers(conn, event.kind)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    enqueue(
        conn,
        at,
        &event,
        &endpoints.iter().map(|e| e.id).collect::<Vec<_>>(),
    )?;
    Ok(())
}

/// Records `event` for `endpoint_id` alone (a test ping); returns the delivery's id.
pub fn record_for(
    conn: &mut DbConn,
    at: NaiveDateTime,
    event: Event,
    endpoint_id: i64,
) -> Result<i64, AppError> {
    let event_id = enqueue(conn, at, &event, &[])?;
    Ok(rows::add_delivery(
        conn,
        event_id,
        endpoint_id,
        &event.resource,
        at,
    )?)
}

/// Writes the event and a delivery to each of `endpoints`; returns the event's id.
fn enqueue(conn: &mut DbConn, at: NaiveDateTime, event: &Event, endpoints: &[i64]) -> Result<i64, AppError> {
    let id = message_id();
    Ok(rows::enqueue(
        conn,
        &id,
        event.kind,
        &event.resource,
        &body(&id, event, at),
        endpoints,
        at,
    )?)
}

/// Records what a change to article `id` means to the public, from whether it had been
/// announced (its `announced` flag, read here: inside the change's transaction, after its
/// write, so a scheduled announcement committed meanwhile is seen) and whether it is visible
/// now; `keys` are what the change invalidated. Keeps the flag in step, with or without
/// endpoints.
pub fn article_changed(
    conn: &mut DbConn,
    media: &MediaStore,
    at: NaiveDateTime,
    id: i64,
    keys: &[String],
) -> Result<(), AppError> {
    let Some((current, ..)) = article::find_with_section(conn, id)? else {
        return Ok(());
    };
    let visible = article::is_visible(&current, at);
    if visible != current.announced {
        article::set_announced(conn, id, visible)?;
    }
    let kind = match (current.announced, visible) {
        (false, true) => WebhookEvent::ArticlePublished,
        (true, true) => WebhookEvent::ArticleUpdated,
        (true, false) => WebhookEvent::ArticleUnpublished,
        (false, false) => return Ok(()),
    };
    article_event(conn, media, at, id, kind, keys)
}

/// Records `kind` for article `id` as it now stands, for the endpoints that want it.
fn article_event(
    conn: &mut DbConn,
    media: &MediaStore,
    at: NaiveDateTime,
    id: i64,
    kind: WebhookEvent,
    keys: &[String],
) -> Result<(), AppError> {
    let endpoints = subscribers(conn, kind)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some((current, section, author)) = article::find_with_section(conn, id)? else {
        return Ok(());
    };
    let visible = article::is_visible(&current, at);
    let resource = crate::http_cache::keys::article(id);
    let event = if visible {
        let detail = crate::api::articles::detail(conn, media, current, section, author)?;
        let mut all_keys = article_keys(&detail);
        all_keys.extend(keys.iter().cloned());
        all_keys.sort_unstable();
        all_keys.dedup();
        let data = serde_json::to_value(&detail).map_err(AppError::internal)?;
        if kind == WebhookEvent::ArticleUpdated && !changed_since_last_event(conn, &resource, &data)? {
            return Ok(());
        }
        Event::new(kind, resource, data, all_keys)
    } else {
        let data = json!({
            "id": current.id,
            "slug": current.slug,
            "status": current.status,
            "trashed": current.deleted_at.is_some(),
        });
        Event::new(kind, resource, data, keys.to_vec())
    };
    enqueue(
        conn,
        at,
        &event,
        &endpoints.iter().map(|e| e.id).collect::<Vec<_>>(),
    )?;
    Ok(())
}

/// A created, updated or deleted resource other than an article or comment (a section, tag,
/// source, author profile, the site settings, a media item): `data` is
/// `{"action": "created" | "updated" | "deleted", "object": ...}`, the object being the public
/// representation after the change (its slug or id for a deletion). An update that leaves the
/// object as the last event showed it (a save that changed nothing public) sends nothing.
pub fn changed(
    conn: &mut DbConn,
    at: NaiveDateTime,
    kind: WebhookEvent,
    resource: String,
    action: &str,
    object: Value,
    keys: Vec<String>,
) -> Result<(), AppError> {
    if action == "updated"
        && let Some(last) = last_event_data(conn, &resource)?
        && last["action"] != "deleted"
        && last["object"] == object
    {
        return Ok(());
    }
    let data = json!({ "action": action, "object": object });
    record(conn, at, Event::new(kind, resource, data, keys))
}

/// Comments that became approved with this change (`before`: their rows before it), each
/// reported with its article.
pub fn comments_approved(conn: &mut DbConn, at: NaiveDateTime, before: &[Comment]) -> Result<(), AppError> {
    let newly: Vec<i64> = before
        .iter()
        .filter(|c| c.status != CommentStatus::Approved)
        .map(|c| c.id)
        .collect();
    if newly.is_empty() {
        return Ok(());
    }
    let endpoints: Vec<i64> = subscribers(conn, WebhookEvent::CommentApproved)?
        .iter()
        .map(|e| e.id)
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    for comment in comment::by_ids(conn, &newly)? {
        if comment.status != CommentStatus::Approved {
            continue;
        }
        let slug = article::find_with_section(conn, comment.article_id)?.map(|(a, ..)| a.slug);
        let keys = vec![crate::http_cache::keys::comments(comment.article_id)];
        let data = json!({
            "id": comment.id,
            "article_id": comment.article_id,
            "article_slug": slug,
            "parent_id": comment.parent_id,
            "author_name": comment.author_name,
            "body": comment.body,
            "created_at": comment.created_at.and_utc(),
        });
        let resource = format!("comment-{}", comment.id);
        enqueue(
            conn,
            at,
            &Event::new(WebhookEvent::CommentApproved, resource, data, keys),
            &endpoints,
        )?;
    }
    Ok(())
}

/// Articles removed for good (a trash purge), by id and slug.
pub fn articles_deleted(
    conn: &mut DbConn,
    at: NaiveDateTime,
    removed: &[(i64, String)],
) -> Result<(), AppError> {
    if removed.is_empty() {
        return Ok(());
    }
    let endpoints: Vec<i64> = subscribers(conn, WebhookEvent::ArticleDeleted)?
        .iter()
        .map(|e| e.id)
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    for (id, slug) in removed {
        let event = Event::new(
            WebhookEvent::ArticleDeleted,
            crate::http_cache::keys::article(*id),
            json!({ "id": id, "slug": slug }),
            vec![crate::http_cache::keys::article(*id)],
        );
        enqueue(conn, at, &event, &endpoints)?;
    }
    Ok(())
}

/// A scheduled article whose time came: announced once, whichever instance or concurrent edit
/// gets there first (the flag is set only where it was still unset). Its event names the lists
/// it now appears in: no write purged them, so this is a CDN's only signal.
pub fn announce_scheduled(
    conn: &mut DbConn,
    media: &MediaStore,
    at: NaiveDateTime,
    id: i64,
) -> Result<bool, AppError> {
    if !article::claim_announcement(conn, id)? {
        return Ok(false);
    }
    let Some((current, ..)) = article::find_with_section(conn, id)? else {
        return Ok(false);
    };
    let keys = crate::http_cache::keys::touched(None, crate::http_cache::keys::listed(conn, &current, at)?);
    article_event(conn, media, at, id, WebhookEvent::ArticlePublished, &keys)?;
    Ok(true)
}

/// Members of an article's representation that change without a public change (the time of
/// any save, the comment count) and are left out when deciding whether it changed.
const VOLATILE: [&str; 5] = [
    "updated_at",
    "created_at",
    "comment_count",
    "head",
    "structured_data",
];

fn public_part(data: &Value) -> Value {
    let mut data = data.clone();
    if let Some(object) = data.as_object_mut() {
        for member in VOLATILE {
            object.remove(member);
        }
    }
    data
}

/// Whether `data` differs, in what the public sees, from the article as the last event about
/// `resource` showed it (true when there was none).
fn changed_since_last_event(conn: &mut DbConn, resource: &str, data: &Value) -> Result<bool, AppError> {
    Ok(match last_event_data(conn, resource)? {
        Some(last) => public_part(&last) != public_part(data),
        None => true,
    })
}

/// The `data` of the last event recorded about `resource` (one read of its index).
fn last_event_data(conn: &mut DbConn, resource: &str) -> Result<Option<Value>, AppError> {
    let last: Option<String> = webhook_events::table
        .filter(webhook_events::resource.eq(resource))
        .order(webhook_events::id.desc())
        .select(webhook_events::payload)
        .first(conn)
        .optional()?;
    Ok(last
        .and_then(|p| serde_json::from_str::<Value>(&p).ok())
        .map(|mut payload| payload["data"].take()))
}
