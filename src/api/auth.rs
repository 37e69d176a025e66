//! Sessions: log in, rotate the refresh token, log out, and who am I.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::json::{BodySize, RequestBody, ValidJson};
use crate::api::transact::write_as;
use crate::api::users::UserView;
use crate::auth::password::Lane;
use crate::auth::{AuthUser, client};
use crate::db;
use crate::domain::sessions::{self, IssuedTokens, TokenPolicy};
use crate::error::{AppError, Problem};
use crate::http_cache::public_unchanged;
use crate::models::user;
use crate::state::AppState;

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
    /// The `device_token` of an earlier login from this client, for this account. It makes the
    /// login one from a known device: its failures are counted for this device alone, and it
    /// is served ahead of a flood of logins from elsewhere. A stale or foreign one is ignored.
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    #[serde(default)]
    pub device_token: Option<String>,
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
    /// Only in answers to a login: keep it on this device and send it with the next logins for
    /// this account (valid 90 days; each login answers a new one, and earlier ones stay valid
    /// until they expire). It only changes how logins are limited, never what they allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub device_token: Option<String>,
}

fn login_failed() -> AppError {
    AppError::Unauthorized("The e-mail or password is wrong.".to_owned())
}

/// Logs in with e-mail and password.
///
/// Failed attempts are limited per client address, per account from one address, and, for an
/// account under attack from many addresses, repeated guesses are slowed (429 with
/// `Retry-After`); a right password from an address that has not failed on the account is never
/// refused because of other addresses' failures. A login that sends the `device_token` of an
/// earlier login for the account is counted per device instead, and is served ahead of other
/// logins. An unknown e-mail, a wrong password and a deactivated account get the same answer, in
/// about the same time. When too many logins already wait for password hashing, the answer is
/// 503 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse),
        (status = 401, description = "The e-mail or password is wrong.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; retry after `Retry-After` seconds.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many logins wait for password hashing; retry after `Retry-After` seconds.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let LoginRequest {
        email,
        password,
        device_token,
    } = body.0;
    let account_key = email.trim().to_lowercase();
    let device = state
        .devices()
        .recognise(device_token.as_deref(), &account_key, state.now_utc());
    let lane = if device.is_some() { Lane::Known } else { Lane::Open };
    let address_key = client::address_hash(
        client::client_ip(&req, &state.config.trusted_proxies),
        &state.address_key(),
    );
    // Counted as a failure before the password is hashed, so that attempts arriving together
    // cannot all pass the limits; given back below when the password was right.
    let reservation = state
        .limits
        .login
        .reserve(&account_key, &address_key, device.as_deref(), state.now_utc())
        .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })?;
    let turn = match state.hashing.turn(lane).await {
        Ok(turn) => turn,
        Err(busy) => {
            state.limits.login.not_checked(reservation);
            return Err(busy.into());
        }
    };
    let hash_for_audit = address_key.clone();
    let account_for_check = account_key.clone();
    let now = state.now();
    // Lookup, argon2 verification and the audit entry all run on the blocking pool, one of a
    // bounded number of hashes at a time.
    let found = db::run(&state.pool, move |conn| {
        // The turn is released when the hashing ends, not when the request does: a client that
        // gives up cannot free a turn while its hash still runs on the blocking pool.
        let _turn = turn;
        sessions::check_password(conn, &account_for_check, &password, &hash_for_audit, now)
    })
    .await;
    let user = match found {
        Ok(Some(user)) => user,
        Ok(None) => return Err(login_failed()),
        Err(e) => {
            state.limits.login.not_checked(reservation);
            return Err(e);
        }
    };
    state.limits.login.succeeded(reservation);
    let device_token = state.devices().issue(&account_key, state.now_utc());
    let state_for_db = state.get_ref().clone();
    let issued = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let policy = token_policy(&state_for_db);
            sessions::sign_in(conn, policy, &user, &address_key, state_for_db.now_utc())
        })
    })
    .await?;
    let answer = TokenResponse {
        device_token: Some(device_token),
        ..TokenResponse::from(issued)
    };
    Ok(public_unchanged(HttpResponse::Ok().json(answer)))
}

/// The token settings of this server.
fn token_policy(state: &AppState) -> TokenPolicy<'_> {
    TokenPolicy {
        keys: &state.tokens,
        access_ttl: Duration::from_std(state.config.access_token_ttl).unwrap_or(Duration::minutes(15)),
        refresh_ttl: Duration::from_std(state.config.refresh_token_ttl).unwrap_or(Duration::days(30)),
    }
}

impl From<IssuedTokens> for TokenResponse {
    fn from(issued: IssuedTokens) -> Self {
        Self {
            access_token: issued.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: issued.expires_in,
            refresh_token: issued.refresh_token,
            device_token: None,
        }
    }
}

fn refresh_refused() -> AppError {
    AppError::Unauthorized("The refresh token is invalid, expired or revoked.".to_owned())
}

/// Rotates a refresh token: answers new tokens, and the one presented stops working.
///
/// Presenting a refresh token that was already rotated is taken as theft: the whole session is
/// revoked, every token of it stops working, and the audit log records `auth.refresh_reused`.
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
    req: HttpRequest,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let token = body.0.refresh_token;
    let client_hash = client::address_hash(
        client::client_ip(&req, &state.config.trusted_proxies),
        &state.address_key(),
    );
    let state_for_db = state.get_ref().clone();
    let rotated = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let policy = token_policy(&state_for_db);
            sessions::rotate(conn, policy, &token, &client_hash, state_for_db.now_utc())
        })
    })
    .await?;
    // A refusal after a revocation (a reused token) still commits the revocation and its audit
    // entry above.
    let issued = rotated.ok_or_else(refresh_refused)?;
    Ok(public_unchanged(
        HttpResponse::Ok().json(TokenResponse::from(issued)),
    ))
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
    let session_id = caller.session_id;
    write_as(&state, caller, move |conn, change| {
        sessions::sign_out(conn, change, session_id)
    })
    .await?;
    Ok(public_unchanged(HttpResponse::NoContent().finish()))
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
