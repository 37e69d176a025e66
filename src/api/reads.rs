//! Where a public read runs: on a read replica fit for it (see [`crate::db::replicas`]), else on
//! the primary. Requests with a token, and anything but GET and HEAD, always use the primary.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest};

use crate::api::AppState;
use crate::db::replicas::Served;
use crate::db::{self, DbConn};
use crate::error::AppError;

/// Extracted by the public read handlers: whether this request may read from a replica.
#[derive(Debug, Clone, Copy)]
pub struct ReadFrom {
    replica_allowed: bool,
}

impl FromRequest for ReadFrom {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A token unlocks drafts and marks an editor who may have just written: the primary is
        // the only copy sure to hold what they did.
        let replica_allowed = matches!(*req.method(), Method::GET | Method::HEAD)
            && !req.headers().contains_key(header::AUTHORIZATION);
        ready(Ok(Self { replica_allowed }))
    }
}

impl ReadFrom {
    /// Runs `work` on a replica when one is fit for this read, else on the primary.
    pub async fn run<T, F>(self, state: &AppState, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        // Clone: a read a replica failed is run again on the primary.
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Clone + Send + 'static,
    {
        let work = if self.replica_allowed && !state.replicas.is_empty() {
            match state.replicas.try_read(state.cache.begin(), work).await {
                Served::Replica(name, result) => {
                    state.metrics.database_read(&name);
                    return result;
                }
                Served::Declined(work) => work,
            }
        } else {
            work
        };
        if !state.replicas.is_empty() {
            state.metrics.database_read("primary");
        }
        db::run(&state.pool, work).await
    }

    /// Like [`Self::run`] for a bounded read (a few indexed statements): on SQLite it may run on
    /// the calling thread ([`db::run_bounded_read`]); replicas are PostgreSQL, so never then.
    pub async fn run_bounded_read<T, F>(self, state: &AppState, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Clone + Send + 'static,
    {
        if state.replicas.is_empty() {
            return db::run_bounded_read(&state.pool, work).await;
        }
        self.run(state, work).await
    }
}
