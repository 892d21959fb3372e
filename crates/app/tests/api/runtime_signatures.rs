//! Signed answers, the JWKS, and offline certificates checked with the domain crate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use licentia_domain::certificate::verify_certificate;
use licentia_domain::jwks::Jwks;
use licentia_domain::signing::PublicKey;
use licentia_test_support::{Reply, TestApp, spawn_app};
use serde_json::json;

use crate::fixtures::{ask, licensed};

pub(crate) async fn public_keys(app: &TestApp) -> Vec<PublicKey> {
    let reply = app
        .request("GET", "/.well-known/jwks.json", None, None)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["keys"][0]["kty"], "OKP");
    assert_eq!(reply.body["keys"][0]["crv"], "Ed25519");
    Jwks::parse_public_keys(&String::from_utf8(reply.raw).expect("utf-8")).expect("a valid JWKS")
}

/// Checks `Licentia-Signature` over the exact body bytes.
pub(crate) fn signature_verifies(reply: &Reply, keys: &[PublicKey]) -> bool {
    let header = reply.header("licentia-signature").expect("signed");
    let field = |name: &str| {
        header
            .split(", ")
            .find_map(|part| part.strip_prefix(&format!("{name}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .expect("field present")
            .to_owned()
    };
    assert_eq!(field("alg"), "ed25519");
    let key = keys
        .iter()
        .find(|k| k.kid() == field("keyid"))
        .expect("a published key");
    let signature = STANDARD.decode(field("signature")).expect("base64");
    key.verify(&reply.raw, &signature)
}

#[tokio::test]
async fn every_runtime_answer_is_signed_over_its_exact_bytes() {
    let app = spawn_app().await;
    let keys = public_keys(&app).await;
    let l = licensed(&app, json!({"maxActivations": 1})).await;
    let replies = [
        app.runtime("/licenses/validate", ask(l.key(), json!({"nonce": "abc"})))
            .await,
        app.runtime(
            "/licenses/validate",
            ask("LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", json!({})),
        )
        .await,
        app.runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await,
        app.runtime(
            "/licenses/activate",
            ask(l.key(), json!({"fingerprint": "m2"})),
        )
        .await,
        app.runtime(
            "/licenses/heartbeat",
            ask(l.key(), json!({"fingerprint": "m1"})),
        )
        .await,
        app.runtime("/licenses/checkout", ask(l.key(), json!({})))
            .await,
        app.runtime("/licenses/deactivate", ask(l.key(), json!({"all": true})))
            .await,
        app.runtime("/licenses/validate", json!({})).await,
    ];
    for reply in &replies {
        assert!(
            signature_verifies(reply, &keys),
            "{} {:?}",
            reply.status,
            reply.body
        );
    }
}

#[tokio::test]
async fn a_forged_valid_answer_does_not_verify() {
    let app = spawn_app().await;
    let keys = public_keys(&app).await;
    let l = licensed(&app, json!({})).await;
    app.patch(
        &format!("/licenses/{}/status", l.id()),
        &l.token,
        json!({"status": "SUSPENDED"}),
    )
    .await;
    let mut reply = app
        .runtime("/licenses/validate", ask(l.key(), json!({})))
        .await;
    assert_eq!(reply.data()["code"], "SUSPENDED");
    assert!(signature_verifies(&reply, &keys));
    let forged = String::from_utf8(reply.raw.clone())
        .expect("utf-8")
        .replace(r#""valid":false"#, r#""valid":true"#);
    reply.raw = forged.into_bytes();
    assert!(!signature_verifies(&reply, &keys));
}

#[tokio::test]
async fn a_checked_out_certificate_verifies_offline_with_the_domain_crate() {
    let app = spawn_app().await;
    let keys = public_keys(&app).await;
    let l = licensed(&app, json!({"plan": "Pro"})).await;
    app.runtime(
        "/licenses/activate",
        ask(l.key(), json!({"fingerprint": "m1"})),
    )
    .await;
    let reply = app
        .runtime(
            "/licenses/checkout",
            ask(
                l.key(),
                json!({"fingerprint": "m1", "ttlSeconds": 3600, "nonce": "c1"}),
            ),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data()["nonce"], "c1");
    let token = reply.data()["certificate"].as_str().expect("certificate");
    let now = time::OffsetDateTime::now_utc();
    let claims = verify_certificate(token, &keys, now).expect("verifies offline");
    assert_eq!(claims.sub, l.id());
    assert_eq!(claims.product_id, l.product);
    assert_eq!(claims.status, "ACTIVE");
    assert_eq!(claims.fingerprint.as_deref(), Some("m1"));
    assert_eq!(claims.features, ["sync", "export"]);
    assert!((claims.exp - claims.iat - 3600).abs() <= 1);
    let later = now + time::Duration::hours(2);
    assert!(
        verify_certificate(token, &keys, later).is_err(),
        "the certificate's own expiry holds"
    );
}

#[tokio::test]
async fn checkout_refuses_invalid_licenses_and_out_of_range_lifetimes() {
    let app = spawn_app().await;
    let l = licensed(&app, json!({})).await;
    let not_activated = app
        .runtime(
            "/licenses/checkout",
            ask(l.key(), json!({"fingerprint": "m9"})),
        )
        .await;
    assert_eq!(not_activated.status, 403);
    assert_eq!(not_activated.code(), "NOT_ACTIVATED");
    let too_long = app
        .runtime(
            "/licenses/checkout",
            ask(l.key(), json!({"ttlSeconds": 400 * 86_400})),
        )
        .await;
    assert_eq!(too_long.status, 422);
    app.patch(
        &format!("/licenses/{}/status", l.id()),
        &l.token,
        json!({"status": "REVOKED"}),
    )
    .await;
    let revoked = app
        .runtime("/licenses/checkout", ask(l.key(), json!({})))
        .await;
    assert_eq!(revoked.status, 403);
    assert_eq!(revoked.code(), "REVOKED");
}

#[tokio::test]
async fn private_keys_are_stored_sealed() {
    let app = spawn_app().await;
    public_keys(&app).await;
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM signing_keys WHERE active")
            .await,
        1
    );
    // A PKCS#8 Ed25519 document starts with 0x30 0x51/0x53; a sealed one starts with a random nonce
    // and is longer by the 12-byte nonce and the 16-byte tag.
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM signing_keys WHERE length(sealed_private_key) IN (83 + 28, 85 + 28)")
            .await,
        1
    );
}
