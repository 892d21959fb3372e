//! Offline license certificates: JWS compact tokens (`alg: EdDSA`, `typ: license+jwt`).
//!
//! Any JOSE library verifies them with the server's JWKS; Rust programs can use
//! [`verify_certificate`] with nothing but the public keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::signing::{PublicKey, SigningKey};

/// The `typ` header of a certificate.
pub const CERTIFICATE_TYPE: &str = "license+jwt";

/// What a certificate states about a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateClaims {
    /// Always `licentia`.
    pub iss: String,
    /// The license id.
    pub sub: String,
    pub product_id: String,
    pub plan: Option<String>,
    pub status: String,
    pub features: Vec<String>,
    /// The device this certificate was checked out for, if any.
    pub fingerprint: Option<String>,
    /// When the license itself expires (RFC 3339), `null` for never.
    pub license_expires_at: Option<String>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// The certificate's own expiry (Unix seconds).
    pub exp: i64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// Why a certificate was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("not a JWS compact token")]
    Malformed,
    #[error("not an EdDSA license certificate")]
    WrongAlgorithm,
    #[error("signed by an unknown key")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the certificate has expired")]
    Expired,
}

/// Signs `claims` into a JWS compact token.
pub fn issue_certificate(claims: &CertificateClaims, key: &SigningKey) -> String {
    let header = Header {
        alg: "EdDSA".into(),
        typ: CERTIFICATE_TYPE.into(),
        kid: key.kid().to_owned(),
    };
    let signing_input = format!("{}.{}", encode_part(&header), encode_part(claims));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Verifies a certificate against `keys` at `now`: the signature, the key, the
/// algorithm and the certificate's own expiry. Returns its claims.
pub fn verify_certificate(
    token: &str,
    keys: &[PublicKey],
    now: OffsetDateTime,
) -> Result<CertificateClaims, CertificateError> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CertificateError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| CertificateError::Malformed)
    };
    let parsed: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| CertificateError::Malformed)?;
    if parsed.alg != "EdDSA" || parsed.typ != CERTIFICATE_TYPE {
        return Err(CertificateError::WrongAlgorithm);
    }
    let key = keys
        .iter()
        .find(|k| k.kid() == parsed.kid)
        .ok_or(CertificateError::UnknownKey)?;
    let signing_input = &token[..header.len() + 1 + claims.len()];
    if !key.verify(signing_input.as_bytes(), &decode(signature)?) {
        return Err(CertificateError::BadSignature);
    }
    let claims: CertificateClaims =
        serde_json::from_slice(&decode(claims)?).map_err(|_| CertificateError::Malformed)?;
    if claims.exp <= now.unix_timestamp() {
        return Err(CertificateError::Expired);
    }
    Ok(claims)
}

/// base64url(JSON) of a header or claims set.
fn encode_part<T: Serialize>(value: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn claims(exp: i64) -> CertificateClaims {
        CertificateClaims {
            iss: "licentia".into(),
            sub: "license-1".into(),
            product_id: "product-1".into(),
            plan: Some("Pro".into()),
            status: "ACTIVE".into(),
            features: vec!["sync".into()],
            fingerprint: Some("machine-1".into()),
            license_expires_at: None,
            iat: NOW.unix_timestamp(),
            exp,
        }
    }

    #[test]
    fn an_issued_certificate_verifies_and_returns_its_claims() {
        let (key, _) = SigningKey::generate().expect("key");
        let c = claims(NOW.unix_timestamp() + 3600);
        let token = issue_certificate(&c, &key);
        assert_eq!(verify_certificate(&token, &[key.public_key()], NOW), Ok(c));
    }

    #[test]
    fn the_header_names_the_algorithm_type_and_key() {
        let (key, _) = SigningKey::generate().expect("key");
        let token = issue_certificate(&claims(NOW.unix_timestamp() + 60), &key);
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().expect("header"))
            .expect("b64");
        let header: serde_json::Value = serde_json::from_slice(&header).expect("json");
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "license+jwt");
        assert_eq!(header["kid"], key.kid());
    }

    #[test]
    fn a_tampered_certificate_is_refused() {
        let (key, _) = SigningKey::generate().expect("key");
        let token = issue_certificate(&claims(NOW.unix_timestamp() + 3600), &key);
        let parts: Vec<&str> = token.split('.').collect();
        let mut forged = claims(NOW.unix_timestamp() + 3600);
        forged.features.push("everything".into());
        let forged_claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        let tampered = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
        assert_eq!(
            verify_certificate(&tampered, &[key.public_key()], NOW),
            Err(CertificateError::BadSignature)
        );
    }

    #[test]
    fn an_expired_certificate_is_refused() {
        let (key, _) = SigningKey::generate().expect("key");
        let token = issue_certificate(&claims(NOW.unix_timestamp()), &key);
        assert_eq!(
            verify_certificate(&token, &[key.public_key()], NOW),
            Err(CertificateError::Expired)
        );
    }

    #[test]
    fn a_certificate_of_an_unknown_key_is_refused() {
        let (key, _) = SigningKey::generate().expect("key");
        let (other, _) = SigningKey::generate().expect("key");
        let token = issue_certificate(&claims(NOW.unix_timestamp() + 60), &key);
        assert_eq!(
            verify_certificate(&token, &[other.public_key()], NOW),
            Err(CertificateError::UnknownKey)
        );
    }

    #[test]
    fn garbage_is_malformed() {
        for token in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert!(verify_certificate(token, &[], NOW).is_err(), "{token:?}");
        }
    }
}
