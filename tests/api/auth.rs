//! Logins, refresh rotation, logout, revocation, token attacks and login-abuse limits.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use crate::support::auth::PASSWORD;
use crate::support::{Response, TestApp};

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
    for device_token in [json!(42), json!(""), json!("x".repeat(1025))] {
        let bad = app
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({"email": "a@b.c", "password": "x", "device_token": device_token}),
            )
            .await;
        assert_eq!(bad.error_fields(422), ["device_token"], "{device_token}");
    }
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

/// A login request from the client address `ip`.
fn login_from(ip: &str, email: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{ip}:5000").parse().unwrap())
        .set_json(json!({"email": email, "password": password}))
}

const WRONG: &str = "guess guess guess";

#[actix_web::test]
async fn failed_logins_are_limited_per_account_and_address_with_retry_after() {
    let app = TestApp::new();
    app.account("target@example.com", "editor");
    for _ in 0..5 {
        let wrong = login_from("203.0.113.7", "target@example.com", WRONG);
        app.send(wrong).await.problem(401);
    }
    // The attacker's view: even the right password is refused from this address now.
    let right = || login_from("203.0.113.7", "target@example.com", PASSWORD);
    let limited = app.send(right()).await;
    limited.problem(429);
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900);

    app.clock.advance(Duration::minutes(15));
    app.send(right()).await.json(200);
}

#[actix_web::test]
async fn failed_logins_are_limited_per_client_address() {
    let app = TestApp::with_config(|c| c.login_max_failures_per_address = 3);
    app.account("real@example.com", "editor");
    for n in 0..3 {
        let attempt = login_from("203.0.113.7", &format!("guess{n}@example.com"), WRONG);
        app.send(attempt).await.problem(401);
    }
    let good = || login_from("203.0.113.7", "real@example.com", PASSWORD);
    app.send(good()).await.problem(429);
    let elsewhere = login_from("198.51.100.4", "real@example.com", PASSWORD);
    app.send(elsewhere).await.json(200);
}

#[actix_web::test]
async fn nobody_can_lock_the_owner_out() {
    let app = TestApp::with_config(|c| c.login_account_ceiling = 10);
    app.account("admin@example.com", "admin");
    // A botnet: five addresses each use up their tries on the admin account (25 failures, past
    // the account's ceiling of 10).
    for bot in 1..=5 {
        let mut answers = Vec::new();
        for _ in 0..6 {
            let guess = login_from(&format!("198.51.100.{bot}"), "admin@example.com", WRONG);
            answers.push(app.send(guess).await.status.as_u16());
        }
        assert!(answers.iter().all(|s| [401, 429].contains(s)), "{answers:?}");
        assert_eq!(answers.last(), Some(&429), "{answers:?}");
        // The right password from an attacking address is refused too.
        let right = login_from(&format!("198.51.100.{bot}"), "admin@example.com", PASSWORD);
        app.send(right).await.problem(429);
    }
    // The owner, from an address with no failures, logs in at once.
    let owner = login_from("192.0.2.10", "admin@example.com", PASSWORD);
    app.send(owner).await.json(200);
    // After a typo of their own, while the attack goes on, the owner's address is one of those
    // that failed: its next try waits for the account's pace, no longer.
    let typo = login_from("192.0.2.10", "admin@example.com", WRONG);
    app.send(typo).await.problem(401);
    let owner = || login_from("192.0.2.10", "admin@example.com", PASSWORD);
    let paced = app.send(owner()).await;
    paced.problem(429);
    let wait: i64 = paced.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    app.clock.advance(Duration::seconds(wait));
    app.send(owner()).await.json(200);
}

#[actix_web::test]
async fn an_account_under_attack_paces_repeated_guesses() {
    let app = TestApp::with_config(|c| c.login_account_ceiling = 4);
    app.account("admin@example.com", "admin");
    for bot in 1..=2 {
        for _ in 0..2 {
            let guess = login_from(&format!("198.51.100.{bot}"), "admin@example.com", WRONG);
            app.send(guess).await.problem(401);
        }
    }
    // Four failures: under attack. A repeated guess from either bot gets one try per pace.
    app.send(login_from("198.51.100.1", "admin@example.com", WRONG))
        .await
        .problem(401);
    let paced = app
        .send(login_from("198.51.100.2", "admin@example.com", WRONG))
        .await;
    paced.problem(429);
    assert_eq!(paced.header("retry-after").as_deref(), Some("10"));
    // A new address is still answered (it has not failed on this account yet).
    app.send(login_from("198.51.100.3", "admin@example.com", WRONG))
        .await
        .problem(401);
    app.clock.advance(Duration::seconds(10));
    app.send(login_from("198.51.100.2", "admin@example.com", WRONG))
        .await
        .problem(401);
}

/// Sends `requests` together while the test holds every hashing turn, so that all of them are in
/// flight at once; the turns are given back once `answered_first` of them have been answered
/// (or after 30 s, when the server queues more than it should).
async fn all_at_once(app: &TestApp, requests: Vec<TestRequest>, answered_first: usize) -> Vec<Response> {
    let held: Vec<_> = futures_util::future::join_all(
        (0..dateline::auth::password::MAX_CONCURRENT_HASHES)
            .map(|_| app.state.hashing.turn(dateline::auth::password::Lane::Open)),
    )
    .await;
    let answered = AtomicUsize::new(0);
    let flood = futures_util::future::join_all(requests.into_iter().map(|request| async {
        let response = app.send(request).await;
        answered.fetch_add(1, Ordering::SeqCst);
        response
    }));
    let release = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while answered.load(Ordering::SeqCst) < answered_first && std::time::Instant::now() < deadline {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        drop(held);
    };
    futures_util::future::join(flood, release).await.0
}

#[actix_web::test]
async fn concurrent_wrong_logins_are_verified_at_most_up_to_the_limit() {
    let app = TestApp::new();
    let (_, admin) = app.logged_in("admin").await;
    app.account("target@example.com", "editor");
    let attempts = (0..100)
        .map(|_| login_from("203.0.113.7", "target@example.com", WRONG))
        .collect();
    let answers = all_at_once(&app, attempts, 95).await;
    let refused = answers.iter().filter(|a| a.status == 401).count();
    let limited = answers.iter().filter(|a| a.status == 429).count();
    assert_eq!(refused, 5, "wrong passwords verified");
    assert_eq!(limited, 95, "every other attempt is 429");
    assert!(
        answers
            .iter()
            .filter(|a| a.status == 429)
            .all(|a| a.header("retry-after").is_some())
    );
    let log = app.get_as("/api/v1/audit?per_page=100", &admin).await.json(200);
    let verified = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.login_failed")
        .count();
    assert_eq!(verified, refused, "each 401 is one verification, audited");
}

#[actix_web::test]
async fn a_flood_of_logins_is_turned_away_before_it_queues_without_bound() {
    use dateline::auth::password::{MAX_CONCURRENT_HASHES, MAX_WAITING_HASHES};
    let app = TestApp::new();
    // Distinct accounts and addresses: no limit stops them, only the hashing queue.
    let attempts = (0..60)
        .map(|n| {
            login_from(
                &format!("10.1.0.{}", n + 1),
                &format!("nobody{n}@example.com"),
                WRONG,
            )
        })
        .collect();
    let answers = all_at_once(&app, attempts, 60 - MAX_WAITING_HASHES).await;
    let verified = answers.iter().filter(|a| a.status == 401).count();
    let busy: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
    assert_eq!(verified, MAX_WAITING_HASHES, "those that queued were verified");
    assert_eq!(busy.len(), 60 - MAX_WAITING_HASHES);
    const { assert!(MAX_WAITING_HASHES + MAX_CONCURRENT_HASHES < 60) };
    for answer in busy {
        answer.problem(503);
        assert_eq!(answer.header("retry-after").as_deref(), Some("1"));
    }
    // The flood is over: a genuine login goes through.
    app.account("real@example.com", "editor");
    app.login("real@example.com").await;
}

fn login_with_device(ip: &str, email: &str, password: &str, device_token: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{ip}:5000").parse().unwrap())
        .set_json(json!({"email": email, "password": password, "device_token": device_token}))
}

/// Logs `email` in from `ip` and answers the device token the login gave.
async fn device_token_of(app: &TestApp, ip: &str, email: &str) -> String {
    let answer = app.send(login_from(ip, email, PASSWORD)).await.json(200);
    answer["device_token"]
        .as_str()
        .expect("a login answers a device token")
        .to_owned()
}

#[actix_web::test]
async fn a_known_device_gets_in_where_its_address_is_locked_out() {
    let app = TestApp::new();
    app.account("owner@example.com", "editor");
    let device = device_token_of(&app, "192.0.2.1", "owner@example.com").await;
    // Someone at the owner's café guesses until the café's address is limited for the account.
    for _ in 0..5 {
        app.send(login_from("198.51.100.9", "owner@example.com", WRONG))
            .await
            .problem(401);
    }
    app.send(login_from("198.51.100.9", "owner@example.com", PASSWORD))
        .await
        .problem(429);
    // The owner's laptop, at the same café, still logs in, and gets a fresh device token.
    let answer = app
        .send(login_with_device(
            "198.51.100.9",
            "owner@example.com",
            PASSWORD,
            &device,
        ))
        .await
        .json(200);
    let renewed = answer["device_token"].as_str().unwrap();
    assert_ne!(renewed, device);
    // A known device that guesses is limited on its own.
    for _ in 0..5 {
        app.send(login_with_device(
            "198.51.100.9",
            "owner@example.com",
            WRONG,
            renewed,
        ))
        .await
        .problem(401);
    }
    let limited = app
        .send(login_with_device(
            "198.51.100.9",
            "owner@example.com",
            PASSWORD,
            renewed,
        ))
        .await;
    limited.problem(429);
    assert!(limited.header("retry-after").is_some());
    // Refreshing never answers a device token: it is only for logins.
    let tokens = app.login("owner@example.com").await;
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": tokens.refresh}),
        )
        .await
        .json(200);
    assert!(refreshed.get("device_token").is_none());
}

#[actix_web::test]
async fn a_known_device_is_served_while_a_flood_fills_the_hashing_queue() {
    use dateline::auth::password::{Lane, MAX_CONCURRENT_HASHES, MAX_WAITING_HASHES};
    use std::task::Poll;
    let app = TestApp::new();
    app.account("owner@example.com", "editor");
    app.account("other@example.com", "editor");
    let device = device_token_of(&app, "192.0.2.1", "owner@example.com").await;
    let others = device_token_of(&app, "192.0.2.2", "other@example.com").await;
    // A flood holds every open turn and fills the queue in front of them.
    let mut held = Vec::new();
    for _ in 0..MAX_CONCURRENT_HASHES {
        held.push(app.state.hashing.turn(Lane::Open).await.unwrap());
    }
    let mut queued: Vec<_> = (0..MAX_WAITING_HASHES)
        .map(|_| Box::pin(app.state.hashing.turn(Lane::Open)))
        .collect();
    for waiter in &mut queued {
        assert!(matches!(futures_util::poll!(waiter.as_mut()), Poll::Pending));
    }
    // Without a token, with another account's or with a tampered one: no priority, 503 at once.
    // One character of the signature changed (not the last, whose low bits base64 may ignore).
    let mut tampered = device.clone().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for token in [None, Some(others.as_str()), Some(tampered.as_str())] {
        let request = match token {
            None => login_from("192.0.2.1", "owner@example.com", PASSWORD),
            Some(token) => login_with_device("192.0.2.1", "owner@example.com", PASSWORD, token),
        };
        let busy = app.send(request).await;
        busy.problem(503);
        assert_eq!(busy.header("retry-after").as_deref(), Some("1"));
    }
    // The owner's own device token: answered at once, through the turn kept for known devices.
    app.send(login_with_device(
        "192.0.2.1",
        "owner@example.com",
        PASSWORD,
        &device,
    ))
    .await
    .json(200);
    drop(queued);
    drop(held);
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
async fn a_reused_refresh_token_is_written_to_the_audit_log() {
    let app = TestApp::new();
    let victim = app.account("ed@example.com", "editor");
    let (_, admin) = app.logged_in("admin").await;
    let stolen = app.login("ed@example.com").await.refresh;
    let refresh = |token: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .peer_addr("198.51.100.23:4000".parse().unwrap())
            .set_json(json!({"refresh_token": token}))
    };
    app.send(refresh(&stolen)).await.json(200);
    app.send(refresh(&stolen)).await.problem(401);

    let log = app
        .get_as(&format!("/api/v1/audit?user={victim}"), &admin)
        .await
        .json(200);
    let reused: Vec<_> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.refresh_reused")
        .collect();
    assert_eq!(reused.len(), 1, "{log}");
    assert_eq!(reused[0]["user_id"], victim);
    assert_eq!(reused[0]["resource_type"], "session");
    let hash = reused[0]["client_hash"].as_str().unwrap_or_default();
    assert!(!hash.is_empty() && !hash.contains("198.51"), "{hash}");
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
