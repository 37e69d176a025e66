//! `GET /api/v1/articles` and `GET /api/v1/articles/{slug}`.

use chrono::Duration;
use serde_json::json;

use crate::support::{TestApp, slugs};

#[actix_web::test]
async fn an_empty_database_answers_an_empty_page() {
    let app = TestApp::new();
    let body = app.get("/api/v1/articles").await.json(200);
    assert_eq!(
        body,
        json!({"data": [], "meta": {"page": 1, "per_page": 20, "has_more": false}})
    );
    let counted = app.get("/api/v1/articles?total=true").await.json(200);
    assert_eq!(counted["meta"]["total"], 0);
}

#[actix_web::test]
async fn only_published_articles_whose_time_has_come_are_listed() {
    let app = TestApp::new();
    app.article("visible").published_hours_ago(2).create();
    app.article("a-draft").draft().create();
    app.article("archived-one").archived().create();
    app.article("scheduled").published_hours_ago(-3).create();

    let body = app.get("/api/v1/articles?total=true").await.json(200);
    assert_eq!(slugs(&body), ["visible"]);
    assert_eq!(body["meta"]["total"], 1);
    for hidden in ["a-draft", "scheduled"] {
        app.get(&format!("/api/v1/articles/{hidden}")).await.problem(404);
    }
    // Archived: it was public once, and is withdrawn.
    app.get("/api/v1/articles/archived-one").await.problem(410);
}

#[actix_web::test]
async fn a_scheduled_article_appears_when_its_time_comes() {
    let app = TestApp::new();
    app.article("tomorrow").published_hours_ago(-24).create();
    assert_eq!(
        app.get("/api/v1/articles?total=true").await.json(200)["meta"]["total"],
        0
    );
    app.get("/api/v1/articles/tomorrow").await.problem(404);

    app.clock.advance(Duration::hours(24));
    assert_eq!(slugs(&app.get("/api/v1/articles").await.json(200)), ["tomorrow"]);
    app.get("/api/v1/articles/tomorrow").await.json(200);
}

#[actix_web::test]
async fn lists_are_newest_first_by_default_and_can_be_sorted() {
    let app = TestApp::new();
    app.article("old").published_hours_ago(30).create();
    app.article("new").published_hours_ago(1).create();
    app.article("middle").published_hours_ago(10).create();

    assert_eq!(
        slugs(&app.get("/api/v1/articles").await.json(200)),
        ["new", "middle", "old"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?sort=-published_at").await.json(200)),
        ["new", "middle", "old"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?sort=published_at").await.json(200)),
        ["old", "middle", "new"]
    );
    // Fixtures set updated_at to the publication time.
    assert_eq!(
        slugs(&app.get("/api/v1/articles?sort=-updated_at").await.json(200)),
        ["new", "middle", "old"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?sort=updated_at").await.json(200)),
        ["old", "middle", "new"]
    );
}

#[actix_web::test]
async fn pages_split_the_list_and_count_only_when_asked() {
    let app = TestApp::new();
    for hours in 1..=5 {
        app.article(&format!("story-{hours}"))
            .published_hours_ago(hours)
            .create();
    }
    let first = app.get("/api/v1/articles?per_page=2").await.json(200);
    assert_eq!(slugs(&first), ["story-1", "story-2"]);
    assert_eq!(first["meta"]["has_more"], true);
    assert!(first["meta"].get("total").is_none(), "no count unless asked");
    let counted = app.get("/api/v1/articles?per_page=2&total=true").await.json(200);
    assert_eq!(counted["meta"]["total"], 5);
    let third = app
        .get("/api/v1/articles?per_page=2&page=3&total=true")
        .await
        .json(200);
    assert_eq!(slugs(&third), ["story-5"]);
    assert_eq!(third["meta"]["has_more"], false);
    assert!(third["meta"].get("next_cursor").is_none());
    let beyond = app
        .get("/api/v1/articles?per_page=2&page=4&total=true")
        .await
        .json(200);
    assert_eq!(slugs(&beyond), Vec::<String>::new());
    assert_eq!(beyond["meta"]["total"], 5);
}

#[actix_web::test]
async fn cursors_page_through_the_list_stably_while_new_articles_arrive() {
    let app = TestApp::new();
    for hours in 1..=5 {
        app.article(&format!("story-{hours}"))
            .published_hours_ago(hours)
            .create();
    }
    let first = app.get("/api/v1/articles?per_page=2").await.json(200);
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    // A story published now would shift every page number by one; cursors do not move.
    app.article("breaking").published_hours_ago(0).create();
    let second = app
        .get(&format!("/api/v1/articles?per_page=2&cursor={cursor}"))
        .await
        .json(200);
    assert_eq!(slugs(&second), ["story-3", "story-4"]);
    assert!(second["meta"].get("page").is_none());
    let cursor = second["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let last = app
        .get(&format!("/api/v1/articles?per_page=2&cursor={cursor}"))
        .await
        .json(200);
    assert_eq!(slugs(&last), ["story-5"]);
    assert_eq!(last["meta"]["has_more"], false);

    let oldest = app
        .get("/api/v1/articles?per_page=2&sort=published_at")
        .await
        .json(200);
    let cursor = oldest["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(&format!(
            "/api/v1/articles?per_page=2&sort=published_at&cursor={cursor}"
        ))
        .await
        .json(200);
    assert_eq!(slugs(&next), ["story-3", "story-2"]);
    // A cursor names a position, not an order: read newest first, it picks up after the same
    // article. With `page` too, the cursor wins.
    let newest_after = app
        .get(&format!("/api/v1/articles?cursor={cursor}"))
        .await
        .json(200);
    let with_page = app
        .get(&format!("/api/v1/articles?page=2&cursor={cursor}"))
        .await
        .json(200);
    assert_eq!(slugs(&with_page), slugs(&newest_after));
    assert!(with_page["meta"].get("page").is_none(), "cursor mode");
    assert_eq!(
        app.get("/api/v1/articles?cursor=garbage").await.error_fields(400),
        ["cursor"]
    );
}

#[actix_web::test]
async fn the_page_size_default_and_cap_come_from_configuration() {
    let app = TestApp::with_config(|c| {
        c.default_page_size = 2;
        c.max_page_size = 3;
    });
    for hours in 1..=4 {
        app.article(&format!("story-{hours}"))
            .published_hours_ago(hours)
            .create();
    }
    assert_eq!(app.get("/api/v1/articles").await.json(200)["meta"]["per_page"], 2);
    assert_eq!(
        app.get("/api/v1/articles?per_page=3").await.json(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        app.get("/api/v1/articles?per_page=4").await.error_fields(400),
        ["per_page"]
    );
}

#[actix_web::test]
async fn the_section_filter_includes_sub_sections() {
    let app = TestApp::new();
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    app.section("asia", "Asia", Some("world-news"));
    app.section("sport", "Sport", None);
    app.article("in-asia")
        .section("asia")
        .published_hours_ago(1)
        .create();
    app.article("in-world")
        .section("world-news")
        .published_hours_ago(2)
        .create();
    app.article("in-sport")
        .section("sport")
        .published_hours_ago(3)
        .create();

    assert_eq!(
        slugs(&app.get("/api/v1/articles?section=news").await.json(200)),
        ["in-asia", "in-world"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?section=asia").await.json(200)),
        ["in-asia"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?section=sport").await.json(200)),
        ["in-sport"]
    );
}

#[actix_web::test]
async fn tag_source_and_author_filters_narrow_the_list() {
    let app = TestApp::new();
    let jane = app.user("jane@example.com", "Jane Doe", "author");
    let one = app
        .article("one")
        .tags(&["iran", "pakistan"])
        .sources(&["agencies"])
        .author(jane)
        .published_hours_ago(1)
        .create();
    app.credit(one, jane, "jane-doe");
    app.article("two")
        .tags(&["iran"])
        .sources(&["reuters"])
        .published_hours_ago(2)
        .create();
    app.article("three")
        .tags(&["sport"])
        .published_hours_ago(3)
        .create();

    assert_eq!(
        slugs(&app.get("/api/v1/articles?tag=iran").await.json(200)),
        ["one", "two"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?tag=pakistan").await.json(200)),
        ["one"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?source=reuters").await.json(200)),
        ["two"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?author=jane-doe").await.json(200)),
        ["one"]
    );
    assert_eq!(
        slugs(
            &app.get("/api/v1/articles?tag=iran&source=agencies")
                .await
                .json(200)
        ),
        ["one"]
    );
    // The filter takes the byline's public profile; the owning account alone is not a byline.
    let two = app.get("/api/v1/articles/two").await.json(200);
    assert_eq!(two["authors"], serde_json::json!([]));
    // A user id (the old form) is refused clearly: the filter takes profile slugs.
    let by_id = app.get("/api/v1/articles?author=999999").await;
    assert_eq!(by_id.error_fields(400), ["author"]);
    app.get("/api/v1/articles?author=nobody-here").await.problem(404);
}

#[actix_web::test]
async fn unknown_filter_slugs_are_404_naming_the_parameter() {
    let app = TestApp::new();
    for param in ["section", "tag", "source"] {
        let response = app.get(&format!("/api/v1/articles?{param}=no-such-thing")).await;
        assert_eq!(response.error_fields(404), [param]);
    }
}

#[actix_web::test]
async fn text_search_is_case_insensitive_over_four_fields() {
    let app = TestApp::new();
    app.article("by-headline")
        .headline("Border Talks Resume")
        .published_hours_ago(1)
        .create();
    app.article("by-alternative")
        .alternative_headline("Talks at the BORDER")
        .published_hours_ago(2)
        .create();
    app.article("by-summary")
        .summary(Some("a border dispute"))
        .published_hours_ago(3)
        .create();
    app.article("by-body")
        .body("<p>The bOrDeR was closed.</p>")
        .published_hours_ago(4)
        .create();
    app.article("unrelated").published_hours_ago(5).create();
    app.article("hidden-draft")
        .headline("Border draft")
        .draft()
        .create();

    let found = slugs(&app.get("/api/v1/articles?q=border").await.json(200));
    assert_eq!(found, ["by-headline", "by-alternative", "by-summary", "by-body"]);
    // Counted and paged the same way (PostgreSQL plans the count apart from the page).
    let paged = app
        .get("/api/v1/articles?q=border&total=true&per_page=3&page=2")
        .await
        .json(200);
    assert_eq!(slugs(&paged), ["by-body"]);
    assert_eq!(paged["meta"]["total"], 4);
}

#[actix_web::test]
async fn search_needs_every_word_takes_the_last_as_a_prefix_and_ignores_accents() {
    let app = TestApp::new();
    app.article("talks")
        .headline("Diplomatic talks in Zürich")
        .published_hours_ago(1)
        .create();
    app.article("diplomacy")
        .summary(Some("Diplomacy, at last"))
        .published_hours_ago(2)
        .create();
    app.article("markup")
        .body("<p>A <strong>border</strong> story</p>")
        .published_hours_ago(3)
        .create();

    assert_eq!(
        slugs(&app.get("/api/v1/articles?q=diplom").await.json(200)),
        ["talks", "diplomacy"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?q=talks%20diplo").await.json(200)),
        ["talks"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?q=zurich").await.json(200)),
        ["talks"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?q=strong").await.json(200)),
        Vec::<String>::new(),
        "markup is not text"
    );
}

#[actix_web::test]
async fn search_syntax_wildcards_and_sql_in_the_text_are_only_words() {
    let app = TestApp::new();
    app.article("percent")
        .headline("Rates rise 100% in a year")
        .published_hours_ago(1)
        .create();
    app.article("plain")
        .headline("Rates fall in a year")
        .published_hours_ago(2)
        .create();
    for q in ["%", "_", "*", "\"\"", "'"] {
        let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let found = app.get(&format!("/api/v1/articles?q={encoded}")).await.json(200);
        assert_eq!(slugs(&found), Vec::<String>::new(), "{q} has no word to look for");
    }
    for q in [
        "100%",
        "rise OR fall",
        "rise NOT",
        "\"rates\" AND (rise",
        "rise*",
        "rates -fall",
        "rise' OR 1=1 --",
    ] {
        let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let response = app.get(&format!("/api/v1/articles?q={encoded}")).await;
        assert_eq!(response.status, 200, "{q}: {}", response.text());
    }
    assert_eq!(
        slugs(&app.get("/api/v1/articles?q=rise%20OR%20fall").await.json(200)),
        Vec::<String>::new(),
        "OR is a word here"
    );
    assert_eq!(
        slugs(&app.get("/api/v1/articles?q=100%25").await.json(200)),
        ["percent"]
    );
}

#[actix_web::test]
async fn summaries_carry_what_a_latest_posts_block_needs() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    app.tag("pakistan", "Pakistan");
    app.tag("iran", "Iran");
    app.article("story")
        .headline("Pakistan and Iran agree")
        .summary(Some("A short summary."))
        .tags(&["pakistan", "iran"])
        .published_hours_ago(1)
        .create();

    let item = &app.get("/api/v1/articles").await.json(200)["data"][0];
    assert_eq!(item["slug"], "story");
    assert_eq!(item["headline"], "Pakistan and Iran agree");
    assert_eq!(item["summary"], "A short summary.");
    assert_eq!(
        item["section"],
        json!({"slug": "world-news", "name": "World News"})
    );
    assert_eq!(
        item["tags"],
        json!([{"slug": "pakistan", "name": "Pakistan"}, {"slug": "iran", "name": "Iran"}])
    );
    assert_eq!(item["published_at"], "2026-06-01T11:00:00Z");
    assert!(item.get("body").is_none(), "lists do not carry bodies");
}

#[actix_web::test]
async fn an_article_carries_breadcrumb_tags_sources_byline_and_approved_count() {
    let app = TestApp::new();
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    let jane = app.user("jane@example.com", "Jane Doe", "author");
    let id = app
        .article("story")
        .headline("Headline")
        .alternative_headline("Alternative")
        .section("world-news")
        .tags(&["iran", "pakistan"])
        .sources(&["reuters", "agencies"])
        .author(jane)
        .published_hours_ago(1)
        .create();
    app.comment(id, "approved", "first");
    app.comment(id, "approved", "second");
    app.comment(id, "pending", "waiting");
    app.comment(id, "spam", "buy now");

    let article = app.get("/api/v1/articles/story").await.json(200);
    assert_eq!(article["id"], id);
    assert_eq!(article["headline"], "Headline");
    assert_eq!(article["alternative_headline"], "Alternative");
    assert_eq!(article["body"], "<p>Body of story</p>");
    assert_eq!(
        article["section"],
        json!({"slug": "world-news", "name": "World News", "breadcrumb": [
            {"slug": "news", "name": "News"}, {"slug": "world-news", "name": "World News"}]})
    );
    assert_eq!(article["tags"][0]["slug"], "iran");
    assert_eq!(article["tags"][1]["slug"], "pakistan");
    assert_eq!(article["sources"][0]["slug"], "reuters");
    assert_eq!(article["sources"][1]["slug"], "agencies");
    assert_eq!(article["author"], json!({"id": jane, "display_name": "Jane Doe"}));
    assert_eq!(article["status"], "published");
    assert_eq!(article["comments_enabled"], true);
    assert_eq!(article["comment_count"], 2);
    assert!(
        !article.to_string().contains("jane@example.com"),
        "no e-mail in public payloads"
    );
    assert!(!article.to_string().contains("reader@example.com"));
}

#[actix_web::test]
async fn the_comments_flag_is_part_of_the_article() {
    let app = TestApp::new();
    app.article("closed").comments_enabled(false).create();
    assert_eq!(
        app.get("/api/v1/articles/closed").await.json(200)["comments_enabled"],
        false
    );
}

#[actix_web::test]
async fn unknown_slugs_are_404_problems() {
    let app = TestApp::new();
    let problem = app.get("/api/v1/articles/no-such-article").await.problem(404);
    assert_eq!(problem["title"], "Not Found");
}

#[actix_web::test]
async fn a_page_costs_the_same_number_of_queries_for_one_or_many_articles() {
    let app = TestApp::new();
    app.article("only")
        .tags(&["a", "b"])
        .sources(&["s"])
        .published_hours_ago(1)
        .create();
    let before = app.queries.get();
    app.get("/api/v1/articles?section=world-news&tag=a")
        .await
        .json(200);
    let for_one = app.queries.get() - before;

    for n in 0..30 {
        app.article(&format!("more-{n}"))
            .tags(&["a", "b", "c"])
            .sources(&["s", "t"])
            .published_hours_ago(n + 2)
            .create();
    }
    let before = app.queries.get();
    let body = app
        .get("/api/v1/articles?section=world-news&tag=a&per_page=31")
        .await
        .json(200);
    let for_many = app.queries.get() - before;
    assert_eq!(body["data"].as_array().unwrap().len(), 31);
    assert_eq!(for_one, for_many, "queries for 1 item vs 31 items");

    let before = app.queries.get();
    app.get("/api/v1/articles/more-3").await.json(200);
    let for_article = app.queries.get() - before;
    // Read live (nothing rendered a stored document here): the look for a stored document, the
    // article, the section tree, the site settings, bylines, tags, sources, the comment count and
    // corrections; on PostgreSQL the pool also checks the connection (`SELECT 1`). With a
    // fresh stored document it is one query (`documents.rs`).
    assert!(for_article <= 10, "one article took {for_article} queries");
}
