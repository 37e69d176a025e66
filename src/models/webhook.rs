//! Webhook rows: endpoints, the outbox of events, their deliveries (one per endpoint that
//! wants the event) and each delivery's attempts.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::db::DbConn;
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};
use crate::values::{DeliveryState, WebhookEvent};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    /// JSON array of event types.
    pub events: String,
    pub active: bool,
    /// Sealed (see `webhooks::secrets`).
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_expires_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Endpoint {
    pub fn event_types(&self) -> Vec<WebhookEvent> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }

    pub fn wants(&self, event: WebhookEvent) -> bool {
        self.event_types().contains(&event)
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = webhook_endpoints, treat_none_as_null = true)]
pub struct EndpointFields<'a> {
    pub url: &'a str,
    pub description: Option<&'a str>,
    pub events: String,
    pub active: bool,
}

pub fn insert_endpoint(
    conn: &mut DbConn,
    fields: &EndpointFields<'_>,
    sealed_secret: &str,
    now: NaiveDateTime,
) -> QueryResult<Endpoint> {
    diesel::insert_into(webhook_endpoints::table)
        .values((
            fields,
            webhook_endpoints::secret.eq(sealed_secret),
            webhook_endpoints::created_at.eq(now),
            webhook_endpoints::updated_at.eq(now),
        ))
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)
}

pub fn find_endpoint(conn: &mut DbConn, id: i64) -> QueryResult<Option<Endpoint>> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()
}

pub fn endpoints_page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Endpoint>, i64)> {
    let items = webhook_endpoints::table
        .order(webhook_endpoints::id.asc())
        .select(Endpoint::as_select())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = webhook_endpoints::table.count().get_result(conn)?;
    Ok((items, total))
}

/// The active endpoints: few, read whole on each recorded event.
pub fn active_endpoints(conn: &mut DbConn) -> QueryResult<Vec<Endpoint>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::active.eq(true))
        .select(Endpoint::as_select())
        .load(conn)
}

/// Saves `fields` over the endpoint at `expected` version; false when it moved on.
pub fn update_endpoint(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    fields: &EndpointFields<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(id))
            .filter(webhook_endpoints::version.eq(expected)),
    )
    .set((
        fields,
        webhook_endpoints::version.eq(expected + 1),
        webhook_endpoints::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A new secret; the current one keeps signing until `overlap_until`.
pub fn rotate_secret(
    conn: &mut DbConn,
    current: &Endpoint,
    sealed_secret: &str,
    overlap_until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<Endpoint> {
    diesel::update(webhook_endpoints::table.find(current.id))
        .set((
            webhook_endpoints::secret.eq(sealed_secret),
            webhook_endpoints::previous_secret.eq(overlap_until.map(|_| current.secret.clone())),
            webhook_endpoints::previous_expires_at.eq(overlap_until),
            webhook_endpoints::version.eq(current.version + 1),
            webhook_endpoints::updated_at.eq(now),
        ))
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)
}

pub fn delete_endpoint(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(webhook_endpoints::table.find(id)).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_events)]
pub struct EventRow {
    pub id: i64,
    pub public_id: String,
    pub event_type: WebhookEvent,
    pub resource: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

/// Writes an event and one pending delivery to each of `endpoint_ids` (in the caller's
/// transaction).
pub fn enqueue(
    conn: &mut DbConn,
    public_id: &str,
    event: WebhookEvent,
    resource: &str,
    payload: &str,
    endpoint_ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let event_id: i64 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::public_id.eq(public_id),
            webhook_events::event_type.eq(event),
            webhook_events::resource.eq(resource),
            webhook_events::payload.eq(payload),
            webhook_events::created_at.eq(now),
        ))
        .returning(webhook_events::id)
        .get_result(conn)?;
    for endpoint_id in endpoint_ids {
        add_delivery(conn, event_id, *endpoint_id, resource, now)?;
    }
    Ok(event_id)
}

/// A pending delivery of event `event_id` to `endpoint_id`, due at once.
pub fn add_delivery(
    conn: &mut DbConn,
    event_id: i64,
    endpoint_id: i64,
    resource: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::event_id.eq(event_id),
            webhook_deliveries::endpoint_id.eq(endpoint_id),
            webhook_deliveries::resource.eq(resource),
            webhook_deliveries::state.eq(DeliveryState::Pending),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::created_at.eq(now),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub endpoint_id: i64,
    pub resource: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub at: NaiveDateTime,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i32,
    pub response_excerpt: Option<String>,
}

/// A delivery as the log shows it: with its event and its attempts.
pub type LoggedDelivery = (Delivery, EventRow, Vec<Attempt>);

/// A page of an endpoint's deliveries, newest first, with their events and every attempt
/// (three queries, whatever the page size).
pub fn deliveries_page(
    conn: &mut DbConn,
    endpoint_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<LoggedDelivery>, i64)> {
    let rows: Vec<(Delivery, EventRow)> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order(webhook_deliveries::id.desc())
        .select((Delivery::as_select(), EventRow::as_select()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .count()
        .get_result(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(d, _)| d.id).collect();
    let mut attempts: HashMap<i64, Vec<Attempt>> = HashMap::new();
    for attempt in webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select(Attempt::as_select())
        .load(conn)?
    {
        attempts.entry(attempt.delivery_id).or_default().push(attempt);
    }
    let page = rows
        .into_iter()
        .map(|(d, e)| {
            let tried = attempts.remove(&d.id).unwrap_or_default();
            (d, e, tried)
        })
        .collect();
    Ok((page, total))
}

pub fn find_delivery(
    conn: &mut DbConn,
    endpoint_id: i64,
    id: i64,
) -> QueryResult<Option<(Delivery, EventRow)>> {
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::id.eq(id))
        .select((Delivery::as_select(), EventRow::as_select()))
        .first(conn)
        .optional()
}

/// A delivery the worker claimed, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub endpoint_id: i64,
    pub attempts: i32,
    /// When the delivery was made: retries stop a retry period later.
    pub created_at: NaiveDateTime,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_expires_at: Option<NaiveDateTime>,
    pub public_id: String,
    pub payload: String,
    /// Until when this worker holds it.
    pub leased_until: NaiveDateTime,
}

/// Due deliveries of active endpoints that no worker holds and that no earlier pending
/// delivery of the same resource to the same endpoint holds back (order per resource).
/// PostgreSQL skips rows another instance is claiming at the same moment.
fn due_query(postgres: bool, busy: &[i64]) -> String {
    let (now, lease, limit, lock) = if postgres {
        ("$1", "$2", "$3", " FOR UPDATE OF d SKIP LOCKED")
    } else {
        ("?", "?", "?", "")
    };
    // Endpoints with as many deliveries in flight as they may have wait (ids are integers).
    let not_busy = if busy.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = busy.iter().map(i64::to_string).collect();
        format!(" AND d.endpoint_id NOT IN ({})", ids.join(", "))
    };
    format!(
        "SELECT d.id FROM webhook_deliveries d \
         JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.active \
         WHERE d.state = 'pending' AND d.next_attempt_at <= {now} \
           AND (d.leased_until IS NULL OR d.leased_until < {lease}){not_busy} \
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
               AND e.resource = d.resource AND e.state = 'pending' AND e.id < d.id) \
         ORDER BY d.next_attempt_at, d.id LIMIT {limit}{lock}"
    )
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `limit` due deliveries until `lease_until`, none of endpoints `busy` (call in a
/// write transaction).
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    busy: &[i64],
) -> QueryResult<Vec<Claimed>> {
    let sql = due_query(crate::db::is_postgres(conn), busy);
    let ids: Vec<i64> = crate::db::on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<IdRow>(c))?
    .into_iter()
    .map(|r| r.id)
    .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::leased_until.eq(lease_until))
        .execute(conn)?;
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::endpoint_id,
            webhook_deliveries::attempts,
            webhook_deliveries::created_at,
            webhook_endpoints::url,
            webhook_endpoints::secret,
            webhook_endpoints::previous_secret,
            webhook_endpoints::previous_expires_at,
            webhook_events::public_id,
            webhook_events::payload,
        ))
        .load::<(
            i64,
            i64,
            i32,
            NaiveDateTime,
            String,
            String,
            Option<String>,
            Option<NaiveDateTime>,
            String,
            String,
        )>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(|r| Claimed {
                    id: r.0,
                    endpoint_id: r.1,
                    attempts: r.2,
                    created_at: r.3,
                    url: r.4,
                    secret: r.5,
                    previous_secret: r.6,
                    previous_expires_at: r.7,
                    public_id: r.8,
                    payload: r.9,
                    leased_until: lease_until,
                })
                .collect()
        })
}

/// What one attempt found.
pub struct Outcome<'a> {
    pub at: NaiveDateTime,
    pub status: Option<i32>,
    pub error: Option<&'a str>,
    pub latency_ms: i32,
    pub response_excerpt: Option<&'a str>,
    /// The delivery's state after it, and when to try again if pending.
    pub state: DeliveryState,
    pub next_attempt_at: NaiveDateTime,
}

/// Records an attempt of delivery `id` (its `attempt`-th) and releases the lease. The
/// delivery's state changes only while this worker's `lease` still holds: past it, another
/// worker may have taken the delivery, and its outcome wins (the attempt is logged either way).
pub fn record_attempt(
    conn: &mut DbConn,
    id: i64,
    attempt: i32,
    lease: NaiveDateTime,
    outcome: &Outcome<'_>,
) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(id),
            webhook_attempts::attempt.eq(attempt),
            webhook_attempts::at.eq(outcome.at),
            webhook_attempts::status.eq(outcome.status),
            webhook_attempts::error.eq(outcome.error),
            webhook_attempts::latency_ms.eq(outcome.latency_ms),
            webhook_attempts::response_excerpt.eq(outcome.response_excerpt),
        ))
        .execute(conn)?;
    let completed = (outcome.state != DeliveryState::Pending).then_some(outcome.at);
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::leased_until.eq(lease)),
    )
    .set((
        webhook_deliveries::attempts.eq(attempt),
        webhook_deliveries::state.eq(outcome.state),
        webhook_deliveries::next_attempt_at.eq(outcome.next_attempt_at),
        webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::completed_at.eq(completed),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives back claimed deliveries not sent after all.
pub fn release(conn: &mut DbConn, ids: &[i64]) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(ids)))
        .set(webhook_deliveries::leased_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// A new delivery of `delivery`'s event to its endpoint: due at once, with a retry period of
/// its own, the same message id (receivers deduplicate by it).
pub fn redeliver(conn: &mut DbConn, delivery: &Delivery, now: NaiveDateTime) -> QueryResult<i64> {
    add_delivery(
        conn,
        delivery.event_id,
        delivery.endpoint_id,
        &delivery.resource,
        now,
    )
}
