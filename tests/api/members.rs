//! `fields=` and `include=` on the article list, related articles and the whole article: lean
//! cards by default, embedded members on request at one query per page, exact sparse
//! fieldsets, 400s naming the parameter, and cached answers kept apart per variant.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::support::{TestApp, slugs};

/// Two public articles with tags, a source, a credited author, an approved and a pending
/// comment; the newer one features an image.
fn newsroom() -> TestApp {
    newsroom_with(|_| {})
}

fn newsroom_with(adjust: impl FnOnce(&mut dateline::config::Config)) -> TestApp {
    let app = TestApp::with_config(adjust);
    let jane = app.user("jane@example.com", "Jane Doe", "author");
    let older = app
        .article("older")
        .tags(&["iran"])
        .sources(&["agencies"])
        .published_hours_ago(2)
        .create();
    let newer = app
        .article("newer")
        .tags(&["iran", "pakistan"])
        .sources(&["reuters", "agencies"])
        .published_hours_ago(1)
        .create();
    app.credit(newer, jane, "jane-doe");
    app.comment(newer, "approved", "Well reported.");
    app.comment(newer, "pending", "Not yet.");
    app.comment(older, "approved", "First.");
    let (image, _) = app.media_item(jane);
    app.with_conn(|conn| {
        use dateline::db::schema::articles;
        diesel::update(articles::table.find(newer))
            .set(articles::featured_media_id.eq(Some(image)))
            .execute(conn)
            .expect("feature the image");
    });
    app
}

fn keys(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object.as_object().expect("an object").keys().cloned().collect();
    keys.sort();
    keys
}

const EMBEDS: [&str; 4] = ["authors", "sources", "featured_image", "comment_count"];

#[actix_web::test]
async fn cards_are_lean_by_default() {
    let app = newsroom();
    let list = app.get("/api/v1/articles").await.json(200);
    assert_eq!(slugs(&list), ["newer", "older"]);
    let card = &list["data"][0];
    for member in EMBEDS {
        assert!(card.get(member).is_none(), "{member} is not sent unless asked");
    }
    for member in [
        "id",
        "slug",
        "headline",
        "summary",
        "section",
        "tags",
        "published_at",
        "url",
    ] {
        assert!(card.get(member).is_some(), "{member} is in the default card");
    }
    assert_eq!(card["tags"][1]["slug"], "pakistan");
}

#[actix_web::test]
async fn include_embeds_bylines_sources_image_and_count() {
    let app = newsroom();
    let list = app
        .get("/api/v1/articles?include=authors,sources,featured_image,comment_count")
        .await
        .json(200);
    let (newer, older) = (&list["data"][0], &list["data"][1]);
    assert_eq!(newer["authors"][0]["display_name"], "Jane Doe");
    assert_eq!(newer["authors"][0]["slug"], "jane-doe");
    let sources: Vec<&str> = newer["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["reuters", "agencies"], "in the article's order");
    assert_eq!(newer["comment_count"], 1, "approved comments only");
    assert_eq!(newer["featured_image"]["alt"], "A fixture image");
    assert_eq!(older["authors"], json!([]));
    assert_eq!(older["featured_image"], Value::Null, "included, and none");
    assert_eq!(older["comment_count"], 1);

    let one = app.get("/api/v1/articles?include=comment_count").await.json(200);
    assert_eq!(one["data"][0]["comment_count"], 1);
    assert!(one["data"][0].get("authors").is_none());

    let related = app
        .get("/api/v1/articles/older/related?include=featured_image")
        .await
        .json(200);
    assert_eq!(slugs(&related), ["newer"]);
    assert_eq!(related["data"][0]["featured_image"]["alt"], "A fixture image");
    let batch = app
        .get("/api/v1/articles?slug=older,newer&include=sources")
        .await
        .json(200);
    assert_eq!(batch["data"][0]["sources"][0]["slug"], "agencies");
}

#[actix_web::test]
async fn each_embedded_member_costs_one_query_per_page_whatever_its_size() {
    // Cards built live: stored documents would answer the lean page in one query after the
    // page's own (see `documents.rs`), and pages with costly members are always built live.
    let app = newsroom_with(|c| c.stored_documents = false);
    for n in 0..6 {
        app.article(&format!("extra-{n}"))
            .tags(&["iran"])
            .sources(&["agencies"])
            .published_hours_ago(3 + n)
            .create();
    }
    let count = |uri: String| {
        let app = &app;
        async move {
            let before = app.queries.get();
            app.get(&uri).await.json(200);
            app.queries.get() - before
        }
    };
    let all = "include=authors,sources,featured_image,comment_count";
    let small = count(format!("/api/v1/articles?per_page=2&{all}")).await;
    let large = count(format!("/api/v1/articles?per_page=8&{all}")).await;
    assert_eq!(small, large, "the page size adds no query");
    let lean = count("/api/v1/articles?per_page=8".to_owned()).await;
    assert_eq!(large, lean + 4, "one query per embedded member");
}

#[actix_web::test]
async fn fields_sends_exactly_the_members_named_and_the_id() {
    let app = newsroom();
    let list = app
        .get("/api/v1/articles?fields=slug,headline,featured_image")
        .await
        .json(200);
    assert_eq!(
        keys(&list["data"][0]),
        ["featured_image", "headline", "id", "slug"]
    );
    assert_eq!(list["data"][0]["featured_image"]["alt"], "A fixture image");
    assert_eq!(list["meta"]["per_page"], 20, "meta is untouched");

    let both = app
        .get("/api/v1/articles?fields=url&include=comment_count")
        .await
        .json(200);
    assert_eq!(keys(&both["data"][1]), ["comment_count", "id", "url"]);

    let related = app
        .get("/api/v1/articles/older/related?fields=headline")
        .await
        .json(200);
    assert_eq!(keys(&related["data"][0]), ["headline", "id"]);

    let detail = app
        .get("/api/v1/articles/newer?fields=headline,body,sources,head")
        .await
        .json(200);
    assert_eq!(keys(&detail), ["body", "head", "headline", "id", "sources"]);
    assert_eq!(detail["sources"][0]["slug"], "reuters");
    let whole = app.get("/api/v1/articles/newer").await.json(200);
    assert_eq!(
        detail["head"], whole["head"],
        "a member is the same as in the whole"
    );
    assert!(whole.get("structured_data").is_some() && whole.get("comment_count").is_some());
}

#[actix_web::test]
async fn unknown_or_empty_names_are_a_400_naming_the_parameter() {
    let app = newsroom();
    for (uri, field, code) in [
        (
            "/api/v1/articles?fields=slug,thumbnail",
            "fields",
            "unknown_member",
        ),
        ("/api/v1/articles?fields=slug,,url", "fields", "unknown_member"),
        ("/api/v1/articles?fields=body", "fields", "unknown_member"),
        ("/api/v1/articles?include=headline", "include", "unknown_member"),
        (
            "/api/v1/articles/older/related?include=body",
            "include",
            "unknown_member",
        ),
        (
            "/api/v1/articles/older/related?fields=nope",
            "fields",
            "unknown_member",
        ),
        (
            "/api/v1/articles/older?fields=thumbnail",
            "fields",
            "unknown_member",
        ),
        // The whole article embeds blocks of its page, not the cards' members.
        (
            "/api/v1/articles/older?include=authors",
            "include",
            "unknown_member",
        ),
    ] {
        let problem = app.get(uri).await.problem(400);
        assert_eq!(problem["errors"][0]["field"], field, "{uri}");
        assert_eq!(problem["errors"][0]["code"], code, "{uri}");
    }
    // An empty list asks for nothing more (`fields=`: only `id`); a name given twice counts once.
    let empty = app.get("/api/v1/articles?fields=&include=").await.json(200);
    assert_eq!(keys(&empty["data"][0]), ["id"]);
    let repeated = app.get("/api/v1/articles?fields=id,id,slug,slug").await.json(200);
    assert_eq!(keys(&repeated["data"][0]), ["id", "slug"]);
    let problem = app
        .get("/api/v1/articles?fields=slug,thumbnail")
        .await
        .problem(400);
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("thumbnail") && message.contains("headline"),
        "{message}"
    );
}

#[actix_web::test]
async fn cached_variants_are_kept_apart_and_follow_a_moderation() {
    let app = TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576);
    let story = app.article("story").create();
    let pending = app.comment(story, "pending", "Soon approved.");
    let uris = [
        "/api/v1/articles",
        "/api/v1/articles?fields=slug",
        "/api/v1/articles?include=comment_count",
        "/api/v1/articles/story",
        "/api/v1/articles/story?fields=comment_count",
    ];
    let mut etags = Vec::new();
    for uri in uris {
        let first = app.get(uri).await;
        let again = app.get(uri).await;
        assert_eq!(first.json(200), again.json(200), "{uri}");
        etags.push(again.header("etag").expect("an ETag"));
    }
    etags.sort();
    etags.dedup();
    assert_eq!(etags.len(), uris.len(), "each variant has its own ETag");
    assert!(
        app.get("/api/v1/articles?fields=slug").await.json(200)["data"][0]
            .get("headline")
            .is_none()
    );

    let (_, editor) = app.logged_in("editor").await;
    app.patch_json(
        &format!("/api/v1/comments/{pending}"),
        Some(&editor),
        json!({"status": "approved"}),
    )
    .await
    .json(200);
    let counted = app.get("/api/v1/articles?include=comment_count").await.json(200);
    assert_eq!(counted["data"][0]["comment_count"], 1);
    let detail = app
        .get("/api/v1/articles/story?fields=comment_count")
        .await
        .json(200);
    assert_eq!(detail, json!({"id": story, "comment_count": 1}));
}

#[actix_web::test]
async fn members_combine_with_filters_cursors_exclusions_and_the_batch_form() {
    let app = newsroom();
    let first = app
        .get("/api/v1/articles?per_page=1&tag=iran&fields=slug&include=comment_count")
        .await;
    assert!(first.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
    let first = first.json(200);
    assert_eq!(keys(&first["data"][0]), ["comment_count", "id", "slug"]);
    let cursor = first["meta"]["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let second = app
        .get(&format!(
            "/api/v1/articles?per_page=1&tag=iran&fields=slug&include=comment_count&cursor={cursor}"
        ))
        .await
        .json(200);
    assert_eq!(slugs(&second), ["older"]);
    assert_eq!(keys(&second["data"][0]), ["comment_count", "id", "slug"]);

    let except = app
        .get("/api/v1/articles?exclude=newer&include=sources&fields=headline")
        .await
        .json(200);
    assert_eq!(except["data"].as_array().unwrap().len(), 1);
    assert_eq!(keys(&except["data"][0]), ["headline", "id", "sources"]);

    let batch = app
        .get("/api/v1/articles?slug=newer,gone,older&fields=url&include=featured_image")
        .await
        .json(200);
    assert_eq!(batch["meta"]["missing"], json!(["gone"]));
    assert_eq!(keys(&batch["data"][0]), ["featured_image", "id", "url"]);
    assert_eq!(batch["data"][1]["featured_image"], Value::Null);

    // Editorial lists take them too.
    let (_, editor) = app.logged_in("editor").await;
    let drafts = app
        .get_as("/api/v1/articles?status=all&fields=slug,published_at", &editor)
        .await
        .json(200);
    assert_eq!(keys(&drafts["data"][0]), ["id", "published_at", "slug"]);
}
