//! Analytics rules: the date range a report covers, zero-filled daily series and the
//! revenue arithmetic (per currency, never summed across currencies).

mod range;
mod revenue;
mod series;

pub use range::{DEFAULT_RANGE_DAYS, DateRange, MAX_RANGE_DAYS, RangeError};
pub use revenue::{CurrencyRevenue, ProductRevenue, Revenue, RevenueEntry, revenue};
pub use series::{DayCount, zero_fill};
