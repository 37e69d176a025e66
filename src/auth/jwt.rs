//! Access tokens: HS256 JWTs, the algorithm pinned, `exp`, `iat`, `iss` and `aud` all required
//! and checked. Expiry is checked against the app's clock (not the library's), with no leeway,
//! so tests can move time and production has one rule.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "dateline";
pub const AUDIENCE: &str = "dateline-api";
/// The audience of device tokens: they can never pass for access tokens, nor the other way round.
pub const DEVICE_AUDIENCE: &str = "dateline-device";

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session (login) the token belongs to.
    pub sid: i64,
    /// The user's token version when issued.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// What a device token says (see [`crate::auth::device`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceClaims {
    /// A keyed digest of the account's e-mail: the token names the account without showing it.
    pub sub: String,
    /// This device's id: its failed logins are counted under it.
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The times every token carries, checked against the app's clock.
trait Timed {
    fn issued_at(&self) -> i64;
    fn expires_at(&self) -> i64;
}

impl Timed for Claims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

impl Timed for DeviceClaims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// Why a token is refused (logged, never sent).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("malformed or badly signed token: {0}")]
    Invalid(String),
    #[error("token expired")]
    Expired,
    #[error("token issued in the future")]
    NotYetValid,
}

/// Signs and checks access tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(
        &self,
        user_id: i64,
        session_id: i64,
        version: i32,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> String {
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id,
            ver: version,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_secs,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding with an in-memory key cannot fail")
    }

    /// The claims of a valid token. Anything but HS256 (`none` included) is refused.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        self.decode_checked(token, AUDIENCE, now)
    }

    /// A device token for the account whose digest is `account`, valid for `ttl_secs`.
    pub fn issue_device(&self, account: &str, device_id: &str, now: DateTime<Utc>, ttl_secs: i64) -> String {
        let claims = DeviceClaims {
            sub: account.to_owned(),
            jti: device_id.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_secs,
            iss: ISSUER.to_owned(),
            aud: DEVICE_AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding with an in-memory key cannot fail")
    }

    /// The claims of a valid device token.
    pub fn verify_device(&self, token: &str, now: DateTime<Utc>) -> Result<DeviceClaims, TokenError> {
        self.decode_checked(token, DEVICE_AUDIENCE, now)
    }

    /// Decodes an HS256 token of `audience` and checks its times against `now`.
    fn decode_checked<C: DeserializeOwned + Timed>(
        &self,
        token: &str,
        audience: &str,
        now: DateTime<Utc>,
    ) -> Result<C, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Time is checked below against the app's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<C>(token, &self.decoding, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?
            .claims;
        let now = now.timestamp();
        if claims.expires_at() <= now {
            return Err(TokenError::Expired);
        }
        // A little slack for clocks of several instances that disagree by a few seconds.
        if claims.issued_at() > now + 5 {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32])
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let now = Utc::now();
        let token = keys().issue(3, 9, 1, now, 60);
        let claims = keys().verify(&token, now).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid, claims.ver), ("3", 9, 1));
        assert_eq!(
            keys().verify(&token, now + chrono::Duration::seconds(60)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn other_keys_algorithms_and_none_are_refused() {
        let now = Utc::now();
        let token = keys().issue(3, 9, 1, now, 60);
        assert!(TokenKeys::new(&[8u8; 32]).verify(&token, now).is_err());
        let payload = token.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{none_header}.{payload}."), now).is_err());
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &keys().verify(&token, now).unwrap(),
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(keys().verify(&hs512, now).is_err());
    }

    #[test]
    fn device_and_access_tokens_cannot_stand_in_for_each_other() {
        let now = Utc::now();
        let access = keys().issue(3, 9, 1, now, 60);
        let device = keys().issue_device("digest", "d1", now, 60);
        assert_eq!(keys().verify_device(&device, now).unwrap().jti, "d1");
        assert!(keys().verify(&device, now).is_err());
        assert!(keys().verify_device(&access, now).is_err());
        assert_eq!(
            keys().verify_device(&device, now + chrono::Duration::seconds(60)),
            Err(TokenError::Expired)
        );
    }
}
