//! The pipeline for one claimed file: detect → parse → convert → ledger → preflight + upload →
//! archive, with an audit record at every step.
//!
//! A bad file is never fatal: it goes to failed/ with `NAME.error.txt`. Only a broken
//! environment (state store, archive folders) is, and then the service stops so its manager
//! restarts it and the operator sees why.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::archive;
use crate::claim::{self, Claimed};
use crate::config::{Config, Schedule};
use crate::convert::{self, Conversion};
use crate::detect;
use crate::diagnostic::Diagnostic;
use crate::fortnox::Client;
use crate::ledger::{DocRecord, DocState, FileRecord, Ledger, LedgerError, NewFile};
use crate::notify;
use crate::preflight::Preflight;
use crate::upload::attach::{self, Attached};
use crate::upload::{self, Outcome};

/// Problems that stop the service.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> Fatal + '_ {
    move |source| Fatal::Io { path: path.to_path_buf(), source }
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
}

pub struct Pipeline {
    pub config: Config,
    pub client: Client,
    pub ledger: Ledger,
    preflight: Mutex<Preflight>,
}

impl Pipeline {
    pub fn new(config: Config, client: Client, ledger: Ledger) -> Pipeline {
        Pipeline { config, client, ledger, preflight: Mutex::new(Preflight::default()) }
    }

    /// Takes a freshly claimed file all the way through (or, for a nightly or manual inbox,
    /// up to the queue).
    pub async fn process(&self, claimed: &Claimed) -> Result<FileOutcome, Fatal> {
        let bytes = std::fs::read(&claimed.path).map_err(io_err(&claimed.path))?;
        let sha = hex::encode(Sha256::digest(&bytes));
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
            state: "processing".to_owned(),
            archived_path: None,
            inbox: inbox_text,
            hold: hold.map(str::to_owned),
        };
        if let Some(earlier) = self.ledger.done_with_sha(&sha, file_id)? {
            let note = format!(
                "duplicate of {} (same content), nothing posted again",
                earlier.archived_path.as_deref().unwrap_or(&earlier.name)
            );
            tracing::info!(file = %claimed.name, "{note}");
            return self.finish(&file, true, &note);
        }
        self.settle(&file, &bytes).await
    }

    /// Continues a file left in the processing area (waiting documents, a released hold, or a
    /// crash at any point after the claim).
    pub async fn resume(&self, file: &FileRecord) -> Result<FileOutcome, Fatal> {
        let path = PathBuf::from(&file.processing_path);
        let bytes = std::fs::read(&path).map_err(io_err(&path))?;
        self.settle(file, &bytes).await
    }

    /// Converts the file, registers its documents (idempotently: a crash between the claim and
    /// this point is simply repeated) and, unless the file is held for its schedule, uploads.
    async fn settle(&self, file: &FileRecord, bytes: &[u8]) -> Result<FileOutcome, Fatal> {
        let hint = self.config.inboxes.iter().find(|i| i.path.display().to_string() == file.inbox);
        let Some(kind) = detect::detect_with_hint(hint.and_then(|i| i.kind), &file.name, bytes)
        else {
            let d = Diagnostic::file(
                "not a file fortnox-bridge reads (SIE, Z-report JSON or order CSV)",
            )
            .hint("only .se/.si SIE files, .json Z-reports and .csv order exports belong in the inbox");
            return self.fail(file, &[d], &[], "");
        };
        let conversion = convert::convert_file(kind, &file.name, bytes, &self.config);
        if !conversion.errors.is_empty() {
            return self.fail(file, &conversion.errors, &conversion.warnings, "");
        }
        let mut earlier = 0;
        for doc in &conversion.documents {
            if self.ledger.add_document(file.id, doc)?.file_id != file.id {
                earlier += 1;
            }
        }
        if earlier > 0 {
            tracing::info!(file = %file.name, "{earlier} document(s) were already posted from an earlier file");
        }
        if let Some(hold) = &file.hold {
            tracing::info!(file = %file.name, documents = conversion.documents.len(), "queued until the {hold} sync");
            return Ok(FileOutcome::Held);
        }
        tracing::debug!(file = %file.name, kind = %kind, documents = conversion.documents.len(), "parsed");
        self.drive(file, &conversion, bytes).await
    }

    /// Uploads the file's documents that are not final yet and archives the file when all are.
    async fn drive(
        &self,
        file: &FileRecord,
        conversion: &Conversion,
        bytes: &[u8],
    ) -> Result<FileOutcome, Fatal> {
        let mut preflight = self.preflight.lock().await;
        let mut rejected = Vec::new();
        let mut waiting = 0;
        let mut unattached = Vec::new();
        for doc in self.ledger.documents_of(file.id)? {
            let outcome = upload::upload(
                &self.client,
                &self.ledger,
                &mut preflight,
                &self.config.upload,
                &doc,
            )
            .await?;
            match outcome {
                Outcome::Posted => match self.attach(file, &doc, bytes).await? {
                    Attached::Done => {}
                    Attached::Failed(reason) => unattached.push(reason),
                    Attached::Waiting(reason) => {
                        waiting += 1;
                        tracing::warn!(document = %doc.label, "posted; its file is not attached yet, will retry: {reason}");
                    }
                },
                Outcome::Rejected(reason) => {
                    rejected.push(Diagnostic::at(doc.line, format!("{}: {reason}", doc.label)));
                }
                Outcome::Waiting(reason) => {
                    waiting += 1;
                    tracing::warn!(document = %doc.label, "not posted yet, will retry: {reason}");
                }
            }
        }
        drop(preflight);
        if waiting > 0 {
            self.notify_awaiting(file).await?;
            return Ok(FileOutcome::Waiting);
        }
        if !rejected.is_empty() {
            let posted = self
                .ledger
                .documents_of(file.id)?
                .iter()
                .filter(|d| d.state == DocState::Posted)
                .count();
            let note = if posted > 0 {
                format!(
                    "{posted} other document(s) of this file were posted and will not be posted \
                     again when the corrected file is put back."
                )
            } else {
                String::new()
            };
            return self.fail(file, &rejected, &conversion.warnings, &note);
        }
        let note = if unattached.is_empty() {
            String::new()
        } else {
            format!(
                "posted, but the file is not attached to {} voucher(s): {}",
                unattached.len(),
                unattached.join("; ")
            )
        };
        self.finish(file, true, &note)
    }

    /// Attaches the file to a posted document's voucher, when configured (or already begun).
    async fn attach(
        &self,
        file: &FileRecord,
        doc: &DocRecord,
        bytes: &[u8],
    ) -> Result<Attached, Fatal> {
        if !attach::wanted(doc, self.config.zreport.attach_file) {
            return Ok(Attached::Done);
        }
        // Re-read: the upload step just recorded the voucher's number.
        let Some(doc) = self.ledger.document(doc.id)? else { return Ok(Attached::Done) };
        let outcome = attach::attach(
            &self.client,
            &self.ledger,
            &self.config.upload,
            &doc,
            &file.name,
            bytes,
        )
        .await?;
        match &outcome {
            Attached::Failed(reason) if !reason.is_empty() => {
                tracing::warn!(document = %doc.label, "posted, but its file could not be attached: {reason}");
            }
            Attached::Failed(_) => return Ok(Attached::Done),
            _ => {}
        }
        Ok(outcome)
    }

    /// Tells a person about documents that still wait after the configured attempts (once).
    async fn notify_awaiting(&self, file: &FileRecord) -> Result<(), Fatal> {
        let max = self.config.upload.max_attempts;
        for doc in self.ledger.awaiting_sync_unnotified(file.id, max)? {
            let event = notify::Event {
                event: "awaiting_sync".to_owned(),
                summary: format!(
                    "{} from {} is awaiting sync: Fortnox has not taken it after {} attempts; \
                     it is retried automatically",
                    doc.label, file.name, doc.attempts
                ),
                file: Some(file.name.clone()),
                document: Some(doc.label.clone()),
                attempts: Some(doc.attempts),
                error: doc.error.clone(),
                next_try: doc.next_try.clone(),
            };
            notify::send(&self.config.notify, &event).await;
            self.ledger.mark_notified(&doc)?;
        }
        Ok(())
    }

    /// Sends the file to failed/ with a readable error report.
    fn fail(
        &self,
        file: &FileRecord,
        errors: &[Diagnostic],
        warnings: &[Diagnostic],
        note: &str,
    ) -> Result<FileOutcome, Fatal> {
        for e in errors {
            tracing::warn!("{}", e.render(&file.name));
        }
        let mut report = format!("fortnox-bridge could not post `{}`.\n\nErrors:\n", file.name);
        for e in errors {
            let _ = writeln!(report, "  {}", e.render(&file.name));
        }
        if !warnings.is_empty() {
            report.push_str("\nWarnings:\n");
            for w in warnings {
                let _ = writeln!(report, "  {}", w.render(&file.name));
            }
        }
        if !note.is_empty() {
            let _ = writeln!(report, "\n{note}");
        }
        report.push_str(
            "\nWhat to do: fix the problems above (in the program that made the file, or in \
             Fortnox where a hint says so), then put the corrected file back in the inbox.\n",
        );
        let _ = writeln!(report, "\nsha256 of the file: {}", file.sha256);
        let outcome = self.finish(file, false, &first_line(errors))?;
        if let FileOutcome::Failed(path) = &outcome {
            archive::write_error_report(path, &report).map_err(io_err(path))?;
        }
        Ok(outcome)
    }

    /// Records where the file goes, then moves it there (so a crash between the two is
    /// completed by [`Pipeline::recover`]).
    fn finish(&self, file: &FileRecord, ok: bool, note: &str) -> Result<FileOutcome, Fatal> {
        let folders = &self.config.folders;
        let root = if ok { &folders.done } else { &folders.failed };
        let today = chrono::Local::now().date_naive();
        let from = PathBuf::from(&file.processing_path);
        let target = archive::plan(root, today, &file.name).map_err(io_err(root))?;
        let state = if ok { "done" } else { "failed" };
        self.ledger.finish_file(file.id, state, &target.display().to_string(), note)?;
        archive::place(&from, &target).map_err(io_err(&from))?;
        tracing::info!(file = %file.name, to = %target.display(), "{state}");
        Ok(if ok { FileOutcome::Done(target) } else { FileOutcome::Failed(target) })
    }

    /// At start-up: files the ledger has in processing are continued; a file whose archive
    /// move was recorded but not made (a crash in between) is moved; files in the processing
    /// area the ledger does not know (a crash right after the claim) are processed anew.
    pub async fn recover(&self) -> Result<Vec<FileOutcome>, Fatal> {
        let mut outcomes = Vec::new();
        for file in self.ledger.files_in_processing()? {
            if Path::new(&file.processing_path).exists() {
                outcomes.push(self.resume(&file).await?);
            } else {
                tracing::error!(file = %file.name, "left the processing area by hand; marked failed");
                self.ledger.finish_file(file.id, "failed", "", "lost from the processing area")?;
            }
        }
        let dir = &self.config.folders.processing;
        if !dir.exists() {
            return Ok(outcomes);
        }
        for path in claim::scan(dir).map_err(io_err(dir))? {
            match self.ledger.file_at(&path.display().to_string())? {
                None => {
                    let claimed = Claimed { name: claim::original_name(&path), path, inbox: 0 };
                    outcomes.push(self.process(&claimed).await?);
                }
                Some(file) if file.state != "processing" => {
                    let target = PathBuf::from(file.archived_path.unwrap_or_default());
                    archive::place(&path, &target).map_err(io_err(&path))?;
                    if file.state == "failed" {
                        let report = format!(
                            "fortnox-bridge could not post `{}`; see `fortnox-bridge audit` \
                             for the reasons.\n",
                            file.name
                        );
                        archive::write_error_report(&target, &report).map_err(io_err(&target))?;
                        outcomes.push(FileOutcome::Failed(target));
                    } else {
                        outcomes.push(FileOutcome::Done(target));
                    }
                }
                Some(_) => {}
            }
        }
        Ok(outcomes)
    }
}

fn first_line(errors: &[Diagnostic]) -> String {
    errors.first().map(ToString::to_string).unwrap_or_default()
}
