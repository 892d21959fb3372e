//! Webhook signing secrets (`whsec_` + base64 of 32 random bytes) and the Standard
//! Webhooks signature: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
//!
//! During a secret rotation both secrets sign, and the header carries both signatures
//! separated by a space; a receiver accepts the message when any one verifies.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretBox};

use crate::ValidationError;

/// The literal prefix of every webhook secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a generated secret.
pub const SECRET_BYTES: usize = 32;
/// Fewest key bytes accepted when a secret is parsed.
const MIN_SECRET_BYTES: usize = 24;

/// A webhook signing secret. `Debug` never shows it.
pub struct WebhookSecret(SecretBox<Vec<u8>>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// A fresh secret from the OS CSPRNG.
    ///
    /// # Panics
    /// Only if the operating system cannot provide random bytes.
    #[allow(clippy::expect_used)]
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the OS provides random bytes");
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// Parses the displayed form, `whsec_<base64>`.
    pub fn parse(displayed: &str) -> Result<Self, ValidationError> {
        let encoded = displayed
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| ValidationError::new("must start with whsec_"))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| ValidationError::new("must be whsec_ followed by base64"))?;
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(ValidationError::new("must hold at least 24 bytes"));
        }
        Ok(Self::from_bytes(bytes))
    }

    /// Wraps key bytes (as unsealed from storage).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// The key bytes, for sealing at rest.
    pub fn expose_bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The displayed form, `whsec_<base64>`: shown once, to the endpoint's owner.
    pub fn expose_displayed(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(self.0.expose_secret()))
    }

    /// `v1,<base64 signature>` of one message.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.expose_secret());
        let tag = hmac::sign(&key, &signed_content(message_id, timestamp, body));
        format!("v1,{}", STANDARD.encode(tag.as_ref()))
    }
}

fn signed_content(message_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let mut content = Vec::with_capacity(message_id.len() + timestamp.len() + body.len() + 2);
    content.extend_from_slice(message_id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    content
}

/// The `webhook-signature` header value: one `v1,…` signature per secret, separated
/// by single spaces (current secret first).
pub fn signature_header(
    secrets: &[&WebhookSecret],
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any `v1` signature in `header` was made by `secret` over this message
/// (compared in constant time). Receivers should also refuse stale timestamps.
pub fn verify_signature(
    secret: &WebhookSecret,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_bytes());
    let content = signed_content(message_id, timestamp, body);
    header.split(' ').any(|candidate| {
        candidate
            .strip_prefix("v1,")
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .is_some_and(|tag| hmac::verify(&key, &content, &tag).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_round_trips_through_its_displayed_form() {
        let secret = WebhookSecret::generate();
        let displayed = secret.expose_displayed();
        assert!(displayed.starts_with("whsec_"));
        let parsed = WebhookSecret::parse(&displayed).expect("parses");
        assert_eq!(parsed.expose_bytes(), secret.expose_bytes());
        assert!(!format!("{secret:?}").contains(&displayed[6..]));
    }

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The Standard Webhooks specification's published example.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn verification_accepts_any_listed_signature_and_nothing_tampered() {
        let old = WebhookSecret::generate();
        let new = WebhookSecret::generate();
        let header = signature_header(&[&new, &old], "evt_1", 1_700_000_000, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        assert!(verify_signature(
            &new,
            "evt_1",
            1_700_000_000,
            b"{}",
            &header
        ));
        assert!(verify_signature(
            &old,
            "evt_1",
            1_700_000_000,
            b"{}",
            &header
        ));
        let stranger = WebhookSecret::generate();
        assert!(!verify_signature(
            &stranger,
            "evt_1",
            1_700_000_000,
            b"{}",
            &header
        ));
        assert!(!verify_signature(
            &new,
            "evt_1",
            1_700_000_001,
            b"{}",
            &header
        ));
        assert!(!verify_signature(
            &new,
            "evt_2",
            1_700_000_000,
            b"{}",
            &header
        ));
        assert!(!verify_signature(
            &new,
            "evt_1",
            1_700_000_000,
            b"{ }",
            &header
        ));
    }

    #[test]
    fn short_or_unprefixed_secrets_are_refused() {
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(WebhookSecret::parse("whsec_***").is_err());
    }
}
