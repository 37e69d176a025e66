//! The dependency keys of public answers (sent as `Surrogate-Key`, and used by the response
//! cache): what each answer depends on, and what each write changed.
//!
//! Resources: `article-{id}`, `section-{slug}`, `tag-{slug}`, `source-{slug}`, `author-{id}` (an
//! account's name and public profile), `media-{id}` (a featured image), `authors` (the list of public profiles), `site`,
//! `comments-article-{id}` (its approved comments and their count), and the lists of terms
//! `sections`, `tags`, `sources`; and `dateline` on every answer. Membership of article lists: `articles` (lists with no
//! filter), `articles-in-section-{slug}` (a section page, sub-sections included),
//! `articles-in-tag-{slug}`, `articles-in-source-{slug}`, `articles-by-author-{id}`; and
//! `articles-search` (lists with `q`) and `articles-by-update` (lists sorted by update time),
//! whose members or order any edit may change.
//!
//! A list or related answer also carries the `article-{id}` of each card it shows, and the tags
//! of those cards. So an edit of a public article that leaves its lists as they were (a new
//! summary, a fixed typo) invalidates the article and only the answers that show its card;
//! a change of what lists it belongs to, or of its place in them (published or withdrawn, a
//! new section, tags, sources, author or publication time) also invalidates every list it was
//! or is in.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConn;
use crate::models::article::{self, Article};
use crate::models::taxonomy::{Sources, Tags, TermTable};
use crate::models::{author, section};

pub const ALL_ARTICLES: &str = "articles";

/// Carried by every public answer: what a CDN purges to drop everything (a section change, an
/// import). The response cache itself invalidates everything without it.
pub const EVERY_ANSWER: &str = "dateline";

pub fn article(id: i64) -> String {
    format!("article-{id}")
}

pub fn comments(article_id: i64) -> String {
    format!("comments-article-{article_id}")
}

pub fn section(slug: &str) -> String {
    format!("section-{slug}")
}

/// A media item: on every answer that shows it (an article's featured image).
pub fn media(id: i64) -> String {
    format!("media-{id}")
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

pub const SEARCH: &str = "articles-search";
/// The list of public author profiles.
pub const AUTHORS: &str = "authors";
/// The site settings: on every answer that embeds them.
pub const SITE: &str = "site";
pub const BY_UPDATE: &str = "articles-by-update";

/// Where a public article stands in the lists: what its changes are compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    id: i64,
    /// The membership keys of every list it is in.
    membership: Vec<String>,
    published_at: Option<NaiveDateTime>,
}

/// Where `article` stands in the public lists at `now`; `None` for an article the public cannot
/// see (a draft, a scheduled or archived one, one in the trash): no public answer shows it.
pub fn listed(conn: &mut DbConn, article: &Article, now: NaiveDateTime) -> QueryResult<Option<Listed>> {
    if !article::is_visible(article, now) {
        return Ok(None);
    }
    let tree = section::load_tree(conn)?;
    let mut membership = vec![ALL_ARTICLES.to_owned()];
    // A section page lists its sub-sections' articles too.
    membership.extend(
        tree.breadcrumb(article.section_id)
            .into_iter()
            .map(|s| in_section(&s.slug)),
    );
    membership.extend(
        Tags::for_articles(conn, &[article.id])?
            .iter()
            .map(|(_, t)| in_term("tag", &t.slug)),
    );
    membership.extend(
        Sources::for_articles(conn, &[article.id])?
            .iter()
            .map(|(_, s)| in_term("source", &s.slug)),
    );
    // The `author` filter lists articles by their byline authors.
    membership.extend(
        author::ids_for_article(conn, article.id)?
            .into_iter()
            .map(by_author),
    );
    membership.sort_unstable();
    Ok(Some(Listed {
        id: article.id,
        membership,
        published_at: article.published_at,
    }))
}

/// What a change to an article touches, from where it stood before the change and where it
/// stands after (`None`: not public). Nothing for an article that was and stays unpublished.
pub fn touched(before: Option<Listed>, after: Option<Listed>) -> Vec<String> {
    let Some(id) = before.as_ref().or(after.as_ref()).map(|l| l.id) else {
        return Vec::new();
    };
    let mut keys = vec![article(id), SEARCH.to_owned(), BY_UPDATE.to_owned()];
    if before != after {
        for listed in before.into_iter().chain(after) {
            keys.extend(listed.membership);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(membership: &[&str], hour: u32) -> Option<Listed> {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).and_then(|d| d.and_hms_opt(hour, 0, 0));
        Some(Listed {
            id: 7,
            membership: membership.iter().map(|k| (*k).to_owned()).collect(),
            published_at: at,
        })
    }

    #[test]
    fn an_edit_that_leaves_the_lists_alone_touches_the_article_and_its_cards_only() {
        let same = listed(&["articles", "articles-in-tag-iran"], 9);
        assert_eq!(
            touched(same.clone(), same),
            ["article-7", "articles-search", "articles-by-update"]
        );
    }

    #[test]
    fn a_change_of_lists_or_place_touches_every_list_before_and_after() {
        let before = listed(&["articles", "articles-in-tag-iran"], 9);
        let moved = listed(&["articles", "articles-in-tag-economy"], 9);
        let keys = touched(before.clone(), moved);
        assert!(keys.contains(&"articles-in-tag-iran".to_owned()));
        assert!(keys.contains(&"articles-in-tag-economy".to_owned()));
        let later = listed(&["articles", "articles-in-tag-iran"], 10);
        assert!(touched(before.clone(), later).contains(&"articles".to_owned()));
        assert!(touched(before, None).contains(&"articles-in-tag-iran".to_owned()));
        assert!(touched(None, None).is_empty());
    }
}
