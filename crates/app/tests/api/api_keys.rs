//! API keys: the secret shown once and stored hashed, both headers, revocation, expiry,
//! rotation, `lastUsedAt`, and no privilege escalation through keys that make keys.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use licentia_domain::secret_token::{PlainToken, TokenKind};
use licentia_test_support::{Reply, TestApp, read, spawn_app};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `POST /v1/api-keys` answered 201; returns `data` (with `secret`).
async fn create_key(app: &TestApp, credential: &str, body: Value) -> Value {
    let reply = app.post("/api-keys", credential, body).await;
    assert_eq!(reply.status, 201, "create key: {:?}", reply.body);
    reply.data().clone()
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {value}"))
}

/// How many stored keys have the SHA-256 of `secret` as their current hash.
async fn keys_hashed_as(app: &TestApp, secret: &str) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT count(*) AS value FROM api_keys WHERE secret_hash = sha256('{secret}'::bytea)"
        ))
        .await
}

/// `GET /v1/auth/me` with the secret in an arbitrary header.
async fn me_with_header(app: &TestApp, header: &str, value: &str) -> Reply {
    let response = app
        .client
        .get(app.url("/auth/me"))
        .header(header, value)
        .send()
        .await
        .expect("request sent");
    read(response).await
}

/// `GET /v1/auth/me` written byte for byte on a socket, so the header name reaches the
/// server in exactly the case given (HTTP clients normalise it to lower case).
/// Returns the status and the raw response text.
async fn me_raw(app: &TestApp, header_line: &str) -> (u16, String) {
    let port = app.port;
    let request = format!(
        "GET /v1/auth/me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{header_line}\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        stream.write_all(request.as_bytes()).expect("write request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let status = raw
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {raw:?}"));
        (status, raw)
    })
    .await
    .expect("raw request task")
}

fn in_one_hour() -> String {
    (OffsetDateTime::now_utc() + time::Duration::hours(1))
        .format(&Rfc3339)
        .expect("format")
}

#[tokio::test]
async fn creating_a_key_shows_the_secret_once_and_stores_only_its_hash() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "shop backend", "scopes": ["licenses:read", "licenses:write"]}),
    )
    .await;
    let secret = text(&created, "secret");
    assert!(secret.starts_with("sk_live_"), "{secret}");
    assert!(
        secret.len() >= 8 + 43,
        "at least 256 bits of base62: {secret}"
    );
    let prefix = text(&created, "prefix");
    assert_eq!(prefix.len(), 12, "{prefix}");
    assert!(secret.starts_with(prefix));
    assert_eq!(text(&created, "lastFour"), &secret[secret.len() - 4..]);
    assert_eq!(created["name"], "shop backend");
    assert_eq!(
        created["scopes"],
        json!(["licenses:read", "licenses:write"])
    );
    assert!(created["productId"].is_null());
    assert!(created["expiresAt"].is_null());
    assert!(created["revokedAt"].is_null());
    assert!(created["lastUsedAt"].is_null());

    assert_eq!(
        keys_hashed_as(&app, secret).await,
        1,
        "the SHA-256 of the secret is stored"
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM api_keys k \
                 WHERE position('{secret}' IN k::text) > 0 \
                    OR position(encode(convert_to('{secret}', 'UTF8'), 'hex') IN k::text) > 0"
            ))
            .await,
        0,
        "the secret itself is stored nowhere in the row"
    );
}

#[tokio::test]
async fn listing_and_reading_a_key_never_show_its_secret() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "ci", "scopes": ["products:read"]}),
    )
    .await;
    let id = text(&created, "id");
    let secret = text(&created, "secret");

    let list = app.get("/api-keys", &session).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["meta"]["total"], 1);
    let listed = &list.data()[0];
    let one = app.get(&format!("/api-keys/{id}"), &session).await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    for view in [listed, one.data()] {
        assert_eq!(view["id"], id);
        assert!(view.get("secret").is_none(), "secret leaked: {view}");
        assert_eq!(view["prefix"], created["prefix"]);
        assert!(secret.starts_with(text(view, "prefix")));
        assert_eq!(view["lastFour"], created["lastFour"]);
        assert_eq!(view["scopes"], json!(["products:read"]));
        assert!(
            view.get("lastUsedAt").is_some(),
            "lastUsedAt is always present: {view}"
        );
        assert!(
            !view.to_string().contains(secret),
            "the secret appears nowhere in the answer"
        );
    }
}

#[tokio::test]
async fn a_key_works_as_a_bearer_token_and_in_x_api_key() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let secret = app.api_key(&session, &["licenses:read"], None).await;

    let bearer = app.get("/auth/me", &secret).await;
    assert_eq!(bearer.status, 200, "{:?}", bearer.body);
    assert_eq!(bearer.data()["email"], "ada@example.com");

    let x_api_key = me_with_header(&app, "X-Api-Key", &secret).await;
    assert_eq!(x_api_key.status, 200, "{:?}", x_api_key.body);
    assert_eq!(x_api_key.data()["email"], "ada@example.com");
}

#[tokio::test]
async fn header_names_and_the_bearer_scheme_are_case_insensitive() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let secret = app.api_key(&session, &["licenses:read"], None).await;
    for line in [
        format!("x-API-key: {secret}"),
        format!("X-API-KEY: {secret}"),
        format!("x-api-key: {secret}"),
        format!("AUTHORIZATION: Bearer {secret}"),
        format!("authorization: bearer {secret}"),
    ] {
        let (status, raw) = me_raw(&app, &line).await;
        let shown = line.replace(&secret, "<secret>");
        assert_eq!(status, 200, "{shown}: {raw}");
        assert!(raw.contains("ada@example.com"), "{shown}: {raw}");
    }
    let (status, raw) = me_raw(&app, "X-API-KEY: sk_live_not-a-key").await;
    assert_eq!(
        status, 401,
        "a bad key in an upper-case header is still read: {raw}"
    );
    assert!(raw.contains("INVALID_API_KEY"), "{raw}");
}

#[tokio::test]
async fn a_revoked_key_fails_with_401_on_its_very_next_use() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "old", "scopes": ["licenses:read"]}),
    )
    .await;
    let id = text(&created, "id");
    let secret = text(&created, "secret");
    assert_eq!(app.get("/licenses", secret).await.status, 200);

    let revoke = app.delete(&format!("/api-keys/{id}"), &session).await;
    assert_eq!(revoke.status, 204, "{:?}", revoke.body);
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM api_keys WHERE id = '{id}' AND revoked_at IS NOT NULL"
            ))
            .await,
        1
    );

    let next = app.get("/licenses", secret).await;
    assert_eq!(next.status, 401);
    assert_eq!(next.code(), "API_KEY_REVOKED");
    let via_header = me_with_header(&app, "x-api-key", secret).await;
    assert_eq!(via_header.status, 401);
    assert_eq!(via_header.code(), "API_KEY_REVOKED");

    let shown = app.get(&format!("/api-keys/{id}"), &session).await;
    assert_eq!(shown.status, 200);
    assert!(shown.data()["revokedAt"].is_string(), "{:?}", shown.body);
}

#[tokio::test]
async fn a_key_past_its_expiry_fails_with_401_api_key_expired() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let expires_at = in_one_hour();
    let created = create_key(
        &app,
        &session,
        json!({"name": "temp", "scopes": ["licenses:read"], "expiresAt": expires_at}),
    )
    .await;
    let id = text(&created, "id");
    let secret = text(&created, "secret");
    let stored = OffsetDateTime::parse(text(&created, "expiresAt"), &Rfc3339).expect("expiresAt");
    let asked = OffsetDateTime::parse(&expires_at, &Rfc3339).expect("asked");
    assert_eq!(stored.unix_timestamp(), asked.unix_timestamp());
    assert_eq!(
        app.get("/licenses", secret).await.status,
        200,
        "valid before it expires"
    );

    app.db
        .execute(&format!(
            "UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = '{id}'"
        ))
        .await;
    let reply = app.get("/licenses", secret).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "API_KEY_EXPIRED");
}

#[tokio::test]
async fn unknown_and_malformed_keys_are_401_invalid_api_key() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let real = app.api_key(&session, &["licenses:read"], None).await;
    // Well formed (prefix, length, checksum) but never issued.
    let unknown = PlainToken::generate(TokenKind::ApiKey);
    let unknown = unknown.expose();
    assert!(PlainToken::parse(TokenKind::ApiKey, unknown).is_ok());
    // A real key with one character changed fails its checksum.
    let mut typo = real.clone().into_bytes();
    let last = typo.len() - 10;
    typo[last] = if typo[last] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).expect("ascii");

    for garbage in [
        unknown,
        typo.as_str(),
        "sk_live_",
        "sk_live_garbage",
        "not-a-key-at-all",
        "sess",
    ] {
        let reply = app.get("/licenses", garbage).await;
        assert_eq!(reply.status, 401, "{garbage}: {:?}", reply.body);
        assert_eq!(reply.code(), "INVALID_API_KEY", "{garbage}");
        let header = me_with_header(&app, "X-Api-Key", garbage).await;
        assert_eq!(header.status, 401, "{garbage}");
        assert_eq!(header.code(), "INVALID_API_KEY", "{garbage}");
    }
    assert_eq!(
        app.get("/licenses", &real).await.status,
        200,
        "the real key still works"
    );
}

#[tokio::test]
async fn rotating_gives_a_new_secret_and_the_old_one_fails_at_once() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let product = app.product(&session, "desk").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "shop", "scopes": ["licenses:read"], "productId": product}),
    )
    .await;
    let id = text(&created, "id");
    let old = text(&created, "secret");

    let rotated = app
        .post(&format!("/api-keys/{id}/rotate"), &session, json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let data = rotated.data();
    let new = text(data, "secret");
    assert!(new.starts_with("sk_live_"));
    assert_ne!(new, old);
    assert_eq!(data["id"], id, "same id");
    assert_eq!(data["scopes"], json!(["licenses:read"]), "same scopes");
    assert_eq!(data["productId"], json!(product), "same product");
    assert!(new.starts_with(text(data, "prefix")));
    assert_eq!(text(data, "lastFour"), &new[new.len() - 4..]);

    assert_eq!(keys_hashed_as(&app, new).await, 1);
    assert_eq!(keys_hashed_as(&app, old).await, 0);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        1
    );

    let with_new = app.get("/licenses", new).await;
    assert_eq!(with_new.status, 200, "{:?}", with_new.body);
    let with_old = app.get("/licenses", old).await;
    assert_eq!(with_old.status, 401);
    assert_eq!(with_old.code(), "INVALID_API_KEY");
}

#[tokio::test]
async fn rotating_with_a_grace_period_keeps_both_secrets_working() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "shop", "scopes": ["licenses:read"]}),
    )
    .await;
    let id = text(&created, "id");
    let old = text(&created, "secret");

    let rotated = app
        .post(
            &format!("/api-keys/{id}/rotate"),
            &session,
            json!({"graceSeconds": 60}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let new = text(rotated.data(), "secret");

    assert_eq!(
        app.get("/licenses", new).await.status,
        200,
        "the new secret works"
    );
    assert_eq!(
        app.get("/licenses", old).await.status,
        200,
        "the old secret works during the grace period"
    );
    assert_eq!(
        app.db
            .scalar(
                "SELECT count(*) AS value FROM api_keys WHERE previous_valid_until \
                 BETWEEN now() + interval '50 seconds' AND now() + interval '61 seconds'"
            )
            .await,
        1,
        "the old secret stays valid for 60 s"
    );
    assert_eq!(keys_hashed_as(&app, new).await, 1);
}

#[tokio::test]
async fn revoking_a_rotated_key_ends_its_grace_period_too() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "shop", "scopes": ["licenses:read"]}),
    )
    .await;
    let id = text(&created, "id");
    let old = text(&created, "secret");
    let rotated = app
        .post(
            &format!("/api-keys/{id}/rotate"),
            &session,
            json!({"graceSeconds": 3600}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let new = text(rotated.data(), "secret");

    assert_eq!(
        app.delete(&format!("/api-keys/{id}"), &session)
            .await
            .status,
        204
    );
    let with_new = app.get("/licenses", new).await;
    assert_eq!(with_new.status, 401);
    assert_eq!(with_new.code(), "API_KEY_REVOKED");
    let with_old = app.get("/licenses", old).await;
    assert_eq!(with_old.status, 401, "{:?}", with_old.body);
}

#[tokio::test]
async fn a_grace_period_over_one_day_is_422_and_rotates_nothing() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "shop", "scopes": ["licenses:read"]}),
    )
    .await;
    let id = text(&created, "id");
    let secret = text(&created, "secret");

    let at_limit = app
        .post(
            &format!("/api-keys/{id}/rotate"),
            &session,
            json!({"graceSeconds": 86_401}),
        )
        .await;
    assert_eq!(at_limit.status, 422, "{:?}", at_limit.body);
    assert_eq!(at_limit.code(), "VALIDATION_FAILED");
    assert_eq!(at_limit.body["details"][0]["field"], "graceSeconds");
    assert_eq!(
        keys_hashed_as(&app, secret).await,
        1,
        "the secret is unchanged"
    );
    assert_eq!(app.get("/licenses", secret).await.status, 200);

    let one_day = app
        .post(
            &format!("/api-keys/{id}/rotate"),
            &session,
            json!({"graceSeconds": 86_400}),
        )
        .await;
    assert_eq!(
        one_day.status, 200,
        "exactly one day is allowed: {:?}",
        one_day.body
    );
}

#[tokio::test]
async fn last_used_at_is_set_after_the_key_is_used() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let created = create_key(
        &app,
        &session,
        json!({"name": "shop", "scopes": ["licenses:read"]}),
    )
    .await;
    let id = text(&created, "id");
    let secret = text(&created, "secret");
    let before_use = OffsetDateTime::now_utc() - time::Duration::seconds(1);
    assert_eq!(app.get("/licenses", secret).await.status, 200);

    // Flushed every 100 ms in tests; read through the session, which records nothing.
    let deadline = Instant::now() + Duration::from_secs(3);
    let last_used = loop {
        let reply = app.get(&format!("/api-keys/{id}"), &session).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        if let Some(at) = reply.data()["lastUsedAt"].as_str() {
            break OffsetDateTime::parse(at, &Rfc3339).expect("RFC 3339");
        }
        assert!(Instant::now() < deadline, "lastUsedAt still null after 3 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(last_used >= before_use, "{last_used} < {before_use}");
    assert!(last_used <= OffsetDateTime::now_utc() + time::Duration::seconds(1));
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM api_keys WHERE id = '{id}' AND last_used_at IS NOT NULL"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn an_expiry_in_the_past_at_creation_is_422() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let reply = app
        .post(
            "/api-keys",
            &session,
            json!({"name": "late", "scopes": ["licenses:read"], "expiresAt": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    assert_eq!(reply.body["details"][0]["field"], "expiresAt");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        0
    );
}

#[tokio::test]
async fn a_key_cannot_create_a_key_with_scopes_it_lacks() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let parent = app
        .api_key(&session, &["api_keys:write", "licenses:read"], None)
        .await;

    for scopes in [
        json!(["licenses:write"]),
        json!(["*"]),
        json!(["licenses:read", "products:read"]),
    ] {
        let reply = app
            .post(
                "/api-keys",
                &parent,
                json!({"name": "wider", "scopes": scopes}),
            )
            .await;
        assert_eq!(reply.status, 403, "{scopes}: {:?}", reply.body);
        assert_eq!(reply.code(), "SCOPE_ESCALATION", "{scopes}");
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        1
    );

    let narrower = create_key(
        &app,
        &parent,
        json!({"name": "narrower", "scopes": ["licenses:read"]}),
    )
    .await;
    assert_eq!(narrower["scopes"], json!(["licenses:read"]));
    let same = create_key(
        &app,
        &parent,
        json!({"name": "same", "scopes": ["licenses:read", "api_keys:write"]}),
    )
    .await;
    assert_eq!(same["scopes"], json!(["licenses:read", "api_keys:write"]));
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        3
    );
    let child = text(&narrower, "secret");
    assert_eq!(app.get("/licenses", child).await.status, 200);
}

#[tokio::test]
async fn a_key_cannot_rotate_a_more_powerful_key_to_learn_its_secret() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let admin_key = create_key(
        &app,
        &session,
        json!({"name": "everything", "scopes": ["*"]}),
    )
    .await;
    let admin_id = text(&admin_key, "id");
    let admin_secret = text(&admin_key, "secret");
    let limited = app
        .api_key(&session, &["api_keys:write", "licenses:read"], None)
        .await;

    let reply = app
        .post(&format!("/api-keys/{admin_id}/rotate"), &limited, json!({}))
        .await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert_eq!(reply.code(), "SCOPE_ESCALATION");
    assert!(reply.data().get("secret").is_none());
    assert_eq!(
        keys_hashed_as(&app, admin_secret).await,
        1,
        "the powerful key keeps its secret"
    );
    assert_eq!(app.get("/products", admin_secret).await.status, 200);

    let own_kind = create_key(
        &app,
        &session,
        json!({"name": "reader", "scopes": ["licenses:read"]}),
    )
    .await;
    let own_id = text(&own_kind, "id");
    let allowed = app
        .post(&format!("/api-keys/{own_id}/rotate"), &limited, json!({}))
        .await;
    assert_eq!(
        allowed.status, 200,
        "a key within its own scopes may be rotated: {:?}",
        allowed.body
    );
}

#[tokio::test]
async fn a_product_scoped_key_cannot_widen_its_product_scope() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let own = app.product(&session, "desk").await;
    let other = app.product(&session, "cloud").await;
    let project_key = app.api_key(&session, &["*"], Some(&own)).await;

    let account_wide = app
        .post(
            "/api-keys",
            &project_key,
            json!({"name": "all", "scopes": ["licenses:read"]}),
        )
        .await;
    assert_eq!(account_wide.status, 403, "{:?}", account_wide.body);
    assert_eq!(account_wide.code(), "PRODUCT_SCOPE_ESCALATION");
    let other_product = app
        .post(
            "/api-keys",
            &project_key,
            json!({"name": "other", "scopes": ["licenses:read"], "productId": other}),
        )
        .await;
    assert_eq!(other_product.status, 403, "{:?}", other_product.body);
    assert_eq!(other_product.code(), "PRODUCT_SCOPE_ESCALATION");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        1
    );

    let same_product = create_key(
        &app,
        &project_key,
        json!({"name": "own", "scopes": ["licenses:read"], "productId": own}),
    )
    .await;
    assert_eq!(same_product["productId"], json!(own));
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT count(*) AS value FROM api_keys WHERE product_id = '{own}'"
            ))
            .await,
        2
    );
}

#[tokio::test]
async fn a_product_scoped_key_sees_only_the_keys_of_its_product() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let own = app.product(&session, "desk").await;
    let other = app.product(&session, "cloud").await;
    let account_wide = create_key(
        &app,
        &session,
        json!({"name": "all", "scopes": ["licenses:read"]}),
    )
    .await;
    let other_key = create_key(
        &app,
        &session,
        json!({"name": "cloud", "scopes": ["licenses:read"], "productId": other}),
    )
    .await;
    let sibling = create_key(
        &app,
        &session,
        json!({"name": "desk", "scopes": ["licenses:read"], "productId": own}),
    )
    .await;
    let project_key = app
        .api_key(&session, &["api_keys:read", "api_keys:write"], Some(&own))
        .await;

    let list = app.get("/api-keys", &project_key).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let listed = list.data().as_array().expect("list");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(list.body["meta"]["total"], 2);
    assert!(
        listed.iter().all(|k| k["productId"] == json!(own)),
        "{listed:?}"
    );
    assert!(listed.iter().any(|k| k["id"] == sibling["id"]));

    for hidden in [&account_wide, &other_key] {
        let id = text(hidden, "id");
        let get = app.get(&format!("/api-keys/{id}"), &project_key).await;
        assert_eq!(get.status, 404, "{:?}", get.body);
        assert_eq!(get.code(), "API_KEY_NOT_FOUND");
        let rotate = app
            .post(&format!("/api-keys/{id}/rotate"), &project_key, json!({}))
            .await;
        assert_eq!(rotate.status, 404, "{:?}", rotate.body);
        assert_eq!(rotate.code(), "API_KEY_NOT_FOUND");
        let revoke = app.delete(&format!("/api-keys/{id}"), &project_key).await;
        assert_eq!(revoke.status, 404, "{:?}", revoke.body);
        assert_eq!(revoke.code(), "API_KEY_NOT_FOUND");
        assert_eq!(
            keys_hashed_as(&app, text(hidden, "secret")).await,
            1,
            "not rotated"
        );
    }
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys WHERE revoked_at IS NOT NULL")
            .await,
        0,
        "nothing was revoked"
    );
    assert_eq!(
        app.get("/api-keys", &session).await.body["meta"]["total"],
        4,
        "the account sees all"
    );
}

#[tokio::test]
async fn another_accounts_key_does_not_exist_for_this_account() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let adas = create_key(
        &app,
        &ada,
        json!({"name": "ada's", "scopes": ["licenses:read"]}),
    )
    .await;
    let id = text(&adas, "id");

    let list = app.get("/api-keys", &bob).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["meta"]["total"], 0);
    for reply in [
        app.get(&format!("/api-keys/{id}"), &bob).await,
        app.delete(&format!("/api-keys/{id}"), &bob).await,
        app.post(&format!("/api-keys/{id}/rotate"), &bob, json!({}))
            .await,
    ] {
        assert_eq!(reply.status, 404, "{:?}", reply.body);
        assert_eq!(reply.code(), "API_KEY_NOT_FOUND");
    }
    assert_eq!(keys_hashed_as(&app, text(&adas, "secret")).await, 1);
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys WHERE revoked_at IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn creating_a_key_validates_every_field() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let reply = app
        .post(
            "/api-keys",
            &session,
            json!({"scopes": ["licenses:delete"], "productId": "nope", "expiresAt": "tomorrow"}),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.code(), "VALIDATION_FAILED");
    let fields: Vec<&str> = reply.body["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "scopes", "productId", "expiresAt"]);
    let empty = app
        .post("/api-keys", &session, json!({"name": "none", "scopes": []}))
        .await;
    assert_eq!(
        empty.status, 422,
        "a key needs at least one scope: {:?}",
        empty.body
    );
    let unknown_product = app
        .post(
            "/api-keys",
            &session,
            json!({"name": "p", "scopes": ["licenses:read"], "productId": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(unknown_product.status, 422, "{:?}", unknown_product.body);
    assert_eq!(unknown_product.body["details"][0]["field"], "productId");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        0
    );
}

#[tokio::test]
async fn an_expiring_key_cannot_create_or_rotate_a_key_that_outlives_it() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let until = OffsetDateTime::now_utc() + time::Duration::days(1);
    let parent = create_key(
        &app,
        &session,
        json!({"name": "temp", "scopes": ["*"], "expiresAt": until.format(&Rfc3339).expect("format")}),
    )
    .await;
    let parent_secret = text(&parent, "secret").to_owned();

    let forever = app
        .post(
            "/api-keys",
            &parent_secret,
            json!({"name": "child", "scopes": ["*"]}),
        )
        .await;
    assert_eq!(forever.status, 403);
    assert_eq!(forever.code(), "EXPIRY_ESCALATION");
    let later = (until + time::Duration::days(1))
        .format(&Rfc3339)
        .expect("format");
    let outliving = app
        .post(
            "/api-keys",
            &parent_secret,
            json!({"name": "child", "scopes": ["*"], "expiresAt": later}),
        )
        .await;
    assert_eq!(outliving.code(), "EXPIRY_ESCALATION");
    assert_eq!(
        app.db
            .scalar("SELECT count(*) AS value FROM api_keys")
            .await,
        1
    );

    let sooner = (until - time::Duration::hours(1))
        .format(&Rfc3339)
        .expect("format");
    let child = app
        .post(
            "/api-keys",
            &parent_secret,
            json!({"name": "child", "scopes": ["*"], "expiresAt": sooner}),
        )
        .await;
    assert_eq!(child.status, 201);

    let permanent = create_key(
        &app,
        &session,
        json!({"name": "permanent", "scopes": ["*"]}),
    )
    .await;
    let rotate = app
        .post(
            &format!("/api-keys/{}/rotate", text(&permanent, "id")),
            &parent_secret,
            json!({}),
        )
        .await;
    assert_eq!(
        rotate.status, 403,
        "rotating would hand a short-lived key a permanent secret"
    );
    assert_eq!(rotate.code(), "EXPIRY_ESCALATION");
}
