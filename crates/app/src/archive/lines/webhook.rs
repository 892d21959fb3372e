//! `webhook` lines. Signing secrets are sealed with each server's own master key, so
//! they travel in clear (`whsec_…`): opened on export, sealed again on import, and the
//! receivers keep verifying signatures without a change. This is why an export file
//! is written readable by its owner only.

use licentia_domain::ids::{ProductId, UserId, WebhookId};
use licentia_domain::text::{BoundedText, Description};
use licentia_domain::webhook::{EventSelection, WebhookEndpoint, WebhookSecret, WebhookUrl};
use licentia_ports::{SealedSecret, WebhookRecord};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Redacted;
use crate::archive::line::{InvalidField, field, optional};
use crate::runtime::master_key::MasterKey;
use crate::services::webhooks::secret_label;

/// `{"kind":"webhook", …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookLine {
    pub id: WebhookId,
    #[serde(default)]
    pub product_id: Option<ProductId>,
    pub url: String,
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub enabled: bool,
    #[serde(default)]
    pub disabled_reason: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    /// The signing secret in clear, `whsec_…`.
    pub secret: Redacted,
    /// The rotated-out secret, while it still signs.
    #[serde(default)]
    pub previous_secret: Option<Redacted>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub secret_rotated_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Why a webhook secret could not be opened for export.
#[derive(Debug, thiserror::Error)]
#[error(
    "the secret of webhook {0} cannot be opened with this master key: \
     run the export with the server's LICENTIA_MASTER_KEY"
)]
pub struct UnreadableSecret(pub WebhookId);

fn open(
    master: &MasterKey,
    id: WebhookId,
    sealed: &SealedSecret,
) -> Result<Redacted, UnreadableSecret> {
    let bytes = master
        .open(&secret_label(id), &sealed.0)
        .map_err(|_| UnreadableSecret(id))?;
    let secret = WebhookSecret::from_bytes(bytes.expose_secret().clone());
    Ok(Redacted(secret.expose_displayed()))
}

fn seal(
    master: &MasterKey,
    id: WebhookId,
    name: &'static str,
    displayed: &Redacted,
) -> Result<SealedSecret, InvalidField> {
    let secret = field(name, WebhookSecret::parse(&displayed.0))?;
    master
        .seal(&secret_label(id), secret.expose_bytes())
        .map(SealedSecret)
        .map_err(|e| InvalidField::new(name, format!("cannot be sealed: {e}")))
}

/// Why the server disabled an endpoint.
type Reason = BoundedText<1000>;

impl WebhookLine {
    /// The line of `record`, its secrets opened with `master`.
    pub fn from_record(
        record: &WebhookRecord,
        master: &MasterKey,
    ) -> Result<Self, UnreadableSecret> {
        let e = &record.endpoint;
        Ok(Self {
            id: e.id,
            product_id: e.product_id,
            url: e.url.as_str().to_owned(),
            events: e.events.names(),
            description: e.description.as_ref().map(|d| d.as_str().to_owned()),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since,
            secret: open(master, e.id, &record.secret)?,
            previous_secret: record
                .previous_secret
                .as_ref()
                .map(|sealed| open(master, e.id, sealed))
                .transpose()?,
            secret_rotated_at: e.secret_rotated_at,
            created_at: e.created_at,
            updated_at: e.updated_at,
        })
    }

    /// The record, its secrets sealed with `master`; `allow_http` as this server's
    /// `LICENTIA_WEBHOOKS_ALLOW_HTTP`.
    pub fn into_record(
        self,
        owner: UserId,
        master: &MasterKey,
        allow_http: bool,
    ) -> Result<WebhookRecord, InvalidField> {
        let endpoint = WebhookEndpoint {
            id: self.id,
            owner,
            product_id: self.product_id,
            url: field("url", WebhookUrl::parse(&self.url, allow_http))?,
            events: field("events", EventSelection::parse(&self.events))?,
            description: optional("description", self.description, |d| Description::parse(&d))?,
            enabled: self.enabled,
            disabled_reason: optional("disabledReason", self.disabled_reason, |r| {
                Reason::parse(&r).map(Reason::into_inner)
            })?,
            failing_since: self.failing_since,
            secret_rotated_at: self.secret_rotated_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        Ok(WebhookRecord {
            secret: seal(master, self.id, "secret", &self.secret)?,
            previous_secret: self
                .previous_secret
                .as_ref()
                .map(|s| seal(master, self.id, "previousSecret", s))
                .transpose()?,
            endpoint,
        })
    }
}
