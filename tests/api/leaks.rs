//! What an author may not learn about other people's unpublished articles, and how former slugs
//! answer: someone else's draft or scheduled story is, to an author, a slug that does not exist.

use actix_web::http::Method;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn a_former_slug_of_an_archived_article_is_gone_at_once() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, editor) = app.logged_in("editor").await;
    let (_, author) = app.logged_in("author").await;
    app.article("first-name").published_hours_ago(2).create();
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/first-name",
        &editor,
        Some(json!({"slug": "withdrawn", "status": "archived"})),
    )
    .await
    .json(200);
    for path in ["", "/comments", "/related"] {
        for uri in [
            format!("/api/v1/articles/first-name{path}"),
            format!("/api/v1/articles/withdrawn{path}"),
        ] {
            let response = app.get(&uri).await;
            assert_eq!(response.status, 410, "{uri}: {:?}", response.header("location"));
        }
    }
    app.get_as("/api/v1/articles/first-name", &author)
        .await
        .problem(410);
    // Editors read archived articles: for them the former slug still leads to it.
    let moved = app.get_as("/api/v1/articles/first-name", &editor).await;
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.header("location").as_deref(),
        Some("/api/v1/articles/withdrawn")
    );
}

#[actix_web::test]
async fn redirects_from_former_slugs_say_how_long_they_may_be_cached() {
    let app = TestApp::with_config(|c| c.cache_max_age_secs = 45);
    app.section("world-news", "World News", None);
    let (_, editor) = app.logged_in("editor").await;
    app.article("old-name").published_hours_ago(2).create();
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/old-name",
        &editor,
        Some(json!({"slug": "new-name"})),
    )
    .await
    .json(200);
    for path in ["", "/comments", "/related"] {
        let uri = format!("/api/v1/articles/old-name{path}");
        let moved = app.get(&uri).await;
        assert_eq!(moved.status, 301, "{uri}");
        assert_eq!(
            moved.header("cache-control").as_deref(),
            Some("public, max-age=45"),
            "{uri}"
        );
        assert!(
            moved.header("vary").is_some_and(|v| v.contains("Authorization")),
            "{uri}: {:?}",
            moved.header("vary")
        );
        // With a token the answer is the caller's own, as every authenticated answer is.
        let private = app.get_as(&uri, &editor).await;
        assert_eq!(private.status, 301, "{uri}");
        assert_eq!(
            private.header("cache-control").as_deref(),
            Some("private, no-store")
        );
    }
}
