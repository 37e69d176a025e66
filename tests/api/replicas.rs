//! Read replicas (`DATABASE_REPLICA_URLS`): a configured replica that is down, or that is no
//! standby, is reported by `/readyz` and skipped, and every read still succeeds on the primary.
//! A real streaming replica (reads served by it, paused replay, a kill and a restart) is
//! exercised against release servers by `scripts/replica.py` in CI.

use std::time::{Duration, Instant};

use dateline::config::{Config, DatabaseUrl};
use serde_json::Value;

use crate::support::{PG_URL_VAR, TestApp, counter};

fn on_postgres() -> bool {
    std::env::var(PG_URL_VAR).is_ok_and(|v| !v.is_empty())
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// The app with `replica` configured and its checks running; waits for the first check.
async fn app_with_replica(replica: String) -> TestApp {
    let app = TestApp::with_config(|config| {
        config.replica_urls = vec![DatabaseUrl::Postgres(replica)];
    });
    dateline::db::replicas::spawn(&app.state);
    app
}

/// `/readyz` once the replica has been checked.
async fn checked_readiness(app: &TestApp) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready = app.get("/readyz").await.json(200);
        if ready["replicas"][0]["status"] != "unchecked" || Instant::now() > deadline {
            return ready;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn primary_reads(app: &TestApp) -> u64 {
    counter(&app.state, r#"dateline_db_reads_total{target="primary"}"#)
}

#[actix_web::test]
async fn a_replica_that_is_down_is_reported_and_reads_go_to_the_primary() {
    if !on_postgres() {
        // Replicas stream from a PostgreSQL primary: over SQLite they are refused at start.
        let refused = Config::from_lookup(|name| match name {
            "DATABASE_REPLICA_URLS" => Some("postgres://reader:secret@127.0.0.1:5433/dateline".to_owned()),
            _ => None,
        })
        .expect_err("replicas of a SQLite primary");
        assert_eq!(refused.var, "DATABASE_REPLICA_URLS");
        assert!(!refused.to_string().contains("secret"), "{refused}");
        return;
    }
    let port = closed_port();
    let app = app_with_replica(format!("postgres://reader:secret@127.0.0.1:{port}/dateline")).await;
    app.article("still-readable").create();
    let ready = checked_readiness(&app).await;
    assert_eq!(ready["status"], "ok", "a replica is never required: {ready}");
    assert_eq!(ready["replicas"][0]["status"], "down", "{ready}");
    assert_eq!(ready["replicas"][0]["name"], format!("127.0.0.1:{port}/dateline"));
    assert!(
        !ready.to_string().contains("secret"),
        "credentials leaked: {ready}"
    );

    for uri in [
        "/api/v1/articles/still-readable",
        "/api/v1/articles",
        "/api/v1/sections",
        "/api/v1/tags",
    ] {
        app.get(uri).await.json(200);
    }
    assert_eq!(primary_reads(&app), 4);
    let metrics = app.state.metrics.render(&app.state.pool);
    assert!(
        !metrics.contains(&format!("target=\"127.0.0.1:{port}/dateline\"")),
        "a down replica served a read"
    );
}

#[actix_web::test]
async fn a_server_that_is_no_standby_never_serves_reads() {
    if !on_postgres() {
        let refused = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://127.0.0.1/dateline".to_owned()),
            "DATABASE_REPLICA_URLS" => Some("postgres://127.0.0.1:5433/a, sqlite://replica.db".to_owned()),
            _ => None,
        })
        .expect_err("a SQLite file as a replica");
        assert_eq!(refused.var, "DATABASE_REPLICA_URLS");
        assert!(refused.problem.contains("number 2"), "{refused}");
        return;
    }
    // The primary itself, named as a replica: it answers, but is not in recovery, so its
    // "replica" could be a promoted server that no longer follows the primary.
    let server = std::env::var(PG_URL_VAR).expect("on PostgreSQL");
    let app = app_with_replica(server).await;
    app.article("from-the-primary").create();
    let ready = checked_readiness(&app).await;
    assert_eq!(ready["replicas"][0]["status"], "not_standby", "{ready}");
    app.get("/api/v1/articles/from-the-primary").await.json(200);
    assert_eq!(primary_reads(&app), 1);
}

#[actix_web::test]
async fn without_replicas_reads_are_not_counted_and_readiness_lists_none() {
    let app = TestApp::new();
    app.article("no-replicas").create();
    app.get("/api/v1/articles/no-replicas").await.json(200);
    // Without replicas nothing is counted: every read is the primary's.
    let metrics = app.state.metrics.render(&app.state.pool);
    assert!(!metrics.contains("dateline_db_reads_total{"), "{metrics}");
    let ready = app.get("/readyz").await.json(200);
    assert!(ready.get("replicas").is_none(), "{ready}");
}
