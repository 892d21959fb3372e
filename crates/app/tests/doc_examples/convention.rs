//! Which blocks of a markdown file run, and the rules that keep every `curl` tested
//! (the convention is written down in `docs/README.md`, "Examples are tested"):
//!
//! - a block fenced `sh`, `bash` or `shell` runs when it calls `curl`, or when it is
//!   tagged `run`; a block tagged `no-run` never runs (and is counted as skipped);
//! - a block tagged `output` is the expected standard output of the block that runs
//!   just before it (`…` stands for any text);
//! - a block in any other language may not call `curl` unless tagged `no-run`;
//! - every `curl` of a run block without an `output` block fails on an HTTP error
//!   (`-f`, `--fail` or `--fail-with-body`), so a wrong path or body fails the test;
//! - run blocks reach the server as `http://127.0.0.1:8080` (the dev server's address,
//!   which the test replaces with its own server's), never another `:8080` spelling.

use crate::markdown::Block;

/// The dev server's address as the docs write it.
pub(crate) const DOC_ADDRESS: &str = "http://127.0.0.1:8080";

/// A block to run, and the output expected of it.
#[derive(Debug)]
pub(crate) struct Step {
    pub block: Block,
    pub expected: Option<Block>,
}

/// What a file's examples are.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    /// Blocks tagged `no-run` that call `curl`.
    pub skipped_curl_blocks: Vec<Block>,
}

impl Plan {
    /// How many `curl` calls the steps make.
    pub(crate) fn curl_calls(&self) -> usize {
        self.steps
            .iter()
            .map(|s| curl_calls(&s.block.body).len())
            .sum()
    }
}

fn is_shell(block: &Block) -> bool {
    matches!(block.lang.as_str(), "sh" | "bash" | "shell")
}

/// Whether `block` is run.
pub(crate) fn runs(block: &Block) -> bool {
    is_shell(block)
        && !block.has("no-run")
        && !block.has("output")
        && (block.has("run") || !curl_calls(&block.body).is_empty())
}

/// The plan of a file's blocks, or every rule they break (`file:line: problem`).
pub(crate) fn plan(file: &str, blocks: &[Block]) -> Result<Plan, Vec<String>> {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    let mut last_was_step = false;
    for block in blocks {
        let at = format!("{file}:{}", block.line);
        let calls = curl_calls(&block.body);
        if block.has("output") {
            match plan.steps.last_mut() {
                Some(step) if last_was_step && step.expected.is_none() => {
                    step.expected = Some(block.clone());
                }
                _ => problems.push(format!(
                    "{at}: an `output` block must come right after the block that runs"
                )),
            }
            last_was_step = false;
            continue;
        }
        last_was_step = false;
        if block.has("no-run") {
            if !calls.is_empty() {
                plan.skipped_curl_blocks.push(block.clone());
            }
            continue;
        }
        if runs(block) {
            plan.steps.push(Step {
                block: block.clone(),
                expected: None,
            });
            last_was_step = true;
        } else if !calls.is_empty() {
            problems.push(format!(
                "{at}: a `{}` block calls curl: fence it `sh` so it runs, or tag it `no-run`",
                block.lang
            ));
        }
    }
    for step in &plan.steps {
        let at = format!("{file}:{}", step.block.line);
        let body = step.block.body.replace(DOC_ADDRESS, "");
        if body.contains(":8080") {
            problems.push(format!(
                "{at}: reach the server as {DOC_ADDRESS} (the test replaces exactly that)"
            ));
        }
        if step.expected.is_none() {
            for call in curl_calls(&step.block.body) {
                if !fails_on_http_errors(&call) {
                    problems.push(format!(
                        "{at}: `{}` does not fail on an HTTP error: add -f (or an `output` block)",
                        call.trim()
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// The `curl` commands of a shell text, each from `curl` to the end of its command
/// (backslash-continued lines joined; comment lines ignored).
pub(crate) fn curl_calls(script: &str) -> Vec<String> {
    let joined = script.replace("\\\n", " ");
    let mut calls = Vec::new();
    for line in joined.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut rest = line;
        while let Some(position) = find_command(rest, "curl") {
            let after = &rest[position + "curl".len()..];
            let end = ["|", ";", "&&", ")"]
                .iter()
                .filter_map(|stop| after.find(stop))
                .min()
                .unwrap_or(after.len());
            calls.push(format!("curl{}", &after[..end]));
            rest = &after[end..];
        }
    }
    calls
}

/// Where `word` stands as a command word in `text` (not part of a longer word).
fn find_command(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let start = from + found;
        let end = start + word.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "(|;&`$".contains(c));
        let after_ok = text[end..].chars().next().is_none_or(char::is_whitespace);
        if before_ok && after_ok {
            return Some(start);
        }
        from = end;
    }
    None
}

/// Whether a `curl` command has `-f` (alone or among short options), `--fail` or
/// `--fail-with-body`.
fn fails_on_http_errors(call: &str) -> bool {
    call.split_whitespace().any(|token| {
        token == "--fail"
            || token == "--fail-with-body"
            || (token.starts_with('-')
                && !token.starts_with("--")
                && token[1..].chars().all(|c| c.is_ascii_alphabetic())
                && token.contains('f'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::blocks;

    fn plan_of(text: &str) -> Result<Plan, Vec<String>> {
        plan("doc.md", &blocks(text))
    }

    #[test]
    fn shell_blocks_with_curl_run_others_do_not() {
        let plan = plan_of(
            "```sh\ncurl -fsS http://127.0.0.1:8080/v1/health\n```\n\
             ```sh\ncargo xtask dev\n```\n\
             ```sh run\nexport A=1\n```\n\
             ```sh no-run\ncurl https://shop.example.com\n```\n\
             ```json\n{}\n```\n",
        )
        .expect("follows the convention");
        let lines: Vec<usize> = plan.steps.iter().map(|s| s.block.line).collect();
        assert_eq!(lines, vec![1, 7]);
        assert_eq!(plan.skipped_curl_blocks.len(), 1);
        assert_eq!(plan.curl_calls(), 1);
    }

    #[test]
    fn a_curl_in_another_language_must_be_tagged_no_run() {
        let problems = plan_of("```console\n$ curl -fsS http://127.0.0.1:8080/v1/health\n```\n")
            .expect_err("refused");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("doc.md:1:"), "{problems:?}");
        plan_of("```console no-run\n$ curl http://example.com\n```\n").expect("skipped");
    }

    #[test]
    fn a_curl_that_ignores_http_errors_needs_an_output_block() {
        let text = "```sh\ncurl -sS -X POST http://127.0.0.1:8080/v1/x \\\n  -d '{}' | jq .\n```\n";
        let problems = plan_of(text).expect_err("refused");
        assert!(
            problems[0].contains("does not fail on an HTTP error"),
            "{problems:?}"
        );
        let checked = format!("{text}\n```text output\n404\n```\n");
        let plan = plan_of(&checked).expect("an output block checks it");
        assert!(plan.steps[0].expected.is_some());
    }

    #[test]
    fn an_output_block_must_follow_a_run_block() {
        let problems =
            plan_of("```sh no-run\ncargo x\n```\n```text output\nx\n```\n").expect_err("refused");
        assert!(problems[0].contains("right after"), "{problems:?}");
    }

    #[test]
    fn run_blocks_name_the_server_one_way() {
        let problems =
            plan_of("```sh\ncurl -fsS localhost:8080/v1/health\n```\n").expect_err("refused");
        assert!(problems[0].contains("reach the server as"), "{problems:?}");
    }

    #[test]
    fn curl_calls_are_found_as_commands_only() {
        let script =
            "# curl in a comment\nX=$(curl -fsS a | jq .)\necho curly\ncurl -f b; curl c\n";
        assert_eq!(
            curl_calls(script),
            vec!["curl -fsS a ", "curl -f b", "curl c"]
        );
        assert!(fails_on_http_errors("curl -sSf x"));
        assert!(fails_on_http_errors("curl --fail-with-body x"));
        assert!(!fails_on_http_errors("curl -sS -d '-f' --data-raw x"));
        assert!(!fails_on_http_errors("curl -sS -H x-f: x"));
    }
}
