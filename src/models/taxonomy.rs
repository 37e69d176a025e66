//! Simple taxonomies: flat, named terms that articles list in order (tags and sources today).
//!
//! Every such table has the same columns but one free-text column of its own (a tag's
//! `description`, a source's `url`), and a link table `(article_id, term_id, position)`. The
//! queries are written once, in [`term_table!`]; each kind is one line that names its tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{article_sources, article_tags, articles, sources, tags};

/// The tags table: free keywords an article is filed under.
#[derive(Debug, Clone, Copy)]
pub struct Tags;

/// The sources table: the agencies and outlets an article credits ("By Agencies").
#[derive(Debug, Clone, Copy)]
pub struct Sources;

/// One term, whatever its kind. `extra` is the kind's own column (see the module doc).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Term {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub extra: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub seo_title: Option<String>,
    pub meta_description: Option<String>,
}

/// A term to insert.
#[derive(Debug, Clone)]
pub struct NewTerm<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub extra: Option<&'a str>,
    pub seo_title: Option<&'a str>,
    pub meta_description: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// Changes to a term; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct TermChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub extra: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
    pub seo_title: Option<Option<String>>,
    pub meta_description: Option<Option<String>>,
}

/// The queries of one taxonomy table.
pub trait TermTable: Copy + Send + Sync + 'static {
    /// Singular, as in "No tag has this slug." and `tags[0]: no tag has the slug ...`.
    const NOUN: &'static str;
    /// The field that lists these terms on an article (`tags`, `sources`).
    const FIELD: &'static str;

    fn insert(conn: &mut DbConn, new: &NewTerm<'_>) -> QueryResult<Term>;
    fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Term>>;
    /// The terms among `slugs` that exist, in no particular order: one query.
    fn find_by_slugs(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<Term>>;
    fn slug_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool>;
    /// Applies `changes` if the stored version is still `expected`; `NotFound` when another
    /// write moved it on first.
    fn update(conn: &mut DbConn, id: i64, expected: i32, changes: &TermChanges) -> QueryResult<Term>;
    fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize>;
    /// One page of terms, alphabetical, and the total count.
    fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Term>, i64)>;
    /// The terms of each article in `article_ids`, in each article's order, as `(article_id, term)`.
    fn for_articles(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, Term)>>;
    /// Replaces an article's terms with `term_ids`, in that order.
    fn attach(conn: &mut DbConn, article_id: i64, term_ids: &[i64]) -> QueryResult<()>;
    /// Up to `limit` slugs of articles (any status) that list the term, and how many there are.
    fn articles_using(conn: &mut DbConn, id: i64, limit: i64) -> QueryResult<(Vec<String>, i64)>;
}

/// Implements [`TermTable`] for `$kind` (called `$noun`) over `$table` (with its own column
/// `$extra`) and the link table `$links` (whose term column is `$term_id`). The table's name is
/// also the article field that lists the terms.
macro_rules! term_table {
    ($kind:ident $noun:literal: $table:ident($extra:ident), $links:ident($term_id:ident)) => {
        impl TermTable for $kind {
            const NOUN: &'static str = $noun;
            const FIELD: &'static str = stringify!($table);

            fn insert(conn: &mut DbConn, new: &NewTerm<'_>) -> QueryResult<Term> {
                diesel::insert_into($table::table)
                    .values((
                        $table::slug.eq(new.slug),
                        $table::name.eq(new.name),
                        $table::$extra.eq(new.extra),
                        $table::seo_title.eq(new.seo_title),
                        $table::meta_description.eq(new.meta_description),
                        $table::created_at.eq(new.at),
                        $table::updated_at.eq(new.at),
                    ))
                    .returning($table::all_columns)
                    .get_result(conn)
            }

            fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Term>> {
                $table::table
                    .filter($table::slug.eq(slug))
                    .first(conn)
                    .optional()
            }

            fn find_by_slugs(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<Term>> {
                if slugs.is_empty() {
                    return Ok(Vec::new());
                }
                $table::table.filter($table::slug.eq_any(slugs)).load(conn)
            }

            fn slug_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
                diesel::select(diesel::dsl::exists(
                    $table::table.filter($table::slug.eq(slug)),
                ))
                .get_result(conn)
            }

            fn update(conn: &mut DbConn, id: i64, expected: i32, changes: &TermChanges) -> QueryResult<Term> {
                diesel::update(
                    $table::table
                        .filter($table::id.eq(id))
                        .filter($table::version.eq(expected)),
                )
                .set((
                    changes.slug.as_ref().map(|v| $table::slug.eq(v)),
                    changes.name.as_ref().map(|v| $table::name.eq(v)),
                    changes
                        .extra
                        .as_ref()
                        .map(|v| $table::$extra.eq(v.as_deref())),
                    changes.updated_at.map(|v| $table::updated_at.eq(v)),
                    changes.version.map(|v| $table::version.eq(v)),
                    changes
                        .seo_title
                        .as_ref()
                        .map(|v| $table::seo_title.eq(v.as_deref())),
                    changes
                        .meta_description
                        .as_ref()
                        .map(|v| $table::meta_description.eq(v.as_deref())),
                ))
                .returning($table::all_columns)
                .get_result(conn)
            }

            fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
                diesel::delete($table::table.find(id)).execute(conn)
            }

            fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Term>, i64)> {
                let items = $table::table
                    .order(($table::name, $table::id))
                    .offset(offset)
                    .limit(limit)
                    .load(conn)?;
                let total = $table::table.count().get_result(conn)?;
                Ok((items, total))
            }

            fn for_articles(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, Term)>> {
                if article_ids.is_empty() {
                    return Ok(Vec::new());
                }
                $links::table
                    .inner_join($table::table)
                    .filter($links::article_id.eq_any(article_ids))
                    .order(($links::article_id, $links::position))
                    .select(($links::article_id, $table::all_columns))
                    .load(conn)
            }

            fn attach(conn: &mut DbConn, article_id: i64, term_ids: &[i64]) -> QueryResult<()> {
                diesel::delete($links::table.filter($links::article_id.eq(article_id))).execute(conn)?;
                let rows: Vec<_> = term_ids
                    .iter()
                    .enumerate()
                    .map(|(position, &term_id)| {
                        (
                            $links::article_id.eq(article_id),
                            $links::$term_id.eq(term_id),
                            $links::position.eq(position as i32),
                        )
                    })
                    .collect();
                if !rows.is_empty() {
                    crate::db::on_backend!(conn, |c| diesel::insert_into($links::table)
                        .values(&rows)
                        .execute(c))?;
                }
                Ok(())
            }

            fn articles_using(conn: &mut DbConn, id: i64, limit: i64) -> QueryResult<(Vec<String>, i64)> {
                let ids = $links::table
                    .filter($links::$term_id.eq(id))
                    .select($links::article_id);
                let slugs = articles::table
                    .filter(articles::id.eq_any(ids))
                    .order(articles::id)
                    .select(articles::slug)
                    .limit(limit)
                    .load(conn)?;
                let count = $links::table
                    .filter($links::$term_id.eq(id))
                    .count()
                    .get_result(conn)?;
                Ok((slugs, count))
            }
        }
    };
}

term_table!(Tags "tag": tags(description), article_tags(tag_id));
term_table!(Sources "source": sources(url), article_sources(source_id));

/// The ids and slugs of one article's tags, in order: what ranking its related articles and
/// keying that answer need, in one cached statement.
pub fn tag_ids_and_slugs(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<(i64, String)>> {
    let query = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq(article_id))
        .order(article_tags::position)
        .select((tags::id, tags::slug));
    crate::db::load(conn, query)
}
