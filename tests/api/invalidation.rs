//! Targeted invalidation of the response cache: after every kind of write, each public answer
//! the cache serves equals what a fresh query answers (an app over the same database with the
//! cache off is the oracle), and the answers the write did not touch are still served from the
//! cache.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use dateline::documents::Documents;
use dateline::http_cache::store::ResponseCache;
use dateline::state::AppState;
use serde_json::json;

use crate::support::{TestApp, cache_hits, counter, document_hits, read_response};

/// The public answers a reader site fetches over the fixture below.
fn public_uris() -> Vec<String> {
    [
        "/api/v1/articles",
        "/api/v1/articles?per_page=2",
        "/api/v1/articles?per_page=1",
        "/api/v1/articles?sort=-updated_at",
        "/api/v1/articles?section=news",
        "/api/v1/articles?section=world-news",
        "/api/v1/articles?section=politics",
        "/api/v1/articles?tag=iran",
        "/api/v1/articles?tag=economy",
        "/api/v1/articles?source=agencies",
        "/api/v1/articles?q=headline",
        "/api/v1/articles/alpha",
        "/api/v1/articles/beta",
        "/api/v1/articles/gamma",
        "/api/v1/articles/alpha/related",
        "/api/v1/articles/beta/related",
        "/api/v1/articles/gamma/related",
        "/api/v1/articles/alpha/comments",
        "/api/v1/articles/beta/comments",
        // The story page in one call: the article with its related cards and comments.
        "/api/v1/articles/alpha?include=related,comments",
        "/api/v1/articles/beta?include=comments",
        "/api/v1/articles/gamma?include=related",
        "/api/v1/sections",
        "/api/v1/sections/world-news",
        "/api/v1/tags",
        "/api/v1/tags/iran",
        "/api/v1/tags/economy",
        "/api/v1/sources",
        "/api/v1/sources/agencies",
        "/api/v1/articles?author=jane-byline",
        "/api/v1/articles?include=comment_count,authors,sources,featured_image",
        "/api/v1/articles?tag=iran&include=comment_count",
        "/api/v1/articles?fields=slug,headline",
        "/api/v1/authors",
        "/api/v1/authors/jane-byline",
        "/api/v1/site",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A small site: a section tree, three public articles, a draft, a pending comment.
struct Site {
    app: TestApp,
    editor: String,
    admin: String,
    author_id: i64,
    alpha: i64,
    pending_comment: i64,
    uris: Vec<String>,
}

fn site() -> Site {
    let app = TestApp::with_config(|c| {
        c.response_cache_bytes = 8 * 1_048_576;
        c.comments_per_minute = 0;
    });
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    app.section("politics", "Politics", None);
    app.tag("iran", "Iran");
    app.tag("pakistan", "Pakistan");
    app.tag("economy", "Economy");
    app.source("agencies", "Agencies", None);
    let author_id = app.user("byline@example.com", "Jane Byline", "author");
    let alpha = app
        .article("alpha")
        .tags(&["iran", "pakistan"])
        .sources(&["agencies"])
        .author(author_id)
        .published_hours_ago(3)
        .create();
    app.article("beta")
        .section("politics")
        .tags(&["economy"])
        .published_hours_ago(2)
        .create();
    app.article("gamma")
        .tags(&["economy"])
        .published_hours_ago(1)
        .create();
    app.article("delta").tags(&["iran"]).draft().create();
    app.credit(alpha, author_id, "jane-byline");
    app.comment(alpha, "approved", "A first approved comment");
    let pending_comment = app.comment(alpha, "pending", "Waiting for a moderator");
    let uris = public_uris();
    Site {
        editor: String::new(),
        admin: String::new(),
        app,
        author_id,
        alpha,
        pending_comment,
        uris,
    }
}

fn get(uri: &str) -> actix_web::test::TestRequest {
    TestRequest::get().uri(uri)
}

/// The keys of the invalidation rows recorded so far, oldest first.
fn recorded(app: &TestApp) -> Vec<String> {
    use dateline::db::schema::cache_invalidations;
    use diesel::prelude::*;
    app.with_conn(|conn| {
        cache_invalidations::table
            .order(cache_invalidations::id.asc())
            .select(cache_invalidations::keys)
            .load(conn)
            .unwrap()
    })
}

const TARGETED: &str = r#"dateline_response_cache_invalidations_total{scope="keys"}"#;
const EVERYTHING: &str = r#"dateline_response_cache_invalidations_total{scope="everything"}"#;

impl Site {
    /// Reads every public answer through the cache, from the stored documents and from a fresh
    /// query (no cache, no documents): they must agree. The documents are compared twice: as
    /// the write left them (a document it made stale must not be served), then all rendered
    /// again (and then served). Answers the URIs served from the cache (and leaves every answer
    /// cached again).
    async fn check(&self, after: &str) -> BTreeSet<String> {
        let state = &self.app.state;
        let cached = test::init_service(dateline::server::app(state.clone())).await;
        let no_cache = Arc::new(ResponseCache::new(0));
        let fresh_state = AppState {
            cache: no_cache.clone(),
            documents: Arc::new(Documents::new(false, "/media")),
            ..state.clone()
        };
        let fresh = test::init_service(dateline::server::app(fresh_state)).await;
        let stored_state = AppState {
            cache: no_cache,
            ..state.clone()
        };
        let stored = test::init_service(dateline::server::app(stored_state)).await;
        for pass in ["as the write left them", "all rendered again"] {
            if pass == "all rendered again" {
                self.app.render_documents();
            }
            let hits = document_hits(state);
            for uri in &self.uris {
                let served = read_response(test::call_service(&stored, get(uri).to_request()).await).await;
                let expected = read_response(test::call_service(&fresh, get(uri).to_request()).await).await;
                assert_eq!(
                    (served.status, served.text()),
                    (expected.status, expected.text()),
                    "after {after}: {uri} from the stored documents ({pass}) differs from a fresh read"
                );
            }
            if pass == "all rendered again" {
                assert!(
                    document_hits(state) > hits,
                    "after {after}: no answer came from the stored documents"
                );
            }
        }
        let mut hits = BTreeSet::new();
        for uri in &self.uris {
            let before = cache_hits(state);
            let served = read_response(test::call_service(&cached, get(uri).to_request()).await).await;
            if cache_hits(state) > before {
                hits.insert(uri.clone());
            }
            let expected = read_response(test::call_service(&fresh, get(uri).to_request()).await).await;
            assert_eq!(
                (served.status, served.text()),
                (expected.status, expected.text()),
                "after {after}: {uri} served from the cache differs from a fresh read"
            );
        }
        hits
    }

    /// Every answer cached, then `write` made: no stale answer survives; those in `kept` are
    /// still served from the cache, and answers in `changed` are not.
    async fn after_write(&self, what: &str, kept: &[&str], changed: &[&str]) {
        let hits = self.check(what).await;
        for uri in kept {
            assert!(hits.contains(*uri), "after {what}: {uri} should still be cached");
        }
        for uri in changed {
            assert!(
                !hits.contains(*uri),
                "after {what}: {uri} should have been invalidated"
            );
        }
    }

    fn everything(&self) -> Vec<&str> {
        self.uris.iter().map(String::as_str).collect()
    }

    fn all_but(&self, touched: &[&str]) -> Vec<&str> {
        self.everything()
            .into_iter()
            .filter(|uri| !touched.contains(uri))
            .collect()
    }
}

#[actix_web::test]
async fn writes_that_change_nothing_public_invalidate_nothing() {
    let mut site = site();
    let app = &site.app;
    app.account("reader@example.com", "author");
    site.editor = app.logged_in("editor").await.1;
    site.admin = app.logged_in("admin").await.1;
    site.check("warming").await;
    let all = site.everything();

    let tokens = app.login("reader@example.com").await;
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": tokens.refresh}),
        )
        .await
        .json(200);
    let access = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call(Method::POST, "/api/v1/auth/logout", Some(&access))
            .await
            .status,
        204
    );
    site.after_write("a login, a refresh and a logout", &all, &[])
        .await;

    let comment = json!({"author_name": "Amina", "body": "Pending, so nowhere yet"});
    app.post_json("/api/v1/articles/alpha/comments", None, comment)
        .await
        .json(201);
    site.after_write("a pending comment", &all, &[]).await;

    let edit = json!({"summary": "Still a draft"});
    app.write_current(Method::PATCH, "/api/v1/articles/delta", &site.editor, Some(edit))
        .await
        .json(200);
    site.after_write("an edit of a draft", &all, &[]).await;

    // Refused writes: a stale If-Match, an invalid field.
    let stale = TestRequest::patch()
        .uri("/api/v1/articles/alpha")
        .insert_header(("Authorization", format!("Bearer {}", site.editor)))
        .insert_header(("If-Match", "\"v999\""))
        .set_json(json!({"summary": "never saved"}));
    app.send(stale).await.problem(412);
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/alpha",
        &site.editor,
        Some(json!({"section": "no-such-section"})),
    )
    .await
    .problem(422);
    site.after_write("refused writes", &all, &[]).await;

    let created = json!({"email": "new@example.com", "display_name": "New", "role": "author", "password": "a long enough password"});
    app.post_json("/api/v1/users", Some(&site.admin), created)
        .await
        .json(201);
    site.after_write("a new account", &all, &[]).await;

    let purge = app
        .call(Method::POST, "/api/v1/trash/purge", Some(&site.admin))
        .await;
    assert_eq!(purge.status, 200);
    site.after_write("a purge of the trash", &all, &[]).await;
    assert_eq!(
        (counter(&app.state, TARGETED), counter(&app.state, EVERYTHING)),
        (0, 0)
    );
    assert!(
        recorded(app).is_empty(),
        "nothing recorded for other instances or a CDN"
    );
}

#[actix_web::test]
async fn an_article_change_invalidates_the_article_and_the_lists_it_is_or_was_in() {
    let mut site = site();
    site.editor = site.app.logged_in("editor").await.1;
    let app = &site.app;
    site.check("warming").await;

    // beta: politics, economy. Its change leaves world-news, iran and agencies pages alone.
    let edit = json!({"summary": "A new summary for beta"});
    app.write_current(Method::PATCH, "/api/v1/articles/beta", &site.editor, Some(edit))
        .await
        .json(200);
    // A new summary leaves beta's place in the lists as it was: only the answers that show its
    // card change (the newest-first page of one, gamma, does not).
    let untouched = [
        "/api/v1/articles?per_page=1",
        "/api/v1/articles/alpha",
        "/api/v1/articles/gamma",
        "/api/v1/articles/alpha/related",
        "/api/v1/articles/alpha/comments",
        "/api/v1/articles/alpha?include=related,comments",
        "/api/v1/articles?section=world-news",
        "/api/v1/articles?section=news",
        "/api/v1/articles?tag=iran",
        "/api/v1/articles?source=agencies",
        "/api/v1/sections",
        "/api/v1/tags",
        "/api/v1/tags/iran",
        "/api/v1/sources/agencies",
    ];
    let touched = [
        "/api/v1/articles",
        "/api/v1/articles?sort=-updated_at",
        "/api/v1/articles?q=headline",
        "/api/v1/articles/beta",
        "/api/v1/articles?section=politics",
        "/api/v1/articles?tag=economy",
        "/api/v1/articles/gamma/related",
        "/api/v1/articles/beta?include=comments",
        "/api/v1/articles/gamma?include=related",
    ];
    site.after_write("an edit of beta", &untouched, &touched).await;
    assert_eq!(
        (counter(&app.state, TARGETED), counter(&app.state, EVERYTHING)),
        (1, 0)
    );
    // Recorded in the write's own transaction, once, with exactly what it touched.
    let beta = app.get("/api/v1/articles/beta").await.json(200)["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        recorded(app),
        [format!("article-{beta} articles-by-update articles-search")]
    );

    // gamma moves from world-news to politics and loses its tag: both sides change.
    let edit = json!({"section": "politics", "tags": []});
    app.write_current(Method::PATCH, "/api/v1/articles/gamma", &site.editor, Some(edit))
        .await
        .json(200);
    site.after_write(
        "moving gamma",
        &[
            "/api/v1/articles/alpha",
            "/api/v1/articles?tag=iran",
            "/api/v1/tags",
        ],
        &[
            "/api/v1/articles?section=world-news",
            "/api/v1/articles?section=news",
            "/api/v1/articles?section=politics",
            "/api/v1/articles?tag=economy",
        ],
    )
    .await;

    // Publishing the draft delta (world-news, iran) adds it to those lists.
    let publish = json!({"status": "published"});
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/delta",
        &site.editor,
        Some(publish),
    )
    .await
    .json(200);
    site.after_write(
        "publishing delta",
        &[
            "/api/v1/articles/beta",
            "/api/v1/articles?section=politics",
            "/api/v1/articles?tag=economy",
        ],
        &[
            "/api/v1/articles",
            "/api/v1/articles?tag=iran",
            "/api/v1/articles?section=news",
            "/api/v1/articles/alpha/related",
        ],
    )
    .await;

    // A correction changes alpha's answer only.
    let correction = json!({"text": "An earlier version misspelt a name."});
    app.post_json(
        "/api/v1/articles/alpha/corrections",
        Some(&site.editor),
        correction,
    )
    .await
    .json(201);
    site.after_write(
        "a correction of alpha",
        &[
            "/api/v1/articles/beta",
            "/api/v1/articles?section=politics",
            "/api/v1/tags",
        ],
        &["/api/v1/articles/alpha"],
    )
    .await;

    // Trashing alpha, restoring it, and restoring an earlier revision of beta.
    let gone = app
        .write_current(Method::DELETE, "/api/v1/articles/alpha", &site.editor, None)
        .await;
    assert_eq!(gone.status, 204);
    site.after_write(
        "trashing alpha",
        &["/api/v1/articles/beta", "/api/v1/articles?section=politics"],
        &[
            "/api/v1/articles/alpha",
            "/api/v1/articles?source=agencies",
            "/api/v1/articles/alpha/comments",
        ],
    )
    .await;
    let restored = app
        .call(Method::POST, "/api/v1/trash/alpha/restore", Some(&site.editor))
        .await;
    assert_eq!(restored.status, 200);
    site.after_write(
        "restoring alpha",
        &["/api/v1/articles/beta"],
        &["/api/v1/articles/alpha", "/api/v1/articles?source=agencies"],
    )
    .await;
    let etag = app.etag("/api/v1/articles/beta", &site.editor).await;
    let restore = TestRequest::post()
        .uri("/api/v1/articles/beta/revisions/1/restore")
        .insert_header(("Authorization", format!("Bearer {}", site.editor)))
        .insert_header(("If-Match", etag));
    let restore = app.send(restore).await;
    assert_eq!(restore.status, 200, "{}", restore.text());
    site.after_write(
        "restoring a revision of beta",
        &["/api/v1/articles/alpha", "/api/v1/articles?tag=iran"],
        &["/api/v1/articles/beta"],
    )
    .await;
}

#[actix_web::test]
async fn comments_terms_and_accounts_invalidate_what_shows_them() {
    let mut site = site();
    site.editor = site.app.logged_in("editor").await.1;
    site.admin = site.app.logged_in("admin").await.1;
    let app = &site.app;
    site.check("warming").await;
    // Alpha's comments, and the lists whose cards show its comment count (`include`).
    let alpha_comments = [
        "/api/v1/articles/alpha",
        "/api/v1/articles/alpha/comments",
        "/api/v1/articles/alpha?include=related,comments",
        "/api/v1/articles?include=comment_count,authors,sources,featured_image",
        "/api/v1/articles?tag=iran&include=comment_count",
    ];
    // Lean cards show alpha but not its count.
    let not_showing_its_count = [
        "/api/v1/articles",
        "/api/v1/articles?tag=iran",
        "/api/v1/articles?source=agencies",
        "/api/v1/articles?fields=slug,headline",
        "/api/v1/articles/beta",
        "/api/v1/articles/gamma",
        "/api/v1/articles?per_page=1",
        "/api/v1/articles?tag=economy",
        "/api/v1/articles/beta/comments",
        "/api/v1/articles/beta?include=comments",
        "/api/v1/sections",
        "/api/v1/tags",
        "/api/v1/sources",
        "/api/v1/authors",
        "/api/v1/site",
    ];

    let approve = json!({"status": "approved"});
    let uri = format!("/api/v1/comments/{}", site.pending_comment);
    app.patch_json(&uri, Some(&site.editor), approve).await.json(200);
    site.after_write("approving a comment", &not_showing_its_count, &alpha_comments)
        .await;
    let bulk = json!({"ids": [site.pending_comment], "status": "rejected"});
    app.post_json("/api/v1/moderation", Some(&site.editor), bulk)
        .await
        .json(200);
    site.after_write("rejecting it in bulk", &not_showing_its_count, &alpha_comments)
        .await;
    let first = site.app.comment(site.alpha, "approved", "Approved straight away");
    site.app.state.cache.invalidate_all(); // the fixture wrote past the API
    site.app
        .with_conn(dateline::documents::invalidate::everything)
        .unwrap();
    site.check("a fixture's comment").await;
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/v1/comments/{first}"),
            Some(&site.editor),
        )
        .await;
    assert_eq!(deleted.status, 204);
    site.after_write("deleting a comment", &not_showing_its_count, &alpha_comments)
        .await;

    // Renaming the tag iran reaches alpha (its tag) and the lists whose cards show it.
    let rename = json!({"name": "Iran (news)"});
    app.write_current(Method::PATCH, "/api/v1/tags/iran", &site.editor, Some(rename))
        .await
        .json(200);
    site.after_write(
        "renaming a tag",
        &[
            "/api/v1/articles/beta",
            "/api/v1/articles/gamma",
            "/api/v1/sources",
            "/api/v1/sections",
            "/api/v1/tags/economy",
            "/api/v1/articles?tag=economy",
        ],
        &[
            "/api/v1/tags",
            "/api/v1/tags/iran",
            "/api/v1/articles/alpha",
            "/api/v1/articles",
            "/api/v1/articles?tag=iran",
        ],
    )
    .await;
    let created = json!({"slug": "elections", "name": "Elections"});
    app.post_json("/api/v1/tags", Some(&site.editor), created)
        .await
        .json(201);
    site.after_write("a new tag", &site.all_but(&["/api/v1/tags"]), &["/api/v1/tags"])
        .await;
    let gone = app
        .write_current(Method::DELETE, "/api/v1/tags/elections", &site.editor, None)
        .await;
    assert_eq!(gone.status, 204);
    site.after_write(
        "deleting an unused tag",
        &site.all_but(&["/api/v1/tags"]),
        &["/api/v1/tags"],
    )
    .await;
    let source = json!({"name": "The Agencies"});
    app.write_current(
        Method::PATCH,
        "/api/v1/sources/agencies",
        &site.editor,
        Some(source),
    )
    .await
    .json(200);
    site.after_write(
        "renaming a source",
        &["/api/v1/articles/beta", "/api/v1/articles", "/api/v1/tags"],
        &[
            "/api/v1/sources",
            "/api/v1/sources/agencies",
            "/api/v1/articles/alpha",
            "/api/v1/articles?source=agencies",
        ],
    )
    .await;

    // The byline's account is renamed: alpha shows it; the author's list is purged too.
    let by_author = "/api/v1/articles?author=jane-byline".to_owned();
    let rename = json!({"display_name": "Jane Q. Byline"});
    let uri = format!("/api/v1/users/{}", site.author_id);
    app.patch_json(&uri, Some(&site.admin), rename).await.json(200);
    site.after_write(
        "renaming an author",
        &["/api/v1/articles/beta", "/api/v1/articles", "/api/v1/tags"],
        &[
            "/api/v1/articles/alpha",
            by_author.as_str(),
            "/api/v1/authors",
            "/api/v1/authors/jane-byline",
        ],
    )
    .await;

    // The section tree is in every article's answer: a change to it invalidates everything.
    let rename = json!({"name": "World"});
    app.write_current(
        Method::PATCH,
        "/api/v1/sections/world-news",
        &site.editor,
        Some(rename),
    )
    .await
    .json(200);
    site.after_write("renaming a section", &[], &site.everything())
        .await;
    assert_eq!(counter(&app.state, EVERYTHING), 1);
}
