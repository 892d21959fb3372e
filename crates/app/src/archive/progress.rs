//! Progress of a long export or import on stderr (stdout may be the data): a line
//! every N records, and a summary of the counts per kind.

use std::time::Instant;

use licentia_ports::RecordKind;

/// Counts records as they pass.
#[derive(Debug)]
pub(super) struct Progress {
    verb: &'static str,
    every: u64,
    started: Instant,
    counts: [u64; RecordKind::ALL.len()],
    total: u64,
}

impl Progress {
    /// Reports "`verb` N records" every `every` records (never when 0).
    pub(super) fn new(verb: &'static str, every: u64) -> Self {
        Self {
            verb,
            every,
            started: Instant::now(),
            counts: [0; RecordKind::ALL.len()],
            total: 0,
        }
    }

    /// Counts one record.
    pub(super) fn count(&mut self, kind: RecordKind) {
        self.counts[kind as usize] += 1;
        self.total += 1;
        if self.every > 0 && self.total % self.every == 0 {
            eprintln!(
                "{} {} records ({:.1}s)",
                self.verb,
                self.total,
                self.started.elapsed().as_secs_f64()
            );
        }
    }

    /// Records counted so far.
    pub(super) fn total(&self) -> u64 {
        self.total
    }

    /// `12 records in 0.4s: account 1, product 2, license 9`.
    pub(super) fn summary(&self) -> String {
        let kinds: Vec<String> = RecordKind::ALL
            .iter()
            .zip(self.counts)
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| format!("{} {n}", kind.name()))
            .collect();
        format!(
            "{} records in {:.1}s: {}",
            self.total,
            self.started.elapsed().as_secs_f64(),
            kinds.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_each_kind_in_archive_order() {
        let mut progress = Progress::new("exported", 0);
        for kind in [
            RecordKind::License,
            RecordKind::Account,
            RecordKind::License,
            RecordKind::Product,
        ] {
            progress.count(kind);
        }
        assert_eq!(progress.total(), 4);
        let summary = progress.summary();
        assert!(summary.starts_with("4 records in "), "{summary}");
        assert!(
            summary.ends_with(": account 1, product 1, license 2"),
            "{summary}"
        );
    }
}
