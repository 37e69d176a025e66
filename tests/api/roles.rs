//! The role matrix: every write route for each role, allowed (2xx) or refused (401 without a
//! token, 403 with the wrong role).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::TestApp;

/// One cell: what `role` gets from `method uri body`. `None` role means no token.
async fn status_for(
    app: &TestApp,
    role: Option<&str>,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> u16 {
    let token = match role {
        Some(role) => Some(app.logged_in(role).await.1),
        None => None,
    };
    let response = match body {
        Some(body) => app.send_json(method, uri, token.as_deref(), body).await,
        None => app.call(method, uri, token.as_deref()).await,
    };
    response.status.as_u16()
}

/// Fixtures each cell can act on without disturbing the next: a fresh article, section, tag,
/// source and user per call, named by `n`.
fn fixtures(app: &TestApp, n: u64) {
    app.section("world-news", "World News", None);
    app.section(&format!("section-{n}"), "Section", None);
    app.tag(&format!("tag-{n}"), "Tag");
    app.source(&format!("source-{n}"), "Source", None);
    app.article(&format!("article-{n}"))
        .published_hours_ago(1)
        .create();
    app.user(&format!("user{n}@example.com"), "User", "author");
}

struct Route {
    method: Method,
    uri: &'static str,
    body: Option<Value>,
    /// Expected status for: no token, author, editor, admin.
    expect: [u16; 4],
}

fn routes() -> Vec<Route> {
    let r = |method: Method, uri: &'static str, body: Option<Value>, expect: [u16; 4]| Route {
        method,
        uri,
        body,
        expect,
    };
    vec![
        r(
            Method::POST,
            "/api/v1/articles",
            Some(json!({"headline": "New {n}", "section": "world-news"})),
            [401, 201, 201, 201],
        ),
        r(
            Method::PUT,
            "/api/v1/articles/article-{n}",
            Some(json!({"headline": "Replaced", "section": "world-news", "status": "published"})),
            [401, 403, 200, 200],
        ),
        r(
            Method::PATCH,
            "/api/v1/articles/article-{n}",
            Some(json!({"headline": "Patched"})),
            [401, 403, 200, 200],
        ),
        r(
            Method::DELETE,
            "/api/v1/articles/article-{n}",
            None,
            [401, 403, 204, 204],
        ),
        r(
            Method::POST,
            "/api/v1/sections",
            Some(json!({"name": "Section {n} new"})),
            [401, 403, 201, 201],
        ),
        r(
            Method::PATCH,
            "/api/v1/sections/section-{n}",
            Some(json!({"name": "Renamed"})),
            [401, 403, 200, 200],
        ),
        r(
            Method::DELETE,
            "/api/v1/sections/section-{n}",
            None,
            [401, 403, 204, 204],
        ),
        r(
            Method::POST,
            "/api/v1/tags",
            Some(json!({"name": "Tag {n} new"})),
            [401, 403, 201, 201],
        ),
        r(
            Method::PATCH,
            "/api/v1/tags/tag-{n}",
            Some(json!({"name": "Renamed"})),
            [401, 403, 200, 200],
        ),
        r(Method::DELETE, "/api/v1/tags/tag-{n}", None, [401, 403, 204, 204]),
        r(
            Method::POST,
            "/api/v1/sources",
            Some(json!({"name": "Source {n} new"})),
            [401, 403, 201, 201],
        ),
        r(
            Method::PATCH,
            "/api/v1/sources/source-{n}",
            Some(json!({"url": "https://example.com"})),
            [401, 403, 200, 200],
        ),
        r(
            Method::DELETE,
            "/api/v1/sources/source-{n}",
            None,
            [401, 403, 204, 204],
        ),
        r(Method::GET, "/api/v1/users", None, [401, 403, 403, 200]),
        r(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({"email": "new{n}@example.com", "display_name": "New", "role": "author", "password": "long enough password"}),
            ),
            [401, 403, 403, 201],
        ),
        r(Method::GET, "/api/v1/users/{user}", None, [401, 403, 403, 200]),
        r(
            Method::PATCH,
            "/api/v1/users/{user}",
            Some(json!({"display_name": "Renamed"})),
            [401, 403, 403, 200],
        ),
        r(Method::DELETE, "/api/v1/users/{user}", None, [401, 403, 403, 204]),
        r(Method::GET, "/api/v1/auth/me", None, [401, 200, 200, 200]),
        r(Method::POST, "/api/v1/auth/logout", None, [401, 204, 204, 204]),
    ]
}

#[actix_web::test]
async fn every_write_route_allows_and_refuses_by_role() {
    let app = TestApp::new();
    let roles = [None, Some("author"), Some("editor"), Some("admin")];
    let mut failures = Vec::new();
    for route in routes() {
        for (role, expected) in roles.iter().zip(route.expect) {
            let n = app.next_number();
            fixtures(&app, n);
            let user_id = app.with_conn(|conn| {
                dateline::models::user::find_by_email(conn, &format!("user{n}@example.com"))
                    .unwrap()
                    .unwrap()
                    .id
            });
            let uri = route
                .uri
                .replace("{n}", &n.to_string())
                .replace("{user}", &user_id.to_string());
            let body = route
                .body
                .as_ref()
                .map(|b| serde_json::from_str(&b.to_string().replace("{n}", &n.to_string())).unwrap());
            let got = status_for(&app, *role, route.method.clone(), &uri, body).await;
            if got != expected {
                failures.push(format!(
                    "{} {uri} as {role:?}: expected {expected}, got {got}",
                    route.method
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role matrix mismatches:\n{}",
        failures.join("\n")
    );
}

#[actix_web::test]
async fn authors_work_on_their_own_drafts_only() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (author_id, author) = app.logged_in("author").await;
    let created = app
        .post_json(
            "/api/v1/articles",
            Some(&author),
            json!({"headline": "My draft", "section": "world-news"}),
        )
        .await
        .json(201);
    assert_eq!(created["status"], "draft");
    assert_eq!(created["author"]["id"], author_id);
    assert_eq!(created["published_at"], Value::Null);

    let mine = "/api/v1/articles/my-draft";
    app.patch_json(mine, Some(&author), json!({"summary": "Better"}))
        .await
        .json(200);
    app.put_json(
        mine,
        Some(&author),
        json!({"headline": "My draft", "section": "world-news"}),
    )
    .await
    .json(200);
    assert_eq!(app.get_as(mine, &author).await.json(200)["summary"], Value::Null);

    // Someone else's draft does not exist for this author; a published article is read-only.
    let other = app.user("other@example.com", "Other", "author");
    app.article("their-draft").author(other).draft().create();
    app.patch_json(
        "/api/v1/articles/their-draft",
        Some(&author),
        json!({"headline": "Mine now"}),
    )
    .await
    .problem(404);
    app.article("my-published")
        .author(author_id)
        .published_hours_ago(1)
        .create();
    app.patch_json(
        "/api/v1/articles/my-published",
        Some(&author),
        json!({"headline": "Edit"}),
    )
    .await
    .problem(403);
    app.call(Method::DELETE, "/api/v1/articles/my-published", Some(&author))
        .await
        .problem(403);

    assert_eq!(app.call(Method::DELETE, mine, Some(&author)).await.status, 204);
    app.get_as(mine, &author).await.problem(404);
}

#[actix_web::test]
async fn fields_a_role_may_not_set_are_refused_by_name_never_applied() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, author) = app.logged_in("author").await;
    let cases = [
        (json!({"status": "published"}), vec!["status"]),
        (json!({"status": "archived"}), vec!["status"]),
        (
            json!({"published_at": "2026-06-01T10:00:00Z"}),
            vec!["published_at"],
        ),
        (json!({"author_id": 1}), vec!["author_id"]),
        (
            json!({"status": "published", "author_id": 1}),
            vec!["status", "author_id"],
        ),
    ];
    for (extra, fields) in cases {
        let mut body = json!({"headline": "Sneaky", "section": "world-news"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let response = app.post_json("/api/v1/articles", Some(&author), body).await;
        assert_eq!(response.error_fields(403), fields);
    }
    assert_eq!(
        app.get_as("/api/v1/articles?status=all&total=true", &author)
            .await
            .json(200)["meta"]["total"],
        0
    );

    app.post_json(
        "/api/v1/articles",
        Some(&author),
        json!({"headline": "Draft", "section": "world-news"}),
    )
    .await
    .json(201);
    let response = app
        .patch_json(
            "/api/v1/articles/draft",
            Some(&author),
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(response.error_fields(403), ["status"]);
    assert_eq!(
        app.get_as("/api/v1/articles/draft", &author).await.json(200)["status"],
        "draft"
    );
}

#[actix_web::test]
async fn drafts_are_listed_and_read_only_with_a_token() {
    let app = TestApp::new();
    let (_, editor) = app.logged_in("editor").await;
    let (author_id, author) = app.logged_in("author").await;
    app.article("editors-draft").draft().create();
    app.article("authors-draft").author(author_id).draft().create();
    app.article("scheduled").published_hours_ago(-5).create();
    app.article("archived").archived().create();
    app.article("live").published_hours_ago(1).create();

    // Anonymous: never, whatever the parameters.
    app.get("/api/v1/articles?status=draft").await.problem(401);
    app.get("/api/v1/articles/editors-draft").await.problem(404);
    assert_eq!(
        crate::support::slugs(&app.get("/api/v1/articles").await.json(200)),
        ["live"]
    );

    let drafts = app.get_as("/api/v1/articles?status=draft", &editor).await;
    assert_eq!(
        drafts.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    let mut slugs = crate::support::slugs(&drafts.json(200));
    slugs.sort();
    assert_eq!(slugs, ["authors-draft", "editors-draft"]);
    assert_eq!(
        crate::support::slugs(
            &app.get_as("/api/v1/articles?status=scheduled", &editor)
                .await
                .json(200)
        ),
        ["scheduled"]
    );
    assert_eq!(
        crate::support::slugs(
            &app.get_as("/api/v1/articles?status=archived", &editor)
                .await
                .json(200)
        ),
        ["archived"]
    );
    assert_eq!(
        app.get_as("/api/v1/articles?status=all&total=true", &editor)
            .await
            .json(200)["meta"]["total"],
        5
    );
    app.get_as("/api/v1/articles/editors-draft", &editor)
        .await
        .json(200);

    // Authors: their own only.
    assert_eq!(
        crate::support::slugs(&app.get_as("/api/v1/articles?status=all", &author).await.json(200)),
        ["authors-draft"]
    );
    app.get_as("/api/v1/articles/editors-draft", &author)
        .await
        .problem(404);
    app.get_as("/api/v1/articles/authors-draft", &author)
        .await
        .json(200);
    // Without `status`, a token changes nothing in the list.
    assert_eq!(
        crate::support::slugs(&app.get_as("/api/v1/articles", &editor).await.json(200)),
        ["live"]
    );
}
