//! `include=related,comments` on the whole article: the story page in one call. The embedded
//! blocks are exactly the other routes' default answers, the names are checked, the cost is a
//! fixed number of queries, and the cached answer follows every write that changes a block.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, cache_hits};

/// A story with related articles (a shared tag, the same section) and approved comments, one
/// with a reply, and a pending one.
fn story(app: &TestApp) -> i64 {
    let story = app
        .article("story")
        .tags(&["iran", "pakistan"])
        .sources(&["agencies"])
        .published_hours_ago(1)
        .create();
    app.article("shares-a-tag")
        .tags(&["iran"])
        .published_hours_ago(2)
        .create();
    app.article("same-section").published_hours_ago(3).create();
    app.article("elsewhere")
        .section("politics")
        .published_hours_ago(4)
        .create();
    app.comment(story, "approved", "Well reported.");
    app.comment(story, "approved", "A second view.");
    app.comment(story, "pending", "Not yet.");
    story
}

fn surrogate_keys(response: &crate::support::Response) -> Vec<String> {
    let mut keys: Vec<String> = response
        .header("surrogate-key")
        .expect("a Surrogate-Key")
        .split(' ')
        .map(str::to_owned)
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[actix_web::test]
async fn embedded_blocks_equal_the_separate_answers_and_their_keys_the_union() {
    let app = TestApp::new();
    app.section("politics", "Politics", None);
    story(&app);
    let whole = app.get("/api/v1/articles/story").await;
    let related = app.get("/api/v1/articles/story/related").await;
    let comments = app.get("/api/v1/articles/story/comments").await;
    let embedded = app.get("/api/v1/articles/story?include=related,comments").await;

    let mut expected = whole.json(200);
    expected["related"] = related.json(200)["data"].clone();
    expected["comments"] = comments.json(200);
    assert_eq!(embedded.json(200), expected);
    assert_eq!(expected["related"].as_array().unwrap().len(), 2);
    assert_eq!(expected["comments"]["data"].as_array().unwrap().len(), 2);
    assert_eq!(expected["comments"]["meta"]["per_page"], 20);

    let mut union: Vec<String> = [&whole, &related, &comments]
        .into_iter()
        .flat_map(surrogate_keys)
        .collect();
    union.sort();
    union.dedup();
    assert_eq!(surrogate_keys(&embedded), union);
    assert!(union.contains(&"articles-in-tag-iran".to_owned()));

    // Each block alone; the order of the names does not matter, a repeated one counts once.
    let one = app.get("/api/v1/articles/story?include=comments").await.json(200);
    assert_eq!(one["comments"], expected["comments"]);
    assert!(one.get("related").is_none());
    let other = app
        .get("/api/v1/articles/story?include=related,related")
        .await
        .json(200);
    assert_eq!(other["related"], expected["related"]);
    assert!(other.get("comments").is_none());
    let reversed = app
        .get("/api/v1/articles/story?include=comments,related")
        .await
        .json(200);
    assert_eq!(reversed, expected);
    // Without `include` nothing is embedded.
    let plain = whole.json(200);
    assert!(plain.get("related").is_none() && plain.get("comments").is_none());
}

#[actix_web::test]
async fn fields_cuts_the_article_and_keeps_the_included_blocks() {
    let app = TestApp::new();
    app.section("politics", "Politics", None);
    story(&app);
    let cut = app
        .get("/api/v1/articles/story?fields=headline&include=comments")
        .await
        .json(200);
    let mut names: Vec<&String> = cut.as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["comments", "headline", "id"]);
    let full = app.get("/api/v1/articles/story?include=comments").await.json(200);
    assert_eq!(cut["comments"], full["comments"]);
}

#[actix_web::test]
async fn unknown_or_empty_names_and_previews_are_refused_naming_include() {
    let app = TestApp::new();
    app.section("politics", "Politics", None);
    story(&app);
    for include in ["authors", "related,nope", "related,,comments", "tags"] {
        let response = app
            .get(&format!("/api/v1/articles/story?include={include}"))
            .await;
        assert_eq!(response.error_fields(400), ["include"], "{include}");
    }
    // A preview answers a draft, which has no public related articles or comments yet.
    let (_, editor) = app.logged_in("editor").await;
    let link = app
        .post_json("/api/v1/articles/story/previews", Some(&editor), json!({}))
        .await
        .json(201);
    let token = link["token"].as_str().unwrap();
    let uri = format!("/api/v1/articles/story?include=related&preview_token={token}");
    let refused = app.get(&uri).await;
    assert_eq!(refused.error_fields(400), ["include"]);
    assert_eq!(refused.problem(400)["errors"][0]["code"], "not_with_preview");
    // A token that opens nothing is refused as such, whatever else is asked.
    let never_issued = format!("dlp_{}", "A".repeat(43));
    let uri = format!("/api/v1/articles/story?include=related&preview_token={never_issued}");
    app.get(&uri).await.problem(403);
}

#[actix_web::test]
async fn the_embedded_blocks_cost_a_fixed_number_of_queries() {
    let app = TestApp::new();
    app.section("politics", "Politics", None);
    let story = story(&app);
    let count = |uri: &'static str| {
        let app = &app;
        async move {
            let before = app.queries.get();
            app.get(uri).await.json(200);
            app.queries.get() - before
        }
    };
    let uri = "/api/v1/articles/story?include=related,comments";
    let few = count(uri).await;
    for n in 0..8 {
        app.article(&format!("more-{n}"))
            .tags(&["pakistan"])
            .sources(&["agencies"])
            .published_hours_ago(5 + n)
            .create();
        app.comment(story, "approved", &format!("Comment {n}"));
    }
    let many = count(uri).await;
    assert_eq!(few, many, "more related cards and comments add no query");
    let full = app.get(uri).await.json(200);
    assert_eq!(full["related"].as_array().unwrap().len(), 5);
    assert_eq!(full["comments"]["data"].as_array().unwrap().len(), 10);

    let plain = count("/api/v1/articles/story").await;
    let related = count("/api/v1/articles/story/related").await;
    let comments = count("/api/v1/articles/story/comments").await;
    assert!(
        many < plain + related + comments,
        "one lookup instead of three: {many} < {plain} + {related} + {comments}"
    );
}

/// The response cache on: every read below goes through it.
fn cached_app() -> TestApp {
    let app = TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576);
    app.section("politics", "Politics", None);
    app
}

#[actix_web::test]
async fn a_cached_article_with_comments_shows_a_comment_once_approved() {
    let app = cached_app();
    let story = story(&app);
    let pending = app.comment(story, "pending", "Approve me.");
    let (_, editor) = app.logged_in("editor").await;
    let uri = "/api/v1/articles/story?include=comments";
    let before = app.get(uri).await.json(200);
    let hits = cache_hits(&app.state);
    assert_eq!(app.get(uri).await.json(200), before);
    assert_eq!(cache_hits(&app.state), hits + 1, "served from the cache");
    assert_eq!(before["comments"]["data"].as_array().unwrap().len(), 2);

    app.patch_json(
        &format!("/api/v1/comments/{pending}"),
        Some(&editor),
        json!({"status": "approved"}),
    )
    .await
    .json(200);
    let after = app.get(uri).await.json(200);
    let bodies: Vec<&Value> = after["comments"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["body"])
        .collect();
    assert!(bodies.contains(&&json!("Approve me.")), "{bodies:?}");
    assert_eq!(after["comment_count"], 3);
}

#[actix_web::test]
async fn a_cached_article_with_related_shows_a_related_headline_edit() {
    let app = cached_app();
    story(&app);
    let (_, editor) = app.logged_in("editor").await;
    let uri = "/api/v1/articles/story?include=related";
    let before = app.get(uri).await.json(200);
    let hits = cache_hits(&app.state);
    app.get(uri).await.json(200);
    assert_eq!(cache_hits(&app.state), hits + 1, "served from the cache");
    assert!(
        before["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|card| card["slug"] == "shares-a-tag")
    );

    let edit = json!({"headline": "A corrected related headline"});
    app.write_current(
        Method::PATCH,
        "/api/v1/articles/shares-a-tag",
        &editor,
        Some(edit),
    )
    .await
    .json(200);
    let after = app.get(uri).await.json(200);
    let card = after["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|card| card["slug"] == "shares-a-tag")
        .expect("still related");
    assert_eq!(card["headline"], "A corrected related headline");
}
