//! Draft preview links: made by editors (and authors for their own articles), they open one
//! article or revision as the public would see it once published, never cached, until they
//! expire or are revoked; every use is counted, creation and revocation audited, and nothing
//! but the use count is ever written by a preview.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::TestApp;

/// A draft by an author, with two revisions: 1 "First take", 2 "Second take".
async fn drafted(app: &TestApp) -> (String, i64, String) {
    let (author_id, author) = app.logged_in("author").await;
    app.article("story")
        .headline("First take")
        .tags(&["iran"])
        .author(author_id)
        .draft()
        .create();
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/story",
        &author,
        Some(json!({"headline": "First take"})),
    )
    .await
    .json(200);
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/story",
        &author,
        Some(json!({"headline": "Second take"})),
    )
    .await
    .json(200);
    (author, author_id, "/api/v1/articles/story".to_owned())
}

async fn make(app: &TestApp, token: &str, body: Value) -> Value {
    app.post_json("/api/v1/articles/story/previews", Some(token), body)
        .await
        .json(201)
}

fn with_token(link: &Value) -> String {
    format!(
        "/api/v1/articles/story?preview_token={}",
        link["token"].as_str().unwrap()
    )
}

#[actix_web::test]
async fn a_preview_link_shows_the_draft_as_it_will_be_published_and_is_never_cached() {
    let app = TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576);
    let (_, _, url) = drafted(&app).await;
    let (_, editor) = app.logged_in("editor").await;
    assert_eq!(app.get(&url).await.status, 404, "a draft is not public");
    let link = make(&app, &editor, json!({})).await;
    assert_eq!(link["slug"], "story");
    assert_eq!(link["link"]["revision"], Value::Null);
    assert_eq!(link["link"]["active"], true);
    let created = chrono::DateTime::parse_from_rfc3339(link["link"]["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(link["link"]["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, Duration::hours(24), "24 hours by default");
    assert!(
        link["path"]
            .as_str()
            .unwrap()
            .ends_with(link["token"].as_str().unwrap())
    );

    let shown = app.get(&with_token(&link)).await;
    assert_eq!(
        shown.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    assert_eq!(shown.header("x-robots-tag").as_deref(), Some("noindex"));
    assert!(shown.header("etag").is_none() && shown.header("surrogate-key").is_none());
    let shown = shown.json(200);
    assert_eq!(shown["headline"], "Second take");
    assert_eq!(shown["status"], "published", "as the public will see it");
    assert!(shown["published_at"].is_string());
    assert_eq!(shown["structured_data"][0]["headline"], "Second take");

    // The header form, and `fields`.
    let by_header = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles/story?fields=headline,status")
                .insert_header(("Preview-Token", link["token"].as_str().unwrap())),
        )
        .await
        .json(200);
    assert_eq!(
        by_header,
        json!({"id": shown["id"], "headline": "Second take", "status": "published"})
    );

    // Nothing was written, and nothing was cached: the public still gets 404.
    assert_eq!(app.get(&url).await.status, 404);
    let stored = app.get_as(&url, &editor).await.json(200);
    assert_eq!(stored["status"], "draft");
    assert_eq!(stored["published_at"], Value::Null);
    let revisions = app
        .get_as("/api/v1/articles/story/revisions", &editor)
        .await
        .json(200);
    assert_eq!(
        revisions["data"].as_array().unwrap().len(),
        2,
        "no revision from a preview"
    );
    let list = app
        .get_as("/api/v1/articles/story/previews", &editor)
        .await
        .json(200);
    assert_eq!(list["data"][0]["uses"], 2, "every use is counted");
    assert!(list["data"][0]["last_used_at"].is_string());
    assert!(
        list["data"][0].get("token").is_none(),
        "the token is shown only once"
    );
}

#[actix_web::test]
async fn a_revision_link_shows_that_revision_and_edits_show_on_a_plain_link() {
    let app = TestApp::new();
    let (author, _, _) = drafted(&app).await;
    let first = make(&app, &author, json!({"revision": 1})).await;
    let current = make(&app, &author, json!({})).await;
    assert_eq!(
        app.get(&with_token(&first)).await.json(200)["headline"],
        "First take"
    );
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/story",
        &author,
        Some(json!({"headline": "Third take"})),
    )
    .await
    .json(200);
    assert_eq!(
        app.get(&with_token(&current)).await.json(200)["headline"],
        "Third take"
    );
    assert_eq!(
        app.get(&with_token(&first)).await.json(200)["headline"],
        "First take"
    );
}

#[actix_web::test]
async fn a_link_opens_only_its_article_and_stops_when_expired_or_revoked() {
    let app = TestApp::new();
    let (_, _, _) = drafted(&app).await;
    app.article("other").create();
    let (_, editor) = app.logged_in("editor").await;
    let link = make(&app, &editor, json!({"expires_in_hours": 1})).await;
    let token = link["token"].as_str().unwrap();
    let elsewhere = app
        .get(&format!("/api/v1/articles/other?preview_token={token}"))
        .await;
    assert_eq!(elsewhere.status, 404, "only its own article");
    app.get(&with_token(&link)).await.json(200);

    let revoked = make(&app, &editor, json!({})).await;
    let id = revoked["link"]["id"].as_i64().unwrap();
    let gone = app
        .call(Method::DELETE, &format!("/api/v1/previews/{id}"), Some(&editor))
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(app.get(&with_token(&revoked)).await.problem(403)["status"], 403);
    let again = app
        .call(Method::DELETE, &format!("/api/v1/previews/{id}"), Some(&editor))
        .await;
    assert_eq!(again.status, 204, "revoking twice changes nothing");
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/previews/999999", Some(&editor))
            .await
            .status,
        404
    );

    app.clock.advance(Duration::minutes(61));
    assert_eq!(app.get(&with_token(&link)).await.status, 403, "expired");
    let unknown = format!("/api/v1/articles/story?preview_token=dlp_{}", "A".repeat(43));
    assert_eq!(app.get(&unknown).await.status, 403);
}

#[actix_web::test]
async fn malformed_tokens_and_bad_requests_are_named() {
    let app = TestApp::new();
    let (author, _, _) = drafted(&app).await;
    for bad in ["nope", "dlp_short", &format!("dlp_{}!", "A".repeat(42))] {
        let problem = app
            .get(&format!("/api/v1/articles/story?preview_token={bad}"))
            .await
            .problem(400);
        assert_eq!(problem["errors"][0]["field"], "preview_token", "{bad}");
    }
    let header = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles/story")
                .insert_header(("Preview-Token", "nope")),
        )
        .await
        .problem(400);
    assert_eq!(header["errors"][0]["field"], "Preview-Token");
    // Both given: the parameter wins, and the header is not looked at.
    let (_, editor) = app.logged_in("editor").await;
    let link = make(&app, &editor, json!({})).await;
    let both = app
        .send(
            TestRequest::get()
                .uri(&with_token(&link))
                .insert_header(("Preview-Token", "nope")),
        )
        .await
        .json(200);
    assert_eq!(both["slug"], "story");
    let never_issued = format!("dlp_{}", "A".repeat(43));
    app.send(
        TestRequest::get()
            .uri(&format!("/api/v1/articles/story?preview_token={never_issued}"))
            .insert_header(("Preview-Token", link["token"].as_str().unwrap())),
    )
    .await
    .problem(403);

    for (body, field) in [
        (json!({"expires_in_hours": 721}), "expires_in_hours"),
        (json!({"expires_in_hours": 0}), "expires_in_hours"),
        (json!({"revision": 99}), "revision"),
        (json!({"revision": 0}), "revision"),
        (json!({"revision": "2"}), "revision"),
    ] {
        let response = app
            .post_json("/api/v1/articles/story/previews", Some(&author), body.clone())
            .await;
        assert_eq!(response.error_fields(422), [field], "{body}");
    }
    let unknown = app
        .post_json(
            "/api/v1/articles/story/previews",
            Some(&author),
            json!({"hours": 3}),
        )
        .await;
    assert_eq!(unknown.status, 422);
    let longest = make(&app, &author, json!({"expires_in_hours": 720})).await;
    assert_eq!(longest["link"]["active"], true);
}

#[actix_web::test]
async fn only_editors_and_the_articles_author_make_links_and_only_they_revoke_them() {
    let app = TestApp::new();
    let (author, _, _) = drafted(&app).await;
    let (_, stranger) = app.logged_in("author").await;
    let anonymous = app
        .post_json("/api/v1/articles/story/previews", None, json!({}))
        .await;
    assert_eq!(anonymous.status, 401);
    let foreign = app
        .post_json("/api/v1/articles/story/previews", Some(&stranger), json!({}))
        .await;
    assert_eq!(foreign.status, 404, "another author's draft is not even named");
    let (_, editor) = app.logged_in("editor").await;
    let by_editor = make(&app, &editor, json!({})).await;
    let id = by_editor["link"]["id"].as_i64().unwrap();
    let refused = app
        .call(Method::DELETE, &format!("/api/v1/previews/{id}"), Some(&author))
        .await;
    assert_eq!(refused.status, 403, "authors revoke only their own links");
    let own = make(&app, &author, json!({})).await;
    let own_id = own["link"]["id"].as_i64().unwrap();
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/api/v1/previews/{own_id}"),
            Some(&author),
        )
        .await;
    assert_eq!(revoked.status, 204);

    // Made and revoked, in the audit log; the token never is, and a preview writes nothing.
    app.get(&with_token(&by_editor)).await.json(200);
    app.get(&with_token(&by_editor)).await.json(200);
    let (_, admin) = app.logged_in("admin").await;
    let log = app.get_as("/api/v1/audit?per_page=100", &admin).await.json(200);
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "preview.create").count(), 2);
    assert_eq!(actions.iter().filter(|a| **a == "preview.revoke").count(), 1);
    assert!(!log.to_string().contains(own["token"].as_str().unwrap()));
    let updates = actions.iter().filter(|a| **a == "article.update").count();
    assert_eq!(updates, 2, "the two edits of the fixture, none from the previews");
}

#[actix_web::test]
async fn a_published_article_previews_its_pending_revision_and_a_trashed_one_not_at_all() {
    let app = TestApp::new();
    let (_, editor) = app.logged_in("editor").await;
    app.article("live").headline("Live headline").create();
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/live",
        &editor,
        Some(json!({"headline": "Edited headline"})),
    )
    .await
    .json(200);
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/live",
        &editor,
        Some(json!({"headline": "Final headline"})),
    )
    .await
    .json(200);
    let link = app
        .post_json(
            "/api/v1/articles/live/previews",
            Some(&editor),
            json!({"revision": 1}),
        )
        .await
        .json(201);
    let token = link["token"].as_str().unwrap();
    let shown = app
        .get(&format!("/api/v1/articles/live?preview_token={token}"))
        .await
        .json(200);
    assert_eq!(shown["headline"], "Edited headline", "the revision asked for");
    assert_eq!(
        app.get("/api/v1/articles/live").await.json(200)["headline"],
        "Final headline"
    );
    app.call(Method::DELETE, "/api/v1/articles/live", Some(&editor))
        .await;
    let trashed = app
        .get(&format!("/api/v1/articles/live?preview_token={token}"))
        .await;
    assert_eq!(trashed.status, 404);
}
