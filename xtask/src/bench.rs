//! `cargo xtask bench`: the release server on a fresh database with 100 000 licenses,
//! driven by wrk on loopback; writes the results to docs/benchmarks.md.

mod limiter_cost;
mod median;
mod report;
mod scripts;
mod seed;
pub(crate) mod server;
mod wrk;

use std::time::Instant;

use anyhow::{Context, Result};

use crate::{cargo, postgres};
use wrk::Measurement;

/// Options of the benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// Licenses to seed.
    #[arg(long, default_value_t = 100_000)]
    licenses: usize,
    /// Seconds per measured run.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    /// Rounds of warm, hot-key and health runs, alternated; each figure is the median,
    /// each ratio to health the median of the rounds' own.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Do not rewrite docs/benchmarks.md.
    #[arg(long)]
    no_write: bool,
}

/// One row of the table.
struct Row {
    scenario: &'static str,
    result: Measurement,
    /// Its throughput against health's: the median of the rounds' own ratios for the
    /// alternated scenarios, `None` for the others (their median over health's).
    paired_ratio: Option<f64>,
}

impl Row {
    /// Its throughput against health's (`health`: health's median requests/s).
    fn ratio_to(&self, health: f64) -> f64 {
        self.paired_ratio
            .unwrap_or(self.result.requests_per_second / health.max(1.0))
    }
}

/// The server's usage flush interval during the benchmark (its default, set explicitly
/// so that the benchmark knows how long a run's counters may wait to be written).
const USAGE_FLUSH_SECONDS: u64 = 10;

/// One round of the alternated runs.
struct Round {
    health: Measurement,
    hot: Measurement,
    /// Charged with what writing its counters cost after the run (`warm_after`).
    warm: Measurement,
    /// Its throughput as measured, before that charge.
    warm_measured_rps: f64,
    /// CPU seconds the server and PostgreSQL spent after the warm run, until its
    /// counters were written and the machine was quiet again.
    warm_after: Option<f64>,
}

impl Round {
    /// `pick`'s throughput against this round's health.
    fn ratio(&self, pick: fn(&Round) -> &Measurement) -> f64 {
        pick(self).requests_per_second / self.health.requests_per_second.max(1.0)
    }

    /// The warm run's throughput as measured, before its charge, against this round's
    /// health.
    fn warm_measured_ratio(&self) -> f64 {
        self.warm_measured_rps / self.health.requests_per_second.max(1.0)
    }
}

pub(crate) fn run(args: &BenchArgs) -> Result<i32> {
    let target = postgres::ensure_postgres()?;
    wrk::ensure_installed()?;
    say!("building the release server");
    let status = cargo::run(cargo::cargo().args([
        "build",
        "--release",
        "--quiet",
        "--package",
        "licentia",
    ]))?;
    if status != 0 {
        return Ok(status);
    }
    let root = cargo::workspace_root();
    let release_dir = cargo::target_dir().join("release");
    let work = cargo::target_dir().join("bench");
    std::fs::create_dir_all(&work).context("creating the bench directory")?;

    let master_key = server::random_master_key()?;
    let server = server::Server::start(
        &target,
        &release_dir,
        &work,
        &server::Options {
            database: server::DATABASE,
            fresh_database: true,
            master_key: &master_key,
            env: &[(
                "LICENTIA_USAGE_FLUSH_SECONDS",
                &USAGE_FLUSH_SECONDS.to_string(),
            )],
        },
    )?;
    let seeded = seed::seed(&server.base, args.licenses)?;
    let keys_file = work.join("keys.txt");
    std::fs::write(&keys_file, seeded.keys.join("\n")).context("writing the keys file")?;
    let scripts = scripts::write(&work, &seeded, &keys_file)?;

    let wrk = wrk::Wrk {
        base: server.base.clone(),
        connections: args.connections,
        seconds: args.seconds,
        pid: server.pid(),
        batch: wrk::batch_scheduling_available(),
    };
    const VALIDATE: &str = "/v1/licenses/validate";
    // First touch before anything else, so that every request misses the cache.
    say!("validate across all keys, first touch (cache misses)");
    let cold = wrk
        .with_seconds(args.seconds.min(5))
        .run(VALIDATE, Some(&scripts.all_keys))?;
    // Long enough, at the cold rate, to touch every key at least once.
    let warm_up = (args.licenses as f64 / cold.requests_per_second.max(500.0) * 1.3)
        .ceil()
        .clamp(5.0, 120.0) as u32;
    say!("warming the cache over every key ({warm_up} s)");
    wrk.with_seconds(warm_up)
        .run(VALIDATE, Some(&scripts.all_keys))?;
    let flush = std::time::Duration::from_secs(USAGE_FLUSH_SECONDS);
    // The warm-up's counters are written before round 1, charged to nothing.
    wrk.drain(flush);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut rounds = Vec::new();
    for round in 1..=args.rounds {
        let of = args.rounds;
        // The warm run's counters are written up to a flush interval after it ends:
        // that work is waited out, so that it falls on no other run, and charged to the
        // warm run as run time.
        say!("round {round} of {of}: validate across all keys, warm");
        let warm = wrk.run(VALIDATE, Some(&scripts.all_keys))?;
        say!("round {round} of {of}: waiting for the warm run's counters to be written");
        let warm_after = wrk.drain(flush);
        let warm_measured_rps = warm.requests_per_second;
        let warm = warm.charged_with(warm_after.unwrap_or(0.0), args.seconds, cores);
        say!("round {round} of {of}: validate, one hot key, a distinct nonce per request");
        let hot = wrk.run(VALIDATE, Some(&scripts.hot))?;
        say!("round {round} of {of}: GET /v1/health");
        let health = wrk.run("/v1/health", None)?;
        rounds.push(Round {
            health,
            hot,
            warm,
            warm_measured_rps,
            warm_after,
        });
    }
    let of_rounds = |pick: fn(&Round) -> &Measurement| {
        median::median(&rounds.iter().map(|r| pick(r).clone()).collect::<Vec<_>>())
    };
    let paired = |pick: fn(&Round) -> &Measurement| {
        median::median_ratio(rounds.iter().map(|r| r.ratio(pick)))
    };
    let mut rows = vec![
        Row {
            scenario: "GET /v1/health",
            result: of_rounds(|r| &r.health),
            paired_ratio: Some(1.0),
        },
        Row {
            scenario: "validate, one hot key (signed, distinct nonces)",
            result: of_rounds(|r| &r.hot),
            paired_ratio: paired(|r| &r.hot),
        },
        Row {
            scenario: "validate, first touch of each key (cold)",
            result: cold,
            paired_ratio: None,
        },
        Row {
            scenario: "validate across all keys (warm)",
            result: of_rounds(|r| &r.warm),
            paired_ratio: paired(|r| &r.warm),
        },
    ];
    // The same hot-key run with wrk as an ordinary task, to show what yielding buys.
    let hot_preempting = if wrk.batch {
        say!("validate, one hot key, wrk scheduled as an ordinary task");
        Some(wrk.preempting().run(VALIDATE, Some(&scripts.hot))?)
    } else {
        None
    };
    say!("activate/deactivate pairs");
    rows.push(Row {
        scenario: "activate + deactivate pairs",
        result: wrk.run("/v1/licenses/activate", Some(&scripts.pairs))?,
        paired_ratio: None,
    });

    let peak_rss_kib = server.peak_rss_kib();
    let limiter = limiter_cost::measure(
        &target,
        &release_dir,
        &work,
        &master_key,
        &wrk,
        &scripts.hot,
    )?;
    let signature_us = signature_cost_us();
    drop(server);

    let mut report = report::Report {
        rows: &rows,
        peak_rss_kib,
        signature_us,
        batch: wrk.batch,
        hot_preempting,
        rounds: &rounds,
        args,
    }
    .render();
    report.push_str(&limiter_cost::render(&limiter));
    println!("{report}");
    if !args.no_write {
        // Keep the sections other commands own (`seed-analytics`).
        let path = root.join("docs/benchmarks.md");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let mut report = report;
        if let Some(analytics) = crate::docs_section::section(&old, "analytics") {
            report = format!("{}\n\n{analytics}\n", report.trim_end());
        }
        std::fs::write(&path, &report).context("writing docs/benchmarks.md")?;
        say!("wrote docs/benchmarks.md");
    }
    Ok(0)
}

/// µs of CPU for one Ed25519 signature of a typical answer, single-threaded.
fn signature_cost_us() -> f64 {
    let Ok((key, _)) = licentia_domain::signing::SigningKey::generate() else {
        return f64::NAN;
    };
    let body = [b'x'; 400];
    let rounds = 20_000u32;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(key.sign(std::hint::black_box(&body)));
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
}

#[cfg(test)]
mod tests {
    use super::{Measurement, Row};

    fn row(requests_per_second: f64, paired_ratio: Option<f64>) -> Row {
        Row {
            scenario: "validate",
            result: Measurement {
                requests_per_second,
                p50: "1.00ms".into(),
                p99: "5.00ms".into(),
                cpu_us_per_request: None,
                kernel_cpu_us_per_request: None,
                switches_per_request: None,
                load_cpu_us_per_request: None,
                idle_percent: None,
                non_2xx: 0,
            },
            paired_ratio,
        }
    }

    #[test]
    fn a_row_paired_with_health_gives_the_rounds_ratio_and_others_their_medians() {
        assert_eq!(row(40_000.0, Some(0.31)).ratio_to(100_000.0), 0.31);
        assert_eq!(row(8_000.0, None).ratio_to(100_000.0), 0.08);
    }
}
