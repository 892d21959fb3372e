//! `HttpNotifier`: the webhook `Notifier` over reqwest (rustls), behind the SSRF guard.
//!
//! One POST per call; 10 s timeouts; redirects are not followed (a 3xx is a failed
//! attempt); no proxy from the environment; the receiver's body is never read into
//! the report, so nothing it says can be echoed back to the endpoint's owner.

use std::error::Error as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use licentia_ports::{Notifier, OutboundMessage, SendReport, UrlRefused};

use crate::address_policy::forbidden_kind;
use crate::guarded_resolver::{GuardedResolver, RefusedHost, UnresolvedHost};

/// How the notifier behaves.
#[derive(Debug, Clone, Copy)]
pub struct NotifierSettings {
    /// Allow loopback, private and link-local addresses (metadata addresses stay
    /// refused). For development and tests only.
    pub allow_private: bool,
    /// Connect and whole-request timeout.
    pub timeout: Duration,
}

impl Default for NotifierSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Sends webhook messages over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpNotifier {
    client: reqwest::Client,
    settings: NotifierSettings,
}

/// The notifier's client could not be built (no TLS roots, for instance).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct NotifierBuildError(#[from] reqwest::Error);

impl HttpNotifier {
    /// A notifier with its own connection pool.
    pub fn new(settings: NotifierSettings) -> Result<Self, NotifierBuildError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Licentia-Webhooks/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.allow_private,
            }))
            .build()?;
        Ok(Self { client, settings })
    }

    fn check_address(&self, address: IpAddr) -> Result<(), UrlRefused> {
        match forbidden_kind(address, self.settings.allow_private) {
            None => Ok(()),
            Some(kind) => Err(UrlRefused::ForbiddenAddress { address, kind }),
        }
    }

    /// Checks an IP-literal host (which no resolver sees); `Ok(false)` for a name.
    fn check_literal(&self, url: &url::Url) -> Result<bool, UrlRefused> {
        match url.host() {
            Some(url::Host::Ipv4(v4)) => self.check_address(IpAddr::V4(v4)).map(|()| true),
            Some(url::Host::Ipv6(v6)) => self.check_address(IpAddr::V6(v6)).map(|()| true),
            Some(url::Host::Domain(_)) => Ok(false),
            None => Err(UrlRefused::Malformed("the URL has no host".into())),
        }
    }
}

#[async_trait]
impl Notifier for HttpNotifier {
    async fn vet(&self, raw: &str) -> Result<(), UrlRefused> {
        let url = url::Url::parse(raw).map_err(|e| UrlRefused::Malformed(e.to_string()))?;
        if self.check_literal(&url)? {
            return Ok(());
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let unresolvable = || UrlRefused::Unresolvable { host: host.clone() };
        let addresses: Vec<_> = tokio::time::timeout(
            self.settings.timeout,
            tokio::net::lookup_host((host.as_str(), port)),
        )
        .await
        .map_err(|_| unresolvable())?
        .map_err(|_| unresolvable())?
        .collect();
        if addresses.is_empty() {
            return Err(unresolvable());
        }
        addresses
            .iter()
            .try_for_each(|address| self.check_address(address.ip()))
    }

    async fn send(&self, message: &OutboundMessage) -> SendReport {
        let started = Instant::now();
        let refused = |error: String| SendReport {
            status: None,
            latency: started.elapsed(),
            error: Some(error),
        };
        let url = match url::Url::parse(&message.url) {
            Ok(url) => url,
            Err(e) => return refused(format!("the URL is not usable: {e}")),
        };
        if let Err(refusal) = self.check_literal(&url) {
            tracing::info!(?refusal, "webhook address refused at send time");
            return refused(format!("refused: {refusal}"));
        }
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(message.body.clone());
        for (name, value) in &message.headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let latency = started.elapsed();
                drop(response);
                SendReport {
                    status: Some(status.as_u16()),
                    latency,
                    error: (!status.is_success()).then(|| describe_status(status)),
                }
            }
            Err(error) => refused(describe_error(&error)),
        }
    }
}

fn describe_status(status: reqwest::StatusCode) -> String {
    if status.is_redirection() {
        format!("HTTP {} (redirects are not followed)", status.as_u16())
    } else {
        format!("HTTP {}", status.as_u16())
    }
}

/// Our words for a failed request: the guard's refusal, a timeout, a connection
/// failure — never the URL (which may carry tokens) and never the receiver's body.
fn describe_error(error: &reqwest::Error) -> String {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<RefusedHost>() {
            tracing::info!(host = %refused.host, address = %refused.address, kind = refused.kind, "webhook address refused at connect time");
            return refused.to_string();
        }
        if let Some(unresolved) = cause.downcast_ref::<UnresolvedHost>() {
            tracing::info!(host = %unresolved.host, "webhook host does not resolve");
            return unresolved.to_string();
        }
        source = cause.source();
    }
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed before an answer".to_owned()
    }
}
