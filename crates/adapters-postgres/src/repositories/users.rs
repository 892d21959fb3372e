//! `UserRepository` on `users` and `sessions`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use licentia_domain::account::{Role, Tier, User};
use licentia_domain::api_key::Session;
use licentia_domain::email::Email;
use licentia_domain::ids::{SessionId, UserId};
use licentia_domain::secret_token::TokenHash;
use licentia_ports::{
    NewSession, NewUser, Page, PageRequest, RepositoryError, SessionLookup, UserRepository,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PostgresStore, total};
use crate::error::db_error;
use crate::rows::UserRow;
use crate::schema::{sessions, users};

#[async_trait]
impl UserRepository for PostgresStore {
    async fn create_user(&self, user: NewUser) -> Result<User, RepositoryError> {
        let row = UserRow {
            id: user.id.as_uuid(),
            email: user.email.as_str().to_owned(),
            name: user.name.as_str().to_owned(),
            password_hash: user.password_hash,
            tier: user.tier.as_str().to_owned(),
            role: user.role.as_str().to_owned(),
            disabled_at: None,
            created_at: user.created_at,
            updated_at: user.created_at,
        };
        let mut conn = self.conn().await?;
        diesel::insert_into(users::table)
            .values(&row)
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn find_login(&self, email: &Email) -> Result<Option<(User, String)>, RepositoryError> {
        let mut conn = self.conn().await?;
        let row: Option<UserRow> = users::table
            .filter(users::email.eq(email.as_str()))
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        row.map(|row| {
            let hash = row.password_hash.clone();
            User::try_from(row).map(|user| (user, hash))
        })
        .transpose()
    }

    async fn get_user(&self, id: UserId) -> Result<User, RepositoryError> {
        let mut conn = self.conn().await?;
        users::table
            .find(id.as_uuid())
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<User, RepositoryError> {
        let mut conn = self.conn().await?;
        users::table
            .filter(users::email.eq(email.as_str()))
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn list_users(&self, page: PageRequest) -> Result<Page<User>, RepositoryError> {
        let mut conn = self.conn().await?;
        let count: i64 = users::table
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db_error)?;
        let rows: Vec<UserRow> = users::table
            .order((users::created_at.desc(), users::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(UserRow::as_select())
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(User::try_from)
                .collect::<Result<_, _>>()?,
            total: total(count),
        })
    }

    async fn set_tier_and_role(
        &self,
        email: &Email,
        tier: Option<Tier>,
        role: Option<Role>,
    ) -> Result<User, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::update(users::table.filter(users::email.eq(email.as_str())))
            .set((
                tier.map(|t| users::tier.eq(t.as_str())),
                role.map(|r| users::role.eq(r.as_str())),
                users::updated_at.eq(OffsetDateTime::now_utc()),
            ))
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn set_disabled(
        &self,
        email: &Email,
        disabled: bool,
        now: OffsetDateTime,
    ) -> Result<User, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::update(users::table.filter(users::email.eq(email.as_str())))
            .set((
                users::disabled_at.eq(disabled.then_some(now)),
                users::updated_at.eq(now),
            ))
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(db_error)?
            .try_into()
    }

    async fn create_session(&self, session: NewSession) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(session.id.as_uuid()),
                sessions::user_id.eq(session.user_id.as_uuid()),
                sessions::token_hash.eq(session.token_hash.as_bytes().as_slice()),
                sessions::created_at.eq(session.created_at),
                sessions::expires_at.eq(session.expires_at),
            ))
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(db_error)
    }

    async fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<SessionLookup>, RepositoryError> {
        let mut conn = self.conn().await?;
        let found: Option<((Uuid, OffsetDateTime, OffsetDateTime), UserRow)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::token_hash.eq(token_hash.as_bytes().as_slice()))
            .filter(sessions::expires_at.gt(now))
            .select((
                (sessions::id, sessions::created_at, sessions::expires_at),
                UserRow::as_select(),
            ))
            .first(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        found
            .map(|((id, created_at, expires_at), row)| {
                let user = User::try_from(row)?;
                Ok(SessionLookup {
                    session: Session {
                        id: SessionId::from_uuid(id),
                        user_id: user.id,
                        created_at,
                        expires_at,
                    },
                    user,
                })
            })
            .transpose()
    }

    async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::delete(
            sessions::table.filter(sessions::token_hash.eq(token_hash.as_bytes().as_slice())),
        )
        .execute(&mut conn)
        .await
        .map(|_| ())
        .map_err(db_error)
    }

    async fn purge_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, RepositoryError> {
        let mut conn = self.conn().await?;
        diesel::delete(sessions::table.filter(sessions::expires_at.le(now)))
            .execute(&mut conn)
            .await
            .map(|deleted| deleted as u64)
            .map_err(db_error)
    }
}
