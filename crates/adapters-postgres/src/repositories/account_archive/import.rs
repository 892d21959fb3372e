//! Writing an account's records: consecutive records of one kind are inserted
//! together (`ON CONFLICT DO NOTHING RETURNING` their keys, so a taken id or unique
//! value is pinned to its record's line), then the counts are checked.

use std::collections::HashSet;
use std::hash::Hash;

use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use licentia_domain::ids::UserId;
use licentia_ports::{AccountRecord, ArchiveError, ArchiveRecord, Position, RecordKind};
use time::Date;
use uuid::Uuid;

use super::Failure;
use super::references::References;
use crate::rows::{
    ActivationRow, ArchivedApiKeyRow, ArchivedSiteRow, ArchivedWebhookRow, CustomerRow,
    InjectableRow, LicenseRow, PaymentRow, ProductRow, SiteActionRow, UserRow,
};
use crate::schema::{
    activations, api_keys, customers, injectables, license_domains, license_last_validations,
    license_validation_days, licenses, payments, product_domains, product_validation_days,
    products, site_actions, sites, users, webhook_endpoints,
};

/// Records inserted per statement (at most 19 columns each: far below PostgreSQL's
/// 65 535 parameters).
const BATCH: usize = 1_000;
/// Injectables hold up to 1 MiB each: fewer per statement.
const CONTENT_BATCH: usize = 8;

/// An import in progress, inside its transaction.
#[derive(Debug)]
pub(super) struct Writer {
    owner: UserId,
    references: References,
    batch: Vec<(Position, ArchiveRecord)>,
}

/// The values of one variant in a batch, mapped to rows.
macro_rules! rows {
    ($records:expr, $variant:ident, |$value:ident| $row:expr) => {
        $records
            .iter()
            .filter_map(|record| match record {
                ArchiveRecord::$variant($value) => Some($row),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
}

impl Writer {
    /// Inserts the account.
    pub(super) async fn start(
        conn: &mut AsyncPgConnection,
        position: Position,
        account: AccountRecord,
    ) -> Result<Self, Failure> {
        let written: Vec<Uuid> = diesel::insert_into(users::table)
            .values(UserRow::from(&account))
            .on_conflict_do_nothing()
            .returning(users::id)
            .get_results(conn)
            .await?;
        all_written(
            &[position],
            [account.id.as_uuid()],
            written,
            RecordKind::Account,
        )?;
        Ok(Self {
            owner: account.id,
            references: References::new(account.id),
            batch: Vec::new(),
        })
    }

    /// Checks `record` and queues it, writing the queue first when it is full or holds
    /// another kind.
    pub(super) async fn write(
        &mut self,
        conn: &mut AsyncPgConnection,
        position: Position,
        record: ArchiveRecord,
    ) -> Result<(), Failure> {
        self.references.admit(position, &record)?;
        let kind = record.kind();
        let limit = if kind == RecordKind::Injectable {
            CONTENT_BATCH
        } else {
            BATCH
        };
        if self
            .batch
            .last()
            .is_some_and(|(_, queued)| queued.kind() != kind)
            || self.batch.len() >= limit
        {
            self.flush(conn).await?;
        }
        self.batch.push((position, record));
        Ok(())
    }

    /// Writes what is queued and checks that every license's activation count
    /// matches its activations.
    pub(super) async fn finish(mut self, conn: &mut AsyncPgConnection) -> Result<UserId, Failure> {
        self.flush(conn).await?;
        self.references.check_seats()?;
        Ok(self.owner)
    }

    async fn flush(&mut self, conn: &mut AsyncPgConnection) -> Result<(), Failure> {
        let batch = std::mem::take(&mut self.batch);
        let Some(kind) = batch.last().map(|(_, record)| record.kind()) else {
            return Ok(());
        };
        let (positions, records): (Vec<Position>, Vec<ArchiveRecord>) = batch.into_iter().unzip();
        match kind {
            RecordKind::Account => Ok(()),
            RecordKind::Product => {
                let rows = rows!(records, Product, |p| ProductRow::from(p));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(products::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(products::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::ProductDomain => {
                let rows = rows!(records, ProductDomain, |d| (
                    product_domains::product_id.eq(d.product_id.as_uuid()),
                    product_domains::domain.eq(d.domain.as_str().to_owned()),
                    product_domains::created_at.eq(d.created_at),
                ));
                let keys = rows!(records, ProductDomain, |d| (
                    d.product_id.as_uuid(),
                    d.domain.as_str().to_owned()
                ));
                let written = diesel::insert_into(product_domains::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning((product_domains::product_id, product_domains::domain))
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::Customer => {
                let rows = rows!(records, Customer, |c| CustomerRow::from(c));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(customers::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(customers::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::License => {
                let rows = rows!(records, License, |l| LicenseRow::from(l));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                // lastValidatedAt is not written through the license row.
                let last_validations: Vec<_> =
                    rows!(records, License, |l| l.last_validated_at.map(|at| (
                        license_last_validations::license_id.eq(l.id.as_uuid()),
                        license_last_validations::validated_at.eq(at),
                    )))
                    .into_iter()
                    .flatten()
                    .collect();
                let written = diesel::insert_into(licenses::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(licenses::id)
                    .get_results(conn)
                    .await?;
                all_written(&positions, keys, written, kind)?;
                if !last_validations.is_empty() {
                    diesel::insert_into(license_last_validations::table)
                        .values(last_validations)
                        .execute(conn)
                        .await?;
                }
                Ok(())
            }
            RecordKind::LicenseDomain => {
                let rows = rows!(records, LicenseDomain, |d| (
                    license_domains::license_id.eq(d.license_id.as_uuid()),
                    license_domains::domain.eq(d.domain.as_str().to_owned()),
                    license_domains::created_at.eq(d.created_at),
                ));
                let keys = rows!(records, LicenseDomain, |d| (
                    d.license_id.as_uuid(),
                    d.domain.as_str().to_owned()
                ));
                let written = diesel::insert_into(license_domains::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning((license_domains::license_id, license_domains::domain))
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::Activation => {
                let rows = rows!(records, Activation, |a| ActivationRow::from(a));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(activations::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(activations::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::Site => {
                let rows = rows!(records, Site, |s| ArchivedSiteRow::from(s));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(sites::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(sites::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::SiteAction => {
                let rows = rows!(records, SiteAction, |a| SiteActionRow::from(a));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(site_actions::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(site_actions::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::Payment => {
                let rows = rows!(records, Payment, |p| PaymentRow::from(p));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(payments::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(payments::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::Injectable => {
                let rows = rows!(records, Injectable, |i| InjectableRow::from(i));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(injectables::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(injectables::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::Webhook => {
                let rows = rows!(records, Webhook, |w| ArchivedWebhookRow::from(w));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(webhook_endpoints::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(webhook_endpoints::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::ApiKey => {
                let rows = rows!(records, ApiKey, |k| ArchivedApiKeyRow::from(k));
                let keys = rows.iter().map(|r| r.id).collect::<Vec<_>>();
                let written = diesel::insert_into(api_keys::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(api_keys::id)
                    .get_results(conn)
                    .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::LicenseValidationDay => {
                // The rollup trigger adds these counts to `product_validation_days`;
                // the product records that follow set the rollup's exact values.
                let rows = rows!(records, LicenseValidationDay, |v| (
                    license_validation_days::license_id.eq(v.id.as_uuid()),
                    license_validation_days::day.eq(v.day),
                    license_validation_days::count.eq(count(v.count)),
                ));
                let keys = rows!(records, LicenseValidationDay, |v| (v.id.as_uuid(), v.day));
                let written: Vec<(Uuid, Date)> =
                    diesel::insert_into(license_validation_days::table)
                        .values(rows)
                        .on_conflict_do_nothing()
                        .returning((
                            license_validation_days::license_id,
                            license_validation_days::day,
                        ))
                        .get_results(conn)
                        .await?;
                Ok(all_written(&positions, keys, written, kind)?)
            }
            RecordKind::ProductValidationDay => {
                // Overwrites what the trigger summed: the rollup also keeps the counts
                // of licenses deleted before the export.
                let rows = rows!(records, ProductValidationDay, |v| (
                    product_validation_days::product_id.eq(v.id.as_uuid()),
                    product_validation_days::day.eq(v.day),
                    product_validation_days::count.eq(count(v.count)),
                ));
                diesel::insert_into(product_validation_days::table)
                    .values(rows)
                    .on_conflict((
                        product_validation_days::product_id,
                        product_validation_days::day,
                    ))
                    .do_update()
                    .set(
                        product_validation_days::count.eq(excluded(product_validation_days::count)),
                    )
                    .execute(conn)
                    .await?;
                Ok(())
            }
        }
    }
}

fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// What makes a record of `kind` taken when its insert writes nothing.
fn unique_values(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Account => "id or e-mail address",
        RecordKind::Product => "id or slug",
        RecordKind::ProductDomain => "product and domain",
        RecordKind::Customer => "id or externalId",
        RecordKind::License => "id or license key",
        RecordKind::LicenseDomain => "license and domain",
        RecordKind::Activation => "id, or license and seat",
        RecordKind::Site => "id, token, or license and domain",
        RecordKind::Payment => "id, or provider and providerRef",
        RecordKind::Injectable => "id, or product and slug",
        RecordKind::ApiKey => "id or secret",
        RecordKind::LicenseValidationDay | RecordKind::ProductValidationDay => "id and day",
        RecordKind::SiteAction | RecordKind::Webhook => "id",
    }
}

/// Fails on the first record (in order) whose key the insert did not return.
fn all_written<K: Eq + Hash>(
    positions: &[Position],
    keys: impl IntoIterator<Item = K>,
    written: Vec<K>,
    kind: RecordKind,
) -> Result<(), ArchiveError> {
    if written.len() == positions.len() {
        return Ok(());
    }
    let mut written: HashSet<K> = written.into_iter().collect();
    let skipped = positions
        .iter()
        .zip(keys)
        .find(|(_, key)| !written.remove(key))
        .map_or(positions.first().copied().unwrap_or_default(), |(p, _)| *p);
    Err(ArchiveError::Taken {
        position: skipped,
        kind,
        what: unique_values(kind),
    })
}
