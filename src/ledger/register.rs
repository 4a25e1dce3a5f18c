//! Registering a file's documents: each is added, or found as a record the ledger holds
//! already, under its reference or a name an older release gave it (see
//! [`super::Ledger::add_documents`]).

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::documents::doc_row;
use super::{DOC_COLUMNS, DocRecord, DocState, now};
use crate::audit;
use crate::convert::Document;

/// What is kept of the names older releases gave `doc` (JSON, for [`Ledger::older_names`]):
/// their content versions, each once (a Fortnox document carrying one is this document), and
/// the whole name of a record renamed to this release's name (`renamed_from`: its marker is
/// looked for in Fortnox too). Not every name: a voucher has up to eight, most never met.
fn older_names(doc: &Document, renamed_from: Option<&str>) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    for name in &doc.legacy_references {
        let version = name.rsplit(':').next().unwrap_or(name);
        if !kept.contains(&version) {
            kept.push(version);
        }
    }
    kept.extend(renamed_from.filter(|old| *old != doc.reference));
    (!kept.is_empty()).then(|| serde_json::to_string(&kept).ok()).flatten()
}

/// The documents of one file being registered together.
pub(super) struct Batch {
    /// The records the file's documents so far were registered as: a record found under an
    /// older name is one document's only, so a second document of the file that an older
    /// release would have named alike is added anew rather than taken for the first (and
    /// never posted).
    claimed: HashSet<i64>,
    /// The references of all the file's documents: a record under one of them is that
    /// document's, never another's older name (an unnumbered voucher whose older, amount-only
    /// name is the name of another voucher of the file without objects).
    references: HashSet<String>,
}

impl Batch {
    pub(super) fn of(docs: &[Document]) -> Batch {
        Batch {
            claimed: HashSet::new(),
            references: docs.iter().map(|d| d.reference.clone()).collect(),
        }
    }
}

/// Registers one document of file `file_id`, one of `batch`.
pub(super) fn add_document(
    c: &Connection,
    file_id: i64,
    doc: &Document,
    batch: &mut Batch,
) -> rusqlite::Result<DocRecord> {
    let by_reference = |reference: &str| {
        c.query_row(&format!("{DOC_COLUMNS} WHERE reference = ?1"), [reference], doc_row).optional()
    };
    // The same document registered by an older release under another name (figures hashed
    // as written, `convert::version`; a Z-report's company and register as written): that
    // record is this document.
    // A posted one wins, then one on its way, over a refused one: a copy an older release
    // posted is not posted again because a later copy under this release's name was refused
    // (as looking like it).
    let mut found: Vec<DocRecord> = by_reference(&doc.reference)?.into_iter().collect();
    for legacy in &doc.legacy_references {
        let own = |rec: &DocRecord| {
            !batch.claimed.contains(&rec.id) && !batch.references.contains(&rec.reference)
        };
        found.extend(by_reference(legacy)?.filter(own));
    }
    let refused = |r: &DocRecord| matches!(r.state, DocState::Rejected | DocState::Withdrawn);
    let chosen = found
        .iter()
        .position(|r| r.state == DocState::Posted)
        .or_else(|| found.iter().position(|r| !refused(r)))
        .or((!found.is_empty()).then_some(0));
    let existing = chosen.map(|i| found.swap_remove(i));
    if let Some(rec) = &existing {
        batch.claimed.insert(rec.id);
    }
    // A refused record queued again takes this release's name and marker: the request it now
    // carries has them, and a lost answer is looked for in Fortnox by that marker. (When the
    // name is taken, by a refused record of it, that record is the one chosen.)
    let requeued = existing.as_ref().is_some_and(|r| {
        matches!(r.state, DocState::Rejected | DocState::Withdrawn) && r.file_id != file_id
    });
    let reference = match &existing {
        Some(rec) if !requeued => rec.reference.clone(),
        _ => doc.reference.clone(),
    };
    c.execute(
        "INSERT OR IGNORE INTO file_references (file_id, reference) VALUES (?1, ?2)",
        params![file_id, reference],
    )?;
    let line = i64::try_from(doc.line).unwrap_or(i64::MAX);
    match existing {
        // Refused, or withdrawn (its order cancelled) and now carried again as an order to book.
        Some(rec)
            if matches!(rec.state, DocState::Rejected | DocState::Withdrawn)
                && rec.file_id != file_id =>
        {
            c.execute(
                "UPDATE documents SET state = ?7, file_id = ?2, attempts = 0, notified = 0,
                 error = NULL, withdrawn = 0, body = ?3, line = ?4, label = ?5, updated_at = ?6,
                 reference = ?8, marker = ?9, older_names = ?10
                 WHERE id = ?1",
                params![
                    rec.id,
                    file_id,
                    doc.body.to_json().to_string(),
                    line,
                    doc.label,
                    now(),
                    DocState::Queued.as_str(),
                    doc.reference,
                    doc.marker,
                    older_names(doc, Some(&rec.reference))
                ],
            )?;
            audit::append(c, "requeued", Some(file_id), Some(rec.id), &doc.label)?;
        }
        Some(rec) if !DocState::FINAL.contains(&rec.state) && rec.file_id != file_id => {
            // A later copy of a file whose document still waits: it carries it on.
            c.execute(
                "UPDATE documents SET file_id = ?2, updated_at = ?3 WHERE id = ?1",
                params![rec.id, file_id, now()],
            )?;
        }
        Some(_) => {}
        None => {
            c.execute(
                "INSERT INTO documents (file_id, reference, marker, kind, label, line, body, state,
                 updated_at, older_names) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    file_id,
                    doc.reference,
                    doc.marker,
                    doc.body.kind(),
                    doc.label,
                    line,
                    doc.body.to_json().to_string(),
                    DocState::Queued.as_str(),
                    now(),
                    older_names(doc, None)
                ],
            )?;
            let id = c.last_insert_rowid();
            audit::append(c, "queued", Some(file_id), Some(id), &doc.label)?;
        }
    }
    c.query_row(&format!("{DOC_COLUMNS} WHERE reference = ?1"), [&reference], doc_row)
}
