//! The access matrix, read from the OpenAPI document: every operation the spec lists, called by
//! every kind of caller (anonymous, author, editor, admin, a deactivated account's token, an
//! expired token), answers what its `security` promises, with a status its `responses` document.
//!
//! The walk knows nothing about particular routes except how to fill a path parameter and how to
//! write a valid body, both by what the spec says: an operation whose parameter or body it cannot
//! make (a new resource, say) fails the test by name, so that every new operation joins the
//! matrix when it lands. `roles.rs` keeps the hand-written cases the spec cannot express (an
//! author's own draft versus someone else's, fields a role may not set).

mod fixtures;
mod spec;

use std::time::Instant;

use actix_web::http::{Method, header};
use actix_web::test::{self, TestRequest};

use crate::support::{Response, TestApp, read_response};
use fixtures::{Client, accounts, fixtures, request_for};
use spec::{CALLERS, Operation, Outcome, Security, operations};

/// What went wrong in one cell, if anything.
fn judge(operation: &Operation, who: &str, expected: Outcome, response: &Response) -> Option<String> {
    let status = response.status.as_u16();
    let outcome_holds = match expected {
        Outcome::Allowed => response.status.is_success(),
        Outcome::Unauthorized => status == 401,
        Outcome::Forbidden => status == 403,
    };
    let mut problems = Vec::new();
    if !outcome_holds {
        problems.push(format!("expected {expected:?}, got {status}"));
    }
    if !operation.documents(status) {
        problems.push(format!(
            "{status} is not documented (documented: {})",
            operation.responses.join(", ")
        ));
    }
    if status >= 400 && response.header("content-type").as_deref() != Some("application/problem+json") {
        problems.push(format!("{status} is not problem+json"));
    }
    if problems.is_empty() {
        return None;
    }
    let mut body = response.text();
    body.truncate(300);
    Some(format!(
        "{} as {who}: {}; body: {body}",
        operation.name(),
        problems.join("; ")
    ))
}

#[actix_web::test]
async fn every_operation_in_the_spec_answers_every_caller_as_documented() {
    const METRICS_TOKEN: &str = "matrix-metrics-token-of-some-length";
    let app = TestApp::with_config(|config| {
        config.metrics_token = Some(METRICS_TOKEN.to_owned());
        // Every cell comes from one address, and several submit comments.
        config.comments_per_minute = 0;
        config.comment_duplicate_window = std::time::Duration::ZERO;
    });
    let service = test::init_service(dateline::server::app(app.state.clone())).await;
    let service = &service;
    let client = Client {
        call: Box::new(move |request: TestRequest| {
            Box::pin(
                async move { read_response(test::call_service(service, request.to_request()).await).await },
            )
        }),
    };

    let started = Instant::now();
    let operations = operations();
    assert!(operations.len() > 40, "the spec lists the API's operations");
    let accounts = accounts(&app, &client).await;
    let mut failures = Vec::new();
    let mut cells = 0;
    let mut fixture_sets = 0;
    let mut fx = None;
    for operation in &operations {
        for caller in CALLERS {
            let fresh = match fx.take() {
                Some(fresh) => fresh,
                None => {
                    fixture_sets += 1;
                    fixtures(&app, &client, &accounts).await
                }
            };
            let k = app.next_number();
            cells += 1;
            let request = match request_for(operation, caller, &accounts, &fresh, k) {
                Ok(request) => request,
                Err(why) => {
                    failures.push(why);
                    break;
                }
            };
            let response = client.send(request).await;
            let expected = operation.security.outcome(caller);
            failures.extend(judge(operation, &format!("{caller:?}"), expected, &response));
            // A cell that may have changed its fixtures (deleted, moderated, restored, logged
            // out, used the refresh token) leaves the next cell fresh ones. A refused request
            // (401, 403) and a read change nothing.
            let refused = matches!(response.status.as_u16(), 401 | 403);
            if operation.method == Method::GET || operation.method == Method::HEAD || refused {
                fx = Some(fresh);
            }
        }
        // The one holder of the metrics token: the operator.
        if operation.security == Security::MetricsToken {
            cells += 1;
            let request = TestRequest::default()
                .method(operation.method.clone())
                .uri(&operation.path)
                .insert_header((header::AUTHORIZATION, format!("Bearer {METRICS_TOKEN}")));
            let response = client.send(request).await;
            failures.extend(judge(operation, "the operator", Outcome::Allowed, &response));
        }
    }
    eprintln!(
        "access matrix: {} operations, {cells} cells, {fixture_sets} fixture sets, on {} in {:.1}s",
        operations.len(),
        app.db.backend(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} access matrix failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
