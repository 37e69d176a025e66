//! Tags: free keywords an article is filed under, in the order the article gives them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{article_tags, tags};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tags)]
pub struct NewTag<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewTag<'_>) -> QueryResult<Tag> {
    diesel::insert_into(tags::table)
        .values(new)
        .returning(tags::all_columns)
        .get_result(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Tag>> {
    tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

pub fn slug_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(tags::table.filter(tags::slug.eq(slug)))).get_result(conn)
}

/// Changes to a tag; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
}

/// Applies `changes` if the stored version is still `expected`; `NotFound` when another write
/// moved it on first.
pub fn update(conn: &mut DbConn, id: i64, expected: i32, changes: &TagChanges) -> QueryResult<Tag> {
    diesel::update(
        tags::table
            .filter(tags::id.eq(id))
            .filter(tags::version.eq(expected)),
    )
    .set(changes)
    .returning(tags::all_columns)
    .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(tags::table.find(id)).execute(conn)
}

/// One page of tags, alphabetical, and the total count.
pub fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Tag>, i64)> {
    let items = tags::table
        .select(Tag::as_select())
        .order((tags::name, tags::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = tags::table.count().get_result(conn)?;
    Ok((items, total))
}

/// The tags of each article in `article_ids`, in each article's order, as `(article_id, tag)`.
pub fn for_articles(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, Tag)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(article_ids))
        .order((article_tags::article_id, article_tags::position))
        .select((article_tags::article_id, Tag::as_select()))
        .load(conn)
}

/// Replaces an article's tags with `tag_ids`, in that order.
pub fn set_for_article(conn: &mut DbConn, article_id: i64, tag_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id))).execute(conn)?;
    let rows: Vec<_> = tag_ids
        .iter()
        .enumerate()
        .map(|(position, &tag_id)| {
            (
                article_tags::article_id.eq(article_id),
                article_tags::tag_id.eq(tag_id),
                article_tags::position.eq(position as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::db::on_backend!(conn, |c| diesel::insert_into(article_tags::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}
