//! What a page's `<head>` and search engines need: canonical URLs from the site's permalink
//! pattern, SEO and social overrides with their defaults, reading times, comment counts on
//! summaries, and schema.org structured data with Google's recommended NewsArticle properties.

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::auth::article_body;

async fn editor_with_site(app: &TestApp) -> String {
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    let (_, admin) = app.logged_in("admin").await;
    let settings = json!({
        "name": "The Daily Dateline", "base_url": "https://news.example.com",
        "language": "en-GB", "time_zone": "Asia/Karachi", "publisher_name": "Dateline Media",
        "logo_url": "https://news.example.com/logo.png",
        "social_image_url": "https://news.example.com/social.png",
        "permalink": "/{yyyy}/{mm}/{dd}/{section}/{id}-{slug}"
    });
    app.put_json("/api/v1/site", Some(&admin), settings)
        .await
        .json(200);
    admin
}

/// A published article through the API; `extra` members are merged into the body.
async fn publish(app: &TestApp, token: &str, headline: &str, extra: Value) -> Value {
    let mut body = article_body(headline);
    body["status"] = json!("published");
    body["published_at"] = json!("2024-01-21T21:30:00Z");
    body["summary"] = json!("Both sides agreed to talk.");
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let created = app
        .post_json("/api/v1/articles", Some(token), body)
        .await
        .json(201);
    app.get(&format!("/api/v1/articles/{}", created["slug"].as_str().unwrap()))
        .await
        .json(200)
}

#[actix_web::test]
async fn urls_follow_the_permalink_pattern_with_dates_in_the_site_time_zone() {
    let app = TestApp::new();
    let token = editor_with_site(&app).await;
    let article = publish(&app, &token, "Border talks", json!({})).await;
    let id = &article["id"];
    // 21:30 UTC on 21 January is already 22 January in Karachi.
    let expected = format!("https://news.example.com/2024/01/22/world-news/{id}-border-talks");
    assert_eq!(article["url"], expected);
    let list = app.get("/api/v1/articles").await.json(200);
    assert_eq!(list["data"][0]["url"], expected, "summaries carry the same URL");

    // Section pages: on the tree (for a navigation menu) and on each section.
    let tree = app.get("/api/v1/sections").await.json(200);
    assert_eq!(tree["data"][1]["url"], "https://news.example.com/world-news");
    let section = app.get("/api/v1/sections/news").await.json(200);
    assert_eq!(section["url"], "https://news.example.com/news");

    // A new pattern changes every URL.
    app.patch_json("/api/v1/site", Some(&token), json!({"permalink": "/story/{id}"}))
        .await
        .json(200);
    let again = app.get("/api/v1/articles/border-talks").await.json(200);
    assert_eq!(again["url"], format!("https://news.example.com/story/{id}"));
}

#[actix_web::test]
async fn seo_fields_default_to_the_articles_own_and_overrides_win() {
    let app = TestApp::new();
    let token = editor_with_site(&app).await;
    let plain = publish(&app, &token, "Plain story", json!({})).await;
    assert_eq!(
        plain["head"],
        json!({
            "title": "Plain story",
            "description": "Both sides agreed to talk.",
            "canonical_url": plain["url"],
            "robots": "index, follow",
            "social_title": "Plain story",
            "social_description": "Both sides agreed to talk.",
            "social_image_url": "https://news.example.com/social.png"
        })
    );
    assert_eq!(plain["seo"]["title"], Value::Null);
    assert_eq!(plain["seo"]["noindex"], false);

    let seo = json!({
        "title": "Talks: what we know", "description": "A shorter description.",
        "canonical_url": "https://www.reuters.com/world/original", "noindex": true,
        "social_title": "Talks", "social_description": "Shared text.",
        "social_image_url": "https://news.example.com/talks.jpg"
    });
    let tuned = publish(&app, &token, "Tuned story", json!({"seo": seo})).await;
    assert_eq!(tuned["seo"], seo, "the overrides are answered as stored");
    let head = &tuned["head"];
    assert_eq!(head["title"], "Talks: what we know");
    assert_eq!(head["description"], "A shorter description.");
    assert_eq!(head["canonical_url"], "https://www.reuters.com/world/original");
    assert_eq!(head["robots"], "noindex, follow");
    assert_eq!(head["social_title"], "Talks");
    assert_eq!(head["social_description"], "Shared text.");
    assert_eq!(head["social_image_url"], "https://news.example.com/talks.jpg");
    assert_eq!(
        tuned["structured_data"][0]["mainEntityOfPage"]["@id"],
        "https://www.reuters.com/world/original"
    );

    // PATCH replaces the whole `seo` object: members left out fall back again.
    let uri = format!("/api/v1/articles/{}", tuned["slug"].as_str().unwrap());
    let patched = app
        .patch_json(&uri, Some(&token), json!({"seo": {"title": "Only a title"}}))
        .await
        .json(200);
    assert_eq!(patched["head"]["title"], "Only a title");
    assert_eq!(patched["head"]["canonical_url"], patched["url"]);
    assert_eq!(patched["seo"]["noindex"], false);
}

#[actix_web::test]
async fn seo_and_byline_lengths_and_urls_are_checked_field_by_field() {
    let app = TestApp::new();
    let token = editor_with_site(&app).await;
    let mut body = article_body("Too long");
    body["byline"] = json!("b".repeat(201));
    body["seo"] = json!({
        "title": "t".repeat(301),
        "description": "d".repeat(2001),
        "canonical_url": "ftp://example.com/x",
        "social_image_url": "not a url",
        "social_title": "line\nbreak"
    });
    let fields = app
        .post_json("/api/v1/articles", Some(&token), body)
        .await
        .error_fields(422);
    assert_eq!(
        fields,
        [
            "byline",
            "seo.canonical_url",
            "seo.description",
            "seo.social_image_url",
            "seo.social_title",
            "seo.title"
        ]
    );
    // Exactly at the limits (counted in characters, not bytes) is accepted.
    let mut body = article_body("At the limit");
    body["byline"] = json!("é".repeat(200));
    body["seo"] = json!({"title": "é".repeat(300)});
    app.post_json("/api/v1/articles", Some(&token), body)
        .await
        .json(201);

    let mut unknown = article_body("Unknown member");
    unknown["seo"] = json!({"keywords": "x"});
    let response = app.post_json("/api/v1/articles", Some(&token), unknown).await;
    assert!(
        matches!(response.status.as_u16(), 400 | 422),
        "{}",
        response.text()
    );
    assert_eq!(
        app.get("/api/v1/articles?total=true").await.json(200)["meta"]["total"],
        0
    );
}

#[actix_web::test]
async fn reading_time_comes_from_the_words_of_the_body() {
    let app = TestApp::new();
    let token = editor_with_site(&app).await;
    let words = vec!["word"; 461].join(" ");
    let article = publish(
        &app,
        &token,
        "Long read",
        json!({"body": format!("<p>{words}</p><p><em>two</em> more</p>")}),
    )
    .await;
    assert_eq!(article["word_count"], 463);
    assert_eq!(article["reading_time_minutes"], 3);
    let card = &app.get("/api/v1/articles").await.json(200)["data"][0];
    assert_eq!(card["word_count"], 463);
    assert_eq!(card["reading_time_minutes"], 3);
}

#[actix_web::test]
async fn summaries_count_approved_comments_in_one_query_per_page() {
    let app = TestApp::new();
    let ids: Vec<i64> = (0..3)
        .map(|n| {
            app.article(&format!("story-{n}"))
                .published_hours_ago(n + 1)
                .create()
        })
        .collect();
    app.comment(ids[0], "approved", "one");
    app.comment(ids[0], "approved", "two");
    app.comment(ids[0], "pending", "not yet");
    app.comment(ids[1], "rejected", "never");
    let list = app.get("/api/v1/articles?include=comment_count").await.json(200);
    let counts: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["comment_count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [2, 0, 0]);

    // Query cost: the same for one card as for many, comments and bylines included.
    let user = app.user("writer@example.com", "Writer", "author");
    let before = app.queries.get();
    app.get("/api/v1/articles?per_page=1&include=comment_count,authors")
        .await
        .json(200);
    let for_one = app.queries.get() - before;
    for n in 0..25 {
        let id = app
            .article(&format!("more-{n}"))
            .published_hours_ago(n + 10)
            .create();
        app.comment(id, "approved", "a comment");
        app.credit(id, user, "writer");
    }
    let before = app.queries.get();
    let page = app
        .get("/api/v1/articles?per_page=28&include=comment_count,authors")
        .await
        .json(200);
    let for_many = app.queries.get() - before;
    assert_eq!(page["data"].as_array().unwrap().len(), 28);
    assert_eq!(for_one, for_many, "queries for 1 card vs 28 cards");
}

#[actix_web::test]
async fn structured_data_has_googles_recommended_news_article_properties() {
    let app = TestApp::new();
    let token = editor_with_site(&app).await;
    let (writer, writer_token) = app.logged_in("author").await;
    let profile = json!({"slug": "amina-khan", "public": true, "job_title": "Correspondent"});
    app.put_json(
        &format!("/api/v1/users/{writer}/profile"),
        Some(&writer_token),
        profile,
    )
    .await
    .json(200);
    app.tag("iran", "Iran");
    let article = publish(
        &app,
        &token,
        "Border talks",
        json!({"authors": ["amina-khan"], "tags": ["iran"], "alternative_headline": "Neighbours talk"}),
    )
    .await;
    let data = article["structured_data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    let news = &data[0];
    assert_eq!(news["@context"], "https://schema.org");
    assert_eq!(news["@type"], "NewsArticle");
    // Google's recommended properties for articles.
    assert_eq!(news["headline"], "Border talks");
    assert_eq!(news["image"], json!(["https://news.example.com/social.png"]));
    assert_eq!(news["datePublished"], "2024-01-21T21:30:00+00:00");
    assert_eq!(news["dateModified"], "2024-01-21T21:30:00+00:00");
    assert_eq!(news["author"][0]["@type"], "Person");
    assert_eq!(news["author"][0]["name"], article["authors"][0]["display_name"]);
    assert_eq!(
        news["author"][0]["url"],
        "https://news.example.com/author/amina-khan"
    );
    // And the rest a news site gives.
    assert_eq!(news["alternativeHeadline"], "Neighbours talk");
    assert_eq!(news["description"], "Both sides agreed to talk.");
    assert_eq!(news["publisher"]["@type"], "Organization");
    assert_eq!(news["publisher"]["name"], "Dateline Media");
    assert_eq!(
        news["publisher"]["logo"]["url"],
        "https://news.example.com/logo.png"
    );
    assert_eq!(news["mainEntityOfPage"]["@id"], article["url"]);
    assert_eq!(news["articleSection"], "World News");
    assert_eq!(news["keywords"], json!(["Iran"]));
    assert_eq!(news["inLanguage"], "en-GB");

    let crumbs = &data[1];
    assert_eq!(crumbs["@type"], "BreadcrumbList");
    let items = crumbs["itemListElement"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Home", "News", "World News", "Border talks"]);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["position"], i + 1);
    }
    assert_eq!(items[2]["item"], "https://news.example.com/world-news");

    // An announced update moves dateModified; agency copy credits its byline as an organisation.
    let uri = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    let updated = app
        .patch_json(
            &uri,
            Some(&token),
            json!({"announce_update": true, "authors": [], "byline": "By Agencies"}),
        )
        .await
        .json(200);
    let news = &updated["structured_data"][0];
    assert_ne!(news["dateModified"], news["datePublished"]);
    assert_eq!(
        news["author"],
        json!([{"@type": "Organization", "name": "Agencies"}])
    );
}

#[actix_web::test]
async fn section_tag_and_source_pages_have_urls_and_seo_overrides() {
    let app = TestApp::new();
    let token = editor_with_site(&app).await;
    let section = app
        .post_json(
            "/api/v1/sections",
            Some(&token),
            json!({"name": "Sport", "seo_title": "Sport: scores and news", "meta_description": "All the sport."}),
        )
        .await
        .json(201);
    assert_eq!(section["url"], "https://news.example.com/sport");
    assert_eq!(section["seo_title"], "Sport: scores and news");
    assert_eq!(section["meta_description"], "All the sport.");
    let cleared = app
        .patch_json("/api/v1/sections/sport", Some(&token), json!({"seo_title": null}))
        .await
        .json(200);
    assert_eq!(cleared["seo_title"], Value::Null);
    assert_eq!(cleared["meta_description"], "All the sport.", "untouched");

    let tag = app
        .post_json(
            "/api/v1/tags",
            Some(&token),
            json!({"name": "Diplomacy", "seo_title": "Diplomacy news"}),
        )
        .await
        .json(201);
    assert_eq!(tag["url"], "https://news.example.com/tag/diplomacy");
    assert_eq!(tag["seo_title"], "Diplomacy news");
    assert_eq!(tag["meta_description"], Value::Null);
    let public = app.get("/api/v1/tags/diplomacy").await.json(200);
    assert_eq!(public, tag);
    let listed = app.get("/api/v1/tags").await.json(200);
    assert_eq!(listed["data"][0]["url"], "https://news.example.com/tag/diplomacy");

    let source = app
        .post_json(
            "/api/v1/sources",
            Some(&token),
            json!({"name": "Reuters", "url": "https://www.reuters.com", "meta_description": "Reuters copy."}),
        )
        .await
        .json(201);
    assert_eq!(source["url"], "https://www.reuters.com", "the source's own site");
    assert_eq!(source["page_url"], "https://news.example.com/source/reuters");
    assert_eq!(source["meta_description"], "Reuters copy.");

    // Lengths are checked, field by field, on every kind.
    for uri in ["/api/v1/sections", "/api/v1/tags", "/api/v1/sources"] {
        let body =
            json!({"name": "Long", "seo_title": "t".repeat(301), "meta_description": "d".repeat(2001)});
        let fields = app.post_json(uri, Some(&token), body).await.error_fields(422);
        assert_eq!(fields, ["meta_description", "seo_title"], "{uri}");
    }
}
