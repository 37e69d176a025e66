//! Editorial safety: scheduling, revisions, If-Match and racing editors, slug history,
//! corrections, the trash and the audit log.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, slugs};

async fn editor(app: &TestApp) -> String {
    app.section("world-news", "World News", None);
    app.logged_in("editor").await.1
}

/// A write carrying exactly the `If-Match` given (or none).
async fn conditional(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut request = TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")));
    if let Some(tag) = if_match {
        request = request.insert_header(("If-Match", tag));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    app.send(request).await
}

async fn publish(app: &TestApp, token: &str, headline: &str, extra: Value) -> Value {
    let mut body = json!({"headline": headline, "section": "world-news", "status": "published"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.post_json("/api/v1/articles", Some(token), body)
        .await
        .json(201)
}

#[actix_web::test]
async fn a_scheduled_article_is_invisible_everywhere_until_its_time_then_appears_by_itself() {
    let app = TestApp::with_config(|c| c.comments_auto_approve = true);
    app.article("neighbour")
        .tags(&["iran"])
        .sources(&["agencies"])
        .published_hours_ago(2)
        .create();
    app.article("scheduled")
        .tags(&["iran"])
        .sources(&["agencies"])
        .published_hours_ago(-1)
        .create();

    let public_views = [
        "/api/v1/articles",
        "/api/v1/articles?section=world-news",
        "/api/v1/articles?tag=iran",
        "/api/v1/articles?source=agencies",
        "/api/v1/articles?q=scheduled",
    ];
    for uri in public_views {
        assert!(
            !slugs(&app.get(uri).await.json(200)).contains(&"scheduled".to_owned()),
            "{uri}"
        );
    }
    let related = app.get("/api/v1/articles/neighbour/related").await.json(200);
    assert!(!slugs(&related).contains(&"scheduled".to_owned()));
    app.get("/api/v1/articles/scheduled").await.problem(404);
    app.get("/api/v1/articles/scheduled/comments").await.problem(404);
    app.get("/api/v1/articles/scheduled/related").await.problem(404);
    let comment = json!({"author_name": "A", "body": "Early"});
    app.post_json("/api/v1/articles/scheduled/comments", None, comment.clone())
        .await
        .problem(404);

    // No job, no restart: the clock moves and every route sees it.
    app.clock.advance(Duration::hours(1));
    for uri in public_views {
        assert!(
            slugs(&app.get(uri).await.json(200)).contains(&"scheduled".to_owned()),
            "{uri}"
        );
    }
    let related = app.get("/api/v1/articles/neighbour/related").await.json(200);
    assert_eq!(slugs(&related), ["scheduled"]);
    app.get("/api/v1/articles/scheduled").await.json(200);
    app.post_json("/api/v1/articles/scheduled/comments", None, comment)
        .await
        .json(201);
    assert_eq!(
        app.get("/api/v1/articles/scheduled/comments").await.json(200)["meta"]["total"],
        1
    );
}

#[actix_web::test]
async fn editorial_reads_carry_an_etag_and_writes_honour_if_match() {
    let app = TestApp::new();
    let token = editor(&app).await;
    let created = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            json!({"headline": "Versioned", "section": "world-news"}),
        )
        .await;
    assert_eq!(created.header("etag").as_deref(), Some("\"v1\""));
    let uri = "/api/v1/articles/versioned";
    assert_eq!(app.etag(uri, &token).await, "\"v1\"");

    let body = json!({"summary": "One"});
    conditional(&app, Method::PATCH, uri, &token, None, Some(body.clone()))
        .await
        .problem(428);
    conditional(
        &app,
        Method::PUT,
        uri,
        &token,
        None,
        Some(json!({"headline": "X", "section": "world-news"})),
    )
    .await
    .problem(428);
    conditional(&app, Method::DELETE, uri, &token, None, None)
        .await
        .problem(428);
    // A header outside the spec's pattern (`*` or a list of entity tags) is refused, naming it.
    for malformed in ["v1", "", "0", "\"v1", "\"v1\" \"v2\"", "*, \"v1\""] {
        let fields = conditional(
            &app,
            Method::PATCH,
            uri,
            &token,
            Some(malformed),
            Some(body.clone()),
        )
        .await
        .error_fields(400);
        assert_eq!(fields, ["If-Match"], "{malformed:?}");
    }
    // A well-formed list naming no current version is a false condition.
    conditional(
        &app,
        Method::PATCH,
        uri,
        &token,
        Some("\"v9\", W/\"v1\""),
        Some(body.clone()),
    )
    .await
    .problem(412);

    let ok = conditional(&app, Method::PATCH, uri, &token, Some("\"v1\""), Some(body)).await;
    assert_eq!(ok.header("etag").as_deref(), Some("\"v2\""));
    ok.json(200);

    let stale = conditional(
        &app,
        Method::PATCH,
        uri,
        &token,
        Some("\"v1\""),
        Some(json!({"summary": "Lost?"})),
    )
    .await;
    assert_eq!(stale.header("etag").as_deref(), Some("\"v2\""));
    let problem = stale.problem(412);
    assert_eq!(problem["etag"], "\"v2\"");
    assert_eq!(problem["current"]["summary"], "One");
    let weak = conditional(
        &app,
        Method::PATCH,
        uri,
        &token,
        Some("W/\"v2\""),
        Some(json!({"summary": "Weak"})),
    )
    .await;
    weak.problem(412);
    assert_eq!(
        app.get_as(uri, &token).await.json(200)["summary"],
        "One",
        "nothing written by stale writes"
    );
    conditional(&app, Method::DELETE, uri, &token, Some("\"v1\""), None)
        .await
        .problem(412);
    assert_eq!(
        conditional(&app, Method::DELETE, uri, &token, Some("\"v2\""), None)
            .await
            .status,
        204
    );
}

#[actix_web::test]
async fn two_editors_saving_at_once_cannot_overwrite_each_other() {
    let app = TestApp::with_config(|c| c.db_pool_size = 6);
    let first = editor(&app).await;
    let (_, second) = app.logged_in("editor").await;
    app.post_json(
        "/api/v1/articles",
        Some(&first),
        json!({"headline": "Contested", "section": "world-news"}),
    )
    .await
    .json(201);
    let uri = "/api/v1/articles/contested";
    for round in 0..5 {
        let etag = app.etag(uri, &first).await;
        let a = conditional(
            &app,
            Method::PATCH,
            uri,
            &first,
            Some(&etag),
            Some(json!({"summary": format!("A{round}")})),
        );
        let b = conditional(
            &app,
            Method::PATCH,
            uri,
            &second,
            Some(&etag),
            Some(json!({"summary": format!("B{round}")})),
        );
        let (a, b) = futures_util::future::join(a, b).await;
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 412], "round {round}: {} / {}", a.text(), b.text());
        let winner = if a.status == 200 {
            format!("A{round}")
        } else {
            format!("B{round}")
        };
        assert_eq!(
            app.get_as(uri, &first).await.json(200)["summary"],
            winner.as_str()
        );
    }
    let revisions = app
        .get_as("/api/v1/articles/contested/revisions", &first)
        .await
        .json(200);
    assert_eq!(
        revisions["data"].as_array().unwrap().len(),
        6,
        "create + one per round"
    );
}

#[actix_web::test]
async fn every_change_is_a_revision_that_can_be_compared_and_restored() {
    let app = TestApp::new();
    let token = editor(&app).await;
    app.tag("iran", "Iran");
    app.tag("pakistan", "Pakistan");
    publish(
        &app,
        &token,
        "Original headline",
        json!({"slug": "story", "tags": ["iran"]}),
    )
    .await;
    let uri = "/api/v1/articles/story";
    app.write_current(
        Method::PATCH,
        uri,
        &token,
        Some(json!({"headline": "Second headline"})),
    )
    .await
    .json(200);
    app.write_current(
        Method::PATCH,
        uri,
        &token,
        Some(json!({"tags": ["iran", "pakistan"], "status": "archived"})),
    )
    .await
    .json(200);

    let list = app
        .get_as("/api/v1/articles/story/revisions", &token)
        .await
        .json(200);
    let numbers: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert!(
        list["data"][0]["user"]["display_name"]
            .as_str()
            .unwrap()
            .starts_with("editor")
    );
    let first = app
        .get_as("/api/v1/articles/story/revisions/1", &token)
        .await
        .json(200);
    assert_eq!(first["snapshot"]["headline"], "Original headline");
    assert_eq!(first["snapshot"]["tags"], json!(["iran"]));

    let diff = app
        .get_as("/api/v1/articles/story/revisions/1/diff/3", &token)
        .await
        .json(200);
    let fields: Vec<&str> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields.len(), 3);
    for field in ["headline", "tags", "status"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let headline = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "headline")
        .unwrap();
    assert_eq!(
        (headline["from"].as_str(), headline["to"].as_str()),
        (Some("Original headline"), Some("Second headline"))
    );

    let restore = "/api/v1/articles/story/revisions/1/restore";
    conditional(&app, Method::POST, restore, &token, None, None)
        .await
        .problem(428);
    let etag = app.etag(uri, &token).await;
    let restored = conditional(&app, Method::POST, restore, &token, Some(&etag), None)
        .await
        .json(200);
    assert_eq!(restored["headline"], "Original headline");
    assert_eq!(restored["status"], "published");
    assert_eq!(restored["tags"].as_array().unwrap().len(), 1);
    let list = app
        .get_as("/api/v1/articles/story/revisions", &token)
        .await
        .json(200);
    assert_eq!(list["data"][0]["number"], 4, "the restore is itself a revision");
    assert_eq!(list["data"][0]["snapshot"], first["snapshot"]);

    app.get_as("/api/v1/articles/story/revisions/99", &token)
        .await
        .problem(404);
    app.get("/api/v1/articles/story/revisions").await.problem(401);
}

#[actix_web::test]
async fn authors_see_the_revisions_of_their_own_articles_only() {
    let app = TestApp::new();
    let editor_token = editor(&app).await;
    let (_, author) = app.logged_in("author").await;
    app.post_json(
        "/api/v1/articles",
        Some(&author),
        json!({"headline": "Mine", "section": "world-news"}),
    )
    .await
    .json(201);
    publish(&app, &editor_token, "Theirs", json!({})).await;
    app.get_as("/api/v1/articles/mine/revisions", &author)
        .await
        .json(200);
    app.get_as("/api/v1/articles/theirs/revisions", &author)
        .await
        .problem(403);
}

#[actix_web::test]
async fn old_slugs_redirect_forever_and_are_never_given_away() {
    let app = TestApp::new();
    let token = editor(&app).await;
    publish(&app, &token, "First headline", json!({"slug": "first"})).await;
    let uri = "/api/v1/articles/first";
    app.write_current(Method::PATCH, uri, &token, Some(json!({"slug": "second"})))
        .await
        .json(200);
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/second",
        &token,
        Some(json!({"slug": "third"})),
    )
    .await
    .json(200);

    for old in ["first", "second"] {
        let article = app.get(&format!("/api/v1/articles/{old}")).await;
        assert_eq!(article.status, 301, "{old}");
        assert_eq!(
            article.header("location").as_deref(),
            Some("/api/v1/articles/third")
        );
        let comments = app.get(&format!("/api/v1/articles/{old}/comments?page=2")).await;
        assert_eq!(comments.status, 301);
        assert_eq!(
            comments.header("location").as_deref(),
            Some("/api/v1/articles/third/comments?page=2")
        );
        let related = app.get(&format!("/api/v1/articles/{old}/related?limit=3")).await;
        assert_eq!(
            related.header("location").as_deref(),
            Some("/api/v1/articles/third/related?limit=3")
        );
        // A proxy purges the redirects with the article's other answers.
        let id = app.get("/api/v1/articles/third").await.json(200)["id"]
            .as_i64()
            .unwrap();
        for redirect in [&article, &comments, &related] {
            let keys = redirect.header("surrogate-key").unwrap_or_default();
            assert!(keys.split(' ').any(|k| k == format!("article-{id}")), "{keys}");
        }
    }
    app.get("/api/v1/articles/third").await.json(200);

    let taken = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            json!({"headline": "x", "section": "world-news", "slug": "first"}),
        )
        .await;
    assert_eq!(taken.error_fields(409), ["slug"]);
    let generated = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            json!({"headline": "Second", "section": "world-news"}),
        )
        .await
        .json(201);
    assert_eq!(generated["slug"], "second-2");
    // The article itself may take an old slug back; the other one then redirects.
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/third",
        &token,
        Some(json!({"slug": "first"})),
    )
    .await
    .json(200);
    app.get("/api/v1/articles/first").await.json(200);
    assert_eq!(
        app.get("/api/v1/articles/third")
            .await
            .header("location")
            .as_deref(),
        Some("/api/v1/articles/first")
    );
}

#[actix_web::test]
async fn corrections_and_announced_updates_are_public() {
    let app = TestApp::new();
    let token = editor(&app).await;
    publish(&app, &token, "Story", json!({"slug": "story"})).await;
    let first = app
        .post_json(
            "/api/v1/articles/story/corrections",
            Some(&token),
            json!({"text": "The date was wrong."}),
        )
        .await
        .json(201);
    assert_eq!(first["text"], "The date was wrong.");
    app.clock.advance(Duration::minutes(5));
    app.post_json(
        "/api/v1/articles/story/corrections",
        Some(&token),
        json!({"text": "A name was misspelt."}),
    )
    .await
    .json(201);
    let public = app.get("/api/v1/articles/story").await.json(200);
    let texts: Vec<&str> = public["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["The date was wrong.", "A name was misspelt."]);
    assert_eq!(public["public_updated_at"], Value::Null);

    app.write_current(
        Method::PATCH,
        "/api/v1/articles/story",
        &token,
        Some(json!({"body": "<p>typo fixed</p>"})),
    )
    .await
    .json(200);
    assert_eq!(
        app.get("/api/v1/articles/story").await.json(200)["public_updated_at"],
        Value::Null
    );
    app.clock.advance(Duration::minutes(5));
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/story",
        &token,
        Some(json!({"body": "<p>new facts</p>", "announce_update": true})),
    )
    .await
    .json(200);
    assert_eq!(
        app.get("/api/v1/articles/story").await.json(200)["public_updated_at"],
        "2026-06-01T12:10:00Z"
    );

    app.post_json(
        "/api/v1/articles",
        Some(&token),
        json!({"headline": "Draft", "section": "world-news"}),
    )
    .await
    .json(201);
    app.post_json(
        "/api/v1/articles/draft/corrections",
        Some(&token),
        json!({"text": "x"}),
    )
    .await
    .problem(409);
    let (_, author) = app.logged_in("author").await;
    app.post_json(
        "/api/v1/articles/story/corrections",
        Some(&author),
        json!({"text": "x"}),
    )
    .await
    .problem(403);
    let blank = app
        .post_json(
            "/api/v1/articles/story/corrections",
            Some(&token),
            json!({"text": " "}),
        )
        .await;
    assert_eq!(blank.error_fields(422), ["text"]);
}

#[actix_web::test]
async fn archived_articles_are_gone_publicly() {
    let app = TestApp::new();
    let token = editor(&app).await;
    publish(&app, &token, "Withdrawn", json!({"slug": "withdrawn"})).await;
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/withdrawn",
        &token,
        Some(json!({"status": "archived"})),
    )
    .await
    .json(200);
    for uri in [
        "/api/v1/articles/withdrawn",
        "/api/v1/articles/withdrawn/comments",
        "/api/v1/articles/withdrawn/related",
    ] {
        app.get(uri).await.problem(410);
    }
    assert_eq!(
        app.get_as("/api/v1/articles/withdrawn", &token).await.json(200)["status"],
        "archived"
    );
}

#[actix_web::test]
async fn deleting_moves_to_a_trash_that_restores_and_purges() {
    let app = TestApp::with_config(|c| c.comments_auto_approve = true);
    let token = editor(&app).await;
    publish(&app, &token, "Trash me", json!({"slug": "trash-me"})).await;
    app.post_json(
        "/api/v1/articles/trash-me/comments",
        None,
        json!({"author_name": "A", "body": "Kept"}),
    )
    .await
    .json(201);
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/articles/trash-me", Some(&token))
            .await
            .status,
        204
    );

    app.get("/api/v1/articles/trash-me").await.problem(404);
    app.get_as("/api/v1/articles/trash-me", &token).await.problem(404);
    assert_eq!(
        app.get("/api/v1/articles?total=true").await.json(200)["meta"]["total"],
        0
    );
    assert_eq!(
        app.get_as("/api/v1/articles?status=all&total=true", &token)
            .await
            .json(200)["meta"]["total"],
        0
    );
    let trash = app.get_as("/api/v1/trash", &token).await.json(200);
    assert_eq!(slugs(&trash), ["trash-me"]);
    assert_eq!(trash["purge_before"], "2026-05-02T12:00:00Z");
    let taken = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            json!({"headline": "x", "section": "world-news", "slug": "trash-me"}),
        )
        .await;
    assert_eq!(
        taken.error_fields(409),
        ["slug"],
        "a trashed article keeps its slug"
    );

    let restored = app
        .call(Method::POST, "/api/v1/trash/trash-me/restore", Some(&token))
        .await
        .json(200);
    assert_eq!(restored["headline"], "Trash me");
    assert_eq!(restored["comment_count"], 1, "comments come back with it");
    app.get("/api/v1/articles/trash-me").await.json(200);
    app.call(Method::POST, "/api/v1/trash/trash-me/restore", Some(&token))
        .await
        .problem(404);

    // Purge removes only what is older than the retention period, and only for admins.
    app.call(Method::DELETE, "/api/v1/articles/trash-me", Some(&token))
        .await;
    app.call(Method::POST, "/api/v1/trash/purge", Some(&token))
        .await
        .problem(403);
    let (_, admin) = app.logged_in("admin").await;
    assert_eq!(
        app.call(Method::POST, "/api/v1/trash/purge", Some(&admin))
            .await
            .json(200)["purged"],
        0
    );
    app.clock.advance(Duration::days(31));
    let (_, admin) = app.logged_in("admin").await;
    assert_eq!(
        app.call(Method::POST, "/api/v1/trash/purge", Some(&admin))
            .await
            .json(200)["purged"],
        1
    );
    assert_eq!(
        app.get_as("/api/v1/trash", &admin).await.json(200)["meta"]["total"],
        0
    );
    let (_, author) = app.logged_in("author").await;
    app.get_as("/api/v1/trash", &author).await.problem(403);
}

#[actix_web::test]
async fn every_write_login_and_moderation_is_in_the_audit_log() {
    let app = TestApp::new();
    let (editor_id, editor_token) = app.logged_in("editor").await;
    let (admin_id, admin) = app.logged_in("admin").await;
    app.section("world-news", "World News", None);
    let failed = json!({"email": "nobody@example.com", "password": "wrong wrong wrong"});
    app.send(
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .peer_addr("198.51.100.23:999".parse().unwrap())
            .set_json(failed),
    )
    .await
    .problem(401);
    publish(&app, &editor_token, "Audited", json!({"slug": "audited"})).await;
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/audited",
        &editor_token,
        Some(json!({"summary": "S"})),
    )
    .await
    .json(200);
    app.patch_json(
        "/api/v1/sections/world-news",
        Some(&editor_token),
        json!({"name": "World"}),
    )
    .await
    .json(200);
    let comment = app
        .post_json(
            "/api/v1/articles/audited/comments",
            None,
            json!({"author_name": "A", "body": "B"}),
        )
        .await
        .json(201);
    app.patch_json(
        &format!("/api/v1/comments/{}", comment["id"]),
        Some(&editor_token),
        json!({"status": "approved"}),
    )
    .await
    .json(200);
    app.post_json("/api/v1/users", Some(&admin), json!({"email": "new@example.com", "display_name": "New", "role": "author", "password": "long enough password"})).await.json(201);

    let log = app.get_as("/api/v1/audit?per_page=100", &admin).await.json(200);
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "auth.login",
        "auth.login_failed",
        "article.create",
        "article.update",
        "section.update",
        "comment.moderate",
        "user.create",
    ] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
    assert_eq!(actions[0], "user.create", "newest first");
    for entry in log["data"].as_array().unwrap() {
        let hash = entry["client_hash"].as_str().unwrap_or_default();
        assert!(!hash.contains("198.51"), "addresses are hashed");
    }

    let by_editor = app
        .get_as(
            &format!("/api/v1/audit?user={editor_id}&resource=article"),
            &admin,
        )
        .await
        .json(200);
    let actions: Vec<&str> = by_editor["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["article.update", "article.create"]);
    let mine = app
        .get_as(&format!("/api/v1/audit?user={admin_id}"), &admin)
        .await
        .json(200);
    assert!(
        mine["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == admin_id)
    );
    let later = app
        .get_as("/api/v1/audit?from=2026-06-02T00:00:00Z", &admin)
        .await
        .json(200);
    assert_eq!(later["meta"]["total"], 0);
    let earlier = app
        .get_as("/api/v1/audit?to=2026-06-02T00:00:00Z", &admin)
        .await
        .json(200);
    assert_eq!(earlier["meta"]["total"], log["meta"]["total"]);
    assert_eq!(
        app.get_as("/api/v1/audit?from=yesterday", &admin)
            .await
            .error_fields(400),
        ["from"]
    );
    app.get_as("/api/v1/audit", &editor_token).await.problem(403);
}
