//! Webhook signing secrets: made (`whsec_` and 24 random bytes in base64, as Standard Webhooks
//! libraries expect them), sealed at rest, and used to sign deliveries.
//!
//! Sealing: ChaCha20-Poly1305 with a key derived from `DATELINE_JWT_SECRET`, which lives in the
//! environment and never in the database, so a dump of the database alone reveals no secret.
//! Changing the JWT secret therefore makes stored webhook secrets unreadable: rotate them
//! afterwards (the README says so).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix Standard Webhooks gives secrets.
const PREFIX: &str = "whsec_";
/// The prefix of a sealed secret: the scheme version, for a later change of algorithm.
const SEALED: &str = "v1:";

/// The key secrets are sealed with.
#[derive(Clone)]
pub struct SealingKey(chacha20poly1305::Key);

impl SealingKey {
    /// Derived from the server's token-signing secret, for this purpose only.
    pub fn derive(server_secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(server_secret).expect("HMAC takes any key length");
        mac.update(b"dateline webhook secrets v1");
        Self(mac.finalize().into_bytes())
    }

    pub fn seal(&self, secret: &str) -> String {
        let nonce: [u8; 12] = rand::random();
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(&Nonce::from(nonce), secret.as_bytes())
            .expect("encryption of a short text cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{SEALED}{}", STANDARD.encode(bytes))
    }

    /// The secret `sealed` holds; `None` when it was sealed with another key (the JWT secret
    /// changed) or is damaged.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed.strip_prefix(SEALED)?).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, text) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = ChaCha20Poly1305::new(&self.0)
            .decrypt(&Nonce::from(nonce), text)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

/// A new secret.
pub fn generate() -> String {
    let bytes: [u8; 24] = rand::random();
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` value of one secret: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` keyed by the secret's decoded bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
        .unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let key = SealingKey::derive(b"a server secret of enough length for tests");
        let secret = generate();
        let sealed = key.seal(&secret);
        assert!(!sealed.contains(&secret[6..]));
        assert_eq!(key.open(&sealed).as_deref(), Some(secret.as_str()));
        assert_eq!(
            SealingKey::derive(b"another server secret entirely").open(&sealed),
            None
        );
        assert_eq!(key.open("v1:AAAA"), None);
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification (its reference implementations'
        // tests use the same values).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
