//! Real answers to check the spec against: a server holding the seed page fixture, asked what
//! a frontend and an editor ask, each answer labelled with the operation it comes from.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use dateline::content::import;
use serde_json::{Value, json};

use crate::support::{Response, TestApp};

pub const SEED_SLUG: &str = "pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes";

/// One request and its answer.
pub struct Sampled {
    /// `"GET /api/v1/articles/{slug}"`: the spec's operation.
    pub operation: String,
    pub uri: String,
    pub response: Response,
}

/// What one sample asks: the operation, then the request.
struct Ask {
    operation: &'static str,
    request: TestRequest,
    uri: String,
}

fn ask(operation: &'static str, uri: &str) -> Ask {
    let method: Method = operation.split(' ').next().unwrap().parse().unwrap();
    Ask {
        operation,
        request: TestRequest::default().method(method).uri(uri),
        uri: uri.to_owned(),
    }
}

impl Ask {
    fn token(mut self, token: &str) -> Self {
        self.request = self
            .request
            .insert_header(("Authorization", format!("Bearer {token}")));
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.request = self.request.insert_header((name, value.to_owned()));
        self
    }

    fn json(mut self, body: Value) -> Self {
        self.request = self.request.set_json(body);
        self
    }
}

/// A server with the seed page imported, an approved comment, a second article with a
/// featured image, and an editor: the app and the editor's token.
pub async fn seeded() -> (TestApp, String) {
    let app = TestApp::with_config(|c| c.comments_auto_approve = false);
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seed-article.json"
    ))
    .expect("the seed fixture");
    let articles = import::parse(&text).expect("the fixture parses");
    let now = app.now();
    app.with_conn(|conn| import::import(conn, &app.state.media, &articles, now))
        .expect("the fixture imports");
    let (editor_id, token) = app.logged_in("editor").await;
    let seed = app.get(&format!("/api/v1/articles/{SEED_SLUG}")).await.json(200);
    let seed_id = seed["id"].as_i64().unwrap();
    app.comment(seed_id, "approved", "Good to see diplomacy win.");
    app.media_item(editor_id);
    app.article("border-talks-resume")
        .tags(&["pakistan", "iran"])
        .sources(&["agencies"])
        .published_hours_ago(3)
        .create();
    (app, token)
}

/// The answers the spec is checked against.
pub async fn answers(app: &TestApp, token: &str) -> Vec<Sampled> {
    let article = format!("/api/v1/articles/{SEED_SLUG}");
    let etag = app.get(&article).await.header("etag").expect("an ETag");
    let editorial_etag = app.etag(&article, token).await;
    let asks = vec![
        ask("GET /api/v1/articles", "/api/v1/articles"),
        ask("GET /api/v1/articles", "/api/v1/articles?per_page=1&page=2"),
        ask(
            "GET /api/v1/articles",
            "/api/v1/articles?include=authors,sources,featured_image,comment_count",
        ),
        ask("GET /api/v1/articles", "/api/v1/articles?fields=slug,headline"),
        ask(
            "GET /api/v1/articles",
            &format!("/api/v1/articles?slug={SEED_SLUG},no-such-story"),
        ),
        ask("GET /api/v1/articles", "/api/v1/articles?per_page=0"),
        ask("GET /api/v1/articles", "/api/v1/articles").token(token),
        ask("GET /api/v1/articles", "/api/v1/articles?status=draft"),
        ask("GET /api/v1/articles/{slug}", &article),
        ask("GET /api/v1/articles/{slug}", &article).header("If-None-Match", &etag),
        ask(
            "GET /api/v1/articles/{slug}",
            &format!("{article}?include=related,comments"),
        ),
        ask("GET /api/v1/articles/{slug}", &article).token(token),
        ask("GET /api/v1/articles/{slug}", "/api/v1/articles/no-such-story"),
        ask("GET /api/v1/articles/{slug}", &article).token("not-a-token"),
        ask(
            "GET /api/v1/articles/{slug}/related",
            &format!("{article}/related"),
        ),
        ask(
            "GET /api/v1/articles/{slug}/comments",
            &format!("{article}/comments"),
        ),
        ask(
            "POST /api/v1/articles/{slug}/comments",
            &format!("{article}/comments"),
        )
        .json(json!({"author_name": "Amina", "body": "Good to see diplomacy win, at last."})),
        ask(
            "POST /api/v1/articles/{slug}/comments",
            &format!("{article}/comments"),
        )
        .json(json!({"author_name": "", "body": ""})),
        ask(
            "GET /api/v1/articles/{slug}/revisions",
            &format!("{article}/revisions"),
        )
        .token(token),
        ask("GET /api/v1/search", "/api/v1/search?q=iran"),
        ask(
            "GET /api/v1/search",
            "/api/v1/search?q=border+talks&include=featured_image",
        ),
        ask("GET /api/v1/sections", "/api/v1/sections"),
        ask("GET /api/v1/sections/{slug}", "/api/v1/sections/world-news"),
        ask("GET /api/v1/tags", "/api/v1/tags"),
        ask("GET /api/v1/tags/{slug}", "/api/v1/tags/pakistan"),
        ask("GET /api/v1/sources", "/api/v1/sources"),
        ask("GET /api/v1/sources/{slug}", "/api/v1/sources/agencies"),
        ask("GET /api/v1/authors", "/api/v1/authors"),
        ask("GET /api/v1/site", "/api/v1/site"),
        ask("GET /api/v1/auth/me", "/api/v1/auth/me").token(token),
        ask("GET /api/v1/auth/me", "/api/v1/auth/me"),
        ask("POST /api/v1/auth/login", "/api/v1/auth/login")
            .json(json!({"email": "nobody@example.com", "password": "not the password"})),
        ask("GET /api/v1/comments", "/api/v1/comments").token(token),
        ask("GET /api/v1/media", "/api/v1/media").token(token),
        ask("PATCH /api/v1/articles/{slug}", &article)
            .token(token)
            .header("If-Match", "v1")
            .json(json!({"headline": "A new headline"})),
        ask("PATCH /api/v1/articles/{slug}", &article)
            .token(token)
            .header("If-Match", "\"v999\"")
            .json(json!({"headline": "A new headline"})),
        ask("PATCH /api/v1/articles/{slug}", &article)
            .token(token)
            .header("If-Match", &editorial_etag)
            .json(json!({"summary": "Both sides agree to talk."})),
        ask(
            "GET /api/v1/articles/{slug}/revisions/{from}/diff/{to}",
            &format!("{article}/revisions/1/diff/2"),
        )
        .token(token),
        ask("POST /api/v1/articles", "/api/v1/articles")
            .token(token)
            .json(json!({"headline": "Talks resume at the border", "section": "world-news"})),
        ask("POST /api/v1/sections", "/api/v1/sections")
            .token(token)
            .json(json!({"name": "Asia", "parent": "world-news"})),
        ask("PATCH /api/v1/sections/{slug}", "/api/v1/sections/world-news")
            .token(token)
            .json(json!({"description": "News from around the world."})),
        ask("POST /api/v1/tags", "/api/v1/tags")
            .token(token)
            .json(json!({"name": "Border"})),
        ask("GET /api/v1/tags/{slug}", "/api/v1/tags/pakistan").token(token),
        ask(
            "POST /api/v1/articles/{slug}/previews",
            &format!("{article}/previews"),
        )
        .token(token)
        .json(json!({})),
        ask(
            "GET /api/v1/articles/{slug}/previews",
            &format!("{article}/previews"),
        )
        .token(token),
        ask("GET /api/v1/trash", "/api/v1/trash").token(token),
        ask("GET /api/v1/users", "/api/v1/users").token(token),
        ask("GET /api/v1/site", "/api/v1/site").token(token),
        ask("GET /metrics", "/metrics"),
        ask("GET /healthz", "/healthz"),
    ];
    let mut answered = Vec::new();
    for Ask {
        operation,
        request,
        uri,
    } in asks
    {
        answered.push(Sampled {
            operation: operation.to_owned(),
            uri,
            response: app.send(request).await,
        });
    }
    answered
}
