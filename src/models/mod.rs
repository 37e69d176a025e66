//! Database models and the synchronous query functions over them, a file per resource.
//!
//! Query functions take `&mut DbConn`, return `QueryResult`, and never open a transaction of
//! their own: the caller owns the transaction boundary, so they compose.

pub mod article;
pub mod audit;
pub mod comment;
pub mod correction;
pub mod revision;
pub mod section;
pub mod session;
pub mod source;
pub mod tag;
pub mod user;

/// Escapes `%`, `_` and the escape character itself, so user text matches literally in `LIKE`.
pub fn like_contains(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends (ASCII-only on SQLite).
    fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// `base`, or `base-2`, `base-3`, ... : the first that `taken` says is free.
pub fn available_slug(
    base: &str,
    mut taken: impl FnMut(&str) -> diesel::QueryResult<bool>,
) -> diesel::QueryResult<String> {
    if !taken(base)? {
        return Ok(base.to_owned());
    }
    let mut n = 2u32;
    loop {
        let candidate = format!("{base}-{n}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}
