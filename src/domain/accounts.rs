//! Editorial accounts: creation (the admin API, `dateline user create`, the bootstrap admin)
//! and the rule that e-mails are unique, case-insensitively.

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::models::user::{self, NewUser, User};
use crate::values::Role;

/// An account to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub active: bool,
}

/// Inserts an account; a taken e-mail is a 409 naming the field.
pub fn create(conn: &mut DbConn, account: &NewAccount<'_>, now: NaiveDateTime) -> Result<User, AppError> {
    let email = account.email.trim().to_lowercase();
    if user::find_by_email(conn, &email)?.is_some() {
        return Err(email_taken());
    }
    let row = NewUser {
        email: &email,
        display_name: account.display_name.trim(),
        password_hash: account.password_hash,
        role: account.role,
        active: account.active,
        created_at: now,
        updated_at: now,
    };
    Ok(user::insert(conn, &row)?)
}

pub fn email_taken() -> AppError {
    AppError::Conflict {
        detail: "Another account has this e-mail.".to_owned(),
        errors: vec![FieldError::new("email", "taken", "is used by another account")],
    }
}
