//! Products: create, validation, listing, GET/PUT/PATCH/DELETE, domains and their outbox events.

use licentia_test_support::{Reply, TestApp, spawn_app};
use serde_json::{Value, json};

/// Outbox rows of `event_type` about the resource `id`.
async fn events(app: &TestApp, event_type: &str, id: &str) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT count(*) AS value FROM outbox_events WHERE event_type = '{event_type}' AND data->>'id' = '{id}'"
        ))
        .await
}

/// The `field`s of a 422's `details`.
fn detail_fields(reply: &Reply) -> Vec<String> {
    reply.body["details"]
        .as_array()
        .expect("details on a 422")
        .iter()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

/// The ids of a list answer, in order.
fn ids(reply: &Reply) -> Vec<String> {
    reply
        .data()
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn creating_a_product_derives_the_slug_defaults_the_prefix_and_keeps_the_plans() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let plans = json!([
        {"name": "Basic", "maxActivations": 1, "durationDays": 30, "features": ["sync"]},
        {"name": "Lifetime", "maxActivations": null, "durationDays": null, "features": []}
    ]);
    let reply = app
        .post(
            "/products",
            &token,
            json!({"name": "My App 2", "description": "The app", "plans": plans, "metadata": {"sku": "A-1"}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let product = reply.data();
    assert_eq!(product["name"], "My App 2");
    assert_eq!(
        product["slug"], "my-app-2",
        "the slug is derived from the name"
    );
    assert_eq!(product["keyPrefix"], "LIC", "the default key prefix");
    assert_eq!(product["description"], "The app");
    assert_eq!(product["plans"], plans);
    assert_eq!(product["metadata"], json!({"sku": "A-1"}));
    assert!(
        product["createdAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    let id = product["id"].as_str().expect("id");
    let fetched = app.get(&format!("/products/{id}"), &token).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(
        fetched.data()["plans"],
        plans,
        "plans round-trip through the database"
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM products WHERE id = '{id}' AND slug = 'my-app-2' AND key_prefix = 'LIC' AND jsonb_array_length(plans) = 2"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn an_explicit_slug_and_prefix_are_kept() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let reply = app
        .post(
            "/products",
            &token,
            json!({"name": "Whatever", "slug": "acme-cli", "keyPrefix": "ACME2"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.data()["slug"], "acme-cli");
    assert_eq!(reply.data()["keyPrefix"], "ACME2");
    assert_eq!(reply.data()["plans"], json!([]));
    assert_eq!(reply.data()["metadata"], json!({}));
    assert!(reply.data()["description"].is_null());
}

#[tokio::test]
async fn a_duplicate_slug_is_a_conflict_within_an_account_but_not_across_accounts() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    app.product(&token, "my-app").await;
    let again = app
        .post(
            "/products",
            &token,
            json!({"name": "Other", "slug": "my-app"}),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "SLUG_TAKEN");
    let derived = app
        .post("/products", &token, json!({"name": "My App"}))
        .await;
    assert_eq!(derived.status, 409, "a derived slug is checked too");
    assert_eq!(derived.code(), "SLUG_TAKEN");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM products")
            .await,
        1
    );

    let other = app.register("other@example.com").await;
    let theirs = app
        .post(
            "/products",
            &other,
            json!({"name": "Theirs", "slug": "my-app"}),
        )
        .await;
    assert_eq!(
        theirs.status, 201,
        "slugs are unique per account: {:?}",
        theirs.body
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM products WHERE slug = 'my-app'")
            .await,
        2
    );
}

#[tokio::test]
async fn invalid_fields_are_all_reported_with_details_and_nothing_is_created() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let reply = app
        .post(
            "/products",
            &token,
            json!({
                "name": "Valid Name",
                "slug": "Bad Slug",
                "keyPrefix": "lic",
                "plans": [{"name": "Pro", "features": []}, {"name": "pro", "features": []}],
                "metadata": {"blob": "x".repeat(16 * 1024)}
            }),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    let fields = detail_fields(&reply);
    for field in ["slug", "keyPrefix", "plans", "metadata"] {
        assert!(
            fields.iter().any(|f| f == field),
            "{field} missing from {fields:?}"
        );
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM products")
            .await,
        0
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM outbox_events")
            .await,
        0
    );
}

#[tokio::test]
async fn each_invalid_field_alone_is_a_422_naming_it() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let cases = [
        (json!({"name": "A", "slug": "x"}), "slug"),
        (json!({"name": "A", "slug": "has_underscore"}), "slug"),
        (
            json!({"name": "A", "slug": "ok-slug", "keyPrefix": "lic"}),
            "keyPrefix",
        ),
        (
            json!({"name": "A", "slug": "ok-slug", "keyPrefix": "TOOLONGPX"}),
            "keyPrefix",
        ),
        (
            json!({"name": "A", "slug": "ok-slug", "plans": [{"name": "Team"}, {"name": "TEAM"}]}),
            "plans",
        ),
        (
            json!({"name": "A", "slug": "ok-slug", "metadata": ["not", "an", "object"]}),
            "metadata",
        ),
        (
            json!({"name": "A", "slug": "ok-slug", "metadata": "text"}),
            "metadata",
        ),
        (
            json!({"name": "A", "slug": "ok-slug", "metadata": {"k": "x".repeat(16 * 1024)}}),
            "metadata",
        ),
        (json!({"slug": "ok-slug"}), "name"),
        (json!({"name": "!!!"}), "slug"),
    ];
    for (body, field) in cases {
        let reply = app.post("/products", &token, body.clone()).await;
        assert_eq!(reply.status, 422, "{body}: {:?}", reply.body);
        assert_eq!(reply.code(), "VALIDATION_FAILED");
        assert_eq!(detail_fields(&reply), [field], "{body}");
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM products")
            .await,
        0
    );
}

#[tokio::test]
async fn metadata_just_under_16_kib_is_accepted() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    // `{"k":"…"}` is 8 bytes around the value.
    let reply = app
        .post(
            "/products",
            &token,
            json!({"name": "A", "slug": "big", "metadata": {"k": "x".repeat(16 * 1024 - 8)}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body["details"]);
}

#[tokio::test]
async fn lists_are_paginated_newest_first_with_meta() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let first = app.product(&token, "first").await;
    let second = app.product(&token, "second").await;
    let third = app.product(&token, "third").await;

    let page1 = app.get("/products?perPage=2", &token).await;
    assert_eq!(page1.status, 200);
    assert_eq!(
        page1.body["meta"],
        json!({"page": 1, "perPage": 2, "total": 3, "totalPages": 2})
    );
    assert_eq!(ids(&page1), [third.clone(), second.clone()]);

    let page2 = app.get("/products?perPage=2&page=2", &token).await;
    assert_eq!(page2.status, 200);
    assert_eq!(
        page2.body["meta"],
        json!({"page": 2, "perPage": 2, "total": 3, "totalPages": 2})
    );
    assert_eq!(ids(&page2), [first.as_str()]);

    let beyond = app.get("/products?perPage=2&page=3", &token).await;
    assert_eq!(beyond.status, 200);
    assert_eq!(ids(&beyond), Vec::<String>::new());
    assert_eq!(beyond.body["meta"]["total"], 3);

    let default = app.get("/products", &token).await;
    assert_eq!(
        default.body["meta"],
        json!({"page": 1, "perPage": 20, "total": 3, "totalPages": 1})
    );
    assert_eq!(ids(&default), [third, second, first]);
}

#[tokio::test]
async fn an_unknown_product_is_404() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let missing = "0190a000-0000-7000-8000-000000000000";
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"name": "X"}))),
        ("DELETE", None),
    ] {
        let reply = app
            .request(method, &format!("/products/{missing}"), Some(&token), body)
            .await;
        assert_eq!(reply.status, 404, "{method}");
        assert_eq!(reply.code(), "PRODUCT_NOT_FOUND", "{method}");
    }
    let put = app
        .put(
            &format!("/products/{missing}"),
            &token,
            json!({"name": "X", "slug": "xx"}),
        )
        .await;
    assert_eq!(put.status, 404);
    assert_eq!(put.code(), "PRODUCT_NOT_FOUND");
}

#[tokio::test]
async fn put_replaces_every_field() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let created = app
        .post(
            "/products",
            &token,
            json!({
                "name": "Old", "slug": "old", "description": "old text", "keyPrefix": "OLD",
                "plans": [{"name": "Pro", "maxActivations": 2, "features": ["a"]}],
                "metadata": {"a": 1}
            }),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.data()["id"].as_str().expect("id").to_owned();

    let reply = app
        .put(
            &format!("/products/{id}"),
            &token,
            json!({"name": "New Name", "slug": "new"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let product = reply.data();
    assert_eq!(product["id"], id.as_str());
    assert_eq!(product["name"], "New Name");
    assert_eq!(product["slug"], "new");
    assert!(
        product["description"].is_null(),
        "an omitted description is cleared"
    );
    assert_eq!(
        product["keyPrefix"], "LIC",
        "an omitted prefix is reset to the default"
    );
    assert_eq!(product["plans"], json!([]));
    assert_eq!(product["metadata"], json!({}));
    assert_eq!(product["createdAt"], created.data()["createdAt"]);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM products WHERE id = '{id}' AND name = 'New Name' AND description IS NULL AND key_prefix = 'LIC' AND plans = '[]' AND metadata = '{{}}'"
            ))
            .await,
        1
    );

    let invalid = app
        .put(&format!("/products/{id}"), &token, json!({"slug": "new"}))
        .await;
    assert_eq!(invalid.status, 422, "PUT needs the full description");
    assert_eq!(detail_fields(&invalid), ["name"]);
}

#[tokio::test]
async fn patch_changes_only_the_given_fields_and_null_clears_the_description() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let created = app
        .post(
            "/products",
            &token,
            json!({"name": "App", "slug": "app", "description": "keep me?", "keyPrefix": "APP",
                   "plans": [{"name": "Pro", "features": ["x"]}], "metadata": {"a": 1}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.data()["id"].as_str().expect("id").to_owned();
    let path = format!("/products/{id}");

    let renamed = app.patch(&path, &token, json!({"name": "Renamed"})).await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    assert_eq!(renamed.data()["name"], "Renamed");
    assert_eq!(renamed.data()["slug"], "app");
    assert_eq!(renamed.data()["description"], "keep me?");
    assert_eq!(renamed.data()["keyPrefix"], "APP");
    assert_eq!(renamed.data()["plans"], created.data()["plans"]);
    assert_eq!(renamed.data()["metadata"], json!({"a": 1}));

    let cleared = app.patch(&path, &token, json!({"description": null})).await;
    assert_eq!(cleared.status, 200);
    assert!(cleared.data()["description"].is_null());
    assert_eq!(cleared.data()["name"], "Renamed");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM products WHERE id = '{id}' AND description IS NULL AND name = 'Renamed'"
            ))
            .await,
        1
    );

    let bad = app
        .patch(&path, &token, json!({"keyPrefix": "lower"}))
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(detail_fields(&bad), ["keyPrefix"]);
    assert_eq!(
        app.get(&path, &token).await.data()["keyPrefix"],
        "APP",
        "a refused PATCH changes nothing"
    );
}

#[tokio::test]
async fn patching_to_a_taken_slug_is_a_conflict() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    app.product(&token, "taken").await;
    let id = app.product(&token, "mine").await;
    let reply = app
        .patch(&format!("/products/{id}"), &token, json!({"slug": "taken"}))
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "SLUG_TAKEN");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM products WHERE id = '{id}' AND slug = 'mine'"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn deleting_a_product_with_licenses_needs_force() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = app.product(&token, "app").await;
    let other = app.product(&token, "other").await;
    for _ in 0..2 {
        app.license(&token, &id, json!({})).await;
    }
    app.license(&token, &other, json!({})).await;

    let refused = app.delete(&format!("/products/{id}"), &token).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.code(), "PRODUCT_HAS_LICENSES");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM products WHERE id = '{id}'"
            ))
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE product_id = '{id}'"
            ))
            .await,
        2
    );
    assert_eq!(
        events(&app, "product.deleted", &id).await,
        0,
        "no event without its change"
    );

    let forced = app
        .delete(&format!("/products/{id}?force=true"), &token)
        .await;
    assert_eq!(forced.status, 204);
    assert_eq!(forced.body, Value::Null, "204 has no body");
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events \
                 WHERE event_type = 'license.deleted' AND product_id = '{id}'"
            ))
            .await,
        2,
        "each license deleted with its product is announced"
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM products WHERE id = '{id}'"
            ))
            .await,
        0
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE product_id = '{id}'"
            ))
            .await,
        0
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM licenses")
            .await,
        1,
        "licenses of other products stay"
    );
    let gone = app.get(&format!("/products/{id}"), &token).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "PRODUCT_NOT_FOUND");
}

#[tokio::test]
async fn deleting_a_product_without_licenses_is_204_then_404() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = app.product(&token, "app").await;
    let reply = app.delete(&format!("/products/{id}"), &token).await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM products")
            .await,
        0
    );
    let again = app.delete(&format!("/products/{id}"), &token).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "PRODUCT_NOT_FOUND");
}

#[tokio::test]
async fn each_change_writes_exactly_one_outbox_event() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = app.product(&token, "app").await;
    assert_eq!(events(&app, "product.created", &id).await, 1);
    assert_eq!(events(&app, "product.updated", &id).await, 0);

    let patched = app
        .patch(
            &format!("/products/{id}"),
            &token,
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(events(&app, "product.updated", &id).await, 1);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'product.updated' AND product_id = '{id}' AND data->>'name' = 'Renamed'"
            ))
            .await,
        1,
        "the event carries the product as changed"
    );

    let put = app
        .put(
            &format!("/products/{id}"),
            &token,
            json!({"name": "Again", "slug": "app"}),
        )
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(events(&app, "product.updated", &id).await, 2);

    let refused = app
        .patch(&format!("/products/{id}"), &token, json!({"slug": "NOPE"}))
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        events(&app, "product.updated", &id).await,
        2,
        "a refused change writes no event"
    );

    let deleted = app.delete(&format!("/products/{id}"), &token).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(events(&app, "product.deleted", &id).await, 1);
    assert_eq!(events(&app, "product.created", &id).await, 1);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM outbox_events WHERE event_type LIKE 'product.%'")
            .await,
        4
    );
}

#[tokio::test]
async fn domains_are_normalised_listed_and_removed() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = app.product(&token, "app").await;
    let path = format!("/products/{id}/domains");

    let added = app
        .post(
            &path,
            &token,
            json!({"domain": "https://Shop.Example.COM/x"}),
        )
        .await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    assert_eq!(added.data()["domain"], "shop.example.com");
    assert_eq!(added.data()["productId"], id.as_str());

    let wildcard = app
        .post(&path, &token, json!({"domain": "*.example.com"}))
        .await;
    assert_eq!(wildcard.status, 201, "{:?}", wildcard.body);
    assert_eq!(wildcard.data()["domain"], "*.example.com");

    let idna = app
        .post(&path, &token, json!({"domain": "Bücher.Example"}))
        .await;
    assert_eq!(idna.status, 201, "{:?}", idna.body);
    assert_eq!(idna.data()["domain"], "xn--bcher-kva.example");

    let listed = app.get(&path, &token).await;
    assert_eq!(listed.status, 200);
    let domains: Vec<&str> = listed
        .data()
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|d| d["domain"].as_str())
        .collect();
    assert_eq!(domains.len(), 3);
    for expected in ["shop.example.com", "*.example.com", "xn--bcher-kva.example"] {
        assert!(
            domains.contains(&expected),
            "{expected} missing from {domains:?}"
        );
    }
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM product_domains WHERE product_id = '{id}' AND domain IN ('shop.example.com', '*.example.com', 'xn--bcher-kva.example')"
            ))
            .await,
        3
    );

    let removed = app
        .delete(&format!("{path}/shop.example.com"), &token)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        app.db
            .scalar(&format!("SELECT count(*) AS value FROM product_domains WHERE product_id = '{id}' AND domain = 'shop.example.com'"))
            .await,
        0
    );
    let again = app
        .delete(&format!("{path}/shop.example.com"), &token)
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "DOMAIN_NOT_FOUND");

    let removed_wildcard = app.delete(&format!("{path}/*.example.com"), &token).await;
    assert_eq!(removed_wildcard.status, 204);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM product_domains")
            .await,
        1
    );
}

#[tokio::test]
async fn a_duplicate_domain_is_a_conflict_even_when_spelled_differently() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = app.product(&token, "app").await;
    let path = format!("/products/{id}/domains");
    assert_eq!(
        app.post(&path, &token, json!({"domain": "shop.example.com"}))
            .await
            .status,
        201
    );
    for spelling in [
        "shop.example.com",
        "HTTPS://SHOP.example.com:443/cart",
        "shop.example.com.",
    ] {
        let reply = app.post(&path, &token, json!({"domain": spelling})).await;
        assert_eq!(reply.status, 409, "{spelling}: {:?}", reply.body);
        assert_eq!(reply.code(), "DOMAIN_EXISTS");
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM product_domains")
            .await,
        1
    );
}

#[tokio::test]
async fn a_bad_domain_is_a_422() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = app.product(&token, "app").await;
    let path = format!("/products/{id}/domains");
    for bad in [
        json!({"domain": "exa mple.com"}),
        json!({"domain": "-bad.com"}),
        json!({"domain": "*.com"}),
        json!({}),
    ] {
        let reply = app.post(&path, &token, bad.clone()).await;
        assert_eq!(reply.status, 422, "{bad}: {:?}", reply.body);
        assert_eq!(reply.code(), "VALIDATION_FAILED");
        assert_eq!(detail_fields(&reply), ["domain"], "{bad}");
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM product_domains")
            .await,
        0
    );
}

#[tokio::test]
async fn domains_of_an_unknown_product_are_404() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let path = "/products/0190a000-0000-7000-8000-000000000000/domains";
    let listed = app.get(path, &token).await;
    assert_eq!(listed.status, 404);
    assert_eq!(listed.code(), "PRODUCT_NOT_FOUND");
    let added = app
        .post(path, &token, json!({"domain": "example.com"}))
        .await;
    assert_eq!(added.status, 404);
    assert_eq!(added.code(), "PRODUCT_NOT_FOUND");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM product_domains")
            .await,
        0
    );
}
