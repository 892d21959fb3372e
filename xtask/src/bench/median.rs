//! Several runs of one scenario as one figure: the median of each measure.
//!
//! The benchmark alternates its scenarios over several rounds, because this machine's
//! speed drifts from one run to the next by more than the differences it measures; a
//! median per measure is steady where a single run is not.

use super::wrk::{Measurement, milliseconds};

/// The median of `values` (the upper one of an even count); `None` when empty.
fn median_of(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// The latency string whose value is the median of `latencies`.
fn median_latency<'a>(latencies: impl Iterator<Item = &'a str>) -> String {
    let mut timed: Vec<(f64, &str)> = latencies
        .filter_map(|l| milliseconds(l).map(|ms| (ms, l)))
        .collect();
    timed.sort_by(|a, b| a.0.total_cmp(&b.0));
    timed
        .get(timed.len() / 2)
        .map_or_else(|| "n/a".to_owned(), |(_, l)| (*l).to_owned())
}

/// The median of `ratios` (each round's scenario against the health run beside it), or
/// `None` when there are none. Pairing within a round cancels drifts of the machine's
/// speed that last longer than a round, which a ratio of two medians does not.
pub(crate) fn median_ratio(ratios: impl IntoIterator<Item = f64>) -> Option<f64> {
    median_of(ratios.into_iter().collect())
}

/// Each measure's median over `runs`; non-2xx answers are added up.
pub(crate) fn median(runs: &[Measurement]) -> Measurement {
    let optional = |pick: fn(&Measurement) -> Option<f64>| {
        let values: Vec<f64> = runs.iter().filter_map(pick).collect();
        if values.len() == runs.len() {
            median_of(values)
        } else {
            None
        }
    };
    Measurement {
        requests_per_second: median_of(runs.iter().map(|r| r.requests_per_second).collect())
            .unwrap_or(0.0),
        p50: median_latency(runs.iter().map(|r| r.p50.as_str())),
        p99: median_latency(runs.iter().map(|r| r.p99.as_str())),
        cpu_us_per_request: optional(|r| r.cpu_us_per_request),
        kernel_cpu_us_per_request: optional(|r| r.kernel_cpu_us_per_request),
        switches_per_request: optional(|r| r.switches_per_request),
        load_cpu_us_per_request: optional(|r| r.load_cpu_us_per_request),
        idle_percent: optional(|r| r.idle_percent),
        non_2xx: runs.iter().map(|r| r.non_2xx).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rps: f64, p99: &str, cpu: Option<f64>, non_2xx: u64) -> Measurement {
        Measurement {
            requests_per_second: rps,
            p50: "1.00ms".into(),
            p99: p99.into(),
            cpu_us_per_request: cpu,
            kernel_cpu_us_per_request: cpu.map(|c| c / 4.0),
            switches_per_request: Some(rps / 100_000.0),
            load_cpu_us_per_request: Some(rps / 1000.0),
            idle_percent: Some(1.0),
            non_2xx,
        }
    }

    #[test]
    fn each_measure_is_its_own_median() {
        let m = median(&[
            run(30_000.0, "93.84ms", Some(61.0), 0),
            run(20_000.0, "5.59ms", Some(45.0), 2),
            run(25_000.0, "800.00us", Some(71.0), 1),
        ]);
        assert_eq!(m.requests_per_second, 25_000.0);
        assert_eq!(m.p99, "5.59ms");
        assert_eq!(m.cpu_us_per_request, Some(61.0));
        assert_eq!(m.kernel_cpu_us_per_request, Some(61.0 / 4.0));
        assert_eq!(m.switches_per_request, Some(0.25));
        assert_eq!(m.load_cpu_us_per_request, Some(25.0));
        assert_eq!(m.non_2xx, 3);
    }

    #[test]
    fn a_measure_missing_from_any_run_is_missing() {
        let m = median(&[run(1.0, "1ms", None, 0), run(2.0, "2ms", Some(3.0), 0)]);
        assert_eq!(m.cpu_us_per_request, None);
    }

    #[test]
    fn the_median_ratio_is_the_middle_round_not_a_ratio_of_medians() {
        // Rounds of (health, hot): the machine ran fast, slow, then in between.
        // Ratios 0.30, 0.31 and 0.32; the medians, 38 400 over 120 000, would say 0.32.
        let rounds = [
            (150_000.0, 45_000.0),
            (100_000.0, 31_000.0),
            (120_000.0, 38_400.0),
        ];
        let paired = median_ratio(rounds.iter().map(|(health, hot)| hot / health));
        assert!(
            paired.is_some_and(|r| (r - 0.31).abs() < 1e-9),
            "{paired:?}"
        );
        assert_eq!(median_ratio([]), None);
    }

    #[test]
    fn one_run_is_its_own_median() {
        let m = median(&[run(7.0, "3.00ms", Some(9.0), 0)]);
        assert_eq!(m.requests_per_second, 7.0);
        assert_eq!(m.p99, "3.00ms");
    }
}
