//! `admin rotate-master-key` through the real binary: everything sealed under key A
//! (a signing key, both secrets of a rotated webhook, an idempotent answer) is sealed
//! anew under key B, so a server with B alone validates, delivers and replays, and A
//! alone opens nothing; refusals write nothing.

use licentia::runtime::master_key::MasterKey;
use licentia_domain::jwks::Jwks;
use licentia_domain::signing::PublicKey;
use licentia_test_support::{Reply, TestApp, WebhookReceiver, read};
use secrecy::SecretString;

use super::*;

/// Base64 of 32 bytes each: the old key, the new one, and one that sealed nothing.
const KEY_A: &str = "bGljZW50aWEtY2xpLXRlc3RzLWtleS1hLTAwMDAwMzI=";
const KEY_B: &str = "bGljZW50aWEtY2xpLXRlc3RzLWtleS1iLTAwMDAwMzI=";
const KEY_C: &str = "bGljZW50aWEtY2xpLXRlc3RzLWtleS1jLTAwMDAwMzI=";

/// Every sealed value in the database with the label it is bound to.
const SEALED_VALUES: &str = "\
SELECT kid AS label, sealed_private_key AS bytes FROM signing_keys
UNION ALL SELECT 'webhook:' || id, secret_sealed FROM webhook_endpoints
UNION ALL SELECT 'webhook:' || id, previous_secret_sealed FROM webhook_endpoints
    WHERE previous_secret_sealed IS NOT NULL
UNION ALL SELECT 'idempotency:' || scope || ':' || key, body FROM idempotency_keys
    WHERE body IS NOT NULL";

/// A number that changes when any sealed byte changes.
const SEALED_FINGERPRINT: &str = "\
SELECT ('x' || left(md5(
    coalesce((SELECT string_agg(encode(sealed_private_key, 'hex'), ',' ORDER BY kid) FROM signing_keys), '')
    || '|' || coalesce((SELECT string_agg(encode(secret_sealed, 'hex') || ':'
        || coalesce(encode(previous_secret_sealed, 'hex'), '-'), ',' ORDER BY id) FROM webhook_endpoints), '')
    || '|' || coalesce((SELECT string_agg(coalesce(encode(body, 'hex'), '-'), ',' ORDER BY scope, key)
        FROM idempotency_keys), '')
), 15))::bit(60)::bigint AS value";

/// Runs `licentia admin rotate-master-key` with exactly these keys set (or unset).
async fn rotate(db: &TestDatabase, master: Option<&str>, previous: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_licentia"));
    command
        .args(["admin", "rotate-master-key"])
        .env_clear()
        .env("DATABASE_URL", db.url().expose_secret())
        .env("LICENTIA_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = master {
        command.env("LICENTIA_MASTER_KEY", key);
    }
    if let Some(key) = previous {
        command.env("LICENTIA_PREVIOUS_MASTER_KEY", key);
    }
    tokio::task::spawn_blocking(move || command.output().expect("licentia ran"))
        .await
        .expect("process task")
}

/// A server on `db` with only `key` (and no webhook dispatcher unless asked).
async fn server(db: &TestDatabase, key: &str, dispatcher: bool) -> TestApp {
    spawn_app_with(|s| {
        s.database_url = db.url();
        s.master_key = Some(SecretString::from(key));
        s.previous_master_key = None;
        s.webhooks.dispatcher = dispatcher;
    })
    .await
}

/// What was sealed under the old key, and how to ask for it again.
struct Sealed {
    token: String,
    license_key: String,
    old_secret: String,
    new_secret: String,
    first_answer: Reply,
}

/// `POST /v1/customers` with `Idempotency-Key: order-1`.
async fn idempotent_customer(app: &TestApp, token: &str) -> Reply {
    let request = app
        .client
        .post(app.url("/customers"))
        .bearer_auth(token)
        .header("Idempotency-Key", "order-1")
        .json(&json!({"email": "ada@example.com", "name": "Ada"}));
    read(request.send().await.expect("sent")).await
}

/// Seals, under A: the first signing key, a webhook's two secrets, an idempotent answer.
async fn seal_under_a(db: &TestDatabase, receiver: &WebhookReceiver) -> Sealed {
    let app = server(db, KEY_A, false).await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let license = app.license(&token, &product, json!({})).await;
    let created = app
        .post(
            "/webhooks",
            &token,
            json!({"url": receiver.url, "events": ["customer.created"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let hook = created.data()["id"].as_str().expect("id");
    let rotated = app
        .post(
            &format!("/webhooks/{hook}/rotate-secret"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let first_answer = idempotent_customer(&app, &token).await;
    assert_eq!(first_answer.status, 201, "{:?}", first_answer.body);
    Sealed {
        token,
        license_key: license["key"].as_str().expect("key").to_owned(),
        old_secret: created.data()["secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
        new_secret: rotated.data()["secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
        first_answer,
    }
}

/// Whether the answer's `Licentia-Signature` verifies with the server's JWKS.
async fn validates_with_a_verified_signature(app: &TestApp, license_key: &str) -> bool {
    let jwks = app
        .request("GET", "/.well-known/jwks.json", None, None)
        .await;
    let keys: Vec<PublicKey> =
        Jwks::parse_public_keys(&String::from_utf8(jwks.raw).expect("utf-8")).expect("a JWKS");
    let reply = app
        .runtime("/licenses/validate", json!({"licenseKey": license_key}))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data()["code"], "VALID");
    let header = reply.header("licentia-signature").expect("signed");
    let field = |name: &str| {
        header
            .split(", ")
            .find_map(|part| part.strip_prefix(&format!("{name}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .expect("field present")
            .to_owned()
    };
    let signature = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        field("signature"),
    )
    .expect("base64");
    keys.iter()
        .find(|k| k.kid() == field("keyid"))
        .is_some_and(|key| key.verify(&reply.raw, &signature))
}

/// How many sealed values `key` alone opens, of how many.
async fn opened_by(db: &TestDatabase, key: &str) -> (usize, usize) {
    let key = MasterKey::from_base64(&SecretString::from(key)).expect("a key");
    let values = db.labelled_bytes(SEALED_VALUES).await;
    let opened = values
        .iter()
        .filter(|(label, sealed)| key.open(label, sealed).is_ok())
        .count();
    (opened, values.len())
}

#[tokio::test]
async fn rotation_seals_everything_anew_so_the_new_key_alone_serves() {
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start().await;
    let sealed = seal_under_a(&db, &receiver).await;
    assert_eq!(
        opened_by(&db, KEY_A).await,
        (4, 4),
        "a key, two secrets, an answer"
    );
    let before = db.scalar(SEALED_FINGERPRINT).await;

    let output = rotate(&db, Some(KEY_B), Some(KEY_A)).await;
    assert_success(&output);
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(
        out.contains(
            "sealed 4 value(s) anew under the new master key: 1 signing key, 1 webhook secret, \
             1 previous webhook secret, 1 idempotent answer (4 of them were under the previous key)"
        ),
        "{out}"
    );
    assert!(
        out.contains("next: remove LICENTIA_PREVIOUS_MASTER_KEY"),
        "{out}"
    );
    for line in [
        "1 signing key done",
        "1 webhook secret done",
        "1 previous webhook secret done",
        "1 idempotent answer done",
    ] {
        assert!(err.contains(line), "progress on stderr: {err}");
    }
    for key in [KEY_A, KEY_B] {
        assert!(
            !out.contains(key) && !err.contains(key),
            "no key is printed"
        );
    }
    assert_ne!(db.scalar(SEALED_FINGERPRINT).await, before);
    assert_eq!(
        opened_by(&db, KEY_B).await,
        (4, 4),
        "B alone opens everything"
    );
    assert_eq!(opened_by(&db, KEY_A).await, (0, 4), "A alone opens nothing");

    // A server with B alone signs, replays and delivers.
    let app = server(&db, KEY_B, true).await;
    assert!(validates_with_a_verified_signature(&app, &sealed.license_key).await);
    let replay = idempotent_customer(&app, &sealed.token).await;
    assert_eq!(replay.status, 201, "{:?}", replay.body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        replay.raw, sealed.first_answer.raw,
        "the stored answer, byte for byte"
    );
    app.post(
        "/customers",
        &sealed.token,
        json!({"email": "bob@example.com", "name": "Bob"}),
    )
    .await;
    let received = receiver
        .wait_until("customer.created", |r| {
            r.iter()
                .any(|m| m.json["data"]["email"] == "bob@example.com")
        })
        .await;
    let message = received
        .iter()
        .find(|m| m.json["data"]["email"] == "bob@example.com")
        .expect("delivered");
    assert!(
        message.signed_by(&sealed.new_secret) && message.signed_by(&sealed.old_secret),
        "both secrets still sign within the day after rotate-secret: {}",
        message.signature
    );

    // A server with A alone can neither sign nor replay.
    let old = server(&db, KEY_A, false).await;
    let refused = old
        .runtime(
            "/licenses/validate",
            json!({"licenseKey": sealed.license_key}),
        )
        .await;
    assert_eq!(refused.status, 503, "{:?}", refused.body);
    assert_eq!(refused.code(), "SIGNING_UNAVAILABLE");
    assert_eq!(idempotent_customer(&old, &sealed.token).await.status, 500);

    // Running it again is harmless: everything is already under B.
    let again = rotate(&db, Some(KEY_B), Some(KEY_A)).await;
    assert_success(&again);
    assert!(stdout(&again).contains("(0 of them were under the previous key)"));
    assert!(stderr(&again).contains("already rotated? or are the two keys swapped?"));
    assert_eq!(opened_by(&db, KEY_B).await, (4, 4));
}

#[tokio::test]
async fn expired_values_are_removed_instead_of_blocking_the_rotation() {
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start().await;
    seal_under_a(&db, &receiver).await;
    // Past their use, and unreadable besides: the previous secret's day is over, the
    // answer is older than its 24 hours.
    db.execute(
        "UPDATE webhook_endpoints SET previous_secret_sealed = '\\x00ff', \
         secret_rotated_at = now() - interval '25 hours'; \
         UPDATE idempotency_keys SET body = '\\x00ff', created_at = now() - interval '25 hours'",
    )
    .await;

    let output = rotate(&db, Some(KEY_B), Some(KEY_A)).await;
    assert_success(&output);
    let out = stdout(&output);
    assert!(
        out.contains(
            "sealed 2 value(s) anew under the new master key: 1 signing key, 1 webhook secret ("
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "removed as expired instead of sealed anew: 1 previous webhook secret, 1 idempotent answer"
        ),
        "{out}"
    );
    assert_eq!(
        db.scalar(
            "SELECT (SELECT count(*) FROM webhook_endpoints WHERE previous_secret_sealed IS NOT NULL) \
             + (SELECT count(*) FROM idempotency_keys) AS value"
        )
        .await,
        0
    );
    assert_eq!(opened_by(&db, KEY_B).await, (2, 2));
}

#[tokio::test]
async fn without_two_valid_different_keys_the_rotation_refuses_in_one_line_and_writes_nothing() {
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start().await;
    seal_under_a(&db, &receiver).await;
    let before = db.scalar(SEALED_FINGERPRINT).await;

    let cases: [(Option<&str>, Option<&str>, &str); 5] = [
        (
            None,
            None,
            "error: LICENTIA_MASTER_KEY is not set: set it to the new master key",
        ),
        (
            Some(KEY_B),
            None,
            "error: LICENTIA_PREVIOUS_MASTER_KEY is not set: set it to the master key being replaced",
        ),
        (
            Some(KEY_B),
            Some("c2hvcnQ="),
            "configuration error: LICENTIA_PREVIOUS_MASTER_KEY: must be the base64 of exactly 32 bytes",
        ),
        (
            Some(KEY_A),
            Some(KEY_A),
            "configuration error: LICENTIA_PREVIOUS_MASTER_KEY: must differ from LICENTIA_MASTER_KEY",
        ),
        (
            None,
            Some(KEY_A),
            "configuration error: LICENTIA_PREVIOUS_MASTER_KEY: needs LICENTIA_MASTER_KEY",
        ),
    ];
    for (master, previous, expected) in cases {
        let output = rotate(&db, master, previous).await;
        let err = stderr(&output);
        assert!(
            !output.status.success(),
            "{master:?} {previous:?} must fail"
        );
        assert!(err.starts_with(expected), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(stdout(&output).is_empty());
        assert!(!err.contains(KEY_A) && !err.contains(KEY_B) && !err.contains("c2hvcnQ="));
        assert_eq!(
            db.scalar(SEALED_FINGERPRINT).await,
            before,
            "nothing written"
        );
    }
    assert_eq!(opened_by(&db, KEY_A).await, (4, 4));
}

#[tokio::test]
async fn a_value_neither_key_opens_stops_the_rotation_before_anything_is_written() {
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start().await;
    seal_under_a(&db, &receiver).await;
    let kid = db
        .labelled_bytes("SELECT kid AS label, public_key AS bytes FROM signing_keys")
        .await
        .remove(0)
        .0;
    let before = db.scalar(SEALED_FINGERPRINT).await;

    // The wrong old key: nothing opens, and the refusal says what.
    let output = rotate(&db, Some(KEY_B), Some(KEY_C)).await;
    assert!(!output.status.success());
    let last = stderr(&output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(
        last.starts_with(
            "error: refused: 4 sealed value(s) open with neither LICENTIA_MASTER_KEY nor \
             LICENTIA_PREVIOUS_MASTER_KEY: 1 signing key (kid "
        ),
        "{last}"
    );
    assert!(last.contains(&kid), "{last}");
    assert!(
        last.ends_with("1 idempotent answer; nothing was changed"),
        "{last}"
    );
    assert!(stdout(&output).is_empty());
    assert_eq!(db.scalar(SEALED_FINGERPRINT).await, before);

    // One damaged value among good ones: still nothing is written.
    db.execute("UPDATE webhook_endpoints SET previous_secret_sealed = '\\x00ff'")
        .await;
    let hook = db
        .labelled_bytes("SELECT id::text AS label, secret_sealed AS bytes FROM webhook_endpoints")
        .await
        .remove(0)
        .0;
    let before = db.scalar(SEALED_FINGERPRINT).await;
    let output = rotate(&db, Some(KEY_B), Some(KEY_A)).await;
    assert!(!output.status.success());
    let last = stderr(&output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        last,
        format!(
            "error: refused: 1 sealed value(s) open with neither LICENTIA_MASTER_KEY nor \
             LICENTIA_PREVIOUS_MASTER_KEY: 1 previous webhook secret (webhook {hook}); \
             nothing was changed"
        )
    );
    assert_eq!(db.scalar(SEALED_FINGERPRINT).await, before);
    assert_eq!(
        opened_by(&db, KEY_A).await,
        (3, 4),
        "the readable values are still under A"
    );
}
