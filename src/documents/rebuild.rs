//! The background renderer: articles asked for (a write touched them, a read found no fresh
//! document) first, then a walk of every article after the generation moved on (and at start),
//! rendering those without a fresh document. `dateline documents rebuild` does the walk at once.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use chrono::NaiveDateTime;

use super::render::render;
use super::windows;
use crate::db::DbConn;
use crate::db::schema::{article_documents, articles, document_generation};
use crate::error::AppError;
use crate::media::storage::MediaStore;
use crate::state::AppState;
use crate::values::ArticleStatus;

/// Articles rendered per turn on the blocking pool (one connection, a few milliseconds each).
const BATCH: usize = 50;
/// How often the generation is read when nothing is asked (it moves when another instance, or
/// the command line, made a wide change).
const IDLE_POLL: Duration = Duration::from_secs(2);
/// The walk rests as long as it worked, so that it takes at most half of a core from requests.
const WALK_DUTY_REST: f64 = 1.0;

/// Related windows recomputed per turn (a few small statements and one commit each).
const WINDOW_BATCH: i64 = 50;

/// Starts the renderer on the current (actix) runtime: the related windows always (their
/// triggers record changes whatever the settings), the documents when they are on.
pub fn spawn(state: &AppState) {
    actix_web::rt::spawn(run(state.clone()));
}

/// Where the walk stands: the generation it renders for and the last article id it passed.
struct Walk {
    generation: i64,
    after: Option<i64>,
}

async fn run(state: AppState) {
    let mut walked: Option<i64> = None;
    let mut walk: Option<Walk> = None;
    loop {
        let windows_worked = windows_turn(&state).await;
        let documents_worked =
            state.documents.enabled() && documents_turn(&state, &mut walked, &mut walk).await;
        if !windows_worked && !documents_worked {
            tokio::select! {
                () = state.documents.wake.notified() => {}
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}

/// Recomputes one batch of changed related windows, then rests as long as it worked (so that a
/// burst after a bulk load takes at most half a core); answers whether it stored any.
async fn windows_turn(state: &AppState) -> bool {
    let started = Instant::now();
    let now = state.now();
    match crate::db::run(&state.pool, move |conn| {
        Ok(windows::refresh_changed(conn, now, WINDOW_BATCH)?)
    })
    .await
    {
        Ok(0) => false,
        Ok(refreshed) => {
            state.metrics.windows_refreshed(refreshed);
            tokio::time::sleep(started.elapsed().mul_f64(WALK_DUTY_REST)).await;
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not refresh the related windows");
            false
        }
    }
}

/// One step of the documents' work: the articles asked for, else a batch of the walk, else
/// the start of a walk if the generation moved on; answers whether there was any (the loop
/// waits for a write or the next poll otherwise).
async fn documents_turn(state: &AppState, walked: &mut Option<i64>, walk: &mut Option<Walk>) -> bool {
    let asked = state.documents.take(BATCH);
    if !asked.is_empty() {
        if let Err(e) = render_ids(state, asked).await {
            tracing::warn!(error = %e, "could not render stored documents");
            tokio::time::sleep(IDLE_POLL).await;
        }
        return true;
    }
    if let Some(current) = walk.as_mut() {
        let started = Instant::now();
        match walk_step(state, current).await {
            Ok(true) => {}
            Ok(false) => {
                *walked = Some(current.generation);
                *walk = None;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not walk the stored documents");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
        tokio::time::sleep(started.elapsed().mul_f64(WALK_DUTY_REST)).await;
        return true;
    }
    match crate::db::run(&state.pool, |conn| Ok(generation(conn)?)).await {
        Ok(current) if *walked != Some(current) => {
            *walk = Some(Walk {
                generation: current,
                after: None,
            });
            return true;
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the documents' generation"),
    }
    false
}

async fn render_ids(state: &AppState, ids: Vec<i64>) -> Result<usize, AppError> {
    let media = state.media.clone();
    let fingerprint = state.documents.fingerprint().to_owned();
    let stored = crate::db::run(&state.pool, move |conn| render(conn, &media, &fingerprint, &ids)).await?;
    state.metrics.documents_rendered(stored);
    Ok(stored)
}

/// One batch of the walk; answers whether there may be more.
async fn walk_step(state: &AppState, walk: &mut Walk) -> Result<bool, AppError> {
    let fingerprint = state.documents.fingerprint().to_owned();
    let (generation, after) = (walk.generation, walk.after);
    let ids = crate::db::run(&state.pool, move |conn| {
        Ok(without_fresh_document(
            conn,
            generation,
            &fingerprint,
            after,
            BATCH as i64,
        )?)
    })
    .await?;
    let Some(&last) = ids.last() else {
        return Ok(false);
    };
    walk.after = Some(last);
    render_ids(state, ids).await?;
    Ok(true)
}

/// The current generation.
pub fn generation(conn: &mut DbConn) -> QueryResult<i64> {
    document_generation::table
        .select(document_generation::value)
        .first(conn)
}

/// Up to `limit` published articles (not in the trash) after id `after` whose document is
/// missing, stale or rendered under other settings, in id order.
fn without_fresh_document(
    conn: &mut DbConn,
    generation: i64,
    fingerprint: &str,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let published: ArticleStatus = ArticleStatus::Published;
    let after = after.unwrap_or(0);
    // The bound on the documents' side too (the same rows: the join is on the id): without it
    // PostgreSQL's merge join read the documents' key from the first on every batch, which
    // made a walk of 1,000,000 articles quadratic (675 ms a batch at id 600,000; 0.2 ms with).
    articles::table
        .left_join(
            article_documents::table.on(article_documents::article_id
                .eq(articles::id)
                .and(article_documents::article_id.gt(after))),
        )
        .filter(articles::id.gt(after))
        .filter(articles::status.eq(published))
        .filter(articles::deleted_at.is_null())
        .filter(
            article_documents::article_id
                .nullable()
                .is_null()
                .or(article_documents::generation.nullable().ne(generation))
                .or(article_documents::fingerprint.nullable().ne(fingerprint)),
        )
        .order(articles::id.asc())
        .select(articles::id)
        .limit(limit)
        .load(conn)
}

/// Articles rendered per batch by [`all`] (each batch's documents are stored in one commit).
const REBUILD_BATCH: i64 = 200;

/// Renders every published article without a fresh document, and recomputes every changed
/// related window as of `now`, at once (the command line's `dateline documents rebuild`, and
/// tests); answers how many documents were stored.
pub fn all(
    conn: &mut DbConn,
    media: &MediaStore,
    fingerprint: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    windows::refresh_all_changed(conn, now)?;
    let generation = generation(conn)?;
    let mut after = None;
    let mut stored = 0;
    loop {
        let ids = without_fresh_document(conn, generation, fingerprint, after, REBUILD_BATCH)?;
        let Some(&last) = ids.last() else {
            return Ok(stored);
        };
        after = Some(last);
        stored += render(conn, media, fingerprint, &ids)?;
    }
}
