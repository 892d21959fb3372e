//! Server-side cursors: stream a query's rows in fixed-size batches inside a
//! transaction, so that reading a million rows holds one batch in memory, and the
//! query is planned (and sorted) once.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel_async::methods::LoadQuery;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `DECLARE <name> NO SCROLL CURSOR FOR <query>`.
#[derive(Debug)]
struct Declare<Q> {
    name: &'static str,
    query: Q,
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Declare<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("DECLARE ");
        out.push_identifier(self.name)?;
        out.push_sql(" NO SCROLL CURSOR FOR ");
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q> QueryId for Declare<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// `FETCH FORWARD <rows> FROM <name>`, typed like the declared query's rows.
#[derive(Debug)]
pub(crate) struct Fetch<ST> {
    name: &'static str,
    rows: u32,
    sql_type: PhantomData<ST>,
}

impl<ST> QueryFragment<Pg> for Fetch<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("FETCH FORWARD ");
        out.push_sql(&self.rows.to_string());
        out.push_sql(" FROM ");
        out.push_identifier(self.name)
    }
}

impl<ST> QueryId for Fetch<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> Query for Fetch<ST> {
    type SqlType = ST;
}

/// An open cursor over a query whose rows have the SQL type `ST`; it lives until the
/// transaction ends.
#[derive(Debug)]
pub(crate) struct Cursor<ST> {
    name: &'static str,
    sql_type: PhantomData<ST>,
}

impl<ST: Send + 'static> Cursor<ST> {
    /// Declares `name` for `query`; must run inside a transaction.
    pub(crate) async fn open<Q>(
        conn: &mut AsyncPgConnection,
        name: &'static str,
        query: Q,
    ) -> QueryResult<Self>
    where
        Q: Query<SqlType = ST> + QueryFragment<Pg> + Send,
    {
        Declare { name, query }.execute(conn).await?;
        Ok(Self {
            name,
            sql_type: PhantomData,
        })
    }

    /// The next at most `rows` rows; empty once the query is exhausted.
    pub(crate) async fn fetch<U>(
        &mut self,
        conn: &mut AsyncPgConnection,
        rows: u32,
    ) -> QueryResult<Vec<U>>
    where
        U: Send + 'static,
        Fetch<ST>: LoadQuery<'static, AsyncPgConnection, U>,
    {
        Fetch {
            name: self.name,
            rows,
            sql_type: PhantomData::<ST>,
        }
        .load(conn)
        .await
    }
}
