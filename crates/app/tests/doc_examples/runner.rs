//! Runs a file's steps in order in one bash session (`set -euo pipefail`) against a
//! server, then checks each step's expected output.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::convention::{DOC_ADDRESS, Step};

/// How long one file's examples may take.
const TIMEOUT_SECONDS: u32 = 180;

const MARKER: &str = "@@licentia-doc-step ";

/// One bash script: every step, each announced by a marker on stdout and stderr.
pub(crate) fn script(steps: &[Step], address: &str) -> String {
    let mut script = String::from(
        "set -euo pipefail\n\
         __doc_step() { printf '\\n%s%s@@\\n' '@@licentia-doc-step ' \"$1\"; \
         printf '\\n%s%s@@\\n' '@@licentia-doc-step ' \"$1\" >&2; }\n",
    );
    for (index, step) in steps.iter().enumerate() {
        script.push_str(&format!("__doc_step {index}\n"));
        script.push_str(&step.block.body.replace(DOC_ADDRESS, address));
        script.push('\n');
    }
    script.push_str(&format!("__doc_step {}\n", steps.len()));
    script
}

/// A stream cut at the markers: the text each step wrote, by step index.
pub(crate) fn split(stream: &str, steps: usize) -> Vec<String> {
    let mut parts = vec![String::new(); steps + 1];
    let mut current: Option<usize> = None;
    for line in stream.lines() {
        if let Some(index) = line
            .strip_prefix(MARKER)
            .and_then(|rest| rest.strip_suffix("@@"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            current = Some(index.min(steps));
            continue;
        }
        if let Some(index) = current {
            parts[index].push_str(line);
            parts[index].push('\n');
        }
    }
    parts
}

/// The last step that started, from the markers in `stream`.
fn last_started(stream: &str) -> Option<usize> {
    stream
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(MARKER)?.strip_suffix("@@")?.parse().ok())
}

/// Why a file's examples failed, told with the doc's own line numbers.
pub(crate) fn run(file: &str, steps: &[Step], address: &str, workdir: &Path) -> Result<(), String> {
    // Output goes to files, not pipes, so a process a block left in the background (a
    // webhook receiver) cannot hold the run open; `timeout` leads a process group of
    // its own, and whatever is left of it is ended once bash is done.
    let out_path = workdir.join(".doc-examples.stdout");
    let err_path = workdir.join(".doc-examples.stderr");
    let file_for = |path: &Path| {
        std::fs::File::create(path).map_err(|e| format!("{file}: {}: {e}", path.display()))
    };
    let mut child = Command::new("timeout")
        .arg(TIMEOUT_SECONDS.to_string())
        .args(["bash", "--noprofile", "--norc", "-c"])
        .arg(script(steps, address))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", workdir)
        .env("LC_ALL", "C.UTF-8")
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(file_for(&out_path)?)
        .stderr(file_for(&err_path)?)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{file}: cannot start bash: {e}"))?;
    let status = child.wait();
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let status = status.map_err(|e| format!("{file}: bash did not finish: {e}"))?;
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let outs = split(&stdout, steps.len());
    let errs = split(&stderr, steps.len());
    if !status.success() {
        let failed = last_started(&stdout).unwrap_or(0);
        let Some(step) = steps.get(failed) else {
            return Err(format!("{file}: the examples failed ({})", status));
        };
        return Err(format!(
            "{file}:{}: this block failed ({}{}):\n{}\n--- its stdout:\n{}--- its stderr:\n{}",
            step.block.line,
            status,
            match status.code() {
                Some(124) => ", timed out",
                Some(1) => "; `jq -e` exits 1 when a field is missing or null",
                _ => "",
            },
            step.block.body.trim_end(),
            outs[failed],
            errs[failed],
        ));
    }
    let mut problems = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let Some(expected) = &step.expected else {
            continue;
        };
        if !matches(&expected.body, &outs[index]) {
            problems.push(format!(
                "{file}:{}: the output of the block at line {} differs.\n--- expected:\n{}\n--- got:\n{}",
                expected.line,
                step.block.line,
                normalise(&expected.body),
                normalise(&outs[index]),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n\n"))
    }
}

/// Lines without trailing spaces, without blank lines around them.
fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |l| l + 1);
    lines[first..last].join("\n")
}

/// Whether `actual` is `expected`, where each `…` in `expected` stands for any text.
pub(crate) fn matches(expected: &str, actual: &str) -> bool {
    let (expected, actual) = (normalise(expected), normalise(actual));
    let parts: Vec<&str> = expected.split('…').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return expected == actual;
    };
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_match_exactly_or_around_ellipses() {
        assert!(matches("VALID\n", "\nVALID  \n\n"));
        assert!(!matches("VALID", "INVALID"));
        assert!(matches(
            "{\"id\":\"…\",\"status\":\"ACTIVE\"}",
            "{\"id\":\"0193\",\"status\":\"ACTIVE\"}"
        ));
        assert!(!matches(
            "{\"id\":\"…\",\"status\":\"ACTIVE\"}",
            "{\"id\":\"0193\",\"status\":\"REVOKED\"}"
        ));
        assert!(matches("LIC-…", "LIC-ABCDE-12345"));
        assert!(matches("a\n…\nz", "a\nb\nc\nz"));
        assert!(!matches("a…a", "a"), "the parts may not overlap");
    }

    #[test]
    fn streams_split_at_the_markers() {
        let stream = "\n@@licentia-doc-step 0@@\none\n\n@@licentia-doc-step 1@@\ntwo\nthree\n\n@@licentia-doc-step 2@@\n";
        let parts = split(stream, 2);
        assert_eq!(normalise(&parts[0]), "one");
        assert_eq!(normalise(&parts[1]), "two\nthree");
        assert_eq!(last_started(stream), Some(2));
    }
}
