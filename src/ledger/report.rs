//! Reports from the ledger: per-inbox status and the audit trail between a posted voucher and
//! its source file, in both directions (bookkeeping law wants it followable).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::queue::attach_open;
use super::state::sql_in;
use super::{AttachState, DocState, FileState, Ledger, LedgerError, Trouble};

/// Counts for one inbox, as `status` shows them. Each document is counted under the state
/// `DocState::parse` reads: one whose state a newer version wrote counts as `posting` (sent,
/// outcome unknown; the queue resumes it and looks it up in Fortnox first). A file's unknown
/// state reads as processing (not in `files_failed`), an attachment's as uploading (in
/// `attach_waiting` once a try failed).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InboxStatus {
    pub inbox: String,
    /// Registered, not yet sent (realtime inboxes only briefly).
    pub queued: u64,
    /// Queued for a nightly or manual sync.
    pub held: u64,
    /// Sent, outcome not yet recorded (a crash or a lost answer; resolved on the next try);
    /// also documents in a state this version does not know.
    pub posting: u64,
    pub posted_today: u64,
    pub posted_total: u64,
    /// Transient failures waiting for their next try.
    pub waiting: u64,
    /// Of those, the ones past the configured attempts.
    pub awaiting_sync: u64,
    pub rejected: u64,
    /// Never to be posted: cancelled (shop orders) or replaced by a copy written later, before
    /// they were sent.
    pub withdrawn: u64,
    /// Files of this inbox in failed/ that are still there (one moved back to the inbox to
    /// be tried again, or cleared away, no longer counts).
    pub files_failed: u64,
    /// Their paths, the newest first.
    pub failed_files: Vec<String>,
    /// Posted documents whose source file is still to be attached to the voucher (retried).
    pub attach_waiting: u64,
    /// Posted documents whose source file Fortnox refused to attach.
    pub attach_failed: u64,
    /// When the last document was posted (RFC 3339, UTC).
    pub last_success: Option<String>,
    /// Since when the inbox cannot be read (RFC 3339, UTC), when it could not at the last try.
    pub unreachable_since: Option<String>,
    /// Why it cannot be read.
    pub unreachable_error: Option<String>,
}

/// One document in a trail: where it came from and where it went.
#[derive(Debug, Clone, Serialize)]
pub struct TrailEntry {
    /// The ledger's id of the document (what `retry` takes).
    pub document_id: i64,
    /// `voucher`, `order`, `order+invoice` or `invoice`.
    pub kind: String,
    pub file: String,
    pub sha256: String,
    pub archived_path: Option<String>,
    pub line: usize,
    pub document: String,
    pub reference: String,
    pub state: String,
    pub fortnox_series: Option<String>,
    pub fortnox_number: Option<u64>,
    pub fortnox_year: Option<u64>,
    /// The source file attached to the voucher: `attached`, `failed`, `uploading`, `uploaded`,
    /// or `None` (not attached).
    pub attachment: Option<String>,
    /// The Fortnox inbox file id of the attached source file.
    pub attached_file_id: Option<String>,
    /// Every audit event of the document and its file, oldest first.
    pub events: Vec<(String, String, String)>,
}

/// A file that produced no document, in a trail: where it went and why.
#[derive(Debug, Clone, Serialize)]
pub struct FileTrail {
    pub file: String,
    pub sha256: String,
    /// `processing`, `done` or `failed`.
    pub state: String,
    pub archived_path: Option<String>,
    /// Its first error, the earlier file it duplicates, or its first warning.
    pub note: Option<String>,
    /// Every audit event of the file, oldest first.
    pub events: Vec<(String, String, String)>,
}

impl Ledger {
    /// Status counts of one inbox; `today_start` is the local midnight as RFC 3339 UTC.
    pub fn inbox_status(
        &self,
        inbox: &str,
        today_start: &str,
        max_attempts: u32,
    ) -> Result<InboxStatus, LedgerError> {
        self.with_conn(|c| {
            let down = super::trouble::current(c, Trouble::InboxDown, inbox)?;
            let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<u64> {
                c.query_row(sql, p, |r| r.get::<_, i64>(0)).map(|n| u64::try_from(n).unwrap_or(0))
            };
            let docs = "SELECT COUNT(*) FROM documents d JOIN files f ON f.id = d.file_id \
                        WHERE f.inbox = ?1";
            let state = |s: DocState| format!("{docs} AND {}", sql_in("d.state", &[s]));
            let queued = state(DocState::Queued);
            let posted = state(DocState::Posted);
            let waiting = state(DocState::Waiting);
            let mut failed = c.prepare(&format!(
                "SELECT archived_path FROM files WHERE inbox = ?1 AND archived_path IS NOT NULL
                 AND {} GROUP BY archived_path ORDER BY MAX(id) DESC",
                sql_in("state", &[FileState::Failed])
            ))?;
            let failed_files: Vec<String> = failed
                .query_map([inbox], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter(|p| std::path::Path::new(p).exists())
                .collect();
            Ok(InboxStatus {
                inbox: inbox.to_owned(),
                queued: count(&format!("{queued} AND f.hold IS NULL"), &[&inbox])?,
                held: count(&format!("{queued} AND f.hold IS NOT NULL"), &[&inbox])?,
                posting: count(&state(DocState::Posting), &[&inbox])?,
                posted_today: count(
                    &format!("{posted} AND d.updated_at >= ?2"),
                    &[&inbox, &today_start],
                )?,
                posted_total: count(&posted, &[&inbox])?,
                waiting: count(&waiting, &[&inbox])?,
                awaiting_sync: count(
                    &format!("{waiting} AND d.attempts >= ?2"),
                    &[&inbox, &max_attempts],
                )?,
                rejected: count(
                    &format!("{} AND d.withdrawn = 0", state(DocState::Rejected)),
                    &[&inbox],
                )?,
                withdrawn: count(
                    &format!("{} AND d.withdrawn = 1", state(DocState::Rejected)),
                    &[&inbox],
                )?,
                files_failed: u64::try_from(failed_files.len()).unwrap_or(u64::MAX),
                failed_files,
                attach_waiting: count(
                    &format!(
                        "{posted} AND d.attach_error IS NOT NULL AND {}",
                        attach_open("d.attach")
                    ),
                    &[&inbox],
                )?,
                attach_failed: count(
                    &format!("{posted} AND {}", sql_in("d.attach", &[AttachState::Failed])),
                    &[&inbox],
                )?,
                last_success: c
                    .query_row(
                        &format!(
                            "SELECT MAX(d.updated_at) FROM documents d JOIN files f
                             ON f.id = d.file_id WHERE f.inbox = ?1 AND {}",
                            sql_in("d.state", &[DocState::Posted])
                        ),
                        [inbox],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten(),
                unreachable_since: down.as_ref().map(|(since, _)| since.clone()),
                unreachable_error: down.map(|(_, error)| error),
            })
        })
    }

    /// The trail of documents matching `query`: a Fortnox voucher (`F 12`, `F12`, optionally
    /// `F 12 2026`), order or invoice (`order 4`), a source file name, a shop order id
    /// (`W-1004`, `order:W-1004`), or a document's reference, marker or label.
    pub fn trail(&self, query: &str) -> Result<Vec<TrailEntry>, LedgerError> {
        let q = TrailQuery::parse(query);
        if q.text.is_empty() {
            return Ok(Vec::new());
        }
        self.with_conn(|c| {
            // The year: the financial year id Fortnox gave, or the year of the voucher's date.
            let mut stmt = c.prepare(
                "SELECT d.id, f.id, f.name, f.sha256, f.archived_path, d.line, d.label,
                 d.reference, d.state, d.fortnox_series, d.fortnox_number, d.year, d.attach,
                 d.attached_file_id, d.kind
                 FROM documents d JOIN files f ON f.id = d.file_id
                 WHERE (?1 IS NOT NULL AND d.fortnox_series = ?1 AND d.fortnox_number = ?2
                        AND (?3 IS NULL OR d.year = ?3 OR (d.kind = 'voucher' AND substr(
                             json_extract(d.body, '$.Voucher.TransactionDate'), 1, 4)
                             = CAST(?3 AS TEXT))))
                    OR f.name = ?4 OR d.reference = ?4 OR d.marker = ?4 OR d.label = ?4
                    OR (substr(d.reference, 1, length(?5)) = ?5
                        AND instr(substr(d.reference, length(?5) + 1), ':') = 0)
                 ORDER BY f.id, d.line",
            )?;
            let params = params![q.series, q.number, q.year, q.text, q.order_prefix];
            let rows = stmt.query_map(params, |r| {
                Ok((
                    r.get::<_, i64>(1)?,
                    TrailEntry {
                        document_id: r.get(0)?,
                        kind: r.get(14)?,
                        file: r.get(2)?,
                        sha256: r.get(3)?,
                        archived_path: r.get(4)?,
                        line: usize::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                        document: r.get(6)?,
                        reference: r.get(7)?,
                        state: r.get(8)?,
                        fortnox_series: r.get(9)?,
                        fortnox_number: r
                            .get::<_, Option<i64>>(10)?
                            .and_then(|v| u64::try_from(v).ok()),
                        fortnox_year: r
                            .get::<_, Option<i64>>(11)?
                            .and_then(|v| u64::try_from(v).ok()),
                        attachment: r.get(12)?,
                        attached_file_id: r.get(13)?,
                        events: Vec::new(),
                    },
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (file_id, mut entry) = row?;
                entry.events = events(c, Some(entry.document_id), file_id)?;
                out.push(entry);
            }
            Ok(out)
        })
    }

    /// The files named `name` (as dropped, or their SHA-256) that have no document in the
    /// ledger: one that failed to parse, of an unknown kind, a duplicate of an earlier file, or
    /// with nothing to post. Their trail is the file's own: where it went, why, its events.
    pub fn files_without_documents(&self, name: &str) -> Result<Vec<FileTrail>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT f.id, f.name, f.sha256, f.state, f.archived_path, f.note FROM files f
                 WHERE (f.name = ?1 OR f.sha256 = ?1)
                   AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.file_id = f.id)
                 ORDER BY f.id",
            )?;
            let rows = stmt.query_map([name], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    FileTrail {
                        file: r.get(1)?,
                        sha256: r.get(2)?,
                        state: r.get(3)?,
                        archived_path: r.get(4)?,
                        note: r.get::<_, Option<String>>(5)?.filter(|n| !n.is_empty()),
                        events: Vec::new(),
                    },
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, mut file) = row?;
                // A file without documents has only its own events.
                file.events = events(c, None, id)?;
                out.push(file);
            }
            Ok(out)
        })
    }
}

/// The audit events of document `document` (if any) and the file-level events of file `file`,
/// oldest first: `(at, event, detail)`.
fn events(
    c: &rusqlite::Connection,
    document: Option<i64>,
    file: i64,
) -> rusqlite::Result<Vec<(String, String, String)>> {
    c.prepare_cached(
        "SELECT at, event, detail FROM audit
         WHERE document_id = ?1 OR (file_id = ?2 AND document_id IS NULL) ORDER BY seq",
    )?
    .query_map(params![document, file], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// What `audit show` asks for, read from its words.
#[derive(Debug, PartialEq, Eq)]
struct TrailQuery {
    /// A Fortnox series (`F`; `order` or `invoice` for shop orders) and number: `F 12`, `F12`.
    series: Option<String>,
    number: Option<i64>,
    /// `F 12 2026`: the financial year id, or the year of the voucher's date.
    year: Option<i64>,
    /// The words as given: a file name, a reference, a marker or a label.
    text: String,
    /// The reference prefix of a shop order with this id (`order:W-1004:`).
    order_prefix: String,
}

impl TrailQuery {
    fn parse(query: &str) -> TrailQuery {
        let text = query.trim().to_owned();
        let parts: Vec<&str> = text.split_whitespace().collect();
        let glued = |word: &str| {
            let digits = word.find(|c: char| c.is_ascii_digit())?;
            let (series, number) = word.split_at(digits);
            let letters = !series.is_empty() && series.chars().all(|c| c.is_ascii_alphabetic());
            letters.then(|| Some((series.to_owned(), number.parse::<i64>().ok()?))).flatten()
        };
        let ((series, number), year) = match parts.as_slice() {
            [word] => (glued(word).map_or((None, None), |(s, n)| (Some(s), Some(n))), None),
            [s, n] => ((Some((*s).to_owned()), n.parse().ok()), None),
            [s, n, y] => ((Some((*s).to_owned()), n.parse().ok()), y.parse().ok()),
            _ => ((None, None), None),
        };
        let id = text.strip_prefix("order:").unwrap_or(&text);
        TrailQuery { series, number, year, order_prefix: format!("order:{id}:"), text }
    }
}

impl Ledger {
    /// Every document posted to Fortnox with its series and number there (vouchers, orders
    /// and invoices), in the order they were registered.
    pub fn posted(&self) -> Result<Vec<super::DocRecord>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(&format!(
                "{} WHERE state = ?1 AND fortnox_series IS NOT NULL
                 AND fortnox_number IS NOT NULL ORDER BY id",
                super::DOC_COLUMNS
            ))?;
            stmt.query_map([DocState::Posted.as_str()], super::doc_row)?.collect()
        })
    }

    /// The note recorded when a file was archived (its first error, or why it was skipped).
    pub fn file_note(&self, file_id: i64) -> Result<Option<String>, LedgerError> {
        self.with_conn(|c| {
            c.query_row("SELECT note FROM files WHERE id = ?1", [file_id], |r| r.get(0))
                .optional()
                .map(Option::flatten)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TrailQuery;

    #[test]
    fn a_query_names_a_voucher_with_or_without_the_space() {
        let q = |text: &str| {
            let q = TrailQuery::parse(text);
            (q.series, q.number, q.year)
        };
        let f12 = (Some("F".to_owned()), Some(12), None);
        assert_eq!(q("F 12"), f12);
        assert_eq!(q("F12"), f12);
        assert_eq!(q("  F12 "), f12);
        assert_eq!(q("F 12 2026"), (Some("F".to_owned()), Some(12), Some(2026)));
        assert_eq!(q("order 4"), (Some("order".to_owned()), Some(4), None));
        assert_eq!(q("kassa-2026-10.si"), (None, None, None));
        assert_eq!(q("W-1004"), (None, None, None));
        assert_eq!(q("12"), (None, None, None));
    }

    #[test]
    fn a_shop_order_id_is_looked_up_by_its_reference_prefix() {
        assert_eq!(TrailQuery::parse("W-1004").order_prefix, "order:W-1004:");
        assert_eq!(TrailQuery::parse("order:W-1004").order_prefix, "order:W-1004:");
    }
}
