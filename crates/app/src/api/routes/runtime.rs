//! The runtime endpoints: the license key is the credential. Every answer is signed.
//!
//! Each request draws on the client IP's rate-limit budget and, when the body names a
//! license key, on the key's (both or neither); a 429 is signed like any answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use licentia_domain::domain_name::DomainName;
use licentia_domain::fingerprint::Fingerprint;
use licentia_domain::ids::ProductId;
use licentia_domain::metadata::Metadata;
use licentia_domain::text::BoundedText;
use serde::Deserialize;
use serde_json::Value;

use crate::api::client_ip::client_ip;
use crate::api::input::{Fields, uuid};
use crate::api::rate_limit;
use crate::api::signed::respond;
use crate::error::{AppError, FieldError};
use crate::runtime::service::{
    self, ActivationDetails, DEFAULT_CERTIFICATE_TTL, MAX_CERTIFICATE_TTL, Release, RuntimeRequest,
};
use crate::state::AppState;

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

/// One body for every runtime endpoint; each reads the fields it needs.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RuntimeBody {
    license_key: Option<String>,
    key: Option<String>,
    product_id: Option<String>,
    fingerprint: Option<String>,
    domain: Option<String>,
    nonce: Option<String>,
    name: Option<String>,
    platform: Option<String>,
    ip_address: Option<String>,
    metadata: Option<Value>,
    all: Option<bool>,
    ttl_seconds: Option<u32>,
    slugs: Option<Vec<String>>,
}

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
    body: &mut RuntimeBody,
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
        .get("x-license-domain")
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
fn request(req: &HttpRequest, bytes: &[u8]) -> Result<(RuntimeRequest, RuntimeBody), AppError> {
    let mut body: RuntimeBody = parse_json(bytes)?;
    let mut fields = Fields::default();
    let parsed = parse_request(req, &mut body, &mut fields);
    let parsed = fields.finish(|| parsed)?;
    Ok((parsed, body))
}

/// Parses the body and draws on the rate-limit budgets of the client IP and of the
/// license key it names (a body that does not parse draws on the IP's alone).
async fn admit(
    state: &AppState,
    req: &HttpRequest,
    bytes: &[u8],
) -> Result<(RuntimeRequest, RuntimeBody), AppError> {
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
    let (request, _) = admit(state, req, bytes).await?;
    Ok((StatusCode::OK, service::validate(state, request).await?))
}

#[post("/licenses/validate")]
async fn validate(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    respond(&state, run_validate(&state, &req, &bytes).await)
}

#[post("/licenses/verify")]
async fn verify(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    respond(&state, run_validate(&state, &req, &bytes).await)
}

#[post("/licenses/activate")]
async fn activate(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    let result = async {
        let (request, body) = admit(&state, &req, &bytes).await?;
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

#[post("/licenses/deactivate")]
async fn deactivate(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        let (request, body) = admit(&state, &req, &bytes).await?;
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

#[post("/licenses/heartbeat")]
async fn heartbeat(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        let (request, _) = admit(&state, &req, &bytes).await?;
        Ok((StatusCode::OK, service::heartbeat(&state, request).await?))
    }
    .await;
    respond(&state, result)
}

#[post("/licenses/checkout")]
async fn checkout(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    let result = async {
        let (request, body) = admit(&state, &req, &bytes).await?;
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

#[post("/licenses/injectables")]
async fn injectables(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        let (request, body) = admit(&state, &req, &bytes).await?;
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
#[get("/.well-known/jwks.json")]
async fn jwks(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    rate_limit::runtime(&state, &req, None).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(state.key_ring.jwks()))
}
