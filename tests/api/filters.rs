//! The article list's richer filters: several values (any of them), all-of tags, exclusions,
//! publication-time bounds (dates in the site's time zone), the batch form in the order asked
//! with the missing slugs reported, and clear 400s and 404s for every malformed or unknown value.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, slugs};

/// Five public articles an hour apart (newest first: a, b, c, d, e), a draft, two authors.
fn newsroom() -> TestApp {
    let app = TestApp::new();
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    app.section("sport", "Sport", None);
    app.section("business", "Business", None);
    let jane = app.user("jane@example.com", "Jane", "author");
    let omar = app.user("omar@example.com", "Omar", "author");
    let a = app
        .article("a")
        .tags(&["iran", "pakistan"])
        .sources(&["agencies"])
        .published_hours_ago(1)
        .create();
    let b = app
        .article("b")
        .section("sport")
        .tags(&["iran"])
        .sources(&["reuters"])
        .published_hours_ago(2)
        .create();
    app.article("c")
        .section("business")
        .tags(&["pakistan"])
        .published_hours_ago(3)
        .create();
    let d = app
        .article("d")
        .tags(&["economy"])
        .published_hours_ago(4)
        .create();
    app.article("e")
        .section("sport")
        .tags(&["iran", "pakistan", "economy"])
        .published_hours_ago(5)
        .create();
    app.article("draft").tags(&["iran"]).draft().create();
    app.credit(a, jane, "jane");
    app.credit(b, omar, "omar");
    app.credit(d, jane, "jane");
    app
}

async fn list(app: &TestApp, query: &str) -> Vec<String> {
    slugs(&app.get(&format!("/api/v1/articles?{query}")).await.json(200))
}

#[actix_web::test]
async fn several_values_match_any_of_them() {
    let app = newsroom();
    assert_eq!(list(&app, "tag=economy,pakistan").await, ["a", "c", "d", "e"]);
    assert_eq!(list(&app, "section=sport,business").await, ["b", "c", "e"]);
    // A parent section still includes its sub-sections.
    assert_eq!(list(&app, "section=news,business").await, ["a", "c", "d"]);
    assert_eq!(list(&app, "source=agencies,reuters").await, ["a", "b"]);
    assert_eq!(list(&app, "author=jane,omar").await, ["a", "b", "d"]);
    assert_eq!(
        list(&app, "tag=iran&section=sport").await,
        ["b", "e"],
        "filters combine"
    );
    // Paging and cursors work over any-of lists as over one value.
    let first = app
        .get("/api/v1/articles?tag=iran,economy&per_page=2")
        .await
        .json(200);
    assert_eq!(slugs(&first), ["a", "b"]);
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let next = list(&app, &format!("tag=iran,economy&per_page=2&cursor={cursor}")).await;
    assert_eq!(next, ["d", "e"]);
    // Articles with several of the tags appear once; both orders page through every match.
    let mut seen = Vec::new();
    let mut query = "tag=iran,pakistan&per_page=2&sort=published_at".to_owned();
    loop {
        let page = app.get(&format!("/api/v1/articles?{query}")).await.json(200);
        seen.extend(slugs(&page));
        let Some(cursor) = page["meta"]["next_cursor"].as_str() else {
            break;
        };
        query = format!("tag=iran,pakistan&per_page=2&sort=published_at&cursor={cursor}");
    }
    assert_eq!(seen, ["e", "c", "b", "a"]);
    assert_eq!(list(&app, "tag=iran,pakistan&per_page=3").await, ["a", "b", "c"]);
    assert_eq!(list(&app, "tag=iran,pakistan&page=2&per_page=3").await, ["e"]);
}

/// Every page of `query` in turn, `per_page=2`, by cursor and by page number: the two walks
/// must agree; returns the slugs in the order served.
async fn walk(app: &TestApp, query: &str) -> Vec<String> {
    let mut by_cursor = Vec::new();
    let mut next = format!("{query}&per_page=2");
    loop {
        let page = app.get(&format!("/api/v1/articles?{next}")).await.json(200);
        by_cursor.extend(slugs(&page));
        let Some(cursor) = page["meta"]["next_cursor"].as_str() else {
            break;
        };
        next = format!("{query}&per_page=2&cursor={cursor}");
    }
    let mut by_number = Vec::new();
    for n in 1..=(by_cursor.len() / 2 + 1) {
        by_number.extend(list(app, &format!("{query}&per_page=2&page={n}")).await);
    }
    assert_eq!(by_cursor, by_number, "{query}: cursor and numbered pages");
    by_cursor
}

#[actix_web::test]
async fn a_section_page_merges_its_sub_sections_in_order_on_every_page() {
    let app = newsroom();
    // `news` holds `a` and `d`; its sub-section `world-news` holds three more, published in
    // between, a draft and a scheduled article.
    for (slug, hours) in [("w1", 2), ("w2", 3), ("w3", 6)] {
        app.article(slug)
            .section("world-news")
            .published_hours_ago(hours)
            .create();
    }
    app.article("w-draft").section("world-news").draft().create();
    app.article("w-soon")
        .section("world-news")
        .published_hours_ago(-1)
        .create();
    let newest = ["a", "w1", "w2", "d", "w3"];
    let oldest: Vec<&str> = newest.iter().rev().copied().collect();
    for stored in [false, true] {
        if stored {
            app.render_documents();
        }
        assert_eq!(list(&app, "section=news").await, newest, "stored: {stored}");
        assert_eq!(walk(&app, "section=news").await, newest, "stored: {stored}");
        assert_eq!(
            walk(&app, "section=news&sort=published_at").await,
            oldest,
            "stored: {stored}"
        );
        assert_eq!(
            walk(&app, "section=news&exclude=w2").await,
            ["a", "w1", "d", "w3"],
            "other filters apply within each section; stored: {stored}"
        );
        let counted = app
            .get("/api/v1/articles?section=news&per_page=2&page=2&total=true")
            .await
            .json(200);
        assert_eq!(slugs(&counted), ["w2", "d"], "stored: {stored}");
        assert_eq!(
            counted["meta"]["total"], 5,
            "the sections' total; stored: {stored}"
        );
    }
}

#[actix_web::test]
async fn all_tags_needs_every_one() {
    let app = newsroom();
    assert_eq!(list(&app, "all_tags=iran,pakistan").await, ["a", "e"]);
    assert_eq!(list(&app, "all_tags=iran,pakistan,economy").await, ["e"]);
    assert_eq!(list(&app, "all_tags=iran&tag=economy,pakistan").await, ["a", "e"]);
}

#[actix_web::test]
async fn exclude_leaves_out_the_articles_named() {
    let app = newsroom();
    assert_eq!(
        list(&app, "exclude=a&per_page=2").await,
        ["b", "c"],
        "latest except this one"
    );
    assert_eq!(list(&app, "tag=iran&exclude=a,e,no-such-slug").await, ["b"]);
}

#[actix_web::test]
async fn publication_bounds_take_times_and_site_days() {
    let app = newsroom();
    let now = app.now().and_utc();
    let at = |hours: i64| (now - chrono::Duration::hours(hours)).to_rfc3339();
    // After is inclusive, before exclusive.
    let between = format!(
        "published_after={}&published_before={}",
        urlencode(&at(3)),
        urlencode(&at(1))
    );
    assert_eq!(list(&app, &between).await, ["b", "c"]);
    // A date is its midnight in the site's time zone.
    let today = now.date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        list(&app, &format!("published_after={tomorrow}")).await,
        Vec::<String>::new()
    );
    assert_eq!(list(&app, &format!("published_before={tomorrow}")).await.len(), 5);
    for bad in [
        "yesterday",
        "2024-13-01",
        "2024-01-01T25:00:00Z",
        "-5000-01-01",
        "10000-01-01",
    ] {
        let problem = app.get(&format!("/api/v1/articles?published_after={bad}")).await;
        assert_eq!(problem.error_fields(400), ["published_after"], "{bad}");
    }
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn the_batch_form_answers_in_the_order_asked_and_reports_the_missing() {
    let app = newsroom();
    let batch = app
        .get("/api/v1/articles?slug=d,nothing-here,a,draft,b")
        .await
        .json(200);
    assert_eq!(slugs(&batch), ["d", "a", "b"]);
    assert_eq!(
        batch["meta"]["missing"],
        json!(["nothing-here", "draft"]),
        "a draft is not public"
    );
    assert_eq!(batch["meta"]["has_more"], false);
    let all_found = app.get("/api/v1/articles?slug=a").await.json(200);
    assert_eq!(all_found["meta"]["missing"], json!([]));
    // Other lists say nothing of `missing`.
    assert_eq!(
        app.get("/api/v1/articles").await.json(200)["meta"].get("missing"),
        None
    );
    // Filters still narrow a batch.
    let narrowed = app.get("/api/v1/articles?slug=a,b&tag=pakistan").await.json(200);
    assert_eq!(slugs(&narrowed), ["a"]);
    assert_eq!(narrowed["meta"]["missing"], json!(["b"]));

    let hundred: Vec<String> = (0..101).map(|n| format!("s{n}")).collect();
    let too_many = app
        .get(&format!("/api/v1/articles?slug={}", hundred.join(",")))
        .await;
    assert_eq!(too_many.error_fields(400), ["slug"]);
    let ok = app
        .get(&format!("/api/v1/articles?slug={}", hundred[..100].join(",")))
        .await
        .json(200);
    assert_eq!(ok["meta"]["missing"].as_array().unwrap().len(), 100);
}

#[actix_web::test]
async fn the_batch_form_pages_and_sorts_like_any_list_and_reports_the_missing_on_every_page() {
    let app = newsroom();
    let asked = "/api/v1/articles?slug=d,nothing-here,a,draft,b";
    let first = app.get(&format!("{asked}&per_page=2")).await.json(200);
    assert_eq!(slugs(&first), ["d", "a"]);
    assert_eq!(first["meta"]["has_more"], true);
    assert_eq!(first["meta"]["page"], 1);
    let second = app
        .get(&format!("{asked}&per_page=2&page=2&total=true"))
        .await
        .json(200);
    assert_eq!(slugs(&second), ["b"]);
    assert_eq!(second["meta"]["has_more"], false);
    assert_eq!(second["meta"]["total"], 3);
    for page in [&first, &second] {
        assert_eq!(page["meta"]["missing"], json!(["nothing-here", "draft"]));
    }
    // An explicit sort orders the articles found by it, as the plain list orders them.
    for sort in ["published_at", "-published_at", "updated_at"] {
        let sorted = app.get(&format!("{asked}&sort={sort}")).await.json(200);
        let everything = app
            .get(&format!("/api/v1/articles?sort={sort}&per_page=100"))
            .await
            .json(200);
        let expected: Vec<String> = slugs(&everything)
            .into_iter()
            .filter(|slug| ["a", "b", "d"].contains(&slug.as_str()))
            .collect();
        assert_eq!(slugs(&sorted), expected, "{sort}");
        assert_eq!(sorted["meta"]["missing"], json!(["nothing-here", "draft"]));
    }
}

#[actix_web::test]
async fn malformed_and_unknown_values_are_named() {
    let app = newsroom();
    for (query, field, code) in [
        ("tag=iran,,pakistan", "tag", "invalid_slug"),
        ("tag=iran,Iran", "tag", "invalid_slug"),
        ("section=news,news", "section", "duplicate"),
        ("exclude=a,a", "exclude", "duplicate"),
        ("all_tags=,", "all_tags", "invalid_slug"),
    ] {
        let problem = app.get(&format!("/api/v1/articles?{query}")).await.problem(400);
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}");
    }
    // An empty list, as the spec's form-style arrays read `tag=`, filters nothing.
    let everything = list(&app, "").await;
    for empty in ["tag=", "all_tags=", "section=", "source=", "author=", "exclude="] {
        assert_eq!(list(&app, empty).await, everything, "{empty}");
    }
    let many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
    let problem = app
        .get(&format!("/api/v1/articles?tag={}", many.join(",")))
        .await
        .problem(400);
    assert_eq!(problem["errors"][0]["code"], "too_many");
    for (query, field) in [
        ("tag=iran,nope", "tag"),
        ("all_tags=iran,nope", "all_tags"),
        ("section=sport,nope", "section"),
        ("source=agencies,nope", "source"),
        ("author=jane,nope", "author"),
    ] {
        let problem = app.get(&format!("/api/v1/articles?{query}")).await.problem(404);
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
        let message: &Value = &problem["errors"][0]["message"];
        assert!(message.as_str().unwrap().contains("nope"), "{query}: {message}");
    }
}

#[actix_web::test]
async fn a_filter_list_costs_the_same_queries_for_one_value_as_for_many() {
    let app = newsroom();
    let before = app.queries.get();
    app.get("/api/v1/articles?tag=iran&author=jane").await.json(200);
    let one = app.queries.get() - before;
    let before = app.queries.get();
    app.get("/api/v1/articles?tag=iran,pakistan,economy&all_tags=iran,pakistan&author=jane,omar&exclude=b,c")
        .await
        .json(200);
    let many = app.queries.get() - before;
    // all_tags adds its own lookup; the number of values adds nothing.
    assert!(many <= one + 1, "one value: {one} queries, many: {many}");
}

#[actix_web::test]
async fn author_pages_follow_publication_as_tag_pages_do() {
    let app = newsroom();
    let draft = app.with_conn(|conn| {
        dateline::models::article::find_by_slug(conn, "draft")
            .expect("query")
            .expect("the draft")
            .id
    });
    let jane = app.with_conn(|conn| {
        dateline::models::user::find_by_email(conn, "jane@example.com")
            .expect("query")
            .expect("jane")
            .id
    });
    app.credit(draft, jane, "jane");
    assert_eq!(
        list(&app, "author=jane").await,
        ["a", "d"],
        "a draft is not listed"
    );
    let (_, editor) = app.logged_in("editor").await;
    let publish = json!({"status": "published"});
    app.write_current(
        actix_web::http::Method::PATCH,
        "/api/v1/articles/draft",
        &editor,
        Some(publish),
    )
    .await
    .json(200);
    assert_eq!(list(&app, "author=jane").await, ["draft", "a", "d"]);
    assert_eq!(list(&app, "author=jane,omar&per_page=2").await, ["draft", "a"]);
    let archive = json!({"status": "archived"});
    app.write_current(
        actix_web::http::Method::PATCH,
        "/api/v1/articles/draft",
        &editor,
        Some(archive),
    )
    .await
    .json(200);
    assert_eq!(list(&app, "author=jane").await, ["a", "d"]);
}

#[actix_web::test]
async fn deep_pages_of_several_terms_are_answered_too() {
    let app = newsroom();
    let deep = app
        .get("/api/v1/articles?tag=iran,pakistan&page=5000&per_page=100")
        .await
        .json(200);
    assert_eq!(slugs(&deep), Vec::<String>::new());
    assert_eq!(deep["meta"]["has_more"], false);
}

#[actix_web::test]
async fn cached_batch_and_exclude_answers_follow_a_rename() {
    let app = TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576);
    app.section("world-news", "World News", None);
    app.article("a").published_hours_ago(1).create();
    app.article("b").published_hours_ago(2).create();
    let batch = "/api/v1/articles?slug=renamed,b";
    let except = "/api/v1/articles?exclude=renamed";
    assert_eq!(
        app.get(batch).await.json(200)["meta"]["missing"],
        json!(["renamed"])
    );
    assert_eq!(slugs(&app.get(except).await.json(200)), ["a", "b"]);
    let (_, editor) = app.logged_in("editor").await;
    app.write_current(
        actix_web::http::Method::PATCH,
        "/api/v1/articles/a",
        &editor,
        Some(json!({"slug": "renamed"})),
    )
    .await
    .json(200);
    let after = app.get(batch).await.json(200);
    assert_eq!(slugs(&after), ["renamed", "b"]);
    assert_eq!(after["meta"]["missing"], json!([]));
    assert_eq!(slugs(&app.get(except).await.json(200)), ["b"]);
}

/// A section's page reads the listing of its whole subtree, which triggers keep in step: with
/// sections moved in the tree (and back to the top), articles moved between sections, a section
/// added under another, an article trashed and restored, and a section deleted.
#[actix_web::test]
async fn a_section_page_follows_its_articles_and_sections_as_they_move() {
    let app = TestApp::new();
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    app.section("asia", "Asia", Some("world-news"));
    app.section("sport", "Sport", None);
    app.article("a1").section("asia").published_hours_ago(1).create();
    app.article("n1").section("news").published_hours_ago(2).create();
    app.article("s1").section("sport").published_hours_ago(3).create();
    let token = app.logged_in("editor").await.1;
    // Both ways a page is read: ids from the listing and stored cards, or the rows themselves.
    let pages = |query: String| {
        let app = &app;
        async move {
            let lean = list(app, &query).await;
            let with_rows = list(app, &format!("{query}&include=featured_image")).await;
            assert_eq!(lean, with_rows, "{query}");
            lean
        }
    };
    let page = |section: &'static str| pages(format!("section={section}"));
    assert_eq!(page("news").await, ["a1", "n1"]);
    assert_eq!(page("world-news").await, ["a1"]);
    assert_eq!(page("sport").await, ["s1"]);
    assert_eq!(
        page("news,world-news").await,
        ["a1", "n1"],
        "a section inside another asked for lists its articles once"
    );

    let move_section = |parent: Value| {
        let (app, token) = (&app, &token);
        async move {
            let moved = app
                .patch_json(
                    "/api/v1/sections/world-news",
                    Some(token),
                    json!({ "parent": parent }),
                )
                .await;
            assert_eq!(moved.status, 200, "{}", moved.text());
        }
    };
    move_section(json!("sport")).await;
    assert_eq!(page("news").await, ["n1"]);
    assert_eq!(page("sport").await, ["a1", "s1"]);
    assert_eq!(page("world-news").await, ["a1"]);
    assert_eq!(page("asia").await, ["a1"]);
    move_section(Value::Null).await;
    assert_eq!(page("sport").await, ["s1"]);
    assert_eq!(page("world-news").await, ["a1"]);
    move_section(json!("news")).await;
    assert_eq!(page("news").await, ["a1", "n1"]);

    let moved = app
        .patch_json("/api/v1/articles/a1", Some(&token), json!({ "section": "sport" }))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(page("news").await, ["n1"]);
    assert_eq!(page("asia").await, Vec::<String>::new());
    assert_eq!(page("sport").await, ["a1", "s1"]);

    app.section("local", "Local", Some("news"));
    app.article("l1").section("local").published_hours_ago(4).create();
    assert_eq!(page("news").await, ["n1", "l1"]);

    let trashed = app
        .call(Method::DELETE, "/api/v1/articles/n1", Some(&token))
        .await;
    assert_eq!(trashed.status, 204);
    assert_eq!(page("news").await, ["l1"]);
    let restored = app
        .call(Method::POST, "/api/v1/trash/n1/restore", Some(&token))
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(page("news").await, ["n1", "l1"]);

    app.section("empty", "Empty", Some("news"));
    let deleted = app
        .call(Method::DELETE, "/api/v1/sections/empty", Some(&token))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert_eq!(page("news").await, ["n1", "l1"]);
}

/// A section moved while an article below it is published in another transaction: whichever
/// commits first, the article ends up listed, and visible, under the sections it is under now
/// (on PostgreSQL the move and the publication wait for each other; without that, the move
/// copied the article's old visibility and the publication missed the rows the move added).
/// SQLite runs one writer at a time, so there the two simply follow each other.
#[actix_web::test]
async fn a_section_moved_while_an_article_below_it_is_published_lists_it() {
    use dateline::db::schema::{articles, sections};
    use dateline::values::ArticleStatus;
    use diesel::prelude::*;

    let app = TestApp::new();
    // A top-level section: its move removes no listing row, so nothing else makes the two wait.
    let sport = app.section("sport", "Sport", None);
    app.section("world-news", "World News", None);
    app.article("w1").section("world-news").draft().create();
    let published_at = app.now() - chrono::Duration::hours(1);
    let move_to_sport = move |conn: &mut dateline::db::DbConn| {
        diesel::update(sections::table.filter(sections::slug.eq("world-news")))
            .set(sections::parent_id.eq(Some(sport)))
            .execute(conn)
    };
    let pool = app.pool().clone();
    let mut publisher = app.pool().get().expect("connection");
    let mover = publisher
        .transaction(|conn| {
            diesel::update(articles::table.filter(articles::slug.eq("w1")))
                .set((
                    articles::status.eq(ArticleStatus::Published),
                    articles::published_at.eq(Some(published_at)),
                ))
                .execute(conn)?;
            if dateline::db::is_postgres(conn) {
                // The move starts while the publication is not committed yet, and waits.
                let mover = std::thread::spawn(move || move_to_sport(&mut pool.get().expect("connection")));
                std::thread::sleep(std::time::Duration::from_millis(300));
                return Ok::<_, diesel::result::Error>(Some(mover));
            }
            Ok(None)
        })
        .expect("publish");
    match mover {
        Some(mover) => assert_eq!(mover.join().expect("the move").expect("moved"), 1),
        None => assert_eq!(app.with_conn(move_to_sport).expect("moved"), 1),
    }
    assert_eq!(list(&app, "section=world-news").await, ["w1"]);
    assert_eq!(list(&app, "section=sport").await, ["w1"]);
}
