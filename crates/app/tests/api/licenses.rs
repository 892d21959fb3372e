//! Licenses: issuing (plan defaults, keys, imports, bulk), reading, filters, PATCH, the
//! status lifecycle, expiry on read, renewal, deletion, nested routes and domains.

use licentia_domain::key_prefix::KeyPrefix;
use licentia_domain::license_key::LicenseKey;
use licentia_test_support::{Reply, TestApp, spawn_app};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Outbox rows of `event_type` about the resource `id`.
async fn events(app: &TestApp, event_type: &str, id: &str) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT count(*) AS value FROM outbox_events WHERE event_type = '{event_type}' AND data->>'id' = '{id}'"
        ))
        .await
}

async fn license_count(app: &TestApp) -> i64 {
    app.db
        .scalar("SELECT count(*) AS value FROM licenses")
        .await
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn key_of(value: &Value) -> String {
    value["key"].as_str().expect("key").to_owned()
}

fn detail_fields(reply: &Reply) -> Vec<String> {
    reply.body["details"]
        .as_array()
        .expect("details on a 422")
        .iter()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

/// The ids of a list answer, sorted (for set comparisons).
fn id_set(reply: &Reply) -> Vec<String> {
    let mut ids: Vec<String> = reply
        .data()
        .as_array()
        .expect("a list")
        .iter()
        .map(id_of)
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    ids.sort();
    ids
}

fn parse_time(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a timestamp"), &Rfc3339).expect("RFC 3339")
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .expect("valid")
        .format(&Rfc3339)
        .expect("formats")
}

/// Asserts `actual` is within a minute of `expected` (server and test clocks differ by
/// the request's duration).
fn assert_about(actual: OffsetDateTime, expected: OffsetDateTime) {
    assert!(
        (actual - expected).abs() < Duration::minutes(1),
        "{actual} is not about {expected}"
    );
}

/// Whether `key` is `PREFIX-` and five groups of five Crockford base32 symbols.
fn is_generated_key(key: &str, prefix: &str) -> bool {
    let mut parts = key.split('-');
    let crockford = |b: u8| {
        b.is_ascii_digit() || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
    };
    parts.next() == Some(prefix) && {
        let groups: Vec<&str> = parts.collect();
        groups.len() == 5
            && groups
                .iter()
                .all(|g| g.len() == 5 && g.bytes().all(crockford))
    }
}

async fn set_status(app: &TestApp, token: &str, id: &str, status: &str) -> Reply {
    app.patch(
        &format!("/licenses/{id}/status"),
        token,
        json!({"status": status}),
    )
    .await
}

async fn stored_status(app: &TestApp, id: &str, status: &str) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND status = '{status}'"
        ))
        .await
}

// ---------------------------------------------------------------------------------------
// Issuing

#[tokio::test]
async fn a_named_plan_fills_the_omitted_terms_case_insensitively() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let before = OffsetDateTime::now_utc();
    let reply = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "plan": "pRO"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let license = reply.data();
    assert_eq!(license["productId"], product.as_str());
    assert_eq!(license["status"], "ACTIVE");
    assert_eq!(license["maxActivations"], 3);
    assert_eq!(license["features"], json!(["sync", "export"]));
    assert_eq!(license["activationCount"], 0);
    assert!(license["customerId"].is_null());
    assert!(license["lastValidatedAt"].is_null());
    assert_about(
        parse_time(&license["expiresAt"]),
        before + Duration::days(365),
    );
    let id = id_of(license);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND max_activations = 3 AND features = '{{sync,export}}' AND status = 'ACTIVE' AND expires_at BETWEEN now() + interval '364 days' AND now() + interval '366 days'"
            ))
            .await,
        1
    );
    assert_eq!(events(&app, "license.created", &id).await, 1);
}

#[tokio::test]
async fn explicit_terms_win_over_the_plan() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let expires = "2031-02-03T04:05:06Z";
    let reply = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "plan": "Pro", "maxActivations": 10, "expiresAt": expires, "features": ["only-this"],
                   "issuedTo": "Ada Lovelace", "issuedEmail": "Ada@Example.com", "metadata": {"order": 42}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let license = reply.data();
    assert_eq!(license["maxActivations"], 10);
    assert_eq!(license["expiresAt"], expires);
    assert_eq!(license["features"], json!(["only-this"]));
    assert_eq!(license["issuedTo"], "Ada Lovelace");
    assert_eq!(license["issuedEmail"], "ada@example.com");
    assert_eq!(license["metadata"], json!({"order": 42}));
    assert_eq!(license["plan"], "Pro");
}

#[tokio::test]
async fn explicit_nulls_mean_unlimited_and_never() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let reply = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "plan": "Pro", "maxActivations": null, "expiresAt": null}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let license = reply.data();
    assert!(
        license["maxActivations"].is_null(),
        "null is unlimited, not the plan's 3"
    );
    assert!(
        license["expiresAt"].is_null(),
        "null is never, not the plan's 365 days"
    );
    assert_eq!(
        license["features"],
        json!(["sync", "export"]),
        "omitted features still come from the plan"
    );
    let id = id_of(license);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND max_activations IS NULL AND expires_at IS NULL"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn an_unknown_plan_or_no_plan_gives_no_defaults() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    for body in [
        json!({"productId": product, "plan": "Enterprise"}),
        json!({"productId": product}),
    ] {
        let reply = app.post("/licenses", &token, body.clone()).await;
        assert_eq!(reply.status, 201, "{body}: {:?}", reply.body);
        assert!(reply.data()["maxActivations"].is_null(), "{body}");
        assert!(reply.data()["expiresAt"].is_null(), "{body}");
        assert_eq!(reply.data()["features"], json!([]), "{body}");
    }
}

#[tokio::test]
async fn generated_keys_have_the_documented_shape_and_the_products_prefix() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let first = key_of(&app.license(&token, &product, json!({})).await);
    let second = key_of(&app.license(&token, &product, json!({})).await);
    assert!(is_generated_key(&first, "LIC"), "{first}");
    assert!(is_generated_key(&second, "LIC"), "{second}");
    assert_ne!(first, second);

    let acme = app
        .post(
            "/products",
            &token,
            json!({"name": "Acme", "slug": "acme", "keyPrefix": "ACME"}),
        )
        .await;
    assert_eq!(acme.status, 201);
    let acme_key = key_of(&app.license(&token, &id_of(acme.data()), json!({})).await);
    assert!(is_generated_key(&acme_key, "ACME"), "{acme_key}");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE key = '{acme_key}' AND key_lookup = '{}'",
                acme_key.replace('-', "")
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn an_imported_key_is_kept_and_must_be_unique_and_8_to_128_characters() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let imported = app
        .license(&token, &product, json!({"key": "OLD-SYSTEM-KEY-0001"}))
        .await;
    assert_eq!(imported["key"], "OLD-SYSTEM-KEY-0001");

    for duplicate in ["OLD-SYSTEM-KEY-0001", "old system key 0001"] {
        let reply = app
            .post(
                "/licenses",
                &token,
                json!({"productId": product, "key": duplicate}),
            )
            .await;
        assert_eq!(reply.status, 409, "{duplicate}: {:?}", reply.body);
        assert_eq!(reply.code(), "LICENSE_KEY_TAKEN");
    }
    for bad in [
        "short".to_owned(),
        "k".repeat(129),
        "tab\tinside-key".to_owned(),
    ] {
        let reply = app
            .post(
                "/licenses",
                &token,
                json!({"productId": product, "key": bad}),
            )
            .await;
        assert_eq!(reply.status, 422, "{bad}: {:?}", reply.body);
        assert_eq!(reply.code(), "VALIDATION_FAILED");
        assert_eq!(detail_fields(&reply), ["key"]);
    }
    let longest = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "key": "k".repeat(128)}),
        )
        .await;
    assert_eq!(longest.status, 201, "{:?}", longest.body);
    let shortest = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "key": "8-chars!"}),
        )
        .await;
    assert_eq!(shortest.status, 201, "{:?}", shortest.body);
    assert_eq!(license_count(&app).await, 3);
}

#[tokio::test]
async fn invalid_create_bodies_are_422_naming_each_field() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let reply = app
        .post(
            "/licenses",
            &token,
            json!({"issuedEmail": "nope", "expiresAt": "tomorrow", "features": ["has space"], "customerId": "x", "metadata": 1}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    let mut fields = detail_fields(&reply);
    fields.sort();
    assert_eq!(
        fields,
        [
            "customerId",
            "expiresAt",
            "features",
            "issuedEmail",
            "metadata",
            "productId"
        ]
    );

    let unknown_product = app
        .post(
            "/licenses",
            &token,
            json!({"productId": "0190a000-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(unknown_product.status, 422);
    assert_eq!(detail_fields(&unknown_product), ["productId"]);

    let unknown_customer = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "customerId": "0190a000-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(unknown_customer.status, 422, "{:?}", unknown_customer.body);
    assert_eq!(detail_fields(&unknown_customer), ["customerId"]);
    assert_eq!(license_count(&app).await, 0);
}

// ---------------------------------------------------------------------------------------
// Reading

#[tokio::test]
async fn a_license_is_found_by_id_by_key_and_by_key_as_typed() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let license = app.license(&token, &product, json!({})).await;
    let id = id_of(&license);
    let key = key_of(&license);

    let spaced_lower = key.to_lowercase().replace('-', " ");
    for handle in [
        id.clone(),
        key.clone(),
        key.to_lowercase(),
        spaced_lower,
        key.replace('-', ""),
    ] {
        let reply = app.get(&format!("/licenses/{handle}"), &token).await;
        assert_eq!(reply.status, 200, "{handle}: {:?}", reply.body);
        assert_eq!(reply.data()["id"], id.as_str(), "{handle}");
        assert_eq!(reply.data()["key"], key.as_str(), "{handle}");
    }

    let imported = app
        .license(&token, &product, json!({"key": "Legacy-Key-0042"}))
        .await;
    let by_imported = app.get("/licenses/legacy%20key%200042", &token).await;
    assert_eq!(by_imported.status, 200, "{:?}", by_imported.body);
    assert_eq!(by_imported.data()["id"], imported["id"]);
}

#[tokio::test]
async fn made_up_and_unknown_keys_are_license_not_found() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    app.license(&token, &product, json!({})).await;
    let well_formed_but_unissued = LicenseKey::generate(&KeyPrefix::default())
        .as_str()
        .to_owned();
    for handle in [
        "LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        well_formed_but_unissued.as_str(),
        "0190a000-0000-7000-8000-000000000000",
        "no-such-imported-key",
    ] {
        let reply = app.get(&format!("/licenses/{handle}"), &token).await;
        assert_eq!(reply.status, 404, "{handle}: {:?}", reply.body);
        assert_eq!(reply.code(), "LICENSE_NOT_FOUND", "{handle}");
    }
}

#[tokio::test]
async fn every_list_filter_includes_and_excludes_the_right_licenses() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let app_product = app.product(&token, "app").await;
    let cli_product = app.product(&token, "cli").await;
    let customer = app
        .post(
            "/customers",
            &token,
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
        .await;
    assert_eq!(customer.status, 201);
    let customer = id_of(customer.data());
    let now = OffsetDateTime::now_utc();
    let soon = rfc3339(now + Duration::days(10));
    let later = rfc3339(now + Duration::days(100));
    let middle = rfc3339(now + Duration::days(50));

    let ada = app
        .license(
            &token,
            &app_product,
            json!({"plan": "Pro", "customerId": customer, "issuedTo": "Ada Lovelace", "issuedEmail": "ada@example.com", "expiresAt": soon}),
        )
        .await;
    let bob = app
        .license(
            &token,
            &cli_product,
            json!({"plan": "Basic", "issuedTo": "Bob 100% Real", "issuedEmail": "bob@example.org", "expiresAt": later}),
        )
        .await;
    let never = app
        .license(&token, &app_product, json!({"expiresAt": null}))
        .await;
    assert_eq!(
        set_status(&app, &token, &id_of(&never), "SUSPENDED")
            .await
            .status,
        200
    );
    let (ada_id, bob_id, never_id) = (id_of(&ada), id_of(&bob), id_of(&never));
    let bob_key_part = key_of(&bob)[4..15].to_lowercase().replace('-', " ");

    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), vec![&ada_id, &bob_id, &never_id]),
        ("status=ACTIVE".into(), vec![&ada_id, &bob_id]),
        ("status=suspended".into(), vec![&never_id]),
        ("status=REVOKED".into(), vec![]),
        (format!("productId={app_product}"), vec![&ada_id, &never_id]),
        (format!("productId={cli_product}"), vec![&bob_id]),
        (format!("customerId={customer}"), vec![&ada_id]),
        ("plan=pro".into(), vec![&ada_id]),
        ("plan=Basic".into(), vec![&bob_id]),
        ("plan=Pr".into(), vec![]),
        ("email=ADA@example.com".into(), vec![&ada_id]),
        ("email=bob@example.org".into(), vec![&bob_id]),
        (format!("expiresBefore={middle}"), vec![&ada_id]),
        (format!("expiresAfter={middle}"), vec![&bob_id]),
        (
            format!(
                "expiresAfter={}&expiresBefore={middle}",
                rfc3339(now + Duration::days(5))
            ),
            vec![&ada_id],
        ),
        (format!("expiresAfter={later}"), vec![]),
        ("q=lovelace".into(), vec![&ada_id]),
        ("q=ada%40example".into(), vec![&ada_id]),
        ("q=100%25".into(), vec![&bob_id]),
        ("q=_".into(), vec![]),
        (format!("q={bob_key_part}"), vec![&bob_id]),
        (
            format!("status=ACTIVE&productId={app_product}"),
            vec![&ada_id],
        ),
    ];
    for (query, expected) in cases {
        let reply = app.get(&format!("/licenses?{query}"), &token).await;
        assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
        assert_eq!(id_set(&reply), sorted(&expected), "?{query}");
        assert_eq!(reply.body["meta"]["total"], expected.len(), "?{query}");
    }

    let paged = app.get("/licenses?perPage=2", &token).await;
    assert_eq!(
        paged.body["meta"],
        json!({"page": 1, "perPage": 2, "total": 3, "totalPages": 2})
    );
    let newest_first: Vec<String> = paged
        .data()
        .as_array()
        .expect("list")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(newest_first, [never_id, bob_id]);
}

// ---------------------------------------------------------------------------------------
// Changing

#[tokio::test]
async fn patch_changes_the_given_fields_and_writes_one_event() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let customer = app
        .post(
            "/customers",
            &token,
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
        .await;
    let customer = id_of(customer.data());
    let license = app
        .license(
            &token,
            &product,
            json!({"plan": "Pro", "issuedTo": "Someone"}),
        )
        .await;
    let id = id_of(&license);

    let reply = app
        .patch(
            &format!("/licenses/{id}"),
            &token,
            json!({"maxActivations": 7, "plan": "Team", "features": ["a", "b"], "issuedTo": null, "issuedEmail": "New@Example.com",
                   "customerId": customer, "metadata": {"note": "x"}, "expiresAt": null}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let changed = reply.data();
    assert_eq!(changed["maxActivations"], 7);
    assert_eq!(changed["plan"], "Team");
    assert_eq!(changed["features"], json!(["a", "b"]));
    assert!(changed["issuedTo"].is_null());
    assert_eq!(changed["issuedEmail"], "new@example.com");
    assert_eq!(changed["customerId"], customer.as_str());
    assert_eq!(changed["metadata"], json!({"note": "x"}));
    assert!(changed["expiresAt"].is_null());
    assert_eq!(changed["key"], license["key"], "the key never changes");
    assert_eq!(changed["status"], "ACTIVE");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND max_activations = 7 AND plan = 'Team' AND issued_to IS NULL AND issued_email = 'new@example.com' AND customer_id = '{customer}' AND expires_at IS NULL"
            ))
            .await,
        1
    );
    assert_eq!(events(&app, "license.updated", &id).await, 1);

    let partial = app
        .patch(
            &format!("/licenses/{id}"),
            &token,
            json!({"maxActivations": null}),
        )
        .await;
    assert_eq!(partial.status, 200);
    assert!(partial.data()["maxActivations"].is_null());
    assert_eq!(partial.data()["plan"], "Team", "absent fields stay");
    assert_eq!(events(&app, "license.updated", &id).await, 2);
}

#[tokio::test]
async fn a_refused_patch_changes_nothing() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(
        &app.license(&token, &product, json!({"maxActivations": 2}))
            .await,
    );

    let invalid = app
        .patch(
            &format!("/licenses/{id}"),
            &token,
            json!({"maxActivations": 5, "issuedEmail": "nope", "status": "LOST"}),
        )
        .await;
    assert_eq!(invalid.status, 422);
    let mut fields = detail_fields(&invalid);
    fields.sort();
    assert_eq!(fields, ["issuedEmail", "status"]);

    let other = app.register("other@example.com").await;
    let foreign = app
        .post(
            "/customers",
            &other,
            json!({"email": "x@example.com", "name": "X"}),
        )
        .await;
    let foreign = id_of(foreign.data());
    let foreign_customer = app
        .patch(
            &format!("/licenses/{id}"),
            &token,
            json!({"maxActivations": 5, "customerId": foreign}),
        )
        .await;
    assert_eq!(foreign_customer.status, 422, "{:?}", foreign_customer.body);
    assert_eq!(detail_fields(&foreign_customer), ["customerId"]);

    assert_eq!(
        app.db
            .scalar(&format!("SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND max_activations = 2 AND customer_id IS NULL"))
            .await,
        1
    );
    assert_eq!(events(&app, "license.updated", &id).await, 0);
}

#[tokio::test]
async fn the_status_lifecycle_is_enforced_with_its_events() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({})).await);

    let suspended = set_status(&app, &token, &id, "SUSPENDED").await;
    assert_eq!(suspended.status, 200, "{:?}", suspended.body);
    assert_eq!(suspended.data()["status"], "SUSPENDED");
    assert_eq!(stored_status(&app, &id, "SUSPENDED").await, 1);
    assert_eq!(events(&app, "license.suspended", &id).await, 1);

    let reinstated = set_status(&app, &token, &id, "ACTIVE").await;
    assert_eq!(reinstated.status, 200);
    assert_eq!(reinstated.data()["status"], "ACTIVE");
    assert_eq!(stored_status(&app, &id, "ACTIVE").await, 1);
    assert_eq!(events(&app, "license.reinstated", &id).await, 1);

    let unchanged = set_status(&app, &token, &id, "ACTIVE").await;
    assert_eq!(
        unchanged.status, 200,
        "setting the current status is accepted"
    );
    assert_eq!(
        events(&app, "license.reinstated", &id).await,
        1,
        "and announces nothing"
    );

    let revoked = app
        .patch(
            &format!("/licenses/{id}/status"),
            &token,
            json!({"status": "REVOKED", "reason": "chargeback"}),
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(revoked.data()["status"], "REVOKED");
    assert_eq!(events(&app, "license.revoked", &id).await, 1);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'license.revoked' AND data->>'id' = '{id}' AND data->>'statusReason' = 'chargeback'"
            ))
            .await,
        1
    );

    for to in ["ACTIVE", "SUSPENDED", "INACTIVE"] {
        let refused = set_status(&app, &token, &id, to).await;
        assert_eq!(refused.status, 409, "REVOKED → {to}");
        assert_eq!(refused.code(), "INVALID_STATUS_TRANSITION");
    }
    assert_eq!(stored_status(&app, &id, "REVOKED").await, 1);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type LIKE 'license.%'")
            .await,
        4
    );
}

#[tokio::test]
async fn an_inactive_license_can_only_become_active() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({})).await);
    assert_eq!(set_status(&app, &token, &id, "INACTIVE").await.status, 200);
    assert_eq!(stored_status(&app, &id, "INACTIVE").await, 1);

    let refused = set_status(&app, &token, &id, "SUSPENDED").await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.code(), "INVALID_STATUS_TRANSITION");
    assert_eq!(stored_status(&app, &id, "INACTIVE").await, 1);
    assert_eq!(events(&app, "license.suspended", &id).await, 0);

    let active = set_status(&app, &token, &id, "ACTIVE").await;
    assert_eq!(active.status, 200);
    assert_eq!(stored_status(&app, &id, "ACTIVE").await, 1);
}

#[tokio::test]
async fn a_bad_status_body_is_422() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({})).await);
    for body in [json!({"status": "LOST"}), json!({})] {
        let reply = app
            .patch(&format!("/licenses/{id}/status"), &token, body.clone())
            .await;
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(detail_fields(&reply), ["status"], "{body}");
    }
    let missing = set_status(
        &app,
        &token,
        "0190a000-0000-7000-8000-000000000000",
        "SUSPENDED",
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "LICENSE_NOT_FOUND");
}

#[tokio::test]
async fn a_passed_expiry_reads_as_expired_while_the_row_still_says_active() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({"plan": "Pro"})).await);
    let fresh = id_of(&app.license(&token, &product, json!({"plan": "Pro"})).await);
    app.db
        .execute(&format!(
            "UPDATE licenses SET expires_at = now() - interval '1 day' WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(
        stored_status(&app, &id, "ACTIVE").await,
        1,
        "arranged: the row still says ACTIVE"
    );

    let reply = app.get(&format!("/licenses/{id}"), &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.data()["status"], "EXPIRED");

    let expired = app.get("/licenses?status=EXPIRED", &token).await;
    assert_eq!(expired.status, 200);
    assert_eq!(id_set(&expired), [id.as_str()]);
    let active = app.get("/licenses?status=ACTIVE", &token).await;
    assert_eq!(
        id_set(&active),
        [fresh],
        "an expired license is not listed as ACTIVE"
    );

    let suspend = set_status(&app, &token, &id, "SUSPENDED").await;
    assert_eq!(
        suspend.status, 409,
        "EXPIRED → SUSPENDED is not in the table"
    );
    assert_eq!(suspend.code(), "INVALID_STATUS_TRANSITION");
    let activate = set_status(&app, &token, &id, "ACTIVE").await;
    assert_eq!(
        activate.status, 409,
        "an expired license needs a renewal, not a status change"
    );
    assert_eq!(stored_status(&app, &id, "ACTIVE").await, 1);
}

#[tokio::test]
async fn revoked_stays_revoked_even_past_its_expiry() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({"plan": "Pro"})).await);
    assert_eq!(set_status(&app, &token, &id, "REVOKED").await.status, 200);
    app.db
        .execute(&format!(
            "UPDATE licenses SET expires_at = now() - interval '1 day' WHERE id = '{id}'"
        ))
        .await;
    let reply = app.get(&format!("/licenses/{id}"), &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.data()["status"],
        "REVOKED",
        "REVOKED is final, whatever the expiry"
    );
    let revoked = app.get("/licenses?status=REVOKED", &token).await;
    assert_eq!(id_set(&revoked), [id.as_str()]);
    let expired = app.get("/licenses?status=EXPIRED", &token).await;
    assert_eq!(expired.body["meta"]["total"], 0);
}

#[tokio::test]
async fn extend_days_counts_from_the_current_expiry_when_it_is_ahead() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let expires = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("valid")
        + Duration::days(10);
    let id = id_of(
        &app.license(&token, &product, json!({"expiresAt": rfc3339(expires)}))
            .await,
    );

    let reply = app
        .post(
            &format!("/licenses/{id}/renew"),
            &token,
            json!({"extendDays": 30}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        parse_time(&reply.data()["expiresAt"]),
        expires + Duration::days(30)
    );
    assert_eq!(reply.data()["status"], "ACTIVE");
    assert_eq!(events(&app, "license.renewed", &id).await, 1);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND expires_at = '{}'",
                rfc3339(expires + Duration::days(30))
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn renewing_an_expired_license_counts_from_now_and_makes_it_active() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({})).await);
    app.db
        .execute(&format!(
            "UPDATE licenses SET expires_at = now() - interval '10 days', status = 'EXPIRED' WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(
        app.get(&format!("/licenses/{id}"), &token).await.data()["status"],
        "EXPIRED"
    );

    let before = OffsetDateTime::now_utc();
    let reply = app
        .post(
            &format!("/licenses/{id}/renew"),
            &token,
            json!({"extendDays": 30}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data()["status"], "ACTIVE");
    assert_about(
        parse_time(&reply.data()["expiresAt"]),
        before + Duration::days(30),
    );
    assert_eq!(stored_status(&app, &id, "ACTIVE").await, 1);
    assert_eq!(events(&app, "license.renewed", &id).await, 1);
    let active = app.get("/licenses?status=ACTIVE", &token).await;
    assert_eq!(id_set(&active), [id]);
}

#[tokio::test]
async fn renewing_to_a_date_sets_it_and_revives_a_license_expired_only_on_read() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({"plan": "Pro"})).await);
    app.db
        .execute(&format!(
            "UPDATE licenses SET expires_at = now() - interval '1 hour' WHERE id = '{id}'"
        ))
        .await;
    let until = "2040-01-01T00:00:00Z";
    let reply = app
        .post(
            &format!("/licenses/{id}/renew"),
            &token,
            json!({"expiresAt": until}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.data()["expiresAt"], until);
    assert_eq!(reply.data()["status"], "ACTIVE");
    assert_eq!(events(&app, "license.renewed", &id).await, 1);
}

#[tokio::test]
async fn renewing_into_the_past_or_without_terms_is_422() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(
        &app.license(
            &token,
            &product,
            json!({"expiresAt": "2039-01-01T00:00:00Z"}),
        )
        .await,
    );
    let path = format!("/licenses/{id}/renew");
    for (body, field) in [
        (
            json!({"expiresAt": "2001-01-01T00:00:00Z"}),
            Some("expiresAt"),
        ),
        (json!({"expiresAt": "not a time"}), Some("expiresAt")),
        (json!({"extendDays": 0}), Some("extendDays")),
        (json!({}), None),
        (
            json!({"expiresAt": "2040-01-01T00:00:00Z", "extendDays": 5}),
            None,
        ),
    ] {
        let reply = app.post(&path, &token, body.clone()).await;
        assert_eq!(reply.status, 422, "{body}: {:?}", reply.body);
        assert_eq!(reply.code(), "VALIDATION_FAILED");
        let fields = detail_fields(&reply);
        match field {
            Some(field) => assert_eq!(fields, [field], "{body}"),
            None => assert!(!fields.is_empty(), "{body}: a 422 names a field"),
        }
    }
    assert_eq!(
        app.db
            .scalar(&format!("SELECT count(*) AS value FROM licenses WHERE id = '{id}' AND expires_at = '2039-01-01T00:00:00Z'"))
            .await,
        1
    );
    assert_eq!(events(&app, "license.renewed", &id).await, 0);
}

#[tokio::test]
async fn a_revoked_license_cannot_be_renewed() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(
        &app.license(
            &token,
            &product,
            json!({"expiresAt": "2039-01-01T00:00:00Z"}),
        )
        .await,
    );
    assert_eq!(set_status(&app, &token, &id, "REVOKED").await.status, 200);
    let reply = app
        .post(
            &format!("/licenses/{id}/renew"),
            &token,
            json!({"extendDays": 30}),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "INVALID_STATUS_TRANSITION");
    assert_eq!(stored_status(&app, &id, "REVOKED").await, 1);
    assert_eq!(events(&app, "license.renewed", &id).await, 0);
}

#[tokio::test]
async fn deleting_a_license_removes_the_row() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({})).await);
    let keep = id_of(&app.license(&token, &product, json!({})).await);
    let domain = app
        .post(
            &format!("/licenses/{id}/domains"),
            &token,
            json!({"domain": "example.com"}),
        )
        .await;
    assert_eq!(domain.status, 201);

    let reply = app.delete(&format!("/licenses/{id}"), &token).await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE id = '{id}'"
            ))
            .await,
        0
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE id = '{keep}'"
            ))
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM license_domains")
            .await,
        0
    );
    assert_eq!(events(&app, "license.deleted", &id).await, 1);
    let gone = app.get(&format!("/licenses/{id}"), &token).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "LICENSE_NOT_FOUND");
    let again = app.delete(&format!("/licenses/{id}"), &token).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "LICENSE_NOT_FOUND");
    assert_eq!(events(&app, "license.deleted", &id).await, 1);
}

// ---------------------------------------------------------------------------------------
// Nested routes and domains

#[tokio::test]
async fn licenses_are_created_and_listed_under_their_product() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let other = app.product(&token, "other").await;
    let reply = app
        .post(
            &format!("/products/{product}/licenses"),
            &token,
            json!({"plan": "Pro"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.data()["productId"], product.as_str());
    assert_eq!(
        reply.data()["maxActivations"],
        3,
        "the path's product supplies the plan"
    );
    let nested = id_of(reply.data());
    let overridden = app
        .post(
            &format!("/products/{product}/licenses"),
            &token,
            json!({"productId": other}),
        )
        .await;
    assert_eq!(overridden.status, 201);
    assert_eq!(
        overridden.data()["productId"],
        product.as_str(),
        "the path wins over the body"
    );
    app.license(&token, &other, json!({})).await;

    let listed = app
        .get(&format!("/products/{product}/licenses"), &token)
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        id_set(&listed),
        sorted(&[&nested, &id_of(overridden.data())])
    );
    assert_eq!(listed.body["meta"]["total"], 2);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE product_id = '{product}'"
            ))
            .await,
        2
    );
}

#[tokio::test]
async fn nested_routes_of_an_unknown_product_are_product_not_found() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let path = "/products/0190a000-0000-7000-8000-000000000000/licenses";
    let created = app.post(path, &token, json!({})).await;
    assert_eq!(created.status, 404, "{:?}", created.body);
    assert_eq!(created.code(), "PRODUCT_NOT_FOUND");
    let listed = app.get(path, &token).await;
    assert_eq!(listed.status, 404);
    assert_eq!(listed.code(), "PRODUCT_NOT_FOUND");
    assert_eq!(license_count(&app).await, 0);
}

#[tokio::test]
async fn license_domains_are_normalised_listed_and_removed() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let id = id_of(&app.license(&token, &product, json!({})).await);
    let path = format!("/licenses/{id}/domains");

    let added = app
        .post(
            &path,
            &token,
            json!({"domain": "https://Shop.Example.COM/wp-admin"}),
        )
        .await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    assert_eq!(added.data()["domain"], "shop.example.com");
    assert_eq!(added.data()["licenseId"], id.as_str());
    assert_eq!(
        app.post(&path, &token, json!({"domain": "blog.example.org"}))
            .await
            .status,
        201
    );

    let duplicate = app
        .post(&path, &token, json!({"domain": "SHOP.example.com"}))
        .await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.code(), "DOMAIN_EXISTS");
    for bad in ["*.example.com", "exa mple.com", ""] {
        let reply = app.post(&path, &token, json!({"domain": bad})).await;
        assert_eq!(reply.status, 422, "{bad:?}: {:?}", reply.body);
        assert_eq!(detail_fields(&reply), ["domain"]);
    }

    let listed = app.get(&path, &token).await;
    assert_eq!(listed.status, 200);
    let domains: Vec<&str> = listed
        .data()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["domain"].as_str())
        .collect();
    assert_eq!(domains, ["blog.example.org", "shop.example.com"]);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM license_domains WHERE license_id = '{id}'"
            ))
            .await,
        2
    );

    let removed = app
        .delete(&format!("{path}/shop.example.com"), &token)
        .await;
    assert_eq!(removed.status, 204);
    let again = app
        .delete(&format!("{path}/shop.example.com"), &token)
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "DOMAIN_NOT_FOUND");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM license_domains")
            .await,
        1
    );

    let unknown = app
        .get(
            "/licenses/0190a000-0000-7000-8000-000000000000/domains",
            &token,
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.code(), "LICENSE_NOT_FOUND");
    let unknown_add = app
        .post(
            "/licenses/0190a000-0000-7000-8000-000000000000/domains",
            &token,
            json!({"domain": "a.example"}),
        )
        .await;
    assert_eq!(unknown_add.status, 404);
    assert_eq!(unknown_add.code(), "LICENSE_NOT_FOUND");
}

// ---------------------------------------------------------------------------------------
// Bulk

#[tokio::test]
async fn a_bulk_of_three_creates_three() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let reply = app
        .post(
            "/licenses/bulk",
            &token,
            json!({"licenses": [
                {"productId": product, "plan": "Pro"},
                {"productId": product, "issuedEmail": "b@example.com"},
                {"productId": product, "key": "IMPORTED-0003"}
            ]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let created = reply.data().as_array().expect("a list");
    assert_eq!(created.len(), 3);
    assert_eq!(created[0]["maxActivations"], 3);
    assert_eq!(created[1]["issuedEmail"], "b@example.com");
    assert_eq!(created[2]["key"], "IMPORTED-0003");
    assert_eq!(license_count(&app).await, 3);
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'license.created'"
            )
            .await,
        3
    );
}

#[tokio::test]
async fn a_bulk_of_1000_is_accepted_and_1001_is_refused() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let items = |n: usize| json!({"licenses": vec![json!({"productId": product}); n]});

    let too_many = app.post("/licenses/bulk", &token, items(1001)).await;
    assert_eq!(too_many.status, 422, "{:?}", too_many.body["message"]);
    assert_eq!(detail_fields(&too_many), ["licenses"]);
    assert_eq!(license_count(&app).await, 0);

    let empty = app.post("/licenses/bulk", &token, items(0)).await;
    assert_eq!(empty.status, 422);
    assert_eq!(detail_fields(&empty), ["licenses"]);

    let reply = app.post("/licenses/bulk", &token, items(1000)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body["message"]);
    assert_eq!(reply.data().as_array().expect("a list").len(), 1000);
    assert_eq!(license_count(&app).await, 1000);
    assert_eq!(
        app.db
            .scalar("SELECT count(DISTINCT key_lookup) AS value FROM licenses")
            .await,
        1000
    );
}

#[tokio::test]
async fn one_invalid_item_refuses_the_whole_bulk_naming_it() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let reply = app
        .post(
            "/licenses/bulk",
            &token,
            json!({"licenses": [
                {"productId": product},
                {"productId": product, "issuedEmail": "not-an-email"},
                {"productId": product},
                {"productId": product, "maxActivations": 2000000}
            ]}),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    assert_eq!(
        detail_fields(&reply),
        ["licenses[1].issuedEmail", "licenses[3].maxActivations"]
    );
    assert_eq!(license_count(&app).await, 0);
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'license.created'"
            )
            .await,
        0
    );

    let unknown_product = app
        .post(
            "/licenses/bulk",
            &token,
            json!({"licenses": [{"productId": product}, {"productId": "0190a000-0000-7000-8000-000000000000"}]}),
        )
        .await;
    assert_eq!(unknown_product.status, 422);
    assert_eq!(detail_fields(&unknown_product), ["licenses[1].productId"]);
    assert_eq!(license_count(&app).await, 0);
}

#[tokio::test]
async fn a_duplicate_key_inside_a_bulk_creates_nothing() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let reply = app
        .post(
            "/licenses/bulk",
            &token,
            json!({"licenses": [
                {"productId": product, "key": "SAME-KEY-0001"},
                {"productId": product},
                {"productId": product, "key": "same key 0001"}
            ]}),
        )
        .await;
    assert_eq!(reply.status, 409, "{:?}", reply.body);
    assert_eq!(reply.code(), "LICENSE_KEY_TAKEN");
    assert_eq!(license_count(&app).await, 0);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type LIKE 'license.%'")
            .await,
        0
    );

    app.license(&token, &product, json!({"key": "EXISTING-0001"}))
        .await;
    let clash = app
        .post(
            "/licenses/bulk",
            &token,
            json!({"licenses": [{"productId": product}, {"productId": product, "key": "EXISTING-0001"}]}),
        )
        .await;
    assert_eq!(clash.status, 409);
    assert_eq!(clash.code(), "LICENSE_KEY_TAKEN");
    assert_eq!(license_count(&app).await, 1);
}

#[tokio::test]
async fn a_customer_of_another_account_refuses_the_bulk() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let mine = app
        .post(
            "/customers",
            &token,
            json!({"email": "mine@example.com", "name": "Mine"}),
        )
        .await;
    let mine = id_of(mine.data());
    let other = app.register("other@example.com").await;
    let theirs = app
        .post(
            "/customers",
            &other,
            json!({"email": "theirs@example.com", "name": "Theirs"}),
        )
        .await;
    let theirs = id_of(theirs.data());

    let reply = app
        .post(
            "/licenses/bulk",
            &token,
            json!({"licenses": [{"productId": product, "customerId": mine}, {"productId": product, "customerId": theirs}]}),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    let fields = detail_fields(&reply);
    assert!(
        fields.len() == 1 && fields[0].ends_with("customerId"),
        "the refusal names the customerId field: {fields:?}"
    );
    assert_eq!(license_count(&app).await, 0);

    let single = app
        .post(
            "/licenses",
            &token,
            json!({"productId": product, "customerId": theirs}),
        )
        .await;
    assert_eq!(single.status, 422);
    assert_eq!(detail_fields(&single), ["customerId"]);
    assert_eq!(license_count(&app).await, 0);
}
