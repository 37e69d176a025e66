//! Rules shared by the section, tag and source writes: slugs and "still in use" conflicts.

use crate::content::slug::slugify;
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::models::available_slug;

/// How many dependent articles a 409 names.
pub const NAMED_IN_CONFLICT: i64 = 10;

/// The given slug if free (409 naming `slug` if not), or one made from `name` and made unique.
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
        errors: vec![FieldError::new("slug", "taken", "is already used")],
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
            .map(|slug| FieldError::new("articles", "in_use", slug))
            .collect(),
    }
}
