//! Edges where the two backends part ways: values chrono accepts but PostgreSQL cannot store,
//! and rules that read then write, which PostgreSQL's READ COMMITTED does not serialize.

use std::time::Duration;

use actix_web::http::Method;
use chrono::NaiveDate;
use dateline::db::DbConn;
use dateline::models::user::{self, UserChanges};
use dateline::values::Role;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::support::TestApp;

/// A cursor as the API encodes one (`{micros since year 0}.{id}`), at midnight on 1 January of
/// `year` (years past 9999 too: the form allows up to 18 digits).
fn forged_cursor(year: i32) -> String {
    let origin = NaiveDate::from_ymd_opt(0, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let micros = if year > 9_999 {
        i64::from(year) * 366 * 86_400 * 1_000_000
    } else {
        let at = NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("chrono takes the year");
        (at - origin).num_microseconds().unwrap()
    };
    format!("{micros}.1")
}

#[actix_web::test]
async fn every_cursor_of_the_documented_form_pages_on_both_backends() {
    let app = TestApp::new();
    for n in 0..3 {
        app.article(&format!("story-{n}"))
            .tags(&["t"])
            .published_hours_ago(n + 1)
            .create();
    }
    let sorts = ["-published_at", "published_at", "-updated_at", "updated_at"];
    // The edges of the range, and times past anything stored (read as the last instant a
    // database stores: these were 500s on PostgreSQL when chrono took them as they were).
    for year in [0, 1_970, 9_999, 10_000, 20_000] {
        for sort in sorts {
            for filter in ["", "&tag=t"] {
                let uri = format!(
                    "/api/v1/articles?sort={sort}{filter}&cursor={}",
                    forged_cursor(year)
                );
                app.get(&uri).await.json(200);
            }
        }
    }
    let past_the_end = format!(
        "/api/v1/articles?sort=published_at&cursor={}",
        forged_cursor(20_000)
    );
    assert_eq!(app.get(&past_the_end).await.json(200)["data"], json!([]));
    // A cursor at the first instant, oldest first: every article comes after it.
    let from_origin = format!("/api/v1/articles?sort=published_at&cursor={}", forged_cursor(0));
    assert_eq!(
        app.get(&from_origin).await.json(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Anything not of the form is refused, naming the parameter.
    for bad in ["-1.1", "1", "abc.1", "1.2.3"] {
        let uri = format!("/api/v1/articles?cursor={bad}");
        assert_eq!(app.get(&uri).await.error_fields(400), ["cursor"], "{bad}");
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
