//! The pipeline for one claimed file: detect → parse → convert → ledger → preflight + upload →
//! archive, with an audit record at every step.
//!
//! A bad file is never fatal: it goes to failed/ with `NAME.error.txt`. Only a broken
//! environment (state store, archive folders) is, and then the service stops so its manager
//! restarts it and the operator sees why.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::claim::Claimed;
use crate::config::{Config, Schedule};
use crate::convert;
use crate::detect;
use crate::diagnostic::Diagnostic;
use crate::fortnox::Client;
use crate::ledger::{FileRecord, FileState, Ledger, LedgerError, NewFile};
use crate::preflight::Preflight;
use crate::upload;

mod again;
mod awaiting;
mod drive;
mod finish;
mod forgiven;
mod recover;
mod refusals;
mod rewritten;
mod superseded;
mod withdrawn;
mod zgaps;

/// Problems that stop the service.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// Says the database file and its own hint (by what SQLite said).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    // `cause`, not `source`: the message says it, and `{:#}` would print it twice.
    #[error(
        "{path}: {cause} (hint: check that this folder exists, is mounted and the service's \
         account can write it)"
    )]
    Io { path: PathBuf, cause: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> Fatal + '_ {
    move |cause| Fatal::Io { path: path.to_path_buf(), cause }
}

/// Where a file is after a pass of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Everything posted (or already posted before): the file is in done/.
    Done(PathBuf),
    /// Bad input or a rejected document: the file is in failed/ with its error report.
    Failed(PathBuf),
    /// Some documents wait for a retry: the file stays in the processing area.
    Waiting,
    /// Queued for a nightly or manual sync: the file stays in the processing area.
    Held,
    /// Within a pass only: the file was written to after it was read, so it is read again
    /// instead of archived (see `rewritten.rs`); never returned by [`Pipeline::process`] or
    /// [`Pipeline::resume`].
    Rewritten,
}

pub struct Pipeline {
    pub config: Config,
    pub client: Client,
    pub ledger: Ledger,
    /// Chart facts for preflight, kept between passes (they expire on their own). Held for a
    /// whole pass, so passes over files post one after the other (which [`upload::Days`]
    /// relies on).
    preflight: Mutex<Preflight>,
    /// Unix seconds of the last progress (a document handled, a loop turn): the systemd
    /// watchdog is only fed while this moves.
    pub heartbeat: Arc<AtomicU64>,
    /// The file (ledger id) read again too often in this pass: archived as last read
    /// (`rewritten.rs`); 0 for none.
    last_read: AtomicI64,
}

/// Which pending documents of a file a pass handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Only documents whose wait is over (the running service).
    Due,
    /// Every pending document now (`--once`, `sync`, `retry`).
    All,
}

/// Seconds since the Unix epoch (for the heartbeat).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Pipeline {
    pub fn new(config: Config, client: Client, ledger: Ledger) -> Pipeline {
        let preflight = Preflight::new(&config.fortnox.allowed_org_numbers);
        Pipeline {
            config,
            client,
            ledger,
            preflight: Mutex::new(preflight),
            heartbeat: Arc::new(AtomicU64::new(unix_now())),
            last_read: AtomicI64::new(0),
        }
    }

    /// Records progress for the watchdog.
    pub fn beat(&self) {
        self.heartbeat.store(unix_now(), Ordering::Relaxed);
    }

    /// Takes a freshly claimed file all the way through (or, for a nightly or manual inbox,
    /// up to the queue).
    pub async fn process(&self, claimed: &Claimed) -> Result<FileOutcome, Fatal> {
        let outcome = self.process_read(claimed).await?;
        self.again_while_rewritten(&claimed.path, outcome).await
    }

    /// [`Pipeline::process`] of the bytes read now.
    async fn process_read(&self, claimed: &Claimed) -> Result<FileOutcome, Fatal> {
        // An unreadable file (permissions, a share gone away) is one bad file, not a fatal one.
        let read = std::fs::read(&claimed.path);
        let bytes = read.as_deref().unwrap_or_default();
        let sha = hex::encode(Sha256::digest(bytes));
        let path_text = claimed.path.display().to_string();
        let inbox = self.config.inboxes.get(claimed.inbox);
        let inbox_text = inbox.map(|i| i.path.display().to_string()).unwrap_or_default();
        let hold = match inbox.map(|i| i.schedule) {
            Some(Schedule::Realtime) | None => None,
            Some(schedule) => Some(schedule.name()),
        };
        let new = NewFile {
            name: &claimed.name,
            sha256: &sha,
            size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            processing_path: &path_text,
            inbox: &inbox_text,
            hold,
        };
        let file_id = self.ledger.add_file(&new)?;
        let file = FileRecord {
            id: file_id,
            name: claimed.name.clone(),
            sha256: sha.clone(),
            processing_path: path_text,
            state: FileState::Processing,
            archived_path: None,
            inbox: inbox_text,
            hold: hold.map(str::to_owned),
        };
        if let Err(e) = &read {
            return self.fail(&file, &[unreadable(e)], &[], "").await;
        }
        if let Some(earlier) = self.ledger.done_with_sha(&sha, file_id)? {
            return self.succeed(&file, &[Self::same_content(&earlier)], "").await;
        }
        self.settle(&file, bytes, Pass::All).await
    }

    /// Continues a file left in the processing area (waiting documents, a released hold, or a
    /// crash at any point after the claim).
    pub async fn resume(&self, file: &FileRecord, pass: Pass) -> Result<FileOutcome, Fatal> {
        let outcome = self.resume_read(file, pass).await?;
        self.again_while_rewritten(Path::new(&file.processing_path), outcome).await
    }

    /// [`Pipeline::resume`] of the bytes read now.
    async fn resume_read(&self, file: &FileRecord, pass: Pass) -> Result<FileOutcome, Fatal> {
        // Documents registered before are driven as registered, held ones included: converting
        // again with today's configuration could make other documents of the same report or
        // order (another series or mapping: a second voucher the marker search cannot find).
        let docs = self.ledger.documents_of(file.id)?;
        let registered = !docs.is_empty();
        // Told here too: a crash may have come between registering and notifying.
        let warnings = if registered {
            let mut warnings = self.ledger.file_warnings(file.id)?;
            warnings.extend(self.zreport_gaps(file).await?);
            warnings
        } else {
            Vec::new()
        };
        if registered && file.hold.is_some() {
            return Ok(FileOutcome::Held);
        }
        let path = PathBuf::from(&file.processing_path);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if registered => {
                // Its documents are in the ledger and need no bytes to be posted: they wait
                // for the file to come back instead of failing it (which would leave them
                // unposted for good).
                let reason = format!("cannot read {}: {e}", path.display());
                tracing::warn!(file = %file.name, "{reason}; its documents wait");
                for doc in &docs {
                    upload::defer(&self.ledger, doc, &self.config.upload, &reason)?;
                }
                self.notify_awaiting(file).await?;
                return Ok(FileOutcome::Waiting);
            }
            Err(e) => return self.fail(file, &[unreadable(&e)], &[], "").await,
        };
        if hex::encode(Sha256::digest(&bytes)) != file.sha256 {
            // Written to since it was read (or since a crash in the middle of reading it
            // again): what is registered may be a part; read it again before anything is sent.
            return Ok(FileOutcome::Rewritten);
        }
        if registered {
            return self.drive(file, docs, &warnings, pass, &bytes).await;
        }
        self.settle(file, &bytes, pass).await
    }

    /// Converts the file, registers its documents (all in one transaction, so a crash leaves
    /// all or none) and, unless the file is held for its schedule, uploads.
    async fn settle(
        &self,
        file: &FileRecord,
        bytes: &[u8],
        pass: Pass,
    ) -> Result<FileOutcome, Fatal> {
        let hint = self.config.inboxes.iter().find(|i| i.path.display().to_string() == file.inbox);
        let Some(kind) = detect::detect_with_hint(hint.and_then(|i| i.kind), &file.name, bytes)
        else {
            let d = Diagnostic::file(
                "not a file fortnox-bridge reads (SIE, Z-report JSON or order CSV)",
            )
            .hint("only .se/.si SIE files, .json Z-reports and .csv order exports belong in the inbox");
            return self.fail(file, &[d], &[], "").await;
        };
        let mut conversion = convert::convert_file(kind, &file.name, bytes, &self.config);
        self.forgive_posted(&mut conversion)?;
        if !conversion.errors.is_empty() {
            return self.fail(file, &conversion.errors, &conversion.warnings, "").await;
        }
        self.withdraw_earlier(&file.name, &mut conversion)?;
        if conversion.documents.is_empty() {
            conversion.warnings.push(
                Diagnostic::file("nothing to post: the file has no voucher, Z-report or order to book")
                    .hint("a SIE file of balances only, or an export whose orders were all skipped, is read but not booked; check the export's settings if something was expected"),
            );
        }
        let registered = self.ledger.add_documents(
            file.id,
            &conversion.documents,
            &conversion.z_numbers,
            &conversion.warnings,
        )?;
        // Only now, its documents registered, the file's new content (when it was read again):
        // a crash before this reads it again at the start.
        self.record_content(file, bytes.len())?;
        let mut warnings = conversion.warnings;
        let replaced = self.supersede_earlier(file, &registered).await?;
        if !replaced.is_empty() {
            warnings.extend(replaced);
            self.ledger.keep_file_warnings(file.id, &warnings)?;
        }
        if let Some(before) = self.posted_before(file, &registered)? {
            // Kept with the file like the conversion's warnings (told after a crash too).
            warnings.push(before);
            self.ledger.keep_file_warnings(file.id, &warnings)?;
        }
        warnings.extend(self.zreport_gaps(file).await?);
        let earlier = registered.iter().filter(|d| d.file_id != file.id).count();
        if earlier > 0 {
            tracing::info!(file = %file.name, "{earlier} document(s) were already posted from an earlier file");
        }
        if let Some(hold) = &file.hold {
            tracing::info!(file = %file.name, documents = conversion.documents.len(), "queued until the {hold} sync");
            return Ok(FileOutcome::Held);
        }
        tracing::debug!(file = %file.name, kind = %kind, documents = conversion.documents.len(), "parsed");
        let docs = self.ledger.documents_of(file.id)?;
        self.drive(file, docs, &warnings, pass, bytes).await
    }
}

/// The diagnostic for a file that cannot be read.
fn unreadable(e: &io::Error) -> Diagnostic {
    Diagnostic::file(format!("cannot read the file: {e}")).hint(
        "check its permissions (the service's account must be able to read it), then put it \
         back in the inbox",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_errors_say_where_and_what_to_check() {
        let io = Fatal::Io {
            path: PathBuf::from("/srv/kassa/done/2026-11-21"),
            cause: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        let text = io.to_string();
        assert!(text.starts_with("/srv/kassa/done/2026-11-21: permission denied"), "{text}");
        assert!(text.contains("(hint: check that this folder exists"), "{text}");
        assert!(std::error::Error::source(&io).is_none(), "as `{{:#}}` prints it: once");
        // A state store error is told as the ledger tells it: its file, and one hint.
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state.db");
        std::fs::write(&state, b"not a database".repeat(100)).expect("write");
        let Err(e) = Ledger::open(&state) else { panic!("garbage opened as a ledger") };
        let (said, ledger) = (e.to_string(), Fatal::from(e));
        let chain: Vec<String> =
            std::iter::successors(Some(&ledger as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect();
        assert_eq!(chain, [said], "as `{{:#}}` prints it: once");
        assert_eq!(chain[0].matches("(hint:").count(), 1, "{ledger}");
        assert!(chain[0].starts_with(&format!("{}: state store: ", state.display())), "{ledger}");
    }
}
