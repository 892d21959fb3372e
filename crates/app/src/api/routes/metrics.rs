//! `GET /metrics`: the Prometheus text exposition, for operators without an OTLP
//! collector. Mounted only with `LICENTIA_METRICS=prometheus` (otherwise the path is
//! an unknown route, 404); with `LICENTIA_METRICS_TOKEN` set it requires
//! `Authorization: Bearer <token>`.

use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::{ExposeSecret, SecretString};

use crate::api::auth::presented_secret;
use crate::error::AppError;
use crate::telemetry::Exposition;
use crate::telemetry::prometheus::CONTENT_TYPE;

/// What the route serves, and who may read it.
#[derive(Clone)]
struct Scrape {
    exposition: Exposition,
    token: Option<SecretString>,
}

/// Mounts `GET /metrics` (outside `/v1`, where scrapers look).
pub fn configure(
    cfg: &mut web::ServiceConfig,
    exposition: Exposition,
    token: Option<SecretString>,
) {
    cfg.app_data(web::Data::new(Scrape { exposition, token }))
        .route("/metrics", web::get().to(metrics));
}

async fn metrics(req: HttpRequest, scrape: web::Data<Scrape>) -> Result<HttpResponse, AppError> {
    if let Some(token) = &scrape.token {
        match presented_secret(&req) {
            None => {
                return Err(AppError::unauthorized(
                    "MISSING_CREDENTIALS",
                    "send the metrics token as Authorization: Bearer",
                ));
            }
            Some(presented) if !same(presented.as_bytes(), token.expose_secret().as_bytes()) => {
                return Err(AppError::unauthorized(
                    "INVALID_METRICS_TOKEN",
                    "the metrics token is not valid",
                ));
            }
            Some(_) => {}
        }
    }
    let text = scrape.exposition.render().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}

/// Compares without stopping at the first difference (only the length shows).
fn same(presented: &[u8], expected: &[u8]) -> bool {
    presented.len() == expected.len()
        && presented
            .iter()
            .zip(expected)
            .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}
