//! The master key (`LICENTIA_MASTER_KEY`) and sealing of private keys at rest with
//! AES-256-GCM. A sealed key is `nonce (12 bytes) ‖ ciphertext ‖ tag`, and its `kid`
//! is bound in as associated data, so a sealed key cannot be swapped under another kid.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretBox, SecretString};

/// The 32-byte key that seals signing keys. `Debug` is redacted.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// Sealing or unsealing failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("LICENTIA_MASTER_KEY must be the base64 of exactly 32 bytes")]
    BadMasterKey,
    #[error("a sealed signing key cannot be opened with this master key")]
    CannotOpen,
    #[error("the system random source failed")]
    Random,
    #[error("cannot keep the development master key at {0}: {1}")]
    DevFile(String, std::io::Error),
}

impl MasterKey {
    /// Decodes the configured value (base64 of 32 bytes).
    pub fn from_base64(encoded: &SecretString) -> Result<Self, SealError> {
        let bytes = STANDARD
            .decode(encoded.expose_secret().trim())
            .map_err(|_| SealError::BadMasterKey)?;
        let array: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadMasterKey)?;
        Ok(Self(SecretBox::new(Box::new(array))))
    }

    /// A fresh random key, base64-encoded (for development and tests).
    pub fn generate_base64() -> Result<SecretString, SealError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SealError::Random)?;
        Ok(SecretString::from(STANDARD.encode(bytes)))
    }

    /// The development key kept in `path`, created (mode 0600) when missing.
    pub fn development(path: &Path) -> Result<Self, SealError> {
        let io = |e| SealError::DevFile(path.display().to_string(), e);
        if let Ok(existing) = std::fs::read_to_string(path) {
            return Self::from_base64(&SecretString::from(existing));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let encoded = Self::generate_base64()?;
        write_private(path, encoded.expose_secret()).map_err(io)?;
        tracing::warn!(
            path = %path.display(),
            "LICENTIA_MASTER_KEY is not set: generated a development master key; set it in production"
        );
        Self::from_base64(&encoded)
    }

    fn key(&self) -> Result<LessSafeKey, SealError> {
        UnboundKey::new(&AES_256_GCM, self.0.expose_secret())
            .map(LessSafeKey::new)
            .map_err(|_| SealError::BadMasterKey)
    }

    /// Seals `secret`, binding `kid`.
    pub fn seal(&self, kid: &str, secret: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let mut buffer = secret.to_vec();
        self.key()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| SealError::CannotOpen)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&buffer);
        Ok(sealed)
    }

    /// Opens what [`MasterKey::seal`] sealed for `kid`.
    pub fn open(&self, kid: &str, sealed: &[u8]) -> Result<SecretBox<Vec<u8>>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::CannotOpen);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::CannotOpen)?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .key()?
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut buffer)
            .map_err(|_| SealError::CannotOpen)?;
        Ok(SecretBox::new(Box::new(plain.to_vec())))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64(&MasterKey::generate_base64().expect("random")).expect("valid")
    }

    #[test]
    fn sealed_secrets_open_with_the_same_key_and_kid_only() {
        let master = key();
        let sealed = master.seal("kid-1", b"private key").expect("seals");
        assert_ne!(&sealed[NONCE_LEN..NONCE_LEN + 11], b"private key");
        assert_eq!(
            master
                .open("kid-1", &sealed)
                .expect("opens")
                .expose_secret()
                .as_slice(),
            b"private key"
        );
        assert!(master.open("kid-2", &sealed).is_err(), "the kid is bound");
        assert!(
            key().open("kid-1", &sealed).is_err(),
            "another master key cannot open it"
        );
    }

    #[test]
    fn a_master_key_must_be_32_bytes_of_base64() {
        assert!(MasterKey::from_base64(&SecretString::from("c2hvcnQ=")).is_err());
        assert!(MasterKey::from_base64(&SecretString::from("not base64!")).is_err());
    }

    #[test]
    fn the_development_key_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("licentia-test-{}", uuid::Uuid::new_v4()));
        let path = dir.join("master.key");
        let first = MasterKey::development(&path).expect("created");
        let sealed = first.seal("k", b"x").expect("seals");
        let second = MasterKey::development(&path).expect("read back");
        assert!(second.open("k", &sealed).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }
}
