//! JSON Web Key Sets of Ed25519 public keys (`kty: OKP`, `crv: Ed25519`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::signing::{KeyError, PublicKey};

/// A JWKS document, as served at `/v1/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(rename = "use", default)]
    pub use_: Option<String>,
}

impl Jwks {
    /// The set publishing `keys`.
    pub fn from_public_keys<'a>(keys: impl IntoIterator<Item = &'a PublicKey>) -> Self {
        Self {
            keys: keys
                .into_iter()
                .map(|k| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: URL_SAFE_NO_PAD.encode(k.as_bytes()),
                    kid: k.kid().to_owned(),
                    alg: Some("EdDSA".into()),
                    use_: Some("sig".into()),
                })
                .collect(),
        }
    }

    /// Parses a JWKS document and returns its Ed25519 keys (others are skipped).
    /// A key whose `kid` does not match its bytes is refused.
    pub fn parse_public_keys(json: &str) -> Result<Vec<PublicKey>, KeyError> {
        let set: Jwks = serde_json::from_str(json).map_err(|_| KeyError::InvalidPublicKey)?;
        set.keys
            .iter()
            .filter(|k| k.kty == "OKP" && k.crv == "Ed25519")
            .map(|k| {
                let bytes = URL_SAFE_NO_PAD
                    .decode(&k.x)
                    .map_err(|_| KeyError::InvalidPublicKey)?;
                let key = PublicKey::from_bytes(&bytes)?;
                if key.kid() == k.kid {
                    Ok(key)
                } else {
                    Err(KeyError::InvalidPublicKey)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::SigningKey;

    #[test]
    fn a_jwks_round_trips_its_keys() {
        let (a, _) = SigningKey::generate().expect("key");
        let (b, _) = SigningKey::generate().expect("key");
        let keys = [a.public_key(), b.public_key()];
        let json = serde_json::to_string(&Jwks::from_public_keys(&keys)).expect("json");
        assert!(json.contains(r#""kty":"OKP""#) && json.contains(r#""crv":"Ed25519""#));
        assert_eq!(Jwks::parse_public_keys(&json), Ok(keys.to_vec()));
    }

    #[test]
    fn a_kid_that_does_not_match_its_key_is_refused() {
        let (a, _) = SigningKey::generate().expect("key");
        let mut set = Jwks::from_public_keys([&a.public_key()]);
        set.keys[0].kid = "forged".into();
        let json = serde_json::to_string(&set).expect("json");
        assert!(Jwks::parse_public_keys(&json).is_err());
    }
}
