//! The audit log: every write by a user, with who, when, what and a keyed hash of the address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::values::AuditAction;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub action: AuditAction,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub details: Option<String>,
    pub client_hash: Option<String>,
}

/// What happened, to what, by whom and when.
#[derive(Debug, Clone)]
pub struct Event {
    /// Names the kind of resource too (`AuditAction::resource_type`).
    pub action: AuditAction,
    pub resource_id: Option<String>,
    pub details: Option<String>,
    /// `None` for the operator's command line and for failed logins of unknown accounts.
    pub user_id: Option<i64>,
    pub client_hash: Option<String>,
    pub at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, event: &Event) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::created_at.eq(event.at),
            audit_log::user_id.eq(event.user_id),
            audit_log::action.eq(event.action),
            audit_log::resource_type.eq(event.action.resource_type()),
            audit_log::resource_id.eq(event.resource_id.as_deref()),
            audit_log::details.eq(event.details.as_deref()),
            audit_log::client_hash.eq(event.client_hash.as_deref()),
        ))
        .execute(conn)
        .map(drop)
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i64>,
    pub resource_type: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// One page of the log, newest first, and the number of matching entries.
pub fn page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let filtered = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(user_id) = filter.user_id {
            query = query.filter(audit_log::user_id.eq(user_id));
        }
        if let Some(resource_type) = &filter.resource_type {
            query = query.filter(audit_log::resource_type.eq(resource_type.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_log::created_at.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_log::created_at.lt(to));
        }
        query
    };
    let items = filtered()
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?;
    let total = filtered().count().get_result(conn)?;
    Ok((items, total))
}
