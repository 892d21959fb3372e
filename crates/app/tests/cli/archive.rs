//! `admin export` and `admin import` through the real binary, between two databases
//! with different master keys: every kind of data moves, the re-export is identical,
//! and on the target the password, the license key, the API key, the site token and
//! the webhook secrets keep working; a second import, a bad line or an unknown user
//! are refused clearly and write nothing; another account's data never leaks.

use std::collections::BTreeSet;

use licentia_test_support::{Reply, TestApp, WebhookReceiver};
use serde_json::{Value, json};

use super::*;

/// The target server's master key (base64 of 32 bytes), unlike the source's.
const TARGET_MASTER_KEY: &str = "bGljZW50aWEtYXJjaGl2ZS10YXJnZXQtc2VydmVyLWs=";
/// What `TestApp::register` sets.
const PASSWORD: &str = "correct-horse-battery";
const VENDOR: &str = "vendor@example.com";

/// Every line kind, in the order an export holds them.
const KINDS: [&str; 17] = [
    "licentia-export",
    "account",
    "product",
    "productDomain",
    "customer",
    "license",
    "licenseDomain",
    "activation",
    "site",
    "siteAction",
    "payment",
    "injectable",
    "webhook",
    "apiKey",
    "licenseValidationDay",
    "productValidationDay",
    "end",
];

/// The tables an account's data lives in.
const TABLES: [&str; 16] = [
    "users",
    "api_keys",
    "products",
    "product_domains",
    "customers",
    "licenses",
    "license_last_validations",
    "license_domains",
    "activations",
    "sites",
    "site_actions",
    "payments",
    "injectables",
    "webhook_endpoints",
    "license_validation_days",
    "product_validation_days",
];

/// A source server holding the vendor's account with every kind of data, and
/// another account beside it.
struct Source {
    app: TestApp,
    receiver: WebhookReceiver,
    api_key: String,
    license_id: String,
    license_key: String,
    site_token: String,
    webhook_secret: String,
    previous_webhook_secret: String,
    /// What only the other account holds.
    others: Vec<String>,
}

#[track_caller]
fn created(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, 201, "{what}: {:?}", reply.body);
    reply.data().clone()
}

fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {value}"))
        .to_owned()
}

async fn source_with_everything() -> Source {
    let app = spawn_app_with(|s| {
        s.master_key = Some(TEST_MASTER_KEY.into());
        s.webhooks.dispatcher = false;
    })
    .await;
    let receiver = WebhookReceiver::start().await;
    let token = app.register(VENDOR).await;
    let product = app.product(&token, "app").await;
    created(
        &app.post(
            &format!("/products/{product}/domains"),
            &token,
            json!({"domain": "*.example.com"}),
        )
        .await,
        "product domain",
    );
    let customer = created(
        &app.post(
            "/customers",
            &token,
            json!({"email": "buyer@example.com", "name": "Buyer", "externalId": "crm-1",
                   "metadata": {"segment": "gold"}}),
        )
        .await,
        "customer",
    );
    let customer = text(&customer, "id");
    let license = app
        .license(
            &token,
            &product,
            json!({"plan": "Pro", "customerId": customer, "issuedEmail": "buyer@example.com",
                   "metadata": {"order": "A-1"}}),
        )
        .await;
    let (license_id, license_key) = (text(&license, "id"), text(&license, "key"));
    created(
        &app.post(
            &format!("/licenses/{license_id}/domains"),
            &token,
            json!({"domain": "shop.example.com"}),
        )
        .await,
        "license domain",
    );
    created(
        &app.runtime(
            "/licenses/activate",
            json!({"licenseKey": license_key, "fingerprint": "laptop-1", "platform": "linux"}),
        )
        .await,
        "activation",
    );
    let site = created(
        &app.runtime(
            "/wordpress/register",
            json!({"licenseKey": license_key, "siteUrl": "https://shop.example.com/",
                   "siteName": "Shop", "wpVersion": "6.5.2"}),
        )
        .await,
        "site",
    );
    let site_token = text(&site, "siteToken");
    created(
        &app.post(
            &format!("/sites/{}/actions", text(&site, "siteId")),
            &token,
            json!({"type": "message", "payload": {"text": "hello"}}),
        )
        .await,
        "site action",
    );
    created(
        &app.post(
            "/payments",
            &token,
            json!({"productId": product, "licenseId": license_id, "customerId": customer,
                   "amount": 4900, "currency": "EUR", "status": "succeeded",
                   "provider": "stripe", "providerRef": "pi_1"}),
        )
        .await,
        "payment",
    );
    created(
        &app.post(
            &format!("/products/{product}/injectables"),
            &token,
            json!({"name": "Pro settings", "slug": "pro-settings", "contentType": "application/json",
                   "content": "{\"pro\": true}", "target": "config/pro.json"}),
        )
        .await,
        "injectable",
    );
    let webhook = created(
        &app.post(
            "/webhooks",
            &token,
            json!({"url": receiver.url, "events": ["customer.created"], "description": "CRM"}),
        )
        .await,
        "webhook",
    );
    let previous_webhook_secret = text(&webhook, "secret");
    let rotated = app
        .post(
            &format!("/webhooks/{}/rotate-secret", text(&webhook, "id")),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "rotate: {:?}", rotated.body);
    let webhook_secret = text(rotated.data(), "secret");
    app.api_key(&token, &["licenses:read"], Some(&product))
        .await;
    let api_key = app
        .api_key(&token, &["licenses:read", "customers:write"], None)
        .await;

    // Validation counters, also of a license deleted since: its counts stay in the
    // product's rollup only.
    let gone = text(&app.license(&token, &product, json!({})).await, "id");
    app.db
        .execute(&format!(
            "INSERT INTO license_validation_days (license_id, day, count) VALUES \
             ('{license_id}', '2026-05-01', 7), ('{license_id}', '2026-05-02', 3), \
             ('{gone}', '2026-05-01', 5)"
        ))
        .await;
    app.db
        .execute(&format!(
            "INSERT INTO license_last_validations (license_id, validated_at) \
             VALUES ('{license_id}', '2026-05-02T10:00:00Z')"
        ))
        .await;
    assert_eq!(
        app.delete(&format!("/licenses/{gone}"), &token)
            .await
            .status,
        204
    );

    // Another account on the same server.
    let other = app.register("other@example.com").await;
    let other_product = app.product(&other, "other-app").await;
    let other_license = app
        .license(
            &other,
            &other_product,
            json!({"issuedEmail": "other-buyer@example.com"}),
        )
        .await;
    let others = vec![
        "other@example.com".to_owned(),
        "other-buyer@example.com".to_owned(),
        other_product,
        text(&other_license, "id"),
        text(&other_license, "key"),
    ];
    Source {
        app,
        receiver,
        api_key,
        license_id,
        license_key,
        site_token,
        webhook_secret,
        previous_webhook_secret,
        others,
    }
}

/// `licentia admin <args>` against `db` under `master_key` (webhooks over http allowed,
/// as on the test servers), feeding `stdin`.
async fn admin_with_key(
    db: &TestDatabase,
    master_key: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut full = vec!["admin"];
    full.extend_from_slice(args);
    licentia(
        Some(db),
        &full,
        &[
            ("LICENTIA_MASTER_KEY", master_key),
            ("LICENTIA_WEBHOOKS_ALLOW_HTTP", "true"),
        ],
        stdin,
    )
    .await
}

/// The vendor's export from `db`, as text (stdout).
async fn exported(db: &TestDatabase, master_key: &str) -> String {
    let output = admin_with_key(db, master_key, &["export", "--user", VENDOR], None).await;
    assert_success(&output);
    stdout(&output)
}

fn parse(export: &str) -> Vec<Value> {
    export
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect()
}

fn render(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The kinds in order of appearance, each once.
fn kinds(lines: &[Value]) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for line in lines {
        let kind = text(line, "kind");
        if kinds.last() != Some(&kind) {
            kinds.push(kind);
        }
    }
    kinds
}

/// The 1-based number of the first line of `kind`.
fn line_of(lines: &[Value], kind: &str) -> usize {
    lines
        .iter()
        .position(|l| l["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} line"))
        + 1
}

async fn counts(db: &TestDatabase) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push((
            table,
            db.scalar(&format!("SELECT count(*) AS value FROM {table}"))
                .await,
        ));
    }
    counts
}

#[tokio::test]
async fn an_exported_account_moves_to_another_server_and_keeps_working() {
    let source = source_with_everything().await;
    let path = std::env::temp_dir().join(format!("licentia-export-{}.jsonl", uuid::Uuid::new_v4()));
    let path_arg = path.to_str().expect("a UTF-8 path");
    let output = licentia(
        Some(&source.app.db),
        &[
            "admin",
            "export",
            "--user",
            VENDOR,
            "--output",
            path_arg,
            "--progress-every",
            "5",
        ],
        &[],
        None,
    )
    .await;
    assert_success(&output);
    assert_eq!(stdout(&output), "", "the data went to the file");
    let err = stderr(&output);
    assert!(err.contains("keep it private"), "{err}");
    assert!(err.contains("exported 5 records ("), "progress: {err}");
    assert!(err.contains("exported 10 records ("), "progress: {err}");
    assert!(err.contains("exported vendor@example.com: "), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let export = std::fs::read_to_string(&path).expect("the export");
    std::fs::remove_file(&path).expect("removed");

    let lines = parse(&export);
    assert_eq!(kinds(&lines), KINDS, "every kind, in order");
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(lines[0]["account"], VENDOR);
    let records = lines.len() as u64 - 2;
    assert_eq!(
        lines[lines.len() - 1],
        json!({"kind": "end", "records": records})
    );
    assert!(err.contains(&format!("{records} records in ")), "{err}");
    assert!(
        text(&lines[1], "passwordHash").starts_with("$argon2id$"),
        "the password hash travels"
    );
    let webhook = &lines[line_of(&lines, "webhook") - 1];
    assert_eq!(text(webhook, "secret"), source.webhook_secret);
    assert_eq!(
        text(webhook, "previousSecret"),
        source.previous_webhook_secret
    );
    let license = &lines[line_of(&lines, "license") - 1];
    assert_eq!(text(license, "key"), source.license_key);
    assert_eq!(text(license, "lastValidatedAt"), "2026-05-02T10:00:00Z");
    for other in &source.others {
        assert!(
            !export.contains(other.as_str()),
            "{other} leaked into the export"
        );
    }

    // Into a fresh database, under another master key.
    let target = TestDatabase::new().await;
    let output = admin_with_key(
        &target,
        TARGET_MASTER_KEY,
        &["import", "--progress-every", "5"],
        Some(&export),
    )
    .await;
    assert_success(&output);
    assert!(
        stdout(&output).contains(&format!(
            "imported vendor@example.com: {records} records in "
        )),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("read 10 records ("),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        target
            .scalar("SELECT count(*) AS value FROM users WHERE email <> 'vendor@example.com'")
            .await,
        0,
        "only the vendor's account moved"
    );

    // Exported again from the target: the same lines but the time of export.
    let again = parse(&exported(&target, TARGET_MASTER_KEY).await);
    assert_eq!(again.len(), lines.len());
    let mut header = again[0].clone();
    header["exportedAt"] = lines[0]["exportedAt"].clone();
    assert_eq!(header, lines[0]);
    assert_eq!(again[1..], lines[1..], "the same data");

    // A server on the target database.
    let server = spawn_app_with(|s| {
        s.database_url = target.url();
        s.master_key = Some(TARGET_MASTER_KEY.into());
    })
    .await;
    let login = server
        .request(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": VENDOR, "password": PASSWORD})),
        )
        .await;
    assert_eq!(login.status, 200, "the same password: {:?}", login.body);
    let session = text(login.data(), "token");
    let validated = server
        .runtime(
            "/licenses/validate",
            json!({"licenseKey": source.license_key, "fingerprint": "laptop-1"}),
        )
        .await;
    assert_eq!(validated.status, 200, "{:?}", validated.body);
    assert_eq!(validated.data()["valid"], true, "{:?}", validated.body);
    assert_eq!(validated.data()["code"], "VALID");
    let listed = server
        .get(&format!("/licenses/{}", source.license_id), &source.api_key)
        .await;
    assert_eq!(listed.status, 200, "the API key works: {:?}", listed.body);
    assert_eq!(listed.data()["activationCount"], 2);
    let beat = server
        .runtime(
            "/wordpress/heartbeat",
            json!({"siteToken": source.site_token}),
        )
        .await;
    assert_eq!(beat.status, 200, "the site token works: {:?}", beat.body);
    assert_eq!(beat.data()["pendingActions"], 1);

    // The target signs webhooks with both secrets the receiver knows.
    let customer = server
        .post(
            "/customers",
            &session,
            json!({"email": "new@example.com", "name": "New"}),
        )
        .await;
    assert_eq!(customer.status, 201);
    let received = source
        .receiver
        .wait_until("customer.created from the target", |r| !r.is_empty())
        .await;
    assert_eq!(received[0].event_type(), "customer.created");
    assert!(received[0].signed_by(&source.webhook_secret));
    assert!(received[0].signed_by(&source.previous_webhook_secret));
}

#[tokio::test]
async fn importing_an_account_already_on_the_server_is_refused_and_changes_nothing() {
    let source = source_with_everything().await;
    let export = exported(&source.app.db, TEST_MASTER_KEY).await;
    let lines = parse(&export);

    // Back into its own server.
    let before = counts(&source.app.db).await;
    let output = admin_with_key(&source.app.db, TEST_MASTER_KEY, &["import"], Some(&export)).await;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(
        err.contains("line 2: this account already exists on this server"),
        "{err}"
    );
    assert_eq!(counts(&source.app.db).await, before, "nothing changed");

    // Another account under the same ids: refused at the first taken id.
    let mut renamed = lines.clone();
    renamed[0]["account"] = json!("renamed@example.com");
    renamed[1]["email"] = json!("renamed@example.com");
    renamed[1]["id"] = json!(uuid::Uuid::now_v7().to_string());
    let output = admin_with_key(
        &source.app.db,
        TEST_MASTER_KEY,
        &["import"],
        Some(&render(&renamed)),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("line 3: this product already exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(counts(&source.app.db).await, before, "nothing changed");

    // A target where the address is taken by an account of its own.
    let target = TestDatabase::new().await;
    let taken = licentia(
        Some(&target),
        &[
            "admin",
            "create-user",
            "--email",
            VENDOR,
            "--name",
            "Someone",
        ],
        &[],
        Some("another-long-password\n"),
    )
    .await;
    assert_success(&taken);
    let before = counts(&target).await;
    let output = admin_with_key(&target, TARGET_MASTER_KEY, &["import"], Some(&export)).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("this account already exists on this server or earlier in the file (same id or e-mail address)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(counts(&target).await, before, "nothing changed");

    // Imported once, then again.
    let target = TestDatabase::new().await;
    let first = admin_with_key(&target, TARGET_MASTER_KEY, &["import"], Some(&export)).await;
    assert_success(&first);
    let before = counts(&target).await;
    let second = admin_with_key(&target, TARGET_MASTER_KEY, &["import"], Some(&export)).await;
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("already exists"),
        "{}",
        stderr(&second)
    );
    assert_eq!(counts(&target).await, before, "nothing changed");
}

/// Applies `change` to a copy of `lines`.
fn changed(lines: &[Value], change: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut copy = lines.to_vec();
    change(&mut copy);
    render(&copy)
}

#[tokio::test]
async fn a_bad_file_is_refused_naming_its_line_and_nothing_is_written() {
    let source = source_with_everything().await;
    let lines = parse(&exported(&source.app.db, TEST_MASTER_KEY).await);
    let license = line_of(&lines, "license");
    let customer = line_of(&lines, "customer");
    let webhook = line_of(&lines, "webhook");
    let end = lines.len();

    // Exported under another master key: the webhook secrets cannot be opened.
    let path = std::env::temp_dir().join(format!("licentia-export-{}.jsonl", uuid::Uuid::new_v4()));
    let output = admin_with_key(
        &source.app.db,
        TARGET_MASTER_KEY,
        &[
            "export",
            "--user",
            VENDOR,
            "--output",
            path.to_str().expect("a UTF-8 path"),
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot be opened with this master key"),
        "{}",
        stderr(&output)
    );
    assert!(!path.exists(), "a failed export leaves no file");

    // The target already holds another account's product.
    let bystander = spawn_app_with(|s| s.master_key = Some(TARGET_MASTER_KEY.into())).await;
    let token = bystander.register("bystander@example.com").await;
    let foreign = bystander.product(&token, "theirs").await;
    let target = &bystander.db;
    let before = counts(target).await;

    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "no header",
            changed(&lines, |l| {
                l.remove(0);
            }),
            vec!["line 1: not a Licentia export".into()],
        ),
        (
            "broken JSON",
            {
                let mut raw: Vec<String> = lines.iter().map(Value::to_string).collect();
                raw[license - 1] = r#"{"kind":"license","id":"#.to_owned();
                raw.iter().map(|l| format!("{l}\n")).collect()
            },
            vec![format!(
                "line {license}: column 23: EOF while parsing a value"
            )],
        ),
        (
            "an invalid field",
            changed(&lines, |l| {
                l[license - 1]["issuedEmail"] = json!("not an email")
            }),
            vec![format!(
                "line {license}: license: `issuedEmail` must be a valid email"
            )],
        ),
        (
            "an unknown field",
            changed(&lines, |l| l[license - 1]["colour"] = json!("red")),
            vec![format!("line {license}: unknown field `colour`")],
        ),
        (
            "a reference to another account's product",
            changed(&lines, |l| l[license - 1]["productId"] = json!(foreign)),
            vec![format!(
                "line {license}: this license refers to product {foreign}, which does not come before it"
            )],
        ),
        (
            "records out of order",
            changed(&lines, |l| {
                let moved = l.remove(customer - 1);
                l.insert(2, moved);
            }),
            vec!["line 4: a product after a customer".into()],
        ),
        (
            "a wrong activation count",
            changed(&lines, |l| l[license - 1]["activationCount"] = json!(0)),
            vec![format!(
                "license {} has activationCount 0 but the file holds 2 activation(s)",
                source.license_id
            )],
        ),
        (
            "a bad password hash",
            changed(&lines, |l| l[1]["passwordHash"] = json!("hunter2")),
            vec!["line 2: account: `passwordHash`".into()],
        ),
        (
            "a truncated file",
            changed(&lines, |l| {
                l.pop();
            }),
            vec![format!(
                "the file ends after line {} without its `end` line",
                end - 1
            )],
        ),
        (
            "a wrong count at the end",
            changed(&lines, |l| l[end - 1]["records"] = json!(1)),
            vec![format!("line {end}: the `end` line counts 1 records")],
        ),
    ];
    for (case, file, expected) in cases {
        let output = admin_with_key(target, TARGET_MASTER_KEY, &["import"], Some(&file)).await;
        assert_eq!(output.status.code(), Some(1), "{case}: {}", stdout(&output));
        let err = stderr(&output);
        assert!(err.contains("error: nothing was imported"), "{case}: {err}");
        for needle in expected {
            assert!(err.contains(&needle), "{case}: {err:?} lacks {needle:?}");
        }
        assert_eq!(counts(target).await, before, "{case}: nothing written");
    }

    // A server that refuses http:// webhooks refuses the file's.
    let output = licentia(
        Some(target),
        &["admin", "import"],
        &[("LICENTIA_MASTER_KEY", TARGET_MASTER_KEY)],
        Some(&render(&lines)),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!("line {webhook}: webhook: `url`")),
        "{}",
        stderr(&output)
    );
    assert_eq!(counts(target).await, before, "nothing written");

    // The same file, intact, goes in.
    let output = admin_with_key(
        target,
        TARGET_MASTER_KEY,
        &["import"],
        Some(&render(&lines)),
    )
    .await;
    assert_success(&output);
}

#[tokio::test]
async fn exporting_an_unknown_user_fails_and_writes_no_file() {
    let db = TestDatabase::new().await;
    create_ops(&db).await;
    let path = std::env::temp_dir().join(format!("licentia-export-{}.jsonl", uuid::Uuid::new_v4()));
    let output = licentia(
        Some(&db),
        &[
            "admin",
            "export",
            "--user",
            "nobody@example.com",
            "--output",
            path.to_str().expect("a UTF-8 path"),
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("error: no user with the email nobody@example.com"),
        "{}",
        stderr(&output)
    );
    assert!(!path.exists(), "no file for a failed export");

    let output = licentia(Some(&db), &["admin", "import"], &[], None).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("line 1: not a Licentia export"),
        "an empty input: {}",
        stderr(&output)
    );
    assert_eq!(db.scalar("SELECT count(*) AS value FROM users").await, 1);
}

#[test]
fn the_kinds_are_the_ports_kinds_in_order() {
    let ports: Vec<&str> = licentia_ports::RecordKind::ALL
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(KINDS[1..KINDS.len() - 1], ports[..]);
    let unique: BTreeSet<&str> = KINDS.iter().copied().collect();
    assert_eq!(unique.len(), KINDS.len());
}
