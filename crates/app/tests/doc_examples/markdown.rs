//! The fenced code blocks of a markdown file: where each starts, its language and
//! attributes (the info string), and its text.

/// One fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The first word of the info string (`sh`, `json`, …), lower-cased; empty when none.
    pub lang: String,
    /// The other words of the info string (`no-run`, `output`, …).
    pub attrs: Vec<String>,
    /// The lines between the fences, with the opening fence's indentation removed.
    pub body: String,
}

impl Block {
    /// Whether the info string carries `attr`.
    pub(crate) fn has(&self, attr: &str) -> bool {
        self.attrs.iter().any(|a| a == attr)
    }
}

/// An opening fence: its indentation, character, length and info string.
struct Fence<'a> {
    indent: usize,
    mark: char,
    len: usize,
    info: &'a str,
}

/// Any indentation is accepted: fences inside list items are indented.
fn fence(line: &str) -> Option<Fence<'_>> {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let mark = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|c| *c == mark).count();
    (len >= 3).then_some(Fence {
        indent,
        mark,
        len,
        info: trimmed[len..].trim(),
    })
}

/// Every fenced block of `text`, in order. An unclosed fence runs to the end of the
/// file, as CommonMark renders it.
pub(crate) fn blocks(text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let Some(open) = fence(line) else { continue };
        let mut words = open.info.split_whitespace();
        let lang = words.next().unwrap_or_default().to_lowercase();
        let attrs = words.map(str::to_owned).collect();
        let mut body = String::new();
        for (_, inner) in lines.by_ref() {
            if let Some(close) = fence(inner)
                && close.mark == open.mark
                && close.len >= open.len
                && close.info.is_empty()
            {
                break;
            }
            let strip = inner.len() - inner.trim_start_matches(' ').len();
            body.push_str(&inner[strip.min(open.indent)..]);
            body.push('\n');
        }
        found.push(Block {
            line: index + 1,
            lang,
            attrs,
            body,
        });
    }
    found
}

/// The settings a file asks its examples' server to run with, from a comment such as
/// `<!-- doc-examples: LICENTIA_WEBHOOKS_ALLOW_HTTP=true -->` (invisible when rendered;
/// the prose must tell the reader to start the server the same way).
pub(crate) fn server_env(text: &str) -> Vec<(String, String)> {
    let mut env = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!-- doc-examples:") {
        let after = &rest[start + "<!-- doc-examples:".len()..];
        let Some(end) = after.find("-->") else { break };
        for pair in after[..end].split_whitespace() {
            if let Some((name, value)) = pair.split_once('=') {
                env.push((name.to_owned(), value.to_owned()));
            }
        }
        rest = &after[end..];
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_carry_their_line_language_attributes_and_text() {
        let text =
            "# Title\n\n```sh no-run\ncargo xtask dev\n```\n\ntext\n\n```json\n{\"a\": 1}\n```\n";
        let found = blocks(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, 3);
        assert_eq!(found[0].lang, "sh");
        assert_eq!(found[0].attrs, vec!["no-run".to_owned()]);
        assert_eq!(found[0].body, "cargo xtask dev\n");
        assert_eq!(found[1].line, 9);
        assert_eq!(found[1].lang, "json");
        assert!(found[1].attrs.is_empty());
    }

    #[test]
    fn indented_blocks_lose_their_indentation_and_longer_fences_hold_shorter_ones() {
        let text = "1. Step\n\n   ```sh\n   curl -fsS x\n     two\n   ```\n\n````md\n```sh\nnot a block\n```\n````\n";
        let found = blocks(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].body, "curl -fsS x\n  two\n");
        assert_eq!(found[1].lang, "md");
        assert_eq!(found[1].body, "```sh\nnot a block\n```\n");
    }

    #[test]
    fn tildes_fence_too_and_an_unclosed_fence_runs_to_the_end() {
        let found = blocks("~~~bash\necho hi\n~~~\n```text\nopen\n");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].lang, "bash");
        assert_eq!(found[1].body, "open\n");
    }

    #[test]
    fn the_server_environment_comes_from_doc_examples_comments() {
        let text = "<!-- doc-examples: A=true B=1 -->\ntext\n<!-- doc-examples: C=x -->";
        let env = server_env(text);
        assert_eq!(
            env,
            vec![
                ("A".to_owned(), "true".to_owned()),
                ("B".to_owned(), "1".to_owned()),
                ("C".to_owned(), "x".to_owned())
            ]
        );
        assert!(server_env("<!-- other -->").is_empty());
    }
}
