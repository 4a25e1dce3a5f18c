//! The end of a file's way: to done/ (with its warnings beside it, if any), or to failed/ with
//! its error report and a `file_failed` notification. The destination is recorded (durably)
//! before the move, and the error report is written before the file, so a crash at any point
//! is completed by `recover` without losing the reasons.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Fatal, FileOutcome, Pipeline, io_err};
use crate::archive;
use crate::diagnostic::Diagnostic;
use crate::ledger::{DocState, FileRecord, FileState, Trouble};
use crate::notify;

impl Pipeline {
    /// Sends the file to failed/ with a readable error report, and tells a person.
    pub(super) async fn fail(
        &self,
        file: &FileRecord,
        errors: &[Diagnostic],
        warnings: &[Diagnostic],
        note: &str,
    ) -> Result<FileOutcome, Fatal> {
        if self.rewritten(file).await? {
            return Ok(FileOutcome::Rewritten);
        }
        // Each problem once, however many lines it is on (in the log, the report, the note).
        let errors = Diagnostic::said_once(errors);
        let rendered: Vec<String> = errors.iter().map(|e| e.render(&file.name)).collect();
        // A few in the log (an export of 80,000 bad rows wrote as many log lines), every one
        // (up to REPORTED) in the report.
        for e in rendered.iter().take(LOGGED) {
            tracing::warn!("{e}");
        }
        if rendered.len() > LOGGED {
            tracing::warn!(file = %file.name, "... and {} more errors (the report beside the file lists them)", rendered.len() - LOGGED);
        }
        let report = error_report(file, &rendered, warnings, note);
        // The ledger's note is the first error as the report says it (file:line: what, hint):
        // `audit` shows it, and a start after a crash tells and reports from it.
        let first = rendered.first().cloned().unwrap_or_default();
        let outcome = self.finish(file, false, &first, Some(&report))?;
        let count = format!("{} error(s), the first: {first}", errors.len());
        self.tell(file, &outcome, &first, &count, warnings).await?;
        Ok(outcome)
    }

    /// Sends the file to done/. Its warnings (texts cut to Fortnox's lengths, öre remainders
    /// booked, rows skipped, nothing to post, ...) are logged, written beside it as
    /// `NAME.warnings.txt`, and the first is kept in the ledger's note for `audit`.
    pub(super) async fn succeed(
        &self,
        file: &FileRecord,
        warnings: &[Diagnostic],
        note: &str,
    ) -> Result<FileOutcome, Fatal> {
        if self.rewritten(file).await? {
            return Ok(FileOutcome::Rewritten);
        }
        let warnings = &Diagnostic::said_once(warnings);
        for w in warnings {
            tracing::warn!("{}", w.render(&file.name));
        }
        let note = match warnings.first() {
            Some(first) if note.is_empty() => {
                format!("{} warning(s); the first: {}", warnings.len(), first.render(&file.name))
            }
            _ => note.to_owned(),
        };
        let outcome = self.finish(file, true, &note, None)?;
        self.tell(file, &outcome, "", "", warnings).await?;
        Ok(outcome)
    }

    /// What a landed file owes a person: a failed one the `file_failed` notification (its
    /// first error, `summary` of the errors), a posted one its warnings beside it. Recorded as
    /// told once done, so that a crash before this point is made good by `recover`.
    async fn tell(
        &self,
        file: &FileRecord,
        outcome: &FileOutcome,
        first: &str,
        summary: &str,
        warnings: &[Diagnostic],
    ) -> Result<(), Fatal> {
        match outcome {
            FileOutcome::Failed(landed) => {
                let report = archive::error_report_of(landed);
                let event = notify::Event {
                    event: "file_failed".to_owned(),
                    summary: format!(
                        "{} was not posted ({summary}); it is in {} (hint: {} says why and \
                         what to do: most often correct the file and put it back in the inbox, \
                         but a refusal of what Fortnox has already is put right there)",
                        file.name,
                        landed.display(),
                        report.display()
                    ),
                    file: Some(file.name.clone()),
                    error: Some(first.to_owned()),
                    report: Some(report.display().to_string()),
                    ..notify::Event::default()
                };
                notify::send(&self.config.notify, &event).await;
            }
            FileOutcome::Done(landed) if !warnings.is_empty() => {
                // Best effort: the warnings are in the log and the ledger already.
                let docs = self.ledger.documents_of(file.id)?;
                let posted = docs.iter().any(|d| d.state == DocState::Posted);
                let report = warnings_report(file, warnings, posted);
                let path = archive::warnings_report_of(landed);
                if let Err(e) = archive::write_report(&path, &report) {
                    tracing::warn!(file = %path.display(), "cannot write the warnings: {e}");
                }
                // Each once: an overlapping export brings the same order's warning again.
                let mut to_do: Vec<&Diagnostic> = Vec::new();
                for w in warnings.iter().filter(|w| w.action) {
                    if self.ledger.trouble_began(Trouble::ActionTold, &w.message, "", &file.name)? {
                        to_do.push(w);
                    }
                }
                if let Some(first) = to_do.first() {
                    let first = first.render(&file.name);
                    let event = notify::Event {
                        event: "file_needs_action".to_owned(),
                        summary: format!(
                            "{} is in done/, but {} of its warnings ask a person to act; the \
                             first: {first} (all are in {})",
                            file.name,
                            to_do.len(),
                            path.display()
                        ),
                        file: Some(file.name.clone()),
                        error: Some(first),
                        report: Some(path.display().to_string()),
                        ..notify::Event::default()
                    };
                    notify::send(&self.config.notify, &event).await;
                }
            }
            _ => {}
        }
        self.ledger.mark_told(file.id)?;
        Ok(())
    }

    /// Tells what a file archived before a crash still owes (see [`Pipeline::tell`]), from
    /// what the ledger kept: its first error, or its conversion warnings.
    pub(super) async fn retell(&self, file: &FileRecord) -> Result<(), Fatal> {
        let Some(landed) = file.archived_path.as_deref().map(PathBuf::from) else {
            return Ok(());
        };
        if file.state == FileState::Failed {
            let first = self.ledger.file_note(file.id)?.unwrap_or_default();
            let summary = format!("the first error: {first}");
            self.tell(file, &FileOutcome::Failed(landed), &first, &summary, &[]).await
        } else {
            let warnings = self.ledger.file_warnings(file.id)?;
            self.tell(file, &FileOutcome::Done(landed), "", "", &warnings).await
        }
    }

    /// Records where the file goes, writes its report (failed files), then moves it there.
    pub(super) fn finish(
        &self,
        file: &FileRecord,
        ok: bool,
        note: &str,
        report: Option<&str>,
    ) -> Result<FileOutcome, Fatal> {
        let folders = &self.config.folders;
        let root = if ok { &folders.done } else { &folders.failed };
        let today = chrono::Local::now().date_naive();
        let from = PathBuf::from(&file.processing_path);
        let target = archive::plan(root, today, &file.name).map_err(io_err(root))?;
        let state = if ok { FileState::Done } else { FileState::Failed };
        self.ledger.finish_file(file.id, state, &target.display().to_string(), note)?;
        if let Some(report) = report {
            archive::write_error_report(&target, report).map_err(io_err(&target))?;
        }
        let landed = archive::place(&from, &target).map_err(io_err(&from))?;
        if landed != target {
            // The planned name was taken meanwhile: record where it really is.
            self.ledger.finish_file(file.id, state, &landed.display().to_string(), note)?;
            if report.is_some() {
                let _ = std::fs::rename(
                    archive::error_report_of(&target),
                    archive::error_report_of(&landed),
                );
            }
        }
        tracing::info!(file = %file.name, to = %landed.display(), "{}", state.as_str());
        Ok(if ok { FileOutcome::Done(landed) } else { FileOutcome::Failed(landed) })
    }
}

impl Pipeline {
    /// For the report of a file refused in part: which of its documents were posted (up to
    /// [`LISTED`], then how many more), and that they are not posted again.
    pub(super) fn posted_note(&self, posted: &[i64]) -> Result<String, Fatal> {
        if posted.is_empty() {
            return Ok(String::new());
        }
        let mut listed = Vec::new();
        for id in posted.iter().take(LISTED) {
            let Some(doc) = self.ledger.document(*id)? else { continue };
            let to = match (doc.fortnox_series.as_deref(), doc.fortnox_number) {
                (Some(kind @ ("order" | "invoice")), Some(n)) => format!(" as {kind} {n}"),
                (Some(series), Some(n)) => format!(" as voucher {series} {n}"),
                _ => String::new(),
            };
            listed.push(format!("  {}{to}", doc.label));
        }
        if posted.len() > LISTED {
            listed.push(format!("  and {} more", posted.len() - LISTED));
        }
        Ok(format!(
            "{} other document(s) of this file were posted; they are not posted again when the \
             corrected file is put back:\n{}",
            posted.len(),
            listed.join("\n")
        ))
    }
}

/// Posted documents a refused file's report names one by one.
const LISTED: usize = 20;

/// Errors of a refused file written to the log one by one.
const LOGGED: usize = 20;

/// Errors of a refused file its report lists one by one.
const REPORTED: usize = 1000;

/// The text of `NAME.error.txt`: every located error with its hint (`errors`, rendered with
/// the file's name), the warnings, what to do.
pub(super) fn error_report(
    file: &FileRecord,
    errors: &[String],
    warnings: &[Diagnostic],
    note: &str,
) -> String {
    let mut report = format!("fortnox-bridge could not post `{}`.\n\nErrors:\n", file.name);
    for e in errors.iter().take(REPORTED) {
        let _ = writeln!(report, "  {e}");
    }
    if errors.len() > REPORTED {
        let _ = writeln!(
            report,
            "  ... and {} more errors (the first {REPORTED} are listed; `fortnox-bridge check \
             FILE` lists them all)",
            errors.len() - REPORTED
        );
    }
    if !warnings.is_empty() {
        report.push_str("\nWarnings:\n");
        for w in Diagnostic::said_once(warnings) {
            let _ = writeln!(report, "  {}", w.render(&file.name));
        }
    }
    if !note.is_empty() {
        let _ = writeln!(report, "\n{note}");
    }
    report.push_str(
        "\nWhat to do: follow each problem's hint. A problem in the file is fixed in the \
         program that made it, and the corrected file put back in the inbox; one a hint says \
         to fix in Fortnox is fixed there. What this file already posted is never posted \
         again.\n",
    );
    let _ = writeln!(report, "\nsha256 of the file: {}", file.sha256);
    report
}

/// The text of `NAME.warnings.txt` beside a file in done/: one that `posted` documents, or
/// one that posted nothing (nothing to book, or all of it posted before), whose warnings say
/// why.
fn warnings_report(file: &FileRecord, warnings: &[Diagnostic], posted: bool) -> String {
    let mut report = if posted {
        format!("fortnox-bridge posted `{}`, with these warnings:\n\n", file.name)
    } else {
        format!(
            "fortnox-bridge read `{}` and posted nothing from it; these warnings say why:\n\n",
            file.name
        )
    };
    for w in Diagnostic::said_once(warnings) {
        let _ = writeln!(report, "  {}", w.render(&file.name));
    }
    report.push_str(if posted {
        "\nNothing needs to be done unless a warning says so; check the posted documents in \
         Fortnox if one surprises you.\n"
    } else {
        "\nNothing needs to be done unless a warning says so.\n"
    });
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(name: &str) -> FileRecord {
        FileRecord {
            id: 1,
            name: name.to_owned(),
            sha256: String::new(),
            processing_path: String::new(),
            state: FileState::Done,
            archived_path: None,
            inbox: String::new(),
            hold: None,
        }
    }

    #[test]
    fn the_warnings_of_a_file_that_posted_nothing_do_not_say_it_posted() {
        let file = done("z-zero.json");
        let warnings = [Diagnostic::at(1, "Z 7 (register KASSA1) has no sales and no payments")];
        let nothing = warnings_report(&file, &warnings, false);
        assert!(
            nothing.starts_with(
                "fortnox-bridge read `z-zero.json` and posted nothing from it; these warnings say \
                 why:\n\n  z-zero.json:1: Z 7 (register KASSA1) has no sales and no payments\n"
            ),
            "{nothing}"
        );
        assert!(!nothing.contains("posted documents"), "{nothing}");
        let posted = warnings_report(&file, &warnings, true);
        assert!(posted.starts_with("fortnox-bridge posted `z-zero.json`, with these"), "{posted}");
    }

    #[test]
    fn a_warning_on_many_lines_is_told_once_in_either_report() {
        let file = done("m.se");
        let object = |line| Diagnostic::at(line, "object `12` of dimension `10` is not sent");
        let warnings = [object(3), object(8)];
        let once = "  m.se:3: object `12` of dimension `10` is not sent (on lines 3 and 8)\n";
        for report in [
            warnings_report(&file, &warnings, true),
            error_report(&file, &["m.se:1: bad".to_owned()], &warnings, ""),
        ] {
            assert!(report.contains(once), "{report}");
            assert_eq!(report.matches("is not sent").count(), 1, "{report}");
        }
    }
}
