//! Sessions: log in, rotate the refresh token, log out, and who am I.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Duration;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, RequestBody, ValidJson};
use crate::api::users::UserView;
use crate::auth::{AuthUser, client, password};
use crate::db::{self, DbConn};
use crate::domain::Change;
use crate::error::{AppError, Problem};
use crate::models::audit::{self, Event};
use crate::models::{session, user};
use crate::state::AppState;
use crate::values::AuditAction;

/// E-mail and password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "editor@example.com", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    #[validate(length(min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254, format = "email")]
    pub email: String,
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256, format = "password")]
    pub password: String,
}

impl RequestBody for LoginRequest {
    const SIZE: BodySize = BodySize::Small;
}

/// A refresh token to rotate.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "9d3Xb..."}))]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

impl RequestBody for RefreshRequest {
    const SIZE: BodySize = BodySize::Small;
}

/// A short-lived access token and the refresh token that renews it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Single use: `POST /auth/refresh` answers a new one and this one stops working.
    pub refresh_token: String,
}

fn login_failed() -> AppError {
    AppError::Unauthorized("The e-mail or password is wrong.".to_owned())
}

/// Logs in with e-mail and password.
///
/// Failed attempts are limited per account and per client address (429 with `Retry-After`).
/// An unknown e-mail, a wrong password and a deactivated account get the same answer, in about
/// the same time.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse),
        (status = 401, description = "The e-mail or password is wrong.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; retry after `Retry-After` seconds.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let LoginRequest { email, password } = body.0;
    let account_key = email.trim().to_lowercase();
    let address_key = client::address_hash(
        client::client_ip(&req, &state.config.trusted_proxies),
        &state.address_key(),
    );
    let now_utc = state.now_utc();
    let limits = &state.limits;
    limits
        .login_per_account
        .check(&account_key, now_utc)
        .and_then(|()| limits.login_per_address.check(&address_key, now_utc))
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;

    let email_for_lookup = account_key.clone();
    // Lookup and argon2 verification both run on the blocking pool.
    let now = state.now();
    let hash_for_audit = address_key.clone();
    // Lookup, argon2 verification and the audit entry all run on the blocking pool, one of a
    // bounded number of hashes at a time.
    let turn = password::turn().await;
    let found = db::run(&state.pool, move |conn| {
        // The turn is released when the hashing ends, not when the request does: a client that
        // gives up cannot free a turn while its hash still runs on the blocking pool.
        let _turn = turn;
        let user = user::find_by_email(conn, &email_for_lookup)?;
        let known_id = user.as_ref().map(|u| u.id);
        let accepted = match user {
            Some(user) if password::verify(&password, &user.password_hash) && user.active => Some(user),
            Some(_) => None,
            None => {
                password::verify_against_nothing(&password);
                None
            }
        };
        if accepted.is_none() {
            let event = Event {
                action: AuditAction::AuthLoginFailed,
                resource_id: None,
                details: None,
                user_id: known_id,
                client_hash: Some(hash_for_audit.clone()),
                at: now,
            };
            audit::record(conn, &event)?;
        }
        Ok(accepted)
    })
    .await;
    let found = found?;
    let Some(user) = found else {
        limits.login_per_account.record(&account_key, now_utc);
        limits.login_per_address.record(&address_key, now_utc);
        return Err(login_failed());
    };
    limits.login_per_account.clear(&account_key);
    let issued = {
        let state = state.clone();
        db::run(&state.pool.clone(), move |conn| {
            db::write(conn, |conn| {
                let issued = start_session(conn, &state, user.id, user.token_version)?;
                let event = Event {
                    action: AuditAction::AuthLogin,
                    resource_id: None,
                    details: None,
                    user_id: Some(user.id),
                    client_hash: Some(address_key.clone()),
                    at: now,
                };
                audit::record(conn, &event)?;
                Ok(issued)
            })
        })
        .await?
    };
    Ok(HttpResponse::Ok().json(issued))
}

/// A new random refresh token (256 bits, URL-safe).
fn new_refresh_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn start_session(
    conn: &mut DbConn,
    state: &AppState,
    user_id: i64,
    version: i32,
) -> Result<TokenResponse, AppError> {
    let now = state.now();
    let ttl = Duration::from_std(state.config.refresh_token_ttl).unwrap_or(Duration::days(30));
    let session_id = session::create(conn, user_id, now, now + ttl)?;
    issue_tokens(conn, state, session_id, user_id, version)
}

fn issue_tokens(
    conn: &mut DbConn,
    state: &AppState,
    session_id: i64,
    user_id: i64,
    version: i32,
) -> Result<TokenResponse, AppError> {
    let refresh_token = new_refresh_token();
    session::add_refresh_token(conn, session_id, &refresh_token, state.now())?;
    let ttl = state.config.access_token_ttl.as_secs() as i64;
    Ok(TokenResponse {
        access_token: state
            .tokens
            .issue(user_id, session_id, version, state.now_utc(), ttl),
        token_type: "Bearer".to_owned(),
        expires_in: ttl,
        refresh_token,
    })
}

fn refresh_refused() -> AppError {
    AppError::Unauthorized("The refresh token is invalid, expired or revoked.".to_owned())
}

/// Rotates a refresh token: answers new tokens, and the one presented stops working.
///
/// Presenting a refresh token that was already rotated is taken as theft: the whole session is
/// revoked, and every token of it stops working.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens.", body = TokenResponse),
        (status = 401, description = "The refresh token is invalid, expired, reused or revoked.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let token = body.0.refresh_token;
    let state_for_db = state.get_ref().clone();
    let outcome = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let now = state_for_db.now();
            let Some((stored, session)) = session::find_refresh_token(conn, &token)? else {
                return Ok(Err(refresh_refused()));
            };
            if session.revoked_at.is_some() || session.expires_at <= now {
                return Ok(Err(refresh_refused()));
            }
            if !session::mark_used(conn, stored.id, now)? {
                // Reuse of a rotated token: someone else holds a copy. End the session.
                tracing::warn!(session_id = session.id, "refresh token reused; session revoked");
                session::revoke(conn, session.id, now)?;
                return Ok(Err(refresh_refused()));
            }
            let user = match user::find(conn, session.user_id)? {
                Some(user) if user.active => user,
                _ => return Ok(Err(refresh_refused())),
            };
            issue_tokens(conn, &state_for_db, session.id, user.id, user.token_version).map(Ok)
        })
    })
    .await?;
    // The revocation above must commit even though the answer is an error.
    Ok(HttpResponse::Ok().json(outcome?))
}

/// Logs out: revokes the session of the access token, its refresh token included.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out."),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    let now = state.now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            session::revoke(conn, caller.session_id, now)?;
            Change::by(&caller, now).audit(conn, AuditAction::AuthLogout, caller.session_id, None)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller.", body = UserView),
    )
)]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, caller: AuthUser) -> Result<web::Json<UserView>, AppError> {
    let found = db::run(&state.pool, move |conn| Ok(user::find(conn, caller.id)?)).await?;
    found
        .map(|u| web::Json(UserView::from(u)))
        .ok_or_else(|| AppError::InvalidToken("The account no longer exists.".to_owned()))
}
