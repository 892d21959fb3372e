//! `/v1/wordpress/*`: what a WordPress plugin calls. Registration is authorised by
//! the license key, the rest by the site token. Every answer is signed, like every
//! runtime answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use licentia_domain::email::Email;
use licentia_domain::ids::SiteActionId;
use licentia_domain::metadata::Metadata;
use licentia_domain::site::{SiteReport, SiteUrl, Version};
use licentia_domain::text::Name;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::api::client_ip::client_ip;
use crate::api::input::{Fields, uuid};
use crate::api::openapi::envelopes;
use crate::api::rate_limit;
use crate::api::routes::runtime::parse_json;
use crate::api::signed::respond;
use crate::error::ErrorBody;
use crate::services::sites::{self, Registration};
use crate::state::AppState;
use crate::views::{PendingActionsView, RegisteredSiteView, SiteActionView, SiteHeartbeatView};

/// Mounts the WordPress routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(heartbeat)
        .service(pending_actions);
}

/// What the plugin reports about its site (every field optional).
#[derive(Deserialize, Default, ToSchema)]
#[schema(as = SiteReport)]
#[serde(rename_all = "camelCase")]
struct ReportBody {
    #[schema(example = "6.5.2")]
    wp_version: Option<String>,
    #[schema(example = "8.2.10")]
    php_version: Option<String>,
    #[schema(example = "2.3.0")]
    plugin_version: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    health_data: Option<Value>,
}

/// `register`: the license key, the site and its versions.
#[derive(Deserialize, ToSchema)]
#[schema(as = SiteRegistration)]
#[serde(rename_all = "camelCase")]
struct RegisterBody {
    #[schema(value_type = String, example = "LIC-7K2QD-M4XHW-9PJ3B-RT6YC-N8VGA")]
    license_key: Option<String>,
    /// The site's address; its domain takes the seat.
    #[schema(value_type = String, example = "https://shop.example.com")]
    site_url: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    site_name: Option<String>,
    #[schema(format = Email)]
    admin_email: Option<String>,
    #[serde(flatten)]
    report: ReportBody,
}

/// `heartbeat`: the site token and a fresh report.
#[derive(Deserialize, ToSchema)]
#[schema(as = SiteHeartbeatRequest)]
#[serde(rename_all = "camelCase")]
struct HeartbeatBody {
    /// From registration.
    #[schema(value_type = String)]
    site_token: Option<String>,
    #[serde(flatten)]
    report: ReportBody,
}

/// `pending-actions`: the site token, and the actions done since the last call.
#[derive(Deserialize, ToSchema)]
#[schema(as = PendingActionsRequest)]
#[serde(rename_all = "camelCase")]
struct PendingActionsBody {
    /// From registration.
    #[schema(value_type = String)]
    site_token: Option<String>,
    /// Ids of actions carried out: they become `done`.
    #[schema(value_type = Option<Vec<Uuid>>)]
    ack: Option<Vec<String>>,
}

fn report(fields: &mut Fields, body: ReportBody) -> SiteReport {
    let version = |v: String| Version::parse(&v);
    SiteReport {
        wp_version: fields.optional("wpVersion", body.wp_version, version),
        php_version: fields.optional("phpVersion", body.php_version, version),
        plugin_version: fields.optional("pluginVersion", body.plugin_version, version),
        health_data: fields.optional("healthData", body.health_data, Metadata::parse),
    }
}

fn site_token(fields: &mut Fields, token: Option<String>) -> Option<String> {
    fields.required("siteToken", token, Ok)
}

/// Register a WordPress site.
///
/// The site's domain takes one activation of the license. The answer carries the site
/// token (shown once) the plugin sends from then on. No header credential: the license key
/// in the body is the credential.
#[utoipa::path(
    tag = "wordpress",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "Registered; signed.", body = envelopes::RegisteredSiteData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 200, description = "Already registered: a new token; signed.", body = envelopes::RegisteredSiteData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 403, description = "The license does not pass: the validation code. Signed.", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no such license key. Signed.", body = ErrorBody),
        (status = 409, description = "`TOO_MANY_ACTIVATIONS`. Signed.", body = ErrorBody),
    ),
)]
#[post("/wordpress/register")]
async fn register(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    let result = async {
        let parsed = parse_json::<RegisterBody>(&bytes);
        let key = parsed.as_ref().ok().and_then(|b| b.license_key.as_deref());
        rate_limit::runtime(&state, &req, key).await?;
        let body = parsed?;
        let mut fields = Fields::default();
        let license_key = fields.required("licenseKey", body.license_key, Ok);
        let url = fields.required("siteUrl", body.site_url, |u| SiteUrl::parse(&u));
        let name = fields.optional("siteName", body.site_name, |n| Name::parse(&n));
        let admin_email = fields.optional("adminEmail", body.admin_email, |e| Email::parse(&e));
        let report = report(&mut fields, body.report);
        let registration = fields.finish(|| {
            Some(Registration {
                license_key: license_key?,
                url: url?,
                name,
                admin_email,
                report,
                ip_address: client_ip(&req, &state.settings.rate_limits.trusted_proxies)
                    .map(|ip| ip.to_string()),
            })
        })?;
        let registered = sites::register(&state, registration).await?;
        let status = if registered.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok((
            status,
            RegisteredSiteView {
                site_id: registered.site.id,
                site_token: registered.token.expose().to_owned(),
            },
        ))
    }
    .await;
    respond(&state, result)
}

/// Report from a WordPress site.
///
/// Refreshes the site's versions and health; answers whether its license still passes and
/// how many actions wait. The site token in the body is the credential.
#[utoipa::path(
    tag = "wordpress",
    request_body = HeartbeatBody,
    responses(
        (status = 200, description = "The license's standing and the pending actions; signed.", body = envelopes::SiteHeartbeatData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 401, description = "`INVALID_SITE_TOKEN`. Signed.", body = ErrorBody),
    ),
)]
#[post("/wordpress/heartbeat")]
async fn heartbeat(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        rate_limit::runtime(&state, &req, None).await?;
        let body = parse_json::<HeartbeatBody>(&bytes)?;
        let mut fields = Fields::default();
        let token = site_token(&mut fields, body.site_token);
        let report = report(&mut fields, body.report);
        let token = fields.finish(|| token)?;
        let outcome = sites::heartbeat(&state, &token, report).await?;
        Ok((
            StatusCode::OK,
            SiteHeartbeatView {
                status: outcome.status,
                pending_actions: outcome.pending_actions,
            },
        ))
    }
    .await;
    respond(&state, result)
}

/// Fetch the actions queued for a WordPress site.
///
/// Returns the pending actions (marking them delivered) and marks the acknowledged ones
/// done. The site token in the body is the credential.
#[utoipa::path(
    tag = "wordpress",
    request_body = PendingActionsBody,
    responses(
        (status = 200, description = "The actions handed over now; signed.", body = envelopes::PendingActionsData, headers(("Licentia-Signature" = String, description = "`keyid=\"…\", alg=\"ed25519\", signature=\"<base64>\"` over the exact body bytes."))),
        (status = 401, description = "`INVALID_SITE_TOKEN`. Signed.", body = ErrorBody),
    ),
)]
#[post("/wordpress/pending-actions")]
async fn pending_actions(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        rate_limit::runtime(&state, &req, None).await?;
        let body = parse_json::<PendingActionsBody>(&bytes)?;
        let mut fields = Fields::default();
        let token = site_token(&mut fields, body.site_token);
        let ack = fields.optional("ack", body.ack, |ids| {
            ids.into_iter()
                .map(uuid::<SiteActionId>)
                .collect::<Result<Vec<_>, _>>()
        });
        let token = fields.finish(|| token)?;
        let delivered = sites::pending_actions(&state, &token, &ack.unwrap_or_default()).await?;
        Ok((
            StatusCode::OK,
            PendingActionsView {
                actions: delivered.iter().map(SiteActionView::from).collect(),
            },
        ))
    }
    .await;
    respond(&state, result)
}
