//! The dependency keys of public answers (sent as `Surrogate-Key`, and used by the response
//! cache): what each answer depends on, and what each write changed.
//!
//! Resources: `article-{id}`, `section-{slug}`, `tag-{slug}`, `source-{slug}`, `author-{id}`,
//! `comments-article-{id}` (its approved comments and their count), and the lists of terms
//! `sections`, `tags`, `sources`. Membership of article lists: `articles` (lists with no
//! filter, search included), `articles-in-section-{slug}` (a section page, sub-sections
//! included), `articles-in-tag-{slug}`, `articles-in-source-{slug}`, `articles-by-author-{id}`.
//!
//! A change to a public article invalidates the article and the membership keys of every list
//! it was or is in; lists also carry the tags their cards show, so a renamed tag reaches them.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConn;
use crate::models::article::{self, Article};
use crate::models::section;
use crate::models::taxonomy::{Sources, Tags, TermTable};

pub const ALL_ARTICLES: &str = "articles";

pub fn article(id: i64) -> String {
    format!("article-{id}")
}

pub fn comments(article_id: i64) -> String {
    format!("comments-article-{article_id}")
}

pub fn section(slug: &str) -> String {
    format!("section-{slug}")
}

pub fn author(id: i64) -> String {
    format!("author-{id}")
}

pub fn in_section(slug: &str) -> String {
    format!("articles-in-section-{slug}")
}

/// `articles-in-tag-{slug}` or `articles-in-source-{slug}`.
pub fn in_term(noun: &str, slug: &str) -> String {
    format!("articles-in-{noun}-{slug}")
}

pub fn by_author(id: i64) -> String {
    format!("articles-by-author-{id}")
}

/// `tag-{slug}` or `source-{slug}`.
pub fn term(noun: &str, slug: &str) -> String {
    format!("{noun}-{slug}")
}

/// What a change to `article` touches while it is public at `now`: the article and every list
/// it belongs to. Nothing for an article the public cannot see (a draft, a scheduled or
/// archived one, one in the trash): no public answer shows it.
pub fn of_article(conn: &mut DbConn, changed: &Article, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    if !article::is_visible(changed, now) {
        return Ok(Vec::new());
    }
    let tree = section::load_tree(conn)?;
    let mut keys = vec![article(changed.id), ALL_ARTICLES.to_owned()];
    // A section page lists its sub-sections' articles too.
    keys.extend(
        tree.breadcrumb(changed.section_id)
            .into_iter()
            .map(|s| in_section(&s.slug)),
    );
    keys.extend(
        Tags::for_articles(conn, &[changed.id])?
            .iter()
            .map(|(_, t)| in_term("tag", &t.slug)),
    );
    keys.extend(
        Sources::for_articles(conn, &[changed.id])?
            .iter()
            .map(|(_, s)| in_term("source", &s.slug)),
    );
    keys.extend(changed.author_id.map(by_author));
    Ok(keys)
}
