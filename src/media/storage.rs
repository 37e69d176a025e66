//! Where media files live: a folder on the local disk or an S3-compatible bucket, behind one
//! interface (`object_store`), and the public URL each file is served from.
//!
//! Every upload gets its own random folder; a file's name within it is content-addressed (see
//! [`super::process::Rendition::file_name`]). A URL therefore never changes meaning, and a folder
//! no row names is an upload that never completed (or a deleted item), which gc removes.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};
use rand::Rng;

use crate::config::{MediaConfig, MediaStorage, S3Target};

/// Cache-Control of every media file: its name changes with its content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The media file store of this process.
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    public_url: String,
    /// The folder the binary serves under `/media`, when files are on the local disk.
    local_dir: Option<PathBuf>,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStore")
            .field("public_url", &self.public_url)
            .field("local_dir", &self.local_dir)
            .finish()
    }
}

/// A stored file, as a listing shows it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
}

impl StoredFile {
    /// The upload folder the file belongs to.
    pub fn folder(&self) -> &str {
        self.key.split('/').next().unwrap_or_default()
    }
}

/// The Content-Type of the file `{folder}/{name}` when both are names this server gives (a
/// 20-character folder of `[a-z0-9]`, a name `{24 hex}-{width}.{jpg|png|webp}`), else `None`:
/// what the file route serves and gc may remove; nothing else in the folder or bucket is ours.
pub fn own_file(folder: &str, name: &str) -> Option<&'static str> {
    let folder_ok = folder.len() == 20
        && folder
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let (stem, extension) = name.rsplit_once('.')?;
    let (hash, width) = stem.split_once('-')?;
    let stem_ok = hash.len() == 24
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && (1..=5).contains(&width.len())
        && width.bytes().all(|b| b.is_ascii_digit());
    if !(folder_ok && stem_ok) {
        return None;
    }
    match extension {
        "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

impl MediaStore {
    /// Opens the configured store (creating the local folder if needed).
    pub fn open(config: &MediaConfig) -> anyhow::Result<Self> {
        let (store, local_dir): (Arc<dyn ObjectStore>, _) = match &config.storage {
            MediaStorage::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("cannot create the media folder {}: {e}", dir.display()))?;
                let dir = dir.canonicalize()?;
                (Arc::new(LocalFileSystem::new_with_prefix(&dir)?), Some(dir))
            }
            MediaStorage::S3(target) => (Arc::new(s3(target)?), None),
        };
        Ok(Self {
            store,
            public_url: config.public_url.clone(),
            local_dir,
        })
    }

    /// The folder served under `/media`, when files are on the local disk.
    pub fn local_dir(&self) -> Option<&std::path::Path> {
        self.local_dir.as_deref()
    }

    /// The public URL of the file `key`.
    pub fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_url)
    }

    /// A new upload folder: 20 random characters of `[a-z0-9]`.
    pub fn new_folder() -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = rand::rng();
        (0..20)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect()
    }

    /// Stores `bytes` at `key` (a local file appears whole or not at all).
    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> object_store::Result<()> {
        let mut options = PutOptions::default();
        // The local store keeps no attributes: the binary sets these headers itself.
        if self.local_dir.is_none() {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
            attributes.insert(Attribute::CacheControl, IMMUTABLE.into());
            options.attributes = attributes;
        }
        let payload = PutPayload::from(Bytes::from(bytes));
        self.store.put_opts(&Path::from(key), payload, options).await?;
        Ok(())
    }

    /// Deletes the files `keys`; a file already gone counts as deleted.
    pub async fn delete(&self, keys: &[String]) -> object_store::Result<()> {
        for key in keys {
            match self.store.delete(&Path::from(key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The bytes stored at `key`, or `None` when there is no such file.
    pub async fn get(&self, key: &str) -> object_store::Result<Option<Vec<u8>>> {
        match self.store.get(&Path::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The key of the file a public URL of this store names.
    pub fn key_of<'a>(&self, url: &'a str) -> Option<&'a str> {
        url.strip_prefix(self.public_url.as_str())?.strip_prefix('/')
    }

    /// Every stored file.
    pub async fn list(&self) -> object_store::Result<Vec<StoredFile>> {
        self.store
            .list(None)
            .map_ok(|meta| StoredFile {
                key: meta.location.to_string(),
                size: meta.size,
                modified: meta.last_modified,
            })
            .try_collect()
            .await
    }
}

fn s3(target: &S3Target) -> object_store::Result<object_store::aws::AmazonS3> {
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&target.bucket)
        .with_region(&target.region);
    if let Some(endpoint) = &target.endpoint {
        // Stores other than AWS are addressed by path (`{endpoint}/{bucket}/{key}`).
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    if let Some((id, secret)) = &target.credentials {
        builder = builder.with_access_key_id(id).with_secret_access_key(secret);
    }
    builder.build()
}
