//! Sources: the agencies and outlets an article credits ("By Agencies"), in order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{article_sources, sources};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sources)]
pub struct Source {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sources)]
pub struct NewSource<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub url: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewSource<'_>) -> QueryResult<Source> {
    diesel::insert_into(sources::table)
        .values(new)
        .returning(sources::all_columns)
        .get_result(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Source>> {
    sources::table
        .filter(sources::slug.eq(slug))
        .select(Source::as_select())
        .first(conn)
        .optional()
}

pub fn slug_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sources::table.filter(sources::slug.eq(slug)))).get_result(conn)
}

/// Changes to a source; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sources)]
pub struct SourceChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub url: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
}

/// Applies `changes` if the stored version is still `expected`; `NotFound` when another write
/// moved it on first.
pub fn update(conn: &mut DbConn, id: i64, expected: i32, changes: &SourceChanges) -> QueryResult<Source> {
    diesel::update(
        sources::table
            .filter(sources::id.eq(id))
            .filter(sources::version.eq(expected)),
    )
    .set(changes)
    .returning(sources::all_columns)
    .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(sources::table.find(id)).execute(conn)
}

/// One page of sources, alphabetical, and the total count.
pub fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Source>, i64)> {
    let items = sources::table
        .select(Source::as_select())
        .order((sources::name, sources::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = sources::table.count().get_result(conn)?;
    Ok((items, total))
}

/// The sources of each article in `article_ids`, in each article's order, as `(article_id, source)`.
pub fn for_articles(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, Source)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_sources::table
        .inner_join(sources::table)
        .filter(article_sources::article_id.eq_any(article_ids))
        .order((article_sources::article_id, article_sources::position))
        .select((article_sources::article_id, Source::as_select()))
        .load(conn)
}

/// Replaces an article's sources with `source_ids`, in that order.
pub fn set_for_article(conn: &mut DbConn, article_id: i64, source_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_sources::table.filter(article_sources::article_id.eq(article_id)))
        .execute(conn)?;
    let rows: Vec<_> = source_ids
        .iter()
        .enumerate()
        .map(|(position, &source_id)| {
            (
                article_sources::article_id.eq(article_id),
                article_sources::source_id.eq(source_id),
                article_sources::position.eq(position as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::db::on_backend!(conn, |c| diesel::insert_into(article_sources::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}
