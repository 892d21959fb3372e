//! Zero-filling a sparse daily series over a range.

use time::Date;

use super::DateRange;

/// One day of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub date: Date,
    pub count: i64,
}

/// Every day of `range` exactly once, in order; days without a point count 0, points
/// of the same day add up, and points outside the range are dropped.
pub fn zero_fill(range: DateRange, points: impl IntoIterator<Item = (Date, i64)>) -> Vec<DayCount> {
    let mut series: Vec<DayCount> = range
        .days()
        .map(|date| DayCount { date, count: 0 })
        .collect();
    for (date, count) in points {
        if range.contains(date) {
            let index = usize::try_from((date - range.from()).whole_days()).unwrap_or(0);
            if let Some(slot) = series.get_mut(index) {
                slot.count += count;
            }
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    use super::*;

    #[test]
    fn missing_days_are_zero() {
        let range = DateRange::new(date!(2026 - 11 - 01), date!(2026 - 11 - 04)).expect("valid");
        let series = zero_fill(
            range,
            [(date!(2026 - 11 - 02), 5), (date!(2026 - 11 - 04), 1)],
        );
        let counts: Vec<i64> = series.iter().map(|d| d.count).collect();
        assert_eq!(counts, vec![0, 5, 0, 1]);
        assert_eq!(series[0].date, date!(2026 - 11 - 01));
    }

    proptest! {
        #[test]
        fn every_day_once_in_order_and_the_sum_of_in_range_points_kept(
            start in 0i64..3000,
            span in 0i64..366,
            points in proptest::collection::vec((-10i64..400, -5i64..1000), 0..60),
        ) {
            let from = date!(2020 - 01 - 01) + Duration::days(start);
            let range = DateRange::new(from, from + Duration::days(span)).expect("valid");
            let points: Vec<(Date, i64)> =
                points.into_iter().map(|(d, n)| (from + Duration::days(d), n)).collect();
            let series = zero_fill(range, points.clone());
            prop_assert_eq!(series.len(), range.len());
            for (i, day) in series.iter().enumerate() {
                prop_assert_eq!(day.date, from + Duration::days(i64::try_from(i).expect("valid")));
            }
            let kept: i64 = points.iter().filter(|(d, _)| range.contains(*d)).map(|(_, n)| n).sum();
            prop_assert_eq!(series.iter().map(|d| d.count).sum::<i64>(), kept);
        }
    }
}
