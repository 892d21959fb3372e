//! Password hashing with Argon2id (PHC strings), off the async executor.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use licentia_domain::account::Password;

/// A PHC hash of a well-formed password that matches nothing: verified against when
/// the e-mail is unknown, so both failures take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Mh3bH1Y8f0Pj6r3K3qz8s2L1w2QZJm8a0p7M6xv4Zb0";

/// Hashes a password (Argon2id, default parameters: 19 MiB, 2 passes).
pub async fn hash(password: Password) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Checks `candidate` against `stored` (or against a dummy hash when `stored` is
/// `None`), always doing the full work.
pub async fn verify(candidate: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored_present = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok();
        matches && stored_present
    })
    .await
    .unwrap_or(false)
}

/// Checks a hash brought from another server (`admin import`): an Argon2id PHC
/// string that this server can verify passwords against.
pub fn check_stored_hash(phc: &str) -> Result<(), licentia_domain::ValidationError> {
    let parsed = PasswordHash::new(phc)
        .map_err(|_| licentia_domain::ValidationError::new("must be a PHC string"))?;
    if parsed.algorithm.as_str() != "argon2id" || parsed.hash.is_none() {
        return Err(licentia_domain::ValidationError::new(
            "must be an Argon2id hash ($argon2id$…)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hashed = hash(Password::parse("correct horse battery").expect("valid"))
            .await
            .expect("hashes");
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(hashed.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(hashed)).await);
    }

    #[tokio::test]
    async fn only_argon2id_hashes_are_accepted_from_elsewhere() {
        let hashed = hash(Password::parse("correct horse battery").expect("valid"))
            .await
            .expect("hashes");
        assert!(check_stored_hash(&hashed).is_ok());
        assert!(check_stored_hash(DUMMY_HASH).is_ok());
        assert!(check_stored_hash("plain text").is_err());
        assert!(check_stored_hash(&hashed.replacen("argon2id", "argon2i", 1)).is_err());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything at all".into(), None).await);
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must parse, or timing differs"
        );
    }
}
