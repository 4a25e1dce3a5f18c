//! Documents in the ledger: registering a file's documents (once per reference), reading
//! them back, and recording each step of their way (posting, posted, rejected, waiting) with
//! its attempt row and audit record.

use rusqlite::{Connection, OptionalExtension, params};

use super::state::{Stored, sql_not_in};
use super::{
    AttachState, DocRecord, DocState, Document, Ledger, LedgerError, ZNumber, audit, now, zseries,
};
use crate::diagnostic::Diagnostic;

/// Adds `files.warnings` and `files.told` to a ledger made before they existed (its archived
/// files count as told).
pub(super) fn add_columns(conn: &Connection) -> rusqlite::Result<()> {
    for (column, definition) in
        [("warnings", "warnings TEXT"), ("told", "told INTEGER NOT NULL DEFAULT 1")]
    {
        let mut stmt = conn.prepare("SELECT 1 FROM pragma_table_info('files') WHERE name = ?1")?;
        if !stmt.exists([column])? {
            conn.execute_batch(&format!("ALTER TABLE files ADD COLUMN {definition}"))?;
        }
    }
    Ok(())
}

impl Ledger {
    /// Registers all documents of file `file_id` in one transaction (so a file's documents are
    /// either all known or none). A document whose reference the ledger already holds is not
    /// added twice: the existing record is kept; so is one registered under its
    /// `legacy_references` (the same document, as an older release named it). A rejected one from an earlier file is queued
    /// again with the new file's request (the file was corrected and put back). The Z numbers
    /// the file carries are registered with them (see `zseries`), and the conversion's
    /// warnings are kept with the file (a file that waits or is held reports them when it is
    /// done, maybe in another process).
    pub fn add_documents(
        &self,
        file_id: i64,
        docs: &[Document],
        z_numbers: &[ZNumber],
        warnings: &[Diagnostic],
    ) -> Result<Vec<DocRecord>, LedgerError> {
        let warnings = (!warnings.is_empty()).then(|| serde_json::to_string(warnings).ok());
        self.write(|c| {
            zseries::record(c, file_id, z_numbers)?;
            c.execute(
                "UPDATE files SET warnings = ?2 WHERE id = ?1",
                params![file_id, warnings.flatten()],
            )?;
            for doc in docs {
                c.execute(
                    "INSERT OR IGNORE INTO file_references (file_id, reference) VALUES (?1, ?2)",
                    params![file_id, doc.reference],
                )?;
            }
            let mut batch = super::register::Batch::of(docs);
            docs.iter()
                .map(|doc| super::register::add_document(c, file_id, doc, &mut batch))
                .collect()
        })
    }

    /// Keeps `warnings` with a file instead of those [`Ledger::add_documents`] kept (a warning
    /// known only once the documents are registered).
    pub fn keep_file_warnings(
        &self,
        file_id: i64,
        warnings: &[Diagnostic],
    ) -> Result<(), LedgerError> {
        let warnings = serde_json::to_string(warnings).ok();
        self.write(|c| {
            c.execute("UPDATE files SET warnings = ?2 WHERE id = ?1", params![file_id, warnings])
                .map(drop)
        })
    }

    /// The conversion warnings kept with a file by [`Ledger::add_documents`].
    pub fn file_warnings(&self, file_id: i64) -> Result<Vec<Diagnostic>, LedgerError> {
        self.json_column("SELECT warnings FROM files WHERE id = ?1", file_id)
    }

    /// A JSON column of the row `id` that `sql` selects; empty when absent or unreadable.
    pub(super) fn json_column<T: serde::de::DeserializeOwned + Default>(
        &self,
        sql: &str,
        id: i64,
    ) -> Result<T, LedgerError> {
        let text: Option<String> = self
            .with_conn(|c| c.query_row(sql, [id], |r| r.get(0)).optional().map(Option::flatten))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    /// The documents of a file, in source order.
    pub fn documents_of(&self, file_id: i64) -> Result<Vec<DocRecord>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt =
                c.prepare(&format!("{DOC_COLUMNS} WHERE file_id = ?1 ORDER BY line, id"))?;
            stmt.query_map([file_id], doc_row)?.collect()
        })
    }

    /// Documents of other files, neither rejected nor withdrawn, whose reference starts with
    /// `prefix` (which ends in `:`), each with the name of its file: the candidates a voucher
    /// known only by its content may be a corrected copy of. Documents `doc`'s file carries itself are not
    /// candidates (a file put back after a partial refusal carries what it posted before). A
    /// range of the reference index, so it stays quick in a ledger of years; `like` (an SQL
    /// `LIKE` pattern, `%` for all) narrows it before anything more is read.
    pub fn references_from(
        &self,
        doc: &DocRecord,
        prefix: &str,
        like: &str,
    ) -> Result<Vec<(DocRecord, String)>, LedgerError> {
        let not_rejected = sql_not_in("state", &[DocState::Rejected, DocState::Withdrawn]);
        // Every reference starting with `prefix` sorts between it and `prefix` with its final
        // `:` raised to `;`.
        let end = format!("{};", prefix.strip_suffix(':').unwrap_or(prefix));
        self.with_conn(|c| {
            let mut stmt = c.prepare(&format!(
                "{DOC_COLUMNS} WHERE reference > ?3 AND reference < ?4 AND reference LIKE ?5
                 AND file_id != ?1 AND reference != ?2 AND {not_rejected}
                 AND reference NOT IN (SELECT reference FROM file_references WHERE file_id = ?1)
                 ORDER BY id"
            ))?;
            let docs: Vec<DocRecord> = stmt
                .query_map(params![doc.file_id, doc.reference, prefix, end, like], doc_row)?
                .collect::<rusqlite::Result<_>>()?;
            docs.into_iter()
                .map(|d| {
                    let name: String =
                        c.query_row("SELECT name FROM files WHERE id = ?1", [d.file_id], |r| {
                            r.get(0)
                        })?;
                    Ok((d, name))
                })
                .collect()
        })
    }

    /// The documents of identity `identity` (their reference is `identity:version`), in the
    /// order they were registered: what became of a shop order that has since been cancelled.
    /// A range of the reference index.
    pub fn documents_under(&self, identity: &str) -> Result<Vec<DocRecord>, LedgerError> {
        let docs: Vec<DocRecord> = self.with_conn(|c| {
            let mut stmt = c.prepare(&format!(
                "{DOC_COLUMNS} WHERE reference > ?1 AND reference < ?2 ORDER BY id"
            ))?;
            stmt.query_map(params![format!("{identity}:"), format!("{identity};")], doc_row)?
                .collect()
        })?;
        // The range also holds the identity `order:A:B` under `order:A`.
        Ok(docs
            .into_iter()
            .filter(|d| d.reference.rsplit_once(':').is_some_and(|(id, _)| id == identity))
            .collect())
    }

    /// Withdraws a document that was never sent and is not final (a later file cancelled its
    /// order): `false`, changing nothing, when it was sent or is final by now.
    pub fn withdraw(&self, doc: &DocRecord, reason: &str) -> Result<bool, LedgerError> {
        let open = sql_not_in("state", &DocState::FINAL);
        self.write(|c| {
            let changed = c.execute(
                &format!(
                    "UPDATE documents SET state = ?4, withdrawn = 1, error = ?2, next_try = NULL,
                     updated_at = ?3 WHERE id = ?1 AND sent = 0 AND {open}"
                ),
                params![doc.id, reason, now(), DocState::Rejected.as_str()],
            )?;
            if changed > 0 {
                outcome(c, doc, "withdrawn", reason)?;
            }
            Ok(changed > 0)
        })
    }

    /// Records, once per document, where a person was first told that it is (or may be) in
    /// Fortnox though its shop order was cancelled (`at`: the cancelling file and line), and
    /// returns that place: `at` itself the first time, the earlier one after.
    pub fn told_cancelled(&self, doc: &DocRecord, at: &str) -> Result<String, LedgerError> {
        self.write(|c| {
            let first: Option<String> = c
                .query_row(
                    "SELECT detail FROM attempts WHERE document_id = ?1 AND outcome = ?2
                     ORDER BY id LIMIT 1",
                    params![doc.id, TOLD_CANCELLED],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(first) = first {
                return Ok(first);
            }
            outcome(c, doc, TOLD_CANCELLED, at)?;
            Ok(at.to_owned())
        })
    }

    /// A posted document whose reference starts with one of `identities` (each followed by
    /// `:` and its content version), if any.
    pub fn posted_under(&self, identities: &[String]) -> Result<Option<DocRecord>, LedgerError> {
        self.with_conn(|c| {
            for identity in identities {
                let found = c
                    .query_row(
                        &format!(
                            "{DOC_COLUMNS} WHERE reference > ?1 AND reference < ?2 AND state = ?3 \
                             ORDER BY id LIMIT 1"
                        ),
                        params![
                            format!("{identity}:"),
                            format!("{identity};"),
                            DocState::Posted.as_str()
                        ],
                        doc_row,
                    )
                    .optional()?;
                if found.is_some() {
                    return Ok(found);
                }
            }
            Ok(None)
        })
    }

    /// Announces the upload: written before the request is sent.
    pub fn mark_posting(&self, doc: &DocRecord, year: u64) -> Result<(), LedgerError> {
        self.write_durable(|c| {
            c.execute(
                "UPDATE documents SET state = ?4, year = ?2, sent = 1, updated_at = ?3
                 WHERE id = ?1",
                params![
                    doc.id,
                    i64::try_from(year).unwrap_or(i64::MAX),
                    now(),
                    DocState::Posting.as_str()
                ],
            )?;
            audit::append(c, "posting", Some(doc.file_id), Some(doc.id), &doc.marker)
        })
    }

    /// Records the Fortnox identity of a posted document.
    pub fn mark_posted(
        &self,
        doc: &DocRecord,
        series: &str,
        number: u64,
        year: u64,
        how: &str,
    ) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET state = ?6, fortnox_series = ?2, fortnox_number = ?3,
                 year = ?4, error = NULL, next_try = NULL, updated_at = ?5 WHERE id = ?1",
                params![
                    doc.id,
                    series,
                    i64::try_from(number).unwrap_or(i64::MAX),
                    i64::try_from(year).unwrap_or(i64::MAX),
                    now(),
                    DocState::Posted.as_str()
                ],
            )?;
            attempt(c, doc.id, "posted", how)?;
            // Orders and invoices have no financial year (0): not "year 0".
            let detail = if year == 0 {
                format!("{} -> {series} {number} ({how})", doc.label)
            } else {
                format!("{} -> {series} {number} (year {year}, {how})", doc.label)
            };
            audit::append(c, "posted", Some(doc.file_id), Some(doc.id), &detail)
        })
    }

    /// A permanent refusal: bad data or a Fortnox 4xx that a retry cannot fix.
    pub fn mark_rejected(&self, doc: &DocRecord, reason: &str) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET state = ?4, error = ?2, next_try = NULL, updated_at = ?3
                 WHERE id = ?1",
                params![doc.id, reason, now(), DocState::Rejected.as_str()],
            )?;
            outcome(c, doc, "rejected", reason)
        })
    }

    /// A transient failure: try again at `next_try` (RFC 3339).
    pub fn mark_waiting(
        &self,
        doc: &DocRecord,
        reason: &str,
        next_try: &str,
    ) -> Result<(), LedgerError> {
        self.write(|c| {
            c.execute(
                "UPDATE documents SET state = ?5, error = ?2, next_try = ?3,
                 attempts = attempts + 1, updated_at = ?4 WHERE id = ?1",
                params![doc.id, reason, next_try, now(), DocState::Waiting.as_str()],
            )?;
            outcome(c, doc, "waiting", reason)
        })
    }
}

/// The attempt row (and audit record) of [`Ledger::told_cancelled`].
const TOLD_CANCELLED: &str = "told_cancelled";

/// Records one outcome of a document: an attempt row and its audit record, with one text.
pub(super) fn outcome(
    c: &Connection,
    doc: &DocRecord,
    event: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    attempt(c, doc.id, event, detail)?;
    audit::append(c, event, Some(doc.file_id), Some(doc.id), detail)
}

fn attempt(c: &Connection, doc_id: i64, outcome: &str, detail: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO attempts (document_id, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)",
        params![doc_id, now(), outcome, detail],
    )?;
    Ok(())
}

pub(super) const DOC_COLUMNS: &str =
    "SELECT id, file_id, reference, marker, label, line, body, state,
    attempts, next_try, year, fortnox_series, fortnox_number, error, sent, attach,
    attached_file_id, attach_attempts, withdrawn FROM documents";

pub(super) fn doc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRecord> {
    let state: String = r.get(7)?;
    Ok(DocRecord {
        id: r.get(0)?,
        file_id: r.get(1)?,
        reference: r.get(2)?,
        marker: r.get(3)?,
        label: r.get(4)?,
        line: usize::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
        body: r.get(6)?,
        state: match DocState::parse(&state) {
            DocState::Rejected if r.get::<_, i64>(18)? != 0 => DocState::Withdrawn,
            state => state,
        },
        attempts: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
        next_try: r.get(9)?,
        year: r.get::<_, Option<i64>>(10)?.and_then(|v| u64::try_from(v).ok()),
        fortnox_series: r.get(11)?,
        fortnox_number: r.get::<_, Option<i64>>(12)?.and_then(|v| u64::try_from(v).ok()),
        error: r.get(13)?,
        // A state this version cannot read may hide a request that went out (see `parse`).
        sent: r.get::<_, i64>(14)? != 0 || !DocState::knows(&state),
        attach: r.get::<_, Option<String>>(15)?.as_deref().map(AttachState::parse),
        attached_file_id: r.get(16)?,
        attach_attempts: u32::try_from(r.get::<_, i64>(17)?).unwrap_or(0),
    })
}
