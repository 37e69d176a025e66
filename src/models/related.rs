//! Related articles: the candidates of a ranking (each shared tag's newest public articles and
//! the section's), read from their stored windows when fresh and from the listing indexes
//! otherwise, and the ranking itself.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{article_tags, articles};
use crate::db::{self, DbConn};
use crate::documents::windows::{self, Computed, Entry, Scope};
use crate::models::article::visible_at;
use crate::values::ArticleStatus;

/// How many of each shared tag's newest articles are candidates for "related articles": the
/// ranking reads a bounded number of entries, whatever the size of the archive.
pub const PER_TAG: usize = 50;

/// How many of the section's newest articles are candidates: the most related articles an
/// answer may ask for (`RELATED_MAX`), so that the section alone can fill any answer.
pub const PER_SECTION: usize = crate::api::articles::related::RELATED_MAX as usize;

/// Ids of the visible articles most related to article `anchor.0` (in section `anchor.1`):
/// each shared tag counts one, the same section counts one more; ties go to the most recent.
/// Never the article itself.
///
/// Candidates are each shared tag's newest visible articles and the section's newest: a news
/// site's related links favour what is recent, and a tag with a decade of articles costs no more
/// than a new one. They come from the stored windows ([`windows`]) in one statement; a window
/// with a change not yet applied is read from its listing index instead, a statement each.
pub fn related_ids(
    conn: &mut DbConn,
    (except, section_id): (i64, i64),
    tag_ids: &[i64],
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<i64>> {
    let stored = windows::fresh(conn, tag_ids, section_id, now)?;
    let now_micros = windows::micros(now);
    let mut candidates = Vec::with_capacity(tag_ids.len() * PER_TAG + limit);
    for &tag_id in tag_ids {
        let window: Vec<Entry> = match stored.get(Scope::Tag, tag_id) {
            Some(entries) => windows::visible(entries, except, now_micros, PER_TAG).collect(),
            None => tag_window(conn, tag_id, except, now)?,
        };
        candidates.extend(window.into_iter().map(|entry| Candidate {
            entry,
            shares_tag: true,
        }));
    }
    let window: Vec<Entry> = match stored.get(Scope::Section, section_id) {
        Some(entries) => windows::visible(entries, except, now_micros, limit).collect(),
        None => section_window(conn, (except, section_id), now, limit)?,
    };
    candidates.extend(window.into_iter().map(|entry| Candidate {
        entry,
        shares_tag: false,
    }));
    Ok(rank(candidates, section_id, limit))
}

/// An article a window holds: in a shared tag's window, or in the section's.
#[derive(Debug)]
struct Candidate {
    entry: Entry,
    shares_tag: bool,
}

/// The newest visible articles of one tag but `except`, and their sections, read from the
/// tag's listing index alone.
fn tag_window(conn: &mut DbConn, tag_id: i64, except: i64, now: NaiveDateTime) -> QueryResult<Vec<Entry>> {
    let query = article_tags::table
        .filter(article_tags::tag_id.eq(tag_id))
        .filter(article_tags::listed_at.le(now))
        .filter(article_tags::article_id.ne(except))
        .order((article_tags::listed_at.desc(), article_tags::article_id.desc()))
        .limit(PER_TAG as i64)
        .select((
            article_tags::article_id,
            article_tags::section_id,
            article_tags::listed_at,
        ));
    Ok(db::load(conn, query)?.into_iter().map(tag_entry).collect())
}

/// The newest visible articles of section `section_id` but `except`.
fn section_window(
    conn: &mut DbConn,
    (except, section_id): (i64, i64),
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<Entry>> {
    let query = articles::table
        .filter(articles::section_id.eq(section_id))
        .filter(articles::id.ne(except))
        .filter(visible_at(now))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit as i64)
        .select((articles::id, articles::section_id, articles::published_at));
    Ok(db::load(conn, query)?.into_iter().map(section_entry).collect())
}

/// A tag window as stored ([`windows`]): the `PER_TAG + 1` newest links of the tag listed at or
/// before `split` (one more, for the article whose related answer it serves), after every link
/// listed from then to `horizon`, and when the first listed beyond `horizon` comes due.
pub fn tag_window_to_store(
    conn: &mut DbConn,
    tag_id: i64,
    split: NaiveDateTime,
    horizon: NaiveDateTime,
) -> QueryResult<Computed> {
    let links = || article_tags::table.filter(article_tags::tag_id.eq(tag_id));
    let newest_first = (article_tags::listed_at.desc(), article_tags::article_id.desc());
    let columns = (
        article_tags::article_id,
        article_tags::section_id,
        article_tags::listed_at,
    );
    let soon: Vec<(i64, Option<i64>, Option<NaiveDateTime>)> = db::load(
        conn,
        links()
            .filter(article_tags::listed_at.gt(split))
            .filter(article_tags::listed_at.le(horizon))
            .order(newest_first)
            .select(columns),
    )?;
    let before: Vec<(i64, Option<i64>, Option<NaiveDateTime>)> = db::load(
        conn,
        links()
            .filter(article_tags::listed_at.le(split))
            .order(newest_first)
            .limit(PER_TAG as i64 + 1)
            .select(columns),
    )?;
    let valid_until: Option<NaiveDateTime> = links()
        .filter(article_tags::listed_at.gt(horizon))
        .select(diesel::dsl::min(article_tags::listed_at))
        .first(conn)?;
    Ok(Computed {
        entries: soon.into_iter().chain(before).map(tag_entry).collect(),
        valid_until,
    })
}

/// A section window as stored: as [`tag_window_to_store`], with `PER_SECTION + 1` before `split`.
pub fn section_window_to_store(
    conn: &mut DbConn,
    section_id: i64,
    split: NaiveDateTime,
    horizon: NaiveDateTime,
) -> QueryResult<Computed> {
    let published: ArticleStatus = ArticleStatus::Published;
    let listed = || {
        articles::table
            .filter(articles::section_id.eq(section_id))
            .filter(articles::status.eq(published))
            .filter(articles::deleted_at.is_null())
    };
    let newest_first = (articles::published_at.desc(), articles::id.desc());
    let columns = (articles::id, articles::section_id, articles::published_at);
    let soon: Vec<(i64, i64, Option<NaiveDateTime>)> = db::load(
        conn,
        listed()
            .filter(articles::published_at.gt(split))
            .filter(articles::published_at.le(horizon))
            .order(newest_first)
            .select(columns),
    )?;
    let before: Vec<(i64, i64, Option<NaiveDateTime>)> = db::load(
        conn,
        listed()
            .filter(articles::published_at.le(split))
            .order(newest_first)
            .limit(PER_SECTION as i64 + 1)
            .select(columns),
    )?;
    let valid_until: Option<NaiveDateTime> = listed()
        .filter(articles::published_at.gt(horizon))
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)?;
    Ok(Computed {
        entries: soon.into_iter().chain(before).map(section_entry).collect(),
        valid_until,
    })
}

/// A tag link's row as an entry (a link always carries its article's section and, once
/// listed, its time; the filters above only read listed links).
fn tag_entry((id, section, at): (i64, Option<i64>, Option<NaiveDateTime>)) -> Entry {
    Entry {
        id,
        section: section.unwrap_or(windows::NO_SECTION),
        at: at.map_or(i64::MIN, windows::micros),
    }
}

fn section_entry((id, section, at): (i64, i64, Option<NaiveDateTime>)) -> Entry {
    Entry {
        id,
        section,
        at: at.map_or(i64::MIN, windows::micros),
    }
}

/// The best `limit` of `candidates` (see [`related_ids`]), best first.
fn rank(candidates: Vec<Candidate>, section_id: i64, limit: usize) -> Vec<i64> {
    // id -> (score, listed time); sized for every window full, hashed with foldhash: growing
    // and SipHash were a sixth of the ranking's instructions.
    let mut scored: HashMap<i64, (i64, i64), foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(candidates.len(), foldhash::fast::RandomState::default());
    let (tagged, by_section): (Vec<Candidate>, Vec<Candidate>) =
        candidates.into_iter().partition(|candidate| candidate.shares_tag);
    for Candidate { entry, .. } in tagged {
        let bonus = i64::from(entry.section == section_id);
        scored.entry(entry.id).or_insert((bonus, entry.at)).0 += 1;
    }
    // The section's newest count one, unless a tag already counted them (with the bonus).
    for Candidate { entry, .. } in by_section {
        scored.entry(entry.id).or_insert((1, entry.at));
    }
    let mut ranked: Vec<(i64, (i64, i64))> = scored.into_iter().collect();
    let best_first = |(a_id, (a_score, a_at)): &(i64, (i64, i64)),
                      (b_id, (b_score, b_at)): &(i64, (i64, i64))| {
        b_score.cmp(a_score).then(b_at.cmp(a_at)).then(b_id.cmp(a_id))
    };
    // The best `limit` of a few hundred candidates, then only those sorted: sorting them all was
    // an eighth of the ranking's instructions.
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit, best_first);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(best_first);
    ranked.into_iter().map(|(id, _)| id).collect()
}
