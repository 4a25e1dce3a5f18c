//! The queue side of the ledger: what is due, held for a schedule, or needs a person.

use rusqlite::params;

use super::{
    DOC_COLUMNS, DocRecord, FILE_COLUMNS, FileRecord, Ledger, LedgerError, doc_row, file_row,
};
use crate::audit;

impl Ledger {
    /// Files in processing with a document that is due for another try at `now` (RFC 3339):
    /// to be posted, or (posted) to have its source file attached.
    pub fn files_due(&self, now: &str) -> Result<Vec<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            // Due: a pending document whose wait is over, a posted one whose file attachment is
            // due, or nothing pending any more (its documents were released, or carried on by
            // a later copy): then it is finished. States a newer version wrote count as not
            // archived (files) and pending (documents), as `FileState`/`DocState` read them.
            let mut stmt = c.prepare(&format!(
                "{FILE_COLUMNS} WHERE state NOT IN ('done', 'failed') AND hold IS NULL AND (
                   EXISTS (SELECT 1 FROM documents d WHERE d.file_id = files.id
                           AND d.state NOT IN ('posted', 'rejected')
                           AND (d.next_try IS NULL OR d.next_try <= ?1))
                   OR EXISTS (SELECT 1 FROM documents d WHERE d.file_id = files.id
                           AND d.state = 'posted' AND d.next_try IS NOT NULL AND d.next_try <= ?1
                           AND (d.attach IS NULL OR d.attach NOT IN ('attached', 'failed')))
                   OR NOT EXISTS (SELECT 1 FROM documents d WHERE d.file_id = files.id
                           AND (d.state NOT IN ('posted', 'rejected')
                                OR d.state = 'posted' AND d.next_try IS NOT NULL
                                   AND (d.attach IS NULL OR d.attach NOT IN ('attached', 'failed')))))
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
                let mut stmt = c.prepare(
                    "SELECT id FROM files WHERE state NOT IN ('done', 'failed') AND hold IS NOT NULL
                     AND (?1 IS NULL OR inbox = ?1) AND (?2 IS NULL OR claimed_at < ?2)",
                )?;
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

    /// Makes waiting documents due now: one (by id or reference), or all. Returns how many.
    pub fn retry_now(&self, which: Option<&str>) -> Result<usize, LedgerError> {
        self.write(|c| {
            let ids: Vec<i64> = {
                let mut stmt = c.prepare(
                    "SELECT id FROM documents WHERE state = 'waiting'
                     AND (?1 IS NULL OR CAST(id AS TEXT) = ?1 OR reference = ?1)",
                )?;
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
    pub fn awaiting_sync_unnotified(
        &self,
        file_id: i64,
        max_attempts: u32,
    ) -> Result<Vec<DocRecord>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(&format!(
                "{DOC_COLUMNS} WHERE file_id = ?1 AND state = 'waiting' AND attempts >= ?2
                 AND notified = 0"
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
