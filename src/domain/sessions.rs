//! Sessions: signing in (password check, failed attempts audited), rotating refresh tokens
//! (a reused one revokes the whole session, as theft), and signing out.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rand::RngCore;

use super::Change;
use crate::auth::jwt::TokenKeys;
use crate::auth::password;
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::audit::{self, Event};
use crate::models::session;
use crate::models::user::{self, User};
use crate::values::AuditAction;

/// How tokens are made: the signing keys and the lifetimes of both kinds of token.
#[derive(Clone, Copy)]
pub struct TokenPolicy<'a> {
    pub keys: &'a TokenKeys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// What a sign-in or a rotation hands out.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
}

/// The active account `email` whose password is `password`, or `None`; a refusal is recorded in
/// the audit log with the client's address hash (and the account, when one has the e-mail).
/// Hashes even for an unknown e-mail, so timing does not tell which e-mails exist.
pub fn check_password(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    client_hash: &str,
    at: NaiveDateTime,
) -> Result<Option<User>, AppError> {
    let user = user::find_by_email(conn, email)?;
    let known_id = user.as_ref().map(|u| u.id);
    let accepted = match user {
        Some(user) if password::verify(password, &user.password_hash) && user.active => Some(user),
        Some(_) => None,
        None => {
            password::verify_against_nothing(password);
            None
        }
    };
    if accepted.is_none() {
        record_sign_in(conn, AuditAction::AuthLoginFailed, known_id, client_hash, at)?;
    }
    Ok(accepted)
}

/// Opens a session for `user` and hands out its first tokens.
pub fn sign_in(
    conn: &mut DbConn,
    policy: TokenPolicy<'_>,
    user: &User,
    client_hash: &str,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, AppError> {
    let at = now.naive_utc();
    let session_id = session::create(conn, user.id, at, at + policy.refresh_ttl)?;
    let issued = issue(conn, policy, session_id, user, now)?;
    record_sign_in(conn, AuditAction::AuthLogin, Some(user.id), client_hash, at)?;
    Ok(issued)
}

/// Rotates `token`: new tokens, and this one stops working. `Ok(None)` when it is unknown,
/// expired, revoked or its account inactive; a token presented twice revokes its session and
/// is audited with the presenter's address hash (both commit although the answer is a refusal).
pub fn rotate(
    conn: &mut DbConn,
    policy: TokenPolicy<'_>,
    token: &str,
    client_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<IssuedTokens>, AppError> {
    let at = now.naive_utc();
    let Some((stored, session)) = session::find_refresh_token(conn, token)? else {
        return Ok(None);
    };
    if session.revoked_at.is_some() || session.expires_at <= at {
        return Ok(None);
    }
    if !session::mark_used(conn, stored.id, at)? {
        // Reuse of a rotated token: someone else holds a copy. End the session.
        tracing::warn!(session_id = session.id, "refresh token reused; session revoked");
        session::revoke(conn, session.id, at)?;
        // The theft signal belongs in the record administrators read, not only in the logs.
        audit::record(
            conn,
            &Event {
                action: AuditAction::AuthRefreshReused,
                resource_id: Some(session.id.to_string()),
                details: None,
                user_id: Some(session.user_id),
                client_hash: Some(client_hash.to_owned()),
                at,
            },
        )?;
        return Ok(None);
    }
    match user::find(conn, session.user_id)? {
        Some(user) if user.active => Ok(Some(issue(conn, policy, session.id, &user, now)?)),
        _ => Ok(None),
    }
}

/// Ends the caller's session: its access and refresh tokens stop working.
pub fn sign_out(conn: &mut DbConn, change: Change<'_>, session_id: i64) -> Result<(), AppError> {
    session::revoke(conn, session_id, change.at)?;
    change.audit(conn, AuditAction::AuthLogout, session_id, None)
}

fn issue(
    conn: &mut DbConn,
    policy: TokenPolicy<'_>,
    session_id: i64,
    user: &User,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, AppError> {
    let refresh_token = new_refresh_token();
    session::add_refresh_token(conn, session_id, &refresh_token, now.naive_utc())?;
    let ttl = policy.access_ttl.num_seconds();
    Ok(IssuedTokens {
        access_token: policy
            .keys
            .issue(user.id, session_id, user.token_version, now, ttl),
        expires_in: ttl,
        refresh_token,
    })
}

/// A new random refresh token (256 bits, URL-safe).
fn new_refresh_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn record_sign_in(
    conn: &mut DbConn,
    action: AuditAction,
    user_id: Option<i64>,
    client_hash: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let event = Event {
        action,
        resource_id: None,
        details: None,
        user_id,
        client_hash: Some(client_hash.to_owned()),
        at,
    };
    Ok(audit::record(conn, &event)?)
}
