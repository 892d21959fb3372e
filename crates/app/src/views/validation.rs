//! The answer of the runtime endpoints (validate, activate, heartbeat).

use licentia_domain::ids::LicenseId;
use licentia_domain::license_status::LicenseStatus;
use licentia_domain::plan::Feature;
use licentia_domain::validation::ValidationCode;
use licentia_ports::RuntimeLicense;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::ActivationView;

/// What a running copy learns about its license.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RuntimeLicense)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeLicenseView {
    pub id: LicenseId,
    pub status: LicenseStatus,
    pub plan: Option<String>,
    pub features: Vec<Feature>,
    #[serde(with = "super::timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub max_activations: Option<u32>,
    /// Seats held now (activations whose heartbeats are on time).
    pub activation_count: u32,
    pub email: Option<String>,
}

impl RuntimeLicenseView {
    /// The view as of `now`.
    pub fn new(runtime: &RuntimeLicense, now: OffsetDateTime) -> Self {
        let terms = &runtime.terms;
        let live = runtime
            .activations
            .iter()
            .filter(|a| a.is_alive(terms.heartbeat_interval_seconds, now))
            .count();
        Self {
            id: terms.id,
            status: terms.effective_status(now),
            plan: runtime.plan.clone(),
            features: runtime.features.clone(),
            expires_at: terms.expires_at,
            max_activations: terms.max_activations,
            activation_count: u32::try_from(live).unwrap_or(u32::MAX),
            email: runtime.email.as_ref().map(|e| e.as_str().to_owned()),
        }
    }
}

/// `{valid, code, detail, license?, activation?, nonce?, validatedAt}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Validation)]
#[serde(rename_all = "camelCase")]
pub struct ValidationView {
    pub valid: bool,
    pub code: ValidationCode,
    pub detail: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<RuntimeLicenseView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation: Option<ActivationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(with = "super::timestamp")]
    pub validated_at: OffsetDateTime,
}

/// `checkout`'s answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Checkout)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutView {
    pub certificate: String,
    #[serde(with = "super::timestamp")]
    pub expires_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// `injectables`' answer: the product's active injectables, with their content.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RuntimeInjectables)]
#[serde(rename_all = "camelCase")]
pub struct InjectablesView {
    pub valid: bool,
    pub code: ValidationCode,
    pub injectables: Vec<super::InjectableView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(with = "super::timestamp")]
    pub validated_at: OffsetDateTime,
}

/// `deactivate`'s answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Deactivation)]
#[serde(rename_all = "camelCase")]
pub struct DeactivationView {
    pub deactivated: usize,
    pub license: RuntimeLicenseView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}
