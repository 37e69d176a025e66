//! One upload, from bytes to stored files: the type read from the bytes, rendering on the
//! blocking pool (waiting for a turn), and every rendition stored. The API's upload, `dateline
//! import` and `dateline seed` all take this path; each then writes the row itself.

use tokio::sync::Semaphore;

use super::process::{self, Processed, Refusal, Rendition};
use super::storage::MediaStore;
use crate::config::MediaConfig;
use crate::domain::media::Upload;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::media::{Files, StoredRendition};

/// Stored files of an upload whose row is not written yet.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub upload: Upload,
    pub files: Files,
}

/// Checks, renders and stores `bytes`. Nothing is left stored when this fails.
pub async fn ingest(
    store: &MediaStore,
    turns: &Semaphore,
    config: &MediaConfig,
    bytes: Vec<u8>,
) -> Result<Ingested, AppError> {
    let format = process::sniff(&bytes).map_err(|detected| {
        AppError::UnsupportedMediaType(format!(
            "The file is {detected}; JPEG, PNG, WebP and GIF images are accepted."
        ))
    })?;
    let size = bytes.len() as u64;
    let processed = {
        let _turn = turns.acquire().await.map_err(AppError::internal)?;
        let (max_pixels, widths) = (config.max_pixels, config.widths.clone());
        actix_web::web::block(move || process::process(&bytes, format, max_pixels, &widths))
            .await
            .map_err(AppError::internal)?
            .map_err(refused)?
    };
    let folder = MediaStore::new_folder();
    let files = store_files(store, &folder, &processed).await?;
    Ok(Ingested {
        upload: Upload {
            folder,
            format: format.as_str(),
            width: processed.width,
            height: processed.height,
            bytes: size,
            files: serde_json::to_string(&files).map_err(AppError::internal)?,
        },
        files,
    })
}

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::TooManyPixels { .. } | Refusal::TooLong { .. } | Refusal::Unreadable { .. } => {
            AppError::Validation(vec![FieldError::new(
                "file",
                FieldCode::Unusable,
                refusal.to_string(),
            )])
        }
        Refusal::Encoding(cause) => AppError::internal(cause),
    }
}

/// Stores every rendition under `folder`; on a failure, removes what was stored and answers 503.
async fn store_files(store: &MediaStore, folder: &str, processed: &Processed) -> Result<Files, AppError> {
    let key = |r: &Rendition| format!("{folder}/{}", r.file_name());
    let stored = |r: &Rendition| StoredRendition {
        key: key(r),
        width: r.width,
        height: r.height,
        format: r.format,
        bytes: r.bytes.len() as u64,
    };
    let files = Files {
        full: Some(stored(&processed.full)),
        variants: processed.variants.iter().map(stored).collect(),
    };
    let mut written: Vec<String> = Vec::new();
    for rendition in std::iter::once(&processed.full).chain(&processed.variants) {
        let key = key(rendition);
        if written.contains(&key) {
            continue;
        }
        let result = store
            .put(&key, rendition.bytes.clone(), rendition.format.content_type())
            .await;
        written.push(key);
        if let Err(e) = result {
            tracing::error!(error = %e, "the media store refused a file");
            let _ = store.delete(&written).await;
            return Err(AppError::Unavailable(
                "The media store did not accept the file; nothing was saved. Try again later.".to_owned(),
            ));
        }
    }
    Ok(files)
}
