//! Feeds of the latest public articles, in RSS 2.0, Atom 1.0 and JSON Feed 1.1: the whole site,
//! or one section (with its sub-sections), tag, source or author. One set of data
//! ([`Feed`], read in a constant number of queries) is written in each format.
//!
//! Every URL is absolute, from the site settings. Entry ids are tag URIs made from the site's
//! host and the article's id, so a renamed article stays the same entry for feed readers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::api::articles::filters::Given;
use crate::api::articles::members::Embeds;
use crate::api::articles::{ArticleSummary, summaries};
use crate::db::DbConn;
use crate::db::schema::articles;
use crate::domain::site::{SiteUrls, absolute};
use crate::error::AppError;
use crate::http_cache::keys as cache_keys;
use crate::media::storage::MediaStore;
use crate::models::article::{self, ArticleFilter};
use crate::models::site::SiteRow;
use crate::models::taxonomy::{Sources, Tags, TermTable};
use crate::models::{author, media as media_rows, section, site};

/// What a feed covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Site,
    Section(String),
    Tag(String),
    Source(String),
    Author(String),
}

/// The featured image of an entry, for enclosures.
#[derive(Debug, Clone)]
pub struct FeedImage {
    pub url: String,
    pub mime_type: &'static str,
    pub bytes: u64,
    pub alt: String,
}

/// One article in a feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    /// The body's HTML, when the feed carries full content.
    pub content_html: Option<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub authors: Vec<String>,
    /// The section's name, then the tags'.
    pub categories: Vec<String>,
    pub image: Option<FeedImage>,
}

/// A feed, whatever its format.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// The public page the feed follows (the home page, a section's page).
    pub home_url: String,
    /// Where the feed itself is read, on the public website.
    pub self_url: String,
    pub language: String,
    /// The publisher, standing in for entries without a byline.
    pub publisher: String,
    pub host: String,
    pub updated: DateTime<Utc>,
    pub items: Vec<FeedItem>,
    /// The dependency keys of the answer.
    pub keys: Vec<String>,
}

/// What a feed is asked for.
pub struct Request<'a> {
    pub scope: Scope,
    /// The feed's path on the public website (`/feeds/rss`).
    pub path: &'a str,
    pub full_content: bool,
    pub size: u32,
    pub now: chrono::NaiveDateTime,
}

/// Reads the feed `request` asks for: the latest `size` public articles in its scope. A slug
/// that names nothing is 404.
pub fn load(conn: &mut DbConn, media: &MediaStore, request: &Request<'_>) -> Result<Feed, AppError> {
    let row = site::load(conn)?;
    let urls = SiteUrls::new(&row);
    let (filter, mut keys, title, home_url) = scope_filter(conn, &request.scope, &row, &urls)?;
    let (rows, _) = article::page(conn, &filter, request.now, 0, i64::from(request.size), false)?;
    // Entries show the featured image as an enclosure; bylines come with the bodies below.
    let embeds = Embeds {
        featured_image: true,
        ..Embeds::default()
    };
    let cards = summaries(conn, media, rows, embeds)?;
    keys.push(cache_keys::SITE.to_owned());
    // What the entries show: each article, its tags' names, its featured image, its bylines.
    for card in &cards {
        keys.push(cache_keys::article(card.id));
        keys.extend(card.tags.iter().map(|t| cache_keys::term("tag", &t.slug)));
        keys.extend(
            card.featured_image
                .iter()
                .flatten()
                .map(|i| cache_keys::media(i.id)),
        );
    }
    let (items, author_ids) = items(conn, cards, request.full_content, &row)?;
    keys.extend(author_ids.into_iter().map(cache_keys::author));
    keys.sort_unstable();
    keys.dedup();
    let updated = items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or_else(|| row.updated_at.and_utc());
    Ok(Feed {
        title,
        description: row.description.clone().unwrap_or_else(|| row.name.clone()),
        home_url,
        self_url: absolute(&row.base_url, request.path),
        language: row.language.clone(),
        publisher: row.publisher_name.clone().unwrap_or_else(|| row.name.clone()),
        host: host_of(&row.base_url),
        updated,
        items,
        keys,
    })
}

/// The list filter of a scope, the keys its membership depends on, the feed's title and the
/// public page it follows.
fn scope_filter(
    conn: &mut DbConn,
    scope: &Scope,
    row: &SiteRow,
    urls: &SiteUrls,
) -> Result<(ArticleFilter, Vec<String>, String, String), AppError> {
    let mut given = Given::default();
    let (title, home) = match scope {
        Scope::Site => (row.name.clone(), urls.home()),
        Scope::Section(slug) => {
            let tree = section::load_tree(conn)?;
            let name = tree.by_slug(slug).map(|s| s.name.clone());
            given.sections = vec![slug.clone()];
            (titled(row, name), urls.section(slug))
        }
        Scope::Tag(slug) => {
            let name = Tags::find_by_slug(conn, slug)?.map(|t| t.name);
            given.tags = vec![slug.clone()];
            (titled(row, name), urls.page("tag", slug))
        }
        Scope::Source(slug) => {
            let name = Sources::find_by_slug(conn, slug)?.map(|t| t.name);
            given.sources = vec![slug.clone()];
            (titled(row, name), urls.page("source", slug))
        }
        Scope::Author(slug) => {
            let name = author::find_public_by_slug(conn, slug)?.map(|b| b.display_name);
            given.authors = vec![slug.clone()];
            (titled(row, name), urls.page("author", slug))
        }
    };
    let mut keys = given.keys();
    let (filter, learnt) = given.resolve(conn)?;
    keys.extend(learnt);
    Ok((filter, keys, title, home))
}

/// "Site — Scope" (the scope's name is known once resolved; an unknown one is refused later).
fn titled(row: &SiteRow, name: Option<String>) -> String {
    match name {
        Some(name) => format!("{} — {name}", row.name),
        None => row.name.clone(),
    }
}

fn host_of(base_url: &str) -> String {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    rest.split(['/', ':']).next().unwrap_or(rest).to_owned()
}

/// The cards completed for a feed: bodies and bylines (one query), byline authors (one), the
/// featured images' files for enclosures (one); and the user ids of the bylines.
fn items(
    conn: &mut DbConn,
    cards: Vec<ArticleSummary>,
    full_content: bool,
    row: &SiteRow,
) -> Result<(Vec<FeedItem>, Vec<i64>), AppError> {
    let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
    let texts: HashMap<i64, (String, Option<String>)> = articles::table
        .filter(articles::id.eq_any(&ids))
        .select((articles::id, articles::body, articles::byline))
        .load::<(i64, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, body, byline)| (id, (body, byline)))
        .collect();
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    let mut author_ids = Vec::new();
    for (article_id, byline) in author::for_articles(conn, &ids)? {
        author_ids.push(byline.profile.user_id);
        names.entry(article_id).or_default().push(byline.display_name);
    }
    let image_ids: Vec<i64> = cards
        .iter()
        .filter_map(|c| c.featured_image.as_ref().and_then(Option::as_ref).map(|i| i.id))
        .collect();
    let files = media_rows::by_ids(conn, &image_ids)?;
    let items = cards
        .into_iter()
        .map(|card| {
            let (body, byline) = texts.get(&card.id).cloned().unwrap_or_default();
            let authors = match byline {
                // A credit such as "By Agencies" stands for the byline as written.
                Some(credit) => vec![credit.trim_start_matches("By ").to_owned()],
                None => names.remove(&card.id).unwrap_or_default(),
            };
            let image = card
                .featured_image
                .as_ref()
                .and_then(Option::as_ref)
                .and_then(|image| {
                    let full = files.get(&image.id)?.files().full?;
                    Some(FeedImage {
                        url: absolute(&row.base_url, &image.url),
                        mime_type: full.format.content_type(),
                        bytes: full.bytes,
                        alt: image.alt.clone(),
                    })
                });
            let mut categories = vec![card.section.name.clone()];
            categories.extend(card.tags.iter().map(|t| t.name.clone()));
            FeedItem {
                id: card.id,
                url: card.url,
                title: card.headline,
                summary: card.summary,
                content_html: full_content.then(|| absolute_links(&body, &row.base_url)),
                published: card.published_at.unwrap_or(card.updated_at),
                updated: card.updated_at,
                authors,
                categories,
                image,
            }
        })
        .collect();
    Ok((items, author_ids))
}

/// `html` with its links and images made absolute against the public website (`base_url`):
/// feed readers show entries away from the site, where a root-relative URL leads nowhere.
fn absolute_links(html: &str, base_url: &str) -> String {
    use lol_html::{RewriteStrSettings, element, rewrite_str};
    let absolute_attr = |name: &'static str| {
        move |el: &mut lol_html::html_content::Element<'_, '_>| {
            if let Some(value) = el.get_attribute(name) {
                el.set_attribute(name, &absolute(base_url, value.trim()))?;
            }
            Ok(())
        }
    };
    let absolute_srcset = |el: &mut lol_html::html_content::Element<'_, '_>| {
        if let Some(value) = el.get_attribute("srcset") {
            let candidates: Vec<String> = value
                .split(',')
                .map(|candidate| {
                    let candidate = candidate.trim();
                    match candidate.split_once(' ') {
                        Some((url, size)) => format!("{} {size}", absolute(base_url, url)),
                        None => absolute(base_url, candidate),
                    }
                })
                .collect();
            el.set_attribute("srcset", &candidates.join(", "))?;
        }
        Ok(())
    };
    let settings = RewriteStrSettings {
        element_content_handlers: vec![
            element!("a[href]", absolute_attr("href")),
            element!("img[src]", absolute_attr("src")),
            element!("img[srcset], source[srcset]", absolute_srcset),
        ],
        ..RewriteStrSettings::new()
    };
    rewrite_str(html, settings).unwrap_or_else(|_| html.to_owned())
}

impl Feed {
    /// The stable id of an entry: a tag URI (RFC 4151) of the site's host and the article id.
    fn entry_id(&self, item: &FeedItem) -> String {
        format!("tag:{},2026:article-{}", self.host, item.id)
    }

    /// RSS 2.0, with `content:encoded` for full content, `dc:creator` for bylines and the
    /// featured image as the enclosure.
    pub fn rss(&self) -> String {
        use rss::extension::dublincore::DublinCoreExtension;
        let items = self
            .items
            .iter()
            .map(|item| rss::Item {
                title: Some(item.title.clone()),
                link: Some(item.url.clone()),
                description: item.summary.clone().or_else(|| Some(item.title.clone())),
                content: item.content_html.clone(),
                guid: Some(rss::Guid {
                    value: self.entry_id(item),
                    permalink: false,
                }),
                pub_date: Some(item.published.to_rfc2822()),
                categories: item
                    .categories
                    .iter()
                    .map(|name| rss::Category {
                        name: name.clone(),
                        domain: None,
                    })
                    .collect(),
                enclosure: item.image.as_ref().map(|image| rss::Enclosure {
                    url: image.url.clone(),
                    length: image.bytes.to_string(),
                    mime_type: image.mime_type.to_owned(),
                }),
                dublin_core_ext: (!item.authors.is_empty()).then(|| DublinCoreExtension {
                    creators: item.authors.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect();
        let channel = rss::Channel {
            title: self.title.clone(),
            link: self.home_url.clone(),
            description: self.description.clone(),
            language: Some(self.language.clone()),
            last_build_date: Some(self.updated.to_rfc2822()),
            generator: Some("Dateline".to_owned()),
            items,
            ..Default::default()
        };
        super::xml_safe(channel.to_string())
    }

    /// Atom 1.0: an entry per article with its authors (the publisher for an entry without
    /// one), categories, summary and, for full feeds, its HTML content.
    pub fn atom(&self) -> String {
        use atom_syndication::{Category, Content, Entry, Link, Person, Text};
        let person = |name: &str| Person {
            name: name.to_owned(),
            ..Default::default()
        };
        let link = |href: &str, rel: &str, mime: Option<&str>, length: Option<u64>| Link {
            href: href.to_owned(),
            rel: rel.to_owned(),
            mime_type: mime.map(str::to_owned),
            length: length.map(|l| l.to_string()),
            ..Default::default()
        };
        let entries = self
            .items
            .iter()
            .map(|item| {
                let mut links = vec![link(&item.url, "alternate", Some("text/html"), None)];
                if let Some(image) = &item.image {
                    links.push(link(
                        &image.url,
                        "enclosure",
                        Some(image.mime_type),
                        Some(image.bytes),
                    ));
                }
                let authors = if item.authors.is_empty() {
                    vec![person(&self.publisher)]
                } else {
                    item.authors.iter().map(|a| person(a)).collect()
                };
                Entry {
                    id: self.entry_id(item),
                    title: Text::plain(item.title.clone()),
                    updated: item.updated.fixed_offset(),
                    published: Some(item.published.fixed_offset()),
                    authors,
                    links,
                    categories: item
                        .categories
                        .iter()
                        .map(|name| Category {
                            term: name.clone(),
                            ..Default::default()
                        })
                        .collect(),
                    summary: item.summary.clone().map(Text::plain),
                    content: item.content_html.clone().map(|html| Content {
                        value: Some(html),
                        content_type: Some("html".to_owned()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            })
            .collect();
        let feed = atom_syndication::Feed {
            id: self.self_url.clone(),
            title: Text::plain(self.title.clone()),
            subtitle: Some(Text::plain(self.description.clone())),
            updated: self.updated.fixed_offset(),
            lang: Some(self.language.clone()),
            links: vec![
                link(&self.self_url, "self", Some("application/atom+xml"), None),
                link(&self.home_url, "alternate", Some("text/html"), None),
            ],
            authors: vec![person(&self.publisher)],
            entries,
            ..Default::default()
        };
        super::xml_safe(feed.to_string())
    }

    /// JSON Feed 1.1.
    pub fn json_feed(&self) -> Value {
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|item| {
                let mut entry = json!({
                    "id": self.entry_id(item),
                    "url": item.url,
                    "title": item.title,
                    "date_published": item.published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "date_modified": item.updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "authors": item.authors.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
                    "tags": item.categories,
                });
                match &item.content_html {
                    Some(html) => entry["content_html"] = json!(html),
                    None => entry["content_text"] = json!(item.summary.clone().unwrap_or_else(|| item.title.clone())),
                }
                if let Some(summary) = &item.summary {
                    entry["summary"] = json!(summary);
                }
                if let Some(image) = &item.image {
                    entry["image"] = json!(image.url);
                    entry["attachments"] = json!([{
                        "url": image.url, "mime_type": image.mime_type, "size_in_bytes": image.bytes, "title": image.alt,
                    }]);
                }
                entry
            })
            .collect();
        json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.title,
            "home_page_url": self.home_url,
            "feed_url": self.self_url,
            "description": self.description,
            "language": self.language,
            "authors": [{"name": self.publisher}],
            "items": items,
        })
    }
}
