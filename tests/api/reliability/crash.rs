//! SIGKILL during writes (`scripts/crash.py`): every write answered 2xx is there after a
//! restart, whole; no article is half-written, acknowledged or not; SQLite's file passes
//! `PRAGMA integrity_check`; the restarted server reads and writes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dateline::db::schema::{
    article_revisions, article_sources, article_tags, articles, comments, sources, tags,
};
use diesel::prelude::*;
use serde_json::json;

use super::{Server, http};
use crate::support::TestApp;

const TAGS: usize = 6;
const SOURCES: usize = 4;

/// What the server acknowledged: article slugs with their tags and sources in order, comment ids.
#[derive(Default)]
struct Acknowledged {
    articles: BTreeMap<String, (Vec<String>, Vec<String>)>,
    comments: Vec<i64>,
}

/// One writer: articles (three tags, two sources, a revision and an audit entry in one
/// transaction) and comments, alternately, until told to stop or the server is gone.
fn writer(port: u16, token: &str, worker: usize, stop: &AtomicBool, acked: &Mutex<Acknowledged>) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        if n % 2 == 1 {
            let slug = format!("crash-{worker}-{n}");
            let tags: Vec<String> = (0..3).map(|i| format!("crash-tag-{}", (n + i) % TAGS)).collect();
            let sources: Vec<String> = (0..2)
                .map(|i| format!("crash-source-{}", (n + i) % SOURCES))
                .collect();
            let body = json!({"headline": format!("Crash {worker} {n}"), "slug": slug, "section": "crash",
                "tags": tags, "sources": sources, "status": "published",
                "body": format!("<p>{}</p>", "x".repeat(2000))});
            if let Ok(answer) = http(port, "POST", "/api/v1/articles", Some(token), Some(&body))
                && answer.status == 201
            {
                acked.lock().unwrap().articles.insert(slug, (tags, sources));
            }
        } else {
            let body =
                json!({"author_name": format!("Reader {worker}"), "body": format!("Comment {worker}-{n}")});
            let path = "/api/v1/articles/crash-target/comments";
            if let Ok(answer) = http(port, "POST", path, None, Some(&body))
                && answer.status == 201
            {
                let id = answer.json()["id"].as_i64().expect("a comment id");
                acked.lock().unwrap().comments.push(id);
            }
        }
    }
}

/// Slug -> related slugs in position order, from a (article slug, related slug, position) join.
fn in_order(rows: Vec<(String, String, i32)>) -> BTreeMap<String, Vec<String>> {
    let mut by_article: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    for (article, related, position) in rows {
        by_article.entry(article).or_default().push((position, related));
    }
    by_article
        .into_iter()
        .map(|(article, mut related)| {
            related.sort();
            (article, related.into_iter().map(|(_, slug)| slug).collect())
        })
        .collect()
}

/// What is wrong with the stored data, given what was acknowledged.
fn problems(app: &TestApp, acked: &Acknowledged) -> Vec<String> {
    app.with_conn(|conn| {
        let stored: Vec<String> = articles::table
            .select(articles::slug)
            .load(conn)
            .expect("articles");
        let tag_rows = article_tags::table
            .inner_join(articles::table)
            .inner_join(tags::table)
            .select((articles::slug, tags::slug, article_tags::position))
            .load(conn)
            .expect("article tags");
        let source_rows = article_sources::table
            .inner_join(articles::table)
            .inner_join(sources::table)
            .select((articles::slug, sources::slug, article_sources::position))
            .load(conn)
            .expect("article sources");
        let revised: Vec<String> = article_revisions::table
            .inner_join(articles::table)
            .select(articles::slug)
            .load(conn)
            .expect("revisions");
        let comment_ids: Vec<i64> = comments::table.select(comments::id).load(conn).expect("comments");
        let (tags_of, sources_of) = (in_order(tag_rows), in_order(source_rows));
        let none = Vec::new();

        let mut problems = Vec::new();
        for (slug, (want_tags, want_sources)) in &acked.articles {
            if !stored.contains(slug) {
                problems.push(format!("acknowledged article {slug} is missing"));
                continue;
            }
            if tags_of.get(slug).unwrap_or(&none) != want_tags {
                problems.push(format!(
                    "{slug} has tags {:?}, not {want_tags:?}",
                    tags_of.get(slug)
                ));
            }
            if sources_of.get(slug).unwrap_or(&none) != want_sources {
                problems.push(format!(
                    "{slug} has sources {:?}, not {want_sources:?}",
                    sources_of.get(slug)
                ));
            }
        }
        // Acknowledged or not, an article is stored whole or not at all.
        for slug in stored
            .iter()
            .filter(|s| s.starts_with("crash-") && *s != "crash-target")
        {
            let whole = tags_of.get(slug).map_or(0, Vec::len) == 3
                && sources_of.get(slug).map_or(0, Vec::len) == 2
                && revised.contains(slug);
            if !whole {
                problems.push(format!("{slug} is half-written"));
            }
        }
        let missing: Vec<&i64> = acked
            .comments
            .iter()
            .filter(|id| !comment_ids.contains(id))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("acknowledged comments missing: {missing:?}"));
        }
        if app.db.backend() == "sqlite" {
            #[derive(QueryableByName)]
            struct Check {
                #[diesel(sql_type = diesel::sql_types::Text)]
                integrity_check: String,
            }
            let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
                .load(conn)
                .expect("integrity check");
            if check.first().map(|c| c.integrity_check.as_str()) != Some("ok") {
                let found: Vec<&str> = check.iter().map(|c| c.integrity_check.as_str()).collect();
                problems.push(format!("integrity_check: {found:?}"));
            }
        }
        problems
    })
}

#[test]
fn a_sigkill_during_writes_loses_no_acknowledged_write_and_leaves_nothing_half_written() {
    let app = TestApp::new();
    app.account("crash-editor@example.com", "editor");
    app.section("crash", "Crash", None);
    for n in 0..TAGS {
        app.tag(&format!("crash-tag-{n}"), "Crash tag");
    }
    for n in 0..SOURCES {
        app.source(&format!("crash-source-{n}"), "Crash source", None);
    }
    app.article("crash-target").section("crash").create();
    let mut server = Server::start(&app.db.url.to_url(), &[("DATELINE_DB_POOL_SIZE", "8")]);
    let token = server.login("crash-editor@example.com");

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let writers: Vec<_> = (0..6)
        .map(|worker| {
            let (port, token, stop, acked) = (server.port, token.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || writer(port, &token, worker, &stop, &acked))
        })
        .collect();
    // Kill once writes are flowing, in the middle of them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = {
            let acked = acked.lock().unwrap();
            acked.articles.len() >= 20 && acked.comments.len() >= 20
        };
        if done || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("a writer thread");
    }
    let acked = Arc::try_unwrap(acked)
        .ok()
        .expect("the writers are done")
        .into_inner()
        .unwrap();
    assert!(
        !acked.articles.is_empty() && !acked.comments.is_empty(),
        "no write was acknowledged before the kill: {}",
        server.log_tail()
    );

    eprintln!(
        "crash: SIGKILL after {} articles and {} comments were acknowledged ({})",
        acked.articles.len(),
        acked.comments.len(),
        app.db.backend()
    );
    server.restart();
    let problems = problems(&app, &acked);
    assert!(
        problems.is_empty(),
        "after SIGKILL with {} articles and {} comments acknowledged:\n{}",
        acked.articles.len(),
        acked.comments.len(),
        problems.join("\n")
    );
    // The restarted server reads what was acknowledged, and writes.
    let (slug, (tags, _)) = acked.articles.iter().next().expect("an article");
    let read = http(
        server.port,
        "GET",
        &format!("/api/v1/articles/{slug}"),
        None,
        None,
    )
    .expect("read");
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["tags"].as_array().map(Vec::len), Some(tags.len()));
    let token = server.login("crash-editor@example.com");
    let body = json!({"headline": "After the crash", "section": "crash"});
    let write = http(server.port, "POST", "/api/v1/articles", Some(&token), Some(&body)).expect("write");
    assert_eq!(write.status, 201, "{}", write.body);
}
