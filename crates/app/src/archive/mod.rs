//! Account archives (`licentia admin export|import`): a whole account as JSON lines,
//! to move it between servers. The format is specified in `docs/export-import.md`;
//! the repository side is the `AccountArchive` port.
//!
//! Invariant: an import trusts nothing in the file. Every line is parsed by the
//! domain's constructors, the repository checks order, ownership and references, and
//! everything is written in one transaction or not at all.

mod export;
mod import;
pub mod line;
pub mod lines;
mod progress;

pub use export::export;
pub use import::{LineError, Truncated, import};
