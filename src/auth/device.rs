//! Device tokens, after OWASP's "device cookies": a successful login gives the client a signed
//! token naming the account, and a later login for that account that presents it comes from a
//! *known device*. Its failures are counted per device instead of per address, and it waits for a
//! password-hashing turn kept for known devices, so neither a lock-out nor a flood of logins from
//! elsewhere can keep an account's owner out.
//!
//! The token proves only that this client once knew the password; the password is still checked
//! on every login.

use chrono::{DateTime, Utc};

use super::client::keyed_digest;
use super::jwt::TokenKeys;

/// How long a device stays known after its last login.
pub const TTL_DAYS: i64 = 90;

/// Device tokens and the key that names accounts in them.
pub struct Devices<'a> {
    pub keys: &'a TokenKeys,
    /// The key of the account digests (derived from the signing secret).
    pub digest_key: Vec<u8>,
}

impl Devices<'_> {
    /// The device id of `token` when it is valid and was given for `account` (a lower-cased
    /// e-mail); `None` for no token, or for a forged, expired or other account's one.
    pub fn recognise(&self, token: Option<&str>, account: &str, now: DateTime<Utc>) -> Option<String> {
        let claims = self.keys.verify_device(token?, now).ok()?;
        (claims.sub == self.account_digest(account)).then_some(claims.jti)
    }

    /// A new device token for `account`, to send with its later logins.
    pub fn issue(&self, account: &str, now: DateTime<Utc>) -> String {
        let device_id = hex::encode(rand::random::<[u8; 16]>());
        self.keys.issue_device(
            &self.account_digest(account),
            &device_id,
            now,
            TTL_DAYS * 24 * 60 * 60,
        )
    }

    fn account_digest(&self, account: &str) -> String {
        keyed_digest(&self.digest_key, account.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_token_is_recognised_for_its_account_only() {
        let keys = TokenKeys::new(&[7u8; 32]);
        let devices = Devices {
            keys: &keys,
            digest_key: b"key".to_vec(),
        };
        let now = Utc::now();
        let token = devices.issue("owner@example.com", now);
        let id = devices.recognise(Some(&token), "owner@example.com", now).unwrap();
        assert_eq!(id.len(), 32);
        assert_eq!(devices.recognise(Some(&token), "other@example.com", now), None);
        assert_eq!(devices.recognise(None, "owner@example.com", now), None);
        let later = now + chrono::Duration::days(TTL_DAYS);
        assert_eq!(devices.recognise(Some(&token), "owner@example.com", later), None);
        let forged = Devices {
            keys: &TokenKeys::new(&[8u8; 32]),
            digest_key: b"key".to_vec(),
        };
        assert_eq!(forged.recognise(Some(&token), "owner@example.com", now), None);
    }
}
