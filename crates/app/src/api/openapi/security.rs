//! The credentials of the management API as security schemes, and the expansion of
//! each operation's requirement into its alternatives.
//!
//! A route declares what it needs once, as `security(("apiKey" = ["scope"]))` (or
//! `("apiKey" = [])` when any credential will do, or `("session" = [])` for
//! session-only routes). Here that becomes the three ways to present a credential —
//! the API key in `Authorization: Bearer`, the API key in `X-Api-Key`, or a session
//! token (which holds every scope of its user) — and a sentence in the description
//! naming the scopes. Routes without `security` are public or take the license key in
//! the body (documented on the route); they get an explicit empty `security: []`.

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

/// An API key in `Authorization: Bearer`.
pub const API_KEY: &str = "apiKey";
/// An API key in `X-Api-Key`.
pub const API_KEY_HEADER: &str = "apiKeyHeader";
/// A session token in `Authorization: Bearer`.
pub const SESSION: &str = "session";

/// Adds the schemes to the components.
pub fn add_schemes(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        API_KEY,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("sk_live_…")
                .description(Some(
                    "An API key (`sk_live_` + base62) in `Authorization: Bearer`. It holds the \
                     scopes it was created with, and only one product's resources when it \
                     has a `productId`. The scopes an operation needs are listed in its \
                     requirement.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        API_KEY_HEADER,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Api-Key",
            "The same API key in the `X-Api-Key` header (the name is case-insensitive).",
        ))),
    );
    components.add_security_scheme(
        SESSION,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("sess_…")
                .description(Some(
                    "A session token (`sess_…`) from `POST /v1/auth/register` or \
                     `/v1/auth/login` in `Authorization: Bearer`: every scope of its user.",
                ))
                .build(),
        ),
    );
}

/// Expands every operation's declared requirement (see the module documentation).
pub fn expand_requirements(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in super::operations_mut(item) {
            expand(operation);
        }
    }
}

fn expand(operation: &mut Operation) {
    let declared = operation.security.take().unwrap_or_default();
    let value = serde_json::to_value(&declared).unwrap_or_default();
    let scopes_of = |scheme: &str| -> Option<Vec<String>> {
        value.as_array()?.iter().find_map(|requirement| {
            let scopes = requirement.get(scheme)?.as_array()?;
            Some(
                scopes
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
            )
        })
    };
    if let Some(scopes) = scopes_of(API_KEY) {
        operation.security = Some(vec![
            SecurityRequirement::new(API_KEY, scopes.clone()),
            SecurityRequirement::new(API_KEY_HEADER, scopes.clone()),
            SecurityRequirement::new(SESSION, Vec::<String>::new()),
        ]);
        let sentence = if scopes.is_empty() {
            "**Credential:** any API key or session token.".to_owned()
        } else {
            let listed: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
            format!(
                "**Scope:** {} (an API key needs it; a session has every scope).",
                listed.join(" and ")
            )
        };
        append_description(operation, &sentence);
    } else if scopes_of(SESSION).is_some() {
        operation.security = Some(vec![SecurityRequirement::new(
            SESSION,
            Vec::<String>::new(),
        )]);
        append_description(
            operation,
            "**Credential:** a session token (not an API key).",
        );
    } else {
        // Public, or the license key / site token in the body: no header credential.
        operation.security = Some(Vec::new());
    }
}

/// Adds a paragraph to an operation's description.
pub fn append_description(operation: &mut Operation, paragraph: &str) {
    operation.description = Some(match operation.description.take() {
        Some(existing) if !existing.is_empty() => format!("{existing}\n\n{paragraph}"),
        _ => paragraph.to_owned(),
    });
}
