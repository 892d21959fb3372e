//! Customers of a vendor.

use licentia_domain::customer::{Customer, ExternalId};
use licentia_domain::email::Email;
use licentia_domain::event::{EventType, NewEvent};
use licentia_domain::ids::CustomerId;
use licentia_domain::metadata::Metadata;
use licentia_domain::scope::{Action, Resource};
use licentia_domain::text::Name;
use licentia_ports::{CustomerFilter, Page, PageRequest};

use crate::api::auth::Caller;
use crate::error::AppError;
use crate::services::licenses::license_event;
use crate::state::AppState;
use crate::views::{CustomerView, to_event_data};

/// A full customer description (create and PUT).
#[derive(Debug)]
pub struct CustomerFields {
    pub email: Email,
    pub name: Name,
    pub company: Option<Name>,
    pub external_id: Option<ExternalId>,
    pub metadata: Metadata,
}

/// A partial change (PATCH); `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct CustomerChanges {
    pub email: Option<Email>,
    pub name: Option<Name>,
    pub company: Option<Option<Name>>,
    pub external_id: Option<Option<ExternalId>>,
    pub metadata: Option<Metadata>,
}

impl From<CustomerFields> for CustomerChanges {
    fn from(f: CustomerFields) -> Self {
        Self {
            email: Some(f.email),
            name: Some(f.name),
            company: Some(f.company),
            external_id: Some(f.external_id),
            metadata: Some(f.metadata),
        }
    }
}

fn event(kind: EventType, customer: &Customer) -> NewEvent {
    NewEvent::new(kind, None, to_event_data(&CustomerView::from(customer)))
}

/// Creates a customer.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    fields: CustomerFields,
) -> Result<Customer, AppError> {
    caller.require(Resource::Customers, Action::Write)?;
    let now = state.clock.now();
    let customer = Customer {
        id: CustomerId::generate(),
        owner: caller.user.id,
        email: fields.email,
        name: fields.name,
        company: fields.company,
        external_id: fields.external_id,
        metadata: fields.metadata,
        created_at: now,
        updated_at: now,
    };
    let events = vec![event(EventType::CustomerCreated, &customer)];
    state
        .customers
        .create(customer, events)
        .await
        .map_err(|e| AppError::from_repository(e, "customer", "new"))
}

/// Matching customers.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: CustomerFilter,
    page: PageRequest,
) -> Result<Page<Customer>, AppError> {
    caller.require(Resource::Customers, Action::Read)?;
    state
        .customers
        .list(caller.tenant(), filter, page)
        .await
        .map_err(|e| AppError::from_repository(e, "customer", "list"))
}

/// One customer.
pub async fn get(state: &AppState, caller: &Caller, id: CustomerId) -> Result<Customer, AppError> {
    caller.require(Resource::Customers, Action::Read)?;
    load(state, caller, id).await
}

/// Applies `changes`.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: CustomerId,
    changes: CustomerChanges,
) -> Result<Customer, AppError> {
    caller.require(Resource::Customers, Action::Write)?;
    let now = state.clock.now();
    state
        .customers
        .update(
            caller.tenant(),
            id,
            Box::new(move |mut customer| {
                if let Some(email) = changes.email {
                    customer.email = email;
                }
                if let Some(name) = changes.name {
                    customer.name = name;
                }
                if let Some(company) = changes.company {
                    customer.company = company;
                }
                if let Some(external_id) = changes.external_id {
                    customer.external_id = external_id;
                }
                if let Some(metadata) = changes.metadata {
                    customer.metadata = metadata;
                }
                customer.updated_at = now;
                let events = vec![event(EventType::CustomerUpdated, &customer)];
                Ok((customer, events))
            }),
        )
        .await
        .map_err(|e| AppError::from_repository(e, "customer", id))
}

/// Deletes a customer; their licenses remain, unlinked.
pub async fn delete(state: &AppState, caller: &Caller, id: CustomerId) -> Result<(), AppError> {
    caller.require(Resource::Customers, Action::Write)?;
    let customer = load(state, caller, id).await?;
    let now = state.clock.now();
    let events = vec![event(EventType::CustomerDeleted, &customer)];
    state
        .customers
        .delete(caller.tenant(), id, events, &|license| {
            license_event(EventType::LicenseUpdated, license, now)
        })
        .await
        .map_err(|e| AppError::from_repository(e, "customer", id))
}

/// Reads a customer without a scope check (for writes that need its current state).
async fn load(state: &AppState, caller: &Caller, id: CustomerId) -> Result<Customer, AppError> {
    state
        .customers
        .get(caller.tenant(), id)
        .await
        .map_err(|e| AppError::from_repository(e, "customer", id))
}
