//! `X-RateLimit-Limit|Remaining|Reset-Second|Minute|Hourly` on every response of a
//! request that was rate limited (success or error alike), and `Retry-After` on 429.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use licentia_domain::rate_limit::{RateDecision, WINDOWS};

use crate::api::rate_limit::Limited;

/// Header names per window (second, minute, hour): limit, remaining, reset.
const NAMES: [[HeaderName; 3]; 3] = [
    [
        HeaderName::from_static("x-ratelimit-limit-second"),
        HeaderName::from_static("x-ratelimit-remaining-second"),
        HeaderName::from_static("x-ratelimit-reset-second"),
    ],
    [
        HeaderName::from_static("x-ratelimit-limit-minute"),
        HeaderName::from_static("x-ratelimit-remaining-minute"),
        HeaderName::from_static("x-ratelimit-reset-minute"),
    ],
    [
        HeaderName::from_static("x-ratelimit-limit-hourly"),
        HeaderName::from_static("x-ratelimit-remaining-hourly"),
        HeaderName::from_static("x-ratelimit-reset-hourly"),
    ],
];

/// Writes a decision's headers.
pub fn write_headers(headers: &mut HeaderMap, decision: &RateDecision) {
    for (names, window) in NAMES.iter().zip(WINDOWS) {
        let status = decision.window(window);
        headers.insert(names[0].clone(), HeaderValue::from(status.limit));
        headers.insert(names[1].clone(), HeaderValue::from(status.remaining));
        headers.insert(names[2].clone(), HeaderValue::from(status.reset_at));
    }
    if let Some(seconds) = decision.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// Adds the headers of the decision a handler left in the request's extensions.
pub async fn rate_limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let decision = res.request().extensions().get::<Limited>().copied();
    if let Some(Limited(decision)) = decision {
        write_headers(res.headers_mut(), &decision);
    }
    Ok(res)
}
