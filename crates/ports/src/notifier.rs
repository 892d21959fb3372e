//! Sending a signed webhook message over HTTP, behind an SSRF guard.

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;

/// A message ready to send: the URL, the Standard Webhooks headers and the body.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// What happened when a message was sent. The receiver's body is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// The HTTP status, when the receiver answered.
    pub status: Option<u16>,
    pub latency: Duration,
    /// Why there was no 2xx answer, in our words.
    pub error: Option<String>,
}

/// The message every refused host gets: it does not say whether the host did not
/// resolve or resolved to a forbidden address (nor which), so the check cannot be
/// used to map the server's network. The details are logged.
pub const HOST_REFUSED: &str = "the host does not resolve to an address webhooks may call \
     (public addresses only: loopback, private, link-local and metadata addresses are refused)";

/// Why a URL may not be called. `Display` is safe to show to the endpoint's owner;
/// `Debug` holds the details, for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("{HOST_REFUSED}")]
    Unresolvable { host: String },
    #[error("{HOST_REFUSED}")]
    ForbiddenAddress { address: IpAddr, kind: &'static str },
    #[error("the URL is not usable: {0}")]
    Malformed(String),
}

/// Sends webhook messages. Implementations refuse forbidden addresses both when a URL
/// is vetted and again when a message is sent (DNS answers change), use bounded
/// timeouts and never follow redirects.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Resolves the URL's host and refuses it if any address is forbidden.
    async fn vet(&self, url: &str) -> Result<(), UrlRefused>;

    /// POSTs the message once and reports the outcome (never an error: failures are
    /// outcomes).
    async fn send(&self, message: &OutboundMessage) -> SendReport;
}
