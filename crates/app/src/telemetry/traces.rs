//! Traces as the running server sees them: whether spans are recorded, the span
//! dispatcher its requests and workers run under, and tagging a request's span with
//! the account it acts for.

use std::future::Future;

use futures_util::future::Either;
use licentia_domain::ids::UserId;
use opentelemetry::KeyValue;
use tracing::Dispatch;
use tracing::instrument::{WithDispatch, WithSubscriber};

/// The handle requests and workers use: cheap to clone; with traces off every method
/// is one branch.
#[derive(Clone, Default)]
pub struct Traces {
    on: bool,
    /// This server's own span dispatcher, when it is not the process's global one
    /// (tests run several servers in one process, each exporting to its own receiver).
    scope: Option<Dispatch>,
}

impl std::fmt::Debug for Traces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traces")
            .field("on", &self.on)
            .field("scoped", &self.scope.is_some())
            .finish()
    }
}

impl Traces {
    /// No spans recorded.
    pub fn off() -> Self {
        Self::default()
    }

    pub(super) fn new(scope: Option<Dispatch>) -> Self {
        Self { on: true, scope }
    }

    /// Whether spans are recorded.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// `future`, run under this server's span dispatcher when it has one of its own.
    pub fn scoped<F: Future>(&self, future: F) -> Either<WithDispatch<F>, F> {
        match &self.scope {
            Some(dispatch) => Either::Left(future.with_subscriber(dispatch.clone())),
            None => Either::Right(future),
        }
    }

    /// `make()`, with this server's span dispatcher as the default when it has one of
    /// its own (for creating a span outside [`Traces::scoped`]).
    pub fn in_scope<T>(&self, make: impl FnOnce() -> T) -> T {
        match &self.scope {
            Some(dispatch) => tracing::dispatcher::with_default(dispatch, make),
            None => make(),
        }
    }

    /// Tags the span of the request being handled with the account it acts for (the
    /// tenant): its id only, never a key, token or e-mail address.
    pub fn tag_tenant(&self, account: UserId) {
        if self.on {
            opentelemetry::trace::get_active_span(|span| {
                span.set_attribute(KeyValue::new(TENANT_ATTRIBUTE, account.to_string()));
            });
        }
    }
}

/// The span attribute naming the tenant (the account's id).
pub const TENANT_ATTRIBUTE: &str = "licentia.tenant.id";
