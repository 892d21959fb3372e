//! `licentia admin rotate-master-key`: seals every sealed value anew under
//! `LICENTIA_MASTER_KEY` (the new key), opening what `LICENTIA_PREVIOUS_MASTER_KEY`
//! (the key being replaced) sealed, in one transaction. It runs with the environment
//! the servers have during the change, so there is no third variable to get wrong;
//! the keys are read from the environment only, never from arguments (`ps` shows
//! those). The procedure is in docs/operations.md, "The master key".

use anyhow::{anyhow, bail};
use licentia_ports::{ResealOutcome, SealedCounts, SealedKind, SealedRef};

use crate::config::Settings;
use crate::runtime::reseal::Resealer;
use crate::startup::build_state;
use crate::state::AppState;

/// How many records of each kind a refusal names.
const NAMED: usize = 5;

/// Checks that both keys are configured, then seals everything anew.
pub async fn rotate(settings: &Settings) -> anyhow::Result<()> {
    if settings.master_key.is_none() {
        bail!(
            "LICENTIA_MASTER_KEY is not set: set it to the new master key, and \
             LICENTIA_PREVIOUS_MASTER_KEY to the key it replaces"
        );
    }
    let state = build_state(settings).map_err(|e| anyhow!("{e}"))?;
    reseal(&state).await
}

/// Seals every value anew with the state's master key; refuses, writing nothing,
/// when no previous key is configured or some value opens with neither key.
pub async fn reseal(state: &AppState) -> anyhow::Result<()> {
    if state.settings.master_key.is_none() || !state.master_key.has_previous() {
        bail!(
            "LICENTIA_PREVIOUS_MASTER_KEY is not set: set it to the master key being replaced \
             (and LICENTIA_MASTER_KEY to the new one); nothing was changed"
        );
    }
    eprintln!("sealing every sealed value anew under LICENTIA_MASTER_KEY, in one transaction…");
    let resealer = Resealer::new(&state.master_key, |kind: SealedKind, done| {
        eprintln!("  {} done", counted(done, kind));
    });
    let outcome = state
        .sealed_values
        .reseal_all(&resealer, state.clock.now())
        .await
        .map_err(|e| anyhow!("re-sealing: {e}; nothing was changed"))?;
    match outcome {
        ResealOutcome::Refused { unreadable } => bail!("{}", refusal(&unreadable)),
        ResealOutcome::Resealed { resealed, expired } => {
            if resealer.from_previous() == 0 && resealed.total() > 0 {
                eprintln!(
                    "note: nothing was sealed under LICENTIA_PREVIOUS_MASTER_KEY (already \
                     rotated? or are the two keys swapped?)"
                );
            }
            println!(
                "sealed {} value(s) anew under the new master key: {} ({} of them were under the previous key)",
                resealed.total(),
                per_kind(&resealed),
                resealer.from_previous(),
            );
            if expired.total() > 0 {
                println!(
                    "removed as expired instead of sealed anew: {}",
                    per_kind(&expired)
                );
            }
            println!(
                "next: remove LICENTIA_PREVIOUS_MASTER_KEY from every instance and restart them \
                 (keep LICENTIA_MASTER_KEY as it is); keep the old key offline only for \
                 restoring backups taken before now"
            );
            Ok(())
        }
    }
}

/// `2 signing keys, 1 webhook secret, …` (the kinds with a count).
fn per_kind(counts: &SealedCounts) -> String {
    let listed: Vec<String> = SealedKind::ALL
        .iter()
        .filter(|kind| counts.get(**kind) > 0)
        .map(|kind| counted(counts.get(*kind), *kind))
        .collect();
    if listed.is_empty() {
        "nothing".to_owned()
    } else {
        listed.join(", ")
    }
}

/// `1 signing key`, `2 webhook secrets`.
fn counted(n: u64, kind: SealedKind) -> String {
    let noun = match kind {
        SealedKind::SigningKey => "signing key",
        SealedKind::WebhookSecret => "webhook secret",
        SealedKind::PreviousWebhookSecret => "previous webhook secret",
        SealedKind::IdempotentAnswer => "idempotent answer",
    };
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// One line: how many values of each kind open with neither key, and which.
fn refusal(unreadable: &[SealedRef]) -> String {
    let kinds: Vec<String> = SealedKind::ALL
        .iter()
        .filter_map(|kind| {
            let of_kind: Vec<&SealedRef> =
                unreadable.iter().filter(|v| v.kind() == *kind).collect();
            if of_kind.is_empty() {
                return None;
            }
            let mut named: Vec<String> =
                of_kind.iter().take(NAMED).filter_map(|v| name(v)).collect();
            if of_kind.len() > NAMED && !named.is_empty() {
                named.push(format!("and {} more", of_kind.len() - NAMED));
            }
            let count = counted(of_kind.len() as u64, *kind);
            Some(if named.is_empty() {
                count
            } else {
                format!("{count} ({})", named.join(", "))
            })
        })
        .collect();
    format!(
        "refused: {} sealed value(s) open with neither LICENTIA_MASTER_KEY nor \
         LICENTIA_PREVIOUS_MASTER_KEY: {}; nothing was changed",
        unreadable.len(),
        kinds.join(", ")
    )
}

/// How a refusal names a record (stored answers are counted, not named).
fn name(value: &SealedRef) -> Option<String> {
    match value {
        SealedRef::SigningKey { kid } => Some(format!("kid {kid}")),
        SealedRef::WebhookSecret { webhook } | SealedRef::PreviousWebhookSecret { webhook } => {
            Some(format!("webhook {webhook}"))
        }
        SealedRef::IdempotentAnswer { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use licentia_domain::ids::WebhookId;

    use super::*;

    #[test]
    fn a_refusal_is_one_line_counting_and_naming_each_kind() {
        let webhook = WebhookId::generate();
        let mut unreadable = vec![
            SealedRef::SigningKey { kid: "k1".into() },
            SealedRef::PreviousWebhookSecret { webhook },
        ];
        unreadable.extend((0..7).map(|i| SealedRef::IdempotentAnswer {
            scope: "s".into(),
            key: format!("k{i}"),
        }));
        let line = refusal(&unreadable);
        assert_eq!(line.lines().count(), 1);
        assert!(line.starts_with("refused: 9 sealed value(s)"), "{line}");
        assert!(line.contains("1 signing key (kid k1)"), "{line}");
        assert!(
            line.contains(&format!("1 previous webhook secret (webhook {webhook})")),
            "{line}"
        );
        assert!(line.contains("7 idempotent answers;"), "{line}");
        assert!(line.ends_with("nothing was changed"));
    }

    #[test]
    fn a_long_list_is_cut_short() {
        let unreadable: Vec<_> = (0..8)
            .map(|i| SealedRef::SigningKey {
                kid: format!("kid{i}"),
            })
            .collect();
        let line = refusal(&unreadable);
        assert!(line.contains("kid kid4, and 3 more"), "{line}");
        assert!(!line.contains("kid5"), "{line}");
    }
}
