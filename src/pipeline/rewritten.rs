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
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::{Fatal, FileOutcome, Pass, Pipeline};
use crate::ledger::FileRecord;

/// How many times one file is read again before it is archived as last read.
const REREADS: u32 = 5;

/// How many stability windows a file must have been left alone before it is archived.
const QUIET_WINDOWS: u32 = 5;

/// The longest a pass waits for a file to be left alone (before archiving it, or to read it
/// again): the service does nothing else meanwhile.
const MAX_QUIET: Duration = Duration::from_secs(30);

impl Pipeline {
    /// Whether `file` (in processing/) is no longer what was read: its bytes' hash is not the
    /// one recorded, once it has been left alone for [`QUIET_WINDOWS`] stability windows (at
    /// most [`MAX_QUIET`]). `false` when it cannot be read now (it is archived as it is), or
    /// when it was read again [`REREADS`] times already. Records the content archived (see
    /// [`Pipeline::record_content`]).
    pub(super) async fn rewritten(&self, file: &FileRecord) -> Result<bool, Fatal> {
        let path = Path::new(&file.processing_path);
        let quiet = (self.config.watch.stable * QUIET_WINDOWS).min(MAX_QUIET);
        if let Some(left) = since_written(path).and_then(|age| quiet.checked_sub(age)) {
            self.pause(left).await;
        }
        let Ok(bytes) = std::fs::read(&file.processing_path) else { return Ok(false) };
        let sha = hex::encode(Sha256::digest(&bytes));
        if sha != file.sha256 {
            let last = self.last_read.load(Ordering::Relaxed) == file.id;
            if !last && self.ledger.changes_of(file.id)? < REREADS {
                return Ok(true);
            }
            tracing::warn!(file = %file.name, "still changing after {REREADS} reads; archived as last read");
        }
        self.record_content(file, bytes.len())?;
        Ok(false)
    }

    /// Records `file`'s content as this pass read it (its hash in `file.sha256`), when it is not
    /// the one the ledger has: the file was read again. Called once its documents are
    /// registered, or when it is archived, never before: a crash in between finds the old hash
    /// and reads the file again at the start, instead of archiving a part as the whole.
    pub(super) fn record_content(&self, file: &FileRecord, size: usize) -> Result<(), Fatal> {
        let recorded = self.ledger.file(file.id)?.map(|f| f.sha256);
        if recorded.is_some_and(|sha| sha != file.sha256) {
            let size = u64::try_from(size).unwrap_or(u64::MAX);
            self.ledger.content_changed(file.id, &file.sha256, size)?;
        }
        Ok(())
    }

    /// After a pass that ended in [`FileOutcome::Rewritten`]: once the file has been quiet for
    /// the stability window, takes its new content through again, until a pass archives it or
    /// leaves it waiting (also when it cannot be read now: the next pass tries again).
    pub(super) async fn again_while_rewritten(
        &self,
        path: &Path,
        mut outcome: FileOutcome,
    ) -> Result<FileOutcome, Fatal> {
        let mut rounds = 0;
        while outcome == FileOutcome::Rewritten {
            let Some(mut file) = self.ledger.file_at(&path.display().to_string())? else {
                return Ok(FileOutcome::Waiting);
            };
            rounds += 1;
            if rounds > REREADS {
                // Changing all along (and never registered, so the ledger did not count it).
                self.last_read.store(file.id, Ordering::Relaxed);
            }
            let Some(bytes) = self.quiet_bytes(path).await else {
                return Ok(FileOutcome::Waiting);
            };
            tracing::warn!(file = %file.name, "written to after it was taken (its writer was not done): read again");
            file.sha256 = hex::encode(Sha256::digest(&bytes));
            outcome = self.settle(&file, &bytes, Pass::All).await?;
        }
        self.last_read.store(0, Ordering::Relaxed);
        Ok(outcome)
    }

    /// The file's bytes once its size and time have stayed the same for the stability window
    /// (waiting at most [`MAX_QUIET`]; the file is read once, at the end, not at every look);
    /// `None` when it cannot be read.
    async fn quiet_bytes(&self, path: &Path) -> Option<Vec<u8>> {
        let stable = self.config.watch.stable.max(Duration::from_millis(100));
        let look = || std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
        let mut last = look();
        let mut waited = Duration::ZERO;
        while waited < MAX_QUIET {
            self.pause(stable).await;
            waited += stable;
            let now = look();
            if now == last {
                break;
            }
            last = now;
        }
        std::fs::read(path).ok()
    }

    /// Sleeps `d` a second at a time, feeding the watchdog meanwhile.
    async fn pause(&self, d: Duration) {
        let mut left = d;
        while !left.is_zero() {
            let step = left.min(Duration::from_secs(1));
            tokio::time::sleep(step).await;
            self.beat();
            left -= step;
        }
    }
}

/// How long ago the file at `path` was last written (`None` when that cannot be told).
fn since_written(path: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some(SystemTime::now().duration_since(modified).unwrap_or_default())
}
