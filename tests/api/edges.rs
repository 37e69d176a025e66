//! Edges where the two backends part ways: values chrono accepts but PostgreSQL cannot store,
//! and rules that read then write, which PostgreSQL's READ COMMITTED does not serialize.

use std::time::Duration;

use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use dateline::db::DbConn;
use dateline::models::user::{self, UserChanges};
use dateline::values::Role;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::support::TestApp;

/// A cursor as the API encodes one (`{sort}.{micros}.{id}`), at midnight on 1 January of `year`.
fn forged_cursor(sort: char, year: i32) -> String {
    let at = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("chrono takes the year");
    let micros = at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("{sort}.{micros}.1"))
}

#[actix_web::test]
async fn a_cursor_with_a_time_no_article_can_have_is_a_400_on_both_backends() {
    let app = TestApp::new();
    for n in 0..3 {
        app.article(&format!("story-{n}"))
            .tags(&["t"])
            .published_hours_ago(n + 1)
            .create();
    }
    let sorts = [
        ('n', "-published_at"),
        ('o', "published_at"),
        ('u', "-updated_at"),
        ('l', "updated_at"),
    ];
    // Before PostgreSQL's range (4713 BC; these were 500s there), past anything stored (chrono
    // stops short of PostgreSQL's upper bound), and just outside the years an RFC 3339 time can
    // name: no cursor this API hands out says any of them.
    for year in [-200_000, -4_713, -1, 10_000, 200_000] {
        for (code, sort) in sorts {
            for filter in ["", "&tag=t"] {
                let uri = format!(
                    "/api/v1/articles?sort={sort}{filter}&cursor={}",
                    forged_cursor(code, year)
                );
                let response = app.get(&uri).await;
                assert_eq!(response.error_fields(400), ["cursor"], "{uri}: year {year}");
            }
        }
    }
    // The edges of the range still page.
    for year in [0, 9_999] {
        let uri = format!("/api/v1/articles?cursor={}", forged_cursor('n', year));
        app.get(&uri).await.json(200);
    }
}

/// Active admins now.
fn active_admins(app: &TestApp) -> usize {
    app.with_conn(|conn| {
        let (users, _) = user::page(conn, 0, 1_000).expect("users");
        users.iter().filter(|u| u.role == Role::Admin && u.active).count()
    })
}

/// Holds back every write to `users` for `hold` (reads go on), from its own connection: requests
/// sent meanwhile authenticate and reach their write, then meet there, which is the moment a
/// check-then-write rule can race. Without it the two requests would rarely overlap on two cores.
fn hold_user_writes(app: &TestApp, hold: Duration) -> std::thread::JoinHandle<()> {
    let mut conn = app.pool().get().expect("connection");
    let take = match &*conn {
        DbConn::Sqlite(_) => "BEGIN IMMEDIATE",
        DbConn::Postgresql(_) => "BEGIN; LOCK TABLE users IN EXCLUSIVE MODE",
    };
    conn.batch_execute(take).expect("hold writes");
    std::thread::spawn(move || {
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT").expect("release writes");
    })
}

#[actix_web::test]
async fn two_admins_removing_each_other_at_once_leave_one_admin() {
    let app = TestApp::new();
    let mut refused = 0;
    for round in 0..6 {
        // Each round starts with exactly two admins: earlier ones step down behind the API's back.
        app.with_conn(|conn| {
            let (users, _) = user::page(conn, 0, 1_000).expect("users");
            for u in users.iter().filter(|u| u.role == Role::Admin) {
                let changes = UserChanges {
                    role: Some(Role::Editor),
                    ..UserChanges::default()
                };
                user::update(conn, u.id, &changes).expect("step down");
            }
        });
        let (first_id, first) = app.logged_in("admin").await;
        let (second_id, second) = app.logged_in("admin").await;
        let (method, body) = match round % 3 {
            0 => (Method::PATCH, json!({"role": "editor"})),
            1 => (Method::PATCH, json!({"active": false})),
            _ => (Method::DELETE, json!({})),
        };
        let (first_uri, second_uri) = (
            format!("/api/v1/users/{first_id}"),
            format!("/api/v1/users/{second_id}"),
        );
        // Each removes the other: checked one after the other, both would pass.
        let gate = hold_user_writes(&app, Duration::from_millis(400));
        let (a, b) = futures_util::join!(
            app.send_json(method.clone(), &second_uri, Some(&first), body.clone()),
            app.send_json(method.clone(), &first_uri, Some(&second), body.clone()),
        );
        gate.join().expect("the gate thread");
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert_eq!(active_admins(&app), 1, "round {round} ({method}): {statuses:?}");
        assert!(
            statuses.iter().any(|s| matches!(s, 200 | 204)),
            "round {round} ({method}): {statuses:?}"
        );
        for response in [&a, &b].into_iter().filter(|r| !r.status.is_success()) {
            // 401 only if the winner had already ended the loser's session when it came in.
            match response.status.as_u16() {
                409 => {
                    let problem = response.problem(409);
                    assert!(
                        problem["detail"].as_str().unwrap().contains("no active admin"),
                        "{problem}"
                    );
                    refused += 1;
                }
                401 => {}
                other => panic!("round {round} ({method}): {other}: {}", response.text()),
            }
        }
    }
    assert!(
        refused > 0,
        "no round had both requests past authentication at once"
    );
}
