//! `ApiKeyRepository` on `api_keys`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use licentia_domain::api_key::ApiKey;
use licentia_domain::ids::ApiKeyId;
use licentia_domain::secret_token::TokenHash;
use licentia_ports::{
    ApiKeyRepository, AuthenticatedKey, NewApiKey, Page, PageRequest, RepositoryError, Rotation,
    Tenant,
};
use time::OffsetDateTime;

use super::{PostgresStore, total};
use crate::error::db_error;
use crate::rows::{ApiKeyRow, NewApiKeyRow, UserRow};
use crate::schema::{api_keys, users};

type Boxed<'a> = api_keys::BoxedQuery<'a, diesel::pg::Pg>;

fn visible(tenant: Tenant) -> Boxed<'static> {
    let query = api_keys::table
        .filter(api_keys::user_id.eq(tenant.owner.as_uuid()))
        .into_boxed();
    match tenant.product {
        Some(product) => query.filter(api_keys::product_id.eq(product.as_uuid())),
        None => query,
    }
}

#[async_trait]
impl ApiKeyRepository for PostgresStore {
    async fn create(&self, new: NewApiKey) -> Result<ApiKey, RepositoryError> {
        let key = new.key;
        let row = NewApiKeyRow {
            id: key.id.as_uuid(),
            user_id: key.owner.as_uuid(),
            name: key.name.as_str().to_owned(),
            prefix: key.prefix.clone(),
            last_four: key.last_four.clone(),
            secret_hash: new.secret_hash.as_bytes().to_vec(),
            scopes: key.scopes.to_strings(),
            product_id: key.product_id.map(|p| p.as_uuid()),
            expires_at: key.expires_at,
            created_at: key.created_at,
            updated_at: key.updated_at,
        };
        let mut conn = self.conn().await?;
        diesel::insert_into(api_keys::table)
            .values(&row)
            .returning(ApiKeyRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> Result<Page<ApiKey>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = visible(tenant)
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<ApiKeyRow> = visible(tenant)
            .order((api_keys::created_at.desc(), api_keys::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(ApiKeyRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(ApiKey::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn get(&self, tenant: Tenant, id: ApiKeyId) -> Result<ApiKey, RepositoryError> {
        let mut conn = self.conn().await?;
        visible(tenant)
            .filter(api_keys::id.eq(id.as_uuid()))
            .select(ApiKeyRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn revoke(
        &self,
        tenant: Tenant,
        id: ApiKeyId,
        now: OffsetDateTime,
    ) -> Result<ApiKey, RepositoryError> {
        let mut conn = self.conn().await?;
        let target = visible(tenant)
            .filter(api_keys::id.eq(id.as_uuid()))
            .select(api_keys::id);
        diesel::update(api_keys::table.filter(api_keys::id.eq_any(target)))
            .set(
                (
                    api_keys::revoked_at.eq(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
                    >("coalesce(revoked_at, ")
                    .bind::<diesel::sql_types::Timestamptz, _>(now)
                    .sql(")")),
                    api_keys::previous_secret_hash.eq(None::<Vec<u8>>),
                    api_keys::previous_valid_until.eq(None::<OffsetDateTime>),
                    api_keys::updated_at.eq(now),
                ),
            )
            .returning(ApiKeyRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn rotate(
        &self,
        tenant: Tenant,
        id: ApiKeyId,
        rotation: Rotation,
    ) -> Result<ApiKey, RepositoryError> {
        let mut conn = self.conn().await?;
        // The previous secret is the one being replaced, kept only during a grace period.
        diesel::sql_query(
            "UPDATE api_keys SET \
               previous_secret_hash = CASE WHEN $1::timestamptz IS NULL THEN NULL ELSE secret_hash END, \
               previous_valid_until = $1, secret_hash = $2, prefix = $3, last_four = $4, updated_at = $5 \
             WHERE id = $6 AND user_id = $7 AND revoked_at IS NULL \
               AND ($8::uuid IS NULL OR product_id = $8) \
             RETURNING *",
        )
        .bind::<Nullable<Timestamptz>, _>(rotation.previous_valid_until)
        .bind::<Bytea, _>(rotation.secret_hash.as_bytes().as_slice())
        .bind::<Text, _>(&rotation.prefix)
        .bind::<Text, _>(&rotation.last_four)
        .bind::<Timestamptz, _>(rotation.now)
        .bind::<SqlUuid, _>(id.as_uuid())
        .bind::<SqlUuid, _>(tenant.owner.as_uuid())
        .bind::<Nullable<SqlUuid>, _>(tenant.product.map(|p| p.as_uuid()))
        .get_result::<ApiKeyRow>(&mut conn)
        .await
        .map_err(db_error)?
        .try_into()
    }

    async fn find_by_secret(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<AuthenticatedKey>, RepositoryError> {
        let mut conn = self.conn().await?;
        let bytes = hash.as_bytes().as_slice();
        let found: Option<(ApiKeyRow, UserRow)> = api_keys::table
            .inner_join(users::table)
            .filter(
                api_keys::secret_hash
                    .eq(bytes)
                    .or(api_keys::previous_secret_hash
                        .eq(bytes)
                        .and(api_keys::previous_valid_until.gt(now))),
            )
            .select((ApiKeyRow::as_select(), UserRow::as_select()))
            .first(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        found
            .map(|(key, owner)| {
                Ok(AuthenticatedKey {
                    key: key.try_into()?,
                    owner: owner.try_into()?,
                })
            })
            .transpose()
    }

    async fn owner_of(
        &self,
        id: ApiKeyId,
    ) -> Result<licentia_domain::ids::UserId, RepositoryError> {
        let mut conn = self.conn().await?;
        api_keys::table
            .find(id.as_uuid())
            .select(api_keys::user_id)
            .first::<uuid::Uuid>(&mut conn)
            .await
            .map(licentia_domain::ids::UserId::from_uuid)
            .map_err(db_error)
    }

    async fn record_last_used(
        &self,
        uses: &[(ApiKeyId, OffsetDateTime)],
    ) -> Result<(), RepositoryError> {
        if uses.is_empty() {
            return Ok(());
        }
        let ids: Vec<uuid::Uuid> = uses.iter().map(|(id, _)| id.as_uuid()).collect();
        let times: Vec<OffsetDateTime> = uses.iter().map(|(_, at)| *at).collect();
        let mut conn = self.conn().await?;
        diesel::sql_query(
            "UPDATE api_keys AS k SET last_used_at = GREATEST(k.last_used_at, u.at) \
             FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) WHERE k.id = u.id",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Timestamptz>, _>(times)
        .execute(&mut conn)
        .await
        .map(|_| ())
        .map_err(db_error)
    }
}
