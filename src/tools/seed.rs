//! `dateline seed --articles N`: a realistic dataset for demos and benchmarks.
//!
//! Sections with sub-sections, hundreds of tags, a dozen sources, a few authors, and articles
//! with 3-5 KB bodies of news-like text (`seed_text`), several tags and sources each, publication times spread over five years
//! (a few drafts, scheduled and archived ones among them), reader comments, and site settings
//! (name, navigation of the top sections, "Stay Connected" links) unless an admin set them. Rows are
//! streamed in batched multi-row inserts, one transaction per batch, so memory stays flat and
//! 100,000 articles take seconds, not minutes. Deterministic for a given `--seed`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::db::schema::{article_authors, article_search, article_sources, article_tags, articles, comments};
use crate::db::{self, DbConn};
use crate::domain::Change;
use crate::domain::site::{self as site_rules, NavLink, Settings, SocialLink};
use crate::domain::taxonomy::{self, Sources, Tags, TermKind};
use crate::models::author::{self, Profile};
use crate::models::section::{self, NewSection};
use crate::models::site;
use crate::models::user::{self, NewUser};
use crate::tools::seed_text::Vocabulary;
use crate::values::{ArticleStatus, CommentStatus, Role};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    pub articles: u64,
    /// The random seed; the same seed gives the same data.
    pub seed: u64,
    /// Articles per transaction.
    pub batch_size: usize,
}

/// Media items to feature, in turn, on the generated articles (none: no featured images).
#[derive(Debug, Clone, Default)]
pub struct SeedImages(pub Vec<i64>);

/// What was generated.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub articles: u64,
    pub comments: u64,
}

const SECTIONS: &[(&str, &[&str])] = &[
    (
        "World News",
        &["Asia", "Europe", "Middle East", "Africa", "Americas"],
    ),
    ("Politics", &["Elections", "Parliament", "Policy"]),
    ("Business", &["Markets", "Economy", "Companies", "Energy"]),
    ("Technology", &["Science", "Internet", "Security"]),
    ("Sport", &["Football", "Cricket", "Tennis", "Athletics"]),
    ("Culture", &["Books", "Film", "Music"]),
    ("Health", &["Medicine", "Wellbeing"]),
    ("Opinion", &["Editorials", "Columns", "Letters"]),
];

const SOURCES: &[(&str, Option<&str>)] = &[
    ("Agencies", None),
    ("Reuters", Some("https://www.reuters.com")),
    ("Associated Press", Some("https://apnews.com")),
    ("AFP", Some("https://www.afp.com")),
    ("Bloomberg", Some("https://www.bloomberg.com")),
    ("Dateline Staff", None),
    ("Xinhua", Some("https://english.news.cn")),
    ("Anadolu Agency", Some("https://www.aa.com.tr")),
    ("Press Trust of India", Some("https://www.ptinews.com")),
    ("Kyodo News", Some("https://english.kyodonews.net")),
    ("Deutsche Presse-Agentur", Some("https://www.dpa.com")),
    ("EFE", Some("https://efe.com")),
];

const PLACES: &[&str] = &[
    "Pakistan",
    "Iran",
    "India",
    "China",
    "Japan",
    "Germany",
    "France",
    "Brazil",
    "Nigeria",
    "Kenya",
    "Egypt",
    "Turkey",
    "Mexico",
    "Canada",
    "Australia",
    "Indonesia",
    "Spain",
    "Italy",
    "Poland",
    "Ukraine",
    "Chile",
    "Argentina",
    "Vietnam",
    "Thailand",
    "Morocco",
    "Ghana",
    "Sweden",
    "Norway",
    "Baluchistan",
    "Kashmir",
];

const TOPICS: &[&str] = &[
    "Diplomacy",
    "Counter-terrorism",
    "Elections",
    "Trade",
    "Inflation",
    "Climate",
    "Energy",
    "Health",
    "Education",
    "Migration",
    "Security",
    "Technology",
    "Agriculture",
    "Transport",
    "Water",
    "Housing",
    "Tourism",
    "Finance",
    "Labour",
    "Courts",
    "Defence",
    "Space",
    "Football",
    "Cricket",
    "Film",
    "Music",
    "Books",
    "Banking",
    "Mining",
    "Shipping",
];

const FIRST_NAMES: &[&str] = &[
    "Amina", "Liam", "Sofia", "Kenji", "Priya", "Mateo", "Chloe", "Omar", "Ingrid", "Kwame",
];
const LAST_NAMES: &[&str] = &[
    "Khan", "Okafor", "Rossi", "Tanaka", "Sharma", "Silva", "Martin", "Haddad", "Berg", "Mensah",
];

/// SQLite while seeding: a 256 MiB page cache, and no fsync at checkpoints (a power cut during
/// a seed can only cost generated demo data, and a process crash loses nothing committed).
/// Both are set back when the seed ends.
const SEED_CACHE_PRAGMA: &str = "PRAGMA cache_size = -262144; PRAGMA synchronous = OFF;";

/// Generates the dataset. `progress` is called after each batch with the articles written so far.
pub fn seed(
    conn: &mut DbConn,
    options: SeedOptions,
    images: &SeedImages,
    now: NaiveDateTime,
    mut progress: impl FnMut(u64),
) -> Result<SeedReport, diesel::result::Error> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    if !db::is_postgres(conn) {
        // The slug, search and listing indexes fill in random order: with SQLite's default 2 MB
        // page cache each batch re-reads their pages from the OS, and the load slows as they grow;
        // and each checkpoint's fsync stalled the load (100,000 articles: 65 s -> 48 s).
        diesel::connection::SimpleConnection::batch_execute(conn, SEED_CACHE_PRAGMA)?;
    }
    let taxonomy = db::write(conn, |conn| Taxonomy::ensure(conn, now))?;
    db::write(conn, |conn| seed_site(conn, now, images))?;
    // Continue numbering after what is there, so seeding twice adds instead of colliding.
    let first_number: i64 = articles::table
        .select(diesel::dsl::max(articles::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0)
        + 1;
    let vocabulary = Vocabulary::new();
    let mut report = SeedReport::default();
    let mut written = 0u64;
    while written < options.articles {
        let count = (options.articles - written).min(options.batch_size as u64);
        let batch: Vec<GeneratedArticle> = (0..count)
            .map(|i| {
                let number = first_number + (written + i) as i64;
                GeneratedArticle::random(&mut rng, &vocabulary, &taxonomy, number, now)
            })
            .collect();
        report.comments += db::write(conn, |conn| {
            insert_batch(conn, &batch, images, &vocabulary, &mut rng, now)
        })?;
        written += count;
        report.articles = written;
        progress(written);
    }
    // The load recorded a change of a related window per link it wrote: start them afresh.
    db::write(conn, crate::documents::windows::recompute_all)?;
    // A bulk load changes the data's shape: give the query planner fresh statistics.
    // On PostgreSQL, VACUUM too: a bulk load leaves the visibility map empty, so index-only
    // scans visit the heap for every entry until autovacuum comes by (the sitemap index took
    // 3.2 s at 1,000,000 articles before it, 0.23 s after).
    let statistics = if db::is_postgres(conn) {
        "VACUUM (ANALYZE)"
    } else {
        "ANALYZE"
    };
    diesel::connection::SimpleConnection::batch_execute(conn, statistics)?;
    if !db::is_postgres(conn) {
        diesel::connection::SimpleConnection::batch_execute(
            conn,
            &format!(
                "PRAGMA cache_size = -2000; PRAGMA synchronous = {};",
                db::SQLITE_SYNCHRONOUS
            ),
        )?;
    }
    Ok(report)
}

/// Fills the site settings as a news site would, if they are still the migration's defaults
/// (version 1): seeding never overwrites what an admin set.
fn seed_site(conn: &mut DbConn, now: NaiveDateTime, images: &SeedImages) -> QueryResult<()> {
    let current = site::load(conn)?;
    if current.version != 1 {
        return Ok(());
    }
    let tree = section::load_tree(conn)?;
    let link = |network: &str, label: &str, url: &str| SocialLink {
        network: network.to_owned(),
        label: label.to_owned(),
        url: url.to_owned(),
    };
    let navigation = SECTIONS
        .iter()
        .filter_map(|(name, _)| tree.by_slug(&crate::content::slug::slugify(name)))
        .map(|s| NavLink {
            label: s.name.clone(),
            section: Some(s.slug.clone()),
            url: None,
        })
        .collect();
    let settings = Settings {
        name: "The Dateline Daily".to_owned(),
        description: Some("News from Pakistan and around the world, around the clock.".to_owned()),
        base_url: "https://news.example.com".to_owned(),
        language: "en".to_owned(),
        time_zone: "Asia/Karachi".to_owned(),
        publisher_name: Some("Dateline Media".to_owned()),
        social_links: vec![
            link("facebook", "Facebook", "https://www.facebook.com/datelinedaily"),
            link("x", "X", "https://x.com/datelinedaily"),
            link(
                "instagram",
                "Instagram",
                "https://www.instagram.com/datelinedaily",
            ),
            link("youtube", "YouTube", "https://www.youtube.com/@datelinedaily"),
        ],
        navigation,
        permalink: "/{section}/{slug}".to_owned(),
        logo_url: Some("https://news.example.com/static/logo.png".to_owned()),
        social_image_url: Some("https://news.example.com/static/social.png".to_owned()),
        logo_media: None,
        // The first seed photograph, when there are any: shared pages without an image of
        // their own show it.
        social_image_media: images.0.first().copied(),
    };
    site_rules::update(conn, Change::by_operator(now), &current, &tree, settings)
        .map(|_| ())
        .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))
}

/// The ids articles are filed under.
struct Taxonomy {
    section_ids: Vec<i64>,
    tag_ids: Vec<i64>,
    source_ids: Vec<i64>,
    author_ids: Vec<i64>,
}

impl Taxonomy {
    fn ensure(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Self> {
        let mut section_ids = Vec::new();
        for (position, (name, children)) in SECTIONS.iter().enumerate() {
            let parent = ensure_section(conn, name, None, position as i32, now)?;
            section_ids.push(parent);
            for (child_position, child) in children.iter().enumerate() {
                section_ids.push(ensure_section(
                    conn,
                    child,
                    Some(parent),
                    child_position as i32,
                    now,
                )?);
            }
        }
        let mut tag_ids = Vec::new();
        for name in tag_names() {
            tag_ids.push(ensure_term::<Tags>(conn, &name, None, now)?);
        }
        let mut source_ids = Vec::new();
        for (name, url) in SOURCES {
            source_ids.push(ensure_term::<Sources>(conn, name, *url, now)?);
        }
        let mut author_ids = Vec::new();
        for (i, (first, last)) in FIRST_NAMES.iter().zip(LAST_NAMES).enumerate() {
            let email = format!("seed-author-{i}@dateline.invalid");
            let id = match user::find_by_email(conn, &email)? {
                Some(u) => u.id,
                None => {
                    let name = format!("{first} {last}");
                    // "!" is no valid password hash: seeded authors cannot log in.
                    let new = NewUser {
                        email: &email,
                        display_name: &name,
                        password_hash: "!",
                        role: Role::Author,
                        active: true,
                        created_at: now,
                        updated_at: now,
                    };
                    user::insert(conn, &new)?.id
                }
            };
            ensure_profile(conn, id, first, last, i, now)?;
            author_ids.push(id);
        }
        Ok(Self {
            section_ids,
            tag_ids,
            source_ids,
            author_ids,
        })
    }
}

/// A public author profile for a seeded author, unless it has one.
fn ensure_profile(
    conn: &mut DbConn,
    user_id: i64,
    first: &str,
    last: &str,
    i: usize,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if author::find_by_user(conn, user_id)?.is_some() {
        return Ok(());
    }
    let slug = crate::content::slug::slugify(&format!("{first} {last}"));
    let beat = PLACES[i % PLACES.len()];
    let title = [
        "Staff reporter",
        "Correspondent",
        "Senior editor",
        "Political editor",
    ][i % 4];
    let handle = slug.replace('-', "");
    let links = [SocialLink {
        network: "x".to_owned(),
        label: "X".to_owned(),
        url: format!("https://x.com/{handle}"),
    }];
    let profile = Profile {
        user_id,
        slug,
        bio: Some(format!(
            "{first} {last} reports on {beat} for the Dateline Daily."
        )),
        avatar_url: Some(format!("https://news.example.com/static/authors/{handle}.jpg")),
        job_title: Some(title.to_owned()),
        social_links: serde_json::to_string(&links).unwrap_or_else(|_| "[]".to_owned()),
        public: true,
        version: 1,
        updated_at: now,
    };
    author::upsert(conn, &profile, None).map(drop)
}

/// Places, topics, and "place topic" pairs: a few hundred tags.
fn tag_names() -> Vec<String> {
    let mut names: Vec<String> = PLACES.iter().chain(TOPICS).map(|s| s.to_string()).collect();
    for (i, place) in PLACES.iter().enumerate() {
        for topic in TOPICS.iter().skip(i % 3).step_by(3) {
            names.push(format!("{place} {topic}"));
        }
    }
    names
}

fn ensure_section(
    conn: &mut DbConn,
    name: &str,
    parent_id: Option<i64>,
    position: i32,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let slug = crate::content::slug::slugify(name);
    if let Some(existing) = section::find_by_slug(conn, &slug)? {
        return Ok(existing.id);
    }
    let new = NewSection {
        slug: &slug,
        name,
        description: Some(&format!("The latest {name} coverage.")),
        parent_id,
        position,
        created_at: now,
        updated_at: now,
        seo_title: Some(&format!("{name}: latest news and analysis")),
        meta_description: Some(&format!(
            "Breaking {name} news, analysis and updates from the Dateline Daily."
        )),
    };
    Ok(section::insert(conn, &new)?.id)
}

fn ensure_term<K: TermKind>(
    conn: &mut DbConn,
    name: &str,
    extra: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let slug = crate::content::slug::slugify(name);
    taxonomy::ensure::<K>(conn, &slug, name, extra, now)
}

struct GeneratedArticle {
    slug: String,
    headline: String,
    summary: String,
    body: String,
    section_id: i64,
    author_id: i64,
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
    tag_ids: Vec<i64>,
    source_ids: Vec<i64>,
    /// Agency copy (no author account) gets a free-text byline instead.
    byline: Option<&'static str>,
    seo_title: Option<String>,
    word_count: i32,
    number: i64,
}

impl GeneratedArticle {
    /// Its featured image: the images in turn, by article number.
    fn featured(&self, images: &SeedImages) -> Option<i64> {
        let count = images.0.len();
        (count > 0).then(|| images.0[self.number.unsigned_abs() as usize % count])
    }

    fn random(
        rng: &mut StdRng,
        vocabulary: &Vocabulary,
        taxonomy: &Taxonomy,
        number: i64,
        now: NaiveDateTime,
    ) -> Self {
        let place = PLACES.choose(rng).copied().unwrap_or("World");
        let story = vocabulary.story(rng, place);
        let headline = vocabulary.headline(rng, &story, 6, 10);
        let slug = format!("{}-{number}", crate::content::slug::slugify(&headline));
        let paragraphs: Vec<String> = (0..rng.random_range(7..=11))
            .map(|_| story.paragraph(vocabulary, rng))
            .collect();
        let summary = crate::content::shorten(&paragraphs[0], 240);
        let body = paragraphs
            .iter()
            .map(|p| format!("<p>{p}</p>"))
            .collect::<Vec<_>>()
            .join("\n");
        let roll: u32 = rng.random_range(0..100);
        let age = Duration::seconds(rng.random_range(60..5 * 365 * 24 * 3600));
        let (status, published_at) = match roll {
            0 | 1 => (ArticleStatus::Draft, None),
            2 => (ArticleStatus::Archived, Some(now - age)),
            3 => (
                ArticleStatus::Published,
                Some(now + Duration::seconds(rng.random_range(3600..30 * 24 * 3600))),
            ),
            _ => (ArticleStatus::Published, Some(now - age)),
        };
        let mut tag_ids = taxonomy.tag_ids.clone();
        let tag_count = rng.random_range(2..=5);
        let (tags, _) = tag_ids.partial_shuffle(rng, tag_count);
        let mut source_ids = taxonomy.source_ids.clone();
        let source_count = rng.random_range(1..=2);
        let (sources, _) = source_ids.partial_shuffle(rng, source_count);
        let agency_copy = rng.random_range(0..5) == 0;
        let seo_title = (rng.random_range(0..4) == 0).then(|| crate::content::shorten(&headline, 60));
        let word_count = crate::content::html::word_count(&body);
        Self {
            number,
            byline: agency_copy.then_some("By Agencies"),
            seo_title,
            word_count,
            slug,
            headline,
            summary,
            body,
            section_id: *taxonomy
                .section_ids
                .choose(rng)
                .unwrap_or(&taxonomy.section_ids[0]),
            author_id: *taxonomy.author_ids.choose(rng).unwrap_or(&taxonomy.author_ids[0]),
            status,
            published_at,
            updated_at: published_at.map_or(now, |p| p.min(now)),
            tag_ids: tags.to_vec(),
            source_ids: sources.to_vec(),
        }
    }
}

/// Inserts a batch of articles with their tags, sources and comments; returns the comments made.
fn insert_batch(
    conn: &mut DbConn,
    batch: &[GeneratedArticle],
    images: &SeedImages,
    vocabulary: &Vocabulary,
    rng: &mut StdRng,
    now: NaiveDateTime,
) -> QueryResult<u64> {
    let rows: Vec<_> = batch
        .iter()
        .map(|a| {
            (
                articles::slug.eq(&a.slug),
                articles::headline.eq(&a.headline),
                articles::summary.eq(Some(&a.summary)),
                articles::body.eq(&a.body),
                articles::section_id.eq(a.section_id),
                articles::author_id.eq(Some(a.author_id)),
                articles::status.eq(a.status),
                articles::published_at.eq(a.published_at),
                articles::comments_enabled.eq(true),
                articles::created_at.eq(a.updated_at),
                articles::updated_at.eq(a.updated_at),
                articles::byline.eq(a.byline),
                articles::seo_title.eq(a.seo_title.as_deref()),
                articles::word_count.eq(Some(a.word_count)),
                articles::featured_media_id.eq(a.featured(images)),
                // Public already: no `article.published` event is owed for seeded data.
                articles::announced
                    .eq(a.status == ArticleStatus::Published && a.published_at.is_some_and(|p| p <= now)),
            )
        })
        .collect();
    let mut ids: Vec<(String, i64)> = Vec::with_capacity(batch.len());
    // Keep each statement well under both backends' bind-parameter limits.
    for chunk in rows.chunks(400) {
        ids.extend(db::on_backend!(conn, |c| diesel::insert_into(articles::table)
            .values(chunk)
            .returning((articles::slug, articles::id))
            .get_results::<(String, i64)>(c))?);
    }
    let id_of: std::collections::HashMap<&str, i64> = ids.iter().map(|(s, id)| (s.as_str(), *id)).collect();
    let search_rows: Vec<_> = batch
        .iter()
        .map(|a| {
            let text = crate::content::html::search_text(&a.headline, None, Some(&a.summary), &a.body);
            (
                article_search::article_id.eq(id_of[a.slug.as_str()]),
                article_search::headline_text.eq(text.headline),
                article_search::body_text.eq(text.body),
            )
        })
        .collect();
    for chunk in search_rows.chunks(500) {
        db::on_backend!(conn, |c| diesel::insert_into(article_search::table)
            .values(chunk)
            .execute(c))?;
    }
    let mut tag_rows = Vec::new();
    let mut source_rows = Vec::new();
    let mut byline_rows = Vec::new();
    let mut comment_rows = Vec::new();
    for a in batch {
        let id = id_of[a.slug.as_str()];
        for (position, tag_id) in a.tag_ids.iter().enumerate() {
            tag_rows.push((
                article_tags::article_id.eq(id),
                article_tags::tag_id.eq(*tag_id),
                article_tags::position.eq(position as i32),
            ));
        }
        if a.byline.is_none() {
            byline_rows.push((
                article_authors::article_id.eq(id),
                article_authors::user_id.eq(a.author_id),
                article_authors::position.eq(0),
            ));
        }
        for (position, source_id) in a.source_ids.iter().enumerate() {
            source_rows.push((
                article_sources::article_id.eq(id),
                article_sources::source_id.eq(*source_id),
                article_sources::position.eq(position as i32),
            ));
        }
        if let Some(published_at) = a.published_at.filter(|p| *p <= now) {
            for n in 0..rng.random_range(0..=4u32) {
                let status = if rng.random_range(0..10) < 7 {
                    CommentStatus::Approved
                } else {
                    CommentStatus::Pending
                };
                let at = published_at + Duration::minutes(i64::from(n + 1) * rng.random_range(5..600));
                comment_rows.push((
                    comments::article_id.eq(id),
                    comments::author_name.eq(format!(
                        "{} {}",
                        FIRST_NAMES.choose(rng).unwrap_or(&"Reader"),
                        LAST_NAMES.choose(rng).unwrap_or(&"R.")
                    )),
                    comments::body.eq(vocabulary.remark(rng, 8, 30)),
                    comments::status.eq(status),
                    comments::depth.eq(0),
                    comments::created_at.eq(at.min(now)),
                    comments::updated_at.eq(at.min(now)),
                ));
            }
        }
    }
    for chunk in tag_rows.chunks(2000) {
        db::on_backend!(conn, |c| diesel::insert_into(article_tags::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in source_rows.chunks(2000) {
        db::on_backend!(conn, |c| diesel::insert_into(article_sources::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in byline_rows.chunks(2000) {
        db::on_backend!(conn, |c| diesel::insert_into(article_authors::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in comment_rows.chunks(1000) {
        db::on_backend!(conn, |c| diesel::insert_into(comments::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(comment_rows.len() as u64)
}
