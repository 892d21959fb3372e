//! The OpenAPI document: served at `/v1/openapi.json` as checked in at
//! `docs/openapi.json`, complete (every route of `src/api/routes/*.rs` and nothing
//! else), with the security schemes, and with an error-code enum equal to the codes the
//! source can emit.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use licentia::api::openapi;
use licentia_test_support::spawn_app;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generated() -> Value {
    serde_json::from_str(openapi::json()).expect("the document is JSON")
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                out.push((method.to_owned(), path.clone(), operation));
            }
        }
    }
    out
}

/// `/licenses/{id_or_key}` and `/licenses/{id}` are one route: names do not matter.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_parameter = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_parameter = true;
                out.push_str("{}");
            }
            '}' => in_parameter = false,
            _ if in_parameter => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn the_served_document_is_the_checked_in_one() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("GET /v1/openapi.json");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert!(
        response.headers().get("x-ratelimit-limit-second").is_none(),
        "the document is never rate limited"
    );
    let served = response.text().await.expect("body");
    assert_eq!(
        served,
        openapi::json(),
        "served bytes are the generated ones"
    );
    let checked_in = fs::read_to_string(workspace_root().join("docs/openapi.json"))
        .expect("docs/openapi.json exists");
    assert!(
        served == checked_in,
        "docs/openapi.json is stale: run `cargo xtask openapi` and commit docs/openapi.json"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_the_crate_version() {
    let doc = generated();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "openapi is {}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        openapi::json().ends_with("}\n"),
        "pretty, with a trailing newline"
    );
}

/// Every `#[get("/…")]` (and post, put, patch, delete) of `src/api/routes/*.rs`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api/routes");
    let mut routes = BTreeSet::new();
    for entry in fs::read_dir(dir).expect("routes dir").flatten() {
        let text = fs::read_to_string(entry.path()).expect("route file");
        for line in text.lines() {
            let line = line.trim();
            for method in METHODS {
                let opening = format!("#[{method}(\"");
                if let Some(rest) = line.strip_prefix(&opening) {
                    let path = rest.split('"').next().expect("a path literal");
                    routes.insert((
                        method.to_owned(),
                        shape(&format!("{}{path}", openapi::BASE_PATH)),
                    ));
                }
            }
        }
    }
    routes
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let in_source = routes_in_source();
    assert!(
        in_source.len() > 50,
        "found only {} routes",
        in_source.len()
    );
    let doc = generated();
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| (method, shape(&path)))
        .collect();
    let undocumented: Vec<_> = in_source.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&in_source).collect();
    assert!(
        undocumented.is_empty(),
        "routes without an operation in the document (add #[utoipa::path] and list the \
         handler in api::openapi::ApiDoc): {undocumented:?}"
    );
    assert!(stale.is_empty(), "operations without a route: {stale:?}");
}

#[test]
fn every_operation_has_a_unique_id_a_tag_a_summary_and_a_success_answer() {
    let doc = generated();
    let mut ids = BTreeSet::new();
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_owned()), "{id} is not unique");
        let tag = operation["tags"][0].as_str().expect("a tag");
        assert!(
            tags.contains(tag),
            "{method} {path}: tag {tag} is not described"
        );
        assert!(
            operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path} has no summary (the handler's doc comment)"
        );
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{method} {path} documents no success"
        );
    }
}

#[test]
fn the_credentials_are_described_and_every_management_route_names_them() {
    let doc = generated();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["apiKey"]["type"], "http");
    assert_eq!(schemes["apiKey"]["scheme"], "bearer");
    assert_eq!(schemes["apiKeyHeader"]["type"], "apiKey");
    assert_eq!(schemes["apiKeyHeader"]["in"], "header");
    assert_eq!(schemes["apiKeyHeader"]["name"], "X-Api-Key");
    assert_eq!(schemes["session"]["scheme"], "bearer");

    let public = [
        "/v1/health",
        "/v1/health/ready",
        "/v1/openapi.json",
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/.well-known/jwks.json",
    ];
    for (method, path, operation) in operations(&doc) {
        let security = operation["security"].as_array().expect("explicit security");
        let body_credential = path.starts_with("/v1/wordpress/")
            || [
                "validate",
                "verify",
                "activate",
                "deactivate",
                "heartbeat",
                "checkout",
                "injectables",
            ]
            .iter()
            .any(|name| path == format!("/v1/licenses/{name}"));
        if public.contains(&path.as_str()) || body_credential {
            assert!(security.is_empty(), "{method} {path} needs no header");
            for status in ["401", "403"] {
                let shared = operation["responses"][status]["$ref"].as_str();
                assert!(
                    !shared.is_some_and(|r| r.ends_with("Unauthorized")),
                    "{method} {path}: no credential, no 401 for one"
                );
            }
            if body_credential {
                let description = operation["description"].as_str().unwrap_or_default();
                assert!(
                    description.contains("in the body is the credential"),
                    "{method} {path} says where its credential goes"
                );
            }
        } else {
            assert!(!security.is_empty(), "{method} {path} names its credential");
            assert!(
                operation["responses"]["401"].is_object()
                    && operation["responses"]["403"].is_object(),
                "{method} {path} documents 401 and 403"
            );
            let scopes = security
                .iter()
                .find_map(|s| s["apiKey"].as_array())
                .cloned()
                .unwrap_or_default();
            for scope in &scopes {
                let scope = scope.as_str().expect("scope");
                assert!(
                    openapi::vocabulary::scope_names()
                        .iter()
                        .any(|s| s == scope),
                    "{method} {path}: unknown scope {scope}"
                );
                assert!(
                    operation["description"]
                        .as_str()
                        .is_some_and(|d| d.contains(scope)),
                    "{method} {path}: the description names {scope}"
                );
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// SCREAMING_SNAKE string literals of the server's source that are not error codes.
const NOT_CODES: &[&str] = &[
    "CARGO_PKG_VERSION",
    "DATABASE_URL",
    // `licentia admin` table headings.
    "EMAIL",
    "NAME",
    "ROLE",
    "TIER",
    "DISABLED",
    "CREATED",
    "KEY",
    "SCOPES",
    "PRODUCT",
    "EXPIRES",
    "REVOKED",
    // The WordPress heartbeat's status when the license passes.
    "VALID",
    // The default key prefix, in a schema example.
    "LIC",
    // HTTP methods (span names), one made up in a test, and a CLI value name.
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "BREW",
    "DAYS",
];

/// Every code-like string literal (`"LICENSE_NOT_FOUND"`) in `crates/app/src`, except
/// in the catalog itself and the document's own text (examples, descriptions).
fn code_literals_in_source() -> BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = BTreeSet::new();
    for file in files {
        if file.starts_with(src.join("api/openapi")) || file == src.join("error/codes.rs") {
            continue;
        }
        let text = fs::read_to_string(&file).expect("source");
        for literal in text.split('"').skip(1).step_by(2) {
            let code_like = literal.len() >= 3
                && literal
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && literal.as_bytes()[0].is_ascii_uppercase();
            if code_like
                && !literal.starts_with("LICENTIA_")
                && !literal.starts_with("OTEL_")
                && !NOT_CODES.contains(&literal)
            {
                found.insert(literal.to_owned());
            }
        }
    }
    found
}

#[test]
fn the_error_code_enum_is_every_code_the_source_emits() {
    let doc = generated();
    let documented: BTreeSet<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .map(|c| c.as_str().expect("a string").to_owned())
        .collect();
    let validation: BTreeSet<String> = licentia_domain::validation::ValidationCode::ALL
        .iter()
        .filter(|c| **c != licentia_domain::validation::ValidationCode::Valid)
        .map(|c| c.as_str().to_owned())
        .collect();
    assert!(
        validation.is_subset(&documented),
        "runtime refusals carry the validation codes"
    );
    let in_source = code_literals_in_source();
    let missing: Vec<_> = in_source.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "codes in the source but not in error::codes::ERROR_CODES (or not codes: add them \
         to NOT_CODES here): {missing:?}"
    );
    let unused: Vec<_> = documented
        .difference(&in_source)
        .filter(|c| !validation.contains(*c))
        .collect();
    assert!(
        unused.is_empty(),
        "codes listed in error::codes but emitted nowhere: {unused:?}"
    );
}

#[test]
fn the_error_envelope_schema_names_the_code_enum() {
    let doc = generated();
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(
        error["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    let required: BTreeSet<&str> = error["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, BTreeSet::from(["error", "message", "code"]));
}
