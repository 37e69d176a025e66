//! The request extractors: [`AuthUser`] (a valid bearer token is required) and [`MaybeAuthUser`]
//! (anonymous is fine, but a token that is present must be valid: a bad token is an error,
//! never silently anonymous).

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::{Role, client};
use crate::db;
use crate::error::AppError;
use crate::models::session;
use crate::state::AppState;

/// The caller, authenticated by a bearer access token whose session and user are still live.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub display_name: String,
    pub email: String,
    pub session_id: i64,
    /// Keyed hash of the client address, for the audit log.
    pub client_hash: String,
}

impl AuthUser {
    /// Editors and admins pass; others get 403.
    pub fn require_editorial(&self) -> Result<(), AppError> {
        if self.role.is_editorial() {
            Ok(())
        } else {
            Err(AppError::forbidden("This needs the editor or admin role."))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden("This needs the admin role."))
        }
    }
}

/// The caller if a token was sent, `None` if none was.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credentials = credentials(req, state.as_ref());
        Box::pin(async move {
            let (token, client_hash) = credentials?
                .ok_or_else(|| AppError::Unauthorized("A bearer token is required.".to_owned()))?;
            authenticate(state, token, client_hash).await
        })
    }
}

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credentials = credentials(req, state.as_ref());
        Box::pin(async move {
            match credentials? {
                Some((token, client_hash)) => Ok(Self(Some(authenticate(state, token, client_hash).await?))),
                None => Ok(Self(None)),
            }
        })
    }
}

/// The bearer token and the keyed hash of the client's address (what its session records);
/// `None` without a token. The hash is an HMAC, so an anonymous read, which has no session to
/// check, does not pay for it (it was a thirtieth of a public list page's instructions).
fn credentials(
    req: &HttpRequest,
    state: Option<&web::Data<AppState>>,
) -> Result<Option<(String, String)>, AppError> {
    Ok(bearer_token(req)?.map(|token| (token, client_hash(req, state))))
}

/// The token of an `Authorization: Bearer` header; `None` without the header.
fn bearer_token(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| invalid_token())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(invalid_token)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(invalid_token());
    }
    Ok(Some(token.trim().to_owned()))
}

fn invalid_token() -> AppError {
    AppError::InvalidToken("The access token is invalid or expired.".to_owned())
}

fn client_hash(req: &HttpRequest, state: Option<&web::Data<AppState>>) -> String {
    state.map_or_else(String::new, |state| {
        client::address_hash(
            client::client_ip(req, &state.config.trusted_proxies),
            &state.address_key(),
        )
    })
}

async fn authenticate(
    state: Option<web::Data<AppState>>,
    token: String,
    client_hash: String,
) -> Result<AuthUser, AppError> {
    let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
    let claims = state.tokens.verify(&token, state.now_utc()).map_err(|e| {
        tracing::debug!(reason = %e, "access token refused");
        invalid_token()
    })?;
    let user_id: i64 = claims.sub.parse().map_err(|_| invalid_token())?;
    let now = state.now();
    let user = db::run(&state.pool, move |conn| {
        Ok(session::live_user(conn, claims.sid, user_id, now)?)
    })
    .await?
    .filter(|u| u.token_version == claims.ver)
    .ok_or_else(invalid_token)?;
    Ok(AuthUser {
        id: user.id,
        role: user.role,
        display_name: user.display_name,
        email: user.email,
        session_id: claims.sid,
        client_hash,
    })
}
