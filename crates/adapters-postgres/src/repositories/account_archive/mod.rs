//! `AccountArchive`: a whole account read in one REPEATABLE READ snapshot through
//! server-side cursors, and written in one transaction in batches.

mod export;
mod import;
mod references;

use async_trait::async_trait;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use licentia_domain::ids::UserId;
use licentia_ports::{
    AccountArchive, ArchiveError, ArchiveRecord, ArchiveSink, ArchiveSource, RepositoryError,
};

use super::PostgresStore;
use crate::error::db_error;
use import::Writer;

/// An error inside an archive transaction: the database's, or the archive's own.
#[derive(Debug)]
enum Failure {
    Db(DieselError),
    Archive(ArchiveError),
}

impl From<DieselError> for Failure {
    fn from(e: DieselError) -> Self {
        Self::Db(e)
    }
}

impl From<ArchiveError> for Failure {
    fn from(e: ArchiveError) -> Self {
        Self::Archive(e)
    }
}

impl From<RepositoryError> for Failure {
    fn from(e: RepositoryError) -> Self {
        Self::Archive(ArchiveError::Repository(e))
    }
}

impl From<Failure> for ArchiveError {
    fn from(e: Failure) -> Self {
        match e {
            Failure::Db(e) => ArchiveError::Repository(db_error(e)),
            Failure::Archive(e) => e,
        }
    }
}

/// Archives run as long as the account is big: no statement timeout inside them.
const NO_STATEMENT_TIMEOUT: &str = "SET LOCAL statement_timeout = 0";

#[async_trait]
impl AccountArchive for PostgresStore {
    async fn export(&self, owner: UserId, sink: &mut dyn ArchiveSink) -> Result<(), ArchiveError> {
        let mut conn = self.conn().await?;
        conn.build_transaction()
            .repeatable_read()
            .read_only()
            .run(async |conn| {
                conn.batch_execute(NO_STATEMENT_TIMEOUT).await?;
                export::export(conn, owner, sink).await
            })
            .await
            .map_err(ArchiveError::from)
    }

    async fn import(&self, source: &mut dyn ArchiveSource) -> Result<UserId, ArchiveError> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            conn.batch_execute(NO_STATEMENT_TIMEOUT).await?;
            let Some((position, first)) = source.next().await? else {
                return Err(ArchiveError::Inconsistent("the file holds no account".into()).into());
            };
            let ArchiveRecord::Account(account) = first else {
                return Err(ArchiveError::Misplaced {
                    position,
                    message: "the first record must be the account".into(),
                }
                .into());
            };
            let mut writer = Writer::start(conn, position, account).await?;
            while let Some((position, record)) = source.next().await? {
                writer.write(conn, position, record).await?;
            }
            writer.finish(conn).await
        })
        .await
        .map_err(ArchiveError::from)
    }
}
