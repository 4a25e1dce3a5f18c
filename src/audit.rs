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
    let rows = stmt.query_map([], |r| {
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
    })?;
    rows.collect()
}

/// Checks the chain; `Ok(count)` when intact, else a message naming the first broken record.
pub fn verify(conn: &Connection) -> rusqlite::Result<Result<usize, String>> {
    let records = records(conn)?;
    let mut prev = GENESIS.to_owned();
    for (i, r) in records.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
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
        prev.clone_from(&r.hash);
    }
    Ok(Ok(records.len()))
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
        assert_eq!(verify(&conn).expect("query"), Ok(3));

        assert!(conn.execute("UPDATE audit SET detail = 'x' WHERE seq = 2", []).is_err());
        assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());

        // Someone with raw access drops the triggers and edits a record.
        conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
            .expect("drop");
        conn.execute("UPDATE audit SET detail = 'B 9' WHERE seq = 2", []).expect("edit");
        assert_eq!(verify(&conn).expect("query"), Err("record 2 was altered (`posted`)".into()));
        conn.execute("DELETE FROM audit WHERE seq = 2", []).expect("delete");
        assert_eq!(verify(&conn).expect("query"), Err("record 2 is missing (next is 3)".into()));
    }
}
