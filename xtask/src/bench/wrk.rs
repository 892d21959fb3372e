//! Running wrk and reading its report; where the CPU went (server, load generator,
//! idle) from `/proc`.
//!
//! wrk runs as a batch task (`chrt --batch 0`, Linux's `SCHED_BATCH`) where it can:
//! on a machine it shares with the server, every answer wakes a wrk thread, and an
//! ordinary task woken that way preempts the server in the middle of a request. A batch
//! task waits for its turn instead, as remote clients would not take the server's CPU
//! at all. Every scenario runs the same way, so the ratios stay like for like.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// What one run measured.
#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    pub(crate) requests_per_second: f64,
    pub(crate) p50: String,
    pub(crate) p99: String,
    pub(crate) cpu_us_per_request: Option<f64>,
    /// The part of the server's CPU time spent in the kernel, per request.
    pub(crate) kernel_cpu_us_per_request: Option<f64>,
    /// Times the server's threads were switched out (voluntarily or not), per request.
    pub(crate) switches_per_request: Option<f64>,
    /// wrk's own CPU time (user + system) per request.
    pub(crate) load_cpu_us_per_request: Option<f64>,
    /// Share of the machine's CPU time that nobody used during the run.
    pub(crate) idle_percent: Option<f64>,
    pub(crate) non_2xx: u64,
}

/// A wrk configuration against one server.
#[derive(Debug, Clone)]
pub(crate) struct Wrk {
    pub(crate) base: String,
    pub(crate) connections: u32,
    pub(crate) seconds: u32,
    pub(crate) pid: u32,
    /// Run wrk as a `SCHED_BATCH` task (see the module doc).
    pub(crate) batch: bool,
}

/// Whether `chrt` can start wrk as a `SCHED_BATCH` task here.
pub(crate) fn batch_scheduling_available() -> bool {
    Command::new("chrt")
        .args(["--batch", "0", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs wrk with apt-get on Debian/Ubuntu as root, or explains how.
pub(crate) fn ensure_installed() -> Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    if Path::new("/etc/debian_version").exists() && root {
        say!("wrk is missing; installing it with apt-get");
        let ok = Command::new("apt-get")
            .args(["install", "-y", "-q", "wrk"])
            .status()
            .is_ok_and(|s| s.success())
            || (Command::new("apt-get")
                .args(["update", "-q"])
                .status()
                .is_ok_and(|s| s.success())
                && Command::new("apt-get")
                    .args(["install", "-y", "-q", "wrk"])
                    .status()
                    .is_ok_and(|s| s.success()));
        if ok {
            return Ok(());
        }
    }
    bail!(
        "wrk is not installed: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) and run again"
    )
}

/// A process's (user, system) CPU ticks.
fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    Some((fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?))
}

/// Context switches of all of a process's threads so far.
fn context_switches(pid: u32) -> Option<u64> {
    let mut switches = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let status = std::fs::read_to_string(task.ok()?.path().join("status")).ok()?;
        switches += status
            .lines()
            .filter(|l| l.contains("ctxt_switches:"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum::<u64>();
    }
    Some(switches)
}

/// CPU time (user + system, in ticks) of this process's waited-for children: wrk's,
/// once `output()` has reaped it.
fn children_cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 after the name.
    Some(fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?)
}

/// The machine's (idle, total) CPU ticks from the first line of `/proc/stat`.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some((idle, ticks.iter().take(8).sum()))
}

/// Waits until the machine is quiet — what a run leaves behind (PostgreSQL writing
/// flushed counters, autovacuum) finished — so that it does not weigh on the next run:
/// until a second passes with the cores at least 90% idle, for at most 20 s.
pub(crate) fn settle() {
    for _ in 0..20 {
        let before = machine_ticks();
        std::thread::sleep(std::time::Duration::from_secs(1));
        if let (Some((idle_b, total_b)), Some((idle_a, total_a))) = (before, machine_ticks())
            && total_a > total_b
            && (idle_a - idle_b) as f64 / (total_a - total_b) as f64 >= 0.9
        {
            return;
        }
    }
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

impl Measurement {
    /// This run's throughput had `after_cpu_seconds` of work it left behind been done
    /// during its `seconds`, on `cores` cores: that work is charged as run time.
    pub(crate) fn charged_with(
        mut self,
        after_cpu_seconds: f64,
        seconds: u32,
        cores: usize,
    ) -> Self {
        let seconds = f64::from(seconds.max(1));
        let extra = after_cpu_seconds.max(0.0) / cores.max(1) as f64;
        self.requests_per_second *= seconds / (seconds + extra);
        self
    }
}

/// CPU ticks (user + system) of every PostgreSQL process on this machine so far.
fn postgres_ticks() -> u64 {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return 0;
    };
    processes
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "postgres")
        })
        .filter_map(|pid| cpu_ticks(pid).map(|(user, system)| user + system))
        .sum()
}

impl Wrk {
    /// Waits until the server's next usage flush has come and gone and the machine is
    /// quiet again, and returns the CPU seconds the server and PostgreSQL spent
    /// meanwhile: what writing the last run's buffered counters cost once the run was
    /// over, which would otherwise fall on the next run.
    pub(crate) fn drain(&self, flush_interval: std::time::Duration) -> Option<f64> {
        let server = |pid| cpu_ticks(pid).map(|(user, system)| user + system);
        let (server_before, postgres_before) = (server(self.pid)?, postgres_ticks());
        std::thread::sleep(flush_interval + std::time::Duration::from_secs(1));
        settle();
        let (server_after, postgres_after) = (server(self.pid)?, postgres_ticks());
        let ticks = server_after.saturating_sub(server_before)
            + postgres_after.saturating_sub(postgres_before);
        Some(ticks as f64 / clock_ticks_per_second())
    }

    /// The same configuration with another duration.
    pub(crate) fn with_seconds(&self, seconds: u32) -> Self {
        Self {
            seconds,
            ..self.clone()
        }
    }

    /// The same configuration with wrk as an ordinary (preempting) task.
    pub(crate) fn preempting(&self) -> Self {
        Self {
            batch: false,
            ..self.clone()
        }
    }

    /// Runs wrk against `path`, with `script` when given, once the machine is quiet.
    pub(crate) fn run(&self, path: &str, script: Option<&Path>) -> Result<Measurement> {
        settle();
        let mut command = if self.batch {
            let mut chrt = Command::new("chrt");
            chrt.args(["--batch", "0", "wrk"]);
            chrt
        } else {
            Command::new("wrk")
        };
        command.args([
            "-t2",
            &format!("-c{}", self.connections),
            &format!("-d{}s", self.seconds),
            "--latency",
            "--timeout",
            "10s",
        ]);
        if let Some(script) = script {
            command.arg("-s").arg(script);
        }
        command.arg(format!("{}{path}", self.base));
        let before = cpu_ticks(self.pid);
        let switches_before = context_switches(self.pid);
        let load_before = children_cpu_ticks();
        let machine_before = machine_ticks();
        let output = command.output().context("running wrk")?;
        let after = cpu_ticks(self.pid);
        let switches_after = context_switches(self.pid);
        let load_after = children_cpu_ticks();
        let machine_after = machine_ticks();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!(
                "wrk failed: {}{}",
                text,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let requests = parse_requests(&text);
        let per_request = |before: Option<u64>, after: Option<u64>| match (before, after, requests)
        {
            (Some(b), Some(a), Some(n)) if n > 0 => Some(a.saturating_sub(b) as f64 / n as f64),
            _ => None,
        };
        let us_per_request = |before: Option<u64>, after: Option<u64>| {
            per_request(before, after).map(|ticks| ticks / clock_ticks_per_second() * 1e6)
        };
        let total = |ticks: Option<(u64, u64)>| ticks.map(|(user, system)| user + system);
        let system = |ticks: Option<(u64, u64)>| ticks.map(|(_, system)| system);
        let idle_percent = match (machine_before, machine_after) {
            (Some((idle_b, total_b)), Some((idle_a, total_a))) if total_a > total_b => {
                Some(idle_a.saturating_sub(idle_b) as f64 / (total_a - total_b) as f64 * 100.0)
            }
            _ => None,
        };
        Ok(Measurement {
            requests_per_second: parse_after(&text, "Requests/sec:")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0),
            p50: latency(&text, "50%"),
            p99: latency(&text, "99%"),
            cpu_us_per_request: us_per_request(total(before), total(after)),
            kernel_cpu_us_per_request: us_per_request(system(before), system(after)),
            switches_per_request: per_request(switches_before, switches_after),
            load_cpu_us_per_request: us_per_request(load_before, load_after),
            idle_percent,
            non_2xx: parse_after(&text, "Non-2xx or 3xx responses:")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        })
    }
}

/// "338.00us", "4.99ms", "1.20s" (wrk's latency format) in milliseconds.
pub(crate) fn milliseconds(latency: &str) -> Option<f64> {
    let (number, scale) = if let Some(us) = latency.strip_suffix("us") {
        (us, 1e-3)
    } else if let Some(ms) = latency.strip_suffix("ms") {
        (ms, 1.0)
    } else if let Some(m) = latency.strip_suffix('m') {
        (m, 60e3)
    } else {
        (latency.strip_suffix('s')?, 1e3)
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn parse_after(text: &str, label: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(|v| v.trim().to_owned())
}

fn latency(text: &str, percentile: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with(percentile))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("n/a")
        .to_owned()
}

/// "123456 requests in 10.00s, …"
fn parse_requests(text: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Running 10s test @ http://127.0.0.1:1/v1/health
  2 threads and 64 connections
  Latency Distribution
     50%  1.20ms
     75%  1.50ms
     90%  2.00ms
     99%  4.56ms
  412345 requests in 10.00s, 80.00MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  41234.50
Transfer/sec:      8.00MB
";

    #[test]
    fn the_wrk_report_is_read() {
        assert_eq!(parse_requests(SAMPLE), Some(412_345));
        assert_eq!(latency(SAMPLE, "50%"), "1.20ms");
        assert_eq!(latency(SAMPLE, "99%"), "4.56ms");
        assert_eq!(
            parse_after(SAMPLE, "Requests/sec:").as_deref(),
            Some("41234.50")
        );
        assert_eq!(
            parse_after(SAMPLE, "Non-2xx or 3xx responses:").as_deref(),
            Some("12")
        );
    }

    #[test]
    fn a_process_cpu_time_and_context_switches_are_read_from_proc() {
        let pid = std::process::id();
        // A sleep switches this thread out at least once.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(cpu_ticks(pid).is_some());
        assert!(context_switches(pid).expect("this process's threads") > 0);
    }

    #[test]
    fn work_left_behind_is_charged_as_run_time_on_every_core() {
        let run = Measurement {
            requests_per_second: 30_000.0,
            p50: "1.00ms".into(),
            p99: "5.00ms".into(),
            cpu_us_per_request: Some(40.0),
            kernel_cpu_us_per_request: None,
            switches_per_request: None,
            load_cpu_us_per_request: None,
            idle_percent: None,
            non_2xx: 0,
        };
        // 4 CPU seconds on 2 cores after a 10 s run: as if it had lasted 12 s.
        let charged = run.clone().charged_with(4.0, 10, 2);
        assert_eq!(charged.requests_per_second, 25_000.0);
        assert_eq!(charged.cpu_us_per_request, Some(40.0));
        assert_eq!(run.charged_with(0.0, 10, 2).requests_per_second, 30_000.0);
    }

    #[test]
    fn wrk_latencies_are_read_in_milliseconds() {
        assert_eq!(milliseconds("338.00us"), Some(0.338));
        assert_eq!(milliseconds("4.99ms"), Some(4.99));
        assert_eq!(milliseconds("1.20s"), Some(1200.0));
        assert_eq!(milliseconds("2.00m"), Some(120_000.0));
        assert_eq!(milliseconds("n/a"), None);
    }
}
