//! Sitemaps (sitemaps.org 0.9, with Google's image and news extensions): an index naming the
//! others; one per month of publication (UTC) with every public article of that month, split
//! in parts of at most 50,000 URLs; one of pages (home, sections, tags, authors); and a Google
//! News sitemap of the last 48 hours.
//!
//! Their cost does not grow with the number of articles: the index probes the publication
//! index once per month that has articles (and once more for a month that may need parts), and
//! a monthly sitemap reads its month by keyset in batches. Articles marked `noindex`, or whose
//! canonical URL is elsewhere, are left out: a sitemap lists canonical pages only.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::BoolExpressionMethods;
use diesel::prelude::*;
use quick_xml::escape::escape;

use crate::api::media::FeaturedImage;
use crate::db::schema::{articles, author_profiles, tags};
use crate::db::{DbConn, MultiBackend};
use crate::domain::site::{SiteUrls, absolute};
use crate::error::AppError;
use crate::media::storage::MediaStore;
use crate::models::site::SiteRow;
use crate::models::{media as media_rows, section, site};
use crate::values::ArticleStatus;

/// URLs in one sitemap at most: the protocol's limit, and the default of
/// `DATELINE_SITEMAP_URLS` (which may set fewer, for smaller files).
pub const MAX_URLS: u32 = 50_000;
/// Articles in the News sitemap at most, and how far back it goes (Google's rules).
const MAX_NEWS: i64 = 1000;
const NEWS_HOURS: i64 = 48;
/// Articles read per query while writing a monthly sitemap.
const BATCH: i64 = 1000;

const URLSET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
    xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\" \
    xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n";

/// A sitemap below the index, by its file name under `/sitemaps/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Pages,
    News,
    /// A month of articles (`articles/2026-06.xml`), and the part of it (1 for the first
    /// 50,000 articles, 2 for the next...).
    Month(NaiveDate, u32),
}

impl Part {
    /// Reads `articles/{name}` (`2026-06.xml`, `2026-06-2.xml`).
    pub fn month(name: &str) -> Option<Self> {
        let stem = name.strip_suffix(".xml")?;
        let (month, part) = match stem.get(7..) {
            Some("") | None => (stem, 1),
            Some(rest) => (
                &stem[..7],
                rest.strip_prefix('-')?.parse().ok().filter(|p| *p >= 2)?,
            ),
        };
        let (year, month) = month.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
        Some(Self::Month(date, part))
    }

    /// Its path on the public website.
    pub fn path(self) -> String {
        match self {
            Self::Pages => "/sitemaps/pages.xml".to_owned(),
            Self::News => "/sitemaps/news.xml".to_owned(),
            Self::Month(month, 1) => format!("/sitemaps/articles/{}.xml", month.format("%Y-%m")),
            Self::Month(month, part) => format!("/sitemaps/articles/{}-{part}.xml", month.format("%Y-%m")),
        }
    }
}

/// The public articles a sitemap lists: published before `upper` (see [`before`]), not in the
/// trash, indexable, canonical here.
fn listed_before(upper: NaiveDateTime) -> articles::BoxedQuery<'static, MultiBackend> {
    articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.lt(upper))
        .filter(articles::deleted_at.is_null())
        .filter(articles::noindex.eq(false))
        .filter(articles::canonical_url.is_null())
        .into_boxed()
}

/// The one exclusive upper bound of "visible at `now`" (`published_at <= now`) and "before
/// `end`: one range on the publication index for the planner to use, instead of two upper
/// bounds of which it must pick one.
fn before(now: NaiveDateTime, end: NaiveDateTime) -> NaiveDateTime {
    // Stored times have microsecond precision: `<= now` is `< now + 1 µs`.
    end.min(now + Duration::microseconds(1))
}

fn month_end(month: NaiveDate) -> NaiveDateTime {
    let next = if month.month() == 12 {
        NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
    };
    next.unwrap_or(NaiveDate::MAX).and_time(chrono::NaiveTime::MIN)
}

/// The sitemap index: pages, news, and every month (and part) with listed articles, newest
/// first. Absolute URLs on the public website (`base_url`).
pub fn index(conn: &mut DbConn, now: NaiveDateTime, per_file: i64) -> Result<String, AppError> {
    let row = site::load(conn)?;
    let mut parts = vec![Part::Pages];
    // A sitemap lists at least one URL: the News sitemap is named only when it has some.
    let recent = listed_before(before(now, now))
        .filter(articles::published_at.ge(now - Duration::hours(NEWS_HOURS)))
        .select(articles::id)
        .first::<i64>(conn)
        .optional()?;
    if recent.is_some() {
        parts.push(Part::News);
    }
    // Month by month, newest first: the latest publication before the month last seen, read
    // from the publication index alone (a table row is read only to confirm that the month
    // has a listed article, in `month_parts`).
    let mut upper = before(now, now);
    while let Some(latest) = articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.lt(upper))
        .order(articles::published_at.desc())
        .select(articles::published_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten()
    {
        let month = latest.date().with_day(1).unwrap_or(latest.date());
        let start = month.and_time(chrono::NaiveTime::MIN);
        for part in 1..=month_parts(conn, now, start, month_end(month), per_file)? {
            parts.push(Part::Month(month, part));
        }
        upper = start;
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let today = now.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for part in parts {
        let loc = absolute(&row.base_url, &part.path());
        let _ = write!(xml, "<sitemap><loc>{}</loc>", escape(loc.as_str()));
        if part == Part::News {
            let _ = write!(xml, "<lastmod>{today}</lastmod>");
        }
        xml.push_str("</sitemap>\n");
    }
    xml.push_str("</sitemapindex>\n");
    Ok(xml)
}

/// How many parts of `per_file` URLs a month's sitemap needs: none when the month has no listed
/// article (all of them trashed, `noindex` or canonical elsewhere); a month of at most
/// `per_file` published articles costs one probe of the index and one row.
fn month_parts(
    conn: &mut DbConn,
    now: NaiveDateTime,
    start: NaiveDateTime,
    end: NaiveDateTime,
    per_file: i64,
) -> QueryResult<u32> {
    // First from the publication index alone (no row is read): a month with at most `per_file`
    // published articles, the common case, needs one part whatever the other conditions.
    let beyond_published = articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.ge(start))
        .filter(articles::published_at.lt(before(now, end)))
        .order((articles::published_at.asc(), articles::id.asc()))
        .select(articles::id)
        .offset(per_file)
        .first::<i64>(conn)
        .optional()?;
    if beyond_published.is_none() {
        let listed = listed_before(before(now, end))
            .filter(articles::published_at.ge(start))
            .select(articles::id)
            .first::<i64>(conn)
            .optional()?;
        return Ok(u32::from(listed.is_some()));
    }
    // Else count the parts of listed articles: part n + 1 exists when an article lies beyond n.
    let mut parts: u32 = 0;
    loop {
        let beyond = listed_before(before(now, end))
            .filter(articles::published_at.ge(start))
            .order((articles::published_at.asc(), articles::id.asc()))
            .select(articles::id)
            .offset(i64::from(parts) * per_file)
            .first::<i64>(conn)
            .optional()?;
        if beyond.is_none() {
            return Ok(parts);
        }
        parts += 1;
    }
}

/// The columns a sitemap entry needs.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles)]
struct Entry {
    id: i64,
    slug: String,
    headline: String,
    section_id: i64,
    published_at: Option<NaiveDateTime>,
    public_updated_at: Option<NaiveDateTime>,
    featured_media_id: Option<i64>,
}

/// Writes the entries of one batch: article URLs, `lastmod` (the public update time), and
/// featured images (one query for the batch's images).
struct Writer<'a> {
    row: &'a SiteRow,
    urls: SiteUrls,
    tree: section::SectionTree,
    media: &'a MediaStore,
    xml: String,
}

impl<'a> Writer<'a> {
    fn new(conn: &mut DbConn, row: &'a SiteRow, media: &'a MediaStore) -> Result<Self, AppError> {
        Ok(Self {
            urls: SiteUrls::new(row),
            tree: section::load_tree(conn)?,
            row,
            media,
            xml: String::from(URLSET_OPEN),
        })
    }

    fn url(&self, entry: &Entry) -> String {
        let section = self.tree.get(entry.section_id).map_or("", |s| s.slug.as_str());
        let dated = entry.published_at.unwrap_or_default();
        self.urls.article(&entry.slug, section, entry.id, dated)
    }

    fn articles(&mut self, conn: &mut DbConn, entries: &[Entry]) -> Result<(), AppError> {
        let ids: Vec<i64> = entries.iter().filter_map(|e| e.featured_media_id).collect();
        let images: HashMap<i64, String> = media_rows::by_ids(conn, &ids)?
            .into_iter()
            .map(|(id, item)| (id, FeaturedImage::new(self.media, &item).url))
            .collect();
        for entry in entries {
            let loc = self.url(entry);
            let lastmod = entry
                .public_updated_at
                .max(entry.published_at)
                .unwrap_or_default();
            let _ = write!(
                self.xml,
                "<url><loc>{}</loc><lastmod>{}</lastmod>",
                escape(loc.as_str()),
                w3c(lastmod)
            );
            if let Some(image) = entry.featured_media_id.and_then(|id| images.get(&id)) {
                let image = absolute(&self.row.base_url, image);
                let _ = write!(
                    self.xml,
                    "<image:image><image:loc>{}</image:loc></image:image>",
                    escape(image.as_str())
                );
            }
            self.xml.push_str("</url>\n");
        }
        Ok(())
    }

    fn page(&mut self, url: &str) {
        let _ = writeln!(self.xml, "<url><loc>{}</loc></url>", escape(url));
    }

    fn finish(mut self) -> String {
        self.xml.push_str("</urlset>\n");
        super::xml_safe(self.xml)
    }
}

fn w3c(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One month's sitemap (a part of it): `None` when the month has no listed article there.
pub fn month(
    conn: &mut DbConn,
    media: &MediaStore,
    now: NaiveDateTime,
    month: NaiveDate,
    part: u32,
    per_file: i64,
) -> Result<Option<String>, AppError> {
    let row = site::load(conn)?;
    let mut writer = Writer::new(conn, &row, media)?;
    let (start, end) = (month.and_time(chrono::NaiveTime::MIN), month_end(month));
    let in_month = || {
        listed_before(before(now, end))
            .filter(articles::published_at.ge(start))
            .order((articles::published_at.asc(), articles::id.asc()))
    };
    // This part starts after the earlier parts' articles; then keyset reads, batch by batch.
    let mut batch: Vec<Entry> = in_month()
        .select(Entry::as_select())
        .offset(i64::from(part - 1) * per_file)
        .limit(BATCH.min(per_file))
        .load(conn)?;
    if batch.is_empty() {
        return Ok(None);
    }
    let mut written = 0;
    loop {
        written += batch.len() as i64;
        writer.articles(conn, &batch)?;
        let Some(last) = batch.last() else { break };
        if (batch.len() as i64) < BATCH.min(per_file) || written >= per_file {
            break;
        }
        let (at, id) = (last.published_at.unwrap_or(start), last.id);
        batch = in_month()
            .filter(articles::published_at.ge(at))
            .filter(BoolExpressionMethods::or(
                articles::published_at.gt(at),
                BoolExpressionMethods::and(articles::published_at.eq(at), articles::id.gt(id)),
            ))
            .select(Entry::as_select())
            .limit(BATCH.min(per_file - written))
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
    }
    Ok(Some(writer.finish()))
}

/// The pages that are not articles: home, every section, tag and public author.
pub fn pages(conn: &mut DbConn, media: &MediaStore, per_file: i64) -> Result<String, AppError> {
    let row = site::load(conn)?;
    let mut writer = Writer::new(conn, &row, media)?;
    let home = writer.urls.home();
    writer.page(&home);
    let sections: Vec<String> = writer
        .tree
        .in_tree_order()
        .iter()
        .map(|(s, _)| writer.urls.section(&s.slug))
        .collect();
    let room = (per_file - 1 - sections.len() as i64).max(0);
    let tag_slugs: Vec<String> = tags::table
        .order(tags::slug)
        .select(tags::slug)
        .limit(room)
        .load(conn)?;
    let author_slugs: Vec<String> = author_profiles::table
        .filter(author_profiles::public.eq(true))
        .order(author_profiles::slug)
        .select(author_profiles::slug)
        .limit((room - tag_slugs.len() as i64).max(0))
        .load(conn)?;
    let pages: Vec<String> = sections
        .into_iter()
        .chain(tag_slugs.iter().map(|s| writer.urls.page("tag", s)))
        .chain(author_slugs.iter().map(|s| writer.urls.page("author", s)))
        .collect();
    for page in &pages {
        writer.page(page);
    }
    Ok(writer.finish())
}

/// The Google News sitemap: articles published in the last 48 hours, newest first, at most
/// 1,000, with the publication's name and language from the site settings; `None` when there
/// is none (a sitemap lists at least one URL).
pub fn news(conn: &mut DbConn, media: &MediaStore, now: NaiveDateTime) -> Result<Option<String>, AppError> {
    let row = site::load(conn)?;
    let mut writer = Writer::new(conn, &row, media)?;
    let entries: Vec<Entry> = listed_before(before(now, now))
        .filter(articles::published_at.ge(now - Duration::hours(NEWS_HOURS)))
        .order((articles::published_at.desc(), articles::id.desc()))
        .select(Entry::as_select())
        .limit(MAX_NEWS)
        .load(conn)?;
    if entries.is_empty() {
        return Ok(None);
    }
    let name = escape(row.name.as_str()).into_owned();
    let language = news_language(&row.language);
    for entry in &entries {
        let loc = writer.url(entry);
        let published = entry.published_at.unwrap_or_default();
        let _ = writeln!(
            writer.xml,
            "<url><loc>{}</loc><news:news><news:publication><news:name>{name}</news:name>\
             <news:language>{language}</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>",
            escape(loc.as_str()),
            w3c(published),
            escape(entry.headline.as_str()),
        );
    }
    Ok(Some(writer.finish()))
}

/// Google News wants an ISO 639 code: the primary language subtag, except Chinese, whose
/// script is told by `zh-cn` or `zh-tw`.
fn news_language(tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    match lower.as_str() {
        "zh-tw" | "zh-hant" | "zh-hk" => "zh-tw".to_owned(),
        l if l.starts_with("zh") => "zh-cn".to_owned(),
        l => l.split('-').next().unwrap_or("en").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_names_are_read_strictly() {
        let june = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(Part::month("2026-06.xml"), Some(Part::Month(june, 1)));
        assert_eq!(Part::month("2026-06-2.xml"), Some(Part::Month(june, 2)));
        for bad in [
            "2026-06",
            "2026-13.xml",
            "2026-06-1.xml",
            "2026-06-x.xml",
            "26-06.xml",
            "2026-6.xml",
        ] {
            assert_eq!(Part::month(bad), None, "{bad}");
        }
        assert_eq!(Part::Month(june, 2).path(), "/sitemaps/articles/2026-06-2.xml");
    }

    #[test]
    fn news_languages_are_iso_639() {
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("fr"), "fr");
        assert_eq!(news_language("zh-Hant"), "zh-tw");
        assert_eq!(news_language("zh"), "zh-cn");
    }
}
