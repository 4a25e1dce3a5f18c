//! What a run did (for `--once` and the demo), and what it tells about files it could not take
//! from their inbox.

use std::io;
use std::path::Path;

use crate::ledger::Trouble;
use crate::notify;
use crate::pipeline::{Fatal, FileOutcome, Pipeline};

/// What a run did, for `--once` and the demo.
#[derive(Debug, Default, Clone)]
pub struct RunReport {
    pub done: Vec<std::path::PathBuf>,
    pub failed: Vec<std::path::PathBuf>,
    /// Files whose documents still wait for Fortnox.
    pub waiting: usize,
    /// Files queued for a nightly or manual sync.
    pub held: usize,
    /// Inboxes that could not be read (`--once` exits 2).
    pub unreachable: Vec<(std::path::PathBuf, String)>,
    /// Files that could not be taken from their inbox (no right to move them, say), with why
    /// (`--once` exits 2). Each is told once while it stays stuck.
    pub unclaimed: Vec<(std::path::PathBuf, String)>,
    /// A progress bar, when a large batch is run interactively.
    pub(super) progress: Option<indicatif::ProgressBar>,
}

impl RunReport {
    /// A file that could not be moved out of its inbox: told (`file_unclaimable`) the first
    /// time (the ledger keeps it, so a restart or the next `run --once` does not tell it again;
    /// a later file of the same name is told anew); it is tried again at the next scan.
    pub(super) async fn stuck(
        &mut self,
        pipeline: &Pipeline,
        path: &Path,
        e: &io::Error,
    ) -> Result<(), Fatal> {
        if !self.unclaimed.iter().any(|(p, _)| p == path) {
            self.unclaimed.push((path.to_path_buf(), e.to_string()));
        }
        let shown = path.display().to_string();
        if !pipeline.ledger.trouble_began(
            Trouble::FileStuck,
            &shown,
            &modified(path),
            &e.to_string(),
        )? {
            tracing::debug!(file = %path.display(), "still cannot be claimed: {e}");
            return Ok(());
        }
        let hint = if e.kind() == io::ErrorKind::ReadOnlyFilesystem {
            "the folder is read-only for the service: if it appeared after the service started \
             (a share mounted late), restart the service"
        } else if e.kind() == io::ErrorKind::CrossesDevices {
            "files are taken by a rename, which cannot cross disks: put the processing folder \
             on the inbox's disk ([folders] processing, e.g. a folder beside the inbox)"
        } else {
            "the service's account must be allowed to move files out of the inbox folder and \
             into its processing folder"
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let event = notify::Event {
            event: "file_unclaimable".to_owned(),
            summary: format!(
                "{} cannot be taken from the inbox: {e}; it stays there and is tried again \
                 (hint: {hint})",
                path.display()
            ),
            file: name,
            error: Some(e.to_string()),
            ..notify::Event::default()
        };
        notify::send(&pipeline.config.notify, &event).await;
        Ok(())
    }

    pub(super) fn add(&mut self, outcome: FileOutcome) {
        match outcome {
            FileOutcome::Done(p) => self.done.push(p),
            FileOutcome::Failed(p) => self.failed.push(p),
            FileOutcome::Waiting | FileOutcome::Held | FileOutcome::Rewritten => {}
        }
    }
}

/// Which file is at `path`: its modification time, so that a later file of the same name (a
/// daily `export.csv`) stuck again is news.
fn modified(path: &Path) -> String {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
        .to_string()
}
