//! Tenancy: another account, and a key scoped to another product, cannot see or change
//! anything of an account beyond their reach; what they get is exactly the answer for
//! an object that does not exist.

use licentia_domain::key_prefix::KeyPrefix;
use licentia_domain::license_key::LicenseKey;
use licentia_test_support::{Reply, TestApp, spawn_app};
use serde_json::{Value, json};

/// A UUID (v7 shaped) that no test ever creates.
const MADE_UP: &str = "0190a000-0000-7000-8000-00000000dead";

/// Everything account A owns, plus A's key scoped to A's *other* product.
#[derive(Debug)]
struct AccountA {
    session: String,
    product: String,
    other_product: String,
    customer: String,
    license: String,
    license_key: String,
    /// A license of `other_product` (what the scoped key may see).
    other_license: String,
    api_key: String,
    scoped_key: String,
    /// A pending payment for `license`.
    payment: String,
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

async fn account_a(app: &TestApp) -> AccountA {
    let session = app.register("a@example.com").await;
    let product = app.product(&session, "a-app").await;
    let other_product = app.product(&session, "a-other").await;
    let customer = app
        .post(
            "/customers",
            &session,
            json!({"email": "buyer@example.com", "name": "Buyer"}),
        )
        .await;
    assert_eq!(customer.status, 201, "{:?}", customer.body);
    let customer = id_of(customer.data());
    let license = app
        .license(
            &session,
            &product,
            json!({"customerId": customer, "plan": "Pro"}),
        )
        .await;
    let other_license = id_of(
        &app.license(&session, &other_product, json!({"customerId": customer}))
            .await,
    );
    for (path, domain) in [
        (format!("/products/{product}/domains"), "shop.example.com"),
        (
            format!("/licenses/{}/domains", id_of(&license)),
            "shop.example.com",
        ),
    ] {
        assert_eq!(
            app.post(&path, &session, json!({"domain": domain}))
                .await
                .status,
            201,
            "{path}"
        );
    }
    let key = app
        .post(
            "/api-keys",
            &session,
            json!({"name": "A's backend", "scopes": ["*"]}),
        )
        .await;
    assert_eq!(key.status, 201, "{:?}", key.body);
    let scoped_key = app.api_key(&session, &["*"], Some(&other_product)).await;
    let payment = app
        .post(
            "/payments",
            &session,
            json!({"productId": product, "licenseId": id_of(&license), "amount": 4900,
                   "currency": "EUR", "status": "pending"}),
        )
        .await;
    assert_eq!(payment.status, 201, "{:?}", payment.body);
    AccountA {
        session,
        product,
        other_product,
        customer,
        license: id_of(&license),
        license_key: license["key"].as_str().expect("key").to_owned(),
        other_license,
        api_key: id_of(key.data()),
        scoped_key,
        payment: id_of(payment.data()),
    }
}

/// A fingerprint of A's rows and of every table's size: equal before and after means
/// nothing changed.
async fn snapshot(app: &TestApp, a: &AccountA) -> Vec<i64> {
    let mut state = Vec::new();
    for (table, id) in [
        ("products", &a.product),
        ("customers", &a.customer),
        ("licenses", &a.license),
        ("api_keys", &a.api_key),
        ("payments", &a.payment),
    ] {
        state.push(
            app.db
                .scalar(&format!(
                    "SELECT ('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint AS value FROM {table} t WHERE id = '{id}'"
                ))
                .await,
        );
    }
    for table in [
        "products",
        "customers",
        "licenses",
        "product_domains",
        "license_domains",
        "api_keys",
        "payments",
        "outbox_events",
    ] {
        state.push(
            app.db
                .scalar(&format!("SELECT count(*) AS value FROM {table}"))
                .await,
        );
    }
    state
}

/// One request against A's object, and the same request against an object that
/// does not exist.
#[derive(Debug)]
struct Probe {
    method: &'static str,
    real: String,
    made_up: String,
    body: Option<Value>,
    code: &'static str,
}

fn probe(
    method: &'static str,
    template: &str,
    real: &str,
    made_up: &str,
    body: Option<Value>,
    code: &'static str,
) -> Probe {
    Probe {
        method,
        real: template.replace("{}", real),
        made_up: template.replace("{}", made_up),
        body,
        code,
    }
}

fn product_probes(product: &str) -> Vec<Probe> {
    let p =
        |method, template: &str, body, code| probe(method, template, product, MADE_UP, body, code);
    vec![
        p("GET", "/products/{}", None, "PRODUCT_NOT_FOUND"),
        p(
            "PUT",
            "/products/{}",
            Some(json!({"name": "Hijacked", "slug": "hijacked"})),
            "PRODUCT_NOT_FOUND",
        ),
        p(
            "PATCH",
            "/products/{}",
            Some(json!({"name": "Hijacked"})),
            "PRODUCT_NOT_FOUND",
        ),
        p("DELETE", "/products/{}", None, "PRODUCT_NOT_FOUND"),
        p(
            "DELETE",
            "/products/{}?force=true",
            None,
            "PRODUCT_NOT_FOUND",
        ),
        p("GET", "/products/{}/domains", None, "PRODUCT_NOT_FOUND"),
        p(
            "POST",
            "/products/{}/domains",
            Some(json!({"domain": "evil.example"})),
            "PRODUCT_NOT_FOUND",
        ),
        p(
            "DELETE",
            "/products/{}/domains/shop.example.com",
            None,
            "DOMAIN_NOT_FOUND",
        ),
        p("GET", "/products/{}/licenses", None, "PRODUCT_NOT_FOUND"),
    ]
}

fn customer_probes(customer: &str) -> Vec<Probe> {
    let c = |method, template: &str, body| {
        probe(
            method,
            template,
            customer,
            MADE_UP,
            body,
            "CUSTOMER_NOT_FOUND",
        )
    };
    vec![
        c("GET", "/customers/{}", None),
        c(
            "PUT",
            "/customers/{}",
            Some(json!({"email": "evil@example.com", "name": "Evil"})),
        ),
        c("PATCH", "/customers/{}", Some(json!({"name": "Evil"}))),
        c("DELETE", "/customers/{}", None),
        c("GET", "/customers/{}/licenses", None),
    ]
}

fn license_probes(license: &str, key: &str) -> Vec<Probe> {
    let l = |method, template: &str, body| {
        probe(
            method,
            template,
            license,
            MADE_UP,
            body,
            "LICENSE_NOT_FOUND",
        )
    };
    let unissued = LicenseKey::generate(&KeyPrefix::default())
        .as_str()
        .to_owned();
    let typed = |k: &str| k.to_lowercase().replace('-', " ");
    vec![
        l("GET", "/licenses/{}", None),
        probe(
            "GET",
            "/licenses/{}",
            key,
            &unissued,
            None,
            "LICENSE_NOT_FOUND",
        ),
        probe(
            "GET",
            "/licenses/{}",
            &typed(key),
            &typed(&unissued),
            None,
            "LICENSE_NOT_FOUND",
        ),
        l("PATCH", "/licenses/{}", Some(json!({"maxActivations": 99}))),
        l(
            "PATCH",
            "/licenses/{}/status",
            Some(json!({"status": "REVOKED"})),
        ),
        l("POST", "/licenses/{}/renew", Some(json!({"extendDays": 1}))),
        l("DELETE", "/licenses/{}", None),
        l("GET", "/licenses/{}/domains", None),
        l("GET", "/licenses/{}/payment-status", None),
        l(
            "POST",
            "/licenses/{}/domains",
            Some(json!({"domain": "evil.example"})),
        ),
        probe(
            "DELETE",
            "/licenses/{}/domains/shop.example.com",
            license,
            MADE_UP,
            None,
            "DOMAIN_NOT_FOUND",
        ),
    ]
}

fn api_key_probes(key: &str) -> Vec<Probe> {
    let k = |method, template: &str, body| {
        probe(method, template, key, MADE_UP, body, "API_KEY_NOT_FOUND")
    };
    vec![
        k("GET", "/api-keys/{}", None),
        k("DELETE", "/api-keys/{}", None),
        k("POST", "/api-keys/{}/rotate", Some(json!({}))),
    ]
}

fn payment_probes(payment: &str) -> Vec<Probe> {
    let p = |method, body| {
        probe(
            method,
            "/payments/{}",
            payment,
            MADE_UP,
            body,
            "PAYMENT_NOT_FOUND",
        )
    };
    vec![
        p("GET", None),
        p("PATCH", Some(json!({"status": "failed"}))),
    ]
}

/// Every probe answers 404 with its code, exactly like the made-up object.
async fn assert_hidden(app: &TestApp, credential: &str, who: &str, probes: Vec<Probe>) {
    for p in probes {
        let real = app
            .request(p.method, &p.real, Some(credential), p.body.clone())
            .await;
        let made_up = app
            .request(p.method, &p.made_up, Some(credential), p.body.clone())
            .await;
        assert_eq!(
            real.status, 404,
            "{who}: {} {} → {:?}",
            p.method, p.real, real.body
        );
        assert_eq!(real.code(), p.code, "{who}: {} {}", p.method, p.real);
        assert_eq!(
            (real.status, real.code()),
            (made_up.status, made_up.code()),
            "{who}: {} {} must answer like an object that does not exist",
            p.method,
            p.real
        );
    }
}

fn ids(reply: &Reply) -> Vec<String> {
    reply
        .data()
        .as_array()
        .expect("a list")
        .iter()
        .map(id_of)
        .collect()
}

#[tokio::test]
async fn another_account_gets_404_for_everything_of_a_and_changes_nothing() {
    let app = spawn_app().await;
    let a = account_a(&app).await;
    let b = app.register("b@example.com").await;
    let before = snapshot(&app, &a).await;

    let mut probes = product_probes(&a.product);
    probes.push(probe(
        "POST",
        "/products/{}/licenses",
        &a.product,
        MADE_UP,
        Some(json!({})),
        "PRODUCT_NOT_FOUND",
    ));
    probes.extend(customer_probes(&a.customer));
    probes.extend(license_probes(&a.license, &a.license_key));
    probes.extend(api_key_probes(&a.api_key));
    probes.extend(payment_probes(&a.payment));
    assert_hidden(&app, &b, "B's session", probes).await;

    assert_eq!(snapshot(&app, &a).await, before, "A's rows are unchanged");
    let own = app
        .get(&format!("/licenses/{}", a.license), &a.session)
        .await;
    assert_eq!(own.status, 200, "A still sees its license");
    assert_eq!(own.data()["status"], "ACTIVE");
}

#[tokio::test]
async fn another_accounts_references_to_a_objects_are_refused_like_made_up_ones() {
    let app = spawn_app().await;
    let a = account_a(&app).await;
    let b = app.register("b@example.com").await;
    let b_product = app.product(&b, "b-app").await;
    let before = snapshot(&app, &a).await;

    let cases = [
        (
            "/licenses",
            json!({"productId": a.product}),
            json!({"productId": MADE_UP}),
            "productId",
        ),
        (
            "/licenses",
            json!({"productId": b_product, "customerId": a.customer}),
            json!({"productId": b_product, "customerId": MADE_UP}),
            "customerId",
        ),
        (
            "/licenses/bulk",
            json!({"licenses": [{"productId": a.product}]}),
            json!({"licenses": [{"productId": MADE_UP}]}),
            "licenses[0].productId",
        ),
        (
            "/api-keys",
            json!({"name": "k", "scopes": ["*"], "productId": a.product}),
            json!({"name": "k", "scopes": ["*"], "productId": MADE_UP}),
            "productId",
        ),
        (
            "/payments",
            json!({"productId": a.product, "amount": 1, "currency": "EUR", "status": "pending"}),
            json!({"productId": MADE_UP, "amount": 1, "currency": "EUR", "status": "pending"}),
            "productId",
        ),
        (
            "/payments",
            json!({"productId": b_product, "licenseId": a.license, "amount": 1,
                   "currency": "EUR", "status": "pending"}),
            json!({"productId": b_product, "licenseId": MADE_UP, "amount": 1,
                   "currency": "EUR", "status": "pending"}),
            "licenseId",
        ),
        (
            "/payments",
            json!({"productId": b_product, "customerId": a.customer, "amount": 1,
                   "currency": "EUR", "status": "pending"}),
            json!({"productId": b_product, "customerId": MADE_UP, "amount": 1,
                   "currency": "EUR", "status": "pending"}),
            "customerId",
        ),
    ];
    for (path, real_body, made_up_body, field) in cases {
        let real = app.post(path, &b, real_body.clone()).await;
        let made_up = app.post(path, &b, made_up_body).await;
        assert_eq!(real.status, 422, "{path} {real_body}: {:?}", real.body);
        assert_eq!(
            real.body["details"][0]["field"], field,
            "{path} {real_body}"
        );
        assert_eq!(
            (real.status, real.code(), &real.body["details"][0]["field"]),
            (
                made_up.status,
                made_up.code(),
                &made_up.body["details"][0]["field"]
            ),
            "{path}: the same answer as for a made-up id"
        );
    }
    let b_licenses = app.get("/licenses", &b).await;
    assert_eq!(b_licenses.body["meta"]["total"], 0);
    assert_eq!(snapshot(&app, &a).await, before);
}

#[tokio::test]
async fn another_accounts_lists_hold_none_of_a_objects() {
    let app = spawn_app().await;
    let a = account_a(&app).await;
    let b = app.register("b@example.com").await;
    let b_product = app.product(&b, "b-app").await;
    let b_customer = app
        .post(
            "/customers",
            &b,
            json!({"email": "buyer@example.com", "name": "Buyer"}),
        )
        .await;
    let b_customer = id_of(b_customer.data());
    let b_license = id_of(
        &app.license(&b, &b_product, json!({"customerId": b_customer}))
            .await,
    );
    let b_payment = app
        .post(
            "/payments",
            &b,
            json!({"productId": b_product, "licenseId": b_license, "amount": 100,
                   "currency": "EUR", "status": "succeeded"}),
        )
        .await;
    assert_eq!(b_payment.status, 201, "{:?}", b_payment.body);
    let b_payment = id_of(b_payment.data());

    for (path, only) in [
        ("/products".to_owned(), vec![b_product.clone()]),
        ("/customers".to_owned(), vec![b_customer.clone()]),
        (
            "/customers?email=buyer@example.com".to_owned(),
            vec![b_customer.clone()],
        ),
        ("/licenses".to_owned(), vec![b_license.clone()]),
        (format!("/licenses?productId={}", a.product), vec![]),
        (format!("/licenses?customerId={}", a.customer), vec![]),
        (format!("/licenses?q={}", a.license_key), vec![]),
        ("/licenses?plan=Pro".to_owned(), vec![]),
        ("/payments".to_owned(), vec![b_payment.clone()]),
        (format!("/payments?productId={}", a.product), vec![]),
        (format!("/payments?licenseId={}", a.license), vec![]),
        (format!("/payments?customerId={}", a.customer), vec![]),
        ("/payments?status=pending".to_owned(), vec![]),
    ] {
        let reply = app.get(&path, &b).await;
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
        assert_eq!(ids(&reply), only, "{path}");
        assert_eq!(
            reply.body["meta"]["total"],
            only.len(),
            "{path}: the total counts B's objects only"
        );
    }
    let keys = app.get("/api-keys", &b).await;
    assert_eq!(keys.status, 200);
    assert!(
        !ids(&keys).contains(&a.api_key),
        "A's key is not in B's list"
    );

    let a_products = app.get("/products", &a.session).await;
    assert_eq!(
        a_products.body["meta"]["total"], 2,
        "and B's objects are not in A's lists"
    );
    assert!(!ids(&a_products).contains(&b_product));
}

#[tokio::test]
async fn a_key_scoped_to_another_product_gets_404_for_the_product_and_its_licenses() {
    let app = spawn_app().await;
    let a = account_a(&app).await;
    let control = app
        .get(&format!("/licenses/{}", a.other_license), &a.scoped_key)
        .await;
    assert_eq!(
        control.status, 200,
        "the scoped key works on its own product: {:?}",
        control.body
    );
    let before = snapshot(&app, &a).await;

    let mut probes = product_probes(&a.product);
    probes.extend(license_probes(&a.license, &a.license_key));
    probes.extend(payment_probes(&a.payment));
    assert_hidden(
        &app,
        &a.scoped_key,
        "A's key scoped to the other product",
        probes,
    )
    .await;

    assert_eq!(snapshot(&app, &a).await, before, "A's rows are unchanged");
}

#[tokio::test]
async fn a_product_scoped_key_sees_only_its_products_licenses_but_all_customers_of_the_account() {
    let app = spawn_app().await;
    let a = account_a(&app).await;
    let key = &a.scoped_key;

    let products = app.get("/products", key).await;
    assert_eq!(products.status, 200);
    assert_eq!(ids(&products), [a.other_product.as_str()]);
    assert_eq!(products.body["meta"]["total"], 1);

    let licenses = app.get("/licenses", key).await;
    assert_eq!(ids(&licenses), [a.other_license.as_str()]);
    assert_eq!(licenses.body["meta"]["total"], 1);
    let filtered = app
        .get(&format!("/licenses?productId={}", a.product), key)
        .await;
    assert_eq!(filtered.status, 200);
    assert_eq!(
        filtered.body["meta"]["total"], 0,
        "a filter cannot widen the scope"
    );

    // Customers belong to the account, not to a product
    // (adapters-postgres/src/repositories/customers.rs: "a product scope does not narrow them").
    let customer = app.get(&format!("/customers/{}", a.customer), key).await;
    assert_eq!(customer.status, 200, "{:?}", customer.body);
    assert_eq!(customer.data()["id"], a.customer.as_str());
    let customers = app.get("/customers", key).await;
    assert_eq!(ids(&customers), [a.customer.as_str()]);
    // …but the customer's licenses are still limited to the key's product.
    let their_licenses = app
        .get(&format!("/customers/{}/licenses", a.customer), key)
        .await;
    assert_eq!(their_licenses.status, 200);
    assert_eq!(ids(&their_licenses), [a.other_license.as_str()]);
    let unscoped = app
        .get(&format!("/customers/{}/licenses", a.customer), &a.session)
        .await;
    assert_eq!(unscoped.body["meta"]["total"], 2, "A's session sees both");
}

#[tokio::test]
async fn a_product_scoped_key_cannot_create_under_another_product_or_create_products() {
    let app = spawn_app().await;
    let a = account_a(&app).await;
    let key = &a.scoped_key;
    let before = snapshot(&app, &a).await;

    for (path, body) in [
        ("/licenses".to_owned(), json!({"productId": a.product})),
        ("/licenses".to_owned(), json!({"productId": MADE_UP})),
        (format!("/products/{}/licenses", a.product), json!({})),
        (
            "/licenses/bulk".to_owned(),
            json!({"licenses": [{"productId": a.other_product}, {"productId": a.product}]}),
        ),
    ] {
        let reply = app.post(&path, key, body.clone()).await;
        assert_eq!(reply.status, 403, "{path} {body}: {:?}", reply.body);
        assert_eq!(reply.code(), "PRODUCT_SCOPE", "{path} {body}");
    }

    let product = app
        .post(
            "/products",
            key,
            json!({"name": "Sneaky", "slug": "sneaky"}),
        )
        .await;
    assert_eq!(product.status, 403, "{:?}", product.body);
    assert_eq!(product.code(), "PRODUCT_SCOPE");
    assert_eq!(snapshot(&app, &a).await, before, "nothing was created");

    let own = app
        .post("/licenses", key, json!({"productId": a.other_product}))
        .await;
    assert_eq!(own.status, 201, "its own product is fine: {:?}", own.body);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM licenses WHERE product_id = '{}'",
                a.other_product
            ))
            .await,
        2
    );
}
