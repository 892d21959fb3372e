//! Webhooks: endpoints, their secrets and signatures, deliveries and the retry schedule.
//!
//! Events are delivered per the Standard Webhooks convention. Everything here is pure:
//! the app's dispatcher supplies the clock, the randomness for jitter and the HTTP
//! outcome, and applies what these rules decide.

pub mod attempt;
pub mod delivery;
pub mod endpoint;
pub mod event_selection;
pub mod retry;
pub mod secret;
pub mod url;

pub use attempt::{
    AttemptFacts, AttemptOutcome, AttemptVerdict, DeliveryNext, EndpointHealth, judge_attempt,
};
pub use delivery::{Attempt, Delivery, DeliveryState};
pub use endpoint::WebhookEndpoint;
pub use event_selection::EventSelection;
pub use retry::RetrySchedule;
pub use secret::{WebhookSecret, signature_header, verify_signature};
pub use url::WebhookUrl;
