//! Tag and source pages read from the links' listing index (`listed_at`): every page, order and
//! change of an article's visibility must give what a scan of the articles would.

use actix_web::http::Method;
use serde_json::json;

use crate::support::{TestApp, slugs};

/// Follows `next_cursor` from `first` to the end, collecting slugs.
async fn walk(app: &TestApp, first: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut uri = first.to_owned();
    loop {
        let page = app.get(&uri).await.json(200);
        seen.extend(slugs(&page));
        let Some(cursor) = page["meta"]["next_cursor"].as_str() else {
            assert_eq!(page["meta"]["has_more"], false, "{uri}");
            return seen;
        };
        uri = format!("{first}&cursor={cursor}");
    }
}

#[actix_web::test]
async fn tag_and_source_pages_page_in_order_through_ties_by_cursor_and_by_number() {
    let app = TestApp::new();
    // Three pairs share a publication time: ties go to the higher id (the later created).
    let hours = [1, 1, 2, 3, 3, 5, 8, 8, 13];
    for (n, h) in hours.iter().enumerate() {
        app.article(&format!("s{n}"))
            .tags(&["t"])
            .sources(&["wire"])
            .published_hours_ago(*h)
            .create();
    }
    app.article("untagged").published_hours_ago(1).create();
    app.article("draft")
        .tags(&["t"])
        .sources(&["wire"])
        .draft()
        .create();
    app.article("archived")
        .tags(&["t"])
        .sources(&["wire"])
        .archived()
        .create();
    app.article("future")
        .tags(&["t"])
        .sources(&["wire"])
        .published_hours_ago(-2)
        .create();
    let newest: Vec<String> = ["s1", "s0", "s2", "s4", "s3", "s5", "s7", "s6", "s8"]
        .map(String::from)
        .to_vec();
    let oldest: Vec<String> = newest.iter().rev().cloned().collect();

    for filter in ["tag=t", "source=wire"] {
        let whole = app
            .get(&format!("/api/v1/articles?{filter}&per_page=100&total=true"))
            .await
            .json(200);
        assert_eq!(slugs(&whole), newest, "{filter}");
        assert_eq!(whole["meta"]["total"], 9, "{filter}");
        for per_page in [1, 2, 4] {
            let base = format!("/api/v1/articles?{filter}&per_page={per_page}");
            assert_eq!(walk(&app, &base).await, newest, "{base}");
            let base = format!("{base}&sort=published_at");
            assert_eq!(walk(&app, &base).await, oldest, "{base}");
        }
        let third = app
            .get(&format!("/api/v1/articles?{filter}&per_page=2&page=3"))
            .await
            .json(200);
        assert_eq!(slugs(&third), ["s3", "s5"], "{filter}");
        assert_eq!(third["meta"]["has_more"], true, "{filter}");
        let last = app
            .get(&format!(
                "/api/v1/articles?{filter}&per_page=4&page=3&sort=published_at"
            ))
            .await
            .json(200);
        assert_eq!(slugs(&last), ["s1"], "{filter}");
        assert_eq!(last["meta"]["has_more"], false, "{filter}");
    }
}

#[actix_web::test]
async fn tag_and_source_pages_follow_every_change_of_an_articles_visibility() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    app.tag("iran", "Iran");
    app.source("agencies", "Agencies", None);
    let token = app.logged_in("editor").await.1;
    app.article("older")
        .tags(&["iran"])
        .sources(&["agencies"])
        .published_hours_ago(5)
        .create();
    let on_pages = async |expected: &[&str]| {
        for uri in ["/api/v1/articles?tag=iran", "/api/v1/articles?source=agencies"] {
            assert_eq!(slugs(&app.get(uri).await.json(200)), expected, "{uri}");
        }
    };
    let uri = "/api/v1/articles/story";
    let edit = async |body: serde_json::Value| {
        app.write_current(Method::PATCH, uri, &token, Some(body))
            .await
            .json(200);
    };

    app.post_json(
        "/api/v1/articles",
        Some(&token),
        json!({"headline": "Story", "slug": "story", "section": "world-news",
               "tags": ["iran"], "sources": ["agencies"]}),
    )
    .await
    .json(201);
    on_pages(&["older"]).await; // a draft
    edit(json!({"status": "published"})).await;
    on_pages(&["story", "older"]).await;
    let earlier = (app.now() - chrono::Duration::hours(9)).and_utc().to_rfc3339();
    edit(json!({"published_at": earlier})).await;
    on_pages(&["older", "story"]).await; // moved down the page with its new time
    edit(json!({"status": "draft"})).await;
    on_pages(&["older"]).await;
    let now = app.now().and_utc().to_rfc3339();
    edit(json!({"status": "published", "published_at": now})).await;
    on_pages(&["story", "older"]).await;
    edit(json!({"status": "archived"})).await;
    on_pages(&["older"]).await;
    edit(json!({"status": "published"})).await;
    on_pages(&["story", "older"]).await;
    edit(json!({"tags": [], "sources": []})).await;
    on_pages(&["older"]).await;
    edit(json!({"tags": ["iran"], "sources": ["agencies"]})).await;
    on_pages(&["story", "older"]).await;

    let deleted = app.call(Method::DELETE, uri, Some(&token)).await;
    assert_eq!(deleted.status, 204);
    on_pages(&["older"]).await; // in the trash
    app.call(Method::POST, "/api/v1/trash/story/restore", Some(&token))
        .await
        .json(200);
    on_pages(&["story", "older"]).await;
}

/// A cursor as the API encodes it, for a position the API never handed out.
fn forged_cursor(at: chrono::NaiveDateTime, id: i64) -> String {
    let origin = chrono::NaiveDate::from_ymd_opt(0, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    format!("{}.{id}", (at - origin).num_microseconds().unwrap())
}

#[actix_web::test]
async fn a_cursor_from_the_future_does_not_reach_scheduled_articles() {
    let app = TestApp::new();
    app.article("past")
        .tags(&["t"])
        .sources(&["wire"])
        .published_hours_ago(1)
        .create();
    app.article("scheduled")
        .tags(&["t"])
        .sources(&["wire"])
        .published_hours_ago(-3)
        .create();
    let cursor = forged_cursor(app.now() + chrono::Duration::days(1), i64::MAX - 1);
    for filter in ["", "&tag=t", "&source=wire"] {
        let page = app
            .get(&format!("/api/v1/articles?cursor={cursor}{filter}"))
            .await
            .json(200);
        assert_eq!(slugs(&page), ["past"], "{filter}");
    }
}
