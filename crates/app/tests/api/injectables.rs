//! Injectables' management API over real HTTP: create, list without content, read,
//! replace, delete; validation, slug uniqueness per product, the 1 MiB bound, binary
//! content in base64, and tenancy.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use licentia_test_support::{TestApp, spawn_app};
use serde_json::{Value, json};

fn snippet(slug: &str) -> Value {
    json!({
        "name": "Pro settings",
        "slug": slug,
        "contentType": "application/json",
        "content": "{\"pro\": true}",
        "target": "config/pro.json",
    })
}

async fn create(app: &TestApp, token: &str, product: &str, body: Value) -> Value {
    let reply = app
        .post(&format!("/products/{product}/injectables"), token, body)
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.data().clone()
}

#[tokio::test]
async fn an_injectable_is_created_listed_read_replaced_and_deleted() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let created = create(&app, &token, &product, snippet("pro-settings")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["content"], "{\"pro\": true}");
    assert_eq!(
        (created["encoding"].clone(), created["size"].clone()),
        (json!("text"), json!(13))
    );
    assert_eq!(
        (created["active"].clone(), created["productId"].clone()),
        (json!(true), json!(product))
    );
    assert_eq!(created["target"], "config/pro.json");

    let listed = app
        .get(&format!("/products/{product}/injectables"), &token)
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["meta"]["total"], 1);
    assert!(
        listed.data()[0].get("content").is_none(),
        "lists leave the content out"
    );
    assert_eq!(listed.data()[0]["size"], 13);

    let read = app.get(&format!("/injectables/{id}"), &token).await;
    assert_eq!(read.data()["content"], "{\"pro\": true}");

    let mut changed = snippet("pro-settings-2");
    changed["active"] = json!(false);
    changed["content"] = json!("{}");
    let replaced = app
        .put(&format!("/injectables/{id}"), &token, changed)
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(
        (
            replaced.data()["slug"].clone(),
            replaced.data()["active"].clone()
        ),
        (json!("pro-settings-2"), json!(false))
    );
    assert_eq!(replaced.data()["size"], 2);
    assert_eq!(
        app.db.scalar(&format!("SELECT count(*) AS value FROM injectables WHERE id = '{id}' AND content = '{{}}'::bytea AND size_bytes = 2 AND NOT active")).await,
        1
    );

    assert_eq!(
        app.delete(&format!("/injectables/{id}"), &token)
            .await
            .status,
        204
    );
    let gone = app.get(&format!("/injectables/{id}"), &token).await;
    assert_eq!((gone.status, gone.code()), (404, "INJECTABLE_NOT_FOUND"));
}

#[tokio::test]
async fn binary_content_travels_in_base64_and_is_stored_as_bytes() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let bytes: Vec<u8> = (0..=255).collect();
    let mut body = snippet("blob");
    body["contentType"] = json!("application/octet-stream");
    body["encoding"] = json!("base64");
    body["content"] = json!(STANDARD.encode(&bytes));
    let created = create(&app, &token, &product, body).await;
    assert_eq!(
        (created["encoding"].clone(), created["size"].clone()),
        (json!("base64"), json!(256))
    );
    assert_eq!(
        STANDARD
            .decode(created["content"].as_str().expect("content"))
            .expect("base64"),
        bytes
    );
    assert_eq!(
        app.db.scalar("SELECT count(*) AS value FROM injectables WHERE octet_length(content) = 256 AND get_byte(content, 255) = 255").await,
        1
    );
}

#[tokio::test]
async fn content_is_bounded_at_one_mebibyte() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let mut full = snippet("full");
    full["encoding"] = json!("base64");
    full["contentType"] = json!("application/octet-stream");
    full["content"] = json!(STANDARD.encode(vec![7u8; 1024 * 1024]));
    let created = create(&app, &token, &product, full.clone()).await;
    assert_eq!(created["size"], 1024 * 1024);

    full["slug"] = json!("too-big");
    full["content"] = json!(STANDARD.encode(vec![7u8; 1024 * 1024 + 1]));
    let refused = app
        .post(&format!("/products/{product}/injectables"), &token, full)
        .await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.body["details"][0]["field"], "content");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM injectables")
            .await,
        1
    );
}

#[tokio::test]
async fn invalid_bodies_are_422_and_slugs_are_unique_per_product() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let other = app.product(&token, "other").await;
    for (change, field) in [
        (json!({"name": ""}), "name"),
        (json!({"slug": "Not A Slug"}), "slug"),
        (json!({"contentType": "json"}), "contentType"),
        (json!({"encoding": "hex"}), "encoding"),
        (json!({"encoding": "base64", "content": "%%%"}), "content"),
        (json!({"content": null}), "content"),
    ] {
        let mut body = snippet("one");
        for (key, value) in change.as_object().expect("object") {
            body[key] = value.clone();
        }
        let reply = app
            .post(&format!("/products/{product}/injectables"), &token, body)
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (422, "VALIDATION_FAILED"),
            "{change}"
        );
        assert_eq!(reply.body["details"][0]["field"], field, "{change}");
    }
    create(&app, &token, &product, snippet("one")).await;
    let taken = app
        .post(
            &format!("/products/{product}/injectables"),
            &token,
            snippet("one"),
        )
        .await;
    assert_eq!((taken.status, taken.code()), (409, "SLUG_TAKEN"));
    create(&app, &token, &other, snippet("one")).await;
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM injectables")
            .await,
        2
    );
}

#[tokio::test]
async fn injectables_are_invisible_outside_their_tenant_and_product() {
    let app = spawn_app().await;
    let owner = app.register("owner@example.com").await;
    let stranger = app.register("stranger@example.com").await;
    let product = app.product(&owner, "app").await;
    let other = app.product(&owner, "other").await;
    let id = create(&app, &owner, &product, snippet("one")).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    for (method, path, body) in [
        ("GET", format!("/injectables/{id}"), None),
        ("PUT", format!("/injectables/{id}"), Some(snippet("two"))),
        ("DELETE", format!("/injectables/{id}"), None),
    ] {
        let reply = app.request(method, &path, Some(&stranger), body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (404, "INJECTABLE_NOT_FOUND"),
            "{method} {path}"
        );
    }
    let listed = app
        .get(&format!("/products/{product}/injectables"), &stranger)
        .await;
    assert_eq!((listed.status, listed.code()), (404, "PRODUCT_NOT_FOUND"));
    let planted = app
        .post(
            &format!("/products/{product}/injectables"),
            &stranger,
            snippet("xx"),
        )
        .await;
    assert_eq!(planted.status, 404);

    let scoped = app
        .api_key(
            &owner,
            &["injectables:read", "injectables:write"],
            Some(&other),
        )
        .await;
    assert_eq!(
        app.get(&format!("/injectables/{id}"), &scoped).await.status,
        404
    );
    let outside = app
        .put(&format!("/injectables/{id}"), &scoped, snippet("moved"))
        .await;
    assert_eq!(
        (outside.status, outside.code()),
        (404, "INJECTABLE_NOT_FOUND")
    );
    assert_eq!(
        app.get(&format!("/products/{product}/injectables"), &scoped)
            .await
            .status,
        404
    );
    let reader = app.api_key(&owner, &["injectables:read"], None).await;
    let refused = app
        .post(
            &format!("/products/{product}/injectables"),
            &reader,
            snippet("yy"),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "INSUFFICIENT_SCOPE")
    );
    assert_eq!(
        app.get(&format!("/injectables/{id}"), &reader).await.status,
        200
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM injectables")
            .await,
        1
    );
}

#[tokio::test]
async fn a_licensed_copy_receives_its_products_active_injectables_signed() {
    let app = spawn_app().await;
    let keys = crate::runtime_signatures::public_keys(&app).await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let other = app.product(&token, "other").await;
    create(&app, &token, &product, snippet("first")).await;
    let mut second = snippet("second");
    second["content"] = json!("echo 2");
    create(&app, &token, &product, second).await;
    let mut inactive = snippet("inactive");
    inactive["active"] = json!(false);
    create(&app, &token, &product, inactive).await;
    create(&app, &token, &other, snippet("elsewhere")).await;
    let license = app.license(&token, &product, json!({})).await;
    let key = license["key"].as_str().expect("key");

    let reply = app
        .runtime(
            "/licenses/injectables",
            json!({"licenseKey": key, "nonce": "n1"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert!(crate::runtime_signatures::signature_verifies(&reply, &keys));
    let slugs: Vec<_> = reply.data()["injectables"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["slug"].clone())
        .collect();
    assert_eq!(
        slugs,
        [json!("first"), json!("second")],
        "active ones of this product, oldest first"
    );
    assert_eq!(reply.data()["injectables"][1]["content"], "echo 2");
    assert_eq!(
        (reply.data()["code"].clone(), reply.data()["nonce"].clone()),
        (json!("VALID"), json!("n1"))
    );

    let only = app
        .runtime(
            "/licenses/injectables",
            json!({"licenseKey": key, "slugs": ["second", "inactive"]}),
        )
        .await;
    let slugs: Vec<_> = only.data()["injectables"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["slug"].clone())
        .collect();
    assert_eq!(slugs, [json!("second")]);

    let id = license["id"].as_str().expect("id");
    let suspended = app
        .patch(
            &format!("/licenses/{id}/status"),
            &token,
            json!({"status": "SUSPENDED"}),
        )
        .await;
    assert_eq!(suspended.status, 200);
    let refused = app
        .runtime("/licenses/injectables", json!({"licenseKey": key}))
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "SUSPENDED"),
        "{:?}",
        refused.body
    );
    assert!(
        refused.body.get("data").is_none(),
        "nothing is shipped to a refused copy"
    );
    assert!(crate::runtime_signatures::signature_verifies(
        &refused, &keys
    ));
    let unknown = app
        .runtime(
            "/licenses/injectables",
            json!({"licenseKey": "LIC-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"}),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (403, "NOT_FOUND"),
        "403 whatever the code"
    );
}
