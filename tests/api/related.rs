//! `GET /api/v1/articles/{slug}/related`.

use actix_web::http::Method;
use serde_json::json;

use crate::support::{TestApp, slugs};

#[actix_web::test]
async fn related_articles_rank_by_shared_tags_then_section_then_recency() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    app.section("sport", "Sport", None);
    app.article("main")
        .section("world-news")
        .tags(&["iran", "pakistan", "diplomacy"])
        .create();
    app.article("two-tags-other-section")
        .section("sport")
        .tags(&["iran", "pakistan"])
        .published_hours_ago(5)
        .create();
    app.article("one-tag-same-section")
        .section("world-news")
        .tags(&["iran"])
        .published_hours_ago(3)
        .create();
    app.article("one-tag-other-section")
        .section("sport")
        .tags(&["diplomacy"])
        .published_hours_ago(1)
        .create();
    app.article("same-section-only")
        .section("world-news")
        .published_hours_ago(2)
        .create();
    app.article("unrelated")
        .section("sport")
        .tags(&["football"])
        .published_hours_ago(1)
        .create();
    app.article("draft-sharing-tags")
        .section("world-news")
        .tags(&["iran", "pakistan", "diplomacy"])
        .draft()
        .create();

    let related = slugs(&app.get("/api/v1/articles/main/related").await.json(200));
    // Scores: 2 (two tags), 2 (one tag + section), 1 (one tag, newer), 1 (section only, older).
    assert_eq!(
        related,
        [
            "one-tag-same-section",
            "two-tags-other-section",
            "one-tag-other-section",
            "same-section-only"
        ]
    );
    assert!(!related.contains(&"main".to_owned()), "never the article itself");
    // Fewer than the candidates: the best ones, still in order.
    let best = slugs(&app.get("/api/v1/articles/main/related?limit=3").await.json(200));
    assert_eq!(best, related[..3]);
}

/// Every tag counts, however many, whether the windows are read from the listing indexes (a
/// statement per tag) or stored (one statement for every window of the answer).
#[actix_web::test]
async fn every_tag_counts_however_many_the_article_has() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    app.section("sport", "Sport", None);
    let ten: Vec<String> = (0..10).map(|n| format!("t{n}")).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    app.article("main").section("world-news").tags(&ten).create();
    app.article("one-tag-main")
        .section("world-news")
        .tags(&ten[..1])
        .create();
    app.article("eight-tags-main")
        .section("world-news")
        .tags(&ten[..8])
        .create();
    app.article("last-two-tags")
        .section("sport")
        .tags(&["t8", "t9"])
        .published_hours_ago(5)
        .create();
    app.article("first-and-last-tag")
        .section("sport")
        .tags(&["t0", "t9"])
        .published_hours_ago(4)
        .create();
    app.article("one-tag")
        .section("sport")
        .tags(&["t3"])
        .published_hours_ago(1)
        .create();
    let related = || async { slugs(&app.get("/api/v1/articles/main/related?limit=20").await.json(200)) };
    // 8 + 1 (the section), then three of 2, newest first, then 1.
    let expected = [
        "eight-tags-main",
        "one-tag-main",
        "first-and-last-tag",
        "last-two-tags",
        "one-tag",
    ];
    assert_eq!(related().await, expected);
    let statements = |slug: &'static str| {
        let app = &app;
        async move {
            let before = app.queries.get();
            app.get(&format!("/api/v1/articles/{slug}/related"))
                .await
                .json(200);
            app.queries.get() - before
        }
    };
    // No window stored yet: each is read from its listing index.
    let one = statements("one-tag-main").await;
    assert_eq!(statements("eight-tags-main").await, one + 7, "eight tags, live");
    assert_eq!(statements("main").await, one + 9, "ten tags, live");

    app.render_documents();
    assert_eq!(related().await, expected, "the stored windows rank the same");
    let one = statements("one-tag-main").await;
    assert_eq!(statements("eight-tags-main").await, one, "eight tags, stored");
    assert_eq!(statements("main").await, one, "ten tags, stored");
}

/// A stored window is served only while nothing that moves it has changed since it was
/// computed: every kind of change is seen at once (the window is read live until the renderer
/// catches up), and once recomputed the window answers the same. Articles scheduled for later
/// join when their time comes, with no write.
#[actix_web::test]
async fn stored_windows_follow_every_change_that_moves_them() {
    let app = TestApp::new();
    app.section("world", "World", None);
    app.section("sport", "Sport", None);
    app.article("main")
        .section("world")
        .tags(&["iran", "oil"])
        .create();
    app.article("both-tags")
        .section("sport")
        .tags(&["iran", "oil"])
        .published_hours_ago(6)
        .create();
    app.article("oil-only")
        .section("sport")
        .tags(&["oil"])
        .published_hours_ago(2)
        .create();
    app.article("world-only")
        .section("world")
        .published_hours_ago(3)
        .create();
    app.article("later")
        .section("sport")
        .tags(&["iran"])
        .published_hours_ago(-2)
        .create();
    app.article("draft")
        .section("sport")
        .tags(&["iran", "oil"])
        .draft()
        .create();
    app.article("unrelated")
        .section("sport")
        .tags(&["football"])
        .published_hours_ago(8)
        .create();
    // Beyond a stored window's one-day horizon: the window is recomputed when it comes due.
    app.article("next-week")
        .section("sport")
        .tags(&["oil"])
        .published_hours_ago(-7 * 24)
        .create();
    let token = app.logged_in("editor").await.1;
    let related = || async { slugs(&app.get("/api/v1/articles/main/related").await.json(200)) };
    // Checks the answer right after a change (the changed windows read live), then after the
    // renderer recomputed them (stored).
    let check = |expected: &'static [&'static str], what: &'static str| {
        let (app, related) = (&app, &related);
        async move {
            assert_eq!(related().await, expected, "{what}, right after");
            app.render_documents();
            assert_eq!(related().await, expected, "{what}, stored");
        }
    };
    check(&["both-tags", "oil-only", "world-only"], "at first").await;

    let published = app
        .patch_json(
            "/api/v1/articles/draft",
            Some(&token),
            json!({ "status": "published" }),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    check(
        &["draft", "both-tags", "oil-only", "world-only"],
        "a draft published",
    )
    .await;

    let retagged = app
        .patch_json(
            "/api/v1/articles/both-tags",
            Some(&token),
            json!({ "tags": ["football"] }),
        )
        .await;
    assert_eq!(retagged.status, 200, "{}", retagged.text());
    check(&["draft", "oil-only", "world-only"], "its tags replaced").await;

    let moved = app
        .patch_json(
            "/api/v1/articles/world-only",
            Some(&token),
            json!({ "section": "sport" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    check(&["draft", "oil-only"], "moved out of the section").await;

    let trashed = app
        .call(Method::DELETE, "/api/v1/articles/draft", Some(&token))
        .await;
    assert_eq!(trashed.status, 204);
    check(&["oil-only"], "trashed").await;

    // Due in two hours: stored in the window already, shown once its time has come.
    app.clock.advance(chrono::Duration::hours(3));
    assert_eq!(related().await, ["later", "oil-only"], "scheduled, now due");
    // Scheduled beyond the horizon: the window stops being served when it comes due.
    app.clock.advance(chrono::Duration::days(7));
    check(
        &["next-week", "later", "oil-only"],
        "scheduled beyond the horizon, now due",
    )
    .await;
}

#[actix_web::test]
async fn the_limit_defaults_to_five_and_is_bounded() {
    let app = TestApp::new();
    app.article("main").tags(&["t"]).create();
    for n in 0..8 {
        app.article(&format!("other-{n}"))
            .tags(&["t"])
            .published_hours_ago(n + 2)
            .create();
    }
    let default = app.get("/api/v1/articles/main/related").await.json(200);
    assert_eq!(default["data"].as_array().unwrap().len(), 5);
    let two = app.get("/api/v1/articles/main/related?limit=2").await.json(200);
    assert_eq!(slugs(&two), ["other-0", "other-1"]);
    for bad in ["0", "21", "-1", "x"] {
        let fields = app
            .get(&format!("/api/v1/articles/main/related?limit={bad}"))
            .await
            .error_fields(400);
        assert_eq!(fields, ["limit"], "limit={bad}");
    }
}

#[actix_web::test]
async fn related_of_a_hidden_or_unknown_article_is_404() {
    let app = TestApp::new();
    app.article("draft").draft().create();
    app.get("/api/v1/articles/draft/related").await.problem(404);
    app.get("/api/v1/articles/nothing/related").await.problem(404);
}

/// Candidates come from the tags' listing index, whose copy of each article's visibility
/// triggers keep in step: scheduled, archived and trashed articles are never related, an
/// article taken out of the trash is again, and cards with `include` rank the same.
#[actix_web::test]
async fn only_articles_the_public_sees_are_related() {
    let app = TestApp::new();
    app.article("main").section("world").tags(&["iran"]).create();
    app.article("visible")
        .section("sport")
        .tags(&["iran"])
        .published_hours_ago(4)
        .create();
    app.article("scheduled")
        .section("world")
        .tags(&["iran"])
        .published_hours_ago(-2)
        .create();
    app.article("archived")
        .section("world")
        .tags(&["iran"])
        .published_hours_ago(1)
        .archived()
        .create();
    app.article("trashed")
        .section("world")
        .tags(&["iran"])
        .published_hours_ago(2)
        .create();
    let token = app.logged_in("editor").await.1;
    let trashed = app
        .call(Method::DELETE, "/api/v1/articles/trashed", Some(&token))
        .await;
    assert_eq!(trashed.status, 204);

    let related = |query: &'static str| {
        let app = &app;
        async move {
            slugs(
                &app.get(&format!("/api/v1/articles/main/related{query}"))
                    .await
                    .json(200),
            )
        }
    };
    assert_eq!(related("").await, ["visible"]);

    let restored = app
        .call(Method::POST, "/api/v1/trash/trashed/restore", Some(&token))
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    // Back: one shared tag and the same section (2) before one shared tag (1).
    assert_eq!(related("").await, ["trashed", "visible"]);
    assert_eq!(related("?include=featured_image").await, ["trashed", "visible"]);
}

/// Each tag link carries its article's section for the ranking, kept in step by a trigger:
/// moving a candidate into the article's section (or out of it) moves it in the answer at once.
#[actix_web::test]
async fn moving_an_article_between_sections_moves_it_in_the_ranking() {
    let app = TestApp::new();
    app.section("world", "World", None);
    app.section("sport", "Sport", None);
    app.article("main").section("world").tags(&["iran"]).create();
    app.article("newer")
        .section("world")
        .tags(&["iran"])
        .published_hours_ago(1)
        .create();
    app.article("older")
        .section("sport")
        .tags(&["iran"])
        .published_hours_ago(2)
        .create();
    let related = || async { slugs(&app.get("/api/v1/articles/main/related").await.json(200)) };
    assert_eq!(related().await, ["newer", "older"]);

    let token = app.logged_in("editor").await.1;
    for (slug, section) in [("older", "world"), ("newer", "sport")] {
        let moved = app
            .patch_json(
                &format!("/api/v1/articles/{slug}"),
                Some(&token),
                json!({ "section": section }),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text());
    }
    // `older` now shares the tag and the section (2), `newer` the tag alone (1).
    assert_eq!(related().await, ["older", "newer"]);
}
