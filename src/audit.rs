//! The audit trail: an append-only, hash-chained record of every stage transition and attempt.
//!
//! Each record carries the SHA-256 of the previous one, so a deleted, inserted or edited record
//! breaks the chain and [`verify`] says where. Records live in the ledger database and are
//! written in the same transaction as the state change they describe.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    file_id INTEGER,
    document_id INTEGER,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_document ON audit (document_id);
CREATE INDEX IF NOT EXISTS audit_file ON audit (file_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
";

/// The hash the first record chains to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Record {
    pub seq: i64,
    pub at: String,
    pub event: String,
    pub file_id: Option<i64>,
    pub document_id: Option<i64>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Appends an event; call inside the transaction that makes the change it records.
pub(crate) fn append(
    conn: &Connection,
    event: &str,
    file_id: Option<i64>,
    document_id: Option<i64>,
    detail: &str,
) -> rusqlite::Result<()> {
    let prev: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let at = crate::ledger::now();
    let hash = chain_hash(&prev_hash, seq, &at, event, file_id, document_id, detail);
    conn.execute(
        "INSERT INTO audit (seq, at, event, file_id, document_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, event, file_id, document_id, detail, prev_hash, hash],
    )?;
    Ok(())
}

fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    event: &str,
    file_id: Option<i64>,
    document_id: Option<i64>,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash,
        &seq.to_string(),
        at,
        event,
        &file_id.map(|v| v.to_string()).unwrap_or_default(),
        &document_id.map(|v| v.to_string()).unwrap_or_default(),
        detail,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// Every record in order.
pub fn records(conn: &Connection) -> rusqlite::Result<Vec<Record>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, event, file_id, document_id, detail, prev_hash, hash
         FROM audit ORDER BY seq",
    )?;
    let rows = stmt.query_map([], record)?;
    rows.collect()
}

/// One row of `SELECT seq, at, event, file_id, document_id, detail, prev_hash, hash`.
fn record(r: &rusqlite::Row) -> rusqlite::Result<Record> {
    Ok(Record {
        seq: r.get(0)?,
        at: r.get(1)?,
        event: r.get(2)?,
        file_id: r.get(3)?,
        document_id: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// The newest record of an intact trail: written down outside the ledger (as an [`Anchor`]),
/// it lets a later [`verify`] tell records cut off the end, which the chain alone cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub at: String,
    pub hash: String,
}

/// A record known from an earlier verification: its number and hash (`SEQ:HASH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = || {
            format!(
                "`{text}` is not an anchor: write the record number and its hash as \
                 `audit verify` printed them, `SEQ:HASH` (64 hex digits)"
            )
        };
        let (seq, hash) = text.trim().split_once(':').ok_or_else(wrong)?;
        let seq = seq.trim().parse::<i64>().ok().filter(|s| *s > 0).ok_or_else(wrong)?;
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() != GENESIS.len() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(wrong());
        }
        Ok(Anchor { seq, hash })
    }
}

/// An intact trail: how many records, and the newest (none in an empty trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub count: usize,
    pub head: Option<Head>,
}

/// Checks the chain, a record at a time (memory does not grow with the trail), and, given an
/// anchor, that the trail still holds that record unchanged. `Ok(Intact)` when all holds, else
/// a message naming the first broken record.
pub fn verify(
    conn: &Connection,
    anchor: Option<&Anchor>,
) -> rusqlite::Result<Result<Intact, String>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, event, file_id, document_id, detail, prev_hash, hash
         FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_owned();
    let mut head: Option<Head> = None;
    let mut count = 0usize;
    while let Some(row) = rows.next()? {
        let r = record(row)?;
        count += 1;
        let expected_seq = i64::try_from(count).unwrap_or(i64::MAX);
        if r.seq != expected_seq {
            return Ok(Err(format!("record {expected_seq} is missing (next is {})", r.seq)));
        }
        if r.prev_hash != prev {
            return Ok(Err(format!("record {} does not chain to record {}", r.seq, r.seq - 1)));
        }
        let hash =
            chain_hash(&r.prev_hash, r.seq, &r.at, &r.event, r.file_id, r.document_id, &r.detail);
        if hash != r.hash {
            return Ok(Err(format!("record {} was altered (`{}`)", r.seq, r.event)));
        }
        if let Some(a) = anchor.filter(|a| a.seq == r.seq && a.hash != r.hash) {
            return Ok(Err(format!(
                "record {} is not the anchored one (its hash is {}, the anchor's {}): the \
                 trail was rewritten up to there",
                a.seq, r.hash, a.hash
            )));
        }
        prev.clone_from(&r.hash);
        head = Some(Head { seq: r.seq, at: r.at, hash: r.hash });
    }
    let last = head.as_ref().map_or(0, |h| h.seq);
    if let Some(a) = anchor.filter(|a| a.seq > last) {
        return Ok(Err(format!(
            "record {} (the anchor) is gone: the trail ends at record {last}, so records were \
             cut off its end or the ledger was put back from an older copy",
            a.seq
        )));
    }
    Ok(Ok(Intact { count, head }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("memory db");
        conn.execute_batch(SCHEMA).expect("schema");
        conn
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let conn = db();
        append(&conn, "claimed", Some(1), None, "a.se").expect("append");
        append(&conn, "posted", Some(1), Some(7), "A 1").expect("append");
        append(&conn, "archived", Some(1), None, "done/a.se").expect("append");
        let intact = verify(&conn, None).expect("query").expect("intact");
        assert_eq!(intact.count, 3);

        assert!(conn.execute("UPDATE audit SET detail = 'x' WHERE seq = 2", []).is_err());
        assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());

        // Someone with raw access drops the triggers and edits a record.
        conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
            .expect("drop");
        conn.execute("UPDATE audit SET detail = 'B 9' WHERE seq = 2", []).expect("edit");
        assert_eq!(
            verify(&conn, None).expect("query"),
            Err("record 2 was altered (`posted`)".into())
        );
        conn.execute("DELETE FROM audit WHERE seq = 2", []).expect("delete");
        assert_eq!(
            verify(&conn, None).expect("query"),
            Err("record 2 is missing (next is 3)".into())
        );
    }

    #[test]
    fn an_anchor_tells_records_cut_off_the_end_and_a_rewritten_trail() {
        let conn = db();
        for detail in ["a.se", "A 1", "done/a.se"] {
            append(&conn, "event", Some(1), None, detail).expect("append");
        }
        let head = verify(&conn, None).expect("query").expect("intact").head.expect("head");
        assert_eq!(head.seq, 3);
        let anchor: Anchor =
            format!("{}:{}", head.seq, head.hash.to_uppercase()).parse().expect("anchor");
        assert_eq!(anchor.hash, head.hash);
        // Later records do not matter; the anchored one is found unchanged.
        append(&conn, "event", Some(2), None, "b.se").expect("append");
        assert_eq!(verify(&conn, Some(&anchor)).expect("query").map(|i| i.count), Ok(4));

        // The newest two records are cut off: the chain alone is still intact.
        conn.execute_batch("DROP TRIGGER audit_no_delete;").expect("drop");
        conn.execute("DELETE FROM audit WHERE seq >= 3", []).expect("cut");
        assert_eq!(verify(&conn, None).expect("query").map(|i| i.count), Ok(2));
        let cut = verify(&conn, Some(&anchor)).expect("query").expect_err("cut off");
        assert!(
            cut.starts_with("record 3 (the anchor) is gone: the trail ends at record 2"),
            "{cut}"
        );

        // Rewritten from record 3 on, chained again: the anchored record is another one.
        append(&conn, "event", Some(1), None, "elsewhere").expect("append");
        let rewritten = verify(&conn, Some(&anchor)).expect("query").expect_err("rewritten");
        assert!(rewritten.starts_with("record 3 is not the anchored one"), "{rewritten}");
    }

    #[test]
    fn an_anchor_is_read_as_printed_or_refused_with_its_form() {
        let hash = "ab".repeat(32);
        assert_eq!(format!(" 12:{hash} ").parse(), Ok(Anchor { seq: 12, hash: hash.clone() }));
        for bad in [
            "12",
            &format!("0:{hash}"),
            "12:abc",
            &format!("x:{hash}"),
            &format!("12:{}", "g".repeat(64)),
        ] {
            let err = bad.parse::<Anchor>().expect_err(bad);
            assert!(err.contains("SEQ:HASH"), "{err}");
        }
    }
}
