//! The client IP of a request: the socket peer, or what a trusted proxy forwarded
//! (`LICENTIA_TRUSTED_PROXIES`, rules in `licentia_domain::client_ip`).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use licentia_domain::client_ip::TrustedProxies;

/// The header a trusted proxy names the client in.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address; `None` only when the socket peer is unknown (never over TCP).
pub fn client_ip(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if trusted.is_empty() {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok());
    Some(trusted.client_ip(peer, forwarded))
}
