//! The end of a file's way: to done/, or to failed/ with its error report. The destination is
//! recorded (durably) before the move, and the report is written before the file, so a crash at
//! any point is completed by `recover` without losing the reasons.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Fatal, FileOutcome, Pipeline, io_err};
use crate::archive;
use crate::diagnostic::Diagnostic;
use crate::ledger::{FileRecord, FileState};

impl Pipeline {
    /// Sends the file to failed/ with a readable error report.
    pub(super) fn fail(
        &self,
        file: &FileRecord,
        errors: &[Diagnostic],
        warnings: &[Diagnostic],
        note: &str,
    ) -> Result<FileOutcome, Fatal> {
        for e in errors {
            tracing::warn!("{}", e.render(&file.name));
        }
        let report = error_report(file, errors, warnings, note);
        self.finish(file, false, &first_line(errors), Some(&report))
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

/// The text of `NAME.error.txt`: every located error with its hint, the warnings, what to do.
pub(super) fn error_report(
    file: &FileRecord,
    errors: &[Diagnostic],
    warnings: &[Diagnostic],
    note: &str,
) -> String {
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
    report
}

fn first_line(errors: &[Diagnostic]) -> String {
    errors.first().map(ToString::to_string).unwrap_or_default()
}
