//! Marking stored documents stale, in the transaction of the write that made them so.
//!
//! Called with the dependency keys every write records (see [`crate::http_cache::keys`] and
//! [`crate::http_cache::store::record`]), so the documents follow exactly the rule the response
//! cache and the CDN follow: an article's own keys and its comments name it; a tag, source,
//! author or featured image names the articles that show it. A change of the site settings or a
//! section (breadcrumbs, URLs, structured data), of everything, or of more than [`WIDE`]
//! articles moves the generation on instead: one row written, whatever the size of the archive.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::db::schema::{
    article_authors, article_documents, article_sources, article_tags, articles, document_generation,
    sources, tags,
};
use crate::db::{DbConn, on_backend};
use crate::http_cache::keys;

/// The most articles whose documents a write marks one by one; past it, the generation moves on.
pub const WIDE: usize = 1_000;

/// The article a key names by id: `article-{id}` or `comments-article-{id}`.
pub fn article_of(key: &str) -> Option<i64> {
    key.strip_prefix("comments-")
        .unwrap_or(key)
        .strip_prefix("article-")?
        .parse()
        .ok()
}

/// What a write invalidated (`None`: everything), applied to the stored documents.
pub fn on_write(conn: &mut DbConn, written: Option<&[String]>) -> QueryResult<()> {
    let Some(written) = written else {
        return everything(conn);
    };
    let mut ids = BTreeSet::new();
    for key in written {
        match affected(conn, key)? {
            Affected::Everything => return everything(conn),
            Affected::Articles(found) => ids.extend(found),
        }
        if ids.len() > WIDE {
            return everything(conn);
        }
    }
    for id in ids {
        mark_stale(conn, id)?;
    }
    Ok(())
}

/// Every stored document stale at once: the generation moves on.
pub fn everything(conn: &mut DbConn) -> QueryResult<()> {
    diesel::update(document_generation::table)
        .set(document_generation::value.eq(document_generation::value + 1))
        .execute(conn)?;
    Ok(())
}

enum Affected {
    Everything,
    Articles(Vec<i64>),
}

/// The articles whose documents show what `key` names.
fn affected(conn: &mut DbConn, key: &str) -> QueryResult<Affected> {
    if key == keys::SITE || key == keys::EVERY_ANSWER || key.starts_with("section-") {
        return Ok(Affected::Everything);
    }
    if let Some(id) = article_of(key) {
        return Ok(Affected::Articles(vec![id]));
    }
    // One more than WIDE tells a wide change without reading all of it.
    let limit = WIDE as i64 + 1;
    let found = if let Some(slug) = key.strip_prefix("tag-") {
        article_tags::table
            .inner_join(tags::table)
            .filter(tags::slug.eq(slug))
            .select(article_tags::article_id)
            .limit(limit)
            .load(conn)?
    } else if let Some(slug) = key.strip_prefix("source-") {
        article_sources::table
            .inner_join(sources::table)
            .filter(sources::slug.eq(slug))
            .select(article_sources::article_id)
            .limit(limit)
            .load(conn)?
    } else if let Some(id) = key.strip_prefix("author-").and_then(|id| id.parse::<i64>().ok()) {
        // The owner's name (`author`) and the credited authors (`authors`).
        let mut owned: Vec<i64> = articles::table
            .filter(articles::author_id.eq(id))
            .select(articles::id)
            .limit(limit)
            .load(conn)?;
        owned.extend(
            article_authors::table
                .filter(article_authors::user_id.eq(id))
                .select(article_authors::article_id)
                .limit(limit)
                .load::<i64>(conn)?,
        );
        owned
    } else if let Some(id) = key.strip_prefix("media-").and_then(|id| id.parse::<i64>().ok()) {
        articles::table
            .filter(articles::featured_media_id.eq(id))
            .select(articles::id)
            .limit(limit)
            .load(conn)?
    } else {
        // List memberships and lists of terms: no document embeds them.
        Vec::new()
    };
    Ok(Affected::Articles(found))
}

/// Marks one article's document stale: its stamp moves on (so a render that read the article
/// before this write cannot store its result) and it is no longer served. A row is written even
/// for an article never rendered, for the same reason.
fn mark_stale(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    use article_documents::dsl as d;
    let placeholder = (
        d::article_id.eq(id),
        d::stamp.eq(1_i64),
        d::generation.eq(0_i64),
        d::fingerprint.eq(""),
        d::detail.eq(""),
        d::detail_keys.eq(""),
        d::summary.eq(""),
        d::summary_keys.eq(""),
    );
    // An article deleted by the same write has no row to point at: nothing to mark.
    let exists = articles::table
        .filter(articles::id.eq(id))
        .select(articles::id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    if !exists {
        return Ok(());
    }
    on_backend!(conn, |c| diesel::insert_into(d::article_documents)
        .values(placeholder)
        .on_conflict(d::article_id)
        .do_update()
        .set((d::stamp.eq(d::stamp + 1), d::generation.eq(0_i64)))
        .execute(c))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::article_of;

    #[test]
    fn keys_that_name_an_article() {
        assert_eq!(article_of("article-42"), Some(42));
        assert_eq!(article_of("comments-article-7"), Some(7));
        assert_eq!(article_of("articles-in-tag-iran"), None);
        assert_eq!(article_of("articles-search"), None);
        assert_eq!(article_of("author-3"), None);
    }
}
