//! Sections: a tree ("Home > World News") with an order among siblings.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{section_ancestors, sections};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sections)]
pub struct Section {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub seo_title: Option<String>,
    pub meta_description: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sections)]
pub struct NewSection<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub seo_title: Option<&'a str>,
    pub meta_description: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, new: &NewSection<'_>) -> QueryResult<Section> {
    diesel::insert_into(sections::table)
        .values(new)
        .returning(sections::all_columns)
        .get_result(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Section>> {
    sections::table
        .filter(sections::slug.eq(slug))
        .select(Section::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Section>> {
    sections::table
        .find(id)
        .select(Section::as_select())
        .first(conn)
        .optional()
}

pub fn slug_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sections::table.filter(sections::slug.eq(slug)),
    ))
    .get_result(conn)
}

/// Changes to a section; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sections)]
pub struct SectionChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub parent_id: Option<Option<i64>>,
    pub position: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
    pub seo_title: Option<Option<String>>,
    pub meta_description: Option<Option<String>>,
}

/// Applies `changes` if the stored version is still `expected`; `NotFound` when another write
/// moved it on first.
pub fn update(conn: &mut DbConn, id: i64, expected: i32, changes: &SectionChanges) -> QueryResult<Section> {
    diesel::update(
        sections::table
            .filter(sections::id.eq(id))
            .filter(sections::version.eq(expected)),
    )
    .set(changes)
    .returning(sections::all_columns)
    .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(sections::table.find(id)).execute(conn)
}

/// Every section. Sections number in the tens or hundreds, so the tree is built in memory
/// from one query rather than walked with one query per level.
pub fn load_tree(conn: &mut DbConn) -> QueryResult<SectionTree> {
    let all = sections::table
        .select(Section::as_select())
        .order((sections::position, sections::name, sections::id))
        .load(conn)?;
    Ok(SectionTree::new(all))
}

/// A section named by slug, and one section of its subtree (itself included).
#[derive(Debug, Queryable)]
pub struct InSubtree {
    pub slug: String,
    pub root: i64,
    pub id: i64,
}

/// Each section named in `slugs` with every section of its subtree, read from the tree's
/// closure (`section_ancestors`): what a list filtered by section needs on every request. Loading
/// every section's links and walking them was an eighth of a section page's CPU. A slug that
/// names no section has no rows.
pub fn subtrees_by_slugs(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<InSubtree>> {
    let closure = sections::table
        .inner_join(section_ancestors::table.on(section_ancestors::ancestor_id.eq(sections::id)));
    let columns = (sections::slug, sections::id, section_ancestors::section_id);
    match slugs {
        [] => Ok(Vec::new()),
        // One slug as an equality: a statement of a fixed type, which diesel keeps prepared.
        [one] => crate::db::load(conn, closure.filter(sections::slug.eq(one)).select(columns)),
        _ => closure
            .filter(sections::slug.eq_any(slugs))
            .select(columns)
            .load(conn),
    }
}

/// Whether `section_id` is `ancestor_id` or lies below it, from the tree's closure.
///
/// On PostgreSQL, asked before moving a section under `section_id`, it first takes the closure in
/// the mode a move's trigger takes it (EXCLUSIVE), so two moves that would each be fine alone
/// (A under B, B under A) run one after the other and the second sees the first: without it both
/// could pass and commit a cycle. The lock is held to the end of the transaction, which moves the
/// section next anyway. Before it, the new parent's row is held as the move's foreign key will
/// hold it: deleting that section locks its row, then the closure, and taking them the other
/// way round could deadlock with it.
pub fn is_within(conn: &mut DbConn, section_id: i64, ancestor_id: i64) -> QueryResult<bool> {
    if crate::db::is_postgres(conn) {
        // An id, formatted: nothing a client wrote reaches the statement's text.
        diesel::sql_query(format!(
            "SELECT 1 FROM sections WHERE id = {section_id} FOR KEY SHARE"
        ))
        .execute(conn)?;
        diesel::sql_query("LOCK TABLE section_ancestors IN EXCLUSIVE MODE").execute(conn)?;
    }
    diesel::select(diesel::dsl::exists(
        section_ancestors::table
            .filter(section_ancestors::section_id.eq(section_id))
            .filter(section_ancestors::ancestor_id.eq(ancestor_id)),
    ))
    .get_result(conn)
}

/// All sections, indexed for breadcrumbs, children and subtree lookups.
#[derive(Debug, Clone)]
pub struct SectionTree {
    sections: Vec<Section>,
    index_by_id: HashMap<i64, usize>,
}

impl SectionTree {
    /// `sections` must already be in sibling order (position, then name).
    pub fn new(sections: Vec<Section>) -> Self {
        let index_by_id = sections.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        Self {
            sections,
            index_by_id,
        }
    }

    pub fn get(&self, id: i64) -> Option<&Section> {
        self.index_by_id.get(&id).map(|&i| &self.sections[i])
    }

    pub fn by_slug(&self, slug: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.slug == slug)
    }

    /// From the root down to `id` itself. Stops on a cycle rather than looping.
    pub fn breadcrumb(&self, id: i64) -> Vec<&Section> {
        let mut path = Vec::new();
        let mut current = self.get(id);
        while let Some(section) = current {
            if path.iter().any(|s: &&Section| s.id == section.id) {
                break;
            }
            path.push(section);
            current = section.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    pub fn children(&self, id: i64) -> Vec<&Section> {
        self.sections.iter().filter(|s| s.parent_id == Some(id)).collect()
    }

    /// Depth-first, siblings in order: the order of a navigation menu. Each with its depth.
    pub fn in_tree_order(&self) -> Vec<(&Section, usize)> {
        let mut ordered = Vec::with_capacity(self.sections.len());
        let mut stack: Vec<(&Section, usize)> = self
            .sections
            .iter()
            .filter(|s| s.parent_id.is_none_or(|p| self.get(p).is_none()))
            .rev()
            .map(|s| (s, 0))
            .collect();
        while let Some((section, depth)) = stack.pop() {
            if ordered
                .iter()
                .any(|(s, _): &(&Section, usize)| s.id == section.id)
            {
                continue;
            }
            ordered.push((section, depth));
            stack.extend(
                self.children(section.id)
                    .into_iter()
                    .rev()
                    .map(|c| (c, depth + 1)),
            );
        }
        ordered
    }
}
