//! `GET /search`: ranking (headline above body, equal scores newest first), phrases, prefixes,
//! HTML-safe highlighted snippets, the article list's filters, facets, pages and links, hostile
//! input (never a 500), visibility, the cache keys and a constant number of queries per page;
//! and the same top five on SQLite and PostgreSQL over a documented corpus.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, slugs};

/// `q` percent-encoded for a query string.
fn encode(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn search(app: &TestApp, q: &str, rest: &str) -> Value {
    let uri = format!("/api/v1/search?q={}{rest}", encode(q));
    app.get(&uri).await.json(200)
}

async fn found(app: &TestApp, q: &str, rest: &str) -> Vec<String> {
    slugs(&search(app, q, rest).await)
}

/// Words that mean nothing to any query of these tests, to give texts equal lengths.
const FILLER: &[&str] = &[
    "officials",
    "said",
    "plans",
    "would",
    "be",
    "reviewed",
    "next",
    "week",
    "during",
    "regular",
    "council",
    "meeting",
    "according",
    "local",
    "reports",
    "published",
    "morning",
    "residents",
    "asked",
    "questions",
    "about",
    "costs",
    "timing",
    "details",
    "several",
    "neighbours",
    "waited",
    "outside",
    "quietly",
    "listening",
];

/// `words` followed by filler up to exactly `n` words (no filler word is a query word).
fn padded(words: &str, n: usize) -> String {
    let mut all: Vec<&str> = words.split_whitespace().collect();
    assert!(all.len() <= n, "`{words}` is longer than {n} words");
    let mut filler = FILLER.iter().cycle();
    while all.len() < n {
        all.push(filler.next().unwrap());
    }
    all.join(" ")
}

/// An article with a 6-word headline, no summary and a 24-word body: equal lengths, so that
/// the two engines' length normalizations rank alike.
fn story(app: &TestApp, slug: &str, headline: &str, body: &str, hours_ago: i64) -> i64 {
    app.article(slug)
        .headline(&padded(headline, 6))
        .summary(None)
        .body(&format!("<p>{}</p>", padded(body, 24)))
        .published_hours_ago(hours_ago)
        .create()
}

/// The documented corpus of [`both_backends_rank_the_documented_queries_alike`]: 20 articles,
/// each one hour older than the one before it, headlines of 6 words, bodies of 24. For each
/// query, the documented top five follow from two rules both engines share: a match in the
/// headline outweighs any number of body matches, more matches rank higher, and equal scores go
/// to the newest. No article matches two words of a query far apart (PostgreSQL's cover
/// density rewards proximity, bm25 does not), and none is longer than the others.
fn corpus(app: &TestApp) {
    let stories: [(&str, &str, &str); 20] = [
        // `harbour`: headline + 2 body, headline + 1 body, headline only, then 3, 2, 1, 1 in the body.
        (
            "harbour-reopens",
            "Harbour reopens after storm",
            "the harbour and the old harbour stay open",
        ),
        ("harbour-fees", "New harbour fees agreed", "the harbour board met"),
        ("harbour-mayor", "Mayor visits the harbour", "the visit was short"),
        (
            "boats-return",
            "Fishing boats return home",
            "harbour harbour harbour crews returned",
        ),
        (
            "night-market",
            "Night market draws crowds",
            "stalls near the harbour and by the harbour",
        ),
        (
            "port-lights",
            "Port lights replaced this year",
            "lights along the harbour wall",
        ),
        (
            "quay-repairs",
            "Quay repairs begin on Monday",
            "repairs near the harbour steps",
        ),
        // `"ferry strike"`: in the headline, twice in the body, then once (newest first).
        (
            "ferry-strike-ends",
            "Ferry strike ends after talks",
            "crews return to work",
        ),
        (
            "crossings-cancelled",
            "Crossings cancelled again on Friday",
            "the ferry strike and another ferry strike",
        ),
        (
            "island-supplies",
            "Island supplies running low now",
            "the ferry strike hurts shops",
        ),
        (
            "tourists-stranded",
            "Tourists stranded on the island",
            "a ferry strike left visitors waiting",
        ),
        // Not the phrase: both words, apart.
        (
            "strike-vote",
            "Union vote set for June",
            "strike ballots for ferry workers",
        ),
        // `diplo*`: headline, then 2 and 1 prefixed words in the body.
        (
            "diplomats-meet",
            "Diplomats meet in Geneva today",
            "talks continue",
        ),
        (
            "envoy-named",
            "New envoy named for Iran",
            "a diplomatic push and diplomacy",
        ),
        (
            "summit-dates",
            "Summit dates set for spring",
            "a diplomat confirmed the dates",
        ),
        // `election recount`: both in the headline, the pair twice in the body, then once.
        (
            "recount-ordered",
            "Election recount ordered in Leeds",
            "the count starts again",
        ),
        (
            "count-delayed",
            "Count delayed by court case",
            "an election recount then an election recount",
        ),
        (
            "ballots-checked",
            "Ballots checked by hand again",
            "the election recount is slow",
        ),
        (
            "observers-arrive",
            "Observers arrive at the hall",
            "election recount observers came",
        ),
        // `election` alone: no recount.
        (
            "turnout-high",
            "Turnout high in local election",
            "queues formed early",
        ),
    ];
    for (i, (slug, headline, body)) in stories.iter().enumerate() {
        story(app, slug, headline, body, i as i64 + 1);
    }
}

#[actix_web::test]
async fn both_backends_rank_the_documented_queries_alike() {
    let app = TestApp::new();
    corpus(&app);
    // The documented queries and their top five: the same on SQLite (bm25) and PostgreSQL
    // (ts_rank_cd), as CI runs this test on both.
    let expected: [(&str, &[&str]); 6] = [
        (
            "harbour",
            &[
                "harbour-reopens",
                "harbour-fees",
                "harbour-mayor",
                "boats-return",
                "night-market",
            ],
        ),
        (
            "\"ferry strike\"",
            &[
                "ferry-strike-ends",
                "crossings-cancelled",
                "island-supplies",
                "tourists-stranded",
            ],
        ),
        ("diplo*", &["diplomats-meet", "envoy-named", "summit-dates"]),
        (
            "election recount",
            &[
                "recount-ordered",
                "count-delayed",
                "ballots-checked",
                "observers-arrive",
            ],
        ),
        (
            "ELECTION",
            &[
                "recount-ordered",
                "turnout-high",
                "count-delayed",
                "ballots-checked",
                "observers-arrive",
            ],
        ),
        (
            "ferry",
            &[
                "ferry-strike-ends",
                "crossings-cancelled",
                "island-supplies",
                "tourists-stranded",
                "strike-vote",
            ],
        ),
    ];
    for (q, top) in expected {
        let hits = found(&app, q, "&per_page=5").await;
        assert_eq!(hits, top, "top five of `{q}` on {}", app.db.backend());
    }
    // Beyond the fifth: equal scores, newest first.
    assert_eq!(
        found(&app, "harbour", "&page=2&per_page=5").await,
        ["port-lights", "quay-repairs"]
    );
}

#[actix_web::test]
async fn a_headline_match_outranks_body_matches_and_the_alternative_headline_counts() {
    let app = TestApp::new();
    story(
        &app,
        "in-body",
        "City news roundup for today",
        "lighthouse lighthouse lighthouse",
        1,
    );
    story(
        &app,
        "in-headline",
        "Lighthouse keeper retires after decades",
        "nothing else",
        5,
    );
    app.article("in-alternative")
        .headline(&padded("Keeper leaves the coast", 6))
        .alternative_headline("Lighthouse keeper says goodbye")
        .summary(None)
        .body(&format!("<p>{}</p>", padded("", 24)))
        .published_hours_ago(9)
        .create();
    assert_eq!(
        found(&app, "lighthouse", "").await,
        ["in-headline", "in-alternative", "in-body"]
    );
}

#[actix_web::test]
async fn phrases_prefixes_and_words() {
    let app = TestApp::new();
    corpus(&app);
    // A phrase needs the words together; the same words unquoted need them anywhere.
    assert!(
        !found(&app, "\"ferry strike\"", "")
            .await
            .contains(&"strike-vote".to_owned())
    );
    assert!(
        found(&app, "ferry strike", "")
            .await
            .contains(&"strike-vote".to_owned())
    );
    // An unclosed quote runs to the end of the text.
    assert_eq!(
        found(&app, "\"ferry strike", "").await,
        found(&app, "\"ferry strike\"", "").await
    );
    // A prefix needs its star; without it the word is whole.
    assert_eq!(found(&app, "diplo*", "").await.len(), 3);
    assert!(found(&app, "diplo", "").await.is_empty());
    // Case and accents are ignored, in the text and in the query.
    app.article("cafe").headline("Café Zürich reopens").create();
    assert_eq!(found(&app, "CAFE zurich", "").await, ["cafe"]);
    assert_eq!(found(&app, "café", "").await, ["cafe"]);
}

#[actix_web::test]
async fn snippets_mark_the_matches_and_escape_everything_else() {
    let app = TestApp::new();
    app.article("markup")
        .headline("Harbour <b>news</b> & more")
        .summary(Some("Fish & chips <script>alert(1)</script>"))
        .body("<p>The old harbour &amp; the &lt;new&gt; pier.</p>")
        .create();
    let body = search(&app, "harbour", "").await;
    let hit = &body["data"][0];
    let snippet = hit["snippet"].as_str().unwrap();
    assert_eq!(
        snippet,
        "Fish &amp; chips &lt;script&gt;alert(1)&lt;/script&gt; The old <mark>harbour</mark> &amp; the &lt;new&gt; pier."
    );
    assert_eq!(
        hit["headline_highlighted"],
        "<mark>Harbour</mark> &lt;b&gt;news&lt;/b&gt; &amp; more"
    );
    // The hit is a card of the article list, plus the snippet.
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
        assert!(hit.get(member).is_some(), "`{member}` in {hit}");
    }
    assert!(hit.get("comment_count").is_none(), "a lean card unless asked");
    // `include` and `fields` shape the cards; the snippet always comes.
    let shaped = app
        .get("/api/v1/search?q=harbour&include=comment_count&fields=slug")
        .await
        .json(200);
    let mut members: Vec<&String> = shaped["data"][0].as_object().unwrap().keys().collect();
    members.sort();
    assert_eq!(
        members,
        ["comment_count", "headline_highlighted", "id", "slug", "snippet"]
    );
    let refused = app.get("/api/v1/search?q=harbour&include=body").await;
    assert_eq!(refused.error_fields(400), ["include"]);
    // Only the body matched: no highlighted headline.
    let body = search(&app, "pier", "").await;
    assert!(body["data"][0].get("headline_highlighted").is_none());
    assert!(
        body["data"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>pier</mark>")
    );
    // A phrase marks its words, a prefix the words it starts.
    let body = search(&app, "\"old harbour\" pie*", "").await;
    assert!(
        body["data"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>old</mark> <mark>harbour</mark> &amp; the &lt;new&gt; <mark>pier</mark>"),
        "{body}"
    );
    // Only the headline matched: the snippet is the start of the text.
    let body = search(&app, "news", "").await;
    assert!(
        body["data"][0]["snippet"]
            .as_str()
            .unwrap()
            .starts_with("Fish &amp; chips")
    );
    // A long body is cut around the match.
    let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
    app.article("long")
        .body(&format!("<p>{} needle</p>", words.join(" ")))
        .create();
    let snippet = search(&app, "needle", "").await["data"][0]["snippet"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        snippet.starts_with('…') && snippet.ends_with("<mark>needle</mark>"),
        "{snippet}"
    );
}

/// Five public matches an hour apart (a newest), in three sections, with tags, sources and
/// authors, and a draft, a scheduled and an archived match.
fn newsroom() -> TestApp {
    let app = TestApp::new();
    app.section("news", "News", None);
    app.section("world-news", "World News", Some("news"));
    app.section("sport", "Sport", None);
    let jane = app.user("jane@example.com", "Jane", "author");
    let omar = app.user("omar@example.com", "Omar", "author");
    let make = |slug: &str, section: &str, tags: &[&str], sources: &[&str], hours: i64| {
        app.article(slug)
            .headline(&format!("Border talks {slug}"))
            .section(section)
            .tags(tags)
            .sources(sources)
            .published_hours_ago(hours)
            .create()
    };
    let a = make("a", "world-news", &["iran", "pakistan"], &["agencies"], 1);
    let b = make("b", "sport", &["iran"], &["reuters"], 2);
    make("c", "news", &["pakistan"], &[], 3);
    let d = make("d", "world-news", &["economy"], &[], 4);
    make("e", "sport", &["iran", "pakistan", "economy"], &[], 5);
    app.article("draft")
        .headline("Border talks draft")
        .tags(&["iran"])
        .draft()
        .create();
    app.article("scheduled")
        .headline("Border talks scheduled")
        .published_hours_ago(-2)
        .create();
    app.article("archived")
        .headline("Border talks archived")
        .archived()
        .create();
    app.article("unrelated").headline("Weather today").create();
    app.credit(a, jane, "jane");
    app.credit(b, omar, "omar");
    app.credit(d, jane, "jane");
    app
}

#[actix_web::test]
async fn drafts_scheduled_and_archived_articles_are_never_found() {
    let app = newsroom();
    let body = search(&app, "border talks", "").await;
    assert_eq!(slugs(&body), ["a", "b", "c", "d", "e"]);
    assert_eq!(body["meta"]["total"], 5);
    for q in ["draft", "scheduled", "archived"] {
        assert!(found(&app, q, "").await.is_empty(), "`{q}`");
    }
}

/// What takes an article out of the public eye (unpublishing, the trash) takes it out of the
/// hits at once, and bringing it back brings it back: on PostgreSQL the search index keeps its
/// own copy of each article's visibility, kept in step by triggers.
#[actix_web::test]
async fn unpublishing_trashing_and_restoring_take_effect_at_once() {
    let app = newsroom();
    let token = app.logged_in("editor").await.1;
    let set_status = |status: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = app
                .patch_json("/api/v1/articles/a", Some(&token), json!({ "status": status }))
                .await;
            assert_eq!(response.status, 200, "{status}: {}", response.text());
        }
    };
    set_status("draft").await;
    assert_eq!(found(&app, "border talks", "").await, ["b", "c", "d", "e"]);
    set_status("published").await;
    assert_eq!(found(&app, "border talks", "").await, ["a", "b", "c", "d", "e"]);
    let trashed = app.call(Method::DELETE, "/api/v1/articles/b", Some(&token)).await;
    assert_eq!(trashed.status, 204);
    assert_eq!(found(&app, "border talks", "").await, ["a", "c", "d", "e"]);
    let restored = app
        .call(Method::POST, "/api/v1/trash/b/restore", Some(&token))
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(found(&app, "border talks", "").await, ["a", "b", "c", "d", "e"]);
}

#[actix_web::test]
async fn every_filter_of_the_article_list_narrows_the_hits() {
    let app = newsroom();
    let q = "border";
    assert_eq!(
        found(&app, q, "&section=news").await,
        ["a", "c", "d"],
        "with sub-sections"
    );
    assert_eq!(
        found(&app, q, "&section=sport,world-news").await,
        ["a", "b", "d", "e"]
    );
    assert_eq!(found(&app, q, "&tag=iran").await, ["a", "b", "e"]);
    assert_eq!(
        found(&app, q, "&tag=economy,pakistan").await,
        ["a", "c", "d", "e"]
    );
    assert_eq!(found(&app, q, "&all_tags=iran,pakistan").await, ["a", "e"]);
    assert_eq!(found(&app, q, "&source=agencies,reuters").await, ["a", "b"]);
    assert_eq!(found(&app, q, "&author=jane").await, ["a", "d"]);
    assert_eq!(found(&app, q, "&author=jane,omar").await, ["a", "b", "d"]);
    assert_eq!(found(&app, q, "&exclude=a,c").await, ["b", "d", "e"]);
    let at = |hours: i64| {
        (app.now() - chrono::Duration::hours(hours))
            .and_utc()
            .to_rfc3339()
    };
    assert_eq!(
        found(&app, q, &format!("&published_after={}", encode(&at(3)))).await,
        ["a", "b", "c"]
    );
    assert_eq!(
        found(&app, q, &format!("&published_before={}", encode(&at(3)))).await,
        ["d", "e"]
    );
    // Combined: all of them at once.
    assert_eq!(
        found(
            &app,
            q,
            &format!(
                "&tag=iran,economy&section=news&exclude=a&published_after={}",
                encode(&at(4))
            )
        )
        .await,
        ["d"]
    );
    assert_eq!(
        found(&app, q, "&tag=iran&section=sport&author=omar&source=reuters").await,
        ["b"]
    );
    assert_eq!(
        found(&app, q, "&all_tags=iran,pakistan&section=sport").await,
        ["e"]
    );
    let body = search(&app, q, "&tag=iran&exclude=a,b,e").await;
    assert!(slugs(&body).is_empty());
    assert_eq!(body["meta"]["total"], 0);
}

#[actix_web::test]
async fn malformed_or_unknown_filters_are_400_or_404_naming_the_parameter() {
    let app = newsroom();
    for (rest, field) in [
        ("&section=Not%20A%20Slug", "section"),
        ("&tag=a,a", "tag"),
        ("&all_tags=%21", "all_tags"),
        ("&source=UPPER", "source"),
        ("&author=x_y", "author"),
        ("&exclude=,", "exclude"),
        ("&published_after=yesterday", "published_after"),
        ("&published_before=2024-13-01", "published_before"),
        ("&page=0", "page"),
        ("&per_page=101", "per_page"),
        ("&page=x", "page"),
        ("&sort=-published_at", "sort"),
        ("&cursor=abc", "cursor"),
    ] {
        let response = app.get(&format!("/api/v1/search?q=border{rest}")).await;
        assert_eq!(response.error_fields(400), [field], "{rest}");
    }
    for (rest, field) in [
        ("&section=nowhere", "section"),
        ("&tag=nothing", "tag"),
        ("&all_tags=iran,nothing", "all_tags"),
        ("&source=nobody", "source"),
        ("&author=nobody", "author"),
    ] {
        let response = app.get(&format!("/api/v1/search?q=border{rest}")).await;
        assert_eq!(response.error_fields(404), [field], "{rest}");
    }
}

#[actix_web::test]
async fn facets_count_the_hits_per_section_and_per_tag() {
    let app = newsroom();
    let body = search(&app, "border", "&per_page=1").await;
    let facet = |kind: &str| -> Vec<(String, String, i64)> {
        body["facets"][kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["slug"].as_str().unwrap().to_owned(),
                    f["name"].as_str().unwrap().to_owned(),
                    f["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let owned = |v: &[(&str, &str, i64)]| -> Vec<(String, String, i64)> {
        v.iter()
            .map(|(s, n, c)| (s.to_string(), n.to_string(), *c))
            .collect()
    };
    // Over all hits, not the page; most first, equal counts by slug; drafts never counted.
    assert_eq!(
        facet("sections"),
        owned(&[
            ("sport", "Sport", 2),
            ("world-news", "World News", 2),
            ("news", "News", 1)
        ])
    );
    assert_eq!(
        facet("tags"),
        owned(&[
            ("iran", "Iran", 3),
            ("pakistan", "Pakistan", 3),
            ("economy", "Economy", 2)
        ])
    );
    // Facets follow the filters.
    let body = search(&app, "border", "&tag=economy").await;
    assert_eq!(body["facets"]["sections"].as_array().unwrap().len(), 2);
    assert_eq!(body["facets"]["tags"][0]["slug"], "economy");
    assert_eq!(body["facets"]["tags"][0]["count"], 2);
    // At most ten of each.
    for n in 0..12 {
        app.article(&format!("many-{n}"))
            .headline("Border crossing")
            .section(&format!("section-{n:02}"))
            .tags(&[&format!("tag-{n:02}")])
            .create();
    }
    let body = search(&app, "border", "").await;
    assert_eq!(body["facets"]["sections"].as_array().unwrap().len(), 10);
    assert_eq!(body["facets"]["tags"].as_array().unwrap().len(), 10);
    assert_eq!(body["facets"]["tags"][0]["slug"], "iran");
    assert_eq!(body["meta"]["total"], 17);
}

#[actix_web::test]
async fn pages_meta_and_links() {
    let app = newsroom();
    let response = app.get("/api/v1/search?q=border&per_page=2&utm_source=x").await;
    let body = response.json(200);
    assert_eq!(slugs(&body), ["a", "b"]);
    assert_eq!(body["meta"]["page"], 1);
    assert_eq!(body["meta"]["per_page"], 2);
    assert_eq!(body["meta"]["total"], 5);
    assert_eq!(body["meta"]["has_more"], true);
    assert_eq!(body["meta"]["total_exact"], true);
    assert_eq!(
        response.header("link").unwrap(),
        "</api/v1/search?q=border&per_page=2>; rel=\"first\", \
         </api/v1/search?q=border&per_page=2&page=2>; rel=\"next\""
    );
    let response = app.get("/api/v1/search?q=border&per_page=2&page=3").await;
    let body = response.json(200);
    assert_eq!(slugs(&body), ["e"]);
    assert_eq!(body["meta"]["has_more"], false);
    let link = response.header("link").unwrap();
    assert!(
        link.contains("page=2>; rel=\"prev\"") && !link.contains("rel=\"next\""),
        "{link}"
    );
    // Past the end: no hits, the total still told.
    let body = app
        .get("/api/v1/search?q=border&per_page=2&page=9")
        .await
        .json(200);
    assert!(slugs(&body).is_empty());
    assert_eq!(body["meta"]["total"], 5);
}

#[actix_web::test]
async fn hostile_text_never_fails() {
    let app = newsroom();
    let long = "border ".repeat(40);
    let cases = [
        "NEAR(border talks)",
        "NEAR(",
        "\"unbalanced",
        "unbalanced\"",
        "*",
        "-",
        "-border",
        "border OR talks",
        "OR",
        "AND NOT",
        ":*",
        "border:*",
        "&|!",
        "border & !talks | x",
        "(border",
        "border)",
        "{a}",
        "^border",
        "headline_text:border",
        "body_text : talks",
        "'",
        "''''",
        "\\",
        "%",
        "border'; DROP TABLE articles; --",
        "\u{0}",
        "🙂",
        "🙂🙂🙂 border 🏳️‍🌈",
        "北京 東京",
        "مرحبا بالعالم",
        "שלום",
        "\u{202e}border\u{202c}",
        "Ωμέγα",
        "ß ǅ ﬁ",
        "a*",
        "border*talks*",
        "\"\"",
        "\" \"",
        "\"the of\"",
        "the of and",
        &long[..200],
    ];
    for q in cases {
        let response = app.get(&format!("/api/v1/search?q={}", encode(q))).await;
        assert_eq!(response.status.as_u16(), 200, "`{q}`: {}", response.text());
    }
    // Syntax characters only separate words.
    assert_eq!(found(&app, "(border talks)", "").await.len(), 5);
    // `NEAR` is a word like any other.
    assert!(found(&app, "NEAR(border talks)", "").await.is_empty());
    assert_eq!(found(&app, "border OR talks", "").await.len(), 5);
    assert_eq!(found(&app, "-border", "").await.len(), 5);
    // Only common words, or no word at all: nothing, and no facets.
    for q in ["the of and", "*", "&|!", "🙂 OR"] {
        let body = search(&app, q, "").await;
        assert!(slugs(&body).is_empty(), "`{q}`: {body}");
        assert_eq!(body["meta"]["total"], 0);
        assert_eq!(body["facets"]["sections"], serde_json::json!([]));
    }
}

#[actix_web::test]
async fn a_missing_blank_or_too_long_text_is_400_naming_q() {
    let app = newsroom();
    for (uri, code) in [
        ("/api/v1/search".to_owned(), "required"),
        ("/api/v1/search?q=".to_owned(), "empty"),
        ("/api/v1/search?q=%20%20".to_owned(), "empty"),
        (format!("/api/v1/search?q={}", "b".repeat(201)), "too_long"),
        (
            format!("/api/v1/search?q={}", encode(&"é".repeat(201))),
            "too_long",
        ),
    ] {
        let problem = app.get(&uri).await.problem(400);
        assert_eq!(problem["errors"][0]["field"], "q", "{uri}");
        assert_eq!(problem["errors"][0]["code"], code, "{uri}");
    }
    // 200 characters are fine, multi-byte ones too.
    let response = app
        .get(&format!("/api/v1/search?q={}", encode(&"é".repeat(200))))
        .await;
    assert_eq!(response.status.as_u16(), 200);
    let fields = app.get("/api/v1/search?q=x&qq=y").await.error_fields(400);
    assert_eq!(fields, ["qq"]);
}

#[actix_web::test]
async fn the_answer_is_public_and_carries_its_cache_keys() {
    let app = newsroom();
    let response = app.get("/api/v1/search?q=border&per_page=1").await;
    response.json(200);
    let keys = response.header("surrogate-key").unwrap();
    let keys: Vec<&str> = keys.split(' ').collect();
    for key in ["articles-search", "articles", "tag-iran"] {
        assert!(keys.contains(&key), "`{key}` in {keys:?}");
    }
    let cache = response.header("cache-control").unwrap();
    assert!(cache.starts_with("public"), "{cache}");
    // A filter adds its membership's key.
    let response = app.get("/api/v1/search?q=border&tag=iran").await;
    let keys = response.header("surrogate-key").unwrap();
    assert!(keys.split(' ').any(|k| k == "articles-in-tag-iran"), "{keys}");
}

#[actix_web::test]
async fn a_page_of_hits_costs_the_same_queries_for_one_or_many() {
    let app = TestApp::new();
    app.article("only")
        .headline("Border talks")
        .tags(&["a", "b"])
        .sources(&["s"])
        .create();
    let before = app.queries.get();
    search(&app, "border", "&tag=a").await;
    let for_one = app.queries.get() - before;
    for n in 0..30 {
        app.article(&format!("more-{n}"))
            .headline("Border talks again")
            .section(&format!("s-{n}"))
            .tags(&["a", "b", "c"])
            .sources(&["s", "t"])
            .published_hours_ago(n + 2)
            .create();
    }
    let before = app.queries.get();
    let body = search(&app, "border", "&tag=a&per_page=31").await;
    let for_many = app.queries.get() - before;
    assert_eq!(body["data"].as_array().unwrap().len(), 31);
    assert_eq!(for_one, for_many, "queries for 1 hit vs 31 hits");
}

#[actix_web::test]
async fn saving_an_article_reindexes_its_headline_and_body() {
    // Written through the API, as editors do: the write path fills both columns.
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, token) = app.logged_in("editor").await;
    let created = app
        .post_json(
            "/api/v1/articles",
            Some(&token),
            serde_json::json!({
                "headline": "Glacier melt speeds up", "summary": "Scientists warn.",
                "body": "<p>The <em>tundra</em> thaws.</p>", "section": "world-news",
                "status": "published", "published_at": "2020-01-01T00:00:00Z"
            }),
        )
        .await;
    let slug = created.json(201)["slug"].as_str().unwrap().to_owned();
    assert_eq!(found(&app, "glacier", "").await, [slug.as_str()]);
    assert_eq!(found(&app, "tundra scientists", "").await, [slug.as_str()]);
    // The list's `q` reads the same index.
    let list = app.get("/api/v1/articles?q=tundra").await.json(200);
    assert_eq!(slugs(&list), [slug.as_str()]);
    let updated = app
        .write_current(
            actix_web::http::Method::PATCH,
            &format!("/api/v1/articles/{slug}"),
            &token,
            Some(serde_json::json!({"headline": "Ice sheet report"})),
        )
        .await;
    updated.json(200);
    assert!(found(&app, "glacier", "").await.is_empty());
    let body = search(&app, "ice sheet", "").await;
    assert_eq!(
        body["data"][0]["headline_highlighted"],
        "<mark>Ice</mark> <mark>sheet</mark> report"
    );
}
