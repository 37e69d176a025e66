//! HTTP caching of public reads: validators, 304s, Cache-Control, Vary, Surrogate-Key,
//! compression, and the response cache that never serves what a fresh query would not.

use std::io::Read;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::Duration;
use serde_json::json;

use crate::support::{TestApp, cache_hits, slugs};

fn cached_app() -> TestApp {
    TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576)
}

#[actix_web::test]
async fn public_reads_carry_a_strong_etag_and_revalidate_to_304() {
    let app = TestApp::new();
    let story = app
        .article("story")
        .tags(&["iran"])
        .sources(&["agencies"])
        .create();
    let jane = app.user("jane@example.com", "Jane", "author");
    app.credit(story, jane, "jane");
    for uri in [
        "/api/v1/articles",
        "/api/v1/articles?slug=story",
        "/api/v1/authors",
        "/api/v1/authors/jane",
        "/api/v1/site",
        "/api/v1/articles/story",
        "/api/v1/articles/story/related",
        "/api/v1/articles/story/comments",
        "/api/v1/sections",
        "/api/v1/sections/world-news",
        "/api/v1/tags",
        "/api/v1/tags/iran",
        "/api/v1/sources",
        "/api/v1/sources/agencies",
    ] {
        let first = app.get(uri).await;
        assert_eq!(first.status, 200, "{uri}");
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{uri} has an ETag"));
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "{uri}: strong ETag {etag}"
        );
        assert_eq!(
            first.header("cache-control").as_deref(),
            Some("public, max-age=30, stale-while-revalidate=60"),
            "{uri}"
        );
        let vary = first.header("vary").unwrap_or_default();
        for varies in ["Accept-Encoding", "Authorization", "Origin"] {
            assert!(vary.contains(varies), "{uri}: Vary {vary}");
        }
        assert!(
            first.header("surrogate-key").is_some_and(|k| !k.is_empty()),
            "{uri}"
        );

        let again = app
            .send(
                TestRequest::get()
                    .uri(uri)
                    .insert_header(("If-None-Match", etag.clone())),
            )
            .await;
        assert_eq!(again.status, 304, "{uri}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.clone()));
        let weak = app
            .send(
                TestRequest::get()
                    .uri(uri)
                    .insert_header(("If-None-Match", format!("W/{etag}"))),
            )
            .await;
        assert_eq!(weak.status, 304, "If-None-Match compares weakly");
        let other = app
            .send(
                TestRequest::get()
                    .uri(uri)
                    .insert_header(("If-None-Match", "\"nope\"")),
            )
            .await;
        assert_eq!(other.status, 200);
    }
}

#[actix_web::test]
async fn the_etag_changes_when_the_content_does_even_without_an_edit() {
    let app = TestApp::new();
    let id = app.article("story").create();
    let before = app.get("/api/v1/articles/story").await.header("etag").unwrap();
    app.comment(id, "approved", "a new approved comment changes comment_count");
    let after = app.get("/api/v1/articles/story").await;
    assert_ne!(after.header("etag").unwrap(), before);
    let revalidated = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles/story")
                .insert_header(("If-None-Match", before)),
        )
        .await;
    assert_eq!(revalidated.status, 200);
}

#[actix_web::test]
async fn single_row_answers_have_last_modified_and_honour_if_modified_since() {
    let app = TestApp::new();
    app.tag("iran", "Iran");
    // The answer shows the tag's page URL, so the site's settings date it too: set them now.
    let (_, admin) = app.logged_in("admin").await;
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Dated"}))
        .await
        .json(200);
    let first = app.get("/api/v1/tags/iran").await;
    assert_eq!(
        first.header("last-modified").as_deref(),
        Some("Mon, 01 Jun 2026 12:00:00 GMT")
    );
    let same = app
        .send(
            TestRequest::get()
                .uri("/api/v1/tags/iran")
                .insert_header(("If-Modified-Since", "Mon, 01 Jun 2026 12:00:00 GMT")),
        )
        .await;
    assert_eq!(same.status, 304);
    let older = app
        .send(
            TestRequest::get()
                .uri("/api/v1/tags/iran")
                .insert_header(("If-Modified-Since", "Sun, 31 May 2026 12:00:00 GMT")),
        )
        .await;
    assert_eq!(older.status, 200);
}

#[actix_web::test]
async fn surrogate_keys_name_what_an_answer_depends_on() {
    let app = TestApp::new();
    let jane = app.user("jane@example.com", "Jane", "author");
    let id = app
        .article("story")
        .tags(&["iran", "pakistan"])
        .sources(&["agencies"])
        .author(jane)
        .create();
    let keys = app
        .get("/api/v1/articles/story")
        .await
        .header("surrogate-key")
        .unwrap();
    let keys: Vec<&str> = keys.split(' ').collect();
    for key in [
        format!("article-{id}"),
        "section-world-news".into(),
        "tag-iran".into(),
        "tag-pakistan".into(),
        "source-agencies".into(),
        format!("author-{jane}"),
    ] {
        assert!(keys.contains(&key.as_str()), "{key} in {keys:?}");
    }
    let list = app
        .get("/api/v1/articles?tag=iran")
        .await
        .header("surrogate-key")
        .unwrap();
    // The filter's membership and term, and the articles and tags its cards show.
    assert_eq!(
        list,
        format!("articles-in-tag-iran tag-iran article-{id} site tag-pakistan dateline")
    );
    let everything = app.get("/api/v1/articles").await.header("surrogate-key").unwrap();
    assert_eq!(
        everything,
        format!("articles article-{id} site tag-iran tag-pakistan dateline")
    );
    // Embedded members add what they show: the count, the bylines, the sources, the image.
    let embedded = app
        .get("/api/v1/articles?include=comment_count,authors,sources")
        .await
        .header("surrogate-key")
        .unwrap();
    let embedded: Vec<&str> = embedded.split(' ').collect();
    for key in [format!("comments-article-{id}"), "source-agencies".to_owned()] {
        assert!(embedded.contains(&key.as_str()), "{key} in {embedded:?}");
    }
    let search = app.get("/api/v1/articles?q=story&sort=-updated_at").await;
    assert_eq!(
        search.header("surrogate-key").unwrap(),
        format!(
            "articles-search articles-by-update articles article-{id} site tag-iran tag-pakistan dateline"
        )
    );
    let comments = app
        .get("/api/v1/articles/story/comments")
        .await
        .header("surrogate-key")
        .unwrap();
    assert_eq!(comments, format!("comments-article-{id} article-{id} dateline"));
}

#[actix_web::test]
async fn authenticated_and_failed_answers_are_never_cacheable() {
    let app = cached_app();
    let (_, editor) = app.logged_in("editor").await;
    app.article("story").create();
    let private = app.get_as("/api/v1/articles/story", &editor).await;
    assert_eq!(
        private.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    let missing = app.get("/api/v1/articles/nothing").await;
    assert_eq!(missing.header("cache-control").as_deref(), Some("no-store"));
    assert!(missing.header("etag").is_none());
}

#[actix_web::test]
async fn large_answers_are_compressed_when_accepted_small_ones_are_not() {
    let app = TestApp::new();
    for n in 0..20 {
        app.article(&format!("story-{n}"))
            .summary(Some(&"A long summary. ".repeat(20)))
            .create();
    }
    let plain = app.get("/api/v1/articles").await;
    assert!(plain.header("content-encoding").is_none());
    for (accept, coding) in [("gzip", "gzip"), ("br, gzip", "br")] {
        let response = app
            .send(
                TestRequest::get()
                    .uri("/api/v1/articles")
                    .insert_header(("Accept-Encoding", accept)),
            )
            .await;
        assert_eq!(response.header("content-encoding").as_deref(), Some(coding));
        assert!(
            response.body.len() * 3 < plain.body.len(),
            "{coding} shrinks the answer"
        );
        assert_ne!(
            response.header("etag"),
            plain.header("etag"),
            "validators differ per coding"
        );
        if coding == "gzip" {
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(&response.body[..])
                .read_to_end(&mut decoded)
                .unwrap();
            assert_eq!(decoded, plain.body);
        }
    }
    let small = app
        .send(
            TestRequest::get()
                .uri("/api/v1/tags")
                .insert_header(("Accept-Encoding", "gzip")),
        )
        .await;
    assert!(
        small.header("content-encoding").is_none(),
        "{} bytes is not worth compressing",
        small.body.len()
    );
}

#[actix_web::test]
async fn the_response_cache_serves_hits_and_a_write_is_visible_at_once() {
    let app = cached_app();
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    app.article("first").create();
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["first"]);
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["first"]);
    let body = json!({"headline": "Second", "section": "world-news", "status": "published"});
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    assert_eq!(
        slugs(&app.get("/api/v1/articles").await.json(200)),
        ["second", "first"],
        "the next read sees the write"
    );
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/second",
        &editor,
        Some(json!({"headline": "Second, corrected"})),
    )
    .await
    .json(200);
    assert_eq!(
        app.get("/api/v1/articles/second").await.json(200)["headline"],
        "Second, corrected"
    );

    let metrics = TestApp::with_config(|c| {
        c.response_cache_bytes = 8 * 1_048_576;
        c.metrics_token = Some("metrics-token-0123456789".into());
    });
    metrics.article("story").create();
    for _ in 0..3 {
        metrics.get("/api/v1/articles/story").await.json(200);
    }
    let text = metrics
        .call(Method::GET, "/metrics", Some("metrics-token-0123456789"))
        .await
        .text();
    assert!(
        text.contains(r#"dateline_response_cache_total{result="hit"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"dateline_response_cache_total{result="miss"} 1"#),
        "{text}"
    );
    // Hits never reach the router; they are still counted under the route's template.
    assert!(
        text.contains(
            r#"dateline_http_requests_total{method="GET",route="/api/v1/articles/{slug}",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(!text.contains("unmatched"), "{text}");
}

#[actix_web::test]
async fn a_scheduled_article_appears_in_cached_lists_when_its_time_comes() {
    let app = cached_app();
    app.article("now").create();
    app.article("later").published_hours_ago(-1).create();
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["now"]);
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["now"]);
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        slugs(&app.get("/api/v1/articles").await.json(200)),
        ["later", "now"]
    );
}

#[actix_web::test]
async fn another_instance_sees_a_write_within_the_documented_second() {
    let app = cached_app();
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    app.article("first").create();
    // A second instance: its own state and cache, the same database.
    let other = dateline::state::AppState::new(
        app.state.pool.clone(),
        (*app.state.config).clone(),
        app.state.clock.clone(),
    )
    .expect("state");
    let read_other = || async {
        let service = actix_web::test::init_service(dateline::server::app(other.clone())).await;
        let response =
            actix_web::test::call_service(&service, TestRequest::get().uri("/api/v1/articles").to_request())
                .await;
        let body: serde_json::Value = actix_web::test::read_body_json(response).await;
        slugs(&body)
    };
    let other_hits = || cache_hits(&other);
    let read_first_on_other = || async {
        let service = actix_web::test::init_service(dateline::server::app(other.clone())).await;
        let request = TestRequest::get().uri("/api/v1/articles/first").to_request();
        assert_eq!(
            actix_web::test::call_service(&service, request).await.status(),
            200
        );
    };
    assert_eq!(read_other().await, ["first"]);
    read_first_on_other().await;
    let body = json!({"headline": "Second", "section": "world-news", "status": "published"});
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    std::thread::sleep(
        dateline::http_cache::store::REMOTE_CHECK_INTERVAL + std::time::Duration::from_millis(100),
    );
    assert_eq!(read_other().await, ["second", "first"]);
    // What the write did not touch stays cached over there.
    let before = other_hits();
    read_first_on_other().await;
    assert!(
        other_hits() > before,
        "the other instance still serves `first` from its cache"
    );
    // The command line invalidates everything, on every instance.
    let announced = app.with_conn(|conn| dateline::http_cache::store::record(conn, None));
    assert!(announced.is_ok());
    std::thread::sleep(
        dateline::http_cache::store::REMOTE_CHECK_INTERVAL + std::time::Duration::from_millis(100),
    );
    read_other().await; // runs the check
    let before = other_hits();
    read_first_on_other().await;
    assert_eq!(other_hits(), before, "everything was invalidated");
}

#[actix_web::test]
async fn an_article_scheduled_and_due_between_two_checks_still_appears() {
    let app = cached_app();
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    app.article("first").create();
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["first"]);
    let at = (app.now().and_utc() + Duration::hours(1)).to_rfc3339();
    let body =
        json!({"headline": "Later", "section": "world-news", "status": "published", "published_at": at});
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    // Nobody reads until well after its time: no check saw it coming.
    app.clock.advance(Duration::hours(2));
    std::thread::sleep(
        dateline::http_cache::store::REMOTE_CHECK_INTERVAL + std::time::Duration::from_millis(100),
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles").await.json(200)),
        ["later", "first"]
    );
}

/// Polls `read` until it answers `expected` or `deadline` passes; answers whether it did.
async fn seen_before<F, Fut>(deadline: std::time::Instant, read: F, expected: &[&str]) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    while std::time::Instant::now() < deadline {
        if read().await == expected {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    false
}

#[actix_web::test]
async fn on_postgresql_another_instance_sees_a_write_at_once_and_after_a_lost_connection() {
    use dateline::http_cache::listen;
    use std::time::{Duration as StdDuration, Instant};
    let app = cached_app();
    let other = dateline::state::AppState::new(
        app.state.pool.clone(),
        (*app.state.config).clone(),
        app.state.clock.clone(),
    )
    .expect("state");
    let Some(listener) = listen::spawn(&other.config.database_url, other.cache.clone()) else {
        assert_eq!(app.db.backend(), "sqlite", "PostgreSQL instances listen");
        return;
    };
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    app.article("first").create();
    let wait_listening = |listener: &listen::Listener| {
        let deadline = Instant::now() + StdDuration::from_secs(10);
        while !listener.listening() && Instant::now() < deadline {
            std::thread::sleep(StdDuration::from_millis(5));
        }
        assert!(listener.listening(), "the listener connects");
    };
    wait_listening(&listener);
    let read_other = || async {
        let service = actix_web::test::init_service(dateline::server::app(other.clone())).await;
        let request = TestRequest::get().uri("/api/v1/articles").to_request();
        let body: serde_json::Value =
            actix_web::test::read_body_json(actix_web::test::call_service(&service, request).await).await;
        slugs(&body)
    };
    // This read runs the once-a-second check: the next is not due for a second, so an answer
    // that changes within half of it was changed by the listener.
    assert_eq!(read_other().await, ["first"]);
    let fallback_due = Instant::now() + dateline::http_cache::store::REMOTE_CHECK_INTERVAL / 2;
    let body = json!({"headline": "Second", "section": "world-news", "status": "published"});
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    assert!(
        seen_before(fallback_due, read_other, &["second", "first"]).await,
        "the other instance saw the write before its once-a-second check"
    );

    // The listener's connection is killed; a write lands while it is away.
    std::thread::sleep(dateline::http_cache::store::REMOTE_CHECK_INTERVAL);
    let killed: i64 = app.with_conn(|conn| {
        #[derive(diesel::QueryableByName)]
        struct Killed {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = format!(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE application_name = '{}' AND datname = current_database()",
            listen::APPLICATION_NAME
        );
        diesel::RunQueryDsl::get_result::<Killed>(diesel::sql_query(sql), conn)
            .unwrap()
            .n
    });
    assert_eq!(killed, 1, "one listener connection");
    assert_eq!(read_other().await, ["second", "first"]);
    let fallback_due = Instant::now() + dateline::http_cache::store::REMOTE_CHECK_INTERVAL / 2;
    let body = json!({"headline": "Third", "section": "world-news", "status": "published"});
    app.post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    assert!(
        seen_before(fallback_due, read_other, &["third", "second", "first"]).await,
        "the listener came back and caught up before the once-a-second check"
    );
    drop(listener);
}

#[actix_web::test]
async fn with_the_cache_off_everything_still_answers_fresh() {
    let app = TestApp::new();
    assert!(!app.state.cache.enabled());
    app.article("one").create();
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["one"]);
    app.article("two").published_hours_ago(0).create();
    assert_eq!(
        slugs(&app.get("/api/v1/articles").await.json(200)),
        ["two", "one"]
    );
}

/// Reads `uri` anonymously and tells whether the response cache answered it.
async fn served_from_cache(app: &TestApp, uri: &str) -> bool {
    let before = cache_hits(&app.state);
    app.get(uri).await.json(200);
    cache_hits(&app.state) > before
}

#[actix_web::test]
async fn writes_that_change_nothing_public_keep_the_cache() {
    let app = cached_app();
    app.section("world-news", "World News", None);
    app.article("story").create();
    app.account("reader@example.com", "author");
    let (_, author) = app.logged_in("author").await;
    let (_, editor) = app.logged_in("editor").await;
    app.article("editors-draft").draft().create();
    let cached = [
        "/api/v1/articles",
        "/api/v1/articles/story",
        "/api/v1/articles/story/comments",
    ];
    for uri in cached {
        app.get(uri).await.json(200);
        assert!(served_from_cache(&app, uri).await, "{uri} is cached");
    }
    let generation = app.state.cache.begin();
    let unchanged = |what: &str| {
        assert_eq!(app.state.cache.begin(), generation, "{what} kept the cache");
    };

    let tokens = app.login("reader@example.com").await;
    unchanged("a login");
    let body = json!({"refresh_token": tokens.refresh});
    let refreshed = app.post_json("/api/v1/auth/refresh", None, body).await.json(200);
    unchanged("a refresh");
    let access = refreshed["access_token"].as_str().unwrap();
    assert_eq!(
        app.call(Method::POST, "/api/v1/auth/logout", Some(access))
            .await
            .status,
        204
    );
    unchanged("a logout");
    let comment = json!({"author_name": "Amina", "body": "First!"});
    let pending = app
        .post_json("/api/v1/articles/story/comments", None, comment)
        .await
        .json(201);
    assert_eq!(pending["status"], "pending");
    unchanged("a pending comment");
    let draft = json!({"headline": "Work in progress", "section": "world-news"});
    app.post_json("/api/v1/articles", Some(&author), draft)
        .await
        .json(201);
    unchanged("an author's new draft");
    let edit = json!({"headline": "Still in progress"});
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/work-in-progress",
        &author,
        Some(edit),
    )
    .await
    .json(200);
    unchanged("an author's edit of their draft");
    let edit = json!({"summary": "Not yet."});
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/editors-draft",
        &editor,
        Some(edit),
    )
    .await
    .json(200);
    unchanged("an editor's edit of a draft");
    let gone = app
        .write_current(Method::DELETE, "/api/v1/articles/work-in-progress", &author, None)
        .await;
    assert_eq!(gone.status, 204);
    unchanged("a draft moved to the trash");
    for uri in cached {
        assert!(served_from_cache(&app, uri).await, "{uri} is still cached");
    }

    // What readers see changes: the cache lets go.
    let id = pending["id"].as_i64().unwrap();
    let approve = json!({"status": "approved"});
    app.patch_json(&format!("/api/v1/comments/{id}"), Some(&editor), approve)
        .await
        .json(200);
    assert!(app.state.cache.begin() > generation, "an approval invalidates");
    assert_eq!(
        app.get("/api/v1/articles/story/comments").await.json(200)["meta"]["total"],
        1
    );
    let generation = app.state.cache.begin();
    let publish = json!({"status": "published"});
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/editors-draft",
        &editor,
        Some(publish),
    )
    .await
    .json(200);
    assert!(app.state.cache.begin() > generation, "publishing invalidates");
    assert_eq!(
        slugs(&app.get("/api/v1/articles").await.json(200)),
        ["editors-draft", "story"]
    );
}

#[actix_web::test]
async fn an_automatically_approved_comment_is_visible_at_once() {
    let app = TestApp::with_config(|c| {
        c.response_cache_bytes = 8 * 1_048_576;
        c.comments_auto_approve = true;
    });
    app.article("story").create();
    let uri = "/api/v1/articles/story/comments";
    assert_eq!(app.get(uri).await.json(200)["meta"]["total"], 0);
    assert!(served_from_cache(&app, uri).await);
    let comment = json!({"author_name": "Amina", "body": "First!"});
    app.post_json(uri, None, comment).await.json(201);
    assert_eq!(app.get(uri).await.json(200)["meta"]["total"], 1);
}

#[actix_web::test]
async fn tracked_links_share_the_cached_answer_of_the_plain_link() {
    let app = cached_app();
    app.article("shared").create();
    app.get("/api/v1/articles/shared").await.json(200);
    let hits = cache_hits(&app.state);
    for uri in [
        "/api/v1/articles/shared?utm_source=facebook",
        "/api/v1/articles/shared?_=1733140000",
        "/api/v1/articles/shared?utm_source=x&utm_medium=social&_=1",
    ] {
        app.get(uri).await.json(200);
    }
    assert_eq!(cache_hits(&app.state), hits + 3, "one cached answer for all");
}

#[actix_web::test]
async fn readers_missing_one_answer_at_once_wait_for_a_single_computation() {
    use futures_util::future::join_all;

    // One database connection, held by the test while the readers arrive: the first reader
    // to miss waits for it inside its handler, and the others, missing the same answer, wait
    // for that reader instead of queueing for the database themselves.
    let app = TestApp::with_config(|c| {
        c.response_cache_bytes = 8 * 1_048_576;
        c.db_pool_size = 1;
        c.db_pool_timeout = std::time::Duration::from_secs(30);
    });
    app.article("busy").create();
    let service = actix_web::test::init_service(dateline::server::app(app.state.clone())).await;
    let held = app.pool().get().expect("the only connection");
    let readers = (0..8).map(|_| async {
        let request = TestRequest::get().uri("/api/v1/articles/busy").to_request();
        crate::support::read_response(actix_web::test::call_service(&service, request).await).await
    });
    let release = async {
        // Every reader above is polled to its first wait before this runs (join_all polls in
        // order); a few more turns let them settle, then the connection goes back.
        for _ in 0..20 {
            actix_web::rt::task::yield_now().await;
        }
        drop(held);
    };
    let (answers, ()) = futures_util::future::join(join_all(readers), release).await;
    let first = answers[0].json(200);
    for answer in &answers {
        assert_eq!(answer.json(200), first, "every reader gets the same answer");
    }
    let misses = crate::support::counter(&app.state, r#"dateline_response_cache_total{result="miss"}"#);
    let coalesced = crate::support::counter(&app.state, "dateline_response_cache_coalesced_total");
    assert_eq!(misses, 1, "one reader computed the answer");
    assert_eq!(cache_hits(&app.state), 7, "the others were served it");
    assert!(coalesced >= 1, "some waited for it: {coalesced}");
}
