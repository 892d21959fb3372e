//! Ed25519 signing keys (ring) and their public halves, named by a `kid`.
//!
//! The `kid` is derived from the public key (base64url of the first 12 bytes of its
//! SHA-256), so the same key always has the same name.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use secrecy::{ExposeSecret, SecretBox};

/// A private signing key. `Debug` shows only its `kid`.
pub struct SigningKey {
    kid: String,
    pair: Ed25519KeyPair,
}

/// A public key that verifies signatures of one `kid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kid: String,
    bytes: [u8; 32],
}

/// A key that could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the system random source failed")]
    Random,
    #[error("not a valid Ed25519 PKCS#8 document")]
    InvalidPrivateKey,
    #[error("not a valid Ed25519 public key")]
    InvalidPublicKey,
}

impl SigningKey {
    /// A fresh key and its PKCS#8 document (to be stored encrypted).
    pub fn generate() -> Result<(Self, SecretBox<Vec<u8>>), KeyError> {
        let document =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| KeyError::Random)?;
        let pkcs8 = SecretBox::new(Box::new(document.as_ref().to_vec()));
        let key = Self::from_pkcs8(pkcs8.expose_secret())?;
        Ok((key, pkcs8))
    }

    /// Reads a key from its PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError::InvalidPrivateKey)?;
        let kid = kid_of(pair.public_key().as_ref());
        Ok(Self { kid, pair })
    }

    /// The key's name.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `message` (64 bytes, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey {
            kid: self.kid.clone(),
            bytes,
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.kid)
    }
}

impl PublicKey {
    /// A public key from its 32 raw bytes; the `kid` is derived from them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(Self {
            kid: kid_of(&bytes),
            bytes,
        })
    }

    /// The key's name.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.bytes)
            .verify(message, signature)
            .is_ok()
    }
}

fn kid_of(public_key: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&digest(&SHA256, public_key).as_ref()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_public_key_only() {
        let (key, _) = SigningKey::generate().expect("key");
        let (other, _) = SigningKey::generate().expect("key");
        let signature = key.sign(b"valid: true");
        assert!(key.public_key().verify(b"valid: true", &signature));
        assert!(!key.public_key().verify(b"valid: TRUE", &signature));
        assert!(!other.public_key().verify(b"valid: true", &signature));
    }

    #[test]
    fn a_key_read_back_from_pkcs8_is_the_same_key() {
        let (key, pkcs8) = SigningKey::generate().expect("key");
        let again = SigningKey::from_pkcs8(pkcs8.expose_secret()).expect("reads");
        assert_eq!(again.kid(), key.kid());
        assert_eq!(again.public_key(), key.public_key());
    }

    #[test]
    fn the_kid_is_derived_from_the_public_key() {
        let (key, _) = SigningKey::generate().expect("key");
        let public = PublicKey::from_bytes(key.public_key().as_bytes()).expect("valid");
        assert_eq!(public.kid(), key.kid());
        assert_eq!(key.kid().len(), 16);
    }

    #[test]
    fn debug_shows_only_the_kid() {
        let (key, _) = SigningKey::generate().expect("key");
        assert_eq!(format!("{key:?}"), format!("SigningKey({})", key.kid()));
    }
}
