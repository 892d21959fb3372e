//! What an import checks before it writes a record: that it comes in archive order,
//! belongs to the imported account, and refers only to records written before it;
//! and, at the end, that every license's activation count is its activations.
//!
//! Invariant: an import never attaches anything to another account's data. Foreign
//! keys alone would accept a reference to any row on the server; here a reference
//! must name a record of this import (the ids written so far are kept, about 40 bytes
//! per product, customer, license and site).
//!
//! Invariant: a license's `activation_count` equals its activation rows (the seat
//! limit is enforced on the count). Counted here as the activations pass, not by a
//! query: inside the import's transaction the new rows have no statistics, and
//! `activations` has no plain index on `license_id`.

use std::collections::{HashMap, HashSet};

use licentia_domain::ids::UserId;
use licentia_ports::{ArchiveError, ArchiveRecord, Position, RecordKind};
use time::Date;
use uuid::Uuid;

/// The state of the checks along one import.
#[derive(Debug)]
pub(super) struct References {
    owner: UserId,
    last_kind: RecordKind,
    /// The last (id, day) of a validation-day kind, which must come in strictly
    /// increasing order (so none comes twice: the product rollup is overwritten).
    last_day: Option<(Uuid, Date)>,
    products: HashSet<Uuid>,
    customers: HashSet<Uuid>,
    licenses: HashMap<Uuid, Seats>,
    sites: HashSet<Uuid>,
}

/// A license's activation count as its record states it, and its activations so far.
#[derive(Debug, Clone, Copy)]
struct Seats {
    stated: u32,
    seen: u32,
}

impl References {
    /// Starts after the account record of `owner`.
    pub(super) fn new(owner: UserId) -> Self {
        Self {
            owner,
            last_kind: RecordKind::Account,
            last_day: None,
            products: HashSet::new(),
            customers: HashSet::new(),
            licenses: HashMap::new(),
            sites: HashSet::new(),
        }
    }

    /// Checks `record` at `position`, then remembers what it defines.
    pub(super) fn admit(
        &mut self,
        position: Position,
        record: &ArchiveRecord,
    ) -> Result<(), ArchiveError> {
        let kind = record.kind();
        if kind == RecordKind::Account {
            return Err(misplaced(position, "a second account".to_owned()));
        }
        if kind < self.last_kind {
            return Err(misplaced(
                position,
                format!(
                    "a {} after a {}: records must come in the order of docs/export-import.md",
                    kind.name(),
                    self.last_kind.name()
                ),
            ));
        }
        if kind != self.last_kind {
            self.last_day = None;
        }
        self.last_kind = kind;
        if owner(record).is_some_and(|o| o != self.owner) {
            return Err(misplaced(
                position,
                "a record of another account".to_owned(),
            ));
        }
        self.check_order(position, record)?;
        self.check_references(position, record)?;
        self.remember(record);
        Ok(())
    }

    fn check_order(
        &mut self,
        position: Position,
        record: &ArchiveRecord,
    ) -> Result<(), ArchiveError> {
        let key = match record {
            ArchiveRecord::LicenseValidationDay(v) => (v.id.as_uuid(), v.day),
            ArchiveRecord::ProductValidationDay(v) => (v.id.as_uuid(), v.day),
            _ => return Ok(()),
        };
        if self.last_day.is_some_and(|last| last >= key) {
            return Err(misplaced(
                position,
                format!(
                    "{} records must be sorted by id and day, each once",
                    record.kind().name()
                ),
            ));
        }
        self.last_day = Some(key);
        Ok(())
    }

    fn check_references(
        &self,
        position: Position,
        record: &ArchiveRecord,
    ) -> Result<(), ArchiveError> {
        let kind = record.kind();
        let need = |set: &HashSet<Uuid>, refers_to: RecordKind, id: Uuid| {
            if set.contains(&id) {
                Ok(())
            } else {
                Err(ArchiveError::UnknownReference {
                    position,
                    kind,
                    refers_to,
                    id,
                })
            }
        };
        let product = |id: Uuid| need(&self.products, RecordKind::Product, id);
        let customer = |id: Uuid| need(&self.customers, RecordKind::Customer, id);
        let license = |id: Uuid| {
            if self.licenses.contains_key(&id) {
                Ok(())
            } else {
                Err(ArchiveError::UnknownReference {
                    position,
                    kind,
                    refers_to: RecordKind::License,
                    id,
                })
            }
        };
        match record {
            ArchiveRecord::ProductDomain(d) => product(d.product_id.as_uuid()),
            ArchiveRecord::License(l) => {
                product(l.product_id.as_uuid())?;
                l.customer_id.map_or(Ok(()), |c| customer(c.as_uuid()))
            }
            ArchiveRecord::LicenseDomain(d) => license(d.license_id.as_uuid()),
            ArchiveRecord::Activation(a) => license(a.license_id.as_uuid()),
            ArchiveRecord::Site(s) => {
                product(s.site.product_id.as_uuid())?;
                license(s.site.license_id.as_uuid())
            }
            ArchiveRecord::SiteAction(a) => {
                need(&self.sites, RecordKind::Site, a.site_id.as_uuid())
            }
            ArchiveRecord::Payment(p) => {
                product(p.product_id.as_uuid())?;
                p.license_id.map_or(Ok(()), |l| license(l.as_uuid()))?;
                p.customer_id.map_or(Ok(()), |c| customer(c.as_uuid()))
            }
            ArchiveRecord::Injectable(i) => product(i.summary.product_id.as_uuid()),
            ArchiveRecord::ApiKey(k) => k.key.product_id.map_or(Ok(()), |p| product(p.as_uuid())),
            ArchiveRecord::LicenseValidationDay(v) => license(v.id.as_uuid()),
            ArchiveRecord::ProductValidationDay(v) => product(v.id.as_uuid()),
            // A webhook may stay filtered to a deleted product (no foreign key): its
            // filter only ever matches this account's events.
            ArchiveRecord::Account(_)
            | ArchiveRecord::Product(_)
            | ArchiveRecord::Customer(_)
            | ArchiveRecord::Webhook(_) => Ok(()),
        }
    }

    fn remember(&mut self, record: &ArchiveRecord) {
        match record {
            ArchiveRecord::Product(p) => {
                self.products.insert(p.id.as_uuid());
            }
            ArchiveRecord::Customer(c) => {
                self.customers.insert(c.id.as_uuid());
            }
            ArchiveRecord::License(l) => {
                let seats = Seats {
                    stated: l.activation_count,
                    seen: 0,
                };
                self.licenses.insert(l.id.as_uuid(), seats);
            }
            ArchiveRecord::Activation(a) => {
                if let Some(seats) = self.licenses.get_mut(&a.license_id.as_uuid()) {
                    seats.seen = seats.seen.saturating_add(1);
                }
            }
            ArchiveRecord::Site(s) => {
                self.sites.insert(s.site.id.as_uuid());
            }
            _ => {}
        }
    }

    /// After the last record: the first license (by id) whose activation count is not
    /// the number of its activations.
    pub(super) fn check_seats(&self) -> Result<(), ArchiveError> {
        let mismatch = self
            .licenses
            .iter()
            .filter(|(_, seats)| seats.stated != seats.seen)
            .min_by_key(|(id, _)| **id);
        match mismatch {
            None => Ok(()),
            Some((id, seats)) => Err(ArchiveError::Inconsistent(format!(
                "license {id} has activationCount {} but the file holds {} activation(s) of it",
                seats.stated, seats.seen
            ))),
        }
    }
}

/// The account a record says it belongs to, for the records that say so.
fn owner(record: &ArchiveRecord) -> Option<UserId> {
    match record {
        ArchiveRecord::Account(a) => Some(a.id),
        ArchiveRecord::Product(p) => Some(p.owner),
        ArchiveRecord::Customer(c) => Some(c.owner),
        ArchiveRecord::License(l) => Some(l.owner),
        ArchiveRecord::Site(s) => Some(s.site.owner),
        ArchiveRecord::Payment(p) => Some(p.owner),
        ArchiveRecord::Injectable(i) => Some(i.summary.owner),
        ArchiveRecord::Webhook(w) => Some(w.endpoint.owner),
        ArchiveRecord::ApiKey(k) => Some(k.key.owner),
        ArchiveRecord::ProductDomain(_)
        | ArchiveRecord::LicenseDomain(_)
        | ArchiveRecord::Activation(_)
        | ArchiveRecord::SiteAction(_)
        | ArchiveRecord::LicenseValidationDay(_)
        | ArchiveRecord::ProductValidationDay(_) => None,
    }
}

fn misplaced(position: Position, message: String) -> ArchiveError {
    ArchiveError::Misplaced { position, message }
}
