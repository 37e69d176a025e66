//! Logins, refresh rotation, logout, revocation, token attacks and login-abuse limits.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::TestApp;
use crate::support::auth::PASSWORD;

#[actix_web::test]
async fn login_answers_tokens_and_me_answers_the_caller() {
    let app = TestApp::new();
    app.account("editor@example.com", "editor");
    let body = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"email": "Editor@Example.com", "password": PASSWORD}),
        )
        .await
        .json(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 40);
    let token = body["access_token"].as_str().unwrap();

    let me = app.get_as("/api/v1/auth/me", token).await;
    assert_eq!(me.header("cache-control").as_deref(), Some("private, no-store"));
    let me = me.json(200);
    assert_eq!(me["email"], "editor@example.com");
    assert_eq!(me["role"], "editor");
    assert!(me.get("password_hash").is_none());
}

#[actix_web::test]
async fn wrong_password_unknown_email_and_deactivated_accounts_look_the_same() {
    let app = TestApp::new();
    app.account("jane@example.com", "editor");
    let off = app.account("off@example.com", "editor");
    app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::update(dateline::db::schema::users::table.find(off))
            .set(dateline::db::schema::users::active.eq(false))
            .execute(conn)
            .unwrap();
    });
    let attempts = [
        json!({"email": "jane@example.com", "password": "not the password"}),
        json!({"email": "nobody@example.com", "password": PASSWORD}),
        json!({"email": "off@example.com", "password": PASSWORD}),
    ];
    let mut bodies = Vec::new();
    for attempt in attempts {
        let response = app.post_json("/api/v1/auth/login", None, attempt).await;
        bodies.push(response.problem(401));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
}

#[actix_web::test]
async fn login_bodies_are_validated() {
    let app = TestApp::new();
    let missing = app
        .post_json("/api/v1/auth/login", None, json!({"email": "a@b.c"}))
        .await;
    assert_eq!(missing.error_fields(422), ["password"]);
    let extra = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"email": "a@b.c", "password": "x", "admin": true}),
        )
        .await;
    assert_eq!(extra.error_fields(422), ["admin"]);
    let not_json = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("content-type", "application/json"))
                .set_payload("{email"),
        )
        .await;
    not_json.problem(400);
    let form = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .insert_header(("content-type", "text/plain"))
                .set_payload("x"),
        )
        .await;
    form.problem(415);
    let huge = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"email": "a@b.c", "password": "x".repeat(20_000)}),
        )
        .await;
    huge.problem(413);
}

#[actix_web::test]
async fn failed_logins_are_limited_per_account_with_retry_after() {
    let app = TestApp::new();
    app.account("target@example.com", "editor");
    for _ in 0..5 {
        let wrong = json!({"email": "target@example.com", "password": "guess guess guess"});
        app.post_json("/api/v1/auth/login", None, wrong)
            .await
            .problem(401);
    }
    let right = json!({"email": "target@example.com", "password": PASSWORD});
    let limited = app.post_json("/api/v1/auth/login", None, right.clone()).await;
    limited.problem(429);
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900);

    app.clock.advance(Duration::minutes(15));
    app.post_json("/api/v1/auth/login", None, right).await.json(200);
}

#[actix_web::test]
async fn failed_logins_are_limited_per_client_address() {
    let app = TestApp::with_config(|c| c.login_max_failures_per_address = 3);
    app.account("real@example.com", "editor");
    let from = |body: serde_json::Value, ip: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .peer_addr(format!("{ip}:5000").parse().unwrap())
            .set_json(body)
    };
    for n in 0..3 {
        let attempt = json!({"email": format!("guess{n}@example.com"), "password": "guess guess guess"});
        app.send(from(attempt, "203.0.113.7")).await.problem(401);
    }
    let good = json!({"email": "real@example.com", "password": PASSWORD});
    app.send(from(good.clone(), "203.0.113.7")).await.problem(429);
    app.send(from(good, "198.51.100.4")).await.json(200);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = TestApp::new();
    app.account("ed@example.com", "editor");
    let first = app.login("ed@example.com").await;

    let rotated = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh}),
        )
        .await
        .json(200);
    let second_refresh = rotated["refresh_token"].as_str().unwrap().to_owned();
    let second_access = rotated["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first.refresh);
    app.get_as("/api/v1/auth/me", &second_access).await.json(200);

    // The old token again: theft assumed, the session ends.
    let reuse = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh}),
        )
        .await;
    reuse.problem(401);
    app.post_json(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": second_refresh}),
    )
    .await
    .problem(401);
    app.get_as("/api/v1/auth/me", &second_access).await.problem(401);
    app.post_json("/api/v1/auth/refresh", None, json!({"refresh_token": "made-up"}))
        .await
        .problem(401);
}

#[actix_web::test]
async fn refresh_tokens_expire() {
    let app = TestApp::new();
    app.account("ed@example.com", "editor");
    let tokens = app.login("ed@example.com").await;
    app.clock.advance(Duration::days(31));
    app.post_json(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": tokens.refresh}),
    )
    .await
    .problem(401);
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::new();
    app.account("ed@example.com", "editor");
    let tokens = app.login("ed@example.com").await;
    let out = app
        .call(Method::POST, "/api/v1/auth/logout", Some(&tokens.access))
        .await;
    assert_eq!(out.status, 204);
    app.get_as("/api/v1/auth/me", &tokens.access).await.problem(401);
    app.post_json(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": tokens.refresh}),
    )
    .await
    .problem(401);
}

#[actix_web::test]
async fn role_password_or_active_changes_and_deletion_revoke_tokens_at_once() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    let changes = [
        json!({"password": "a brand new passphrase"}),
        json!({"active": false}),
        json!({"role": "author"}),
    ];
    for change in changes {
        let email = format!("victim{}@example.com", app.next_number());
        let id = app.account(&email, "editor");
        let tokens = app.login(&email).await;
        app.patch_json(&format!("/api/v1/users/{id}"), Some(&admin), change.clone())
            .await
            .json(200);
        let me = app.get_as("/api/v1/auth/me", &tokens.access).await;
        assert_eq!(me.status, 401, "after {change}");
        assert_eq!(
            me.header("www-authenticate").as_deref(),
            Some(r#"Bearer error="invalid_token""#)
        );
        app.post_json(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": tokens.refresh}),
        )
        .await
        .problem(401);
    }
    let id = app.account("leaving@example.com", "editor");
    let tokens = app.login("leaving@example.com").await;
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/users/{id}"), Some(&admin))
            .await
            .status,
        204
    );
    app.get_as("/api/v1/auth/me", &tokens.access).await.problem(401);

    // A display-name change alone keeps sessions.
    let id = app.account("stays@example.com", "editor");
    let tokens = app.login("stays@example.com").await;
    app.patch_json(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"display_name": "New"}),
    )
    .await
    .json(200);
    app.get_as("/api/v1/auth/me", &tokens.access).await.json(200);
}

fn sign(claims: &serde_json::Value, secret: &[u8], alg: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[actix_web::test]
async fn forged_expired_and_foreign_tokens_are_401_invalid_token() {
    let app = TestApp::new();
    app.account("ed@example.com", "editor");
    let good = app.login("ed@example.com").await.access;
    let secret = app.state.config.jwt_secret.bytes().to_vec();
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(good.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let with = |key: &str, value: serde_json::Value| {
        let mut claims = payload.clone();
        claims[key] = value;
        claims
    };
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = good.split('.').nth(1).unwrap();
    let mut tampered = good.clone();
    tampered.replace_range(tampered.len() - 3.., "AAA");
    let mut no_exp = payload.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let attacks = [
        ("alg none", format!("{none_header}.{body}.")),
        ("HS512", sign(&payload, &secret, Algorithm::HS512)),
        ("bad signature", tampered),
        (
            "other key",
            sign(
                &payload,
                b"another-secret-of-at-least-32-bytes!!",
                Algorithm::HS256,
            ),
        ),
        (
            "other audience",
            sign(&with("aud", json!("someone-else")), &secret, Algorithm::HS256),
        ),
        (
            "other issuer",
            sign(&with("iss", json!("evil")), &secret, Algorithm::HS256),
        ),
        ("no exp", sign(&no_exp, &secret, Algorithm::HS256)),
        (
            "future iat",
            sign(
                &with("iat", json!(payload["iat"].as_i64().unwrap() + 3600)),
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "other session",
            sign(&with("sid", json!(999_999)), &secret, Algorithm::HS256),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in attacks {
        let response = app.get_as("/api/v1/auth/me", &token).await;
        assert_eq!(response.status, 401, "{name}");
        response.problem(401);
        assert_eq!(
            response.header("www-authenticate").as_deref(),
            Some(r#"Bearer error="invalid_token""#),
            "{name}"
        );
    }
    // The genuine token still works, until it expires.
    app.get_as("/api/v1/auth/me", &good).await.json(200);
    app.clock.advance(Duration::minutes(15));
    app.get_as("/api/v1/auth/me", &good).await.problem(401);
}

#[actix_web::test]
async fn malformed_authorization_headers_are_refused_and_public_routes_do_not_fall_back_to_anonymous() {
    let app = TestApp::new();
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "token abc"] {
        let response = app
            .send(
                TestRequest::get()
                    .uri("/api/v1/auth/me")
                    .insert_header(("Authorization", value)),
            )
            .await;
        assert_eq!(response.status, 401, "{value}");
    }
    let response = app
        .send(
            TestRequest::get()
                .uri("/api/v1/articles")
                .insert_header(("Authorization", "Bearer nonsense")),
        )
        .await;
    response.problem(401);
    let missing = app.get("/api/v1/auth/me").await;
    missing.problem(401);
    assert_eq!(missing.header("www-authenticate").as_deref(), Some("Bearer"));
}
