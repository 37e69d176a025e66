//! Section writes and their rules: unique slugs, a tree without cycles, and no deletion while
//! sub-sections or articles depend on a section.

use super::Change;
use super::taxonomy::{NAMED_IN_CONFLICT, blank_is_none, choose_slug, still_used_by_articles};
use crate::content::text;
use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::article;
use crate::models::section::{self, NewSection, Section, SectionChanges, SectionTree};
use crate::values::AuditAction;

/// A section as a create gives it (already validated). `parent` is a slug.
#[derive(Debug, Clone, Default)]
pub struct SectionFields {
    pub slug: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub parent: Option<String>,
    pub position: Option<i32>,
    pub seo_title: Option<String>,
    pub meta_description: Option<String>,
}

/// Changes to a section: absent fields stay; `Some(None)` clears (`parent`: moves to the top).
#[derive(Debug, Clone, Default)]
pub struct SectionPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub parent: Option<Option<String>>,
    pub position: Option<i32>,
    pub seo_title: Option<Option<String>>,
    pub meta_description: Option<Option<String>>,
}

pub fn not_found() -> AppError {
    AppError::not_found("No section has this slug.")
}

/// The section `slug` in `tree`, or 404.
pub fn find<'t>(tree: &'t SectionTree, slug: &str) -> Result<&'t Section, AppError> {
    tree.by_slug(slug).ok_or_else(not_found)
}

/// Creates a section under its parent (422 naming `parent` if there is no such section).
pub fn create(conn: &mut DbConn, change: Change<'_>, fields: SectionFields) -> Result<Section, AppError> {
    let tree = section::load_tree(conn)?;
    let parent_id = fields
        .parent
        .as_deref()
        .map(|p| resolve_parent(&tree, p))
        .transpose()?;
    let name = text::name(&fields.name);
    let slug = choose_slug(
        conn,
        None,
        fields.slug.as_deref(),
        &name,
        "section",
        section::slug_exists,
    )?;
    let new = NewSection {
        slug: &slug,
        name: &name,
        description: fields.description.as_deref(),
        parent_id,
        position: fields.position.unwrap_or(0),
        created_at: change.at,
        updated_at: change.at,
        seo_title: blank_is_none(fields.seo_title.as_deref()),
        meta_description: blank_is_none(fields.meta_description.as_deref()),
    };
    let saved = section::insert(conn, &new)?;
    change.audit(
        conn,
        AuditAction::SectionCreate,
        saved.id,
        Some(saved.slug.clone()),
    )?;
    Ok(saved)
}

/// Applies `patch` to `current`, claiming its next version: a write that lost a race is 412
/// (its body left for the HTTP layer) and a move under itself is 409.
pub fn update(
    conn: &mut DbConn,
    change: Change<'_>,
    tree: &SectionTree,
    current: &Section,
    patch: SectionPatch,
) -> Result<Section, AppError> {
    let parent_id = match &patch.parent {
        None => None,
        Some(None) => Some(None),
        Some(Some(parent)) => Some(Some(checked_parent(conn, tree, current, parent)?)),
    };
    let slug = choose_slug(
        conn,
        Some(&current.slug),
        patch.slug.as_deref(),
        &current.name,
        "section",
        section::slug_exists,
    )?;
    let changes = SectionChanges {
        slug: Some(slug),
        name: patch.name.as_deref().map(text::name),
        description: patch.description,
        parent_id,
        position: patch.position,
        updated_at: Some(change.at),
        version: Some(current.version + 1),
        seo_title: patch
            .seo_title
            .map(|v| blank_is_none(v.as_deref()).map(str::to_owned)),
        meta_description: patch
            .meta_description
            .map(|v| blank_is_none(v.as_deref()).map(str::to_owned)),
    };
    let saved = section::update(conn, current.id, current.version, &changes).map_err(|e| match e {
        diesel::result::Error::NotFound => super::stale(current.version + 1),
        other => other.into(),
    })?;
    change.audit(
        conn,
        AuditAction::SectionUpdate,
        saved.id,
        Some(saved.slug.clone()),
    )?;
    Ok(saved)
}

/// 409 while `current` has sub-sections or articles, naming the first few.
pub fn check_unused(conn: &mut DbConn, tree: &SectionTree, current: &Section) -> Result<(), AppError> {
    let children = tree.children(current.id);
    if !children.is_empty() {
        let names: Vec<&str> = children.iter().map(|c| c.slug.as_str()).collect();
        return Err(AppError::Conflict {
            detail: format!(
                "This section has sub-sections: {}. Move or delete them first.",
                names.join(", ")
            ),
            errors: names
                .iter()
                .map(|c| FieldError::new("children", FieldCode::InUse, *c))
                .collect(),
        });
    }
    let (slugs, count) = article::in_section(conn, current.id, NAMED_IN_CONFLICT)?;
    if count > 0 {
        return Err(still_used_by_articles("section", slugs, count));
    }
    Ok(())
}

/// Deletes `current` (checked unused by [`check_unused`] first).
pub fn delete(conn: &mut DbConn, change: Change<'_>, current: &Section) -> Result<(), AppError> {
    section::delete(conn, current.id)?;
    change.audit(
        conn,
        AuditAction::SectionDelete,
        current.id,
        Some(current.slug.clone()),
    )
}

fn resolve_parent(tree: &SectionTree, slug: &str) -> Result<i64, AppError> {
    tree.by_slug(slug)
        .map(|p| p.id)
        .ok_or_else(|| AppError::invalid_field("parent", FieldCode::NotFound, "no section has this slug"))
}

/// The new parent's id, unless the move would put `section` under itself (409).
/// "Below" is read from the tree's closure, the one the section listings are kept by.
fn checked_parent(
    conn: &mut DbConn,
    tree: &SectionTree,
    section: &Section,
    parent: &str,
) -> Result<i64, AppError> {
    let parent_id = resolve_parent(tree, parent)?;
    // Staying under the same parent moves nothing, and takes no lock on the tree.
    if section.parent_id != Some(parent_id) && section::is_within(conn, parent_id, section.id)? {
        return Err(AppError::Conflict {
            detail: "A section cannot move under itself or one of its sub-sections.".to_owned(),
            errors: vec![FieldError::new(
                "parent",
                FieldCode::Cycle,
                "would make a cycle in the tree",
            )],
        });
    }
    Ok(parent_id)
}

/// The slug of the section at the end of `path` (`(slug, name)` from the root down), creating
/// the missing ones on the way, each under the one before (imports name sections by path).
pub fn ensure_path(
    conn: &mut DbConn,
    path: &[(String, String)],
    now: chrono::NaiveDateTime,
) -> Result<String, AppError> {
    let mut parent_id = None;
    for (slug, name) in path {
        let id = match section::find_by_slug(conn, slug)? {
            Some(existing) => existing.id,
            None => {
                section::insert(
                    conn,
                    &NewSection {
                        slug,
                        name: &text::name(name),
                        description: None,
                        parent_id,
                        position: 0,
                        created_at: now,
                        updated_at: now,
                        seo_title: None,
                        meta_description: None,
                    },
                )?
                .id
            }
        };
        parent_id = Some(id);
    }
    path.last()
        .map(|(slug, _)| slug.clone())
        .ok_or_else(|| AppError::invalid_field("section", FieldCode::Required, "an article needs a section"))
}
