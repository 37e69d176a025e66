//! `dateline query-plans`: the database's plan for every query behind the public read routes,
//! with each filter and sort, taken from the real code path: the routes are called in-process
//! and the statements they run are captured and explained. A plan that scans a large table
//! from end to end is reported, and makes the command fail.

use std::sync::{Arc, Mutex};

use anyhow::Context;

use actix_web::test;
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::db::{self, ConnectionManager, DbConn};
use crate::state::AppState;

/// Tables that grow with the archive: scanning one whole is what the check forbids.
const LARGE_TABLES: [&str; 10] = [
    "articles",
    "article_documents",
    "section_listings",
    "article_authors",
    "article_tags",
    "article_sources",
    "comments",
    "article_search",
    "article_search_vectors",
    "article_revisions",
];

/// Captures the SQL text of every statement run on the connections it is attached to.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

impl Instrumentation for Capture {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            let sql = text.split(" -- binds:").next().unwrap_or(&text).trim().to_owned();
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(sql);
        }
    }
}

/// Values to fill the routes with, read from the database.
struct Samples {
    article: String,
    parent_section: String,
    leaf_section: String,
    tag: String,
    second_tag: String,
    source: String,
    author: String,
    /// The month (`yyyy-mm`) of the latest published article.
    month: String,
}

fn samples(conn: &mut DbConn) -> QueryResult<Samples> {
    use crate::db::schema::{article_authors, articles, author_profiles, sections, sources, tags};
    let article = articles::table
        .filter(articles::status.eq(crate::values::ArticleStatus::Published))
        .order(articles::id.desc())
        .select(articles::slug)
        .first(conn)?;
    let parent_section = sections::table
        .filter(sections::parent_id.is_null())
        .order(sections::id)
        .select(sections::slug)
        .first(conn)?;
    let leaf_section = sections::table
        .filter(sections::parent_id.is_not_null())
        .order(sections::id)
        .select(sections::slug)
        .first(conn)?;
    let tag = tags::table.order(tags::id).select(tags::slug).first(conn)?;
    let second_tag = tags::table
        .order(tags::id)
        .select(tags::slug)
        .offset(1)
        .first(conn)?;
    let source = sources::table
        .order(sources::id)
        .select(sources::slug)
        .first(conn)?;
    // A public profile credited in a byline: what the `author` filter takes.
    let author = article_authors::table
        .inner_join(author_profiles::table)
        .filter(author_profiles::public.eq(true))
        .select(author_profiles::slug)
        .first(conn)?;
    let latest: Option<chrono::NaiveDateTime> = articles::table
        .filter(articles::status.eq(crate::values::ArticleStatus::Published))
        .filter(articles::published_at.le(chrono::Utc::now().naive_utc()))
        .select(diesel::dsl::max(articles::published_at))
        .first(conn)?;
    let month = latest.map_or_else(|| "2026-01".to_owned(), |at| at.format("%Y-%m").to_string());
    Ok(Samples {
        month,
        article,
        parent_section,
        leaf_section,
        tag,
        second_tag,
        source,
        author,
    })
}

#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan of `sql`, one line per step. PostgreSQL gets its generic plan (bind values do not
/// steer it), SQLite plans with unbound parameters.
fn explain(conn: &mut DbConn, sql: &str) -> QueryResult<Vec<String>> {
    match conn {
        DbConn::Sqlite(c) => Ok(diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqlitePlanLine>(c)?
            .into_iter()
            .map(|l| l.detail)
            .collect()),
        DbConn::Postgresql(c) => {
            // The highest `$n` (a search's tag facet binds up to 1,001).
            let params = sql
                .split('$')
                .skip(1)
                .filter_map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse::<usize>().ok()
                })
                .max()
                .unwrap_or(0);
            let args = vec!["NULL"; params].join(", ");
            c.batch_execute(&format!(
                "SET plan_cache_mode = force_generic_plan; PREPARE plan_check AS {sql}"
            ))?;
            let execute = if params == 0 {
                "EXPLAIN EXECUTE plan_check".to_owned()
            } else {
                format!("EXPLAIN EXECUTE plan_check({args})")
            };
            let lines = diesel::sql_query(execute).load::<PgPlanLine>(c);
            c.batch_execute("DEALLOCATE plan_check; RESET plan_cache_mode")?;
            Ok(lines?.into_iter().map(|l| l.line).collect())
        }
    }
}

/// The large table a plan line reads whole, if it does.
fn full_scan(line: &str) -> Option<&'static str> {
    let line = line.trim().trim_start_matches("->").trim();
    LARGE_TABLES.into_iter().find(|table| {
        line == format!("SCAN {table}")
            || line.starts_with(&format!("Seq Scan on {table} "))
            || line == format!("Seq Scan on {table}")
    })
}

/// Prints the plans; returns how many full scans of large tables were found.
pub async fn check(config: &Config) -> anyhow::Result<usize> {
    let capture = Capture::default();
    let manager = ConnectionManager::new(config.database_url.clone()).instrumented(capture.clone());
    let pool = db::build_pool_with(manager, 2, config.db_pool_timeout)?;
    // EXPLAIN runs on a connection of its own, outside the capture.
    let mut conn = db::ConnectionManager::new(config.database_url.clone())
        .connect_one()
        .context("cannot connect")?;
    let s = samples(&mut conn).context("the database needs data (run `dateline seed`)")?;
    let mut app_config = config.clone();
    app_config.response_cache_bytes = 0;
    let state = AppState::new(pool.clone(), app_config, Arc::new(SystemClock))?;
    let service = test::init_service(crate::server::app(state)).await;

    let first = test::call_service(
        &service,
        test::TestRequest::get()
            .uri("/api/v1/articles?per_page=20")
            .to_request(),
    )
    .await;
    let page: serde_json::Value = test::read_body_json(first).await;
    let cursor = page["meta"]["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let routes = [
        "/api/v1/articles".to_owned(),
        // Cards are lean by default: each embedded member is a query of its own.
        "/api/v1/articles?include=authors,sources,featured_image,comment_count".to_owned(),
        "/api/v1/articles?total=true".to_owned(),
        "/api/v1/articles?sort=published_at".to_owned(),
        "/api/v1/articles?sort=-updated_at".to_owned(),
        format!("/api/v1/articles?cursor={cursor}"),
        format!("/api/v1/articles?section={}", s.parent_section),
        format!("/api/v1/articles?section={}", s.leaf_section),
        format!("/api/v1/articles?tag={}", s.tag),
        format!("/api/v1/articles?source={}", s.source),
        format!("/api/v1/articles?author={}", s.author),
        // The richer forms: any of several values, all of several tags, exclusions, time
        // bounds and the batch form.
        format!("/api/v1/articles?tag={},{}", s.tag, s.second_tag),
        format!("/api/v1/articles?all_tags={},{}", s.tag, s.second_tag),
        format!("/api/v1/articles?section={},{}", s.parent_section, s.leaf_section),
        format!("/api/v1/articles?source={}&exclude={}", s.source, s.article),
        format!("/api/v1/articles?exclude={}", s.article),
        "/api/v1/articles?published_after=2024-01-01&published_before=2024-02-01".to_owned(),
        format!("/api/v1/articles?slug={},{}", s.article, s.leaf_section),
        "/api/v1/authors".to_owned(),
        "/api/v1/articles?q=border".to_owned(),
        "/api/v1/search?q=border+talks".to_owned(),
        "/api/v1/search?q=%22border+talks%22+diplo*".to_owned(),
        format!(
            "/api/v1/search?q=border+talks&tag={}&section={}",
            s.tag, s.parent_section
        ),
        format!("/api/v1/articles/{}", s.article),
        format!("/api/v1/articles/{}/related", s.article),
        format!(
            "/api/v1/articles/{}/related?include=featured_image,comment_count",
            s.article
        ),
        format!("/api/v1/articles/{}/comments", s.article),
        "/api/v1/sections".to_owned(),
        "/api/v1/tags".to_owned(),
        format!("/api/v1/tags/{}", s.tag),
        "/api/v1/sources".to_owned(),
        format!("/api/v1/sources/{}", s.source),
        // Syndication: feeds, and sitemaps that must stay cheap at any archive size.
        "/api/v1/feeds/rss".to_owned(),
        format!("/api/v1/feeds/sections/{}/atom", s.parent_section),
        format!("/api/v1/feeds/tags/{}/json", s.tag),
        "/api/v1/sitemap.xml".to_owned(),
        "/api/v1/sitemaps/pages.xml".to_owned(),
        "/api/v1/sitemaps/news.xml".to_owned(),
        format!("/api/v1/sitemaps/articles/{}.xml", s.month),
    ];
    let mut scans = 0;
    for route in routes {
        capture.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let response = test::call_service(&service, test::TestRequest::get().uri(&route).to_request()).await;
        println!("\n=== GET {route} -> {}", response.status());
        let statements: Vec<String> = capture.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for sql in statements
            .iter()
            .filter(|s| s.to_ascii_uppercase().starts_with("SELECT") && !s.eq_ignore_ascii_case("SELECT 1"))
        {
            println!("--- {sql}");
            for line in explain(&mut conn, sql).context("EXPLAIN failed")? {
                let verdict = match full_scan(&line) {
                    Some(table) => {
                        scans += 1;
                        format!("   <-- FULL SCAN of {table}")
                    }
                    None => String::new(),
                };
                println!("    {line}{verdict}");
            }
        }
    }
    Ok(scans)
}
