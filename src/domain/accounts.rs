//! Editorial accounts: creation (the admin API, `dateline user create`, the bootstrap admin)
//! and the rules: e-mails are unique (case-insensitively), one active admin always remains (also
//! when admins change each other at the same moment), and a new role, password or active flag
//! ends the account's sessions.

use super::Change;
use crate::content::text;
use crate::db::DbConn;
use crate::error::{AppError, FieldCode, FieldError};
use crate::models::session;
use crate::models::user::{self, NewUser, User, UserChanges};
use crate::values::{AuditAction, Role};

/// An account to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub active: bool,
}

/// The rules a new account's own fields follow, for callers that did not validate them as a
/// request body (the command line, the bootstrap admin): 422 naming each bad field.
pub fn check_new(email: &str, display_name: &str, password: &str) -> Result<(), AppError> {
    use validator::ValidateEmail;
    let mut invalid = Vec::new();
    if !email.validate_email() {
        invalid.push(FieldError::new(
            "email",
            FieldCode::Email,
            format!("`{email}` is not an e-mail address"),
        ));
    }
    if display_name.trim().is_empty() || display_name.chars().any(char::is_control) {
        invalid.push(FieldError::new(
            "display_name",
            FieldCode::Required,
            "must not be empty",
        ));
    } else if display_name.chars().any(text::is_invisible_format) {
        invalid.push(FieldError::new(
            "display_name",
            FieldCode::InvisibleCharacters,
            text::INVISIBLE_MESSAGE,
        ));
    }
    if let Some(problem) = crate::auth::password::problem(password) {
        invalid.push(FieldError::new("password", FieldCode::Weak, problem));
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(invalid))
    }
}

/// Inserts an account and records who created it; a taken e-mail is a 409 naming the field.
pub fn create(conn: &mut DbConn, change: Change<'_>, account: &NewAccount<'_>) -> Result<User, AppError> {
    let now = change.at;
    let email = account.email.trim().to_lowercase();
    if user::find_by_email(conn, &email)?.is_some() {
        return Err(email_taken());
    }
    let row = NewUser {
        email: &email,
        display_name: &text::name(account.display_name),
        password_hash: account.password_hash,
        role: account.role,
        active: account.active,
        created_at: now,
        updated_at: now,
    };
    let created = user::insert(conn, &row)?;
    let role = Some(account.role.as_str().to_owned());
    change.audit(conn, AuditAction::UserCreate, created.id, role)?;
    Ok(created)
}

pub fn email_taken() -> AppError {
    AppError::Conflict {
        detail: "Another account has this e-mail.".to_owned(),
        errors: vec![FieldError::new(
            "email",
            FieldCode::Taken,
            "is used by another account",
        )],
    }
}

/// Changes to an account: absent fields stay. The password is already hashed.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
}

impl AccountChanges {
    /// The names of the fields the change touches (never their values: passwords stay out of
    /// the audit log).
    fn field_names(&self) -> String {
        let fields = [
            ("email", self.email.is_some()),
            ("display_name", self.display_name.is_some()),
            ("role", self.role.is_some()),
            ("active", self.active.is_some()),
            ("password", self.password_hash.is_some()),
        ];
        let set: Vec<&str> = fields
            .iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| *name)
            .collect();
        set.join(",")
    }
}

pub fn not_found() -> AppError {
    AppError::not_found("No user has this id.")
}

fn last_admin() -> AppError {
    AppError::conflict("This would leave no active admin; make another admin first.")
}

/// Changes account `id`; a new role, password or active flag also ends its sessions.
pub fn update(
    conn: &mut DbConn,
    change: Change<'_>,
    id: i64,
    edit: AccountChanges,
) -> Result<User, AppError> {
    if edit.role.is_some() || edit.active == Some(false) {
        // Before the account is read, so the last-admin rule below sees every earlier change.
        user::lock_active_admins(conn)?;
    }
    let current = user::find(conn, id)?.ok_or_else(not_found)?;
    let email = edit.email.as_ref().map(|e| e.trim().to_lowercase());
    if let Some(email) = &email
        && *email != current.email
        && user::find_by_email(conn, email)?.is_some()
    {
        return Err(email_taken());
    }
    let loses_admin = current.role == Role::Admin
        && current.active
        && (edit.role.is_some_and(|r| r != Role::Admin) || edit.active == Some(false));
    if loses_admin && user::other_active_admins(conn, id)? == 0 {
        return Err(last_admin());
    }
    let ends_sessions = edit.password_hash.is_some()
        || edit.role.is_some_and(|r| r != current.role)
        || edit.active.is_some_and(|a| a != current.active);
    let details = edit.field_names();
    let changes = UserChanges {
        email,
        display_name: edit.display_name.as_deref().map(text::name),
        password_hash: edit.password_hash,
        role: edit.role,
        active: edit.active,
        token_version: ends_sessions.then_some(current.token_version + 1),
        updated_at: Some(change.at),
    };
    let updated = user::update(conn, id, &changes)?;
    if ends_sessions {
        session::revoke_all_for_user(conn, id, change.at)?;
    }
    change.audit(conn, AuditAction::UserUpdate, id, Some(details))?;
    Ok(updated)
}

/// Deletes account `id`, unless it is the last active admin. Its articles stay, without an
/// author; its sessions go with it (ON DELETE CASCADE), so its tokens fail at once.
pub fn delete(conn: &mut DbConn, change: Change<'_>, id: i64) -> Result<(), AppError> {
    user::lock_active_admins(conn)?;
    let current = user::find(conn, id)?.ok_or_else(not_found)?;
    if current.role == Role::Admin && current.active && user::other_active_admins(conn, id)? == 0 {
        return Err(last_admin());
    }
    user::delete(conn, id)?;
    change.audit(conn, AuditAction::UserDelete, id, Some(current.email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_refuses_invisible_characters_in_a_display_name() {
        let refused = check_new("ed@example.com", "Ed\u{200B}itor", "long enough password");
        let Err(AppError::Validation(errors)) = refused else {
            panic!("accepted: {refused:?}");
        };
        assert_eq!(errors[0].field, "display_name");
        assert_eq!(errors[0].code, "invisible_characters");
        assert!(check_new("ed@example.com", "Editor", "long enough password").is_ok());
    }
}
