//! Database models and the synchronous query functions over them, a file per resource.
//!
//! Query functions take `&mut DbConn`, return `QueryResult`, and never open a transaction of
//! their own: the caller owns the transaction boundary, so they compose.

pub mod article;
pub mod audit;
pub mod author;
pub mod comment;
pub mod correction;
pub mod media;
pub mod preview;
pub mod related;
pub mod revision;
pub mod search;
pub mod section;
pub mod session;
pub mod site;
pub mod taxonomy;
pub mod user;
pub mod webhook;

/// `base`, or `base-2`, `base-3`, ... : the first that `taken` says is free. A suffixed slug
/// shortens `base` so that it stays within the slug length limit.
pub fn available_slug(
    base: &str,
    mut taken: impl FnMut(&str) -> diesel::QueryResult<bool>,
) -> diesel::QueryResult<String> {
    if !taken(base)? {
        return Ok(base.to_owned());
    }
    let mut n = 2u32;
    loop {
        let candidate = crate::content::slug::with_suffix(base, n);
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}
