//! A webhook endpoint's URL: absolute, `https` (or `http` where the operator allows
//! it), with a host and no credentials.
//!
//! Whether the host resolves to an address the server may call is decided elsewhere
//! (the notifier's SSRF guard), at create time and again at each delivery.

use serde::Serialize;

use crate::ValidationError;

/// Longest accepted URL, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// A checked webhook URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses `raw`; `allow_http` admits plain `http` (never on by default).
    pub fn parse(raw: &str, allow_http: bool) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        if raw.len() > MAX_URL_LEN {
            return Err(ValidationError::owned(format!(
                "must be at most {MAX_URL_LEN} characters"
            )));
        }
        let url = url::Url::parse(raw)
            .map_err(|_| ValidationError::new("must be an absolute URL such as https://…"))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http => {}
            "http" => return Err(ValidationError::new("must use https")),
            _ => return Err(ValidationError::new("must be an https URL")),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ValidationError::new("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ValidationError::new("must not carry credentials"));
        }
        if url.fragment().is_some() {
            return Err(ValidationError::new("must not have a #fragment"));
        }
        Ok(Self(url.into()))
    }

    /// Wraps a URL read back from storage (checked when it was stored).
    pub fn from_storage(stored: String) -> Self {
        Self(stored)
    }

    /// The URL, normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookUrl;

    #[test]
    fn https_urls_are_accepted_and_normalised() {
        let url = WebhookUrl::parse(" https://Hooks.Example.com/in?x=1 ", false).expect("valid");
        assert_eq!(url.as_str(), "https://hooks.example.com/in?x=1");
    }

    #[test]
    fn http_needs_the_operators_permission() {
        assert!(WebhookUrl::parse("http://example.com/", false).is_err());
        let url = WebhookUrl::parse("http://example.com:8080/", true).expect("allowed");
        assert_eq!(url.as_str(), "http://example.com:8080/");
    }

    #[test]
    fn other_schemes_credentials_fragments_and_junk_are_refused() {
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "example.com/hook",
            "",
        ] {
            assert!(WebhookUrl::parse(bad, true).is_err(), "{bad} accepted");
        }
        let long = format!("https://example.com/{}", "a".repeat(2100));
        assert!(WebhookUrl::parse(&long, false).is_err());
    }
}
