//! `cargo xtask bench`: the release server on a fresh database with 100 000 licenses,
//! driven by wrk on loopback; writes the results to docs/benchmarks.md.

mod limiter_cost;
mod scripts;
mod seed;
pub(crate) mod server;
mod wrk;

use std::fmt::Write as _;
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
            env: &[],
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
    };
    let mut rows = Vec::new();
    say!("GET /v1/health");
    rows.push(Row {
        scenario: "GET /v1/health",
        result: wrk.run("/v1/health", None)?,
    });
    say!("validate, one hot key, a distinct nonce per request");
    rows.push(Row {
        scenario: "validate, one hot key (signed, distinct nonces)",
        result: wrk.run("/v1/licenses/validate", Some(&scripts.hot))?,
    });
    say!("validate across all keys, first touch (cache misses)");
    let cold = wrk
        .with_seconds(args.seconds.min(5))
        .run("/v1/licenses/validate", Some(&scripts.all_keys))?;
    // Long enough, at the cold rate, to touch every key at least once.
    let warm_up = (args.licenses as f64 / cold.requests_per_second.max(500.0) * 1.3)
        .ceil()
        .clamp(5.0, 120.0) as u32;
    rows.push(Row {
        scenario: "validate, first touch of each key (cold)",
        result: cold,
    });
    say!("warming the cache over every key ({warm_up} s)");
    wrk.with_seconds(warm_up)
        .run("/v1/licenses/validate", Some(&scripts.all_keys))?;
    say!("validate across all keys, warm");
    rows.push(Row {
        scenario: "validate across all keys (warm)",
        result: wrk.run("/v1/licenses/validate", Some(&scripts.all_keys))?,
    });
    say!("activate/deactivate pairs");
    rows.push(Row {
        scenario: "activate + deactivate pairs",
        result: wrk.run("/v1/licenses/activate", Some(&scripts.pairs))?,
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

    let mut report = render(&rows, peak_rss_kib, signature_us, args);
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

/// Where the machine's CPU went per request: server, wrk, and what is left (PostgreSQL,
/// the kernel outside both, idle).
fn machine_budget(what: &str, r: &wrk::Measurement) -> String {
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

fn render(rows: &[Row], peak_rss_kib: Option<u64>, signature_us: f64, args: &BenchArgs) -> String {
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
         wrk on loopback with {} connections and 2 threads, {} s per run (the cold run at most 5 s, \
         so that every request touches a new key). Logs at `warn`. The load generator shares the \
         two cores with the server and PostgreSQL, so absolute figures understate a real deployment; \
         the ratios are what the targets are set on.\n",
        args.licenses, args.connections, args.seconds
    );
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
            r.requests_per_second / health,
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
        "| one Ed25519 signature (ring, 400-byte body), single thread | {signature_us:.1} µs |"
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
        if let Some(cold_cpu) = cpu(2) {
            let _ = writeln!(
                out,
                "- A cache miss adds one prepared statement (license, domains and activations in one \
                 round trip): {cold_cpu:.1} µs of server CPU per cold validation, plus PostgreSQL's own."
            );
        }
    }
    let _ = writeln!(out, "\n## Targets\n");
    let hot = rows.get(1).map_or(0.0, |r| r.result.requests_per_second);
    let warm = rows.get(3).map_or(0.0, |r| r.result.requests_per_second);
    let cold = rows.get(2).map_or(0.0, |r| r.result.requests_per_second);
    let check = |ok: bool| if ok { "met" } else { "**missed**" };
    let _ = writeln!(
        out,
        "- hot-key validate ≥ 30% of health: {:.0}% — {}",
        hot / health * 100.0,
        check(hot / health >= 0.30)
    );
    let _ = writeln!(
        out,
        "- warm validate across all keys ≥ 25% of health: {:.0}% — {}",
        warm / health * 100.0,
        check(warm / health >= 0.25)
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
    let _ = writeln!(
        out,
        "- hot-key p99 under 10 ms at {} connections: {}",
        args.connections,
        rows.get(1).map_or("n/a".into(), |r| r.result.p99.clone())
    );
    out
}
