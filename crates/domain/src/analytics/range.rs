//! The inclusive range of UTC days a report covers (`?from=&to=`).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// Days a report covers when neither end is given (ending today, UTC).
pub const DEFAULT_RANGE_DAYS: i64 = 30;
/// The longest range a report may cover, both ends included.
pub const MAX_RANGE_DAYS: i64 = 366;

/// Why `from`/`to` were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// Neither `YYYY-MM-DD` nor an RFC 3339 timestamp (a 400).
    #[error("{field} must be a date (YYYY-MM-DD) or an RFC 3339 timestamp")]
    Malformed { field: &'static str },
    /// `from` after `to` (a 422 on `from`).
    #[error("from must not be after to")]
    Reversed,
    /// More than [`MAX_RANGE_DAYS`] days (a 422 on `to`).
    #[error("the range covers more than {MAX_RANGE_DAYS} days")]
    TooLong,
}

/// Both ends included; days are UTC calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: Date,
    to: Date,
}

fn parse_day(raw: &str, field: &'static str) -> Result<Date, RangeError> {
    let raw = raw.trim();
    if let Ok(day) = Date::parse(raw, format_description!("[year]-[month]-[day]")) {
        return Ok(day);
    }
    OffsetDateTime::parse(raw, &Rfc3339)
        .map(|at| at.to_offset(UtcOffset::UTC).date())
        .map_err(|_| RangeError::Malformed { field })
}

impl DateRange {
    /// A checked range.
    pub fn new(from: Date, to: Date) -> Result<Self, RangeError> {
        if from > to {
            return Err(RangeError::Reversed);
        }
        if (to - from).whole_days() + 1 > MAX_RANGE_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(Self { from, to })
    }

    /// The range of `?from=&to=`: `to` defaults to `today`, `from` to the
    /// [`DEFAULT_RANGE_DAYS`] days ending at `to`. A timestamp counts as its UTC day.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Self, RangeError> {
        let to = to.map(|raw| parse_day(raw, "to")).transpose()?;
        let from = from.map(|raw| parse_day(raw, "from")).transpose()?;
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub(Duration::days(DEFAULT_RANGE_DAYS - 1))
                .ok_or(RangeError::Malformed { field: "to" })?,
        };
        Self::new(from, to)
    }

    /// The first day.
    pub fn from(&self) -> Date {
        self.from
    }

    /// The last day (included).
    pub fn to(&self) -> Date {
        self.to
    }

    /// How many days the range covers.
    pub fn len(&self) -> usize {
        usize::try_from((self.to - self.from).whole_days() + 1).unwrap_or(0)
    }

    /// Never true: a range covers at least one day.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether `day` lies within the range.
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }

    /// Every day, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let to = self.to;
        std::iter::successors(Some(self.from), move |d| d.next_day().filter(|n| *n <= to))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 22);

    #[test]
    fn defaults_to_the_last_thirty_days_ending_today() {
        let range = DateRange::parse(None, None, TODAY).expect("valid");
        assert_eq!(range.from(), date!(2026 - 10 - 24));
        assert_eq!(range.to(), TODAY);
        assert_eq!(range.len(), 30);
    }

    #[test]
    fn a_given_end_moves_the_default_start_with_it() {
        let range = DateRange::parse(None, Some("2026-01-31"), TODAY).expect("valid");
        assert_eq!(range.from(), date!(2026 - 01 - 02));
    }

    #[test]
    fn dates_and_timestamps_are_accepted_and_timestamps_count_as_their_utc_day() {
        let range = DateRange::parse(
            Some("2026-11-01T23:30:00-02:00"),
            Some("2026-11-05T10:00:00Z"),
            TODAY,
        )
        .expect("valid");
        assert_eq!(range.from(), date!(2026 - 11 - 02));
        assert_eq!(range.to(), date!(2026 - 11 - 05));
        assert_eq!(range.len(), 4);
    }

    #[test]
    fn malformed_reversed_and_too_long_ranges_are_refused() {
        assert_eq!(
            DateRange::parse(Some("yesterday"), None, TODAY),
            Err(RangeError::Malformed { field: "from" })
        );
        assert_eq!(
            DateRange::parse(None, Some("2026-13-01"), TODAY),
            Err(RangeError::Malformed { field: "to" })
        );
        assert_eq!(
            DateRange::parse(Some("2026-11-02"), Some("2026-11-01"), TODAY),
            Err(RangeError::Reversed)
        );
        assert_eq!(
            DateRange::parse(Some("2025-01-01"), Some("2026-01-02"), TODAY),
            Err(RangeError::TooLong)
        );
        assert!(DateRange::parse(Some("2025-01-02"), Some("2026-01-02"), TODAY).is_ok());
        assert_eq!(
            DateRange::parse(None, Some("-9999-01-01"), TODAY),
            Err(RangeError::Malformed { field: "to" })
        );
    }

    #[test]
    fn one_day_ranges_have_one_day() {
        let range = DateRange::parse(Some("2026-11-22"), Some("2026-11-22"), TODAY).expect("valid");
        assert_eq!(range.days().collect::<Vec<_>>(), vec![TODAY]);
    }
}
