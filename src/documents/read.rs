//! Reading stored documents: only fresh ones (current generation, this server's fingerprint),
//! and only for articles the public may see now (checked on the article's row).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::expressions::IdIn;
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
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.split(' ').filter(|k| !k.is_empty())
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
    let query = article_documents::table
        .inner_join(articles::table)
        .filter(articles::slug.eq(slug))
        .filter(visible_at(now))
        .filter(article_documents::fingerprint.eq(fingerprint))
        .filter(article_documents::generation.nullable().eq(current))
        .select((article_documents::detail, article_documents::detail_keys));
    let found: Option<(String, String)> = db::first(conn, query)?;
    Ok(found.map(|(json, keys)| Stored { json, keys }))
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
    let fresh = article_documents::fingerprint
        .eq(fingerprint)
        .and(article_documents::generation.nullable().eq(current));
    let columns = (
        article_documents::article_id,
        article_documents::summary,
        article_documents::summary_keys,
    );
    // Unboxed statements of fixed types, which diesel finds prepared by type: a boxed query
    // rebuilt its SQL text on every page to look it up.
    let rows: Vec<(i64, String, String)> = if db::is_postgres(conn) {
        // `= ANY($1)`: one array parameter, the same statement for any number of ids.
        let query = article_documents::table
            .filter(article_documents::article_id.eq_any(ids))
            .filter(fresh)
            .select(columns);
        db::load(conn, query)?
    } else {
        let query = article_documents::table
            .filter(IdIn::new(article_documents::article_id, ids.iter().copied()))
            .filter(fresh)
            .select(columns);
        db::load(conn, query)?
    };
    Ok(rows
        .into_iter()
        .map(|(id, json, keys)| (id, Stored { json, keys }))
        .collect())
}
