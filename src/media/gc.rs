//! Removing files no row names: uploads that failed or were killed before their row was written,
//! and files a delete could not remove. Only files older than the grace period go, so an upload
//! in progress (files stored, row not yet) is never touched.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::storage::{MediaStore, StoredFile, own_file};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::models::media;

/// What a collection removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GcReport {
    /// Files removed (no row named them, and they were older than the grace period).
    #[schema(example = 12)]
    pub files_removed: u64,
    #[schema(example = 1_048_576)]
    pub bytes_removed: u64,
    /// Files no row names that are still within the grace period (an upload may be in progress).
    #[schema(example = 0)]
    pub files_too_recent: u64,
    /// The keys removed (for the server's own memory of served files; not answered).
    #[serde(skip)]
    pub removed: Vec<String>,
}

/// Removes every file older than `grace` in a folder no row names.
pub async fn collect(store: &MediaStore, pool: &Pool, grace: Duration) -> Result<GcReport, AppError> {
    let unavailable = |e: object_store::Error| {
        tracing::error!(error = %e, "the media store failed during gc");
        AppError::Unavailable("The media store could not be reached; nothing was removed.".to_owned())
    };
    let files = store.list().await.map_err(unavailable)?;
    let mut by_folder: BTreeMap<String, Vec<StoredFile>> = BTreeMap::new();
    // Only files named as this server names them: a shared bucket's or folder's other files are
    // never touched.
    let ours = files.into_iter().filter(|f| {
        f.key
            .split_once('/')
            .is_some_and(|(folder, name)| own_file(folder, name).is_some())
    });
    for file in ours {
        by_folder.entry(file.folder().to_owned()).or_default().push(file);
    }
    let folders: Vec<String> = by_folder.keys().cloned().collect();
    let named: HashSet<String> = db::run(pool, move |conn| Ok(media::existing_folders(conn, &folders)?))
        .await?
        .into_iter()
        .collect();
    let cutoff = Utc::now() - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    let mut report = GcReport::default();
    let mut doomed = Vec::new();
    for (folder, files) in by_folder {
        if named.contains(&folder) {
            continue;
        }
        for file in files {
            if file.modified <= cutoff {
                report.files_removed += 1;
                report.bytes_removed += file.size;
                doomed.push(file.key);
            } else {
                report.files_too_recent += 1;
            }
        }
    }
    store.delete(&doomed).await.map_err(unavailable)?;
    report.removed = doomed;
    Ok(report)
}
