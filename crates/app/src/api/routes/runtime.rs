//! The runtime endpoints: the license key is the credential. Every answer is signed.
//!
//! Each request draws on the client IP's rate-limit budget and, when the body names a
//! license key, on the key's (both or neither); a 429 is signed like any answer.

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use licentia_domain::domain_name::DomainName;
use licentia_domain::fingerprint::Fingerprint;
use licentia_domain::ids::ProductId;
use licentia_domain::metadata::Metadata;
use licentia_domain::text::BoundedText;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::api::client_ip::client_ip;
use crate::api::input::{Fields, uuid};
use crate::api::openapi::{envelopes, examples};
use crate::api::rate_limit;
use crate::api::signed::respond;
use crate::error::{AppError, ErrorBody, FieldError};
use crate::runtime::service::{
    self, ActivationDetails, DEFAULT_CERTIFICATE_TTL, MAX_CERTIFICATE_TTL, Release, RuntimeRequest,
};
use crate::state::AppState;

/// The header a site may name its domain in instead of the body's `domain`.
const LICENSE_DOMAIN: HeaderName = HeaderName::from_static("x-license-domain");

/// Mounts the runtime routes (before the management routes of `/licenses`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(validate)
        .service(verify)
        .service(activate)
        .service(deactivate)
        .service(heartbeat)
        .service(checkout)
        .service(injectables)
        .service(jwks);
}

/// What every runtime request carries: the license key (the credential) and the
/// options all runtime endpoints share.
#[derive(Deserialize, Default, ToSchema)]
#[schema(as = LicenseKeyRequest)]
#[serde(rename_all = "camelCase")]
struct KeyBody {
    /// The license key, typed any way (case, hyphens and spaces do not matter). `key`
    /// is accepted instead.
    #[schema(value_type = String, min_length = 1, max_length = 256, example = "LIC-7K2QD-M4XHW-9PJ3B-RT6YC-N8VGA")]
    license_key: Option<String>,
    /// The same as `licenseKey`.
    #[schema(min_length = 1, max_length = 256)]
    key: Option<String>,
    /// The product the client belongs to: a key of another product answers
    /// `PRODUCT_MISMATCH`.
    #[schema(value_type = Option<Uuid>)]
    product_id: Option<String>,
    /// The device (1 to 255 visible ASCII characters).
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$",
        example = "my-laptop"
    )]
    fingerprint: Option<String>,
    /// The site's domain; also read from the `X-License-Domain` header.
    #[schema(example = "shop.example.com")]
    domain: Option<String>,
    /// Echoed in the signed answer, against replays.
    #[schema(max_length = 256, example = "n-1")]
    nonce: Option<String>,
}

/// A runtime body: its own fields around the shared [`KeyBody`].
trait WithKey: serde::de::DeserializeOwned {
    fn key_body(&mut self) -> &mut KeyBody;
}

impl WithKey for KeyBody {
    fn key_body(&mut self) -> &mut KeyBody {
        self
    }
}

/// `activate`: a fingerprint (device) or a domain (site), and what to remember about it.
#[derive(Deserialize, ToSchema)]
#[schema(as = ActivationRequest)]
#[serde(rename_all = "camelCase")]
struct ActivateBody {
    #[serde(flatten)]
    key: KeyBody,
    #[schema(min_length = 1, max_length = 255, example = "Work laptop")]
    name: Option<String>,
    #[schema(min_length = 1, max_length = 255, example = "macOS")]
    platform: Option<String>,
    /// An IPv4 or IPv6 address; defaults to the client's.
    #[schema(example = "203.0.113.7")]
    ip_address: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// `deactivate`: a fingerprint or a domain, or `all: true`.
#[derive(Deserialize, ToSchema)]
#[schema(as = DeactivationRequest)]
#[serde(rename_all = "camelCase")]
struct DeactivateBody {
    #[serde(flatten)]
    key: KeyBody,
    /// Free every seat of the license.
    all: Option<bool>,
}

/// `checkout`: how long the offline certificate lasts.
#[derive(Deserialize, ToSchema)]
#[schema(as = CheckoutRequest)]
#[serde(rename_all = "camelCase")]
struct CheckoutBody {
    #[serde(flatten)]
    key: KeyBody,
    /// 60 to 31536000 seconds (default 2592000, 30 days).
    #[schema(minimum = 60, maximum = 31_536_000, example = 604_800)]
    ttl_seconds: Option<u32>,
}

/// `injectables`: which ones (all active ones when omitted).
#[derive(Deserialize, ToSchema)]
#[schema(as = InjectablesRequest)]
#[serde(rename_all = "camelCase")]
struct InjectablesBody {
    #[serde(flatten)]
    key: KeyBody,
    /// Only the injectables with these slugs.
    slugs: Option<Vec<String>>,
}

macro_rules! with_key {
    ($($body:ty),*) => {$(
        impl WithKey for $body {
            fn key_body(&mut self) -> &mut KeyBody {
                &mut self.key
            }
        }
    )*};
}

with_key!(ActivateBody, DeactivateBody, CheckoutBody, InjectablesBody);

type Short = BoundedText<255>;

/// Parses a raw JSON body (so that even a malformed one gets a signed answer).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            AppError::validation(vec![FieldError {
                field: "body".into(),
                message: e.to_string(),
            }])
        } else {
            AppError::bad_request("INVALID_JSON", format!("the body is not valid JSON: {e}"))
        }
    })
}

fn parse_request(
    req: &HttpRequest,
    body: &mut KeyBody,
    fields: &mut Fields,
) -> Option<RuntimeRequest> {
    let key = fields.required(
        "licenseKey",
        body.license_key.take().or(body.key.take()),
        |k| {
            if (1..=256).contains(&k.trim().len()) {
                Ok(k)
            } else {
                Err(licentia_domain::ValidationError::new(
                    "must be 1 to 256 characters",
                ))
            }
        },
    );
    let header_domain = req
        .headers()
        .get(LICENSE_DOMAIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let product_id = fields.optional("productId", body.product_id.take(), uuid::<ProductId>);
    let fingerprint = fields.optional("fingerprint", body.fingerprint.take(), |f| {
        Fingerprint::parse(&f)
    });
    let domain = fields.optional("domain", body.domain.take().or(header_domain), |d| {
        DomainName::parse(&d)
    });
    let nonce = fields.optional("nonce", body.nonce.take(), |n| {
        if n.len() <= 256 {
            Ok(n)
        } else {
            Err(licentia_domain::ValidationError::new(
                "must be at most 256 characters",
            ))
        }
    });
    Some(RuntimeRequest {
        key: key?,
        product_id,
        fingerprint,
        domain,
        nonce,
    })
}

/// Parses a body into a request, or the 422 / 400 to answer.
fn request<B: WithKey>(req: &HttpRequest, bytes: &[u8]) -> Result<(RuntimeRequest, B), AppError> {
    let mut body: B = parse_json(bytes)?;
    let mut fields = Fields::default();
    let parsed = parse_request(req, body.key_body(), &mut fields);
    let parsed = fields.finish(|| parsed)?;
    Ok((parsed, body))
}

/// Parses the body and draws on the rate-limit budgets of the client IP and of the
/// license key it names (a body that does not parse draws on the IP's alone).
async fn admit<B: WithKey>(
    state: &AppState,
    req: &HttpRequest,
    bytes: &[u8],
) -> Result<(RuntimeRequest, B), AppError> {
    let parsed = request(req, bytes);
    let key = parsed
        .as_ref()
        .ok()
        .map(|(request, _)| request.key.as_str());
    rate_limit::runtime(state, req, key).await?;
    parsed
}

async fn run_validate(
    state: &AppState,
    req: &HttpRequest,
    bytes: &[u8],
) -> Result<(StatusCode, impl serde::Serialize), AppError> {
    let (request, _) = admit::<KeyBody>(state, req, bytes).await?;
    Ok((StatusCode::OK, service::validate(state, request).await?))
}

/// Validate a license key.
///
/// Read-only; answers 200 whether the license passes or not (`valid`, `code`). With a
/// fingerprint or domain it also checks that seat. The answer is signed.
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body(content = KeyBody, example = examples::validate_request),
    responses(
        (status = 200, description = "The verdict, signed.", content((envelopes::ValidationData = "application/json", example = examples::validation)), headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
    ),
)]
#[post("/licenses/validate")]
async fn validate(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    respond(&state, run_validate(&state, &req, &bytes).await)
}

/// Validate a license key (alias of validate).
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body = KeyBody,
    responses(
        (status = 200, description = "The verdict, signed.", body = envelopes::ValidationData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
    ),
)]
#[post("/licenses/verify")]
async fn verify(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    respond(&state, run_validate(&state, &req, &bytes).await)
}

/// Activate a device or a site.
///
/// Takes a seat for the fingerprint (device) or domain (site), or returns the one it
/// already holds. The limit is exact under concurrency.
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body(content = ActivateBody, example = examples::activate_request),
    responses(
        (status = 201, description = "A seat was taken; signed.", content((envelopes::ValidationData = "application/json", example = examples::activated)), headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 200, description = "The seat was already held; signed.", body = envelopes::ValidationData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 403, description = "The license does not pass: the validation code (`EXPIRED`, `SUSPENDED`, `REVOKED`, `INACTIVE`, `PRODUCT_MISMATCH`, `NOT_ACTIVATED`, `DOMAIN_NOT_ALLOWED`, `HEARTBEAT_DEAD`) as the code. Signed.", content((ErrorBody = "application/json", example = examples::suspended))),
        (status = 404, description = "`NOT_FOUND`: no such license key. Signed.", body = ErrorBody),
        (status = 409, description = "`TOO_MANY_ACTIVATIONS`: every seat is taken. Signed.", body = ErrorBody),
    ),
)]
#[post("/licenses/activate")]
async fn activate(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    let result = async {
        let (request, body) = admit::<ActivateBody>(&state, &req, &bytes).await?;
        let mut fields = Fields::default();
        let name = fields.optional("name", body.name, |n| {
            Short::parse(&n).map(Short::into_inner)
        });
        let platform = fields.optional("platform", body.platform, |p| {
            Short::parse(&p).map(Short::into_inner)
        });
        let ip_address = fields.optional("ipAddress", body.ip_address, |ip| {
            ip.trim()
                .parse::<std::net::IpAddr>()
                .map(|ip| ip.to_string())
                .map_err(|_| licentia_domain::ValidationError::new("must be an IP address"))
        });
        let metadata = fields.optional("metadata", body.metadata, Metadata::parse);
        let details = fields.finish(|| {
            Some(ActivationDetails {
                name,
                platform,
                ip_address: ip_address.or_else(|| {
                    client_ip(&req, &state.settings.rate_limits.trusted_proxies)
                        .map(|ip| ip.to_string())
                }),
                metadata: metadata.unwrap_or_default(),
            })
        })?;
        let (created, view) = service::activate(&state, request, details).await?;
        Ok((
            if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            view,
        ))
    }
    .await;
    respond(&state, result)
}

/// Free a seat, or all of them.
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "How many seats were freed; signed.", body = envelopes::DeactivationData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 403, description = "`PRODUCT_MISMATCH`. Signed.", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND` (no such key) or `ACTIVATION_NOT_FOUND` (no seat for this device or domain). Signed.", body = ErrorBody),
    ),
)]
#[post("/licenses/deactivate")]
async fn deactivate(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        let (request, body) = admit::<DeactivateBody>(&state, &req, &bytes).await?;
        let release = match (body.all.unwrap_or(false), request.seat()) {
            (true, _) => Release::All,
            (false, Some(seat)) => Release::One(seat),
            (false, None) => {
                return Err(AppError::validation(vec![FieldError {
                    field: "fingerprint".into(),
                    message: "send a fingerprint, a domain, or all: true".into(),
                }]));
            }
        };
        Ok((
            StatusCode::OK,
            service::deactivate(&state, request, release).await?,
        ))
    }
    .await;
    respond(&state, result)
}

/// Keep an activation alive.
///
/// Floating seats: an activation without a heartbeat for twice the interval is dead and
/// its seat free again.
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body = KeyBody,
    responses(
        (status = 200, description = "The verdict with the refreshed activation; signed.", body = envelopes::ValidationData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 403, description = "The license does not pass: the validation code (`EXPIRED`, `SUSPENDED`, `REVOKED`, `INACTIVE`, `PRODUCT_MISMATCH`, `NOT_ACTIVATED`, `DOMAIN_NOT_ALLOWED`, `HEARTBEAT_DEAD`) as the code. Signed.", content((ErrorBody = "application/json", example = examples::suspended))),
        (status = 404, description = "`NOT_FOUND`: no such license key. Signed.", body = ErrorBody),
    ),
)]
#[post("/licenses/heartbeat")]
async fn heartbeat(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        let (request, _) = admit::<KeyBody>(&state, &req, &bytes).await?;
        Ok((StatusCode::OK, service::heartbeat(&state, request).await?))
    }
    .await;
    respond(&state, result)
}

/// Take an offline certificate.
///
/// A JWS compact token (`alg: EdDSA`, `typ: license+jwt`) any JOSE library can verify with
/// the public key from the JWKS.
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body(content = CheckoutBody, example = examples::checkout_request),
    responses(
        (status = 200, description = "The certificate; signed.", content((envelopes::CheckoutData = "application/json", example = examples::checkout)), headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 403, description = "The license does not pass: the validation code (`EXPIRED`, `SUSPENDED`, `REVOKED`, `INACTIVE`, `PRODUCT_MISMATCH`, `NOT_ACTIVATED`, `DOMAIN_NOT_ALLOWED`, `HEARTBEAT_DEAD`) as the code. Signed.", content((ErrorBody = "application/json", example = examples::suspended))),
        (status = 404, description = "`NOT_FOUND`: no such license key. Signed.", body = ErrorBody),
    ),
)]
#[post("/licenses/checkout")]
async fn checkout(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    let result = async {
        let (request, body) = admit::<CheckoutBody>(&state, &req, &bytes).await?;
        let ttl = body.ttl_seconds.unwrap_or(DEFAULT_CERTIFICATE_TTL);
        if !(60..=MAX_CERTIFICATE_TTL).contains(&ttl) {
            return Err(AppError::validation(vec![FieldError {
                field: "ttlSeconds".into(),
                message: format!("must be 60 to {MAX_CERTIFICATE_TTL}"),
            }]));
        }
        Ok((
            StatusCode::OK,
            service::checkout(&state, request, ttl).await?,
        ))
    }
    .await;
    respond(&state, result)
}

/// Fetch the product's injectables.
///
/// The active injectables of the license's product, when the license validates.
///
/// No header credential: the license key in the body is the credential.
#[utoipa::path(
    tag = "runtime",
    request_body = InjectablesBody,
    responses(
        (status = 200, description = "The injectables with their content; signed.", body = envelopes::RuntimeInjectablesData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 403, description = "The license does not pass: the validation code (`NOT_FOUND` included). Signed.", body = ErrorBody),
    ),
)]
#[post("/licenses/injectables")]
async fn injectables(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        let (request, body) = admit::<InjectablesBody>(&state, &req, &bytes).await?;
        Ok((
            StatusCode::OK,
            service::injectables(&state, request, body.slugs).await?,
        ))
    }
    .await;
    respond(&state, result)
}

/// The public signing keys, as a plain JWKS document (what JOSE libraries read).
/// Limited by the client IP's runtime budget.
/// The public signing keys.
///
/// A JWKS (`kty: OKP`, `crv: Ed25519`) of every published key: verify runtime signatures
/// and offline certificates with it. Cacheable for 5 minutes.
#[utoipa::path(
    tag = "runtime",
    responses((status = 200, description = "The key set.", body = licentia_domain::jwks::Jwks)),
)]
#[get("/.well-known/jwks.json")]
async fn jwks(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    rate_limit::runtime(&state, &req, None).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(state.key_ring.jwks()))
}
