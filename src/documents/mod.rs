//! Stored public documents: each public article's answers rendered once, at write time, so that
//! a cache miss on an article is one indexed read and a list page one more read for its cards.
//!
//! - `article_documents` holds, per article, the detail exactly as `GET /articles/{slug}` sends
//!   it (without `include`) and the lean card the lists send, each with its Surrogate-Key.
//! - A read uses a document only if it was rendered in the current *generation* and by a server
//!   whose rendering settings (the media URL, this build's format: the *fingerprint*) are its
//!   own; visibility (status, publication time, trash) is always checked on the article's row at
//!   query time, so scheduling works exactly as without documents. Anything else is read live.
//! - Every write that changes public answers marks the documents of the articles it touched as
//!   stale in its own transaction ([`invalidate`]), from the same dependency keys the response
//!   cache uses; a change too wide for that moves the generation on, which makes every document
//!   stale at once at the cost of one row. A stale document is never served.
//! - Documents are (re)rendered in the background ([`rebuild`]): the articles a write touched
//!   right after it commits, the ones a read found without a document, and every article after
//!   the generation moved on or at start-up.

pub mod invalidate;
pub mod read;
pub mod rebuild;
pub mod render;
pub mod windows;

use std::collections::BTreeSet;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;

/// Bumped whenever the stored representation changes shape: documents rendered by a build with
/// another format are not served. 2: a card's keys list its tags in card order, not sorted
/// (a page of stored cards sends the keys in the order the live page does).
const FORMAT: u32 = 2;

/// The most article ids waiting to be rendered; past it, new ones are dropped (a later read of
/// the article asks again).
const MAX_WAITING: usize = 100_000;

/// This process's view of the stored documents: whether they are used, the fingerprint of its
/// rendering settings, and the articles waiting to be rendered.
#[derive(Debug)]
pub struct Documents {
    enabled: bool,
    fingerprint: String,
    waiting: Mutex<BTreeSet<i64>>,
    wake: Notify,
}

impl Documents {
    /// `media_url` is where media files are served from: every image URL in a document starts
    /// with it, so documents rendered under another one are not served.
    pub fn new(enabled: bool, media_url: &str) -> Self {
        let digest = Sha256::digest(format!("{}|{FORMAT}|{media_url}", env!("CARGO_PKG_VERSION")));
        Self {
            enabled,
            fingerprint: hex::encode(&digest[..12]),
            waiting: Mutex::new(BTreeSet::new()),
            wake: Notify::new(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Asks for the documents of `ids` to be rendered (soon, in the background).
    pub fn wanted(&self, ids: impl IntoIterator<Item = i64>) {
        if !self.enabled {
            return;
        }
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = waiting.len();
        for id in ids {
            if waiting.len() >= MAX_WAITING {
                break;
            }
            waiting.insert(id);
        }
        if waiting.len() > before {
            self.wake.notify_one();
        }
    }

    /// Up to `limit` of the waiting ids, removed from the queue.
    fn take(&self, limit: usize) -> Vec<i64> {
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut taken = Vec::with_capacity(limit.min(waiting.len()));
        while taken.len() < limit {
            match waiting.pop_first() {
                Some(id) => taken.push(id),
                None => break,
            }
        }
        taken
    }

    /// The articles whose documents a successful write invalidated by name (`article-{id}`,
    /// `comments-article-{id}`): rendered again right away, so the next read finds them.
    pub fn written(&self, keys: &[String]) {
        self.wanted(keys.iter().filter_map(|key| invalidate::article_of(key)));
    }
}
