//! What an author may not learn about other people's unpublished articles, and how former slugs
//! answer: someone else's draft or scheduled story is, to an author, a slug that does not exist.

use actix_web::http::Method;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{Response, TestApp};

const UNKNOWN: &str = "no-such-article";

/// What the two answers have in common, or where they part: the status and the whole body.
fn answer(response: &Response) -> (u16, String) {
    (response.status.as_u16(), response.text())
}

/// An app with a section, an editor and two authors: `theirs` owns a draft (`their-draft`,
/// with two revisions), a draft renamed from `their-old-slug`, and a story scheduled for
/// tomorrow (`their-scheduled`). Returns (editor, mine, theirs) tokens.
async fn newsroom(app: &TestApp) -> (String, String, String) {
    app.section("world-news", "World News", None);
    let (_, editor) = app.logged_in("editor").await;
    let (_, mine) = app.logged_in("author").await;
    let (their_id, theirs) = app.logged_in("author").await;
    for slug in ["their-draft", "their-old-slug"] {
        let body = json!({"headline": "Secret", "section": "world-news", "slug": slug});
        app.post_json("/api/v1/articles", Some(&theirs), body)
            .await
            .json(201);
    }
    let their_draft = "/api/v1/articles/their-draft";
    app.patch_json(their_draft, Some(&theirs), json!({"headline": "Secret, v2"}))
        .await
        .json(200);
    app.patch_json(
        "/api/v1/articles/their-old-slug",
        Some(&theirs),
        json!({"slug": "their-renamed"}),
    )
    .await
    .json(200);
    let tomorrow = (app.now() + Duration::days(1)).and_utc().to_rfc3339();
    let scheduled = json!({"headline": "Embargoed", "section": "world-news", "slug": "their-scheduled",
        "status": "published", "published_at": tomorrow, "author_id": their_id});
    app.post_json("/api/v1/articles", Some(&editor), scheduled)
        .await
        .json(201);
    (editor, mine, theirs)
}

/// Every article route an author can call on a slug, with a valid body where it takes one.
fn article_routes(slug: &str) -> Vec<(Method, String, Value)> {
    let at = |path: &str| format!("/api/v1/articles/{slug}{path}");
    let no_body = Value::Null;
    vec![
        (Method::GET, at(""), no_body.clone()),
        (
            Method::PUT,
            at(""),
            json!({"headline": "Mine now", "section": "world-news"}),
        ),
        (Method::PATCH, at(""), json!({"headline": "Mine now"})),
        (Method::DELETE, at(""), no_body.clone()),
        (Method::GET, at("/revisions"), no_body.clone()),
        (Method::GET, at("/revisions/1"), no_body.clone()),
        (Method::GET, at("/revisions/1/diff/2"), no_body.clone()),
        (Method::POST, at("/revisions/1/restore"), no_body.clone()),
        (Method::POST, at("/corrections"), json!({"text": "Wrong."})),
        (Method::GET, at("/related"), no_body.clone()),
        (Method::GET, at("/comments"), no_body.clone()),
        (
            Method::POST,
            at("/comments"),
            json!({"author_name": "A", "body": "B"}),
        ),
        (Method::POST, format!("/api/v1/trash/{slug}/restore"), no_body),
    ]
}

async fn call(app: &TestApp, method: Method, uri: &str, token: &str, body: &Value) -> Response {
    if body.is_null() {
        app.call(method, uri, Some(token)).await
    } else {
        app.send_json(method, uri, Some(token), body.clone()).await
    }
}

#[actix_web::test]
async fn someone_elses_unpublished_article_answers_an_author_as_an_unknown_slug() {
    // Every comment route is tried twice per slug: more than the per-address limit allows.
    let app = TestApp::with_config(|c| c.comments_per_minute = 0);
    let (_, mine, theirs) = newsroom(&app).await;
    for hidden in ["their-draft", "their-scheduled", "their-old-slug"] {
        let routes = article_routes(hidden).into_iter().zip(article_routes(UNKNOWN));
        for ((method, uri, body), (_, unknown_uri, _)) in routes {
            let expected = answer(&call(&app, method.clone(), &unknown_uri, &mine, &body).await);
            let got = answer(&call(&app, method.clone(), &uri, &mine, &body).await);
            assert_eq!(got, expected, "{method} {uri} answers as {unknown_uri} does");
        }
    }
    // Nothing was changed on the way, and the owner still reads their draft.
    let draft = app
        .get_as("/api/v1/articles/their-draft", &theirs)
        .await
        .json(200);
    assert_eq!(draft["headline"], "Secret, v2");
}

#[actix_web::test]
async fn an_author_cannot_tell_a_slug_held_by_a_hidden_draft_from_any_other_taken_slug() {
    let app = TestApp::new();
    let (editor, mine, _) = newsroom(&app).await;
    app.article("public-story").published_hours_ago(2).create();
    app.article("public-renamed").published_hours_ago(2).create();
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/public-renamed",
        &editor,
        Some(json!({"slug": "public-story-now"})),
    )
    .await
    .json(200);
    app.article("binned").published_hours_ago(2).create();
    app.call(Method::DELETE, "/api/v1/articles/binned", Some(&editor))
        .await;
    for slug in ["my-draft", "my-other-draft"] {
        let body = json!({"headline": "Mine", "section": "world-news", "slug": slug});
        app.post_json("/api/v1/articles", Some(&mine), body)
            .await
            .json(201);
    }

    // Held by: a hidden draft, a hidden scheduled story, the former slug of a hidden draft, a
    // public story, the former slug of a public story, a trashed story, my own other draft.
    let taken = [
        "their-draft",
        "their-scheduled",
        "their-old-slug",
        "public-story",
        "public-renamed",
        "binned",
        "my-other-draft",
    ];
    let mut answers = Vec::new();
    for slug in taken {
        let rename = app
            .patch_json("/api/v1/articles/my-draft", Some(&mine), json!({"slug": slug}))
            .await;
        let replace = app
            .put_json(
                "/api/v1/articles/my-draft",
                Some(&mine),
                json!({"headline": "Mine", "section": "world-news", "slug": slug}),
            )
            .await;
        let create = app
            .post_json(
                "/api/v1/articles",
                Some(&mine),
                json!({"headline": "Another", "section": "world-news", "slug": slug}),
            )
            .await;
        for response in [&rename, &replace, &create] {
            let problem = response.problem(422);
            assert_eq!(problem["errors"][0]["field"], "slug", "{slug}: {problem}");
            assert_eq!(problem["errors"][0]["code"], "unavailable", "{slug}: {problem}");
        }
        answers.push((slug, answer(&rename), answer(&replace), answer(&create)));
    }
    for (slug, rename, replace, create) in &answers[1..] {
        let (_, first_rename, first_replace, first_create) = &answers[0];
        assert_eq!(
            (rename, replace, create),
            (first_rename, first_replace, first_create),
            "{slug}"
        );
    }
    // A free slug is still the author's to take; editors still learn which article holds one.
    app.patch_json(
        "/api/v1/articles/my-draft",
        Some(&mine),
        json!({"slug": "my-new-slug"}),
    )
    .await
    .json(200);
    let by_editor = app
        .post_json(
            "/api/v1/articles",
            Some(&editor),
            json!({"headline": "x", "section": "world-news", "slug": "their-draft"}),
        )
        .await;
    assert_eq!(by_editor.error_fields(409), ["slug"]);
}

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
