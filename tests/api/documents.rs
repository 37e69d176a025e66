//! Stored public documents (`src/documents`): a fresh document answers an article in one query
//! and the whole list's page, its cards included, in one too, and gives related articles their cards, byte for byte as a live
//! read; a stale one, one rendered under
//! other settings, or one whose render raced a write, is never served. (Every write route's
//! effect on them is checked in `invalidation.rs`, against a fresh read.)

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use dateline::documents::{Documents, render};
use dateline::http_cache::store::ResponseCache;
use dateline::state::AppState;
use serde_json::json;

use crate::support::{TestApp, counter, document_hits, read_response};

const MISSES: &str = r#"dateline_stored_documents_total{result="miss"}"#;

/// A section, two tags, two public articles and a draft.
fn newsroom() -> TestApp {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    app.tag("iran", "Iran");
    app.tag("economy", "Economy");
    app.article("alpha")
        .tags(&["iran", "economy"])
        .published_hours_ago(3)
        .create();
    app.article("beta")
        .tags(&["economy"])
        .published_hours_ago(2)
        .create();
    app.article("draft").draft().create();
    app
}

/// What a server without stored documents answers to `uri` (status, body, Surrogate-Key).
async fn live(app: &TestApp, uri: &str) -> (u16, String, Option<String>) {
    let state = AppState {
        cache: Arc::new(ResponseCache::new(0)),
        documents: Arc::new(Documents::new(false, "/media")),
        ..app.state.clone()
    };
    let service = test::init_service(dateline::server::app(state)).await;
    let answer =
        read_response(test::call_service(&service, TestRequest::get().uri(uri).to_request()).await).await;
    (
        answer.status.as_u16(),
        answer.text(),
        answer.header("Surrogate-Key"),
    )
}

async fn served(app: &TestApp, uri: &str) -> (u16, String, Option<String>) {
    let answer = app.get(uri).await;
    (
        answer.status.as_u16(),
        answer.text(),
        answer.header("Surrogate-Key"),
    )
}

#[actix_web::test]
async fn a_fresh_article_is_one_query_and_a_page_with_its_cards_one_more_per_filter() {
    let app = newsroom();
    assert_eq!(
        app.render_documents(),
        2,
        "the two public articles, not the draft"
    );
    for uri in [
        "/api/v1/articles/alpha",
        "/api/v1/articles",
        "/api/v1/articles?fields=slug,headline",
        "/api/v1/articles/alpha?fields=headline,url",
        "/api/v1/articles?tag=economy",
        "/api/v1/articles?section=world-news",
        "/api/v1/articles?per_page=1&page=2",
    ] {
        let hits = document_hits(&app.state);
        let before = app.queries.get();
        let answer = served(&app, uri).await;
        let queries = app.queries.get() - before;
        assert_eq!(answer.0, 200, "{uri}");
        assert_eq!(
            document_hits(&app.state),
            hits + 1,
            "{uri} came from the stored documents"
        );
        assert_eq!(
            answer,
            live(&app, uri).await,
            "{uri}: the same bytes and keys as a live read"
        );
        // The whole list's page and its cards are one statement, and so are a section's: it
        // first resolves the section's subtree. A tag page resolves its tag, reads its listing,
        // then the cards by id.
        // A page deep by number reads its ids, then its cards by id: it skips rows, whose
        // cards would be read for nothing.
        let expected = if uri.contains("tag=") {
            3
        } else if uri.contains("section=") || uri.contains("page=") {
            2
        } else {
            1
        };
        // On PostgreSQL the pool checks each connection it hands out (`SELECT 1`).
        let expected = expected + u64::from(app.db.backend() == "postgres");
        assert_eq!(queries, expected, "{uri}: queries");
    }
    // An empty page shows no card, and counts no stored document.
    app.section("sport", "Sport", None);
    let hits = document_hits(&app.state);
    let empty = served(&app, "/api/v1/articles?section=sport").await;
    assert_eq!(empty, live(&app, "/api/v1/articles?section=sport").await);
    assert!(empty.1.contains("\"data\":[]"), "{}", empty.1);
    assert_eq!(document_hits(&app.state), hits, "an empty page");
    // Related articles: the choice is read live, the lean cards come from their documents.
    for uri in [
        "/api/v1/articles/alpha/related",
        "/api/v1/articles/beta/related?fields=slug,headline",
    ] {
        let hits = document_hits(&app.state);
        let answer = served(&app, uri).await;
        assert_eq!(answer.0, 200, "{uri}");
        assert!(
            answer.1.contains("\"slug\""),
            "{uri}: a card is shown: {}",
            answer.1
        );
        assert_eq!(
            document_hits(&app.state),
            hits + 1,
            "{uri} took its cards from the stored documents"
        );
        assert_eq!(
            answer,
            live(&app, uri).await,
            "{uri}: the same bytes and keys as a live read"
        );
    }
    // Embedded blocks and costly card members are read live, as before.
    let misses = counter(&app.state, MISSES);
    for uri in [
        "/api/v1/articles?include=comment_count",
        "/api/v1/articles/alpha/related?include=featured_image",
        "/api/v1/articles/alpha?include=comments,related",
    ] {
        assert_eq!(served(&app, uri).await, live(&app, uri).await, "{uri}");
    }
    assert_eq!(counter(&app.state, MISSES), misses, "not looked for");
    // Drafts have none; a document never opens what the public may not see.
    assert_eq!(served(&app, "/api/v1/articles/draft").await.0, 404);
}

#[actix_web::test]
async fn a_stale_document_is_never_served_and_a_missing_one_is_read_live() {
    let app = newsroom();
    let (_, editor) = app.logged_in("editor").await;
    // Nothing rendered yet: live reads, counted as misses.
    let misses = counter(&app.state, MISSES);
    assert_eq!(
        served(&app, "/api/v1/articles/alpha").await,
        live(&app, "/api/v1/articles/alpha").await
    );
    assert_eq!(counter(&app.state, MISSES), misses + 1);
    app.render_documents();
    let edit = json!({"headline": "Alpha, corrected"});
    app.write_current(Method::PATCH, "/api/v1/articles/alpha", &editor, Some(edit))
        .await
        .json(200);
    let answer = served(&app, "/api/v1/articles/alpha").await;
    assert!(answer.1.contains("Alpha, corrected"), "{}", answer.1);
    assert_eq!(answer, live(&app, "/api/v1/articles/alpha").await);
    let list = served(&app, "/api/v1/articles").await;
    assert!(list.1.contains("Alpha, corrected"));
    // Rendered again, the new version is served from its document.
    assert_eq!(app.render_documents(), 1, "only alpha was stale");
    let hits = document_hits(&app.state);
    assert_eq!(
        served(&app, "/api/v1/articles/alpha").await,
        live(&app, "/api/v1/articles/alpha").await
    );
    assert_eq!(document_hits(&app.state), hits + 1);
    // Trashed: gone at once, whatever its document says.
    let gone = app
        .write_current(Method::DELETE, "/api/v1/articles/alpha", &editor, None)
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(served(&app, "/api/v1/articles/alpha").await.0, 404);
}

#[actix_web::test]
async fn a_render_that_raced_a_write_is_not_stored() {
    let app = newsroom();
    let (_, editor) = app.logged_in("editor").await;
    let alpha = app.get("/api/v1/articles/alpha").await.json(200)["id"]
        .as_i64()
        .unwrap();
    let media = app.state.media.clone();
    let fingerprint = app.state.documents.fingerprint().to_owned();
    // Twice: with no document yet, and over a stored one.
    for round in ["never rendered", "rendered before"] {
        let begun = app.with_conn(|conn| render::begin(conn, &[alpha])).unwrap();
        let edit = json!({"summary": format!("Edited while rendering ({round})")});
        app.write_current(Method::PATCH, "/api/v1/articles/alpha", &editor, Some(edit))
            .await
            .json(200);
        let stored = app
            .with_conn(|conn| begun.complete(conn, &media, &fingerprint))
            .unwrap();
        assert_eq!(
            stored, 0,
            "{round}: a render begun before the write is not stored"
        );
        let answer = served(&app, "/api/v1/articles/alpha").await;
        assert!(answer.1.contains(&format!("({round})")), "{round}: {}", answer.1);
        let again = app
            .with_conn(|conn| render::render(conn, &media, &fingerprint, &[alpha]))
            .unwrap();
        assert_eq!(again, 1, "{round}: rendered again");
        let hits = document_hits(&app.state);
        assert_eq!(
            served(&app, "/api/v1/articles/alpha").await,
            live(&app, "/api/v1/articles/alpha").await
        );
        assert_eq!(document_hits(&app.state), hits + 1);
    }
}

#[actix_web::test]
async fn documents_rendered_under_other_settings_or_generations_are_not_served() {
    let app = newsroom();
    let (_, admin) = app.logged_in("admin").await;
    app.render_documents();
    // Another media URL (or another build's format): another fingerprint.
    let elsewhere = AppState {
        documents: Arc::new(Documents::new(true, "https://cdn.example.com/media/")),
        ..app.state.clone()
    };
    let service = test::init_service(dateline::server::app(elsewhere.clone())).await;
    for uri in [
        "/api/v1/articles/alpha",
        "/api/v1/articles",
        "/api/v1/articles?section=world-news",
    ] {
        let hits = document_hits(&elsewhere);
        let answer =
            read_response(test::call_service(&service, TestRequest::get().uri(uri).to_request()).await).await;
        assert_eq!(answer.status, 200, "{uri}");
        assert_eq!(document_hits(&elsewhere), hits, "{uri}: read live");
        assert_eq!(
            (200, answer.text(), answer.header("Surrogate-Key")),
            live(&app, uri).await,
            "{uri}"
        );
    }
    // The site settings show in every document: the generation moves on, none is served.
    let settings = json!({"name": "The Evening Dateline", "base_url": "https://evening.example.com/"});
    app.patch_json("/api/v1/site", Some(&admin), settings)
        .await
        .json(200);
    for uri in ["/api/v1/articles/alpha", "/api/v1/articles"] {
        let hits = document_hits(&app.state);
        let answer = served(&app, uri).await;
        assert!(
            answer.1.contains("https://evening.example.com/"),
            "{uri}: {}",
            answer.1
        );
        assert_eq!(answer, live(&app, uri).await);
        assert_eq!(
            document_hits(&app.state),
            hits,
            "{uri}: no document of the old generation"
        );
    }
    assert_eq!(app.render_documents(), 2);
    assert_eq!(
        served(&app, "/api/v1/articles/alpha").await,
        live(&app, "/api/v1/articles/alpha").await
    );
}

#[actix_web::test]
async fn a_scheduled_article_appears_from_its_document_when_due() {
    let app = newsroom();
    app.article("later")
        .tags(&["iran"])
        .published_hours_ago(-2)
        .create();
    assert_eq!(app.render_documents(), 3, "scheduled articles are rendered ahead");
    assert_eq!(served(&app, "/api/v1/articles/later").await.0, 404);
    assert!(!served(&app, "/api/v1/articles").await.1.contains("\"later\""));
    app.clock.advance(chrono::Duration::hours(3));
    let hits = document_hits(&app.state);
    let answer = served(&app, "/api/v1/articles/later").await;
    assert_eq!(answer.0, 200);
    assert_eq!(answer, live(&app, "/api/v1/articles/later").await);
    assert!(served(&app, "/api/v1/articles").await.1.contains("\"later\""));
    assert_eq!(document_hits(&app.state), hits + 2);
}
