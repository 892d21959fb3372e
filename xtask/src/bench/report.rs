//! The benchmark's report: the table, where the CPU went, and the targets met or missed.

use std::fmt::Write as _;

use super::wrk::{Measurement, milliseconds};
use super::{BenchArgs, Round, Row};

/// Everything one `cargo xtask bench` run measured.
pub(super) struct Report<'a> {
    pub(super) rows: &'a [Row],
    pub(super) peak_rss_kib: Option<u64>,
    pub(super) signature_us: f64,
    /// wrk ran as a `SCHED_BATCH` task.
    pub(super) batch: bool,
    /// The hot-key run again with wrk as an ordinary task (only when `batch`).
    pub(super) hot_preempting: Option<Measurement>,
    /// The alternated runs the health, hot-key and warm rows are medians of.
    pub(super) rounds: &'a [Round],
    pub(super) args: &'a BenchArgs,
}

/// How much of the server's CPU per request was the kernel's, and how often its
/// threads were switched out: on loopback the server pays for waking the wrk thread
/// its answer goes to, which a remote client would not cost it.
fn kernel_share(health: &Measurement, hot: &Measurement) -> String {
    let (Some(health_kernel), Some(hot_kernel), Some(health_switches), Some(hot_switches)) = (
        health.kernel_cpu_us_per_request,
        hot.kernel_cpu_us_per_request,
        health.switches_per_request,
        hot.switches_per_request,
    ) else {
        return "Kernel time and context switches: n/a".to_owned();
    };
    format!(
        "In the kernel: {health_kernel:.1} µs of the server's CPU per `/v1/health`, \
         {hot_kernel:.1} µs per hot-key validation; the server's threads were switched out \
         {health_switches:.2} and {hot_switches:.2} times per request. Waking a waiting wrk \
         thread (the server's `send` on loopback) and giving way to it are charged to the \
         server here; a remote client would cost it neither, and validations, being slower, \
         find wrk waiting more often than health does."
    )
}

/// How ring's C code was compiled, from the C flags this build was made with (the
/// server's release build reads the same `.cargo/config.toml`).
fn c_build(c_flags: Option<&str>) -> String {
    match c_flags.map(str::trim) {
        Some(flags) if !flags.is_empty() => format!("built with `{flags}`"),
        _ => "built for baseline x86-64".to_owned(),
    }
}

/// Where the machine's CPU went per request: server, wrk, and what is left (PostgreSQL,
/// the kernel outside both, idle).
fn machine_budget(what: &str, r: &Measurement) -> String {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let machine = cores as f64 * 1e6 / r.requests_per_second.max(1.0);
    match (
        r.cpu_us_per_request,
        r.load_cpu_us_per_request,
        r.idle_percent,
    ) {
        (Some(server), Some(load), Some(idle)) => format!(
            "Per {what} the {cores} cores have {machine:.1} µs between them: server {server:.1}, \
             wrk {load:.1}, idle {:.1}, the rest {:.1}.",
            machine * idle / 100.0,
            (machine * (1.0 - idle / 100.0) - server - load).max(0.0)
        ),
        _ => format!("Per {what} the {cores} cores have {machine:.1} µs between them."),
    }
}

impl Report<'_> {
    /// docs/benchmarks.md, up to the sections other parts own.
    pub(super) fn render(&self) -> String {
        let Report {
            rows,
            peak_rss_kib,
            signature_us,
            args,
            ..
        } = *self;
        let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
        let health = rows
            .first()
            .map_or(1.0, |r| r.result.requests_per_second.max(1.0));
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Measured by `cargo xtask bench` on a {cores}-core machine: the release `licentia` server \
             on PostgreSQL on the same machine, {} licenses seeded through the bulk API, driven by \
             wrk on loopback with {} connections and 2 threads, {} s per run. The cold run comes \
             first and lasts at most 5 s, so that every request touches a new key; then warm, \
             hot-key and health runs alternate over {} rounds, and each of their figures is the median \
             of its rounds, except their ratio to health (× health, and the targets): that is the median \
             of the rounds' own ratios, each validation run against the health run of its round, so that \
             a drift of the machine's speed from round to round cancels out (a shared virtual machine's \
             single-thread speed was seen to swing by a quarter within seconds). Every run waits for a quiet machine first (at most 20 s), so that what the \
             previous one left to PostgreSQL does not weigh on it. Logs at `warn`. The load generator shares the two cores with the server \
             and PostgreSQL, so absolute figures understate a real deployment; the ratios are what \
             the targets are set on.\n",
            args.licenses, args.connections, args.seconds, args.rounds
        );
        let _ = writeln!(out, "{}\n", self.scheduling());
        let _ = writeln!(
            out,
            "| scenario | requests/s | × health | p50 | p99 | server CPU µs/request | wrk CPU µs/request | idle CPU | non-2xx |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for row in rows {
            let r = &row.result;
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.2} | {} | {} | {} | {} | {} | {} |",
                row.scenario,
                r.requests_per_second,
                row.ratio_to(health),
                r.p50,
                r.p99,
                r.cpu_us_per_request
                    .map_or("n/a".into(), |us| format!("{us:.1}")),
                r.load_cpu_us_per_request
                    .map_or("n/a".into(), |us| format!("{us:.1}")),
                r.idle_percent.map_or("n/a".into(), |p| format!("{p:.0}%")),
                r.non_2xx,
            );
        }
        let _ = writeln!(out, "\n| figure | value |\n|---|---:|");
        let _ = writeln!(
            out,
            "| one Ed25519 signature (ring, its C code {}; 400-byte body), single thread | {signature_us:.1} µs |",
            c_build(option_env!("CFLAGS_x86_64_unknown_linux_gnu"))
        );
        match peak_rss_kib {
            Some(kib) => {
                let _ = writeln!(
                    out,
                    "| server peak RSS (VmHWM) after all runs | {:.1} MiB |",
                    kib as f64 / 1024.0
                );
            }
            None => {
                let _ = writeln!(out, "| server peak RSS | n/a |");
            }
        }
        let _ = writeln!(
            out,
            "| validation cache | every seeded license read at least once before the warm run |"
        );
        let cpu = |i: usize| rows.get(i).and_then(|r| r.result.cpu_us_per_request);
        if let (Some(health_cpu), Some(hot_cpu)) = (cpu(0), cpu(1)) {
            let rest = hot_cpu - health_cpu - signature_us;
            let _ = writeln!(out, "\n## Reading the numbers\n");
            let _ = writeln!(
                out,
                "- A signed hot-key validation costs the server {hot_cpu:.1} µs of CPU: the HTTP baseline \
                 (what `/v1/health` costs) is {health_cpu:.1} µs, one Ed25519 signature {signature_us:.1} µs, \
                 and everything else — body parsing, the key's check code, the cache, the verdict, the JSON \
                 answer, the buffered counter — {rest:.1} µs. The signature is the largest share."
            );
            for (i, what) in [(0, "`/v1/health`"), (1, "a signed hot-key validation")] {
                if let Some(row) = rows.get(i) {
                    let _ = writeln!(out, "- {}", machine_budget(what, &row.result));
                }
            }
            if let (Some(health), Some(hot)) = (rows.first(), rows.get(1)) {
                let _ = writeln!(out, "- {}", kernel_share(&health.result, &hot.result));
            }
            if let Some(cold_cpu) = cpu(2) {
                let _ = writeln!(
                    out,
                    "- A cache miss adds one prepared statement (license, domains and activations in one \
                     round trip): {cold_cpu:.1} µs of server CPU per cold validation, plus PostgreSQL's own."
                );
            }
        }
        let _ = writeln!(out, "{}", self.round_ratios());
        let _ = writeln!(out, "\n## Targets\n");
        let ratio = |i: usize| rows.get(i).map_or(0.0, |r| r.ratio_to(health));
        let (hot, warm) = (ratio(1), ratio(3));
        let cold = rows.get(2).map_or(0.0, |r| r.result.requests_per_second);
        let check = |ok: bool| if ok { "met" } else { "**missed**" };
        let _ = writeln!(
            out,
            "- hot-key validate ≥ 30% of health: {:.0}% — {}",
            hot * 100.0,
            check(hot >= 0.30)
        );
        let _ = writeln!(
            out,
            "- warm validate across all keys ≥ 25% of health: {:.0}% — {}",
            warm * 100.0,
            check(warm >= 0.25)
        );
        let _ = writeln!(
            out,
            "- cold validate ≥ 5 000 requests/s: {cold:.0} — {}",
            check(cold >= 5000.0)
        );
        if let Some(kib) = peak_rss_kib {
            let mib = kib as f64 / 1024.0;
            let _ = writeln!(
                out,
                "- peak RSS under 150 MiB with every license cached: {mib:.0} MiB — {}",
                check(mib < 150.0)
            );
        }
        let hot_p99 = rows.get(1).map_or("n/a", |r| r.result.p99.as_str());
        let _ = writeln!(
            out,
            "- hot-key p99 under 10 ms at {} connections: {hot_p99} — {}",
            args.connections,
            check(milliseconds(hot_p99).is_some_and(|ms| ms < 10.0))
        );
        out
    }

    /// Each round's hot-key and warm throughput against that round's health.
    fn round_ratios(&self) -> String {
        let ratios: Vec<String> = self
            .rounds
            .iter()
            .map(|r| format!("{:.2} and {:.2}", r.ratio(|r| &r.hot), r.ratio(|r| &r.warm)))
            .collect();
        let of_medians = |i: usize| {
            let health = self
                .rows
                .first()
                .map_or(1.0, |r| r.result.requests_per_second.max(1.0));
            self.rows
                .get(i)
                .map_or(0.0, |r| r.result.requests_per_second / health)
        };
        let after: Vec<String> = self
            .rounds
            .iter()
            .map(|r| r.warm_after.map_or("n/a".into(), |s| format!("{s:.1}")))
            .collect();
        let uncharged: Vec<String> = self
            .rounds
            .iter()
            .map(|r| format!("{:.2}", r.warm_measured_ratio()))
            .collect();
        format!(
            "- Round by round, hot-key and warm validation against that round's health: {}. \
             The ratios of the medians instead: {:.2} and {:.2}.\n\
             - After each warm run the server and PostgreSQL spent {} CPU seconds writing its \
             counters (waited for until the server's next flush was over and the machine quiet); \
             the warm figures count that as run time on every core, and the next run starts \
             after it. Before that charge, warm against health: {}.",
            ratios.join("; "),
            of_medians(1),
            of_medians(3),
            after.join(", "),
            uncharged.join(", ")
        )
    }

    /// How wrk was scheduled, with the hot-key run the other way for comparison.
    fn scheduling(&self) -> String {
        if !self.batch {
            return "wrk ran as an ordinary task (`chrt --batch` is not available here), so each \
                    answer it is woken for can preempt the server mid-request."
                .to_owned();
        }
        let mut text = "wrk runs as a batch task (`chrt --batch 0`, `SCHED_BATCH`): woken by an \
                        answer, it waits for its turn instead of preempting the server in the \
                        middle of a request, as remote clients would not take the server's CPU \
                        at all. Every scenario runs that way."
            .to_owned();
        let health = self.rows.first().map(|r| r.result.requests_per_second);
        if let (Some(health), Some(hot)) = (health, &self.hot_preempting) {
            let _ = write!(
                text,
                " For comparison, the hot-key run with wrk as an ordinary task: {:.0} requests/s \
                 ({:.2} × health), p99 {}, server CPU {} µs/request, wrk CPU {} µs/request.",
                hot.requests_per_second,
                hot.requests_per_second / health.max(1.0),
                hot.p99,
                hot.cpu_us_per_request
                    .map_or("n/a".into(), |us| format!("{us:.1}")),
                hot.load_cpu_us_per_request
                    .map_or("n/a".into(), |us| format!("{us:.1}")),
            );
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::c_build;

    #[test]
    fn the_signature_figure_says_how_ring_was_built() {
        assert_eq!(
            c_build(Some("-march=x86-64-v3")),
            "built with `-march=x86-64-v3`"
        );
        assert_eq!(c_build(Some(" ")), "built for baseline x86-64");
        assert_eq!(c_build(None), "built for baseline x86-64");
    }
}
