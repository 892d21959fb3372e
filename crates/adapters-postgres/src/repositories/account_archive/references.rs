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

    /// Checks `record` at `position`; once it passes, remembers what it defines (a
    /// refused record changes nothing).
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
        if owner(record).is_some_and(|o| o != self.owner) {
            return Err(misplaced(
                position,
                "a record of another account".to_owned(),
            ));
        }
        let day = self.check_day(position, record)?;
        self.check_references(position, record)?;
        if kind != self.last_kind {
            self.last_day = None;
        }
        self.last_kind = kind;
        self.last_day = day.or(self.last_day);
        self.remember(record);
        Ok(())
    }

    /// The (id, day) of a validation-day record, which must follow the last one.
    fn check_day(
        &self,
        position: Position,
        record: &ArchiveRecord,
    ) -> Result<Option<(Uuid, Date)>, ArchiveError> {
        let key = match record {
            ArchiveRecord::LicenseValidationDay(v) => (v.id.as_uuid(), v.day),
            ArchiveRecord::ProductValidationDay(v) => (v.id.as_uuid(), v.day),
            _ => return Ok(None),
        };
        let previous = if record.kind() == self.last_kind {
            self.last_day
        } else {
            None
        };
        if previous.is_some_and(|last| last >= key) {
            return Err(misplaced(
                position,
                format!(
                    "{} records must be sorted by id and day, each once",
                    record.kind().name()
                ),
            ));
        }
        Ok(Some(key))
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

#[cfg(test)]
mod tests {
    use licentia_domain::activation::{Activation, Seat};
    use licentia_domain::fingerprint::Fingerprint;
    use licentia_domain::ids::{ActivationId, LicenseId, ProductId};
    use licentia_domain::key_prefix::KeyPrefix;
    use licentia_domain::license::License;
    use licentia_domain::license_key::LicenseKey;
    use licentia_domain::license_status::LicenseStatus;
    use licentia_domain::metadata::Metadata;
    use licentia_domain::product::Product;
    use licentia_domain::slug::Slug;
    use licentia_domain::text::Name;
    use licentia_ports::ValidationDay;
    use time::macros::{date, datetime};

    use super::*;

    const AT: time::OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn product(owner: UserId) -> Product {
        Product {
            id: ProductId::generate(),
            owner,
            name: Name::parse("App").expect("valid"),
            slug: Slug::parse("app").expect("valid"),
            description: None,
            key_prefix: KeyPrefix::parse("LIC").expect("valid"),
            plans: vec![],
            metadata: Metadata::default(),
            created_at: AT,
            updated_at: AT,
        }
    }

    fn license(product: &Product, activation_count: u32) -> License {
        License {
            id: LicenseId::generate(),
            owner: product.owner,
            product_id: product.id,
            customer_id: None,
            key: LicenseKey::generate(&product.key_prefix),
            plan: None,
            status: LicenseStatus::Active,
            issued_to: None,
            issued_email: None,
            features: vec![],
            max_activations: None,
            activation_count,
            expires_at: None,
            heartbeat_interval_seconds: None,
            last_validated_at: None,
            metadata: Metadata::default(),
            created_at: AT,
            updated_at: AT,
        }
    }

    fn activation(license: &License) -> ArchiveRecord {
        ArchiveRecord::Activation(Activation {
            id: ActivationId::generate(),
            license_id: license.id,
            seat: Seat::Device(Fingerprint::parse("machine").expect("valid")),
            name: None,
            platform: None,
            ip_address: None,
            metadata: Metadata::default(),
            last_heartbeat_at: AT,
            created_at: AT,
        })
    }

    fn day(license: &License, day: Date) -> ArchiveRecord {
        ArchiveRecord::LicenseValidationDay(ValidationDay {
            id: license.id,
            day,
            count: 1,
        })
    }

    #[test]
    fn another_accounts_record_is_misplaced() {
        let owner = UserId::generate();
        let mut references = References::new(owner);
        let theirs = product(UserId::generate());
        let refused = references.admit(3, &ArchiveRecord::Product(theirs));
        assert!(
            matches!(refused, Err(ArchiveError::Misplaced { position: 3, .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn references_must_come_before_and_kinds_in_order() {
        let owner = UserId::generate();
        let mut references = References::new(owner);
        let p = product(owner);
        let l = license(&p, 0);
        let early = references.admit(3, &ArchiveRecord::License(l.clone()));
        assert!(
            matches!(
                early,
                Err(ArchiveError::UnknownReference {
                    position: 3,
                    refers_to: RecordKind::License | RecordKind::Product,
                    ..
                })
            ),
            "{early:?}"
        );
        references
            .admit(3, &ArchiveRecord::Product(p.clone()))
            .expect("a product");
        references
            .admit(4, &ArchiveRecord::License(l))
            .expect("its license");
        let late = references.admit(5, &ArchiveRecord::Product(product(owner)));
        assert!(
            matches!(late, Err(ArchiveError::Misplaced { position: 5, .. })),
            "{late:?}"
        );
    }

    #[test]
    fn validation_days_come_once_each_in_order() {
        let owner = UserId::generate();
        let mut references = References::new(owner);
        let p = product(owner);
        let l = license(&p, 0);
        references
            .admit(3, &ArchiveRecord::Product(p))
            .expect("a product");
        references
            .admit(4, &ArchiveRecord::License(l.clone()))
            .expect("a license");
        references
            .admit(5, &day(&l, date!(2026 - 05 - 01)))
            .expect("a day");
        references
            .admit(6, &day(&l, date!(2026 - 05 - 02)))
            .expect("the next day");
        let again = references.admit(7, &day(&l, date!(2026 - 05 - 02)));
        assert!(
            matches!(again, Err(ArchiveError::Misplaced { position: 7, .. })),
            "{again:?}"
        );
    }

    #[test]
    fn activation_counts_must_match_the_activations() {
        let owner = UserId::generate();
        let mut references = References::new(owner);
        let p = product(owner);
        let exact = license(&p, 2);
        let short = license(&p, 2);
        references
            .admit(3, &ArchiveRecord::Product(p))
            .expect("a product");
        for (n, l) in [&exact, &short].into_iter().enumerate() {
            references
                .admit(4 + n as u64, &ArchiveRecord::License(l.clone()))
                .expect("a license");
        }
        for record in [activation(&exact), activation(&exact), activation(&short)] {
            references.admit(9, &record).expect("an activation");
        }
        let counted = references.check_seats();
        assert!(
            matches!(&counted, Err(ArchiveError::Inconsistent(message))
                if message.contains(&short.id.to_string()) && message.contains("holds 1 activation")),
            "{counted:?}"
        );
        references.admit(10, &activation(&short)).expect("another");
        assert!(references.check_seats().is_ok());
    }
}
