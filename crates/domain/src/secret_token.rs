//! Opaque bearer secrets (API keys, session tokens): generated once, shown once,
//! stored only as a SHA-256 hash.
//!
//! Format: a kind prefix, 43 base62 characters (256 bits from the OS CSPRNG) and a
//! 6-character base62 checksum, so a mistyped or invented secret is refused before any
//! database read. SHA-256 suffices as the stored hash: the secrets carry 256 bits of
//! entropy, so there is nothing to brute-force.

use std::fmt;

use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;

/// What a secret is for; decides its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Management API key: `sk_live_…`.
    ApiKey,
    /// Login session token: `sess_…`.
    Session,
    /// A WordPress site's token: `site_…`.
    Site,
}

impl TokenKind {
    /// The literal prefix every secret of this kind starts with.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::ApiKey => "sk_live_",
            Self::Session => "sess_",
            Self::Site => "site_",
        }
    }
}

/// A secret in clear, as generated or as presented by a client.
/// It is never printed by `Debug` and never stored.
pub struct PlainToken {
    kind: TokenKind,
    secret: SecretString,
}

/// The SHA-256 of a secret: what the database keeps and looks secrets up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

/// Why a presented secret was refused without a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed secret")]
pub struct MalformedToken;

impl PlainToken {
    /// A fresh secret of `kind`.
    ///
    /// # Panics
    /// Only if the operating system cannot provide random bytes.
    #[allow(clippy::expect_used)]
    pub fn generate(kind: TokenKind) -> Self {
        let rng = SystemRandom::new();
        let mut random = String::with_capacity(RANDOM_LEN);
        let mut buffer = [0u8; 64];
        while random.len() < RANDOM_LEN {
            rng.fill(&mut buffer)
                .expect("the operating system CSPRNG is unavailable");
            // 248 = 4 × 62: rejecting larger bytes keeps every symbol equally likely.
            random.extend(
                buffer
                    .iter()
                    .filter(|b| **b < 248)
                    .map(|b| char::from(BASE62[usize::from(*b % 62)]))
                    .take(RANDOM_LEN - random.len()),
            );
        }
        let checksum = checksum(kind, &random);
        Self {
            kind,
            secret: SecretString::from(format!("{}{random}{checksum}", kind.prefix())),
        }
    }

    /// Checks the prefix, length, alphabet and checksum of a presented secret.
    pub fn parse(kind: TokenKind, presented: &str) -> Result<Self, MalformedToken> {
        let rest = presented
            .strip_prefix(kind.prefix())
            .ok_or(MalformedToken)?;
        if rest.len() != RANDOM_LEN + CHECKSUM_LEN
            || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(MalformedToken);
        }
        let (random, check) = rest.split_at(RANDOM_LEN);
        if checksum(kind, random) != check {
            return Err(MalformedToken);
        }
        Ok(Self {
            kind,
            secret: SecretString::from(presented.to_owned()),
        })
    }

    /// What this secret is for.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The stored form.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.secret.expose_secret())
    }

    /// The secret in clear, to show the owner once.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The first characters (kind prefix plus four), safe to show in listings.
    pub fn display_prefix(&self) -> String {
        self.expose()
            .chars()
            .take(self.kind.prefix().len() + 4)
            .collect()
    }

    /// The last four characters, safe to show in listings.
    pub fn last_four(&self) -> String {
        let s = self.expose();
        s[s.len().saturating_sub(4)..].to_owned()
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlainToken({}<redacted>)", self.kind.prefix())
    }
}

impl TokenHash {
    /// Hashes any presented string (used for lookups).
    pub fn of(secret: &str) -> Self {
        let mut out = [0u8; 32];
        out.copy_from_slice(digest(&SHA256, secret.as_bytes()).as_ref());
        Self(out)
    }

    /// Rebuilds a hash read from storage; `None` unless it is 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The 32 bytes to store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

fn checksum(kind: TokenKind, random: &str) -> String {
    let hash = digest(&SHA256, format!("{}{random}", kind.prefix()).as_bytes());
    let mut n = hash
        .as_ref()
        .iter()
        .take(5)
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut out = [0u8; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[usize::try_from(n % 62).unwrap_or_default()];
        n /= 62;
    }
    out.iter().copied().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn api_keys_have_the_documented_format() {
        let key = PlainToken::generate(TokenKind::ApiKey);
        assert!(key.expose().starts_with("sk_live_"));
        assert_eq!(key.expose().len(), 8 + RANDOM_LEN + CHECKSUM_LEN);
        assert_eq!(key.display_prefix().len(), 12);
        assert_eq!(key.last_four().len(), 4);
    }

    #[test]
    fn generated_secrets_parse_and_hash_identically() {
        let key = PlainToken::generate(TokenKind::Session);
        let parsed = PlainToken::parse(TokenKind::Session, key.expose()).expect("valid");
        assert_eq!(parsed.hash(), key.hash());
    }

    #[test]
    fn a_secret_of_another_kind_is_refused() {
        let session = PlainToken::generate(TokenKind::Session);
        assert!(PlainToken::parse(TokenKind::ApiKey, session.expose()).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = PlainToken::generate(TokenKind::ApiKey);
        let shown = format!("{key:?} {:?}", key.hash());
        assert!(!shown.contains(&key.expose()[8..]));
    }

    proptest! {
        #[test]
        fn any_changed_character_is_caught_by_the_checksum(position in 8usize..57, replacement in 0usize..62) {
            let key = PlainToken::generate(TokenKind::ApiKey);
            let mut bytes = key.expose().as_bytes().to_vec();
            prop_assume!(bytes[position] != BASE62[replacement]);
            bytes[position] = BASE62[replacement];
            let typed = String::from_utf8(bytes).expect("ascii");
            // A 6-symbol checksum over 40 bits: a forged match is a 1 in 2^40 event.
            prop_assert!(PlainToken::parse(TokenKind::ApiKey, &typed).is_err());
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(raw in ".{0,80}") {
            let _ = PlainToken::parse(TokenKind::ApiKey, &raw);
        }
    }
}
