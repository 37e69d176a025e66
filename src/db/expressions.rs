//! SQL expressions diesel has no builder for, written so that their statements stay cached.
//!
//! Diesel prepares a statement once and reuses it when its text is the same each time; a literal
//! SQL fragment or SQLite's `IN (?, ?, ...)` (one text per number of ids) is prepared afresh on
//! every call, which cost list pages and related articles a tenth of their CPU.

use diesel::backend::Backend;
use diesel::deserialize::FromSql;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::{Pg, PgValue};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Bool, HasSqlType, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::db::MultiBackend;

/// A time column read as the text SQLite stores (SQLite only): diesel writes times as `%F %T%.f`,
/// whose text order is their time order, the order SQLite's indexes keep. Comparing and merging
/// that text costs nothing; parsing every row's time cost a tenth of a section page's CPU.
#[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
pub struct StoredText<C>(pub C);

impl<C: Expression> Expression for StoredText<C> {
    type SqlType = Nullable<Text>;
}

impl<C, DB> QueryFragment<DB> for StoredText<C>
where
    DB: diesel::backend::Backend,
    C: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for StoredText<C> {}
impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for StoredText<C> {}

/// The longest time text a [`Stamp`] holds: diesel's own form is at most 29 bytes
/// (`2026-12-06 16:14:24.123456789`), and every other form `stored_time` reads fits. A longer
/// text (only another writer could store one, and it is no time either reads) fails the
/// statement that reads it, a page or a related answer, rather than being ordered wrongly.
const STAMP_CAPACITY: usize = 40;

/// A time as [`StoredText`] reads it, held inline: related articles read a few hundred rows,
/// and a `String` for each one's time (an allocation, a copy and a free) was a ninth of the
/// answer's instructions. Ordered as its bytes, which is SQLite's text order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, diesel::deserialize::FromSqlRow)]
pub struct Stamp {
    len: u8,
    bytes: [u8; STAMP_CAPACITY],
}

impl Stamp {
    fn new(text: &str) -> diesel::deserialize::Result<Self> {
        let mut bytes = [0; STAMP_CAPACITY];
        bytes
            .get_mut(..text.len())
            .ok_or_else(|| format!("a stored time of {} bytes is not a time", text.len()))?
            .copy_from_slice(text.as_bytes());
        Ok(Self {
            len: text.len() as u8,
            bytes,
        })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The text as stored (only ever made from text, so always UTF-8).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl Ord for Stamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl FromSql<Text, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> diesel::deserialize::Result<Self> {
        Self::new(value.read_text())
    }
}

/// Through [`crate::db::DbConn`], for the statements built for either backend at run time.
impl FromSql<Text, MultiBackend> for Stamp {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        value.from_sql::<Self, Text>()
    }
}

/// Only SQLite's statements read a [`Stamp`]; the statements that do are typed for both
/// backends, which this makes possible.
impl FromSql<Text, Pg> for Stamp {
    fn from_sql(value: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        Self::new(std::str::from_utf8(value.as_bytes())?)
    }
}

/// `column IN (SELECT value FROM json_each(?))`, the ids bound as one JSON array (SQLite):
/// the same statement text for any number of ids. PostgreSQL has `= ANY($1)` for this.
#[derive(Debug, Clone)]
pub struct IdIn<C> {
    column: C,
    json: String,
}

impl<C> IdIn<C> {
    pub fn new(column: C, ids: impl IntoIterator<Item = i64>) -> Self {
        let listed: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
        Self {
            column,
            json: format!("[{}]", listed.join(",")),
        }
    }
}

impl<C> Expression for IdIn<C> {
    type SqlType = Bool;
}

impl<C, DB> QueryFragment<DB> for IdIn<C>
where
    DB: diesel::backend::Backend + HasSqlType<Text>,
    C: QueryFragment<DB>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

// The text is the same whatever the ids; diesel caches such a statement by its text.
impl<C> QueryId for IdIn<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, GB> ValidGrouping<GB> for IdIn<C> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for IdIn<C> {}
