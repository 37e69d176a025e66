//! Author profiles: who may edit one, and the rules a profile keeps (a unique slug, lists
//! validated before they are stored).

use super::Change;
use crate::auth::{AuthUser, Role};
use crate::db::DbConn;
use crate::domain::site::SocialLink;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::author::{self, Profile};
use crate::models::user;
use crate::values::AuditAction;

/// A whole profile, as a write gives it.
#[derive(Debug, Clone)]
pub struct ProfileFields {
    pub slug: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub job_title: Option<String>,
    pub social_links: Vec<SocialLink>,
    pub public: bool,
}

/// Admins edit every profile; everyone else only their own.
pub fn check_may_edit(caller: &AuthUser, user_id: i64) -> Result<(), AppError> {
    if caller.role == Role::Admin || caller.id == user_id {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only admins edit other people's author profiles.",
        ))
    }
}

/// Creates or replaces the profile of account `user_id` (404 if there is no such account). The
/// caller checked If-Match against `current`. A slug held by another profile is 409.
pub fn save(
    conn: &mut DbConn,
    change: Change<'_>,
    user_id: i64,
    current: Option<&Profile>,
    fields: ProfileFields,
) -> Result<Profile, AppError> {
    if user::find(conn, user_id)?.is_none() {
        return Err(super::accounts::not_found());
    }
    if author::user_with_slug(conn, &fields.slug)?.is_some_and(|owner| owner != user_id) {
        return Err(AppError::Conflict {
            detail: "Another author profile has this slug.".to_owned(),
            errors: vec![FieldError::new(
                "slug",
                FieldCode::Taken,
                "is used by another author profile",
            )],
        });
    }
    let trimmed = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let profile = Profile {
        user_id,
        slug: fields.slug,
        bio: trimmed(fields.bio),
        avatar_url: fields.avatar_url,
        job_title: trimmed(fields.job_title),
        social_links: serde_json::to_string(&fields.social_links).map_err(AppError::internal)?,
        public: fields.public,
        version: current.map_or(1, |p| p.version + 1),
        updated_at: change.at,
    };
    // A concurrent write that read the same version loses here (412), as with If-Match.
    let saved = author::upsert(conn, &profile, current.map(|p| p.version))?
        .ok_or_else(|| super::stale(profile.version))?;
    change.audit(conn, AuditAction::AuthorUpdate, user_id, Some(saved.slug.clone()))?;
    Ok(saved)
}

/// The stored social links, read back (they were validated when stored).
pub fn social_links(profile: &Profile) -> Vec<SocialLink> {
    serde_json::from_str(&profile.social_links).unwrap_or_default()
}
