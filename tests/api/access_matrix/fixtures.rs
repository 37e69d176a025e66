//! What the cells act on: the accounts and tokens of the walk, fresh rows for each cell, and
//! the requests made of them (path parameters, headers, bodies).

use std::collections::BTreeMap;

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use chrono::Duration;
use dateline::domain::sessions::{self, TokenPolicy};
use dateline::models::user;
use futures_util::future::LocalBoxFuture;
use serde_json::{Value, json};

use super::spec::{Caller, Operation};
use crate::support::auth::PASSWORD;
use crate::support::{Response, TestApp};

/// Sends a request through one instance of the application (built once: building the app per
/// request would dominate the walk).
pub struct Client<'a> {
    pub call: Box<dyn Fn(TestRequest) -> LocalBoxFuture<'a, Response> + 'a>,
}

impl Client<'_> {
    pub async fn send(&self, request: TestRequest) -> Response {
        (self.call)(request).await
    }

    /// A JSON request as `token`, which must answer `expected`; its JSON body.
    pub async fn expect(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: Option<Value>,
        expected: u16,
    ) -> Value {
        let mut request = TestRequest::default()
            .method(method.clone())
            .uri(uri)
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .insert_header((header::IF_MATCH, "*"));
        if let Some(body) = body {
            request = request.set_json(body);
        }
        let response = self.send(request).await;
        assert_eq!(
            response.status.as_u16(),
            expected,
            "fixture {method} {uri}: {}",
            response.text()
        );
        serde_json::from_slice(&response.body).unwrap_or(Value::Null)
    }
}

/// The accounts of the walk, made once.
pub struct Accounts {
    author: i64,
    editor: i64,
    admin: i64,
    editor_email: String,
    deactivated_token: String,
    expired_token: String,
}

/// What one cell acts on: fresh rows (destructive operations delete or change them) and fresh
/// sessions (logging out ends one; a refresh token is used once).
pub struct Fixtures {
    /// A published article with two revisions and a pending comment.
    article: String,
    /// The author's own draft, with two revisions.
    draft: String,
    /// An article in the trash.
    trashed: String,
    section: String,
    tag: String,
    source: String,
    comment: i64,
    user: i64,
    /// The user ids of the author, the editor and the admin (each has an author profile).
    own: BTreeMap<Caller, i64>,
    /// The slug of the author's public profile.
    profile: String,
    /// Access tokens of the author, the editor and the admin.
    tokens: BTreeMap<&'static str, String>,
    /// An unused refresh token.
    refresh: String,
    /// A library item uploaded by the author (so every role may see and change it).
    media: i64,
    /// A stored media file: its folder and name.
    media_file: (String, String),
    /// A webhook endpoint and one of its deliveries.
    webhook: (i64, i64),
    /// The article sitemap of the month the fixture article was published in.
    month_sitemap: String,
    /// A preview link the author made for their draft (so every role may revoke it).
    preview: i64,
}

/// Opens a session for `user_id` without a password check (argon2 per cell would dominate the
/// walk; `POST /auth/login` has its own cells): access and refresh token.
fn sign_in(app: &TestApp, user_id: i64) -> (String, String) {
    let policy = TokenPolicy {
        keys: &app.state.tokens,
        access_ttl: Duration::from_std(app.state.config.access_token_ttl).expect("a ttl"),
        refresh_ttl: Duration::days(1),
    };
    let now = app.state.now_utc();
    let issued = app.with_conn(|conn| {
        let account = user::find(conn, user_id).expect("query").expect("the account");
        sessions::sign_in(conn, policy, &account, "access-matrix", now).expect("sign in")
    });
    (issued.access_token, issued.refresh_token)
}

pub async fn accounts(app: &TestApp, client: &Client<'_>) -> Accounts {
    app.section("world-news", "World News", None);
    let account = |name: &str, role: &str| {
        let email = format!("matrix-{name}@example.com");
        (app.account(&email, role), email)
    };
    let (author, _) = account("author", "author");
    let (editor, editor_email) = account("editor", "editor");
    let (admin, _) = account("admin", "admin");

    // Deactivated the way an admin does it, after the token was handed out.
    let (deactivated, _) = account("deactivated", "admin");
    let deactivated_token = sign_in(app, deactivated).0;
    let admin_token = sign_in(app, admin).0;
    client
        .expect(
            Method::PATCH,
            &format!("/api/v1/users/{deactivated}"),
            &admin_token,
            Some(json!({"active": false})),
            200,
        )
        .await;

    // Expired, and nothing else: the session is live, the account an active admin.
    let live = sign_in(app, admin).0;
    let claims = app
        .state
        .tokens
        .verify(&live, app.state.now_utc())
        .expect("a fresh token is valid");
    let ttl = app.state.config.access_token_ttl.as_secs() as i64;
    let issued_at = app.state.now_utc() - Duration::seconds(ttl + 60);
    let expired_token = app
        .state
        .tokens
        .issue(admin, claims.sid, claims.ver, issued_at, ttl);
    client
        .expect(Method::GET, "/api/v1/auth/me", &live, None, 200)
        .await;

    Accounts {
        author,
        editor,
        admin,
        editor_email,
        deactivated_token,
        expired_token,
    }
}

pub async fn fixtures(app: &TestApp, client: &Client<'_>, accounts: &Accounts) -> Fixtures {
    let n = app.next_number();
    let mut tokens = BTreeMap::new();
    for (role, id) in [
        ("author", accounts.author),
        ("editor", accounts.editor),
        ("admin", accounts.admin),
    ] {
        tokens.insert(role, sign_in(app, id).0);
    }
    let refresh = sign_in(app, accounts.editor).1;
    let editor = &tokens["editor"];
    let author = &tokens["author"];

    let article = format!("article-{n}");
    let published_at = (app.now() - Duration::hours(1)).and_utc().to_rfc3339();
    let created = client
        .expect(
            Method::POST,
            "/api/v1/articles",
            editor,
            Some(
                json!({"headline": format!("Article {n}"), "slug": article, "section": "world-news",
                "status": "published", "published_at": published_at}),
            ),
            201,
        )
        .await;
    let article_uri = format!("/api/v1/articles/{article}");
    client
        .expect(
            Method::PATCH,
            &article_uri,
            editor,
            Some(json!({"summary": "The second revision"})),
            200,
        )
        .await;
    let comment = app.comment(
        created["id"].as_i64().expect("an article id"),
        "pending",
        &format!("Comment on {article}"),
    );

    let draft = format!("draft-{n}");
    client
        .expect(
            Method::POST,
            "/api/v1/articles",
            author,
            Some(json!({"headline": format!("Draft {n}"), "slug": draft, "section": "world-news"})),
            201,
        )
        .await;
    client
        .expect(
            Method::PATCH,
            &format!("/api/v1/articles/{draft}"),
            author,
            Some(json!({"summary": "The second revision"})),
            200,
        )
        .await;

    let preview = client
        .expect(
            Method::POST,
            &format!("/api/v1/articles/{draft}/previews"),
            author,
            Some(json!({})),
            201,
        )
        .await["link"]["id"]
        .as_i64()
        .expect("a preview link id");

    let trashed = format!("trashed-{n}");
    app.article(&trashed).create();
    client
        .expect(
            Method::DELETE,
            &format!("/api/v1/articles/{trashed}"),
            editor,
            None,
            204,
        )
        .await;

    let section = format!("section-{n}");
    app.section(&section, &format!("Section {n}"), None);
    let tag = format!("tag-{n}");
    app.tag(&tag, &format!("Tag {n}"));
    let source = format!("source-{n}");
    app.source(&source, &format!("Source {n}"), None);
    let user = app.user(&format!("user-{n}@example.com"), "User", "author");
    let own = BTreeMap::from([
        (Caller::Author, accounts.author),
        (Caller::Editor, accounts.editor),
        (Caller::Admin, accounts.admin),
    ]);
    for (caller, id) in &own {
        app.profile(*id, &format!("matrix-{caller:?}").to_lowercase());
    }
    let profile = "matrix-author".to_owned();
    let (media, folder) = app.media_item(accounts.author);
    let file = "0123456789abcdef01234567-40.jpg".to_owned();
    let (_, upload) = crate::support::fixtures::image_upload("unused");
    app.state
        .media
        .put(&format!("{folder}/{file}"), upload, "image/jpeg")
        .await
        .expect("store a media file");
    let webhook = webhook_with_delivery(app);
    let month_sitemap = (app.now() - Duration::hours(1)).format("%Y-%m.xml").to_string();
    Fixtures {
        preview,
        webhook,
        month_sitemap,
        media,
        media_file: (folder, file),
        own,
        profile,
        article,
        draft,
        trashed,
        section,
        tag,
        source,
        comment,
        user,
        tokens,
        refresh,
    }
}

/// A webhook endpoint with one delivery (of a ping), written straight to the database: their
/// ids.
fn webhook_with_delivery(app: &TestApp) -> (i64, i64) {
    use dateline::models::webhook::{self as rows, EndpointFields};
    use dateline::webhooks::secrets::SealingKey;
    let sealed = SealingKey::derive(app.state.config.jwt_secret.bytes()).seal("whsec_bWF0cml4");
    let now = app.now();
    app.with_conn(|conn| {
        let fields = EndpointFields {
            url: "https://hooks.example.com/in",
            description: None,
            events: "[\"webhook.ping\"]".to_owned(),
            active: true,
        };
        let endpoint = rows::insert_endpoint(conn, &fields, &sealed, now).expect("endpoint");
        let public_id = format!("msg_matrix{}", endpoint.id);
        let event = dateline::values::WebhookEvent::WebhookPing;
        let event_id = rows::enqueue(conn, &public_id, event, "webhook", "{}", &[], now).expect("event");
        let delivery = rows::add_delivery(conn, event_id, endpoint.id, "webhook", now).expect("delivery");
        (endpoint.id, delivery)
    })
}

/// `path` with its parameters filled from `fx`, or why the matrix cannot fill one.
fn fill_path(operation: &Operation, caller: Caller, fx: &Fixtures) -> Result<String, String> {
    let segments: Vec<&str> = operation.path.split('/').collect();
    let mut filled = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            filled.push(segment.to_string());
            continue;
        };
        let resource = if i > 0 { segments[i - 1] } else { "" };
        let value = match (resource, name) {
            ("articles", "slug") if operation.needs_own_draft(caller) => fx.draft.clone(),
            ("articles", "slug") => fx.article.clone(),
            ("sections", "slug") => fx.section.clone(),
            ("tags", "slug") => fx.tag.clone(),
            ("sources", "slug") => fx.source.clone(),
            ("trash", "slug") => fx.trashed.clone(),
            ("comments", "id") => fx.comment.to_string(),
            ("media", "id") => fx.media.to_string(),
            ("media", "folder") => fx.media_file.0.clone(),
            ("articles", "file") => fx.month_sitemap.clone(),
            (_, "file") => fx.media_file.1.clone(),
            ("feeds", "format") | ("{slug}", "format") => "rss".to_owned(),
            ("feeds", "scope") => "tags".to_owned(),
            ("{scope}", "slug") => fx.tag.clone(),
            ("webhooks", "id") => fx.webhook.0.to_string(),
            ("previews", "id") => fx.preview.to_string(),
            ("deliveries", "delivery_id") => fx.webhook.1.to_string(),
            // A profile is its own account's (or any, for an admin).
            ("users", "id") if operation.path.ends_with("/profile") => {
                fx.own.get(&caller).copied().unwrap_or(fx.user).to_string()
            }
            ("users", "id") => fx.user.to_string(),
            ("authors", "slug") => fx.profile.clone(),
            // Every fixture article has revisions 1 and 2.
            ("revisions", "number") | ("revisions", "from") => "1".to_owned(),
            ("diff", "to") => "2".to_owned(),
            _ => {
                return Err(format!(
                    "{}: the matrix cannot fill path parameter `{{{name}}}` after `/{resource}/`; \
                     add a fixture for it in tests/api/access_matrix.rs (fill_path)",
                    operation.name()
                ));
            }
        };
        filled.push(value);
    }
    Ok(filled.join("/"))
}

/// A valid body for `operation` (`k` keeps names unique), or why the matrix has none.
fn body_for(operation: &Operation, accounts: &Accounts, fx: &Fixtures, k: u64) -> Result<Value, String> {
    let body = match operation.id.as_str() {
        "create_article" => json!({"headline": format!("Matrix {k}"), "section": "world-news"}),
        "replace_article" => json!({"headline": format!("Replaced {k}"), "section": "world-news"}),
        "update_article" => json!({"summary": format!("Patched {k}")}),
        "submit_comment" => json!({"author_name": "Reader", "body": format!("Comment {k}")}),
        "add_correction" => json!({"text": format!("Correction {k}")}),
        "moderate_comment" => json!({"status": "approved"}),
        "moderate_many" => json!({"ids": [fx.comment], "status": "approved"}),
        "create_section" => json!({"name": format!("Section {k} new")}),
        "update_section" => json!({"name": format!("Section {k} renamed")}),
        "create_tag" => json!({"name": format!("Tag {k} new")}),
        "update_tag" => json!({"name": format!("Tag {k} renamed")}),
        "create_source" => json!({"name": format!("Source {k} new")}),
        "update_source" => json!({"url": "https://example.com/source"}),
        "login" => json!({"email": accounts.editor_email, "password": PASSWORD}),
        "refresh" => json!({"refresh_token": fx.refresh}),
        "create_user" => json!({"email": format!("new-{k}@example.com"), "display_name": "New",
            "role": "author", "password": "a long enough password"}),
        "update_user" => json!({"display_name": format!("Renamed {k}")}),
        "replace_site" => json!({"name": format!("Site {k}"), "base_url": "https://news.example.com",
            "language": "en", "time_zone": "UTC", "permalink": "/{section}/{slug}"}),
        "update_site" => json!({"description": format!("Described {k}")}),
        "replace_profile" => json!({"slug": format!("profile-{k}"), "public": true}),
        "update_media" => json!({"caption": format!("Caption {k}")}),
        "create_webhook" => json!({"url": "https://hooks.example.com/in", "events": ["article.published"]}),
        "update_webhook" => json!({"description": format!("Described {k}")}),
        "rotate_webhook_secret" => json!({}),
        "create_preview" => json!({"expires_in_hours": 2}),
        _ => {
            return Err(format!(
                "{}: the matrix has no valid body for this operation; add one in \
                 tests/api/access_matrix.rs (body_for)",
                operation.name()
            ));
        }
    };
    Ok(body)
}

/// The request of one cell, or why the matrix cannot make it.
pub fn request_for(
    operation: &Operation,
    caller: Caller,
    accounts: &Accounts,
    fx: &Fixtures,
    k: u64,
) -> Result<TestRequest, String> {
    let mut uri = fill_path(operation, caller, fx)?;
    let search_text = |(name, location, _): &(String, String, bool)| location == "query" && name == "q";
    if operation.parameters.iter().any(search_text) {
        uri.push_str("?q=matrix");
    }
    let mut request = TestRequest::default().method(operation.method.clone()).uri(&uri);
    let token = match caller {
        Caller::Anonymous => None,
        Caller::Deactivated => Some(accounts.deactivated_token.as_str()),
        Caller::Expired => Some(accounts.expired_token.as_str()),
        Caller::Author | Caller::Editor | Caller::Admin => {
            Some(fx.tokens[caller.role().expect("a role")].as_str())
        }
    };
    if let Some(token) = token {
        request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    }
    for (name, location, required) in &operation.parameters {
        match (location.as_str(), name.as_str()) {
            ("path", _) | ("query", "q") => {}
            ("header", n) if n.eq_ignore_ascii_case("if-match") => {
                request = request.insert_header((header::IF_MATCH, "*"));
            }
            (_, _) if !required => {}
            _ => {
                return Err(format!(
                    "{}: the matrix cannot fill the required {location} parameter `{name}`; \
                     add it in tests/api/access_matrix.rs (request_for)",
                    operation.name()
                ));
            }
        }
    }
    if let Some(media_types) = &operation.body {
        if media_types.iter().any(|m| m == "multipart/form-data") {
            let (content_type, body) = crate::support::fixtures::image_upload(&format!("Matrix {k}"));
            return Ok(request
                .insert_header((header::CONTENT_TYPE, content_type))
                .set_payload(body));
        }
        if !media_types.iter().any(|m| m == "application/json") {
            return Err(format!(
                "{}: the matrix only sends JSON bodies, the operation takes {media_types:?}",
                operation.name()
            ));
        }
        request = request.set_json(body_for(operation, accounts, fx, k)?);
    }
    Ok(request)
}
