//! The client IP of a request: the socket peer, or what a trusted proxy forwarded
//! (`LICENTIA_TRUSTED_PROXIES`, rules in `licentia_domain::client_ip`).

use std::net::IpAddr;

use actix_web::HttpRequest;
use licentia_domain::client_ip::TrustedProxies;

/// The client's address; `None` only when the socket peer is unknown (never over TCP).
pub fn client_ip(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if trusted.is_empty() {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok());
    Some(trusted.client_ip(peer, forwarded))
}
