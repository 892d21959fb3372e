//! Recording payments and answering "has this client paid?".

use licentia_domain::currency::Currency;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::{CustomerId, LicenseId, PaymentId, ProductId};
use licentia_domain::metadata::Metadata;
use licentia_domain::payment::{
    Amount, Payment, PaymentStanding, PaymentStatus, Provider, ProviderRef, standing,
};
use licentia_domain::refusal::Refusal;
use licentia_domain::scope::{Action, Resource};
use licentia_ports::{Page, PageRequest, PaymentFilter, RepositoryError};
use time::OffsetDateTime;

use crate::api::auth::Caller;
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::views::{PaymentView, to_event_data};

/// A validated request for a new payment.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub product_id: ProductId,
    pub license_id: Option<LicenseId>,
    pub customer_id: Option<CustomerId>,
    pub amount: Amount,
    pub currency: Currency,
    pub status: PaymentStatus,
    pub provider: Option<Provider>,
    pub provider_ref: Option<ProviderRef>,
    pub paid_at: Option<OffsetDateTime>,
    pub period_end: Option<OffsetDateTime>,
    pub metadata: Metadata,
}

fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Every reference of the request must lie within the caller's tenant: another
/// account's ids are refused exactly like made-up ones (422 on the field). A license
/// must be of the payment's product. Without a `customerId`, the license's customer
/// is taken.
async fn check_references(
    state: &AppState,
    caller: &Caller,
    request: &mut PaymentRequest,
) -> Result<(), AppError> {
    if !caller.grant.reaches(request.product_id) {
        return Err(AppError::forbidden(
            "PRODUCT_SCOPE",
            "this key is limited to another product",
        ));
    }
    let tenant = caller.tenant();
    let mut problems = Vec::new();
    let refused = |e: RepositoryError, field: &str, what: &str| match e {
        RepositoryError::NotFound => Ok(field_error(field, &format!("{what} does not exist"))),
        other => Err(AppError::from_repository(other, "payment", "new")),
    };
    if let Err(e) = state.products.get(tenant, request.product_id).await {
        problems.push(refused(e, "productId", "product")?);
    }
    if let Some(id) = request.license_id {
        match state.licenses.get(tenant, id).await {
            Ok(license) if license.product_id != request.product_id => problems.push(field_error(
                "licenseId",
                "license belongs to another product than productId",
            )),
            Ok(license) => {
                request.customer_id = request.customer_id.or(license.customer_id);
            }
            Err(e) => problems.push(refused(e, "licenseId", "license")?),
        }
    }
    if let Some(id) = request.customer_id
        && let Err(e) = state.customers.get(tenant, id).await
    {
        problems.push(refused(e, "customerId", "customer")?);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(problems))
    }
}

fn build(request: PaymentRequest, caller: &Caller, now: OffsetDateTime) -> Payment {
    let received = matches!(
        request.status,
        PaymentStatus::Succeeded | PaymentStatus::Refunded
    );
    Payment {
        id: PaymentId::generate(),
        owner: caller.user.id,
        product_id: request.product_id,
        license_id: request.license_id,
        customer_id: request.customer_id,
        amount: request.amount,
        currency: request.currency,
        status: request.status,
        provider: request.provider,
        provider_ref: request.provider_ref,
        paid_at: request.paid_at.or(received.then_some(now)),
        period_end: request.period_end,
        metadata: request.metadata,
        created_at: now,
        updated_at: now,
    }
}

/// Records a payment and announces it with `payment.created`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    mut request: PaymentRequest,
) -> Result<Payment, AppError> {
    caller.require(Resource::Payments, Action::Write)?;
    check_references(state, caller, &mut request).await?;
    let payment = build(request, caller, state.clock.now());
    let events = vec![NewEvent::new(
        EventType::PaymentCreated,
        Some(payment.product_id),
        to_event_data(&PaymentView::from(&payment)),
    )];
    state
        .payments
        .create(payment, events)
        .await
        .map_err(|e| AppError::from_repository(e, "payment", "new"))
}

/// Matching payments, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: PaymentFilter,
    page: PageRequest,
) -> Result<Page<Payment>, AppError> {
    caller.require(Resource::Payments, Action::Read)?;
    state
        .payments
        .list(caller.tenant(), filter, page)
        .await
        .map_err(|e| AppError::from_repository(e, "payment", "list"))
}

/// One payment.
pub async fn get(state: &AppState, caller: &Caller, id: PaymentId) -> Result<Payment, AppError> {
    caller.require(Resource::Payments, Action::Read)?;
    state
        .payments
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "payment", id))
}

/// Moves a payment along its lifecycle. No event: the SPEC defines none for it.
pub async fn change_status(
    state: &AppState,
    caller: &Caller,
    id: PaymentId,
    to: PaymentStatus,
) -> Result<Payment, AppError> {
    caller.require(Resource::Payments, Action::Write)?;
    let now = state.clock.now();
    state
        .payments
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut payment| {
                payment
                    .change_status(to, now)
                    .map_err(Refusal::PaymentTransition)?;
                Ok((payment, Vec::new()))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "payment", id))
}

/// Whether a license is paid for, as of now.
pub async fn license_standing(
    state: &AppState,
    caller: &Caller,
    license: LicenseId,
) -> Result<PaymentStanding, AppError> {
    caller.require(Resource::Payments, Action::Read)?;
    let tenant = caller.tenant();
    state
        .licenses
        .get(tenant, license)
        .await
        .map_err(|e| AppError::from_repository(e, "license", license))?;
    let payments = state
        .payments
        .for_license(tenant, license)
        .await
        .map_err(|e| AppError::from_repository(e, "license", license))?;
    Ok(standing(&payments, state.clock.now()))
}
