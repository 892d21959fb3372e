//! Customers: CRUD, externalId uniqueness per account, filters, their licenses, outbox events.

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

/// Creates a customer and returns its JSON.
async fn customer(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.post("/customers", token, body).await;
    assert_eq!(reply.status, 201, "create customer: {:?}", reply.body);
    reply.data().clone()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// The ids of a list answer, sorted (for set comparisons).
fn id_set(reply: &Reply) -> Vec<String> {
    let mut ids: Vec<String> = reply
        .data()
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn detail_fields(reply: &Reply) -> Vec<String> {
    reply.body["details"]
        .as_array()
        .expect("details on a 422")
        .iter()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn creating_a_customer_normalises_the_email_and_stores_every_field() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let reply = app
        .post(
            "/customers",
            &token,
            json!({"email": " Ada@Example.COM ", "name": "Ada Lovelace", "company": "Analytical Engines",
                   "externalId": "crm-1", "metadata": {"tier": "gold"}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let c = reply.data();
    assert_eq!(c["email"], "ada@example.com");
    assert_eq!(c["name"], "Ada Lovelace");
    assert_eq!(c["company"], "Analytical Engines");
    assert_eq!(c["externalId"], "crm-1");
    assert_eq!(c["metadata"], json!({"tier": "gold"}));
    assert!(c["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    let id = id_of(c);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM customers WHERE id = '{id}' AND email = 'ada@example.com' AND external_id = 'crm-1'"
            ))
            .await,
        1
    );
    let fetched = app.get(&format!("/customers/{id}"), &token).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.data(), c);
}

#[tokio::test]
async fn invalid_customers_are_422_with_details() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let reply = app
        .post(
            "/customers",
            &token,
            json!({"email": "not-an-email", "metadata": [1]}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    assert_eq!(detail_fields(&reply), ["email", "name", "metadata"]);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM customers")
            .await,
        0
    );
}

#[tokio::test]
async fn put_replaces_and_patch_changes_only_what_is_given() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let created = customer(
        &app,
        &token,
        json!({"email": "ada@example.com", "name": "Ada", "company": "AE", "externalId": "crm-1", "metadata": {"a": 1}}),
    )
    .await;
    let id = id_of(&created);
    let path = format!("/customers/{id}");

    let patched = app
        .patch(&path, &token, json!({"name": "Ada L.", "company": null}))
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.data()["name"], "Ada L.");
    assert!(patched.data()["company"].is_null(), "null clears");
    assert_eq!(patched.data()["email"], "ada@example.com", "absent stays");
    assert_eq!(patched.data()["externalId"], "crm-1");
    assert_eq!(patched.data()["metadata"], json!({"a": 1}));
    assert_eq!(
        app.db
            .scalar(&format!("SELECT count(*) AS value FROM customers WHERE id = '{id}' AND company IS NULL AND name = 'Ada L.'"))
            .await,
        1
    );

    let put = app
        .put(
            &path,
            &token,
            json!({"email": "Grace@Example.com", "name": "Grace"}),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.data()["email"], "grace@example.com");
    assert_eq!(put.data()["name"], "Grace");
    assert!(
        put.data()["externalId"].is_null(),
        "PUT clears what it omits"
    );
    assert_eq!(put.data()["metadata"], json!({}));
    assert_eq!(put.data()["createdAt"], created["createdAt"]);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM customers WHERE id = '{id}' AND external_id IS NULL AND email = 'grace@example.com'"
            ))
            .await,
        1
    );

    let incomplete = app.put(&path, &token, json!({"name": "No Email"})).await;
    assert_eq!(incomplete.status, 422);
    assert_eq!(detail_fields(&incomplete), ["email"]);
}

#[tokio::test]
async fn deleting_a_customer_is_204_then_404() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
        .await,
    );
    let path = format!("/customers/{id}");
    let deleted = app.delete(&path, &token).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM customers")
            .await,
        0
    );
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"name": "X"}))),
        ("DELETE", None),
    ] {
        let reply = app.request(method, &path, Some(&token), body).await;
        assert_eq!(reply.status, 404, "{method}");
        assert_eq!(reply.code(), "CUSTOMER_NOT_FOUND", "{method}");
    }
    let licenses = app.get(&format!("{path}/licenses"), &token).await;
    assert_eq!(licenses.status, 404);
    assert_eq!(licenses.code(), "CUSTOMER_NOT_FOUND");
}

#[tokio::test]
async fn external_ids_are_unique_per_account_only() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    customer(
        &app,
        &token,
        json!({"email": "ada@example.com", "name": "Ada", "externalId": "crm-1"}),
    )
    .await;

    let taken = app
        .post(
            "/customers",
            &token,
            json!({"email": "grace@example.com", "name": "Grace", "externalId": "crm-1"}),
        )
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.code(), "EXTERNAL_ID_TAKEN");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM customers")
            .await,
        1
    );

    let grace = customer(
        &app,
        &token,
        json!({"email": "grace@example.com", "name": "Grace", "externalId": "crm-2"}),
    )
    .await;
    let patched = app
        .patch(
            &format!("/customers/{}", id_of(&grace)),
            &token,
            json!({"externalId": "crm-1"}),
        )
        .await;
    assert_eq!(
        patched.status, 409,
        "a PATCH onto a taken externalId conflicts too"
    );
    assert_eq!(patched.code(), "EXTERNAL_ID_TAKEN");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM customers WHERE external_id = 'crm-2'")
            .await,
        1
    );

    let without = customer(&app, &token, json!({"email": "x@example.com", "name": "X"})).await;
    assert!(without["externalId"].is_null());
    customer(&app, &token, json!({"email": "y@example.com", "name": "Y"})).await;

    let other = app.register("other@example.com").await;
    let theirs = app
        .post(
            "/customers",
            &other,
            json!({"email": "ada@example.com", "name": "Ada", "externalId": "crm-1"}),
        )
        .await;
    assert_eq!(
        theirs.status, 201,
        "another account may use the same externalId: {:?}",
        theirs.body
    );
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM customers WHERE external_id = 'crm-1'")
            .await,
        2
    );
}

#[tokio::test]
async fn filters_find_by_email_external_id_and_search_text() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let ada = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "ada@example.com", "name": "Ada Lovelace", "externalId": "crm-1"}),
        )
        .await,
    );
    let grace = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "grace@navy.example", "name": "Grace Hopper", "externalId": "crm-2"}),
        )
        .await,
    );
    let percent = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "pure@example.com", "name": "100% Pure"}),
        )
        .await,
    );
    let underscore = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "snake@example.com", "name": "snake_case"}),
        )
        .await,
    );

    let cases: [(&str, Vec<String>); 9] = [
        ("email=ADA@Example.COM", vec![ada.clone()]),
        ("email=nobody@example.com", vec![]),
        ("externalId=crm-2", vec![grace.clone()]),
        ("externalId=crm", vec![]),
        ("q=LOVE", vec![ada.clone()]),
        ("q=navy", vec![grace.clone()]),
        ("q=%25", vec![percent.clone()]),
        ("q=_", vec![underscore.clone()]),
        (
            "q=example.com",
            vec![ada.clone(), percent.clone(), underscore.clone()],
        ),
    ];
    for (query, expected) in cases {
        let reply = app.get(&format!("/customers?{query}"), &token).await;
        assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
        assert_eq!(id_set(&reply), sorted(expected.clone()), "{query}");
        assert_eq!(reply.body["meta"]["total"], expected.len(), "{query}");
    }
    let all = app.get("/customers", &token).await;
    assert_eq!(all.body["meta"]["total"], 4);
    let newest_first: Vec<&str> = all
        .data()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        newest_first,
        [
            underscore.as_str(),
            percent.as_str(),
            grace.as_str(),
            ada.as_str()
        ]
    );
}

#[tokio::test]
async fn a_customers_licenses_are_listed() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let ada = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
        .await,
    );
    let grace = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "grace@example.com", "name": "Grace"}),
        )
        .await,
    );
    let first = id_of(
        &app.license(&token, &product, json!({"customerId": ada}))
            .await,
    );
    let second = id_of(
        &app.license(&token, &product, json!({"customerId": ada}))
            .await,
    );
    app.license(&token, &product, json!({"customerId": grace}))
        .await;
    app.license(&token, &product, json!({})).await;

    let reply = app.get(&format!("/customers/{ada}/licenses"), &token).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let ids: Vec<&str> = reply
        .data()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [second.as_str(), first.as_str()],
        "newest first, only Ada's"
    );
    assert_eq!(
        reply.body["meta"],
        json!({"page": 1, "perPage": 20, "total": 2, "totalPages": 1})
    );
    assert!(
        reply
            .data()
            .as_array()
            .expect("list")
            .iter()
            .all(|l| l["customerId"] == ada.as_str())
    );
}

#[tokio::test]
async fn deleting_a_customer_keeps_their_licenses_unlinked() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let product = app.product(&token, "app").await;
    let ada = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
        .await,
    );
    let license = id_of(
        &app.license(&token, &product, json!({"customerId": ada}))
            .await,
    );

    let deleted = app.delete(&format!("/customers/{ada}"), &token).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.db
            .scalar(&format!("SELECT count(*) AS value FROM licenses WHERE id = '{license}' AND customer_id IS NULL"))
            .await,
        1
    );
    let fetched = app.get(&format!("/licenses/{license}"), &token).await;
    assert_eq!(fetched.status, 200);
    assert!(fetched.data()["customerId"].is_null());
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type = 'license.updated' \
                 AND data->>'id' = '{license}' AND data->'customerId' = 'null'::jsonb"
            ))
            .await,
        1,
        "the unlinking is announced with the license as it is after"
    );
}

#[tokio::test]
async fn each_change_writes_exactly_one_customer_event() {
    let app = spawn_app().await;
    let token = app.register("vendor@example.com").await;
    let id = id_of(
        &customer(
            &app,
            &token,
            json!({"email": "ada@example.com", "name": "Ada"}),
        )
        .await,
    );
    assert_eq!(events(&app, "customer.created", &id).await, 1);

    assert_eq!(
        app.patch(
            &format!("/customers/{id}"),
            &token,
            json!({"name": "Ada L."})
        )
        .await
        .status,
        200
    );
    assert_eq!(events(&app, "customer.updated", &id).await, 1);
    assert_eq!(
        app.put(
            &format!("/customers/{id}"),
            &token,
            json!({"email": "ada@example.com", "name": "Ada"})
        )
        .await
        .status,
        200
    );
    assert_eq!(events(&app, "customer.updated", &id).await, 2);
    assert_eq!(
        app.patch(
            &format!("/customers/{id}"),
            &token,
            json!({"email": "nope"})
        )
        .await
        .status,
        422
    );
    assert_eq!(
        events(&app, "customer.updated", &id).await,
        2,
        "a refused change writes no event"
    );

    assert_eq!(
        app.delete(&format!("/customers/{id}"), &token).await.status,
        204
    );
    assert_eq!(events(&app, "customer.deleted", &id).await, 1);
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM outbox_events WHERE event_type LIKE 'customer.%'"
            )
            .await,
        4
    );
}
