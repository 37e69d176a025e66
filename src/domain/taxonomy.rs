//! Writes of the simple taxonomies (tags, sources) and the slug rules sections share: one
//! implementation, generic over [`TermKind`]. A new kind declares its names and audit actions in
//! one `impl` and its table in `models::taxonomy`.

use super::Change;
use crate::content::slug::slugify;
use crate::content::text;
use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::available_slug;
use crate::models::taxonomy::{NewTerm, Term, TermChanges, TermTable};
pub use crate::models::taxonomy::{Sources, Tags};
use crate::values::AuditAction::{self, *};

/// How many dependent articles a 409 names.
pub const NAMED_IN_CONFLICT: i64 = 10;

/// A kind of simple taxonomy: its table (with its names) and its audit actions.
pub trait TermKind: TermTable {
    /// The audit actions of create, update and delete.
    const ACTIONS: [AuditAction; 3];

    /// Resolves slugs to ids; each unknown one is reported in `invalid` as `field[index]`.
    fn resolve_slugs(
        conn: &mut DbConn,
        slugs: &[String],
        invalid: &mut Vec<FieldError>,
    ) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::with_capacity(slugs.len());
        for (index, slug) in slugs.iter().enumerate() {
            match Self::find_by_slug(conn, slug)? {
                Some(term) => ids.push(term.id),
                None => invalid.push(FieldError::new(
                    format!("{}[{index}]", Self::FIELD),
                    FieldCode::NotFound,
                    format!("no {} has the slug `{slug}`", Self::NOUN),
                )),
            }
        }
        Ok(ids)
    }
}

impl TermKind for Tags {
    const ACTIONS: [AuditAction; 3] = [TagCreate, TagUpdate, TagDelete];
}

impl TermKind for Sources {
    const ACTIONS: [AuditAction; 3] = [SourceCreate, SourceUpdate, SourceDelete];
}

/// A term as a create gives it (already validated).
#[derive(Debug, Clone, Default)]
pub struct TermFields {
    pub slug: Option<String>,
    pub name: String,
    pub extra: Option<String>,
    pub seo_title: Option<String>,
    pub meta_description: Option<String>,
}

/// Changes to a term: absent fields stay; `extra: Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct TermPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub extra: Option<Option<String>>,
    pub seo_title: Option<Option<String>>,
    pub meta_description: Option<Option<String>>,
}

/// A blank SEO override is none: the page falls back on its own name or description.
pub fn blank_is_none(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The term `slug` of kind `K`, or 404.
pub fn find<K: TermKind>(conn: &mut DbConn, slug: &str) -> Result<Term, AppError> {
    K::find_by_slug(conn, slug)?.ok_or_else(not_found::<K>)
}

pub fn not_found<K: TermKind>() -> AppError {
    AppError::not_found(format!("No {} has this slug.", K::NOUN))
}

/// Creates a term; its slug is the one given (409 if taken) or made from the name.
pub fn create<K: TermKind>(
    conn: &mut DbConn,
    change: Change<'_>,
    fields: TermFields,
) -> Result<Term, AppError> {
    let name = text::name(&fields.name);
    let slug = choose_slug(conn, None, fields.slug.as_deref(), &name, K::NOUN, K::slug_exists)?;
    let new = NewTerm {
        slug: &slug,
        name: &name,
        extra: fields.extra.as_deref(),
        seo_title: blank_is_none(fields.seo_title.as_deref()),
        meta_description: blank_is_none(fields.meta_description.as_deref()),
        at: change.at,
    };
    let saved = K::insert(conn, &new)?;
    change.audit(conn, K::ACTIONS[0], saved.id, Some(saved.slug.clone()))?;
    Ok(saved)
}

/// Applies `patch` to `current`, claiming its next version: a write that lost a race to another
/// one is 412 (its `current` body left for the HTTP layer to fill) and writes nothing.
pub fn update<K: TermKind>(
    conn: &mut DbConn,
    change: Change<'_>,
    current: &Term,
    patch: TermPatch,
) -> Result<Term, AppError> {
    let slug = choose_slug(
        conn,
        Some(&current.slug),
        patch.slug.as_deref(),
        &current.name,
        K::NOUN,
        K::slug_exists,
    )?;
    let changes = TermChanges {
        slug: Some(slug),
        name: patch.name.as_deref().map(text::name),
        extra: patch.extra,
        updated_at: Some(change.at),
        version: Some(current.version + 1),
        seo_title: patch
            .seo_title
            .map(|v| blank_is_none(v.as_deref()).map(str::to_owned)),
        meta_description: patch
            .meta_description
            .map(|v| blank_is_none(v.as_deref()).map(str::to_owned)),
    };
    let saved = K::update(conn, current.id, current.version, &changes).map_err(|e| match e {
        diesel::result::Error::NotFound => super::stale(current.version + 1),
        other => other.into(),
    })?;
    change.audit(conn, K::ACTIONS[1], saved.id, Some(saved.slug.clone()))?;
    Ok(saved)
}

/// Deletes `current`; the caller checks first that no article lists it ([`check_unused`]),
/// and when (before or after its own preconditions).
pub fn delete<K: TermKind>(conn: &mut DbConn, change: Change<'_>, current: &Term) -> Result<(), AppError> {
    K::delete(conn, current.id)?;
    change.audit(conn, K::ACTIONS[2], current.id, Some(current.slug.clone()))
}

/// 409 when articles still list `current`.
pub fn check_unused<K: TermKind>(conn: &mut DbConn, current: &Term) -> Result<(), AppError> {
    let (slugs, count) = K::articles_using(conn, current.id, NAMED_IN_CONFLICT)?;
    if count > 0 {
        return Err(still_used_by_articles(K::NOUN, slugs, count));
    }
    Ok(())
}

/// The id of the term `slug`, created with `name` (and `extra`) if there is none: for imports
/// and seeding, which name terms rather than refer to existing ones. Not audited: the article
/// write that needs the term is.
pub fn ensure<K: TermKind>(
    conn: &mut DbConn,
    slug: &str,
    name: &str,
    extra: Option<&str>,
    at: chrono::NaiveDateTime,
) -> diesel::QueryResult<i64> {
    if let Some(existing) = K::find_by_slug(conn, slug)? {
        return Ok(existing.id);
    }
    let new = NewTerm {
        slug,
        name: &text::name(name),
        extra,
        seo_title: None,
        meta_description: None,
        at,
    };
    Ok(K::insert(conn, &new)?.id)
}

/// The given slug if free (409 naming `slug` if not), the current one, or one made from `name`
/// and made unique. Sections share it.
pub fn choose_slug(
    conn: &mut DbConn,
    current: Option<&str>,
    given: Option<&str>,
    name: &str,
    fallback: &str,
    mut exists: impl FnMut(&mut DbConn, &str) -> diesel::QueryResult<bool>,
) -> Result<String, AppError> {
    match (given, current) {
        (Some(given), current) => {
            if current != Some(given) && exists(conn, given)? {
                return Err(slug_taken());
            }
            Ok(given.to_owned())
        }
        (None, Some(current)) => Ok(current.to_owned()),
        (None, None) => {
            // A name with nothing to transliterate (some scripts) still gets a usable slug.
            let base = Some(slugify(name))
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| fallback.to_owned());
            Ok(available_slug(&base, |candidate| exists(conn, candidate))?)
        }
    }
}

pub fn slug_taken() -> AppError {
    AppError::Conflict {
        detail: "Another resource of this kind has this slug.".to_owned(),
        errors: vec![FieldError::new("slug", FieldCode::Taken, "is already used")],
    }
}

/// 409: `what` cannot be deleted while articles use it; names the first few of them.
pub fn still_used_by_articles(what: &str, slugs: Vec<String>, count: i64) -> AppError {
    let more = if count > slugs.len() as i64 {
        format!(" and {} more", count - slugs.len() as i64)
    } else {
        String::new()
    };
    AppError::Conflict {
        detail: format!(
            "This {what} is used by {count} article(s): {}{more}. Move or delete them first.",
            slugs.join(", ")
        ),
        errors: slugs
            .into_iter()
            .map(|slug| FieldError::new("articles", FieldCode::InUse, slug))
            .collect(),
    }
}
