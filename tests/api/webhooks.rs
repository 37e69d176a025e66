//! Webhooks: endpoint management, the outbox (events exactly for committed public changes),
//! Standard Webhooks signatures checked by the official library, retries with backoff on an
//! injected clock, order per resource, SSRF refusals, bounded reads, rotation, and two workers
//! over one database.

use std::time::Duration as StdDuration;

use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::webhooks::{Answer, Sink, Verifier, python};
use dateline::webhooks::worker::{Deliverer, Round};

fn hooks_app() -> TestApp {
    TestApp::with_config(|c| {
        c.webhooks.allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
        c.webhooks.timeout = StdDuration::from_secs(2);
        long_sessions(c);
    })
}

/// Tokens that outlive the hours and days these tests move the clock by.
fn long_sessions(c: &mut dateline::config::Config) {
    c.access_token_ttl = StdDuration::from_secs(90 * 86_400);
    c.refresh_token_ttl = StdDuration::from_secs(90 * 86_400);
}

/// An endpoint for `events` at `url`: its id and secret.
async fn endpoint(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> (i64, String) {
    let created = app
        .post_json(
            "/api/v1/webhooks",
            Some(admin),
            json!({"url": url, "events": events}),
        )
        .await
        .json(201);
    (
        created["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn deliver(app: &TestApp) -> Round {
    Deliverer::new(app.state.clone())
        .run_once()
        .await
        .expect("a round")
}

/// Every delivery of endpoint `id`, newest first, as the log shows it.
async fn log(app: &TestApp, admin: &str, id: i64) -> Vec<Value> {
    let page = app
        .get_as(&format!("/api/v1/webhooks/{id}/deliveries?per_page=100"), admin)
        .await
        .json(200);
    page["data"].as_array().unwrap().clone()
}

async fn publish(app: &TestApp, editor: &str, slug: &str) -> Value {
    let at = app.now().and_utc();
    app.post_json(
        "/api/v1/articles",
        Some(editor),
        json!({"headline": format!("Story {slug}"), "slug": slug, "section": "world-news",
               "body": "<p>Text</p>", "status": "published", "published_at": at}),
    )
    .await
    .json(201)
}

fn all_events() -> Vec<&'static str> {
    dateline::values::WebhookEvent::ALL
        .iter()
        .map(|e| e.as_str())
        .filter(|e| *e != "webhook.ping")
        .collect()
}

#[actix_web::test]
async fn admins_manage_endpoints_and_see_the_secret_only_once() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    let body = json!({"url": "https://hooks.example.com/in", "events": ["article.updated", "article.published", "article.published"],
                      "description": "Rebuild the front page"});
    app.post_json("/api/v1/webhooks", Some(&editor), body.clone())
        .await
        .problem(403);
    app.post_json("/api/v1/webhooks", None, body.clone())
        .await
        .problem(401);
    let created = app
        .post_json("/api/v1/webhooks", Some(&admin), body)
        .await
        .json(201);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() > 30, "{secret}");
    // Deduplicated, in catalogue order.
    assert_eq!(created["events"], json!(["article.published", "article.updated"]));
    assert_eq!(created["active"], true);
    let id = created["id"].as_i64().unwrap();

    let read = app
        .get_as(&format!("/api/v1/webhooks/{id}"), &admin)
        .await
        .json(200);
    assert!(read.get("secret").is_none(), "the secret is shown once: {read}");
    let stored: String = app.with_conn(|conn| {
        use diesel::prelude::*;
        dateline::db::schema::webhook_endpoints::table
            .select(dateline::db::schema::webhook_endpoints::secret)
            .first(conn)
            .unwrap()
    });
    assert!(
        !stored.contains(&secret[6..]),
        "the database holds the secret sealed, not as is"
    );

    let patched = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin),
            json!({"active": false, "description": null, "events": ["comment.approved"]}),
        )
        .await
        .json(200);
    assert_eq!(patched["active"], false);
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["events"], json!(["comment.approved"]));
    let list = app.get_as("/api/v1/webhooks", &admin).await.json(200);
    assert_eq!(list["meta"]["total"], 1);

    for (bad, field) in [
        (
            json!({"url": "https://hooks.example.com/in", "events": ["article.exploded"]}),
            "events",
        ),
        (
            json!({"url": "https://hooks.example.com/in", "events": []}),
            "events",
        ),
        (json!({"url": "https://hooks.example.com/in"}), "events"),
        (json!({"events": ["article.published"]}), "url"),
        (json!({"url": 42, "events": ["article.published"]}), "url"),
    ] {
        let fields = app
            .post_json("/api/v1/webhooks", Some(&admin), bad.clone())
            .await
            .error_fields(422);
        assert!(fields.iter().any(|f| f.starts_with(field)), "{bad}: {fields:?}");
    }
    app.get_as("/api/v1/webhooks/999", &admin).await.problem(404);
    app.patch_json("/api/v1/webhooks/999", Some(&admin), json!({"active": true}))
        .await
        .problem(404);
    app.call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&editor))
        .await
        .problem(403);
    let gone = app
        .call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&admin))
        .await;
    assert_eq!(gone.status.as_u16(), 204);
    app.get_as(&format!("/api/v1/webhooks/{id}"), &admin)
        .await
        .problem(404);
    // Audited.
    let audit = app
        .get_as("/api/v1/audit?resource=webhook", &admin)
        .await
        .json(200);
    assert_eq!(audit["meta"]["total"], 3, "{audit}");
}

#[actix_web::test]
async fn private_and_metadata_targets_are_refused_at_creation_and_at_delivery() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/hooks",
        "http://[::1]/hooks",
        "http://10.0.0.7/hooks",
        "http://localhost:3000/hooks",
        "https://user:pass@hooks.example.com/",
        "ftp://hooks.example.com/",
        "not a url",
    ] {
        let refused = app
            .post_json(
                "/api/v1/webhooks",
                Some(&admin),
                json!({"url": url, "events": ["article.published"]}),
            )
            .await;
        assert_eq!(refused.error_fields(422), vec!["url".to_owned()], "{url}");
    }
    // A row that names loopback although the configuration allows none (a name that resolved
    // elsewhere when it was saved): the delivery is refused when it connects.
    let sink = Sink::start(Answer::Status(204));
    let key = dateline::webhooks::secrets::SealingKey::derive(app.state.config.jwt_secret.bytes());
    let now = app.now();
    let id = app.with_conn(|conn| {
        let fields = dateline::models::webhook::EndpointFields {
            url: &sink.url(),
            description: None,
            events: "[\"site.changed\"]".into(),
            active: true,
        };
        dateline::models::webhook::insert_endpoint(conn, &fields, &key.seal("whsec_dGVzdA=="), now)
            .unwrap()
            .id
    });
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Renamed"}))
        .await
        .json(200);
    let round = deliver(&app).await;
    assert_eq!((round.attempted, round.delivered), (1, 0));
    assert!(sink.received().is_empty(), "nothing reached the private address");
    let attempt = &log(&app, &admin, id).await[0]["attempts"][0];
    assert_eq!(attempt["status"], Value::Null);
    assert!(
        attempt["error"].as_str().unwrap().contains("non-public address"),
        "{attempt}"
    );
}

#[actix_web::test]
async fn production_targets_must_be_https() {
    let app = TestApp::with_config(|c| c.environment = dateline::config::Environment::Production);
    let (_, admin) = app.logged_in("admin").await;
    let refused = app
        .post_json(
            "/api/v1/webhooks",
            Some(&admin),
            json!({"url": "http://hooks.example.com/in", "events": ["article.published"]}),
        )
        .await;
    assert_eq!(refused.error_fields(422), vec!["url".to_owned()]);
    app.post_json(
        "/api/v1/webhooks",
        Some(&admin),
        json!({"url": "https://hooks.example.com/in", "events": ["article.published"]}),
    )
    .await
    .json(201);
}

#[actix_web::test]
async fn every_event_type_arrives_once_verified_by_the_standard_webhooks_library() {
    let Some(python) = python() else { return };
    let app = hooks_app();
    // Receivers refuse timestamps more than five minutes from their own clock.
    app.clock.set(Utc::now());
    let (_, admin) = app.logged_in("admin").await;
    let (editor_id, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let (id, secret) = endpoint(&app, &admin, "http://127.0.0.1:9/placeholder", &all_events()).await;
    let receiver = Verifier::start(&python, &[&secret]);
    app.patch_json(
        &format!("/api/v1/webhooks/{id}"),
        Some(&admin),
        json!({"url": receiver.url()}),
    )
    .await
    .json(200);

    let story = publish(&app, &editor, "story").await;
    app.patch_json(
        "/api/v1/articles/story",
        Some(&editor),
        json!({"headline": "Story, updated"}),
    )
    .await
    .json(200);
    // A save that changes nothing the public sees reports nothing.
    app.patch_json(
        "/api/v1/articles/story",
        Some(&editor),
        json!({"headline": "Story, updated"}),
    )
    .await
    .json(200);
    app.post_json(
        "/api/v1/articles/story/corrections",
        Some(&editor),
        json!({"text": "A date was wrong."}),
    )
    .await
    .json(201);
    let comment = app.comment(story["id"].as_i64().unwrap(), "pending", "First!");
    app.patch_json(
        &format!("/api/v1/comments/{comment}"),
        Some(&editor),
        json!({"status": "approved"}),
    )
    .await
    .json(200);
    app.post_json("/api/v1/tags", Some(&editor), json!({"name": "Diplomacy"}))
        .await
        .json(201);
    app.post_json("/api/v1/sources", Some(&editor), json!({"name": "Reuters"}))
        .await
        .json(201);
    app.patch_json(
        "/api/v1/sections/world-news",
        Some(&editor),
        json!({"name": "World"}),
    )
    .await
    .json(200);
    app.put_json(
        &format!("/api/v1/users/{editor_id}/profile"),
        Some(&editor),
        json!({"slug": "jane-doe", "bio": "Covers the region.", "public": true}),
    )
    .await
    .json(200);
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "The Daily"}))
        .await
        .json(200);
    let (content_type, body) = crate::support::fixtures::image_upload("Officials meet");
    let uploaded = app
        .send(
            actix_web::test::TestRequest::post()
                .uri("/api/v1/media")
                .insert_header(("Content-Type", content_type))
                .insert_header(("Authorization", format!("Bearer {editor}")))
                .set_payload(body),
        )
        .await;
    assert_eq!(uploaded.status.as_u16(), 201, "{}", uploaded.text());
    app.patch_json(
        "/api/v1/articles/story",
        Some(&editor),
        json!({"status": "archived"}),
    )
    .await
    .json(200);

    let round = deliver(&app).await;
    assert_eq!(round.attempted, round.delivered);
    // One per resource per round: run until everything is out.
    while deliver(&app).await.attempted > 0 {}
    let types = receiver.verified_types();
    let expected = [
        "article.published",
        "article.updated",
        "article.updated",
        "comment.approved",
        "tag.changed",
        "source.changed",
        "section.changed",
        "author.changed",
        "site.changed",
        "media.changed",
        "article.unpublished",
    ];
    let mut sorted_types = types.clone();
    sorted_types.sort();
    let mut sorted_expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    sorted_expected.sort();
    assert_eq!(sorted_types, sorted_expected, "{types:?}");
    // The article's own events keep their order.
    let article_events: Vec<&String> = types.iter().filter(|t| t.starts_with("article.")).collect();
    assert_eq!(
        article_events,
        [
            "article.published",
            "article.updated",
            "article.updated",
            "article.unpublished"
        ]
    );

    let received = receiver.received();
    let payload = |kind: &str| -> Value {
        received
            .iter()
            .find(|l| l["payload"]["type"] == kind)
            .map(|l| l["payload"].clone())
            .unwrap()
    };
    let published = payload("article.published");
    assert_eq!(published["data"]["slug"], "story");
    assert_eq!(published["data"]["headline"], "Story story");
    assert!(published["id"].as_str().unwrap().starts_with("msg_"));
    assert!(
        published["surrogate_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "article-1" || k.as_str().unwrap().starts_with("article-"))
    );
    let updated: Vec<&Value> = received
        .iter()
        .filter(|l| l["payload"]["type"] == "article.updated")
        .collect();
    assert_eq!(updated[0]["payload"]["data"]["headline"], "Story, updated");
    assert_eq!(
        updated[1]["payload"]["data"]["corrections"][0]["text"],
        "A date was wrong."
    );
    assert_eq!(payload("comment.approved")["data"]["body"], "First!");
    assert_eq!(payload("comment.approved")["data"]["article_slug"], "story");
    assert_eq!(payload("tag.changed")["data"]["action"], "created");
    assert_eq!(payload("tag.changed")["data"]["object"]["name"], "Diplomacy");
    assert_eq!(payload("section.changed")["data"]["object"]["name"], "World");
    assert_eq!(payload("author.changed")["data"]["object"]["slug"], "jane-doe");
    assert_eq!(payload("site.changed")["data"]["object"]["name"], "The Daily");
    assert_eq!(
        payload("media.changed")["data"]["object"]["alt"],
        "Officials meet"
    );
    let unpublished = payload("article.unpublished");
    assert_eq!(
        unpublished["data"],
        json!({"id": story["id"], "slug": "story", "status": "archived", "trashed": false})
    );
    // Each message id once: nothing was sent twice.
    let mut ids: Vec<&str> = received
        .iter()
        .map(|l| l["webhook_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), received.len());
}

#[actix_web::test]
async fn refused_rolled_back_and_draft_writes_emit_nothing() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    let (_, author) = app.logged_in("author").await;
    app.section("world-news", "World News", None);
    let sink = Sink::start(Answer::Status(204));
    endpoint(&app, &admin, &sink.url(), &all_events()).await;
    publish(&app, &editor, "story").await;
    deliver(&app).await;
    let before = sink.received().len();
    assert_eq!(before, 1);

    // 422: invalid fields; 412: a stale version; 403: an author on a published article; 409: a
    // tag still in use. Each is refused before or during its transaction, which rolls back.
    app.patch_json("/api/v1/articles/story", Some(&editor), json!({"headline": ""}))
        .await
        .problem(422);
    let stale = app
        .send(
            actix_web::test::TestRequest::patch()
                .uri("/api/v1/articles/story")
                .insert_header(("Authorization", format!("Bearer {editor}")))
                .insert_header(("If-Match", "\"v999\""))
                .set_json(json!({"headline": "Lost"})),
        )
        .await;
    assert_eq!(stale.status.as_u16(), 412);
    app.patch_json(
        "/api/v1/articles/story",
        Some(&author),
        json!({"headline": "Mine"}),
    )
    .await
    .problem(403);
    // A draft's edits are no public change.
    app.post_json(
        "/api/v1/articles",
        Some(&author),
        json!({"headline": "Draft", "slug": "draft", "section": "world-news", "body": "<p>x</p>"}),
    )
    .await
    .json(201);
    app.patch_json(
        "/api/v1/articles/draft",
        Some(&author),
        json!({"headline": "Draft 2"}),
    )
    .await
    .json(200);
    // A pending comment changes nothing public.
    app.post_json(
        "/api/v1/articles/story/comments",
        None,
        json!({"author_name": "Reader", "body": "Nice"}),
    )
    .await
    .json(201);
    let round = deliver(&app).await;
    assert_eq!(
        round.attempted,
        0,
        "{:?}",
        sink.received().last().map(|r| r.json())
    );
    assert_eq!(sink.received().len(), before);
    let events: i64 = app.with_conn(|conn| {
        use diesel::prelude::*;
        dateline::db::schema::webhook_events::table
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(events, 1, "only the publication was recorded");
}

#[actix_web::test]
async fn saves_that_change_nothing_public_send_nothing() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let sink = Sink::start(Answer::Status(204));
    endpoint(&app, &admin, &sink.url(), &all_events()).await;
    let events = || {
        app.with_conn(|conn| {
            use diesel::prelude::*;
            dateline::db::schema::webhook_events::table
                .select(dateline::db::schema::webhook_events::event_type)
                .order(dateline::db::schema::webhook_events::id)
                .load::<String>(conn)
                .unwrap()
        })
    };
    app.post_json(
        "/api/v1/tags",
        Some(&admin),
        json!({"name": "Diplomacy", "description": "Talks."}),
    )
    .await
    .json(201);
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "The Daily"}))
        .await
        .json(200);
    assert_eq!(events(), ["tag.changed", "site.changed"]);

    // The same values again: saved (200), but the public sees nothing new.
    app.patch_json(
        "/api/v1/tags/diplomacy",
        Some(&admin),
        json!({"description": "Talks."}),
    )
    .await
    .json(200);
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "The Daily"}))
        .await
        .json(200);
    assert_eq!(events(), ["tag.changed", "site.changed"]);

    // A real change is announced, with the new values.
    app.patch_json(
        "/api/v1/tags/diplomacy",
        Some(&admin),
        json!({"description": "Negotiations."}),
    )
    .await
    .json(200);
    assert_eq!(events(), ["tag.changed", "site.changed", "tag.changed"]);
    // Two rounds: deliveries of one resource go one after the other.
    deliver(&app).await;
    deliver(&app).await;
    let received = sink.received();
    assert_eq!(received.len(), 3);
    let last = received.last().unwrap().json();
    assert_eq!(last["data"]["action"], "updated");
    assert_eq!(last["data"]["object"]["description"], "Negotiations.");
}

#[actix_web::test]
async fn a_scheduled_article_is_announced_once_when_its_time_comes() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let sink = Sink::start(Answer::Status(204));
    let (id, _) = endpoint(
        &app,
        &admin,
        &sink.url(),
        &["article.published", "article.updated"],
    )
    .await;
    let at = (app.now() + Duration::hours(2)).and_utc();
    app.post_json(
        "/api/v1/articles",
        Some(&editor),
        json!({"headline": "Later", "slug": "later", "section": "world-news", "body": "<p>x</p>",
               "status": "published", "published_at": at}),
    )
    .await
    .json(201);
    // Edits before its time are no public change either.
    app.patch_json(
        "/api/v1/articles/later",
        Some(&editor),
        json!({"headline": "Later, edited"}),
    )
    .await
    .json(200);
    assert_eq!(deliver(&app).await, Round::default());
    app.clock.advance(Duration::hours(2) + Duration::seconds(1));
    // Two workers (as two instances would) find it due at once: one announces it.
    let (first, second) = futures_util::join!(deliver(&app), deliver(&app));
    assert_eq!(first.announced + second.announced, 1);
    while deliver(&app).await.attempted > 0 {}
    assert_eq!(deliver(&app).await, Round::default());
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["type"], "article.published");
    assert_eq!(received[0].json()["data"]["headline"], "Later, edited");
    assert_eq!(log(&app, &admin, id).await[0]["state"], "delivered");
}

#[actix_web::test]
async fn failures_back_off_with_jitter_and_fail_after_the_retry_period() {
    let app = TestApp::with_config(|c| {
        c.webhooks.allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
        c.webhooks.retry_period = StdDuration::from_secs(3600);
        long_sessions(c);
    });
    let (_, admin) = app.logged_in("admin").await;
    let sink = Sink::start(Answer::Status(503));
    let (id, _) = endpoint(&app, &admin, &sink.url(), &["site.changed"]).await;
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Renamed"}))
        .await
        .json(200);

    let mut waits = Vec::new();
    for attempt in 1..=3 {
        let round = deliver(&app).await;
        assert_eq!((round.attempted, round.delivered), (1, 0), "attempt {attempt}");
        let delivery = log(&app, &admin, id).await[0].clone();
        assert_eq!(delivery["state"], "pending");
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), attempt);
        let last = &delivery["attempts"][attempt - 1];
        assert_eq!(last["status"], 503);
        assert_eq!(last["response_excerpt"], "answered 503");
        let next: chrono::DateTime<Utc> =
            serde_json::from_value(delivery["next_attempt_at"].clone()).unwrap();
        let wait = (next - app.now().and_utc()).num_milliseconds();
        // 5 s doubling per attempt, between half and all of it.
        let full = 5_000 * (1 << (attempt - 1));
        assert!((full / 2..=full).contains(&wait), "attempt {attempt}: {wait} ms");
        waits.push(wait);
        // Not due before its time.
        assert_eq!(deliver(&app).await.attempted, 0);
        app.clock.advance(Duration::milliseconds(wait));
    }
    assert_eq!(sink.received().len(), 3);
    // Past the retry period, the next failure is the last.
    app.clock.advance(Duration::hours(1));
    deliver(&app).await;
    let delivery = log(&app, &admin, id).await[0].clone();
    assert_eq!(delivery["state"], "failed");
    assert_eq!(delivery["next_attempt_at"], Value::Null);
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        deliver(&app).await.attempted,
        0,
        "a failed delivery is not tried again"
    );

    // Redelivery by hand: a new delivery, the same message id, due at once.
    let redelivered = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/deliveries/{}/redeliver", delivery["id"]),
            Some(&admin),
        )
        .await
        .json(202);
    assert_eq!(redelivered["message_id"], delivery["message_id"]);
    sink.answer(Answer::Status(200));
    assert_eq!(deliver(&app).await.delivered, 1);
    let last = sink.received().pop().unwrap();
    assert_eq!(last.header("webhook-id"), delivery["message_id"].as_str());
    app.call(
        Method::POST,
        &format!("/api/v1/webhooks/{id}/deliveries/999/redeliver"),
        Some(&admin),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn deliveries_of_one_resource_keep_their_order_and_others_go_on() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let sink = Sink::start(Answer::Status(500));
    endpoint(
        &app,
        &admin,
        &sink.url(),
        &["article.published", "article.updated", "tag.changed"],
    )
    .await;
    publish(&app, &editor, "story").await;
    app.patch_json(
        "/api/v1/articles/story",
        Some(&editor),
        json!({"headline": "Second"}),
    )
    .await
    .json(200);
    app.post_json("/api/v1/tags", Some(&editor), json!({"name": "Diplomacy"}))
        .await
        .json(201);
    // The update waits for the publication; the tag, another resource, does not.
    let round = deliver(&app).await;
    assert_eq!(round.attempted, 2);
    let types: Vec<String> = sink
        .received()
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        types.contains(&"article.published".to_owned()) && types.contains(&"tag.changed".to_owned()),
        "{types:?}"
    );
    sink.answer(Answer::Status(204));
    app.clock.advance(Duration::seconds(10));
    deliver(&app).await;
    deliver(&app).await;
    let types: Vec<String> = sink
        .received()
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    let article_types: Vec<&String> = types.iter().filter(|t| t.starts_with("article.")).collect();
    assert_eq!(
        article_types,
        ["article.published", "article.published", "article.updated"]
    );
}

#[actix_web::test]
async fn slow_huge_and_redirecting_receivers_hold_up_nothing() {
    let app = TestApp::with_config(|c| {
        c.webhooks.allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
        c.webhooks.timeout = StdDuration::from_millis(500);
    });
    let (_, admin) = app.logged_in("admin").await;
    let slow = Sink::start(Answer::Slow(StdDuration::from_secs(5)));
    let huge = Sink::start(Answer::Huge(20 * 1024 * 1024));
    let target = Sink::start(Answer::Status(204));
    let redirect = Sink::start(Answer::Redirect(target.url()));
    let good = Sink::start(Answer::Status(204));
    let mut ids = Vec::new();
    for sink in [&slow, &huge, &redirect, &good] {
        ids.push(endpoint(&app, &admin, &sink.url(), &["site.changed"]).await.0);
    }
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Renamed"}))
        .await
        .json(200);
    let started = std::time::Instant::now();
    let round = deliver(&app).await;
    assert!(
        started.elapsed() < StdDuration::from_secs(4),
        "the slow receiver was cut off"
    );
    assert_eq!((round.attempted, round.delivered), (4, 2));
    assert_eq!(good.received().len(), 1);
    assert!(target.received().is_empty(), "redirects are not followed");

    let slow_attempt = &log(&app, &admin, ids[0]).await[0]["attempts"][0];
    assert!(
        slow_attempt["error"]
            .as_str()
            .unwrap()
            .contains("no answer within"),
        "{slow_attempt}"
    );
    let huge_delivery = &log(&app, &admin, ids[1]).await[0];
    assert_eq!(huge_delivery["state"], "delivered");
    let excerpt = huge_delivery["attempts"][0]["response_excerpt"].as_str().unwrap();
    assert_eq!(
        excerpt.len(),
        1024,
        "the answer is read only as far as the excerpt"
    );
    let redirected = &log(&app, &admin, ids[2]).await[0];
    assert_eq!(redirected["state"], "pending");
    assert_eq!(redirected["attempts"][0]["status"], 302);
}

#[actix_web::test]
async fn a_rotated_secret_keeps_the_old_one_signing_until_the_overlap_ends() {
    let Some(python) = python() else { return };
    let app = hooks_app();
    app.clock.set(Utc::now());
    let (_, admin) = app.logged_in("admin").await;
    let (id, old_secret) = endpoint(
        &app,
        &admin,
        "http://127.0.0.1:9/placeholder",
        &["site.changed", "webhook.ping"],
    )
    .await;
    let rotated = app
        .post_json(
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(&admin),
            json!({"overlap_hours": 1}),
        )
        .await
        .json(200);
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    // A receiver that still knows only the old secret, one that knows only the new.
    let old_only = Verifier::start(&python, &[&old_secret]);
    let new_only = Verifier::start(&python, &[&new_secret]);
    for receiver in [&old_only, &new_only] {
        app.patch_json(
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin),
            json!({"url": receiver.url()}),
        )
        .await
        .json(200);
        app.call(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), Some(&admin))
            .await
            .json(202);
        assert_eq!(deliver(&app).await.delivered, 1);
    }
    assert_eq!(old_only.verified_types(), ["webhook.ping"]);
    assert_eq!(new_only.verified_types(), ["webhook.ping"]);

    // After the overlap only the new secret signs: the old one no longer verifies.
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    let now = Utc::now();
    app.clock.set(now);
    app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::update(dateline::db::schema::webhook_endpoints::table)
            .set(
                dateline::db::schema::webhook_endpoints::previous_expires_at
                    .eq(Some(now.naive_utc() - Duration::seconds(1))),
            )
            .execute(conn)
            .unwrap();
    });
    app.patch_json(
        &format!("/api/v1/webhooks/{id}"),
        Some(&admin),
        json!({"url": old_only.url()}),
    )
    .await
    .json(200);
    app.call(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), Some(&admin))
        .await
        .json(202);
    assert_eq!(deliver(&app).await.delivered, 0);
    let last = old_only.received().pop().unwrap();
    assert_eq!(last["verified"], false, "{last}");
    let read = app
        .get_as(&format!("/api/v1/webhooks/{id}"), &admin)
        .await
        .json(200);
    assert_eq!(read["previous_secret_expires_at"], Value::Null);
}

#[actix_web::test]
async fn two_workers_over_one_database_deliver_each_event_once() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    let sink = Sink::start(Answer::Slow(StdDuration::from_millis(50)));
    endpoint(&app, &admin, &sink.url(), &["tag.changed"]).await;
    for n in 0..12 {
        app.post_json("/api/v1/tags", Some(&editor), json!({"name": format!("Tag {n}")}))
            .await
            .json(201);
    }
    // A second process: its own pool over the same database.
    let other = {
        let manager = dateline::db::ConnectionManager::new(app.db.url.clone());
        let pool = dateline::db::build_pool_with(manager, 4, StdDuration::from_secs(5)).unwrap();
        let config = (*app.state.config).clone();
        dateline::api::AppState::new(pool, config, std::sync::Arc::new(app.clock.clone())).unwrap()
    };
    let here = Deliverer::new(app.state.clone());
    let there = Deliverer::new(other);
    let mut total = 0;
    loop {
        let (a, b) = futures_util::join!(here.run_once(), there.run_once());
        let sent = a.unwrap().attempted + b.unwrap().attempted;
        if sent == 0 {
            break;
        }
        total += sent;
    }
    assert_eq!(total, 12);
    let mut ids: Vec<String> = sink
        .received()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 12);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no event was sent twice");
}

#[actix_web::test]
async fn purged_articles_are_reported_deleted_and_pings_reach_only_their_endpoint() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let (_, editor) = app.logged_in("editor").await;
    app.section("world-news", "World News", None);
    let sink = Sink::start(Answer::Status(204));
    let other = Sink::start(Answer::Status(204));
    let (id, _) = endpoint(
        &app,
        &admin,
        &sink.url(),
        &["article.unpublished", "article.deleted"],
    )
    .await;
    let (other_id, _) = endpoint(&app, &admin, &other.url(), &["article.deleted"]).await;
    let story = publish(&app, &editor, "story").await;
    let trashed = app
        .call(Method::DELETE, "/api/v1/articles/story", Some(&editor))
        .await;
    assert_eq!(trashed.status.as_u16(), 204);
    app.clock.advance(Duration::days(31));
    app.call(Method::POST, "/api/v1/trash/purge", Some(&admin))
        .await
        .json(200);
    while deliver(&app).await.attempted > 0 {}
    let types: Vec<Value> = sink.received().iter().map(|r| r.json()).collect();
    assert_eq!(types[0]["type"], "article.unpublished");
    assert_eq!(types[0]["data"]["trashed"], true);
    assert_eq!(types[1]["type"], "article.deleted");
    assert_eq!(types[1]["data"], json!({"id": story["id"], "slug": "story"}));
    assert_eq!(other.received().len(), 1);

    app.call(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), Some(&admin))
        .await
        .json(202);
    deliver(&app).await;
    assert_eq!(sink.received().last().unwrap().json()["type"], "webhook.ping");
    assert_eq!(other.received().len(), 1, "the ping went to its endpoint alone");
    // An inactive endpoint is not pinged; an unknown one is 404.
    app.patch_json(
        &format!("/api/v1/webhooks/{other_id}"),
        Some(&admin),
        json!({"active": false}),
    )
    .await
    .json(200);
    app.call(
        Method::POST,
        &format!("/api/v1/webhooks/{other_id}/ping"),
        Some(&admin),
    )
    .await
    .problem(409);
    app.call(Method::POST, "/api/v1/webhooks/999/ping", Some(&admin))
        .await
        .problem(404);
}

/// A TLS receiver on loopback with a self-signed certificate (made by the `openssl` command),
/// answering 204: its port and the process.
fn self_signed_receiver(dir: &std::path::Path) -> Option<(u16, std::process::Child)> {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .ok()?;
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let script = format!(
        "import http.server, ssl, sys\n\
         class H(http.server.BaseHTTPRequestHandler):\n\
         \x20   def do_POST(self):\n\
         \x20       self.rfile.read(int(self.headers.get('content-length', 0)))\n\
         \x20       self.send_response(204); self.end_headers()\n\
         server = http.server.HTTPServer(('127.0.0.1', 0), H)\n\
         context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
         context.load_cert_chain('{}', '{}')\n\
         server.socket = context.wrap_socket(server.socket, server_side=True)\n\
         print(server.server_address[1], flush=True)\n\
         server.serve_forever()\n",
        cert.display(),
        key.display()
    );
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .ok()?;
    Some((line.trim().parse().ok()?, child))
}

#[actix_web::test]
async fn https_receivers_must_present_a_certificate_the_system_trusts() {
    let app = hooks_app();
    let (_, admin) = app.logged_in("admin").await;
    let dir = tempfile::tempdir().unwrap();
    let (port, mut child) = self_signed_receiver(dir.path()).expect("openssl and python3");
    let (id, _) = endpoint(
        &app,
        &admin,
        &format!("https://127.0.0.1:{port}/hooks"),
        &["site.changed"],
    )
    .await;
    app.patch_json("/api/v1/site", Some(&admin), json!({"name": "Renamed"}))
        .await
        .json(200);
    let round = deliver(&app).await;
    let _ = child.kill();
    assert_eq!((round.attempted, round.delivered), (1, 0));
    let attempt = &log(&app, &admin, id).await[0]["attempts"][0];
    let error = attempt["error"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        error.contains("certificate") || error.contains("ssl") || error.contains("tls"),
        "{attempt}"
    );
}
