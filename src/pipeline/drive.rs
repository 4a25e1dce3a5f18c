//! Uploading a file's registered documents and archiving the file when all are settled:
//! posted (its source file attached when configured), rejected, withdrawn or waiting.

use super::{Fatal, FileOutcome, Pass, Pipeline, refusals};
use crate::diagnostic::Diagnostic;
use crate::ledger::{DocRecord, DocState, FileRecord};
use crate::upload::attach::{self, Attached};
use crate::upload::{self, Outcome};

impl Pipeline {
    /// Uploads the file's documents (`docs`, as registered) that are not final yet and
    /// archives the file when all are; `warnings` of the conversion go into its report.
    pub(super) async fn drive(
        &self,
        file: &FileRecord,
        docs: Vec<DocRecord>,
        warnings: &[Diagnostic],
        pass: Pass,
        bytes: &[u8],
    ) -> Result<FileOutcome, Fatal> {
        let mut preflight = self.preflight.lock().await;
        let mut days = upload::Days::default();
        let mut rejected = refusals::Refusals::default();
        let count = docs.len();
        let mut waiting = 0;
        let now = crate::ledger::now();
        let mut unattached = Vec::new();
        let mut withdrawn = Vec::new();
        // Posted now or before (a document posted before answers `Posted` at once).
        let mut posted = Vec::new();
        for doc in docs {
            self.beat();
            let not_yet = doc.next_try.as_deref().is_some_and(|at| at > now.as_str());
            // A waiting document, or a posted one whose file attachment waits.
            let pending = matches!(doc.state, DocState::Waiting | DocState::Posted);
            if pass == Pass::Due && pending && not_yet {
                waiting += 1;
                continue;
            }
            let outcome = upload::upload(
                &self.client,
                &self.ledger,
                &mut preflight,
                &mut days,
                &self.config.upload,
                self.config.sie.look_alike,
                &doc,
            )
            .await?;
            match outcome {
                Outcome::Posted => {
                    posted.push(doc.id);
                    match self.attach(file, &doc, bytes).await? {
                        Attached::Done => {}
                        Attached::Failed(reason) => unattached.push(reason),
                        Attached::Waiting(reason) => {
                            waiting += 1;
                            tracing::warn!(document = %doc.label, "posted; its file is not attached yet, will retry: {reason}");
                        }
                    }
                }
                Outcome::Rejected(reason) => rejected.push(&doc, reason),
                Outcome::Withdrawn(reason) => withdrawn.push(
                    Diagnostic::at(doc.line, reason)
                        .hint("a later file said so; nothing of it is in Fortnox"),
                ),
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
        let warnings = &self.with_withdrawn(file, warnings, withdrawn)?;
        if !rejected.is_empty() {
            let note = self.posted_note(&posted)?;
            return self.fail(file, &rejected.diagnostics(count), warnings, &note).await;
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
        self.succeed(file, warnings, &note).await
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
}
