//! Typed identifiers: a `LicenseId` can never be passed where a `ProductId` is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (UUID v7) identifier.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an identifier read from storage or a request path.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

typed_id!(
    /// A vendor account (a user, the tenant boundary).
    UserId
);
typed_id!(
    /// A product of a vendor.
    ProductId
);
typed_id!(
    /// A vendor's customer.
    CustomerId
);
typed_id!(
    /// A license.
    LicenseId
);
typed_id!(
    /// An API key (the id stays the same across rotations).
    ApiKeyId
);
typed_id!(
    /// A login session.
    SessionId
);
typed_id!(
    /// An outbox event.
    EventId
);
typed_id!(
    /// An activation (a seat taken on a license).
    ActivationId
);
typed_id!(
    /// A webhook endpoint.
    WebhookId
);
typed_id!(
    /// One event's delivery to one webhook endpoint (kept across its attempts).
    DeliveryId
);
typed_id!(
    /// Content shipped only to licensed copies of a product.
    InjectableId
);
typed_id!(
    /// A payment.
    PaymentId
);
typed_id!(
    /// A WordPress site registered with a license.
    SiteId
);
typed_id!(
    /// An action queued for a WordPress site.
    SiteActionId
);
