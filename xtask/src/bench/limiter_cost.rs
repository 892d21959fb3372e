//! The rate limiter's cost on the validation path: the hot-key validation against
//! two servers on one database, one with limits off and one with the in-process
//! limiter on (limits too high to refuse anything), interleaved off, on, on, off so
//! that drift of the machine affects both alike.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::server::{Options, Server};
use super::wrk::{Measurement, Wrk};
use crate::postgres::Target;

/// Limits no benchmark reaches: every request is checked, none refused.
const UNREACHABLE: &str = "1000000000,1000000000,1000000000";

/// Both servers' runs.
pub(crate) struct LimiterCost {
    pub(crate) off: Vec<Measurement>,
    pub(crate) on: Vec<Measurement>,
}

/// Starts the limited server beside `unlimited` and runs the hot script on each.
pub(crate) fn measure(
    target: &Target,
    release_dir: &Path,
    work: &Path,
    master_key: &str,
    unlimited: &Wrk,
    hot_script: &Path,
) -> Result<LimiterCost> {
    let limited = Server::start(
        target,
        release_dir,
        work,
        &Options {
            database: super::server::DATABASE,
            fresh_database: false,
            master_key,
            env: &[
                ("LICENTIA_RATE_LIMITS", "memory"),
                ("LICENTIA_RATE_LIMIT_RUNTIME_IP", UNREACHABLE),
                ("LICENTIA_RATE_LIMIT_RUNTIME_KEY", UNREACHABLE),
            ],
        },
    )?;
    let limited_wrk = Wrk {
        base: limited.base.clone(),
        pid: limited.pid(),
        ..unlimited.clone()
    };
    let path = "/v1/licenses/validate";
    // One untimed warm-up each (connections, caches, the key's budgets).
    unlimited.with_seconds(2).run(path, Some(hot_script))?;
    limited_wrk.with_seconds(2).run(path, Some(hot_script))?;
    let mut cost = LimiterCost {
        off: Vec::new(),
        on: Vec::new(),
    };
    for limiter_on in [false, true, true, false] {
        say!(
            "validate, one hot key, rate limiter {}",
            if limiter_on { "on" } else { "off" }
        );
        if limiter_on {
            cost.on.push(limited_wrk.run(path, Some(hot_script))?);
        } else {
            cost.off.push(unlimited.run(path, Some(hot_script))?);
        }
    }
    Ok(cost)
}

fn mean(runs: &[Measurement], value: impl Fn(&Measurement) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = runs.iter().filter_map(value).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The report's section.
pub(crate) fn render(cost: &LimiterCost) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## Rate limiter cost\n");
    let _ = writeln!(
        out,
        "The hot-key signed validation against two servers on the same database, one with \
         `LICENTIA_RATE_LIMITS=off`, one with the in-process limiter on (per client IP and per \
         license key, limits set too high to refuse anything, so this is the cost of checking, \
         not of refusing), run alternately off, on, on, off in the same benchmark. wrk shares \
         the two cores with the servers, so requests/s varies from run to run by more than the \
         limiter costs; the server's CPU time per request is the steadier measure of its cost.\n"
    );
    let _ = writeln!(
        out,
        "| run | requests/s | p50 | p99 | server CPU µs/request | non-2xx |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let (mut off, mut on) = (cost.off.iter(), cost.on.iter());
    for limiter_on in [false, true, true, false] {
        let (label, run) = if limiter_on {
            ("limiter on", on.next())
        } else {
            ("limiter off", off.next())
        };
        if let Some(r) = run {
            let _ = writeln!(
                out,
                "| {label} | {:.0} | {} | {} | {} | {} |",
                r.requests_per_second,
                r.p50,
                r.p99,
                r.cpu_us_per_request
                    .map_or("n/a".into(), |us| format!("{us:.1}")),
                r.non_2xx
            );
        }
    }
    let rps_off = mean(&cost.off, |r| Some(r.requests_per_second));
    let rps_on = mean(&cost.on, |r| Some(r.requests_per_second));
    if let (Some(rps_off), Some(rps_on)) = (rps_off, rps_on) {
        let _ = writeln!(
            out,
            "\n- Throughput: {rps_off:.0} requests/s off, {rps_on:.0} on (means): the limiter costs \
             {:.1}% of hot-key validation throughput.",
            (rps_off - rps_on) / rps_off.max(1.0) * 100.0
        );
    }
    let cpu_off = mean(&cost.off, |r| r.cpu_us_per_request);
    let cpu_on = mean(&cost.on, |r| r.cpu_us_per_request);
    if let (Some(cpu_off), Some(cpu_on)) = (cpu_off, cpu_on) {
        let _ = writeln!(
            out,
            "- Server CPU: {cpu_off:.1} µs per request off, {cpu_on:.1} on: {:+.1} µs ({:+.1}%) for \
             two budgets checked and nine headers written.",
            cpu_on - cpu_off,
            (cpu_on - cpu_off) / cpu_off.max(0.001) * 100.0
        );
    }
    out
}
