//! Start-up recovery: completes what a crash cut off, in an order that never overwrites or
//! loses a file.

use std::path::{Path, PathBuf};

use super::{Fatal, FileOutcome, Pass, Pipeline, io_err};
use crate::archive;
use crate::claim::{self, Claimed};
use crate::ledger::FileState;

impl Pipeline {
    /// 1. Archive moves that were recorded but not made are made (with their reports), and
    ///    what archived files still owe a person is told (a notification, a warnings report).
    /// 2. Files the ledger has in processing are continued.
    /// 3. Files in a processing area the ledger does not know (a crash right after the claim)
    ///    are processed anew, as files of their own inbox.
    pub async fn recover(&self) -> Result<Vec<FileOutcome>, Fatal> {
        let mut outcomes = Vec::new();
        let mut unknown = Vec::new();
        for (index, inbox) in self.config.inboxes.iter().enumerate() {
            let dir = &inbox.processing;
            if !dir.is_dir() {
                // Not there (an inbox on a share that is down), or something else in its place:
                // nothing of ours to recover; claiming into it is told when it fails.
                continue;
            }
            for path in claim::scan(dir).map_err(io_err(dir))? {
                match self.ledger.file_at(&path.display().to_string())? {
                    None => unknown.push(Claimed {
                        name: claim::original_name(&path),
                        path,
                        inbox: index,
                    }),
                    Some(file) if file.state != FileState::Processing => {
                        outcomes.extend(self.complete_move(&path, &file)?);
                    }
                    Some(_) => {}
                }
            }
        }
        // Archived before a crash, but its notification or warnings report not yet out.
        for file in self.ledger.untold_files()? {
            self.retell(&file).await?;
        }
        for file in self.ledger.files_in_processing()? {
            if Path::new(&file.processing_path).exists() {
                outcomes.push(self.resume(&file, Pass::All).await?);
            } else {
                // Perhaps a share not mounted yet: leave it for a later start, loudly.
                tracing::error!(
                    file = %file.name,
                    path = %file.processing_path,
                    "is missing from the processing area; left as it is"
                );
            }
        }
        for claimed in unknown {
            outcomes.push(self.process(&claimed).await?);
        }
        Ok(outcomes)
    }

    /// Moves a file whose archiving was recorded but not done.
    fn complete_move(
        &self,
        path: &Path,
        file: &crate::ledger::FileRecord,
    ) -> Result<Option<FileOutcome>, Fatal> {
        let Some(target) = file.archived_path.as_deref().filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let target = PathBuf::from(target);
        if file.state == FileState::Failed && !archive::error_report_of(&target).exists() {
            let first = self.ledger.file_note(file.id)?.unwrap_or_default();
            let report = super::finish::error_report(file, &[first], &[], "");
            archive::write_error_report(&target, &report).map_err(io_err(&target))?;
        }
        let landed = archive::place(path, &target).map_err(io_err(path))?;
        Ok(Some(if file.state == FileState::Failed {
            FileOutcome::Failed(landed)
        } else {
            FileOutcome::Done(landed)
        }))
    }
}
