//! Ranked full-text search: the hits in order of relevance (at most [`MAX_HITS`], the most
//! recently created matches), and the counts per tag over them (facets).
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
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use crate::content::search::Term;
use crate::db::{self, DbConn};
use crate::models::article::ArticleFilter;
use crate::values::ArticleStatus;

/// How many values each facet lists.
pub const FACET_SIZE: i64 = 10;
/// The most matches a search ranks and counts: the most recently created ones.
pub const MAX_HITS: i64 = 1000;

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
/// `WHERE` clauses. On SQLite the FTS5 index `article_search_fts` joined to `articles a`; on
/// PostgreSQL `article_search_vectors s` alone, which holds each article's visibility, so that
/// no match is joined to `articles` before the newest are kept (filters other than time are
/// subqueries on the id).
fn matches(statement: &mut Statement, expression: &str, filter: &ArticleFilter, now: NaiveDateTime) {
    let text = Bind::Text(expression.to_owned());
    let postgres = statement.postgres;
    // The candidate's id, and an expression for its publication time.
    let (id, published_at) = if postgres {
        statement
            .push(" FROM article_search_vectors s WHERE s.search @@ to_tsquery('simple', ")
            .bind(text)
            .push(")")
            // `visible_from` is NULL unless published and not in the trash (its migration).
            .push(" AND s.visible_from <= ")
            .bind(Bind::Time(now));
        ("s.article_id", "s.visible_from")
    } else {
        // The covering index holds what is read of each candidate (see its migration).
        statement
            .push(" FROM article_search_fts JOIN articles a INDEXED BY articles_visibility")
            .push(" ON a.id = article_search_fts.rowid")
            .push(" WHERE article_search_fts MATCH ")
            .bind(text)
            // `visible_at`: published, due, not in the trash.
            .push(" AND a.status = ")
            .bind(Bind::Text(ArticleStatus::Published.as_str().to_owned()))
            .push(" AND a.published_at <= ")
            .bind(Bind::Time(now))
            .push(" AND a.deleted_at IS NULL");
        ("a.id", "a.published_at")
    };
    if let Some(ids) = &filter.section_ids {
        if postgres {
            statement.push(&format!(
                " AND {id} IN (SELECT id FROM articles WHERE section_id IN "
            ));
            statement.ids(ids).push(")");
        } else {
            statement.push(" AND a.section_id IN ").ids(ids);
        }
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
                    " AND {id} IN (SELECT article_id FROM {table} WHERE {column} IN "
                ))
                .ids(ids)
                .push(")");
        }
    }
    for &tag_id in &filter.all_tag_ids {
        statement
            .push(&format!(
                " AND {id} IN (SELECT article_id FROM article_tags WHERE tag_id = "
            ))
            .bind(Bind::Int(tag_id))
            .push(")");
    }
    if !filter.exclude_slugs.is_empty() {
        statement.push(&format!(
            " AND {id} NOT IN (SELECT id FROM articles WHERE slug IN ("
        ));
        for (i, slug) in filter.exclude_slugs.iter().enumerate() {
            if i > 0 {
                statement.push(", ");
            }
            statement.bind(Bind::Text(slug.clone()));
        }
        statement.push("))");
    }
    if let Some(from) = filter.published_from {
        statement
            .push(&format!(" AND {published_at} >= "))
            .bind(Bind::Time(from));
    }
    if let Some(before) = filter.published_before {
        statement
            .push(&format!(" AND {published_at} < "))
            .bind(Bind::Time(before));
    }
}

#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    section_id: i64,
    #[diesel(sql_type = Double)]
    score: f64,
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

/// A matching article and its relevance (higher is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub section_id: i64,
    pub score: f64,
}

/// The hits a search ranks: the [`MAX_HITS`] most recently created matching articles (by id,
/// which the index reads in order and can stop at), most relevant first; equal scores go to
/// the newest publication, then the highest id. Reading a bounded number of matches keeps a
/// search of common words as cheap as one of rare words, whatever the size of the archive.
pub fn ranked_hits(
    conn: &mut DbConn,
    terms: &[Term],
    filter: &ArticleFilter,
    now: NaiveDateTime,
) -> QueryResult<Vec<Hit>> {
    let postgres = db::is_postgres(conn);
    let expression = expression(terms, postgres);
    let mut statement = Statement::new(postgres);
    // The engine orders the candidates it ranked, so that no publication time is sent over
    // (parsing 1,000 of them cost more than the sort).
    if postgres {
        // Ranked outside the subquery, so that only the candidates kept are ranked (each
        // ranking reads a vector back from TOAST). Weights {D, C, B, A}; normalization 1
        // divides by 1 + the log of the length.
        statement
            .push(
                "SELECT c.id AS id, a.section_id AS section_id, \
                 ts_rank_cd('{0.1, 0.1, 0.1, 1.0}', c.search, to_tsquery('simple', ",
            )
            .bind(Bind::Text(expression.clone()))
            .push("), 1)::float8 AS score FROM (SELECT s.article_id AS id, s.search AS search");
    } else {
        // bm25 is lower for better matches.
        statement.push(
            "SELECT id, section_id, score FROM (\
             SELECT a.id AS id, a.section_id AS section_id, a.published_at AS published_at, \
             -bm25(article_search_fts, 10.0, 1.0) AS score",
        );
    }
    matches(&mut statement, &expression, filter, now);
    if postgres {
        statement
            .push(" ORDER BY s.article_id DESC LIMIT ")
            .bind(Bind::Int(MAX_HITS))
            .push(
                ") c JOIN articles a ON a.id = c.id \
                 ORDER BY score DESC, a.published_at DESC, c.id DESC",
            );
    } else {
        statement
            .push(" ORDER BY article_search_fts.rowid DESC LIMIT ")
            .bind(Bind::Int(MAX_HITS))
            .push(") candidates ORDER BY score DESC, published_at DESC, id DESC");
    }
    let rows = if postgres {
        let plan = CandidatePlan::choose(conn, &expression, MAX_HITS, WALK_COST_RATIO)?;
        plan.run(conn, |conn| statement.load::<CandidateRow>(conn))?
    } else {
        statement.load::<CandidateRow>(conn)?
    };
    Ok(rows
        .into_iter()
        .map(|r| Hit {
            id: r.id,
            section_id: r.section_id,
            score: r.score,
        })
        .collect())
}

/// How PostgreSQL finds the newest [`MAX_HITS`] public matches. The planner, left to itself,
/// cannot choose well: it does not count reading each row's vector back from TOAST (~18 us),
/// so it walks the table backward by id for words in a few percent of the articles (18,505
/// vectors read for `foreign minister`, 84 ms), and scans the whole table for words in nearly
/// all of them (900 ms). This chooses from its own estimate of the matches instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidatePlan {
    /// The GIN index's matches, read from the narrow rows without their vectors, the newest
    /// kept: about 0.3 us per match (`energy crisis`, 10,184 matches: 8 ms).
    Bitmap,
    /// The table backward by id, testing each row's vector until enough match: ~18 us per
    /// row read, about `MAX_HITS / selectivity` rows, whatever the size of the archive.
    Walk,
}

/// For the ranked search: the cost of reading one row on the walk over that of one match on
/// the bitmap (18 us and 0.3 us, measured at 100,000 articles; see `bench/RESULTS.md#search`).
const WALK_COST_RATIO: f64 = 60.0;

/// For the article list's `q` (in publication order, joined to `articles`). By the costs it
/// would be 5 (a row on the walk, the list's own index with each row's vector read back, ~15 us,
/// over a match on the bitmap, joined and sorted, ~3 us), but the planner underestimates pairs
/// of words that go together (`company profits*`: 1,630 estimated, 9,749 true, and the bitmap
/// then costs 38 ms where the walk costs 9), and misjudging that way costs more than the other.
pub const LIST_WALK_COST_RATIO: f64 = 1.0;

impl CandidatePlan {
    /// The cheaper plan for finding `wanted` matches of `expression`: the walk reads about
    /// `wanted / s` rows for a selectivity `s`, the bitmap `n * s` matches of `n` articles, so
    /// the walk wins when `s^2 * n > ratio * wanted` (for the ranked search, at 100,000
    /// articles, words in more than 77% of them; at 1,000,000, in more than 24%). Both numbers
    /// are the planner's estimates (from `ANALYZE`'s most common lexemes and the table's row
    /// count), asked for with `EXPLAIN`.
    pub fn choose(conn: &mut DbConn, expression: &str, wanted: i64, ratio: f64) -> QueryResult<Self> {
        let total = estimated_rows(conn, "SELECT 1 FROM article_search_vectors", None)?;
        let matching = estimated_rows(
            conn,
            "SELECT 1 FROM article_search_vectors WHERE search @@ to_tsquery('simple', ",
            Some(expression),
        )?;
        Ok(Self::for_estimates(matching, total, wanted, ratio))
    }

    fn for_estimates(matching: f64, total: f64, wanted: i64, ratio: f64) -> Self {
        if total <= 0.0 {
            return Self::Bitmap;
        }
        let selectivity = (matching / total).clamp(0.0, 1.0);
        if selectivity * selectivity * total > ratio * wanted as f64 {
            Self::Walk
        } else {
            Self::Bitmap
        }
    }

    /// Runs `work` with the planner held to this plan. `SET LOCAL` lasts until the end of the
    /// transaction, so the settings are restored before it ends, in case the caller's
    /// transaction goes on.
    pub fn run<T>(
        self,
        conn: &mut DbConn,
        work: impl FnOnce(&mut DbConn) -> QueryResult<T>,
    ) -> QueryResult<T> {
        use diesel::connection::SimpleConnection;
        let hold = match self {
            Self::Bitmap => "SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off",
            Self::Walk => "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off",
        };
        conn.transaction(|conn| {
            conn.batch_execute(hold)?;
            let result = work(conn);
            conn.batch_execute(
                "SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on; \
                 SET LOCAL enable_seqscan = on",
            )?;
            result
        })
    }
}

#[derive(QueryableByName)]
struct ExplainRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

/// The planner's estimate of the rows `sql` (completed by `bind` and a closing parenthesis,
/// when given) returns: the top node's `Plan Rows` in `EXPLAIN (FORMAT JSON)` (0 when absent).
fn estimated_rows(conn: &mut DbConn, sql: &str, bind: Option<&str>) -> QueryResult<f64> {
    let mut statement = Statement::new(true);
    statement.push("EXPLAIN (FORMAT JSON) ").push(sql);
    if let Some(value) = bind {
        statement.bind(Bind::Text(value.to_owned())).push(")");
    }
    let rows = statement.load::<ExplainRow>(conn)?;
    Ok(rows
        .first()
        .and_then(|row| serde_json::from_str::<serde_json::Value>(&row.plan).ok())
        .and_then(|plan| plan[0]["Plan"]["Plan Rows"].as_f64())
        .unwrap_or(0.0))
}

/// The [`FACET_SIZE`] tags the most of `ids` carry: slug, name and count, most first (equal
/// counts by slug).
pub fn tag_counts(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(String, String, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut statement = Statement::new(db::is_postgres(conn));
    statement
        .push(
            "SELECT tg.slug AS slug, tg.name AS name, count(*) AS n \
             FROM article_tags t JOIN tags tg ON tg.id = t.tag_id WHERE t.article_id IN ",
        )
        .ids(ids)
        .push(" GROUP BY tg.id, tg.slug, tg.name ORDER BY n DESC, tg.slug LIMIT ")
        .bind(Bind::Int(FACET_SIZE));
    Ok(statement
        .load::<TermCountRow>(conn)?
        .into_iter()
        .map(|r| (r.slug, r.name, r.n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(matching: f64, total: f64) -> CandidatePlan {
        CandidatePlan::for_estimates(matching, total, MAX_HITS, WALK_COST_RATIO)
    }

    #[test]
    fn the_walk_is_chosen_only_where_it_reads_fewer_rows() {
        // 100,000 articles: words in 96% of them (`government officials`) walk; in 12%
        // (`border talks`) or 0.4% (`kenya vote`) read the index.
        assert_eq!(plan(96_000.0, 100_000.0), CandidatePlan::Walk);
        assert_eq!(plan(11_616.0, 100_000.0), CandidatePlan::Bitmap);
        assert_eq!(plan(391.0, 100_000.0), CandidatePlan::Bitmap);
        // The threshold falls as the archive grows: 30% walks at 1,000,000, not at 100,000.
        assert_eq!(plan(30_000.0, 100_000.0), CandidatePlan::Bitmap);
        assert_eq!(plan(300_000.0, 1_000_000.0), CandidatePlan::Walk);
        // The list's first page (21 rows) walks its index for words in more than 1.45% of
        // 100,000 articles (estimated): `company profits*` (1,630) walks, `pakistan border*`
        // (944) and `kenya vote*` (410) read the index.
        let list = |matching| CandidatePlan::for_estimates(matching, 100_000.0, 21, LIST_WALK_COST_RATIO);
        assert_eq!(list(1_630.0), CandidatePlan::Walk);
        assert_eq!(list(944.0), CandidatePlan::Bitmap);
        assert_eq!(list(410.0), CandidatePlan::Bitmap);
        // An empty or never analyzed table.
        assert_eq!(plan(0.0, 0.0), CandidatePlan::Bitmap);
    }
}
