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

use crate::api::client_ip::client_ip;
use crate::api::input::{Fields, uuid};
use crate::api::rate_limit;
use crate::api::routes::runtime::parse_json;
use crate::api::signed::respond;
use crate::services::sites::{self, Registration};
use crate::state::AppState;
use crate::views::{PendingActionsView, RegisteredSiteView, SiteActionView, SiteHeartbeatView};

/// Mounts the WordPress routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(heartbeat)
        .service(pending_actions);
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WordPressBody {
    license_key: Option<String>,
    site_token: Option<String>,
    site_url: Option<String>,
    site_name: Option<String>,
    admin_email: Option<String>,
    wp_version: Option<String>,
    php_version: Option<String>,
    plugin_version: Option<String>,
    health_data: Option<Value>,
    ack: Option<Vec<String>>,
}

fn report(fields: &mut Fields, body: &mut WordPressBody) -> SiteReport {
    let version = |v: String| Version::parse(&v);
    SiteReport {
        wp_version: fields.optional("wpVersion", body.wp_version.take(), version),
        php_version: fields.optional("phpVersion", body.php_version.take(), version),
        plugin_version: fields.optional("pluginVersion", body.plugin_version.take(), version),
        health_data: fields.optional("healthData", body.health_data.take(), Metadata::parse),
    }
}

fn site_token(fields: &mut Fields, body: &mut WordPressBody) -> Option<String> {
    fields.required("siteToken", body.site_token.take(), Ok)
}

#[post("/wordpress/register")]
async fn register(state: web::Data<AppState>, req: HttpRequest, bytes: web::Bytes) -> HttpResponse {
    let result = async {
        let parsed = parse_json::<WordPressBody>(&bytes);
        let key = parsed.as_ref().ok().and_then(|b| b.license_key.as_deref());
        rate_limit::runtime(&state, &req, key).await?;
        let mut body = parsed?;
        let mut fields = Fields::default();
        let license_key = fields.required("licenseKey", body.license_key.take(), Ok);
        let url = fields.required("siteUrl", body.site_url.take(), |u| SiteUrl::parse(&u));
        let name = fields.optional("siteName", body.site_name.take(), |n| Name::parse(&n));
        let admin_email =
            fields.optional("adminEmail", body.admin_email.take(), |e| Email::parse(&e));
        let report = report(&mut fields, &mut body);
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

#[post("/wordpress/heartbeat")]
async fn heartbeat(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        rate_limit::runtime(&state, &req, None).await?;
        let mut body = parse_json::<WordPressBody>(&bytes)?;
        let mut fields = Fields::default();
        let token = site_token(&mut fields, &mut body);
        let report = report(&mut fields, &mut body);
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

#[post("/wordpress/pending-actions")]
async fn pending_actions(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> HttpResponse {
    let result = async {
        rate_limit::runtime(&state, &req, None).await?;
        let mut body = parse_json::<WordPressBody>(&bytes)?;
        let mut fields = Fields::default();
        let token = site_token(&mut fields, &mut body);
        let ack = fields.optional("ack", body.ack.take(), |ids| {
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
