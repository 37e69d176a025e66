//! Author profiles and bylines: who edits a profile, what the public sees (only public
//! profiles, never login data), co-bylines in order, the free-text byline, the `author` filter
//! by slug, and cached answers dropped by a profile change.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::auth::article_body;
use crate::support::{TestApp, cache_hits};

fn profile(slug: &str, public: bool) -> Value {
    json!({
        "slug": slug,
        "bio": "Covers South Asia from Islamabad.",
        "job_title": "Foreign correspondent",
        "avatar_url": "https://news.example.com/media/a.jpg",
        "social_links": [{"network": "x", "label": "X", "url": "https://x.com/someone"}],
        "public": public
    })
}

/// A logged-in account of `role` with a saved profile: its id and token.
async fn author_with_profile(app: &TestApp, role: &str, slug: &str, public: bool) -> (i64, String) {
    let (id, token) = app.logged_in(role).await;
    app.put_json(
        &format!("/api/v1/users/{id}/profile"),
        Some(&token),
        profile(slug, public),
    )
    .await
    .json(200);
    (id, token)
}

/// Every key anywhere in `value`.
fn keys_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys_in(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_in(v, out)),
        _ => {}
    }
}

#[track_caller]
fn assert_no_login_data(value: &Value) {
    let mut keys = Vec::new();
    keys_in(value, &mut keys);
    for private in [
        "email",
        "role",
        "password",
        "password_hash",
        "token_version",
        "active",
    ] {
        assert!(!keys.iter().any(|k| k == private), "`{private}` in {value}");
    }
}

#[actix_web::test]
async fn an_account_edits_its_own_profile_and_the_public_sees_it_once_public() {
    let app = TestApp::new();
    let (id, token) = app.logged_in("author").await;
    let uri = format!("/api/v1/users/{id}/profile");
    app.get_as(&uri, &token).await.problem(404);

    let saved = app.put_json(&uri, Some(&token), profile("jane-doe", false)).await;
    let etag = saved.header("etag").expect("a saved profile has an ETag");
    let saved = saved.json(200);
    assert_eq!(saved["slug"], "jane-doe");
    assert_eq!(saved["public"], false);
    assert_eq!(saved["url"], "http://localhost:3000/author/jane-doe");

    // Not public: as unknown as a slug nobody has.
    app.get("/api/v1/authors/jane-doe").await.problem(404);
    assert_eq!(app.get("/api/v1/authors").await.json(200)["meta"]["total"], 0);

    let mut public = profile("jane-doe", true);
    public["job_title"] = json!("Chief correspondent");
    let request = TestRequest::put()
        .uri(&uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("If-Match", etag.clone()))
        .set_json(&public);
    app.send(request).await.json(200);
    // The version read before is stale now.
    let stale = TestRequest::put()
        .uri(&uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("If-Match", etag))
        .set_json(&public);
    app.send(stale).await.problem(412);

    let author = app.get("/api/v1/authors/jane-doe").await;
    assert!(author.header("cache-control").unwrap().starts_with("public"));
    let author = author.json(200);
    assert_eq!(author["job_title"], "Chief correspondent");
    assert_eq!(author["social_links"][0]["network"], "x");
    assert_no_login_data(&author);
    let list = app.get("/api/v1/authors").await.json(200);
    assert_eq!(list["data"][0]["slug"], "jane-doe");
    assert_eq!(list["meta"]["total"], 1);
    assert_no_login_data(&list);
}

#[actix_web::test]
async fn only_admins_edit_other_peoples_profiles() {
    let app = TestApp::new();
    let (other, _) = app.logged_in("author").await;
    let (_, editor) = app.logged_in("editor").await;
    let (_, admin) = app.logged_in("admin").await;
    let uri = format!("/api/v1/users/{other}/profile");
    app.put_json(&uri, Some(&editor), profile("other", true))
        .await
        .problem(403);
    app.get_as(&uri, &editor).await.problem(403);
    app.put_json(&uri, None, profile("other", true))
        .await
        .problem(401);
    app.put_json(&uri, Some(&admin), profile("other", true))
        .await
        .json(200);
    assert_eq!(app.get_as(&uri, &admin).await.json(200)["user_id"], other);
    app.put_json(
        "/api/v1/users/999999/profile",
        Some(&admin),
        profile("ghost", true),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn profile_fields_are_validated_and_slugs_are_unique() {
    let app = TestApp::new();
    author_with_profile(&app, "author", "taken", true).await;
    let (id, token) = app.logged_in("author").await;
    let uri = format!("/api/v1/users/{id}/profile");

    let mut bad = profile("Not A Slug", true);
    bad["avatar_url"] = json!("javascript:alert(1)");
    bad["bio"] = json!("x".repeat(2001));
    bad["social_links"] = json!([{"network": "x", "label": "X", "url": "ftp://x"}]);
    let fields = app.put_json(&uri, Some(&token), bad).await.error_fields(422);
    for field in ["slug", "avatar_url", "bio", "social_links[0].url"] {
        assert!(fields.iter().any(|f| f == field), "{field} not in {fields:?}");
    }
    let missing = app.put_json(&uri, Some(&token), json!({"bio": "x"})).await;
    assert_eq!(missing.error_fields(422), ["slug"]);
    let wrong_type = app
        .put_json(&uri, Some(&token), json!({"slug": "me", "public": "yes"}))
        .await;
    assert_eq!(wrong_type.error_fields(422), ["public"]);

    let taken = app.put_json(&uri, Some(&token), profile("taken", true)).await;
    assert_eq!(taken.error_fields(409), ["slug"]);
    // Nothing was stored by the refused writes.
    app.get_as(&uri, &token).await.problem(404);
}

#[actix_web::test]
async fn articles_credit_their_authors_in_order_and_private_profiles_show_only_a_name() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, editor) = author_with_profile(&app, "editor", "ed-itor", true).await;
    author_with_profile(&app, "author", "co-writer", true).await;
    author_with_profile(&app, "author", "shy-writer", false).await;

    // Without `authors`, the caller (who has a profile) is credited.
    let mut body = article_body("Own story");
    body["status"] = json!("published");
    let own = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    assert_eq!(own["authors"][0]["slug"], "ed-itor");

    let mut body = article_body("Joint story");
    body["status"] = json!("published");
    body["authors"] = json!(["co-writer", "shy-writer", "ed-itor"]);
    body["byline"] = json!("With agencies");
    let joint = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    let public = app
        .get(&format!("/api/v1/articles/{}", joint["slug"].as_str().unwrap()))
        .await
        .json(200);
    let names: Vec<&str> = public["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3);
    assert_eq!(public["authors"][0]["slug"], "co-writer");
    assert_eq!(
        public["authors"][0]["url"],
        "http://localhost:3000/author/co-writer"
    );
    assert_eq!(public["authors"][0]["job_title"], "Foreign correspondent");
    assert_eq!(
        public["authors"][1],
        json!({"display_name": names[1], "slug": null, "job_title": null, "avatar_url": null, "url": null}),
        "a private profile shows the name only"
    );
    assert_eq!(public["authors"][2]["slug"], "ed-itor");
    assert_eq!(public["byline"], "With agencies");
    assert_no_login_data(&public["authors"]);

    // PATCH reorders; a replace without `authors` keeps them.
    let uri = format!("/api/v1/articles/{}", joint["slug"].as_str().unwrap());
    let patched = app
        .patch_json(
            &uri,
            Some(&editor),
            json!({"authors": ["ed-itor"], "byline": null}),
        )
        .await
        .json(200);
    assert_eq!(patched["authors"].as_array().unwrap().len(), 1);
    assert_eq!(patched["byline"], Value::Null);
    let mut replace = article_body("Joint story");
    replace["status"] = json!("published");
    let replaced = app.put_json(&uri, Some(&editor), replace).await.json(200);
    assert_eq!(replaced["authors"][0]["slug"], "ed-itor");

    // An unknown author is a field error naming its place; nothing is written.
    let bad = app
        .patch_json(&uri, Some(&editor), json!({"authors": ["ed-itor", "nobody"]}))
        .await;
    assert_eq!(bad.error_fields(422), ["authors[1]"]);
    let dup = app
        .patch_json(&uri, Some(&editor), json!({"authors": ["ed-itor", "ed-itor"]}))
        .await;
    assert_eq!(dup.error_fields(422), ["authors"]);
    assert_eq!(app.get(&uri).await.json(200)["authors"][0]["slug"], "ed-itor");
}

#[actix_web::test]
async fn the_author_filter_takes_a_public_profiles_slug() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (_, editor) = author_with_profile(&app, "editor", "desk", true).await;
    author_with_profile(&app, "author", "hidden", false).await;
    for (headline, authors) in [("By desk", json!(["desk"])), ("By hidden", json!(["hidden"]))] {
        let mut body = article_body(headline);
        body["status"] = json!("published");
        body["authors"] = authors;
        app.post_json("/api/v1/articles", Some(&editor), body)
            .await
            .json(201);
    }
    let list = app.get("/api/v1/articles?author=desk").await.json(200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["headline"], "By desk");
    let problem = app.get("/api/v1/articles?author=hidden").await;
    assert_eq!(problem.error_fields(404), ["author"]);
    app.get("/api/v1/articles?author=nobody").await.problem(404);
}

#[actix_web::test]
async fn a_profile_change_drops_the_cached_answers_that_show_it() {
    let app = TestApp::with_config(|c| c.response_cache_bytes = 8 * 1_048_576);
    app.section("world-news", "World News", None);
    let (id, editor) = author_with_profile(&app, "editor", "desk", true).await;
    let mut body = article_body("Cached story");
    body["status"] = json!("published");
    let story = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    let uris = [
        format!("/api/v1/articles/{}", story["slug"].as_str().unwrap()),
        "/api/v1/authors".to_owned(),
        "/api/v1/authors/desk".to_owned(),
        "/api/v1/articles?author=desk".to_owned(),
    ];
    for uri in &uris {
        app.get(uri).await.json(200);
    }
    let hits = cache_hits(&app.state);
    for uri in &uris {
        app.get(uri).await.json(200);
    }
    assert_eq!(cache_hits(&app.state), hits + uris.len() as u64, "all cached");

    let mut changed = profile("desk", true);
    changed["job_title"] = json!("Night editor");
    app.put_json(&format!("/api/v1/users/{id}/profile"), Some(&editor), changed)
        .await
        .json(200);
    let detail = app.get(&uris[0]).await.json(200);
    assert_eq!(detail["authors"][0]["job_title"], "Night editor");
    assert_eq!(app.get(&uris[2]).await.json(200)["job_title"], "Night editor");
    assert_eq!(
        app.get(&uris[1]).await.json(200)["data"][0]["job_title"],
        "Night editor"
    );

    // Made private: gone from every public answer at once.
    app.put_json(
        &format!("/api/v1/users/{id}/profile"),
        Some(&editor),
        profile("desk", false),
    )
    .await
    .json(200);
    app.get(&uris[2]).await.problem(404);
    app.get(&uris[3]).await.problem(404);
    assert_eq!(app.get(&uris[1]).await.json(200)["meta"]["total"], 0);
    assert_eq!(
        app.get(&uris[0]).await.json(200)["authors"][0]["slug"],
        Value::Null
    );
}

#[actix_web::test]
async fn only_editors_set_byline_authors_and_a_new_article_credits_its_author() {
    let app = TestApp::new();
    app.section("world-news", "World News", None);
    let (writer, writer_token) = author_with_profile(&app, "author", "writer", true).await;
    let (_, editor) = author_with_profile(&app, "editor", "desk", true).await;

    // An author may not credit anyone (403 naming the field), but is credited by default.
    let mut body = article_body("Own draft");
    body["authors"] = json!(["desk"]);
    let refused = app.post_json("/api/v1/articles", Some(&writer_token), body).await;
    assert_eq!(refused.error_fields(403), ["authors"]);
    let own = app
        .post_json("/api/v1/articles", Some(&writer_token), article_body("Own draft"))
        .await
        .json(201);
    assert_eq!(own["authors"][0]["slug"], "writer");

    // An editor filing for a writer (`author_id`) credits the writer, not the editor.
    let mut body = article_body("Filed for the writer");
    body["author_id"] = json!(writer);
    let filed = app
        .post_json("/api/v1/articles", Some(&editor), body)
        .await
        .json(201);
    assert_eq!(filed["authors"][0]["slug"], "writer");
    assert_eq!(filed["authors"].as_array().unwrap().len(), 1);
}
