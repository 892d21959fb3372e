//! `LicenseRepository` on `licenses` and `license_domains`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use licentia_domain::domain_name::DomainName;
use licentia_domain::event::NewEvent;
use licentia_domain::ids::{LicenseId, UserId};
use licentia_domain::license::License;
use licentia_domain::license_status::LicenseStatus;
use licentia_ports::{
    Decide, LicenseDomain, LicenseFilter, LicenseRepository, Page, PageRequest, RepositoryError,
    Tenant,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PostgresStore, like_pattern, total};
use crate::change_notice;
use crate::error::{TxError, db_error};
use crate::outbox;
use crate::rows::{LicenseRow, corrupt};
use crate::schema::{customers, license_domains, licenses};

type Boxed<'a> = licenses::BoxedQuery<'a, diesel::pg::Pg>;

fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = licenses::table
        .filter(licenses::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(licenses::product_id.eq(product.as_uuid())),
        None => query,
    }
}

fn filtered(tenant: Tenant, filter: &LicenseFilter) -> Boxed<'static> {
    let now = filter.now.unwrap_or_else(OffsetDateTime::now_utc);
    let mut query = visible(tenant);
    if let Some(status) = filter.status {
        let not_past = licenses::expires_at
            .is_null()
            .or(licenses::expires_at.gt(now));
        query = match status {
            LicenseStatus::Revoked => query.filter(licenses::status.eq(status.as_str())),
            LicenseStatus::Expired => query.filter(
                licenses::status.eq(status.as_str()).or(licenses::status
                    .ne(LicenseStatus::Revoked.as_str())
                    .and(licenses::expires_at.le(now))),
            ),
            other => query
                .filter(licenses::status.eq(other.as_str()))
                .filter(not_past),
        };
    }
    if let Some(product) = filter.product_id {
        query = query.filter(licenses::product_id.eq(product.as_uuid()));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(licenses::customer_id.eq(customer.as_uuid()));
    }
    if let Some(plan) = &filter.plan {
        query = query.filter(
            licenses::plan.ilike(
                plan.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_"),
            ),
        );
    }
    if let Some(email) = &filter.email {
        query = query.filter(licenses::issued_email.eq(email.clone()));
    }
    if let Some(before) = filter.expires_before {
        query = query.filter(licenses::expires_at.lt(before));
    }
    if let Some(after) = filter.expires_after {
        query = query.filter(licenses::expires_at.gt(after));
    }
    if let Some(q) = &filter.query {
        let key_pattern = like_pattern(&q.replace(['-', ' '], "").to_uppercase());
        let pattern = like_pattern(q);
        query = query.filter(
            licenses::key_lookup
                .like(key_pattern)
                .or(licenses::issued_to.ilike(pattern.clone()))
                .or(licenses::issued_email.ilike(pattern)),
        );
    }
    query
}

/// Fails with `MissingReference("customer")` unless every customer is the owner's.
async fn ensure_customers_owned(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    ids: BTreeSet<Uuid>,
) -> Result<(), TxError> {
    if ids.is_empty() {
        return Ok(());
    }
    let wanted = ids.len();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let found: i64 = customers::table
        .filter(customers::user_id.eq(owner.as_uuid()))
        .filter(customers::id.eq_any(ids))
        .count()
        .get_result(conn)
        .await?;
    if usize::try_from(found).ok() == Some(wanted) {
        Ok(())
    } else {
        Err(TxError::Port(RepositoryError::MissingReference("customer")))
    }
}

async fn insert_all(
    conn: &mut AsyncPgConnection,
    licenses_to_store: &[License],
    events: &[NewEvent],
) -> Result<Vec<LicenseRow>, TxError> {
    let Some(first) = licenses_to_store.first() else {
        return Ok(vec![]);
    };
    let owner = first.owner;
    ensure_customers_owned(
        conn,
        owner,
        licenses_to_store
            .iter()
            .filter_map(|l| l.customer_id.map(|c| c.as_uuid()))
            .collect(),
    )
    .await?;
    let rows: Vec<LicenseRow> = licenses_to_store.iter().map(LicenseRow::from).collect();
    let mut stored = Vec::with_capacity(rows.len());
    // PostgreSQL allows 65 535 bind parameters per statement; 18 columns a row.
    for chunk in rows.chunks(1000) {
        let inserted: Vec<LicenseRow> = diesel::insert_into(licenses::table)
            .values(chunk)
            .returning(LicenseRow::as_returning())
            .get_results(conn)
            .await?;
        stored.extend(inserted);
    }
    outbox::record(conn, owner, events, first.created_at).await?;
    Ok(stored)
}

#[async_trait]
impl LicenseRepository for PostgresStore {
    async fn create(
        &self,
        license: License,
        events: Vec<NewEvent>,
    ) -> Result<License, RepositoryError> {
        let mut stored = self.create_many(vec![license], events).await?;
        stored
            .pop()
            .ok_or_else(|| RepositoryError::Internal("insert returned no row".into()))
    }

    async fn create_many(
        &self,
        new: Vec<License>,
        events: Vec<NewEvent>,
    ) -> Result<Vec<License>, RepositoryError> {
        let mut conn = self.conn().await?;
        let rows = conn
            .transaction(async move |conn| insert_all(conn, &new, &events).await)
            .await?;
        rows.into_iter().map(License::try_from).collect()
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: LicenseFilter,
        page: PageRequest,
    ) -> Result<Page<License>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = filtered(tenant, &filter)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<LicenseRow> = filtered(tenant, &filter)
            .order((licenses::created_at.desc(), licenses::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(LicenseRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(License::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: LicenseId) -> Result<License, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(licenses::id.eq(id.as_uuid()))
            .select(LicenseRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn get_by_key(&self, tenant: Tenant, lookup: &str) -> Result<License, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(licenses::key_lookup.eq(lookup.to_owned()))
            .select(LicenseRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: LicenseId,
        decide: Decide<License>,
    ) -> Result<License, RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            let current: LicenseRow = licenses::table
                .find(id.as_uuid())
                .filter(licenses::user_id.eq(tenant.owner.as_uuid()))
                .for_update()
                .select(LicenseRow::as_select())
                .first(conn)
                .await?;
            if !tenant.reaches(licentia_domain::ids::ProductId::from_uuid(
                current.product_id,
            )) {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            let before_customer = current.customer_id;
            let (changed, events) =
                decide(License::try_from(current)?).map_err(RepositoryError::from)?;
            if let Some(customer) = changed
                .customer_id
                .map(|c| c.as_uuid())
                .filter(|c| Some(*c) != before_customer)
            {
                ensure_customers_owned(conn, tenant.owner, BTreeSet::from([customer])).await?;
            }
            let stored: LicenseRow = diesel::update(licenses::table.find(id.as_uuid()))
                .set(&LicenseRow::from(&changed))
                .returning(LicenseRow::as_returning())
                .get_result(conn)
                .await?;
            outbox::record(conn, tenant.owner, &events, changed.updated_at).await?;
            change_notice::license_changed(conn, id).await?;
            Ok::<_, TxError>(stored)
        })
        .await?
        .try_into()
    }

    async fn delete(
        &self,
        tenant: Tenant,
        id: LicenseId,
        events: Vec<NewEvent>,
    ) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        conn.transaction(async move |conn| {
            let target = visible(tenant)
                .filter(licenses::id.eq(id.as_uuid()))
                .select(licenses::id);
            let deleted = diesel::delete(licenses::table.filter(licenses::id.eq_any(target)))
                .execute(conn)
                .await?;
            if deleted == 0 {
                return Err(TxError::Port(RepositoryError::NotFound));
            }
            outbox::record(conn, tenant.owner, &events, OffsetDateTime::now_utc()).await?;
            change_notice::license_changed(conn, id).await?;
            Ok(())
        })
        .await
        .map_err(RepositoryError::from)
    }

    async fn list_domains(
        &self,
        tenant: Tenant,
        id: LicenseId,
    ) -> Result<Vec<LicenseDomain>, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(licenses::id.eq(id.as_uuid()))
            .select(licenses::id)
            .first::<Uuid>(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<(String, OffsetDateTime)> = license_domains::table
            .filter(license_domains::license_id.eq(id.as_uuid()))
            .order(license_domains::domain.asc())
            .select((license_domains::domain, license_domains::created_at))
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|(domain, created_at)| {
                Ok(LicenseDomain {
                    license_id: id,
                    domain: DomainName::parse(&domain)
                        .map_err(corrupt("license_domains", "domain"))?,
                    created_at,
                })
            })
            .collect()
    }

    async fn add_domain(
        &self,
        tenant: Tenant,
        domain: LicenseDomain,
    ) -> Result<LicenseDomain, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(licenses::id.eq(domain.license_id.as_uuid()))
            .select(licenses::id)
            .first::<Uuid>(&mut conn)
            .await
            .map_err(db_error)?;
        diesel::insert_into(license_domains::table)
            .values((
                license_domains::license_id.eq(domain.license_id.as_uuid()),
                license_domains::domain.eq(domain.domain.as_str()),
                license_domains::created_at.eq(domain.created_at),
            ))
            .execute(&mut conn)
            .await
            .map_err(db_error)?;
        change_notice::license_changed(&mut conn, domain.license_id)
            .await
            .map_err(db_error)?;
        Ok(domain)
    }

    async fn remove_domain(
        &self,
        tenant: Tenant,
        id: LicenseId,
        domain: &DomainName,
    ) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        let target = visible(tenant)
            .filter(licenses::id.eq(id.as_uuid()))
            .select(licenses::id);
        let removed = diesel::delete(
            license_domains::table
                .filter(license_domains::license_id.eq_any(target))
                .filter(license_domains::domain.eq(domain.as_str())),
        )
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        if removed > 0 {
            change_notice::license_changed(&mut conn, id)
                .await
                .map_err(db_error)?;
        }
        if removed == 0 {
            Err(RepositoryError::NotFound)
        } else {
            Ok(())
        }
    }
}
