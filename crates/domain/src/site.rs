//! WordPress sites: a site is an activation of a license by its domain, with the
//! versions and health its plugin reports, and actions the vendor queues for it.

pub mod action;

use time::{Duration, OffsetDateTime};

pub use action::{SiteAction, SiteActionState, SiteActionType};

use crate::ValidationError;
use crate::domain_name::DomainName;
use crate::email::Email;
use crate::ids::{LicenseId, ProductId, SiteId, UserId};
use crate::metadata::Metadata;
use crate::text::{BoundedText, Name};

/// A site that has not sent a heartbeat for this long is stale.
pub const STALE_AFTER: Duration = Duration::hours(48);

/// A version string as a plugin reports it (`6.4.2`, `8.2.12-1+deb12`).
pub type Version = BoundedText<64>;

/// The site's address as registered (normalised to its domain for the seat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUrl {
    url: String,
    domain: DomainName,
}

impl SiteUrl {
    /// An `http(s)` URL or a bare host, at most 2048 characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 2048 {
            return Err(ValidationError::new(
                "must be a URL of at most 2048 characters",
            ));
        }
        let domain = DomainName::parse(raw)?;
        Ok(Self {
            url: raw.to_owned(),
            domain,
        })
    }

    /// Wraps a stored URL and domain.
    pub fn from_storage(url: String, domain: DomainName) -> Self {
        Self { url, domain }
    }

    /// The URL as registered.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The domain the site's seat is held by.
    pub fn domain(&self) -> &DomainName {
        &self.domain
    }
}

/// What a plugin reports about its site.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteReport {
    pub wp_version: Option<Version>,
    pub php_version: Option<Version>,
    pub plugin_version: Option<Version>,
    /// A JSON object of at most 16 KiB.
    pub health_data: Option<Metadata>,
}

impl SiteReport {
    /// Applies a heartbeat's report: given fields replace, absent ones stay.
    pub fn merge(&mut self, newer: SiteReport) {
        if newer.wp_version.is_some() {
            self.wp_version = newer.wp_version;
        }
        if newer.php_version.is_some() {
            self.php_version = newer.php_version;
        }
        if newer.plugin_version.is_some() {
            self.plugin_version = newer.plugin_version;
        }
        if newer.health_data.is_some() {
            self.health_data = newer.health_data;
        }
    }
}

/// A registered WordPress site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: SiteId,
    pub owner: UserId,
    pub product_id: ProductId,
    pub license_id: LicenseId,
    pub url: SiteUrl,
    pub name: Option<Name>,
    pub admin_email: Option<Email>,
    pub report: SiteReport,
    pub last_seen_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Site {
    /// Whether the site has gone quiet (no heartbeat for [`STALE_AFTER`]).
    pub fn is_stale(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at >= STALE_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_url_is_kept_and_its_domain_normalised() {
        let url = SiteUrl::parse(" https://Shop.Example.com/blog/ ").expect("valid");
        assert_eq!(url.as_str(), "https://Shop.Example.com/blog/");
        assert_eq!(url.domain().as_str(), "shop.example.com");
        assert!(SiteUrl::parse("").is_err());
        assert!(SiteUrl::parse("https://").is_err());
    }

    #[test]
    fn a_heartbeat_replaces_only_what_it_reports() {
        let version = |v: &str| Version::parse(v).ok();
        let mut report = SiteReport {
            wp_version: version("6.4"),
            php_version: version("8.2"),
            ..SiteReport::default()
        };
        report.merge(SiteReport {
            wp_version: version("6.5"),
            ..SiteReport::default()
        });
        assert_eq!(report.wp_version, version("6.5"));
        assert_eq!(report.php_version, version("8.2"));
    }
}
