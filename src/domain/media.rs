//! The media library's rules: who sees and changes an item, the editorial fields an image needs
//! (alt text unless decorative), and that an item in use is never deleted.

use super::Change;
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::media::{self, Editorial, Media, NewMedia};
use crate::models::taxonomy::{Sources, TermTable};
use crate::values::AuditAction;

/// The editorial fields of an item, whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaFields {
    pub alt: Option<String>,
    /// An image that only decorates (no alt text; screen readers skip it).
    pub decorative: bool,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// The agency source's slug.
    pub source: Option<String>,
    /// Where the subject is, for crops: (x, y), each in 0..=1 from the top left.
    pub focal_point: (f64, f64),
}

impl MediaFields {
    /// As stored on `item`; `source` is the slug of `item.source_id`.
    pub fn of(item: &Media, source: Option<String>) -> Self {
        Self {
            alt: item.alt.clone(),
            decorative: item.decorative,
            caption: item.caption.clone(),
            credit: item.credit.clone(),
            source,
            focal_point: (item.focal_x, item.focal_y),
        }
    }
}

/// What an upload stores besides its editorial fields.
#[derive(Debug, Clone)]
pub struct Upload {
    pub folder: String,
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// JSON of [`media::Files`].
    pub files: String,
}

pub fn not_found() -> AppError {
    AppError::not_found("No media item has this id.")
}

/// Editors and admins see every item; authors only their own (others' are 404 to them).
pub fn check_may_see(caller: &AuthUser, item: &Media) -> Result<(), AppError> {
    if caller.role.is_editorial() || item.uploaded_by == Some(caller.id) {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// The rules of the editorial fields; the source's id when one is named.
fn check_fields(conn: &mut DbConn, fields: &MediaFields) -> Result<Option<i64>, AppError> {
    let mut invalid = Vec::new();
    let alt = fields.alt.as_deref().map(str::trim).filter(|a| !a.is_empty());
    match (alt, fields.decorative) {
        (None, false) => invalid.push(FieldError::new(
            "alt",
            FieldCode::Required,
            "describe the image for readers who cannot see it, or mark it decorative",
        )),
        (Some(_), true) => invalid.push(FieldError::new(
            "alt",
            FieldCode::NotAllowed,
            "a decorative image has no alt text",
        )),
        _ => {}
    }
    let (x, y) = fields.focal_point;
    for (name, value) in [("focal_point.x", x), ("focal_point.y", y)] {
        if !(0.0..=1.0).contains(&value) {
            invalid.push(FieldError::new(
                name,
                FieldCode::OutOfRange,
                "must be between 0 and 1",
            ));
        }
    }
    let source_id = match &fields.source {
        Some(slug) => {
            let found = Sources::find_by_slug(conn, slug)?.map(|s| s.id);
            if found.is_none() {
                invalid.push(FieldError::new(
                    "source",
                    FieldCode::NotFound,
                    "no source has this slug",
                ));
            }
            found
        }
        None => None,
    };
    if invalid.is_empty() {
        Ok(source_id)
    } else {
        Err(AppError::Validation(invalid))
    }
}

/// Checks the editorial fields before the (costly) processing of an upload.
pub fn check_upload(conn: &mut DbConn, fields: &MediaFields) -> Result<(), AppError> {
    check_fields(conn, fields).map(drop)
}

/// Records an upload whose files are all stored.
pub fn create(
    conn: &mut DbConn,
    change: Change<'_>,
    upload: &Upload,
    fields: &MediaFields,
) -> Result<Media, AppError> {
    let source_id = check_fields(conn, fields)?;
    let editorial = editorial(fields, source_id, change);
    let item = media::insert(
        conn,
        &NewMedia {
            folder: &upload.folder,
            kind: "image",
            format: upload.format,
            width: dimension(upload.width)?,
            height: dimension(upload.height)?,
            bytes: i64::try_from(upload.bytes).map_err(AppError::internal)?,
            files: &upload.files,
            uploaded_by: change.user_id(),
            created_at: change.at,
            editorial,
        },
    )?;
    change.audit(conn, AuditAction::MediaUpload, item.id, item.alt.clone())?;
    Ok(item)
}

fn dimension(value: u32) -> Result<i32, AppError> {
    i32::try_from(value).map_err(AppError::internal)
}

fn editorial<'a>(fields: &'a MediaFields, source_id: Option<i64>, change: Change<'_>) -> Editorial<'a> {
    let trimmed = |v: &'a Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty());
    Editorial {
        alt: trimmed(&fields.alt),
        decorative: fields.decorative,
        caption: trimmed(&fields.caption),
        credit: trimmed(&fields.credit),
        source_id,
        focal_x: fields.focal_point.0,
        focal_y: fields.focal_point.1,
        updated_at: change.at,
    }
}

/// Replaces the editorial fields of `current` (whose version the caller checked).
pub fn update(
    conn: &mut DbConn,
    change: Change<'_>,
    current: &Media,
    fields: &MediaFields,
) -> Result<Media, AppError> {
    let source_id = check_fields(conn, fields)?;
    let saved = media::update(
        conn,
        current.id,
        current.version,
        &editorial(fields, source_id, change),
    )?
    .ok_or_else(|| super::stale(current.version + 1))?;
    change.audit(conn, AuditAction::MediaUpdate, saved.id, saved.alt.clone())?;
    Ok(saved)
}

/// Deletes the row of `current` unless an article or the site settings use it (409 naming
/// them); the caller removes
/// the files once this commits.
pub fn delete(conn: &mut DbConn, change: Change<'_>, current: &Media) -> Result<(), AppError> {
    let mut users: Vec<String> = media::used_by(conn, current.id)?
        .into_iter()
        .map(|slug| format!("the article `{slug}`"))
        .collect();
    let site = crate::models::site::load(conn)?;
    if site.logo_media_id == Some(current.id) {
        users.push("the site's logo".to_owned());
    }
    if site.social_image_media_id == Some(current.id) {
        users.push("the site's default share image".to_owned());
    }
    if !users.is_empty() {
        return Err(AppError::Conflict {
            detail: format!(
                "This image is in use by {}. Choose another image there first.",
                users.join(", ")
            ),
            errors: users
                .iter()
                .map(|user| FieldError::new("used_by", FieldCode::InUse, format!("used by {user}")))
                .collect(),
        });
    }
    // An article that named the item since the check above (PostgreSQL's READ COMMITTED) makes
    // the foreign key refuse: the same 409.
    media::delete(conn, current.id).map_err(|e| match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _) => {
            AppError::conflict("This image came into use while it was being deleted; nothing was deleted.")
        }
        other => other.into(),
    })?;
    change.audit(conn, AuditAction::MediaDelete, current.id, current.alt.clone())
}
