//! Files written to after they were taken. A writer that pauses longer than the stability
//! window (a till flushing a voucher at a time, a copy over a slow share) is taken as done and
//! its file moved to processing/; on Unix it keeps writing into the moved file. What was read
//! is then a part of the file: posting that part and archiving the whole would lose the rest
//! without a word, and the trail would name content that is not the file's.
//!
//! So a file is archived (done or failed) only once it has been left alone for
//! [`QUIET_WINDOWS`] stability windows since it was last written (5 s by default; the posting
//! does not wait for this, only the move), and its bytes are hashed again then. When they are
//! not what was read, the file's new content is recorded (hash and size, in the trail too) and
//! it goes through the pipeline again once its writer has been quiet for the stability window:
//! what was posted from the part is recognised by its reference and not posted twice, the rest
//! is posted. A file that keeps changing is read again at most [`REREADS`] times, then archived
//! as last read. A writer that pauses for longer still loses what it writes later into the
//! archived file: producers should write under a temporary name and rename, or use
//! `done_marker`.

use std::path::Path;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::{Fatal, FileOutcome, Pass, Pipeline};
use crate::ledger::FileRecord;

/// How many times one file is read again before it is archived as last read.
const REREADS: u32 = 5;

/// How many stability windows a file must have been left alone before it is archived.
const QUIET_WINDOWS: u32 = 5;

impl Pipeline {
    /// Whether `file` (in processing/) is no longer what was read: its bytes' hash is not the
    /// one recorded, once it has been left alone for [`QUIET_WINDOWS`] stability windows.
    /// `false` when it cannot be read now (it is archived as it is), or when it was read again
    /// [`REREADS`] times already.
    pub(super) async fn rewritten(&self, file: &FileRecord) -> Result<bool, Fatal> {
        let path = Path::new(&file.processing_path);
        let quiet = self.config.watch.stable * QUIET_WINDOWS;
        if let Some(left) = since_written(path).and_then(|age| quiet.checked_sub(age)) {
            tokio::time::sleep(left).await;
        }
        let Ok(bytes) = std::fs::read(&file.processing_path) else { return Ok(false) };
        if hex::encode(Sha256::digest(&bytes)) == file.sha256 {
            return Ok(false);
        }
        if self.ledger.changes_of(file.id)? >= REREADS {
            tracing::warn!(file = %file.name, "still changing after {REREADS} reads; archived as last read");
            return Ok(false);
        }
        Ok(true)
    }

    /// After a pass that ended in [`FileOutcome::Rewritten`]: once the file has been quiet for
    /// the stability window, records its new content and takes it through again, until a pass
    /// archives it or leaves it waiting.
    pub(super) async fn again_while_rewritten(
        &self,
        path: &Path,
        mut outcome: FileOutcome,
    ) -> Result<FileOutcome, Fatal> {
        while outcome == FileOutcome::Rewritten {
            let Some(mut file) = self.ledger.file_at(&path.display().to_string())? else {
                return Ok(FileOutcome::Waiting);
            };
            let bytes = quiet_bytes(path, self.config.watch.stable).await;
            let sha = hex::encode(Sha256::digest(&bytes));
            let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            self.ledger.content_changed(file.id, &sha, size)?;
            tracing::warn!(file = %file.name, "written to after it was taken (its writer was not done): read again");
            file.sha256 = sha;
            outcome = self.settle(&file, &bytes, Pass::All).await?;
        }
        Ok(outcome)
    }
}

/// How long ago the file at `path` was last written (`None` when that cannot be told).
fn since_written(path: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some(SystemTime::now().duration_since(modified).unwrap_or_default())
}

/// The file's bytes once they have stayed the same for `stable` (at most 60 windows).
async fn quiet_bytes(path: &Path, stable: Duration) -> Vec<u8> {
    let mut last = std::fs::read(path).unwrap_or_default();
    for _ in 0..60 {
        tokio::time::sleep(stable.max(Duration::from_millis(100))).await;
        let now = std::fs::read(path).unwrap_or_default();
        if now == last {
            break;
        }
        last = now;
    }
    last
}
