//! Stored candidate windows for related articles: each tag's and each section's newest public
//! articles, packed in one row, so that a ranking reads one row per window instead of fifty.
//!
//! - Triggers append a row to `related_window_changes` for every change that can move a window
//!   (migration `related_windows`), whatever code path writes. A window is served only while no
//!   change of it is recorded: a stale window is never read, its listing index is.
//! - The background renderer ([`super::rebuild`]) recomputes changed windows: it reads the
//!   changes recorded, then the window, then deletes exactly those changes and stores the window
//!   in one transaction, and only if every one of those changes was still there (another
//!   renderer may have done the same meanwhile, from older data). A change recorded after the
//!   first read stays, and the window with it stays unserved until the next pass.
//! - A window holds the newest entries listed before a split (a minute before it was computed)
//!   and every entry from the split to a horizon a day later (articles scheduled for then), so a
//!   read at any later time finds its newest visible entries in it, until an article scheduled
//!   beyond the horizon comes due: the window records when (`valid_until`), is not served from
//!   then on, and is recomputed. Scheduling keeps working at query time.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::expressions::IdIn;
use crate::db::schema::{related_window_changes as changes, related_windows as windows};
use crate::db::{self, DbConn, on_backend};
use crate::models::related;

/// What a window lists: a tag's articles or a section's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Tag,
    Section,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Tag => "tag",
            Scope::Section => "section",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "tag" => Some(Scope::Tag),
            "section" => Some(Scope::Section),
            _ => None,
        }
    }
}

/// One article in a window: its id, its section's id and its listed time in microseconds
/// since 1970 (the order of the listing indexes, on either backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub section: i64,
    pub at: i64,
}

/// The section of an entry whose link carried none (never after the trigger that fills it).
pub const NO_SECTION: i64 = 0;

/// Bytes of one packed entry: three little-endian 64-bit integers.
const ENTRY_BYTES: usize = 24;

/// How long before the time a window is computed its split lies: a server whose clock is behind
/// the renderer's by less than this still finds its newest visible entries in the window.
const SPLIT_MARGIN: TimeDelta = TimeDelta::minutes(1);

/// How far ahead of the time a window is computed it holds scheduled articles: those due later
/// only make it stale when the first of them comes due. A day keeps a window small (the seed
/// schedules 1% of articles up to 30 days ahead: about 140 per tag at 1,000,000 articles) and
/// recomputed at most about daily for scheduling alone.
const HORIZON: TimeDelta = TimeDelta::days(1);

/// The most changes of one window a refresh deletes at once (the rest keep it unserved until
/// the next pass): a bound on the statement's size after a bulk load.
const CHANGES_PER_REFRESH: i64 = 10_000;

pub fn micros(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros()
}

/// The fresh windows [`fresh`] found.
#[derive(Debug)]
pub struct Fresh {
    rows: Vec<(String, i64, Vec<u8>)>,
}

impl Fresh {
    /// The packed entries of window `(scope, owner)`, if it is stored and fresh.
    pub fn get(&self, scope: Scope, owner: i64) -> Option<&[u8]> {
        self.rows
            .iter()
            .find(|(s, id, _)| *id == owner && s == scope.as_str())
            .map(|(_, _, entries)| entries.as_slice())
    }
}

/// The stored windows of the tags `tag_ids` and of section `section_id` that no recorded change
/// has made stale, nor an article scheduled beyond their horizon that is due at `now`: one
/// statement.
pub fn fresh(conn: &mut DbConn, tag_ids: &[i64], section_id: i64, now: NaiveDateTime) -> QueryResult<Fresh> {
    // Each window with its recorded changes, if any (an anti-join: a probe of their index).
    let with_changes = windows::table.left_join(
        changes::table.on(changes::scope
            .eq(windows::scope)
            .and(changes::owner_id.eq(windows::owner_id))),
    );
    let unchanged = changes::id
        .nullable()
        .is_null()
        .and(windows::valid_until.is_null().or(windows::valid_until.gt(now)));
    let section = windows::scope
        .eq(Scope::Section.as_str())
        .and(windows::owner_id.eq(section_id));
    let columns = (windows::scope, windows::owner_id, windows::entries);
    let rows = if db::is_postgres(conn) {
        let tags = windows::scope
            .eq(Scope::Tag.as_str())
            .and(windows::owner_id.eq_any(tag_ids));
        db::load(
            conn,
            with_changes
                .filter(tags.or(section))
                .filter(unchanged)
                .select(columns),
        )?
    } else {
        // The ids as one JSON array: the same statement text, prepared once, for any number.
        let tags = windows::scope
            .eq(Scope::Tag.as_str())
            .and(IdIn::new(windows::owner_id, tag_ids.iter().copied()));
        db::load(
            conn,
            with_changes
                .filter(tags.or(section))
                .filter(unchanged)
                .select(columns),
        )?
    };
    Ok(Fresh { rows })
}

/// The first `take` entries of `entries` visible at `now` (in microseconds), but `except`.
pub fn visible(entries: &[u8], except: i64, now: i64, take: usize) -> impl Iterator<Item = Entry> + '_ {
    entries
        .chunks_exact(ENTRY_BYTES)
        .map(unpack)
        .filter(move |entry| entry.at <= now && entry.id != except)
        .take(take)
}

fn unpack(bytes: &[u8]) -> Entry {
    let word = |at: usize| {
        let mut eight = [0; 8];
        eight.copy_from_slice(&bytes[at..at + 8]);
        i64::from_le_bytes(eight)
    };
    Entry {
        id: word(0),
        section: word(8),
        at: word(16),
    }
}

fn pack(entries: &[Entry]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(entries.len() * ENTRY_BYTES);
    for entry in entries {
        bytes.extend_from_slice(&entry.id.to_le_bytes());
        bytes.extend_from_slice(&entry.section.to_le_bytes());
        bytes.extend_from_slice(&entry.at.to_le_bytes());
    }
    bytes
}

/// Recomputes up to `limit` windows with recorded changes (those changed first, first) as of
/// `now`, after recording a change of those whose horizon has passed; answers how many it
/// stored. A window another renderer refreshed meanwhile is left to the next pass, and one that
/// fails is logged and left with its changes, without holding up the others.
pub fn refresh_changed(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    expire(conn, now)?;
    let changed: Vec<(String, i64)> = changes::table
        .group_by((changes::scope, changes::owner_id))
        .select((changes::scope, changes::owner_id))
        .order(diesel::dsl::min(changes::id))
        .limit(limit)
        .load(conn)?;
    let mut refreshed = 0;
    for (scope, owner) in changed {
        let Some(scope) = Scope::parse(&scope) else {
            continue;
        };
        match refresh(conn, scope, owner, now) {
            Ok(true) => refreshed += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, scope = scope.as_str(), owner, "could not refresh a related window");
            }
        }
    }
    Ok(refreshed)
}

/// [`refresh_changed`] until no change is left (the command line, tests); a bounded number of
/// passes, in case servers keep writing meanwhile.
pub fn refresh_all_changed(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
    const MAX_PASSES: usize = 100_000;
    for _ in 0..MAX_PASSES {
        let left: i64 = changes::table.count().get_result(conn)?;
        if left == 0 {
            break;
        }
        refresh_changed(conn, now, 50)?;
    }
    Ok(())
}

/// Records a change of every window holding an article scheduled beyond its horizon that is
/// due at `now`, so that it is recomputed as a changed one is.
fn expire(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
    let expired: Vec<(String, i64)> = windows::table
        .filter(windows::valid_until.le(now))
        .select((windows::scope, windows::owner_id))
        .load(conn)?;
    for (scope, owner) in expired {
        diesel::insert_into(changes::table)
            .values((changes::scope.eq(scope), changes::owner_id.eq(owner)))
            .execute(conn)?;
    }
    Ok(())
}

/// Recomputes window `(scope, owner)` from its listing index and stores it with the changes
/// read before it deleted, if they are all still there; answers whether it did.
fn refresh(conn: &mut DbConn, scope: Scope, owner: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let seen: Vec<i64> = changes::table
        .filter(changes::scope.eq(scope.as_str()))
        .filter(changes::owner_id.eq(owner))
        .select(changes::id)
        .limit(CHANGES_PER_REFRESH)
        .load(conn)?;
    if seen.is_empty() {
        return Ok(false);
    }
    let (split, horizon) = (now - SPLIT_MARGIN, now + HORIZON);
    let window = match scope {
        Scope::Tag => related::tag_window_to_store(conn, owner, split, horizon)?,
        Scope::Section => related::section_window_to_store(conn, owner, split, horizon)?,
    };
    let stored = db::write(conn, |conn| {
        let deleted = diesel::delete(changes::table.filter(changes::id.eq_any(&seen))).execute(conn)?;
        if deleted != seen.len() {
            // Another renderer applied some of them, maybe from older data: its window must not
            // be overwritten by this one, nor this one stored as if it saw every change.
            return Err(diesel::result::Error::RollbackTransaction);
        }
        store(conn, scope, owner, &window)
    });
    match stored {
        Ok(()) => Ok(true),
        Err(diesel::result::Error::RollbackTransaction) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A window as computed: its entries, newest first, and when the first article scheduled beyond
/// its horizon comes due (`None`: none is).
#[derive(Debug)]
pub struct Computed {
    pub entries: Vec<Entry>,
    pub valid_until: Option<NaiveDateTime>,
}

/// Stores window `(scope, owner)`; an empty one with nothing scheduled beyond it is deleted (a
/// missing window is read from its listing index, which finds nothing just as fast).
fn store(conn: &mut DbConn, scope: Scope, owner: i64, window: &Computed) -> QueryResult<()> {
    let key = windows::scope.eq(scope.as_str()).and(windows::owner_id.eq(owner));
    if window.entries.is_empty() && window.valid_until.is_none() {
        diesel::delete(windows::table.filter(key)).execute(conn)?;
        return Ok(());
    }
    let packed = pack(&window.entries);
    on_backend!(conn, |c| diesel::insert_into(windows::table)
        .values((
            windows::scope.eq(scope.as_str()),
            windows::owner_id.eq(owner),
            windows::valid_until.eq(window.valid_until),
            windows::entries.eq(&packed),
        ))
        .on_conflict((windows::scope, windows::owner_id))
        .do_update()
        .set((
            windows::valid_until.eq(window.valid_until),
            windows::entries.eq(&packed),
        ))
        .execute(c))?;
    Ok(())
}

/// Forgets every stored window and records a change of each non-empty one, so that the renderer
/// computes them all afresh: after a bulk load, which recorded a change per link it wrote.
pub fn recompute_all(conn: &mut DbConn) -> QueryResult<()> {
    diesel::delete(changes::table).execute(conn)?;
    diesel::delete(windows::table).execute(conn)?;
    diesel::sql_query(
        "INSERT INTO related_window_changes (scope, owner_id) \
         SELECT DISTINCT 'tag', tag_id FROM article_tags WHERE listed_at IS NOT NULL",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO related_window_changes (scope, owner_id) \
         SELECT DISTINCT 'section', section_id FROM articles \
         WHERE status = 'published' AND deleted_at IS NULL AND published_at IS NOT NULL",
    )
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Entry, pack, visible};

    #[test]
    fn entries_unpack_as_packed_and_read_newest_visible_first() {
        let entries = [
            Entry {
                id: 9,
                section: 2,
                at: 300,
            },
            Entry {
                id: 7,
                section: 0,
                at: 200,
            },
            Entry {
                id: 5,
                section: 3,
                at: 100,
            },
            Entry {
                id: 4,
                section: 3,
                at: -5,
            },
        ];
        let packed = pack(&entries);
        assert_eq!(packed.len(), 4 * 24);
        let all: Vec<Entry> = visible(&packed, 0, i64::MAX, 10).collect();
        assert_eq!(all, entries);
        // Not yet due (300 > 250), not the article itself (7), and no more than asked.
        let seen: Vec<i64> = visible(&packed, 7, 250, 2).map(|e| e.id).collect();
        assert_eq!(seen, [5, 4]);
    }
}
