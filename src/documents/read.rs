//! Reading stored documents: only fresh ones (current generation, this server's fingerprint),
//! and only for articles the public may see now (checked on the article's row).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{article_documents, articles, document_generation};
use crate::db::{self, DbConn};
use crate::models::article::visible_at;

/// A stored answer and its Surrogate-Key (space-separated, as stored).
#[derive(Debug, Clone)]
pub struct Stored {
    pub json: String,
    pub keys: String,
}

impl Stored {
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.keys.split(' ').filter(|k| !k.is_empty()).map(str::to_owned)
    }
}

/// The stored detail of the public article `slug`, when there is a fresh one: one statement,
/// the article by its unique slug, its document by primary key.
pub fn detail(
    conn: &mut DbConn,
    slug: &str,
    now: NaiveDateTime,
    fingerprint: &str,
) -> QueryResult<Option<Stored>> {
    let current = document_generation::table
        .select(document_generation::value)
        .single_value();
    article_documents::table
        .inner_join(articles::table)
        .filter(articles::slug.eq(slug))
        .filter(visible_at(now))
        .filter(article_documents::fingerprint.eq(fingerprint))
        .filter(article_documents::generation.nullable().eq(current))
        .select((article_documents::detail, article_documents::detail_keys))
        .first::<(String, String)>(conn)
        .optional()
        .map(|found| found.map(|(json, keys)| Stored { json, keys }))
}

/// The fresh stored cards of `ids`, by article id (those without one are left out). The caller
/// has already checked that the articles are visible.
pub fn summaries(conn: &mut DbConn, ids: &[i64], fingerprint: &str) -> QueryResult<HashMap<i64, Stored>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let current = document_generation::table
        .select(document_generation::value)
        .single_value();
    let mut query = article_documents::table.into_boxed();
    query = if db::is_postgres(conn) {
        // `= ANY($1)`: one array parameter, the same statement for any number of ids.
        query.filter(article_documents::article_id.eq_any(ids))
    } else {
        query.filter(IdIn::json_array(ids))
    };
    let rows: Vec<(i64, String, String)> = query
        .filter(article_documents::fingerprint.eq(fingerprint))
        .filter(article_documents::generation.nullable().eq(current))
        .select((
            article_documents::article_id,
            article_documents::summary,
            article_documents::summary_keys,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, json, keys)| (id, Stored { json, keys }))
        .collect())
}

/// `article_documents.article_id IN (SELECT value FROM json_each(?))`, the ids bound as one
/// JSON array, for SQLite: its `IN (?, ?, ...)` has a different text for each number of ids and
/// is never a cached statement, so each page of cards was prepared afresh (a tenth of a list
/// page's CPU); this text is the same for every page.
#[derive(Debug, Clone)]
struct IdIn {
    json: String,
}

impl IdIn {
    fn json_array(ids: &[i64]) -> Self {
        let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
        Self {
            json: format!("[{}]", listed.join(",")),
        }
    }
}

impl Expression for IdIn {
    type SqlType = diesel::sql_types::Bool;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for IdIn
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_identifier("article_documents")?;
        out.push_sql(".");
        out.push_identifier("article_id")?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl diesel::query_builder::QueryId for IdIn {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<GB> diesel::expression::ValidGrouping<GB> for IdIn {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl AppearsOnTable<article_documents::table> for IdIn {}
