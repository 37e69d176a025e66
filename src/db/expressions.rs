//! SQL expressions diesel has no builder for, written so that their statements stay cached.
//!
//! Diesel prepares a statement once and reuses it when its text is the same each time; a literal
//! SQL fragment or SQLite's `IN (?, ?, ...)` (one text per number of ids) is prepared afresh on
//! every call, which cost list pages and related articles a tenth of their CPU.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Bool, HasSqlType, Nullable, Text};

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
