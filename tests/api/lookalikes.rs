//! Names that look like other names: bidirectional controls and zero-width characters are refused
//! in names, slugs, headlines and summaries, and names are stored composed (NFC). Comment bodies
//! and article bodies are free text and keep them (an emoji sequence needs U+200D).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::TestApp;

/// Bidirectional controls and zero-width characters, each of them.
const INVISIBLE: [char; 17] = [
    '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}',
    '\u{202C}', '\u{202D}', '\u{202E}', '\u{2060}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    '\u{FEFF}',
];

/// An app with an editor and an admin, a published article `story` with a pending comment, and a
/// tag, a source and a section to rename.
async fn newsroom(app: &TestApp) -> (String, String, i64) {
    app.section("world-news", "World News", None);
    app.section("sport", "Sport", None);
    app.tag("iran", "Iran");
    app.source("agencies", "Agencies", None);
    let story = app.article("story").create();
    let comment = app.comment(story, "pending", "Fine words");
    let (_, editor) = app.logged_in("editor").await;
    let (_, admin) = app.logged_in("admin").await;
    (editor, admin, comment)
}

/// Where a name-like text goes: (method, uri, which token, the body around `value`, the field).
type Case = (Method, String, bool, fn(&str) -> Value, &'static str);

fn cases(comment: i64) -> Vec<Case> {
    let article = |v: &str| json!({"headline": v, "section": "world-news"});
    vec![
        (
            Method::POST,
            "/api/v1/articles/story/comments".into(),
            false,
            |v| json!({"author_name": v, "body": "Hello"}),
            "author_name",
        ),
        (
            Method::PATCH,
            format!("/api/v1/comments/{comment}"),
            false,
            |v| json!({"author_name": v}),
            "author_name",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            true,
            |v| json!({"email": "new@example.com", "display_name": v, "role": "author", "password": "long enough password"}),
            "display_name",
        ),
        (
            Method::PATCH,
            "/api/v1/users/1".into(),
            true,
            |v| json!({"display_name": v}),
            "display_name",
        ),
        (
            Method::POST,
            "/api/v1/tags".into(),
            false,
            |v| json!({"name": v}),
            "name",
        ),
        (
            Method::PATCH,
            "/api/v1/tags/iran".into(),
            false,
            |v| json!({"name": v}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/sources".into(),
            false,
            |v| json!({"name": v}),
            "name",
        ),
        (
            Method::PATCH,
            "/api/v1/sources/agencies".into(),
            false,
            |v| json!({"name": v}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/sections".into(),
            false,
            |v| json!({"name": v}),
            "name",
        ),
        (
            Method::PATCH,
            "/api/v1/sections/sport".into(),
            false,
            |v| json!({"name": v}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/articles".into(),
            false,
            article,
            "headline",
        ),
        (
            Method::POST,
            "/api/v1/articles".into(),
            false,
            |v| json!({"headline": "Fine", "section": "world-news", "alternative_headline": v}),
            "alternative_headline",
        ),
        (
            Method::POST,
            "/api/v1/articles".into(),
            false,
            |v| json!({"headline": "Fine", "section": "world-news", "summary": v}),
            "summary",
        ),
        (
            Method::PATCH,
            "/api/v1/articles/story".into(),
            false,
            |v| json!({"headline": v}),
            "headline",
        ),
        (
            Method::PATCH,
            "/api/v1/articles/story".into(),
            false,
            |v| json!({"summary": v}),
            "summary",
        ),
        (
            Method::PUT,
            "/api/v1/articles/story".into(),
            false,
            |v| json!({"headline": "Fine", "section": "world-news", "summary": v}),
            "summary",
        ),
    ]
}

#[actix_web::test]
async fn bidi_controls_and_zero_width_characters_are_refused_in_names_headlines_and_summaries() {
    let app = TestApp::with_config(|c| c.comments_per_minute = 0);
    let (editor, admin, comment) = newsroom(&app).await;
    for (method, uri, as_admin, body, field) in cases(comment) {
        let token = if as_admin { &admin } else { &editor };
        let mut values = vec!["Admin\u{202E}gnp.exe".to_owned(), "Ed\u{200B}itor".to_owned()];
        // Every one of them on the first route; two samples on the others.
        if field == "author_name" && method == Method::POST {
            values.extend(INVISIBLE.iter().map(|c| format!("A{c}B")));
        }
        for value in values {
            let response = app
                .send_json(method.clone(), &uri, Some(token), body(&value))
                .await;
            let problem = response.problem(422);
            assert_eq!(
                problem["errors"],
                json!([{"field": field, "code": "invisible_characters",
                    "message": "must not contain invisible formatting characters (bidirectional controls, zero-width characters)"}]),
                "{method} {uri} {value:?}"
            );
        }
    }
    // Slugs were ASCII already; they stay so.
    let slug = json!({"headline": "Fine", "section": "world-news", "slug": "ed\u{200B}itor"});
    let response = app.post_json("/api/v1/articles", Some(&editor), slug).await;
    assert_eq!(response.error_fields(422), ["slug"]);
}

#[actix_web::test]
async fn a_summary_refuses_control_characters_like_a_headline() {
    let app = TestApp::new();
    let (editor, _, _) = newsroom(&app).await;
    for summary in ["Line one\nline two", "Tab\there", "Bell\u{7}", "Next line\u{85}"] {
        let body = json!({"headline": "Fine", "section": "world-news", "summary": summary});
        let problem = app
            .post_json("/api/v1/articles", Some(&editor), body)
            .await
            .problem(422);
        assert_eq!(problem["errors"][0]["field"], "summary", "{summary:?}");
        assert_eq!(problem["errors"][0]["code"], "control_characters", "{summary:?}");
    }
    // Blank or absent, a summary is still no summary.
    let body = json!({"headline": "Fine", "section": "world-news", "summary": "  "});
    let created = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    assert_eq!(created["summary"], Value::Null);
}

#[actix_web::test]
async fn names_are_stored_composed_and_counted_in_characters() {
    let app = TestApp::with_config(|c| c.comments_per_minute = 0);
    let (editor, admin, comment) = newsroom(&app).await;
    // "e" and a combining acute accent: one letter to a reader, two characters on the wire.
    let decomposed = "Zoe\u{301}";
    let composed = "Zo\u{e9}";
    for (method, uri, as_admin, body, field) in cases(comment) {
        if !["author_name", "display_name", "name"].contains(&field) {
            continue;
        }
        let token = if as_admin { &admin } else { &editor };
        let value = if method == Method::POST && field != "author_name" {
            format!("{decomposed} {}", app.next_number())
        } else {
            decomposed.to_owned()
        };
        let response = app
            .send_json(method.clone(), &uri, Some(token), body(&value))
            .await;
        assert!(
            response.status.is_success(),
            "{method} {uri}: {}",
            response.text()
        );
        let stored = response.json(response.status.as_u16())[field]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(stored.starts_with(composed), "{method} {uri}: {stored:?}");
    }
    // The limit is in characters as given: 100 two-byte letters fit a commenter's name, 101 not.
    let name = |n: usize| "\u{e9}".repeat(n);
    let submit = |name: String| json!({"author_name": name, "body": "Hello"});
    let uri = "/api/v1/articles/story/comments";
    app.post_json(uri, None, submit(name(100))).await.json(201);
    let too_long = app.post_json(uri, None, submit(name(101))).await;
    assert_eq!(too_long.error_fields(422), ["author_name"]);
}

#[actix_web::test]
async fn comment_bodies_are_free_text_and_keep_emoji_sequences() {
    let app = TestApp::with_config(|c| c.comments_per_minute = 0);
    newsroom(&app).await;
    // A woman technologist: U+1F469, U+200D (zero-width joiner), U+1F4BB.
    let body = "Well done \u{1F469}\u{200D}\u{1F4BB}";
    let saved = app
        .post_json(
            "/api/v1/articles/story/comments",
            None,
            json!({"author_name": "Amina", "body": body}),
        )
        .await
        .json(201);
    assert_eq!(saved["body"], body);
}
