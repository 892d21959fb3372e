//! `admin import`: reads an export line by line, checks the header and the end line,
//! turns each record line into domain values and hands it to the repository, which
//! writes everything in one transaction.

use std::io::{BufRead, Read};

use async_trait::async_trait;
use licentia_domain::email::Email;
use licentia_domain::ids::UserId;
use licentia_ports::{ArchiveError, ArchiveRecord, ArchiveSource, Position};

use super::line::{FORMAT_VERSION, HEADER_KIND, Line};
use super::lines::ImportContext;
use super::progress::Progress;
use crate::runtime::master_key::MasterKey;
use crate::state::AppState;

/// The longest line read: a 1 MiB injectable, escaped.
const MAX_LINE_BYTES: u64 = 8 * 1024 * 1024;

/// A line of the file that cannot be imported.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    pub line: Position,
    pub message: String,
}

/// The input ended before the `end` line.
#[derive(Debug, thiserror::Error)]
#[error(
    "the file ends after line {0} without its `end` line: it is truncated or not a whole export"
)]
pub struct Truncated(pub Position);

/// Reads records from lines.
struct LineSource<'a> {
    input: &'a mut (dyn BufRead + Send),
    master_key: &'a MasterKey,
    allow_http: bool,
    buffer: String,
    line: Position,
    /// The header's account address, until the account line is read.
    header_account: Option<String>,
    owner: Option<UserId>,
    email: Option<Email>,
    ended: bool,
    progress: Progress,
}

impl LineSource<'_> {
    fn fail(&self, message: impl Into<String>) -> ArchiveError {
        ArchiveError::Stream(Box::new(LineError {
            line: self.line,
            message: message.into(),
        }))
    }

    /// The next non-blank line, or `None` at the end of the input.
    fn read(&mut self) -> Result<Option<Line>, ArchiveError> {
        loop {
            self.buffer.clear();
            let read = (&mut *self.input)
                .take(MAX_LINE_BYTES + 1)
                .read_line(&mut self.buffer);
            self.line += 1;
            let read = read.map_err(|e| self.fail(format!("cannot be read: {e}")))?;
            if read == 0 {
                return Ok(None);
            }
            if read as u64 > MAX_LINE_BYTES {
                return Err(self.fail("longer than 8 MiB"));
            }
            if self.buffer.trim().is_empty() {
                continue;
            }
            return Line::parse(self.buffer.trim_end())
                .map(Some)
                .map_err(|e| self.fail(e));
        }
    }

    fn check_header(&mut self, line: Option<Line>) -> Result<(), ArchiveError> {
        match line {
            Some(Line::Header(header)) if header.version == FORMAT_VERSION => {
                self.header_account = Some(header.account);
                Ok(())
            }
            Some(Line::Header(header)) => Err(self.fail(format!(
                "format version {} is not supported (this server reads version {FORMAT_VERSION})",
                header.version
            ))),
            _ => Err(self.fail(format!(
                "not a Licentia export: the first line must be the `{HEADER_KIND}` header"
            ))),
        }
    }
}

#[async_trait]
impl ArchiveSource for LineSource<'_> {
    async fn next(&mut self) -> Result<Option<(Position, ArchiveRecord)>, ArchiveError> {
        if self.line == 0 {
            let first = self.read()?;
            self.check_header(first)?;
        }
        loop {
            let Some(line) = self.read()? else {
                if self.ended {
                    return Ok(None);
                }
                return Err(ArchiveError::Stream(Box::new(Truncated(self.line - 1))));
            };
            if self.ended {
                return Err(self.fail("a line after the `end` line"));
            }
            let kind = line.kind_name();
            let record = match line {
                Line::Header(_) => return Err(self.fail("a second header")),
                Line::End(end) => {
                    if end.records != self.progress.total() {
                        return Err(self.fail(format!(
                            "the `end` line counts {} records but the file holds {}",
                            end.records,
                            self.progress.total()
                        )));
                    }
                    self.ended = true;
                    continue;
                }
                Line::Account(account) if self.owner.is_none() => {
                    let record = account
                        .into_record()
                        .map_err(|e| self.fail(format!("{kind}: {e}")))?;
                    if self.header_account.as_deref() != Some(record.email.as_str()) {
                        return Err(self.fail("the account is not the one the header names"));
                    }
                    self.owner = Some(record.id);
                    self.email = Some(record.email.clone());
                    ArchiveRecord::Account(record)
                }
                Line::Account(_) => return Err(self.fail("a second account")),
                other => {
                    let Some(owner) = self.owner else {
                        return Err(self.fail(format!(
                            "a {kind} before the account: the account must follow the header"
                        )));
                    };
                    let context = ImportContext {
                        owner,
                        master_key: self.master_key,
                        allow_http: self.allow_http,
                    };
                    match other.into_record(context) {
                        Ok(Some(record)) => record,
                        Ok(None) => return Err(self.fail(format!("an unexpected {kind}"))),
                        Err(e) => return Err(self.fail(format!("{kind}: {e}"))),
                    }
                }
            };
            self.progress.count(record.kind());
            return Ok(Some((self.line, record)));
        }
    }
}

/// Imports the export read from `input`; progress every `progress_every` records on
/// stderr. Returns the imported account's address and the summary.
pub async fn import(
    state: &AppState,
    input: &mut (dyn BufRead + Send),
    progress_every: u64,
) -> Result<(Email, String), ArchiveError> {
    let mut source = LineSource {
        input,
        master_key: &state.master_key,
        allow_http: state.settings.webhooks.allow_http,
        buffer: String::new(),
        line: 0,
        header_account: None,
        owner: None,
        email: None,
        ended: false,
        progress: Progress::new("read", progress_every),
    };
    state.archive.import(&mut source).await?;
    let email = source
        .email
        .ok_or_else(|| ArchiveError::Inconsistent("the file holds no account".into()))?;
    Ok((email, source.progress.summary()))
}
