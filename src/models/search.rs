//! Ranked full-text search: the page of hits in order of relevance, and the counts per section
//! and per tag over all hits (facets).
//!
//! SQLite ranks with FTS5's `bm25(article_search_fts, 10.0, 1.0)` (the headline column weighs
//! ten times the body column); PostgreSQL with `ts_rank_cd` over the tsvector whose headline
//! words have weight A (1.0) and the rest weight B (0.1), normalized by the log of the length.
//! Equal scores go to the newest, then the highest id. The statements are written here by hand
//! (the rank needs the index in the `FROM` clause); the expression searched is built from
//! parsed terms only ([`expression`]), and every value is a bind parameter.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::content::search::Term;
use crate::db::{self, DbConn};
use crate::models::article::ArticleFilter;
use crate::values::ArticleStatus;

/// How many values each facet lists.
pub const FACET_SIZE: i64 = 10;

/// The search expression in the backend's syntax. Terms hold only ASCII letters and digits
/// (`content::search::parse`), so nothing in them is syntax to either engine.
pub fn expression(terms: &[Term], postgres: bool) -> String {
    let parts: Vec<String> = terms
        .iter()
        .map(|term| match (term, postgres) {
            (Term::Word(w), false) => format!("\"{w}\""),
            (Term::Prefix(w), false) => format!("\"{w}\"*"),
            (Term::Phrase(ws), false) => format!("\"{}\"", ws.join(" ")),
            (Term::Word(w), true) => w.clone(),
            (Term::Prefix(w), true) => format!("{w}:*"),
            (Term::Phrase(ws), true) => format!("({})", ws.join(" <-> ")),
        })
        .collect();
    parts.join(if postgres { " & " } else { " " })
}

/// A bind parameter of a hand-written statement.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Text(String),
    Time(NaiveDateTime),
}

/// A statement being written, with its bind parameters in order.
struct Statement {
    postgres: bool,
    sql: String,
    binds: Vec<Bind>,
}

impl Statement {
    fn new(postgres: bool) -> Self {
        Self {
            postgres,
            sql: String::new(),
            binds: Vec::new(),
        }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        if self.postgres {
            let n = self.binds.len();
            self.sql.push_str(&format!("${n}"));
        } else {
            self.sql.push('?');
        }
        self
    }

    /// `(?, ?, ...)` of ids.
    fn ids(&mut self, ids: &[i64]) -> &mut Self {
        self.push("(");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(Bind::Int(*id));
        }
        self.push(")")
    }

    fn load<R>(&self, conn: &mut DbConn) -> QueryResult<Vec<R>>
    where
        R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
    {
        db::on_backend!(conn, |c| {
            let mut query = diesel::sql_query(&self.sql).into_boxed();
            for bind in &self.binds {
                query = match bind {
                    Bind::Int(v) => query.bind::<BigInt, _>(*v),
                    Bind::Text(v) => query.bind::<Text, _>(v.clone()),
                    Bind::Time(v) => query.bind::<Timestamp, _>(*v),
                };
            }
            query.load::<R>(c)
        })
    }
}

/// The matches of `expression` among the public articles `filter` admits: the `FROM` and
/// `WHERE` clauses shared by the page and the facets (`a` is `articles`; SQLite's index is
/// `article_search_fts`, PostgreSQL's `s`, with the query as `q`), with `joins` after `a`.
fn matches(
    statement: &mut Statement,
    expression: &str,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    joins: &str,
) {
    let text = Bind::Text(expression.to_owned());
    if statement.postgres {
        statement
            .push(" FROM article_search s JOIN articles a ON a.id = s.article_id")
            .push(joins)
            .push(", to_tsquery('simple', ")
            .bind(text)
            .push(") q WHERE s.search @@ q");
    } else {
        statement
            .push(" FROM article_search_fts JOIN articles a ON a.id = article_search_fts.rowid")
            .push(joins)
            .push(" WHERE article_search_fts MATCH ")
            .bind(text);
    }
    // `visible_at`: published, due, not in the trash.
    statement
        .push(" AND a.status = ")
        .bind(Bind::Text(ArticleStatus::Published.as_str().to_owned()))
        .push(" AND a.published_at <= ")
        .bind(Bind::Time(now))
        .push(" AND a.deleted_at IS NULL");
    if let Some(ids) = &filter.section_ids {
        statement.push(" AND a.section_id IN ").ids(ids);
    }
    let linked = [
        ("article_tags", "tag_id", &filter.tag_ids),
        ("article_sources", "source_id", &filter.source_ids),
        ("article_authors", "user_id", &filter.author_ids),
    ];
    for (table, column, ids) in linked {
        if !ids.is_empty() {
            statement
                .push(&format!(
                    " AND a.id IN (SELECT article_id FROM {table} WHERE {column} IN "
                ))
                .ids(ids)
                .push(")");
        }
    }
    for &tag_id in &filter.all_tag_ids {
        statement
            .push(" AND a.id IN (SELECT article_id FROM article_tags WHERE tag_id = ")
            .bind(Bind::Int(tag_id))
            .push(")");
    }
    if !filter.exclude_slugs.is_empty() {
        statement.push(" AND a.slug NOT IN (");
        for (i, slug) in filter.exclude_slugs.iter().enumerate() {
            if i > 0 {
                statement.push(", ");
            }
            statement.bind(Bind::Text(slug.clone()));
        }
        statement.push(")");
    }
    if let Some(from) = filter.published_from {
        statement.push(" AND a.published_at >= ").bind(Bind::Time(from));
    }
    if let Some(before) = filter.published_before {
        statement.push(" AND a.published_at < ").bind(Bind::Time(before));
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct TermCountRow {
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Ids of one page of hits, most relevant first.
pub fn ranked_ids(
    conn: &mut DbConn,
    terms: &[Term],
    filter: &ArticleFilter,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let postgres = db::is_postgres(conn);
    let mut statement = Statement::new(postgres);
    statement.push("SELECT a.id AS id");
    matches(&mut statement, &expression(terms, postgres), filter, now, "");
    if postgres {
        // Weights {D, C, B, A}; normalization 1 divides by 1 + the log of the length.
        statement.push(" ORDER BY ts_rank_cd('{0.1, 0.1, 0.1, 1.0}', s.search, q, 1) DESC");
    } else {
        statement.push(" ORDER BY bm25(article_search_fts, 10.0, 1.0)");
    }
    statement
        .push(", a.published_at DESC, a.id DESC LIMIT ")
        .bind(Bind::Int(limit))
        .push(" OFFSET ")
        .bind(Bind::Int(offset));
    Ok(statement.load::<IdRow>(conn)?.into_iter().map(|r| r.id).collect())
}

/// How many hits each section holds (its own articles, not its sub-sections'), every section
/// with a hit; their sum is the number of hits.
pub fn section_counts(
    conn: &mut DbConn,
    terms: &[Term],
    filter: &ArticleFilter,
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    let postgres = db::is_postgres(conn);
    let mut statement = Statement::new(postgres);
    statement.push("SELECT a.section_id AS id, count(*) AS n");
    matches(&mut statement, &expression(terms, postgres), filter, now, "");
    statement.push(" GROUP BY a.section_id");
    Ok(statement
        .load::<CountRow>(conn)?
        .into_iter()
        .map(|r| (r.id, r.n))
        .collect())
}

/// The [`FACET_SIZE`] tags with the most hits: slug, name and count, most first (equal
/// counts by slug).
pub fn tag_counts(
    conn: &mut DbConn,
    terms: &[Term],
    filter: &ArticleFilter,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, String, i64)>> {
    let postgres = db::is_postgres(conn);
    let mut statement = Statement::new(postgres);
    statement.push("SELECT tg.slug AS slug, tg.name AS name, count(*) AS n");
    let joins = " JOIN article_tags t ON t.article_id = a.id JOIN tags tg ON tg.id = t.tag_id";
    matches(&mut statement, &expression(terms, postgres), filter, now, joins);
    statement
        .push(" GROUP BY tg.id, tg.slug, tg.name ORDER BY n DESC, tg.slug LIMIT ")
        .bind(Bind::Int(FACET_SIZE));
    Ok(statement
        .load::<TermCountRow>(conn)?
        .into_iter()
        .map(|r| (r.slug, r.name, r.n))
        .collect())
}
