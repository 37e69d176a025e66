//! Accounts that can log in, tokens, and JSON requests carrying them.

use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use dateline::models::user::{self, NewUser};
use serde_json::{Value, json};

use super::{Response, TestApp};

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Hashing is slow by design; one hash serves every test account.
static PASSWORD_HASH: LazyLock<String> =
    LazyLock::new(|| dateline::auth::password::hash(PASSWORD).expect("hash"));

/// Tokens from a login.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// An account that can log in with [`PASSWORD`].
    pub fn account(&self, email: &str, role: &str) -> i64 {
        let now = self.now();
        self.with_conn(|conn| {
            user::insert(
                conn,
                &NewUser {
                    email,
                    display_name: &format!("{role} {email}"),
                    password_hash: &PASSWORD_HASH,
                    role: role.parse().expect("a role"),
                    active: true,
                    created_at: now,
                    updated_at: now,
                },
            )
            .expect("insert account")
            .id
        })
    }

    pub async fn login(&self, email: &str) -> Tokens {
        let body = self
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await
            .json(200);
        Tokens {
            access: body["access_token"].as_str().expect("access token").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh token").to_owned(),
        }
    }

    /// A new account with `role`, logged in: its id and access token.
    pub async fn logged_in(&self, role: &str) -> (i64, String) {
        let email = format!("{role}-{}@example.com", self.next_number());
        let id = self.account(&email, role);
        (id, self.login(&email).await.access)
    }

    /// A JSON request, with a bearer token if given. PUT, PATCH and DELETE are sent
    /// unconditionally (`If-Match: *`); tests of preconditions build their requests themselves.
    pub async fn send_json(&self, method: Method, uri: &str, token: Option<&str>, body: Value) -> Response {
        self.send(request(method, uri, token).set_json(body)).await
    }

    /// The ETag an editorial read of `uri` answers.
    pub async fn etag(&self, uri: &str, token: &str) -> String {
        let response = self.get_as(uri, token).await;
        assert_eq!(
            response.status,
            200,
            "reading {uri} for its ETag: {}",
            response.text()
        );
        response.header("etag").expect("editorial reads carry an ETag")
    }

    /// A JSON write with `If-Match` set to what an editorial read answers now.
    pub async fn write_current(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let etag = self.etag(uri, token).await;
        let mut request = TestRequest::default()
            .method(method)
            .uri(uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("If-Match", etag));
        if let Some(body) = body {
            request = request.set_json(body);
        }
        self.send(request).await
    }

    pub async fn post_json(&self, uri: &str, token: Option<&str>, body: Value) -> Response {
        self.send_json(Method::POST, uri, token, body).await
    }

    pub async fn patch_json(&self, uri: &str, token: Option<&str>, body: Value) -> Response {
        self.send_json(Method::PATCH, uri, token, body).await
    }

    pub async fn put_json(&self, uri: &str, token: Option<&str>, body: Value) -> Response {
        self.send_json(Method::PUT, uri, token, body).await
    }

    /// A bodiless request with a bearer token if given (DELETE unconditional, as above).
    pub async fn call(&self, method: Method, uri: &str, token: Option<&str>) -> Response {
        self.send(request(method, uri, token)).await
    }

    pub async fn get_as(&self, uri: &str, token: &str) -> Response {
        self.call(Method::GET, uri, Some(token)).await
    }
}

fn request(method: Method, uri: &str, token: Option<&str>) -> TestRequest {
    let unconditional = matches!(method, Method::PUT | Method::PATCH | Method::DELETE);
    let mut request = TestRequest::default().method(method).uri(uri);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if unconditional {
        request = request.insert_header(("If-Match", "*"));
    }
    request
}

/// What a valid article body looks like (the section must exist).
pub fn article_body(headline: &str) -> Value {
    json!({"headline": headline, "section": "world-news", "body": "<p>Text</p>"})
}
