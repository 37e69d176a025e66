//! Feeds and sitemaps, checked by independent tools: every feed parsed by `feedparser` without a
//! single bozo warning, JSON Feed against its JSON Schema, every sitemap against the official
//! XSDs (sitemaps.org, Google image and news) with `xmlschema` (`scripts/syndication_check.py`).

use std::io::Write;
use std::process::Command;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::webhooks::{python, script};
use crate::support::{Response, TestApp};

/// Validates `body` as `kind` with the repository's checker; panics with its findings.
fn check(python: &str, kind: &str, body: &str) {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(body.as_bytes()).expect("write");
    let output = Command::new(python)
        .arg(script("syndication_check.py"))
        .args([kind, file.path().to_str().unwrap()])
        .output()
        .expect("run the checker");
    assert!(
        output.status.success(),
        "{kind} is not valid: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        body.chars().take(3000).collect::<String>()
    );
}

/// A newsroom: a section with a sub-section, a tag, a source, a credited author, public
/// articles (one with a featured image, one in the sub-section) and articles the public must
/// never see in a feed (a draft, a scheduled one, an archived one, one in the trash).
async fn newsroom(app: &TestApp) -> String {
    let (_, admin) = app.logged_in("admin").await;
    app.patch_json(
        "/api/v1/site",
        Some(&admin),
        json!({"base_url": "https://news.example.com", "name": "The Daily & Co", "language": "en-GB",
               "description": "News <from> everywhere"}),
    )
    .await
    .json(200);
    app.section("world-news", "World News", None);
    app.section("asia", "Asia", Some("world-news"));
    let first = app
        .article("talks-resume")
        .headline("Talks resume <in> Islamabad & Tehran")
        .body("<p>Officials met on <em>Monday</em>, <a href=\"/world-news/earlier-talks\">again</a>.</p>")
        .tags(&["diplomacy"])
        .sources(&["reuters"])
        .published_hours_ago(3)
        .create();
    let (writer, _) = app.logged_in("editor").await;
    app.credit(first, writer, "jane-doe");
    app.article("in-asia")
        .section("asia")
        .published_hours_ago(2)
        .create();
    app.article("old-story").published_hours_ago(24 * 40).create();
    // A control character XML forbids, as an import from an old system may bring.
    app.article("vertical-tab")
        .headline("Line\u{B}break")
        .published_hours_ago(4)
        .create();
    app.article("a-draft").draft().create();
    app.article("an-archived-one").archived().create();
    app.article("scheduled").published_hours_ago(-5).create();
    app.article("trashed").published_hours_ago(1).create();
    let trashed = app
        .call(Method::DELETE, "/api/v1/articles/trashed", Some(&admin))
        .await;
    assert_eq!(trashed.status.as_u16(), 204);
    // A featured image, uploaded for real so that it has files.
    let (content_type, body) = crate::support::fixtures::image_upload("Officials shake hands");
    let uploaded = app
        .send(
            TestRequest::post()
                .uri("/api/v1/media")
                .insert_header(("Content-Type", content_type))
                .insert_header(("Authorization", format!("Bearer {admin}")))
                .set_payload(body),
        )
        .await
        .json(201);
    app.patch_json(
        "/api/v1/articles/talks-resume",
        Some(&admin),
        json!({"featured_media": uploaded["id"]}),
    )
    .await
    .json(200);
    admin
}

const NEVER_LISTED: [&str; 4] = ["a-draft", "an-archived-one", "scheduled", "trashed"];

fn assert_public_only(body: &str) {
    for slug in NEVER_LISTED {
        assert!(
            !body.contains(&format!("/{slug}")),
            "{slug} must not appear:\n{body}"
        );
    }
}

#[actix_web::test]
async fn every_feed_of_every_scope_parses_cleanly_with_public_articles_only() {
    let Some(python) = python() else { return };
    let app = TestApp::new();
    newsroom(&app).await;
    let scopes = [
        "/api/v1/feeds",
        "/api/v1/feeds/sections/world-news",
        "/api/v1/feeds/tags/diplomacy",
        "/api/v1/feeds/sources/reuters",
        "/api/v1/feeds/authors/jane-doe",
    ];
    for scope in scopes {
        for (format, kind, content_type) in [
            ("rss", "rss", "application/rss+xml; charset=utf-8"),
            ("atom", "atom", "application/atom+xml; charset=utf-8"),
            ("json", "jsonfeed", "application/feed+json; charset=utf-8"),
        ] {
            for content in ["", "?content=full"] {
                let uri = format!("{scope}/{format}{content}");
                let response = app.get(&uri).await;
                assert_eq!(response.status.as_u16(), 200, "{uri}: {}", response.text());
                assert_eq!(
                    response.header("content-type").as_deref(),
                    Some(content_type),
                    "{uri}"
                );
                let body = response.text();
                check(&python, kind, &body);
                assert_public_only(&body);
                assert!(
                    body.contains("https://news.example.com/world-news/talks-resume"),
                    "{uri}: absolute URLs"
                );
                if content.is_empty() {
                    assert!(!body.contains("Monday"), "{uri}: summaries only");
                } else {
                    assert!(body.contains("Monday"), "{uri}: full content");
                    assert!(
                        body.contains("https://news.example.com/world-news/earlier-talks"),
                        "{uri}: links in the body made absolute"
                    );
                }
            }
        }
    }
    // The section's feed has its sub-section's articles; the tag's only the tagged one.
    let section = app.get("/api/v1/feeds/sections/world-news/json").await.json(200);
    let urls: Vec<&str> = section["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["url"].as_str().unwrap())
        .collect();
    assert!(urls.iter().any(|u| u.ends_with("/asia/in-asia")), "{urls:?}");
    let tag = app.get("/api/v1/feeds/tags/diplomacy/json").await.json(200);
    assert_eq!(tag["items"].as_array().unwrap().len(), 1);
    assert_eq!(tag["title"], "The Daily & Co — Diplomacy");
    // Bylines, categories, the image as an attachment, the site's language.
    let site = app.get("/api/v1/feeds/json").await.json(200);
    assert_eq!(site["language"], "en-GB");
    assert_eq!(site["feed_url"], "https://news.example.com/feeds/json");
    let item = &site["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Talks resume <in> Islamabad & Tehran")
        .unwrap()
        .clone();
    assert_eq!(item["authors"], json!([{"name": "editor editor-2@example.com"}]));
    assert_eq!(item["tags"], json!(["World News", "Diplomacy"]));
    assert!(
        item["image"]
            .as_str()
            .unwrap()
            .starts_with("https://news.example.com/media/")
    );
    assert!(item["attachments"][0]["size_in_bytes"].as_u64().unwrap() > 0);
    // Newest first.
    let titles: Vec<&str> = site["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["url"].as_str().unwrap())
        .collect();
    assert!(titles.first().unwrap().ends_with("/asia/in-asia"), "{titles:?}");
    let rss = app.get("/api/v1/feeds/rss").await.text();
    assert!(
        rss.contains("<enclosure url=\"https://news.example.com/media/"),
        "{rss}"
    );
    assert!(rss.contains("<dc:creator>"), "{rss}");
}

#[actix_web::test]
async fn feeds_revalidate_carry_their_keys_and_refuse_what_they_do_not_know() {
    let app = TestApp::with_config(|c| c.feed_size = 2);
    newsroom(&app).await;
    let response = app.get("/api/v1/feeds/atom").await;
    let etag = response.header("etag").expect("an ETag");
    let keys = response.header("surrogate-key").unwrap();
    assert!(
        keys.split(' ').any(|k| k == "articles") && keys.split(' ').any(|k| k == "site"),
        "{keys}"
    );
    assert!(keys.split(' ').any(|k| k.starts_with("article-")), "{keys}");
    let again = app
        .send(
            TestRequest::get()
                .uri("/api/v1/feeds/atom")
                .insert_header(("If-None-Match", etag)),
        )
        .await;
    assert_eq!(again.status.as_u16(), 304);
    // `DATELINE_FEED_SIZE`.
    let json = app.get("/api/v1/feeds/json").await.json(200);
    assert_eq!(json["items"].as_array().unwrap().len(), 2);
    // Tracking parameters are ignored; anything else unknown is refused.
    assert_eq!(
        app.get("/api/v1/feeds/rss?utm_source=x&_=1")
            .await
            .status
            .as_u16(),
        200
    );
    let fields = app.get("/api/v1/feeds/rss?limit=5").await.error_fields(400);
    assert_eq!(fields, ["limit"]);
    app.get("/api/v1/feeds/rss?content=everything").await.problem(400);
    app.get("/api/v1/feeds/xml").await.problem(400);
    app.get("/api/v1/feeds/categories/diplomacy/rss")
        .await
        .problem(400);
    // A slug that is no slug names nothing, like any unknown one.
    for missing in [
        "tags/Not%20A%20Slug",
        "sections/nowhere",
        "tags/nothing",
        "sources/nobody",
        "authors/no-one",
    ] {
        app.get(&format!("/api/v1/feeds/{missing}/rss"))
            .await
            .problem(404);
    }
}

/// The body of a sitemap, checked for status and type.
async fn sitemap(app: &TestApp, uri: &str) -> String {
    let response: Response = app.get(uri).await;
    assert_eq!(response.status.as_u16(), 200, "{uri}: {}", response.text());
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/xml; charset=utf-8")
    );
    response.text()
}

#[actix_web::test]
async fn sitemaps_validate_against_the_official_schemas_and_list_canonical_public_pages() {
    let Some(python) = python() else { return };
    let app = TestApp::new();
    let admin = newsroom(&app).await;
    app.article("not-for-search").published_hours_ago(1).create();
    app.patch_json(
        "/api/v1/articles/not-for-search",
        Some(&admin),
        json!({"seo": {"noindex": true}}),
    )
    .await
    .json(200);

    let index = sitemap(&app, "/api/v1/sitemap.xml").await;
    check(&python, "sitemapindex", &index);
    let now = app.now();
    let this_month = now.format("%Y-%m").to_string();
    let old_month = (now - Duration::hours(24 * 40)).format("%Y-%m").to_string();
    for loc in [
        "https://news.example.com/sitemaps/pages.xml".to_owned(),
        "https://news.example.com/sitemaps/news.xml".to_owned(),
        format!("https://news.example.com/sitemaps/articles/{this_month}.xml"),
        format!("https://news.example.com/sitemaps/articles/{old_month}.xml"),
    ] {
        assert!(index.contains(&format!("<loc>{loc}</loc>")), "{loc} in\n{index}");
    }

    let month = sitemap(&app, &format!("/api/v1/sitemaps/articles/{this_month}.xml")).await;
    check(&python, "sitemap", &month);
    assert_public_only(&month);
    assert!(
        month.contains("<loc>https://news.example.com/world-news/talks-resume</loc>"),
        "{month}"
    );
    assert!(
        month.contains("<image:image><image:loc>https://news.example.com/media/"),
        "{month}"
    );
    assert!(!month.contains("not-for-search"), "noindex articles are left out");
    assert!(!month.contains("old-story"), "another month's article");
    let old = sitemap(&app, &format!("/api/v1/sitemaps/articles/{old_month}.xml")).await;
    check(&python, "sitemap", &old);
    assert!(old.contains("old-story"));

    let news = sitemap(&app, "/api/v1/sitemaps/news.xml").await;
    check(&python, "sitemap", &news);
    assert!(
        news.contains("<news:name>The Daily &amp; Co</news:name>"),
        "{news}"
    );
    assert!(news.contains("<news:language>en</news:language>"), "{news}");
    assert!(
        news.contains("<news:title>Talks resume &lt;in&gt; Islamabad &amp; Tehran</news:title>"),
        "{news}"
    );
    assert!(!news.contains("old-story"), "older than 48 hours");
    assert_public_only(&news);

    let pages = sitemap(&app, "/api/v1/sitemaps/pages.xml").await;
    check(&python, "sitemap", &pages);
    for loc in [
        "https://news.example.com/",
        "https://news.example.com/world-news",
        "https://news.example.com/asia",
        "https://news.example.com/tag/diplomacy",
        "https://news.example.com/author/jane-doe",
    ] {
        assert!(pages.contains(&format!("<loc>{loc}</loc>")), "{loc} in\n{pages}");
    }

    app.get("/api/v1/sitemaps/articles/1999-01.xml")
        .await
        .problem(404);
    app.get(&format!("/api/v1/sitemaps/articles/{this_month}-2.xml"))
        .await
        .problem(404);
    app.get("/api/v1/sitemaps/articles/2026-13.xml")
        .await
        .problem(404);
    app.get("/api/v1/sitemaps/articles/latest.xml").await.problem(404);
}

#[actix_web::test]
async fn an_empty_site_has_a_valid_index_and_feeds() {
    let Some(python) = python() else { return };
    let app = TestApp::new();
    let index = sitemap(&app, "/api/v1/sitemap.xml").await;
    check(&python, "sitemapindex", &index);
    assert!(!index.contains("news.xml"), "no News sitemap without news");
    app.get("/api/v1/sitemaps/news.xml").await.problem(404);
    let feed: Value = app.get("/api/v1/feeds/json").await.json(200);
    assert_eq!(feed["items"], json!([]));
    check(&python, "atom", &app.get("/api/v1/feeds/atom").await.text());
    check(&python, "rss", &app.get("/api/v1/feeds/rss").await.text());
}

#[actix_web::test]
async fn a_month_beyond_the_per_file_limit_is_split_into_valid_parts_in_order() {
    let Some(python) = python() else { return };
    // The limit is 50,000 in production; two here so that five articles need three parts.
    let app = TestApp::with_config(|c| c.sitemap_urls = 2);
    app.patch_json(
        "/api/v1/site",
        Some(&app.logged_in("admin").await.1),
        json!({"base_url": "https://news.example.com"}),
    )
    .await
    .json(200);
    let slugs = ["first", "second", "third", "fourth", "fifth"];
    for (i, slug) in slugs.iter().enumerate() {
        app.article(slug).published_hours_ago(10 - i as i64).create();
    }
    app.article("not-yet").published_hours_ago(-2).create();
    app.article("unfinished").draft().create();
    // A month whose only article is kept out of search has no sitemap to name.
    app.article("hidden-old").published_hours_ago(24 * 40).create();
    app.patch_json(
        "/api/v1/articles/hidden-old",
        Some(&app.logged_in("admin").await.1),
        json!({"seo": {"noindex": true}}),
    )
    .await
    .json(200);

    let index = sitemap(&app, "/api/v1/sitemap.xml").await;
    check(&python, "sitemapindex", &index);
    let month = app.now().format("%Y-%m").to_string();
    let files = [
        format!("{month}.xml"),
        format!("{month}-2.xml"),
        format!("{month}-3.xml"),
    ];
    for file in &files {
        let loc = format!("<loc>https://news.example.com/sitemaps/articles/{file}</loc>");
        assert!(index.contains(&loc), "{loc} in\n{index}");
    }
    assert!(!index.contains(&format!("{month}-4.xml")), "{index}");
    let hidden_month = (app.now() - Duration::hours(24 * 40)).format("%Y-%m").to_string();
    assert!(!index.contains(&format!("/{hidden_month}")), "{index}");

    let mut listed = Vec::new();
    for (file, expected) in files.iter().zip([2, 2, 1]) {
        let part = sitemap(&app, &format!("/api/v1/sitemaps/articles/{file}")).await;
        check(&python, "sitemap", &part);
        assert_eq!(part.matches("<url>").count(), expected, "{file}:\n{part}");
        listed.extend(part.split("<loc>https://news.example.com/").skip(1).map(|rest| {
            rest.split('<')
                .next()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        }));
    }
    assert_eq!(
        listed, slugs,
        "every public article once, oldest first, across the parts"
    );
    app.get(&format!("/api/v1/sitemaps/articles/{month}-4.xml"))
        .await
        .problem(404);
}
