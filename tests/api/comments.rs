//! Reader comments: the seed form's messages, moderation, replies, limits, and no lost comment.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::Duration;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::support::TestApp;

const URL: &str = "/api/v1/articles/story/comments";

fn with_story(app: &TestApp) -> i64 {
    app.article("story").published_hours_ago(1).create()
}

fn comment(name: &str, body: &str) -> Value {
    json!({"author_name": name, "body": body})
}

async fn submit(app: &TestApp, body: Value) -> crate::support::Response {
    app.post_json(URL, None, body).await
}

#[actix_web::test]
async fn the_seed_forms_two_messages_are_the_field_errors() {
    let app = TestApp::new();
    with_story(&app);
    for body in [
        json!({}),
        json!({"author_name": "  ", "body": "\n\t "}),
        json!({"author_name": null, "body": null}),
    ] {
        let problem = submit(&app, body).await.problem(422);
        assert_eq!(
            problem["errors"],
            json!([
                {"field": "author_name", "code": "required", "message": "Please enter your name here"},
                {"field": "body", "code": "required", "message": "Please enter your comment!"}
            ])
        );
    }
    let only_name = submit(&app, json!({"body": "Nice"})).await.problem(422);
    assert_eq!(only_name["errors"][0]["message"], "Please enter your name here");
    assert_eq!(only_name["errors"].as_array().unwrap().len(), 1);
    let only_body = submit(&app, json!({"author_name": "Amina"})).await.problem(422);
    assert_eq!(only_body["errors"][0]["message"], "Please enter your comment!");
}

#[actix_web::test]
async fn fields_are_limited_trimmed_and_free_of_control_characters() {
    let app = TestApp::new();
    with_story(&app);
    let cases = [
        (comment(&"n".repeat(101), "ok"), "author_name"),
        (comment("Amina", &"b".repeat(2001)), "body"),
        (comment("Ami\u{0007}na", "ok"), "author_name"),
        (comment("Amina", "bell\u{0007}"), "body"),
        (
            json!({"author_name": "A", "body": "ok", "author_email": "not-an-email"}),
            "author_email",
        ),
        (
            json!({"author_name": "A", "body": "ok", "website": "spam.example"}),
            "website",
        ),
        (
            json!({"author_name": "A", "body": "ok", "parent_id": "seven"}),
            "parent_id",
        ),
    ];
    for (body, field) in cases {
        assert_eq!(
            submit(&app, body.clone()).await.error_fields(422),
            [field],
            "{body}"
        );
    }
    let saved = submit(&app, comment("  Amina  ", "  Line one\nLine two  "))
        .await
        .json(201);
    assert_eq!(saved["author_name"], "Amina");
    assert_eq!(saved["body"], "Line one\nLine two");
    let huge = submit(&app, comment("A", &"x".repeat(20_000))).await;
    huge.problem(413);
}

#[actix_web::test]
async fn comments_wait_for_moderation_and_only_approved_ones_count_and_show() {
    let app = TestApp::new();
    with_story(&app);
    let (_, editor) = app.logged_in("editor").await;
    let saved = submit(
        &app,
        json!({"author_name": "Amina", "body": "First!", "author_email": "Amina@Example.com"}),
    )
    .await
    .json(201);
    assert_eq!(saved["status"], "pending");
    assert!(saved.get("author_email").is_none());
    assert_eq!(app.get(URL).await.json(200)["meta"]["total"], 0);
    assert_eq!(
        app.get("/api/v1/articles/story").await.json(200)["comment_count"],
        0
    );

    let id = saved["id"].as_i64().unwrap();
    let approved = app
        .patch_json(
            &format!("/api/v1/comments/{id}"),
            Some(&editor),
            json!({"status": "approved"}),
        )
        .await
        .json(200);
    assert_eq!(
        approved["author_email"], "amina@example.com",
        "moderators see the e-mail"
    );
    let list = app.get(URL).await;
    let text = list.text();
    let list = list.json(200);
    assert_eq!(list["data"][0]["body"], "First!");
    assert!(!text.contains("amina@example.com"), "no e-mail in public lists");
    let article = app.get("/api/v1/articles/story").await;
    assert_eq!(article.json(200)["comment_count"], 1);
    assert!(!article.text().contains("amina@example.com"));
}

#[actix_web::test]
async fn a_setting_can_auto_approve() {
    let app = TestApp::with_config(|c| c.comments_auto_approve = true);
    with_story(&app);
    assert_eq!(
        submit(&app, comment("A", "Hello")).await.json(201)["status"],
        "approved"
    );
    assert_eq!(app.get(URL).await.json(200)["meta"]["total"], 1);
}

#[actix_web::test]
async fn comments_are_plain_text_stored_as_given() {
    let app = TestApp::with_config(|c| c.comments_auto_approve = true);
    with_story(&app);
    let hostile = r#"<script>alert("x")</script> & <b>bold</b>"#;
    submit(&app, comment("<i>Eve</i>", hostile)).await.json(201);
    let list = app.get(URL).await.json(200);
    assert_eq!(list["data"][0]["body"], hostile);
    assert_eq!(list["data"][0]["author_name"], "<i>Eve</i>");
}

#[actix_web::test]
async fn only_public_articles_with_comments_enabled_take_comments() {
    let app = TestApp::new();
    app.article("draft").draft().create();
    app.article("scheduled").published_hours_ago(-2).create();
    app.article("archived").archived().create();
    app.article("closed").comments_enabled(false).create();
    for slug in ["draft", "scheduled", "archived", "nothing-here"] {
        let uri = format!("/api/v1/articles/{slug}/comments");
        app.post_json(&uri, None, comment("A", "Hi")).await.problem(404);
        let expected = if slug == "archived" { 410 } else { 404 };
        app.get(&uri).await.problem(expected);
    }
    let closed = app
        .post_json("/api/v1/articles/closed/comments", None, comment("A", "Hi"))
        .await
        .problem(403);
    assert!(closed["detail"].as_str().unwrap().contains("closed"));
}

#[actix_web::test]
async fn replies_nest_under_approved_comments_of_the_same_article_to_a_maximum_depth() {
    let app = TestApp::with_config(|c| {
        c.comments_auto_approve = true;
        c.comments_per_minute = 0;
    });
    with_story(&app);
    let other = app.article("other").create();
    let foreign = app.comment(other, "approved", "elsewhere");
    let pending = app.comment(
        app.with_conn(|c| {
            dateline::models::article::find_by_slug(c, "story")
                .unwrap()
                .unwrap()
                .id
        }),
        "pending",
        "waiting",
    );

    let mut parent = submit(&app, comment("Root", "Level 0")).await.json(201)["id"]
        .as_i64()
        .unwrap();
    for depth in 1..=3 {
        let body = json!({"author_name": "R", "body": format!("Level {depth}"), "parent_id": parent});
        parent = submit(&app, body).await.json(201)["id"].as_i64().unwrap();
    }
    let too_deep = submit(
        &app,
        json!({"author_name": "R", "body": "Level 4", "parent_id": parent}),
    )
    .await;
    let problem = too_deep.problem(422);
    assert_eq!(problem["errors"][0]["code"], "too_deep");
    for bad_parent in [foreign, pending, 999_999] {
        let response = submit(
            &app,
            json!({"author_name": "R", "body": "Reply", "parent_id": bad_parent}),
        )
        .await;
        assert_eq!(response.error_fields(422), ["parent_id"], "parent {bad_parent}");
    }

    let list = app.get(URL).await.json(200);
    assert_eq!(list["meta"]["total"], 1, "one thread");
    let mut node = &list["data"][0];
    for depth in 0..=3 {
        assert_eq!(node["body"], format!("Level {depth}"));
        if depth < 3 {
            node = &node["replies"][0];
        }
    }
    assert_eq!(node["replies"], json!([]));
    assert_eq!(
        app.get("/api/v1/articles/story").await.json(200)["comment_count"],
        4
    );
}

#[actix_web::test]
async fn a_reply_under_a_comment_that_is_no_longer_approved_is_hidden() {
    let app = TestApp::with_config(|c| c.comments_auto_approve = true);
    with_story(&app);
    let (_, editor) = app.logged_in("editor").await;
    let root = submit(&app, comment("Root", "Root")).await.json(201)["id"]
        .as_i64()
        .unwrap();
    let reply = submit(
        &app,
        json!({"author_name": "R", "body": "Reply", "parent_id": root}),
    )
    .await
    .json(201);
    let reply_id = reply["id"].as_i64().unwrap();
    submit(
        &app,
        json!({"author_name": "S", "body": "Deep", "parent_id": reply_id}),
    )
    .await
    .json(201);
    app.patch_json(
        &format!("/api/v1/comments/{reply_id}"),
        Some(&editor),
        json!({"status": "spam"}),
    )
    .await
    .json(200);
    let list = app.get(URL).await.json(200);
    assert_eq!(list["data"][0]["replies"], json!([]));
}

#[actix_web::test]
async fn threads_are_paged_oldest_first() {
    let app = TestApp::with_config(|c| c.comments_auto_approve = true);
    with_story(&app);
    for n in 1..=3 {
        submit(&app, comment("A", &format!("Comment {n}")))
            .await
            .json(201);
        app.clock.advance(Duration::seconds(1));
    }
    let first = app.get(&format!("{URL}?per_page=2")).await.json(200);
    assert_eq!(first["data"][0]["body"], "Comment 1");
    assert_eq!(first["data"][1]["body"], "Comment 2");
    assert_eq!(
        first["meta"],
        json!({"page": 1, "per_page": 2, "total": 3, "has_more": true})
    );
    let second = app.get(&format!("{URL}?per_page=2&page=2")).await.json(200);
    assert_eq!(second["data"][0]["body"], "Comment 3");
    assert_eq!(
        app.get(&format!("{URL}?per_page=0")).await.error_fields(400),
        ["per_page"]
    );
}

#[actix_web::test]
async fn moderation_is_for_editors_and_admins_only() {
    let app = TestApp::new();
    let article = with_story(&app);
    let id = app.comment(article, "pending", "Hello");
    let (_, author) = app.logged_in("author").await;
    let (_, admin) = app.logged_in("admin").await;
    let patch = json!({"status": "approved"});
    let bulk = json!({"ids": [id], "status": "approved"});
    let item = format!("/api/v1/comments/{id}");
    for token in [None, Some(author.as_str())] {
        let expected = if token.is_some() { 403 } else { 401 };
        assert_eq!(
            app.call(Method::GET, "/api/v1/comments", token).await.status,
            expected
        );
        assert_eq!(
            app.send_json(Method::PATCH, &item, token, patch.clone())
                .await
                .status,
            expected
        );
        assert_eq!(
            app.send_json(Method::POST, "/api/v1/moderation", token, bulk.clone())
                .await
                .status,
            expected
        );
        assert_eq!(app.call(Method::DELETE, &item, token).await.status, expected);
    }
    app.patch_json(&item, Some(&admin), json!({"body": "Edited by a moderator"}))
        .await
        .json(200);
    assert_eq!(app.call(Method::DELETE, &item, Some(&admin)).await.status, 204);
    app.call(Method::DELETE, &item, Some(&admin)).await.problem(404);
}

/// The bodies of a list of comments, in the order served.
fn bodies(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_queue_filters_by_status_and_article_newest_first() {
    let app = TestApp::new();
    let story = with_story(&app);
    let other = app.article("other").create();
    app.comment(story, "pending", "one");
    app.clock.advance(Duration::seconds(1));
    app.comment(other, "pending", "two");
    app.clock.advance(Duration::seconds(1));
    app.comment(story, "spam", "three");
    let (_, editor) = app.logged_in("editor").await;

    assert_eq!(
        bodies(&app.get_as("/api/v1/comments", &editor).await.json(200)),
        ["three", "two", "one"]
    );
    assert_eq!(
        bodies(
            &app.get_as("/api/v1/comments?status=pending", &editor)
                .await
                .json(200)
        ),
        ["two", "one"]
    );
    assert_eq!(
        bodies(
            &app.get_as("/api/v1/comments?article=story", &editor)
                .await
                .json(200)
        ),
        ["three", "one"]
    );
    let both = app
        .get_as("/api/v1/comments?article=story&status=pending", &editor)
        .await
        .json(200);
    assert_eq!(bodies(&both), ["one"]);
    assert_eq!(both["data"][0]["article"]["slug"], "story");
    app.get_as("/api/v1/comments?article=none", &editor)
        .await
        .problem(404);
    assert_eq!(
        app.get_as("/api/v1/comments?status=hidden", &editor)
            .await
            .error_fields(400),
        ["status"]
    );
}

#[actix_web::test]
async fn the_queue_pages_through_every_status_in_one_order() {
    let app = TestApp::new();
    let story = with_story(&app);
    let other = app.article("other").create();
    // Statuses interleaved in time, two comments at the same instant (the later id first).
    let posted = [
        (story, "approved", "c1"),
        (other, "pending", "c2"),
        (story, "spam", "c3"),
        (story, "pending", "c4"),
        (other, "rejected", "c5"),
        (story, "approved", "c6"),
        (other, "approved", "c7"),
    ];
    for (i, (article, status, body)) in posted.into_iter().enumerate() {
        if i != 4 {
            app.clock.advance(Duration::seconds(1));
        }
        app.comment(article, status, body);
    }
    let (_, editor) = app.logged_in("editor").await;
    let page = |query: String| {
        let app = &app;
        let editor = &editor;
        async move {
            let list = app
                .get_as(&format!("/api/v1/comments?{query}"), editor)
                .await
                .json(200);
            (bodies(&list), list["meta"]["total"].clone())
        }
    };
    let mut walked = Vec::new();
    for n in 1..=4 {
        let (bodies, total) = page(format!("per_page=2&page={n}")).await;
        assert_eq!(total, 7, "page {n}");
        walked.extend(bodies);
    }
    assert_eq!(walked, ["c7", "c6", "c5", "c4", "c3", "c2", "c1"]);
    let (bodies, total) = page("article=story&per_page=2&page=2".to_owned()).await;
    assert_eq!(
        (bodies, total),
        (vec!["c3".to_owned(), "c1".to_owned()], json!(4))
    );
    let (bodies, total) = page("status=approved&per_page=2".to_owned()).await;
    assert_eq!(
        (bodies, total),
        (vec!["c7".to_owned(), "c6".to_owned()], json!(3))
    );
}

#[actix_web::test]
async fn deep_queue_pages_continue_the_same_order() {
    let app = TestApp::new();
    let story = with_story(&app);
    let statuses = ["pending", "approved", "spam", "rejected", "approved"];
    // More than the merged pages reach (1,000 from the top), so the last page is ordered by
    // the database and must continue where the merged ones stop.
    let posted: Vec<String> = (0..1_010).map(|i| format!("c{i}")).collect();
    for (i, body) in posted.iter().enumerate() {
        app.clock.advance(Duration::seconds(1));
        app.comment(story, statuses[i % statuses.len()], body);
    }
    let (_, editor) = app.logged_in("editor").await;
    let newest_first: Vec<String> = posted.iter().rev().cloned().collect();
    for (page, expected) in [(10, &newest_first[900..1_000]), (11, &newest_first[1_000..])] {
        let list = app
            .get_as(&format!("/api/v1/comments?per_page=100&page={page}"), &editor)
            .await
            .json(200);
        assert_eq!(bodies(&list), *expected, "page {page}");
        assert_eq!(list["meta"]["total"], 1_010);
    }
}

#[actix_web::test]
async fn bulk_moderation_is_all_or_nothing() {
    let app = TestApp::new();
    let story = with_story(&app);
    let a = app.comment(story, "pending", "a");
    let b = app.comment(story, "pending", "b");
    let (_, editor) = app.logged_in("editor").await;

    let bad = app
        .post_json(
            "/api/v1/moderation",
            Some(&editor),
            json!({"ids": [a, b, 999_999], "status": "approved"}),
        )
        .await;
    assert_eq!(bad.error_fields(422), ["ids[2]"]);
    let pending = app
        .get_as("/api/v1/comments?status=pending", &editor)
        .await
        .json(200);
    assert_eq!(pending["meta"]["total"], 2, "nothing changed");

    let ok = app
        .post_json(
            "/api/v1/moderation",
            Some(&editor),
            json!({"ids": [a, b], "status": "approved"}),
        )
        .await
        .json(200);
    assert_eq!(ok["updated"], 2);
    assert_eq!(
        app.get("/api/v1/articles/story").await.json(200)["comment_count"],
        2
    );
    let empty = app
        .post_json(
            "/api/v1/moderation",
            Some(&editor),
            json!({"ids": [], "status": "spam"}),
        )
        .await;
    assert_eq!(empty.error_fields(422), ["ids"]);
}

#[actix_web::test]
async fn the_same_comment_twice_within_the_window_is_refused() {
    let app = TestApp::new();
    with_story(&app);
    submit(&app, comment("Amina", "Same words")).await.json(201);
    submit(&app, comment("Amina", "  Same words ")).await.problem(409);
    submit(&app, comment("Other", "Same words")).await.json(201);
    app.clock.advance(Duration::minutes(11));
    submit(&app, comment("Amina", "Same words")).await.json(201);
}

fn from(ip: &str, forwarded: Option<&str>, body: Value) -> TestRequest {
    let mut request = TestRequest::post()
        .uri(URL)
        .peer_addr(format!("{ip}:4000").parse().unwrap())
        .set_json(body);
    if let Some(forwarded) = forwarded {
        request = request.insert_header(("X-Forwarded-For", forwarded));
    }
    request
}

#[actix_web::test]
async fn submissions_are_rate_limited_per_client_address() {
    let app = TestApp::with_config(|c| c.comments_per_minute = 3);
    with_story(&app);
    for n in 0..3 {
        app.send(from("203.0.113.5", None, comment("A", &format!("n{n}"))))
            .await
            .json(201);
    }
    let limited = app
        .send(from("203.0.113.5", Some("198.51.100.1"), comment("A", "more")))
        .await;
    limited.problem(429);
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    app.send(from("203.0.113.6", None, comment("A", "other address")))
        .await
        .json(201);
    app.clock.advance(Duration::seconds(61));
    app.send(from("203.0.113.5", None, comment("A", "a minute later")))
        .await
        .json(201);
}

#[actix_web::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = TestApp::with_config(|c| {
        c.comments_per_minute = 1;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    });
    with_story(&app);
    app.send(from("10.0.0.2", Some("198.51.100.1"), comment("A", "one")))
        .await
        .json(201);
    app.send(from("10.0.0.2", Some("198.51.100.2"), comment("A", "two")))
        .await
        .json(201);
    app.send(from("10.0.0.3", Some("198.51.100.1"), comment("A", "three")))
        .await
        .problem(429);

    let stored: Vec<Option<String>> = app.with_conn(|conn| {
        use dateline::db::schema::comments::dsl::*;
        comments.select(client_hash).load(conn).unwrap()
    });
    for hash in stored {
        let hash = hash.expect("a hash is stored");
        assert_eq!(hash.len(), 32);
        assert!(!hash.contains("198.51"), "no address in clear");
    }
}

#[actix_web::test]
async fn two_hundred_concurrent_submissions_are_all_stored() {
    let app = TestApp::with_config(|c| {
        c.comments_per_minute = 0;
        c.db_pool_size = 8;
        // All 200 wait in line at once: on a busy 2-core machine the last can wait longer than
        // the default 3 s, and a 503 (refused, not lost) is not what this test is about.
        c.db_pool_timeout = std::time::Duration::from_secs(30);
    });
    with_story(&app);
    // One app serves all 200, as one server worker does: building an app per request (what
    // `TestApp::send` does) on this one test thread starved the requests already waiting in the
    // pool's line past their timeout on a loaded machine, and they were answered 503.
    let service = actix_web::test::init_service(dateline::server::app(app.state.clone())).await;
    let submissions = (0..200).map(|n| {
        let request = TestRequest::post()
            .uri(URL)
            .set_json(comment(&format!("Reader {n}"), &format!("Comment number {n}")));
        actix_web::test::call_service(&service, request.to_request())
    });
    let statuses: Vec<u16> = futures_util::future::join_all(submissions)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let created = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(created, 200, "statuses: {statuses:?}");

    let (_, editor) = app.logged_in("editor").await;
    let queue = app
        .get_as("/api/v1/comments?status=pending&per_page=100", &editor)
        .await
        .json(200);
    assert_eq!(queue["meta"]["total"], 200);
    let ids: Vec<i64> = app.with_conn(|conn| {
        use dateline::db::schema::comments::dsl::*;
        comments.select(id).load(conn).unwrap()
    });
    assert_eq!(ids.len(), 200);
    app.post_json(
        "/api/v1/moderation",
        Some(&editor),
        json!({"ids": ids, "status": "approved"}),
    )
    .await
    .json(200);
    assert_eq!(
        app.get("/api/v1/articles/story").await.json(200)["comment_count"],
        200
    );
    assert_eq!(app.get(URL).await.json(200)["meta"]["total"], 200);
}

#[actix_web::test]
async fn a_page_of_comments_costs_the_same_queries_for_few_or_many() {
    let app = TestApp::new();
    let story = with_story(&app);
    app.comment(story, "approved", "one");
    let before = app.queries.get();
    app.get(URL).await.json(200);
    let for_one = app.queries.get() - before;
    for n in 0..20 {
        app.comment(story, "approved", &format!("more {n}"));
    }
    let before = app.queries.get();
    let list = app.get(&format!("{URL}?per_page=50")).await.json(200);
    assert_eq!(list["data"].as_array().unwrap().len(), 21);
    assert_eq!(app.queries.get() - before, for_one);
}
