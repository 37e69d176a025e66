//! Fixture builders: rows written straight through the model layer, so read tests do not
//! depend on the write API.

use chrono::{Duration, NaiveDateTime};
use dateline::db::DbConn;
use dateline::domain::taxonomy::{self, Sources, Tags};
use dateline::models::article::{self, NewArticle};
use dateline::models::comment::{self, NewComment};
use dateline::models::section::{self, NewSection};
use dateline::models::taxonomy::TermTable;
use dateline::models::user::{self, NewUser};
use dateline::values::ArticleStatus;

use super::TestApp;

impl TestApp {
    /// A section (found or created), under `parent` (a slug) if given.
    pub fn section(&self, slug: &str, name: &str, parent: Option<&str>) -> i64 {
        let now = self.now();
        self.with_conn(|conn| ensure_section(conn, slug, name, parent, 0, now))
    }

    /// A section at a given position among its siblings.
    pub fn section_at(&self, slug: &str, name: &str, parent: Option<&str>, position: i32) -> i64 {
        let now = self.now();
        self.with_conn(|conn| ensure_section(conn, slug, name, parent, position, now))
    }

    pub fn tag(&self, slug: &str, name: &str) -> i64 {
        let now = self.now();
        self.with_conn(|conn| ensure_tag(conn, slug, name, now))
    }

    pub fn source(&self, slug: &str, name: &str, url: Option<&str>) -> i64 {
        let now = self.now();
        self.with_conn(|conn| ensure_source(conn, slug, name, url, now))
    }

    /// A user with an unusable password (fixtures never log in through it).
    pub fn user(&self, email: &str, display_name: &str, role: &str) -> i64 {
        let now = self.now();
        self.with_conn(|conn| {
            user::insert(
                conn,
                &NewUser {
                    email,
                    display_name,
                    password_hash: "!",
                    role: role.parse().expect("a role"),
                    active: true,
                    created_at: now,
                    updated_at: now,
                },
            )
            .expect("insert user")
            .id
        })
    }

    /// Starts an article; `.create()` writes it.
    /// Gives account `user_id` a public author profile with `slug`, unless it has one.
    pub fn profile(&self, user_id: i64, slug: &str) {
        use dateline::models::author::{self, Profile};
        let now = self.now();
        self.with_conn(|conn| {
            if author::find_by_user(conn, user_id).expect("query").is_some() {
                return;
            }
            let profile = Profile {
                user_id,
                slug: slug.to_owned(),
                bio: None,
                avatar_url: None,
                job_title: None,
                social_links: "[]".to_owned(),
                public: true,
                version: 1,
                updated_at: now,
            };
            author::upsert(conn, &profile, None).expect("profile");
        });
    }

    /// Credits account `user_id` on `article_id`'s byline, with a public profile `slug` if it
    /// has none yet.
    pub fn credit(&self, article_id: i64, user_id: i64, slug: &str) {
        use dateline::models::author;
        self.profile(user_id, slug);
        self.with_conn(|conn| {
            let mut ids = author::ids_for_article(conn, article_id).expect("query");
            ids.push(user_id);
            author::attach(conn, article_id, &ids).expect("byline");
        });
    }

    pub fn article(&self, slug: &str) -> ArticleBuilder<'_> {
        ArticleBuilder {
            app: self,
            slug: slug.to_owned(),
            headline: format!("Headline of {slug}"),
            alternative_headline: None,
            summary: Some(format!("Summary of {slug}")),
            body: format!("<p>Body of {slug}</p>"),
            section: "world-news".to_owned(),
            tags: Vec::new(),
            sources: Vec::new(),
            status: ArticleStatus::Published,
            published_at: Some(self.now() - Duration::hours(1)),
            author_id: None,
            comments_enabled: true,
        }
    }

    /// A comment on an article with the given status.
    pub fn comment(&self, article_id: i64, status: &str, body: &str) -> i64 {
        let now = self.now();
        self.with_conn(|conn| {
            comment::insert(
                conn,
                &NewComment {
                    article_id,
                    parent_id: None,
                    root_id: None,
                    depth: 0,
                    author_name: "Reader",
                    author_email: Some("reader@example.com"),
                    body,
                    status: status.parse().expect("a comment status"),
                    client_hash: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .expect("insert comment")
            .id
        })
    }
}

pub struct ArticleBuilder<'a> {
    app: &'a TestApp,
    slug: String,
    headline: String,
    alternative_headline: Option<String>,
    summary: Option<String>,
    body: String,
    section: String,
    tags: Vec<String>,
    sources: Vec<String>,
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    author_id: Option<i64>,
    comments_enabled: bool,
}

impl ArticleBuilder<'_> {
    pub fn headline(mut self, headline: &str) -> Self {
        self.headline = headline.to_owned();
        self
    }

    pub fn alternative_headline(mut self, text: &str) -> Self {
        self.alternative_headline = Some(text.to_owned());
        self
    }

    pub fn summary(mut self, summary: Option<&str>) -> Self {
        self.summary = summary.map(str::to_owned);
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    /// The section's slug; created (named after the slug) if missing.
    pub fn section(mut self, slug: &str) -> Self {
        self.section = slug.to_owned();
        self
    }

    /// Tag slugs in order; missing tags are created.
    pub fn tags(mut self, slugs: &[&str]) -> Self {
        self.tags = slugs.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Source slugs in order; missing sources are created.
    pub fn sources(mut self, slugs: &[&str]) -> Self {
        self.sources = slugs.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn draft(mut self) -> Self {
        self.status = ArticleStatus::Draft;
        self.published_at = None;
        self
    }

    pub fn archived(mut self) -> Self {
        self.status = ArticleStatus::Archived;
        self
    }

    /// Published `hours` before the test clock's now (negative: scheduled in the future).
    pub fn published_hours_ago(mut self, hours: i64) -> Self {
        self.status = ArticleStatus::Published;
        self.published_at = Some(self.app.now() - Duration::hours(hours));
        self
    }

    pub fn author(mut self, user_id: i64) -> Self {
        self.author_id = Some(user_id);
        self
    }

    pub fn comments_enabled(mut self, enabled: bool) -> Self {
        self.comments_enabled = enabled;
        self
    }

    pub fn create(self) -> i64 {
        let now = self.app.now();
        self.app.with_conn(|conn| {
            let section_id = match section::find_by_slug(conn, &self.section).expect("query") {
                Some(s) => s.id,
                None => ensure_section(conn, &self.section, &title_of(&self.section), None, 0, now),
            };
            let saved = article::insert(
                conn,
                &NewArticle {
                    slug: &self.slug,
                    headline: &self.headline,
                    alternative_headline: self.alternative_headline.as_deref(),
                    summary: self.summary.as_deref(),
                    body: &self.body,
                    section_id,
                    author_id: self.author_id,
                    status: self.status,
                    published_at: self.published_at,
                    comments_enabled: self.comments_enabled,
                    created_at: now,
                    updated_at: self.published_at.map_or(now, |p| p.min(now)),
                    byline: None,
                    seo_title: None,
                    meta_description: None,
                    canonical_url: None,
                    noindex: false,
                    social_title: None,
                    social_description: None,
                    social_image_url: None,
                    word_count: Some(dateline::content::html::word_count(&self.body)),
                    featured_media_id: None,
                },
            )
            .expect("insert article");
            // Public already, as far as webhooks know: no `article.published` is owed for it.
            let public = dateline::models::article::is_visible(&saved, now);
            article::set_announced(conn, saved.id, public).expect("announced");
            let tag_ids: Vec<i64> = self
                .tags
                .iter()
                .map(|slug| ensure_tag(conn, slug, &title_of(slug), now))
                .collect();
            Tags::attach(conn, saved.id, &tag_ids).expect("tags");
            let source_ids: Vec<i64> = self
                .sources
                .iter()
                .map(|slug| ensure_source(conn, slug, &title_of(slug), None, now))
                .collect();
            Sources::attach(conn, saved.id, &source_ids).expect("sources");
            let text = dateline::content::html::search_text(
                &saved.headline,
                saved.alternative_headline.as_deref(),
                saved.summary.as_deref(),
                &saved.body,
            );
            article::set_search_text(conn, saved.id, &text).expect("search text");
            saved.id
        })
    }
}

/// "world-news" -> "World News".
pub fn title_of(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn ensure_section(
    conn: &mut DbConn,
    slug: &str,
    name: &str,
    parent: Option<&str>,
    position: i32,
    now: NaiveDateTime,
) -> i64 {
    if let Some(existing) = section::find_by_slug(conn, slug).expect("query") {
        return existing.id;
    }
    let parent_id = parent.map(|p| {
        section::find_by_slug(conn, p)
            .expect("query")
            .expect("parent exists")
            .id
    });
    section::insert(
        conn,
        &NewSection {
            slug,
            name,
            description: Some(&format!("About {name}")),
            parent_id,
            position,
            created_at: now,
            updated_at: now,
            seo_title: None,
            meta_description: None,
        },
    )
    .expect("insert section")
    .id
}

fn ensure_tag(conn: &mut DbConn, slug: &str, name: &str, now: NaiveDateTime) -> i64 {
    taxonomy::ensure::<Tags>(conn, slug, name, None, now).expect("tag")
}

fn ensure_source(conn: &mut DbConn, slug: &str, name: &str, url: Option<&str>, now: NaiveDateTime) -> i64 {
    taxonomy::ensure::<Sources>(conn, slug, name, url, now).expect("source")
}

impl TestApp {
    /// A library item owned by `uploaded_by`, written straight to the database (its files are
    /// not stored: for tests of access, not of files): its id and folder.
    pub fn media_item(&self, uploaded_by: i64) -> (i64, String) {
        let now = self.now();
        let folder = format!("{:020}", self.next_number());
        let files = r#"{"full":null,"variants":[]}"#;
        let id = self.with_conn(|conn| {
            dateline::models::media::insert(
                conn,
                &dateline::models::media::NewMedia {
                    folder: &folder,
                    kind: "image",
                    format: "jpeg",
                    width: 40,
                    height: 30,
                    bytes: 1000,
                    files,
                    uploaded_by: Some(uploaded_by),
                    created_at: now,
                    editorial: dateline::models::media::Editorial {
                        alt: Some("A fixture image"),
                        decorative: false,
                        caption: None,
                        credit: None,
                        source_id: None,
                        focal_x: 0.5,
                        focal_y: 0.5,
                        updated_at: now,
                    },
                },
            )
            .expect("insert media")
            .id
        });
        (id, folder)
    }
}

/// A multipart upload of a small real JPEG with `alt`: its Content-Type and body.
pub fn image_upload(alt: &str) -> (String, Vec<u8>) {
    let image = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .expect("encode");
    let boundary = "dateline-fixture-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&jpeg);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
