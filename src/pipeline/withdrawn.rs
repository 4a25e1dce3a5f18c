//! Shop orders a file withdraws (cancelled in the shop, or of a status `[orders]
//! skip_statuses` names, such as refunded) that an earlier export carried. A copy still waiting
//! to be posted (queued for the nightly sync, held for an article, waiting for Fortnox) and
//! never sent is withdrawn: refused, so it is not posted after all. fortnox-bridge never changes
//! what is in Fortnox, so for a copy posted before (or sent, its outcome not known yet) the
//! file says what it was posted as and that a person must cancel the order, or credit its
//! invoice, there: instead of a quiet "not posted".

use super::{Fatal, Pipeline};
use crate::convert::{Conversion, Withdrawn};
use crate::diagnostic::Diagnostic;
use crate::ledger::{DocRecord, DocState, FileRecord};

const HINT: &str = "fortnox-bridge does not change what is in Fortnox: cancel the order, or \
                    credit its invoice, in Fortnox";

impl Pipeline {
    /// Withdraws what earlier files hold of the documents `conversion` withdraws, and puts in
    /// place of its plain "not posted" warning what became of each: withdrawn before posting,
    /// or posted (or sent) and to be put right in Fortnox. `file` names the withdrawing file.
    pub(super) fn withdraw_earlier(
        &self,
        file: &str,
        conversion: &mut Conversion,
    ) -> Result<(), Fatal> {
        for w in &conversion.withdrawn {
            let mut told = Vec::new();
            for doc in self.ledger.documents_under(&w.identity)? {
                if let Some(d) = self.told_of(file, w, &doc)? {
                    told.push(d);
                }
            }
            if !told.is_empty() {
                let plain = format!("{}; not posted", w.what);
                conversion.warnings.retain(|d| !(d.line == Some(w.line) && d.message == plain));
                conversion.warnings.extend(told);
            }
        }
        Ok(())
    }

    /// What `w` means for `doc`, an earlier copy: withdrawn now (never sent), or a warning
    /// that it is, or may be, in Fortnox.
    fn told_of(
        &self,
        file: &str,
        w: &Withdrawn,
        doc: &DocRecord,
    ) -> Result<Option<Diagnostic>, Fatal> {
        let from =
            self.ledger.file(doc.file_id)?.map_or_else(|| "an earlier file".to_owned(), |f| f.name);
        let reason = format!("{} ({file}:{}): withdrawn, not posted", w.what, w.line);
        // Withdrawn now, or by this file before (a held file is read again at its sync).
        let withdrawn = match doc.state {
            DocState::Withdrawn => doc.error.as_deref() == Some(reason.as_str()),
            DocState::Rejected | DocState::Posted => false,
            _ => self.ledger.withdraw(doc, &reason)?,
        };
        if matches!(doc.state, DocState::Rejected | DocState::Withdrawn) && !withdrawn {
            // Refused for its own reasons, or withdrawn by an export before this one: nothing
            // of it is in Fortnox.
            return Ok(None);
        }
        if withdrawn {
            return Ok(Some(Diagnostic::at(
                w.line,
                format!("{}; its copy from {from}, not yet posted, is withdrawn", w.what),
            )));
        }
        // Told once: overlapping exports (Shopify's) carry the cancelled order again and again.
        let here = format!("{file}:{}", w.line);
        let first = self.ledger.told_cancelled(doc, &here)?;
        if first != here {
            return Ok(Some(Diagnostic::at(
                w.line,
                format!("{}; not posted (what to do about its copy in Fortnox: {first})", w.what),
            )));
        }
        let message = match (doc.state, &doc.fortnox_series, doc.fortnox_number) {
            (DocState::Posted, Some(series), Some(number)) => format!(
                "{}, but it was posted before as Fortnox {series} {number} (from {from})",
                w.what
            ),
            (DocState::Posted, _, _) => {
                format!("{}, but it was posted before (from {from})", w.what)
            }
            _ => format!(
                "{}, but its copy from {from} was sent to Fortnox (the outcome is not known \
                 yet) and may be posted",
                w.what
            ),
        };
        Ok(Some(Diagnostic::at(w.line, message).hint(HINT).needs_action()))
    }

    /// The warnings of an earlier file's pass, with a line for each of its documents withdrawn
    /// (`withdrawn`): the file goes to done/, and says which orders a later export cancelled.
    /// Kept with the file when new, so that a start after a crash tells them too.
    pub(super) fn with_withdrawn(
        &self,
        file: &FileRecord,
        warnings: &[Diagnostic],
        withdrawn: Vec<Diagnostic>,
    ) -> Result<Vec<Diagnostic>, Fatal> {
        let mut all = warnings.to_vec();
        let before = all.len();
        for w in withdrawn {
            if !all.contains(&w) {
                all.push(w);
            }
        }
        if all.len() > before {
            self.ledger.keep_file_warnings(file.id, &all)?;
        }
        Ok(all)
    }
}
