//! The attachment side of the ledger: the original file of a posted document, uploaded to the
//! Fortnox inbox and connected to its voucher. A second, separately recorded step: its states
//! never touch the document's own (a posted document stays posted whatever happens here).
//!
//! `uploading` is written before the upload goes out; the file id is written as soon as it is
//! known, before the connection is made; so a retry reuses the file instead of uploading again.

use rusqlite::{Connection, OptionalExtension, params};

use super::{AttachState, DOC_COLUMNS, DocRecord, Ledger, LedgerError, doc_row, now, outcome};
use crate::audit;

/// Columns added to `documents` after its first release (ledgers are upgraded in place).
const ATTACH_COLUMNS: [(&str, &str); 6] = [
    ("attach", "TEXT"), // NULL | uploading | uploaded | attached | failed
    ("attached_file_id", "TEXT"),
    ("attach_error", "TEXT"),
    ("attach_attempts", "INTEGER NOT NULL DEFAULT 0"),
    // Not an attachment column: a `rejected` document that was withdrawn (see `DocState`).
    ("withdrawn", "INTEGER NOT NULL DEFAULT 0"),
    // Not an attachment column either: the names older releases gave the document (JSON).
    ("older_names", "TEXT"),
];

/// Adds the attachment columns to a ledger that lacks them.
pub(super) fn add_columns(conn: &Connection) -> rusqlite::Result<()> {
    let have: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('documents')")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    for (name, kind) in ATTACH_COLUMNS {
        if !have.iter().any(|h| h == name) {
            conn.execute_batch(&format!("ALTER TABLE documents ADD COLUMN {name} {kind}"))?;
        }
    }
    Ok(())
}

impl Ledger {
    /// One document by id.
    pub fn document(&self, id: i64) -> Result<Option<DocRecord>, LedgerError> {
        self.with_conn(|c| {
            c.query_row(&format!("{DOC_COLUMNS} WHERE id = ?1"), [id], doc_row).optional()
        })
    }

    /// Announces an upload of the document's source file: written (durably, like `posting`)
    /// before it is sent, so a power cut cannot make the file be uploaded twice.
    pub fn mark_attach_uploading(&self, doc: &DocRecord, name: &str) -> Result<(), LedgerError> {
        self.write_durable(|c| {
            c.execute(
                "UPDATE documents SET attach = ?3, updated_at = ?2 WHERE id = ?1",
                params![doc.id, now(), AttachState::Uploading.as_str()],
            )?;
            audit::append(c, "attachment uploading", Some(doc.file_id), Some(doc.id), name)
        })
    }

    /// Records the uploaded file's id (before it is connected to the voucher).
    pub fn mark_attach_uploaded(
        &self,
        doc: &DocRecord,
        file_id: &str,
        how: &str,
    ) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET attach = ?4, attached_file_id = ?2, updated_at = ?3
                 WHERE id = ?1",
                params![doc.id, file_id, now(), AttachState::Uploaded.as_str()],
            )?;
            let detail = format!("file {file_id} ({how})");
            audit::append(c, "attachment uploaded", Some(doc.file_id), Some(doc.id), &detail)
        })
    }

    /// The file is connected to the voucher: the attachment is done.
    pub fn mark_attached(
        &self,
        doc: &DocRecord,
        file_id: &str,
        how: &str,
    ) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET attach = ?4, attached_file_id = ?2,
                 attach_error = NULL, next_try = NULL, updated_at = ?3 WHERE id = ?1",
                params![doc.id, file_id, now(), AttachState::Attached.as_str()],
            )?;
            let detail = format!(
                "file {file_id} -> voucher {} {} ({how})",
                doc.fortnox_series.as_deref().unwrap_or_default(),
                doc.fortnox_number.unwrap_or_default()
            );
            outcome(c, doc, "attached", &detail)
        })
    }

    /// A refusal no retry can fix: the voucher stays posted, without its file.
    pub fn mark_attach_failed(&self, doc: &DocRecord, reason: &str) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET attach = ?4, attach_error = ?2, next_try = NULL,
                 updated_at = ?3 WHERE id = ?1",
                params![doc.id, reason, now(), AttachState::Failed.as_str()],
            )?;
            outcome(c, doc, "attachment failed", reason)
        })
    }

    /// A transient failure of the attachment: tried again at `next_try` (RFC 3339).
    pub fn mark_attach_waiting(
        &self,
        doc: &DocRecord,
        reason: &str,
        next_try: &str,
    ) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET attach_error = ?2, next_try = ?3,
                 attach_attempts = attach_attempts + 1, updated_at = ?4 WHERE id = ?1",
                params![doc.id, reason, next_try, now()],
            )?;
            outcome(c, doc, "attachment waiting", reason)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_older_ledger_gets_the_attachment_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE documents (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL,
                 reference TEXT NOT NULL UNIQUE, marker TEXT NOT NULL, kind TEXT NOT NULL,
                 label TEXT NOT NULL, line INTEGER NOT NULL, body TEXT NOT NULL,
                 state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_try TEXT,
                 year INTEGER, fortnox_series TEXT, fortnox_number INTEGER, error TEXT,
                 notified INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0,
                 updated_at TEXT NOT NULL);
                 INSERT INTO documents (file_id, reference, marker, kind, label, line, body,
                 state, updated_at) VALUES (1, 'zreport:x', '[fb:1]', 'voucher', 'Z', 1, '{}',
                 'posted', 'now');",
            )
            .unwrap();
        }
        let ledger = Ledger::open(&path).unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        assert!(doc.attach.is_none() && doc.attached_file_id.is_none() && doc.attach_attempts == 0);
        ledger.mark_attach_uploading(&doc, "fb1-z.json").unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        assert_eq!(doc.attach, Some(AttachState::Uploading));
        ledger.mark_attach_uploaded(&doc, "abc", "uploaded").unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        assert_eq!(doc.attach, Some(AttachState::Uploaded));
        assert_eq!(doc.attached_file_id.as_deref(), Some("abc"));
        ledger.mark_attach_waiting(&doc, "fortnox is failing", "2026-01-01T00:00:00Z").unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        assert_eq!(doc.attach_attempts, 1);
        assert_eq!(doc.state, super::super::DocState::Posted, "the document stays posted");
        ledger.mark_attached(&doc, "abc", "connected").unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        assert_eq!(doc.attach, Some(AttachState::Attached));
        assert!(doc.next_try.is_none());
        ledger.mark_attach_failed(&doc, "refused").unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        assert_eq!(doc.attach, Some(AttachState::Failed));
        drop(ledger);
        // Opening again is a no-op.
        Ledger::open(&path).unwrap();
    }

    #[test]
    fn a_waiting_attachment_makes_its_file_due() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
        ledger
            .with_conn(|c| {
                c.execute_batch(
                    "INSERT INTO files (id, name, sha256, size, processing_path, state,
                     claimed_at) VALUES (7, 'z.json', 'x', 1, '/p/z.json', 'processing', 'now');
                     INSERT INTO documents (id, file_id, reference, marker, kind, label, line,
                     body, state, fortnox_series, fortnox_number, updated_at) VALUES (1, 7,
                     'zreport:x', '[fb:1]', 'voucher', 'Z', 1, '{}', 'posted', 'F', 1, 'now');",
                )
            })
            .unwrap();
        let doc = ledger.document(1).unwrap().unwrap();
        let due = |now: &str| ledger.files_due(now).unwrap().len();
        assert_eq!(due("2026-01-02T00:00:00Z"), 1, "posted, nothing pending: due to be finished");
        ledger.mark_attach_waiting(&doc, "fortnox is failing", "2026-01-01T00:00:00Z").unwrap();
        assert_eq!(due("2025-12-31T00:00:00Z"), 0, "not yet");
        assert_eq!(due("2026-01-02T00:00:00Z"), 1, "the attachment is due");
        ledger.mark_attach_failed(&doc, "refused").unwrap();
        assert_eq!(due("2026-01-02T00:00:00Z"), 1, "a refusal is final: the file is finished");
    }
}
