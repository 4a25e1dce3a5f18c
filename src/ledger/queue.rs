//! The queue side of the ledger: what is due, held for a schedule, or needs a person.

use rusqlite::{OptionalExtension, params};

use super::state::{sql_in, sql_not_in};
use super::{
    AttachState, DOC_COLUMNS, DocRecord, DocState, FILE_COLUMNS, FileRecord, FileState, Ledger,
    LedgerError, doc_row, file_row,
};
use crate::audit;

impl Ledger {
    /// What is kept of the names older releases gave document `id`: content versions, and
    /// the whole name of a record renamed to this release's (see `register::older_names`).
    pub fn older_names(&self, id: i64) -> Result<Vec<String>, LedgerError> {
        self.json_column("SELECT older_names FROM documents WHERE id = ?1", id)
    }

    /// Files in processing with a document that is due for another try at `now` (RFC 3339):
    /// to be posted, or (posted) to have its source file attached.
    pub fn files_due(&self, now: &str) -> Result<Vec<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            // Due: a pending document whose wait is over, a posted one whose file attachment is
            // due, or nothing pending any more (its documents were released, or carried on by
            // a later copy): then it is finished. States a newer version wrote count as not
            // archived (files) and pending (documents), as `FileState`/`DocState` read them.
            let open = sql_not_in("state", &FileState::ARCHIVED);
            let pending = sql_not_in("d.state", &DocState::FINAL);
            let posted = sql_in("d.state", &[DocState::Posted]);
            let attaching = attach_open("d.attach");
            let mut stmt = c.prepare(&format!(
                "{FILE_COLUMNS} WHERE {open} AND hold IS NULL AND (
                   EXISTS (SELECT 1 FROM documents d WHERE d.file_id = files.id
                           AND {pending} AND (d.next_try IS NULL OR d.next_try <= ?1))
                   OR EXISTS (SELECT 1 FROM documents d WHERE d.file_id = files.id
                           AND {posted} AND d.next_try IS NOT NULL AND d.next_try <= ?1
                           AND {attaching})
                   OR NOT EXISTS (SELECT 1 FROM documents d WHERE d.file_id = files.id
                           AND ({pending} OR {posted} AND d.next_try IS NOT NULL AND {attaching})))
                 ORDER BY id"
            ))?;
            stmt.query_map([now], file_row)?.collect()
        })
    }

    /// Releases held files (all, or those of one inbox; optionally only those claimed before
    /// a time, RFC 3339) so their documents are posted. Returns how many files were released.
    pub fn release_holds(
        &self,
        inbox: Option<&str>,
        claimed_before: Option<&str>,
    ) -> Result<usize, LedgerError> {
        self.write(|c| {
            let ids: Vec<i64> = {
                let mut stmt = c.prepare(&format!(
                    "SELECT id FROM files WHERE {} AND hold IS NOT NULL
                     AND (?1 IS NULL OR inbox = ?1) AND (?2 IS NULL OR claimed_at < ?2)",
                    sql_not_in("state", &FileState::ARCHIVED)
                ))?;
                stmt.query_map(params![inbox, claimed_before], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for id in &ids {
                c.execute("UPDATE files SET hold = NULL WHERE id = ?1", [id])?;
                audit::append(c, "released", Some(*id), None, inbox.map_or("sync", |_| "nightly"))?;
            }
            Ok(ids.len())
        })
    }

    /// The document `which` names, by id or reference as `retry` takes them: its id, label and
    /// state (as stored); `None` when the ledger has no such document.
    pub fn document_named(
        &self,
        which: &str,
    ) -> Result<Option<(i64, String, String)>, LedgerError> {
        self.with_conn(|c| {
            c.query_row(
                "SELECT id, label, CASE WHEN withdrawn = 1 THEN 'withdrawn' ELSE state END
                 FROM documents WHERE CAST(id AS TEXT) = ?1 OR reference = ?1",
                [which],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })
    }

    /// Makes waiting documents due now: one (by id or reference), or all. Returns how many.
    ///
    /// Waiting means what the queue ([`Ledger::files_due`]) holds back: a pending document
    /// (not posted or rejected) with a time for its next try, or a posted one whose file
    /// attachment waits for its next try (`status` counts both as retrying). A pending one is
    /// a `waiting` one, and also one whose state a newer version wrote: it reads as `posting`,
    /// which the queue resumes (looking in Fortnox before anything is sent).
    pub fn retry_now(&self, which: Option<&str>) -> Result<usize, LedgerError> {
        self.write(|c| {
            let ids: Vec<i64> = {
                let mut stmt = c.prepare(&format!(
                    "SELECT id FROM documents WHERE ({} OR {} AND {}) AND next_try IS NOT NULL
                     AND (?1 IS NULL OR CAST(id AS TEXT) = ?1 OR reference = ?1)",
                    sql_not_in("state", &DocState::FINAL),
                    sql_in("state", &[DocState::Posted]),
                    attach_open("attach"),
                ))?;
                stmt.query_map([which], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
            };
            for id in &ids {
                c.execute("UPDATE documents SET next_try = NULL WHERE id = ?1", [id])?;
                audit::append(c, "retry requested", None, Some(*id), "")?;
            }
            Ok(ids.len())
        })
    }

    /// Documents of a file that still wait after `max_attempts` and nobody was told yet.
    ///
    /// Only `waiting` ones: tried that often without Fortnox taking them. A state a newer
    /// version wrote reads as `posting`: sent, outcome unknown (it may be posted), and tried
    /// again in the same pass before anyone would be told. So it is not announced as awaiting
    /// sync, just as `status` counts it under posting, not waiting.
    pub fn awaiting_sync_unnotified(
        &self,
        file_id: i64,
        max_attempts: u32,
    ) -> Result<Vec<DocRecord>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(&format!(
                "{DOC_COLUMNS} WHERE file_id = ?1 AND {} AND attempts >= ?2 AND notified = 0",
                sql_in("state", &[DocState::Waiting])
            ))?;
            stmt.query_map(params![file_id, max_attempts], doc_row)?.collect()
        })
    }

    /// Records that a person was told about the document.
    pub fn mark_notified(&self, doc: &DocRecord) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute("UPDATE documents SET notified = 1 WHERE id = ?1", [doc.id])?;
            audit::append(c, "notified", Some(doc.file_id), Some(doc.id), "awaiting sync")
        })
    }
}

/// The SQL condition for an attachment still to be made or retried: not started (NULL) or in a
/// state that is not final (one a newer version wrote reads as uploading).
pub(super) fn attach_open(column: &str) -> String {
    format!("({column} IS NULL OR {})", sql_not_in(column, &AttachState::FINAL))
}
