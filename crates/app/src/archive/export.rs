//! `admin export`: the header, one line per record as the repository streams them,
//! and the end line with the count.

use std::io::Write;

use async_trait::async_trait;
use licentia_domain::account::User;
use licentia_ports::{ArchiveError, ArchiveRecord, ArchiveSink};

use super::line::{End, FORMAT_VERSION, Header, Line};
use super::progress::Progress;
use crate::runtime::master_key::MasterKey;
use crate::state::AppState;

/// Writes records as lines.
struct LineSink<'a> {
    out: &'a mut (dyn Write + Send),
    master_key: &'a MasterKey,
    progress: Progress,
}

fn stream(error: impl std::error::Error + Send + Sync + 'static) -> ArchiveError {
    ArchiveError::Stream(Box::new(error))
}

impl LineSink<'_> {
    fn write(&mut self, line: &Line) -> Result<(), ArchiveError> {
        writeln!(self.out, "{}", line.render()).map_err(stream)
    }
}

#[async_trait]
impl ArchiveSink for LineSink<'_> {
    async fn put(&mut self, record: ArchiveRecord) -> Result<(), ArchiveError> {
        let line = Line::from_record(&record, self.master_key).map_err(stream)?;
        self.write(&line)?;
        self.progress.count(record.kind());
        Ok(())
    }
}

/// Writes `user`'s account to `out`; progress every `progress_every` records on
/// stderr. Returns the summary of what was written.
pub async fn export(
    state: &AppState,
    user: &User,
    out: &mut (dyn Write + Send),
    progress_every: u64,
) -> Result<String, ArchiveError> {
    let mut sink = LineSink {
        out,
        master_key: &state.master_key,
        progress: Progress::new("exported", progress_every),
    };
    sink.write(&Line::Header(Header {
        version: FORMAT_VERSION,
        exported_at: state.clock.now(),
        account: user.email.as_str().to_owned(),
        generator: format!("licentia {}", env!("CARGO_PKG_VERSION")),
    }))?;
    state.archive.export(user.id, &mut sink).await?;
    let records = sink.progress.total();
    sink.write(&Line::End(End { records }))?;
    sink.out.flush().map_err(stream)?;
    Ok(sink.progress.summary())
}
