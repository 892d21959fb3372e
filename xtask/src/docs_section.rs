//! Sections of a generated document that one command owns and others keep: between
//! `<!-- {name}:start -->` and `<!-- {name}:end -->`.

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    )
}

/// The section `name` of `doc`, markers included, if there is one.
pub(crate) fn section(doc: &str, name: &str) -> Option<String> {
    let (start, end) = markers(name);
    let from = doc.find(&start)?;
    let to = doc[from..].find(&end)? + from + end.len();
    Some(doc[from..to].to_owned())
}

/// `doc` with the section `name` holding `body` (appended when missing).
pub(crate) fn replace(doc: &str, name: &str, body: &str) -> String {
    let (start, end) = markers(name);
    let block = format!("{start}\n{}\n{end}", body.trim_end());
    match section(doc, name) {
        Some(old) => doc.replacen(&old, &block, 1),
        None if doc.trim().is_empty() => format!("{block}\n"),
        None => format!("{}\n\n{block}\n", doc.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_appended_then_replaced_in_place() {
        let doc = replace("# Benchmarks\n\ntext\n", "analytics", "one");
        assert_eq!(
            doc,
            "# Benchmarks\n\ntext\n\n<!-- analytics:start -->\none\n<!-- analytics:end -->\n"
        );
        let again = replace(&format!("{doc}\nafter\n"), "analytics", "two");
        assert!(again.contains("<!-- analytics:start -->\ntwo\n<!-- analytics:end -->\n\nafter"));
        assert_eq!(again.matches("analytics:start").count(), 1);
    }
}
