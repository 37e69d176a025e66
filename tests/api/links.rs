//! RFC 8288 `Link` headers on paged lists: `first`, `prev` and `next`, for page numbers and
//! keyset cursors, on every paged list; following them walks the list.

use crate::support::{TestApp, slugs};

/// The `Link` header's targets by relation.
fn links(response: &crate::support::Response) -> std::collections::BTreeMap<String, String> {
    let header = response.header("link").expect("a paged list has a Link header");
    header
        .split(", ")
        .map(|part| {
            let (target, rel) = part.split_once("; rel=").expect("target; rel=");
            (
                rel.trim_matches('"').to_owned(),
                target.trim_start_matches('<').trim_end_matches('>').to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn paged_lists_link_their_first_previous_and_next_pages() {
    let app = TestApp::new();
    for n in 0..5 {
        app.article(&format!("story-{n}"))
            .tags(&["iran"])
            .published_hours_ago(n + 1)
            .create();
    }
    let second = app.get("/api/v1/articles?tag=iran&per_page=2&page=2").await;
    let rels = links(&second);
    assert_eq!(rels["first"], "/api/v1/articles?tag=iran&per_page=2");
    assert_eq!(rels["prev"], "/api/v1/articles?tag=iran&per_page=2&page=1");
    assert_eq!(rels["next"], "/api/v1/articles?tag=iran&per_page=2&page=3");
    let last = app.get(&rels["next"]).await;
    assert_eq!(slugs(&last.json(200)), ["story-4"]);
    assert!(!links(&last).contains_key("next"), "the last page links no next");

    // Keyset pages link the next cursor; following the links walks the whole list once.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/articles?per_page=2".to_owned();
    loop {
        let response = app.get(&uri).await;
        let rels = links(&response);
        assert_eq!(rels["first"], "/api/v1/articles?per_page=2");
        seen.extend(slugs(&response.json(200)));
        match rels.get("next") {
            Some(next) => uri = next.clone(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);

    // Every other paged list too.
    app.tag("pakistan", "Pakistan");
    let tags = app.get("/api/v1/tags?per_page=1").await;
    assert_eq!(links(&tags)["next"], "/api/v1/tags?per_page=1&page=2");
    let sections = app.get("/api/v1/sections").await;
    assert_eq!(
        links(&sections),
        [("first".to_owned(), "/api/v1/sections".to_owned())].into()
    );
    let authors = app.get("/api/v1/authors").await;
    assert!(links(&authors).contains_key("first"));
    let (_, admin) = app.logged_in("admin").await;
    let users = app.get_as("/api/v1/users?per_page=1", &admin).await;
    assert!(links(&users).contains_key("first"));
    // The batch form pages like any list.
    let batch = app.get("/api/v1/articles?slug=story-1,story-2&per_page=1").await;
    assert_eq!(
        links(&batch)["next"],
        "/api/v1/articles?slug=story-1%2Cstory-2&per_page=1&page=2"
    );
}
