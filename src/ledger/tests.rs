//! Tests of the ledger's state round trips and file bookkeeping.

use super::state::{Stored, sql_in, sql_not_in};
use super::{AttachState, DocState, FileState, Ledger, NewFile};

#[test]
fn states_round_trip_and_an_unknown_one_is_treated_as_maybe_sent() {
    for state in [
        DocState::Queued,
        DocState::Posting,
        DocState::Posted,
        DocState::Rejected,
        DocState::Waiting,
    ] {
        assert_eq!(DocState::parse(state.as_str()), state);
    }
    // Written by a newer version: look in Fortnox before sending, never send blindly.
    assert_eq!(DocState::parse("archived"), DocState::Posting);
    for state in [FileState::Processing, FileState::Done, FileState::Failed] {
        assert_eq!(FileState::parse(state.as_str()), state);
    }
    // A newer version's file state: resumed, its documents looked for before sending.
    assert_eq!(FileState::parse("quarantined"), FileState::Processing);
    let attach =
        [AttachState::Uploading, AttachState::Uploaded, AttachState::Attached, AttachState::Failed];
    for state in attach {
        assert_eq!(AttachState::parse(state.as_str()), state);
    }
    // A newer version's attachment state: the inbox is searched before uploading again.
    assert_eq!(AttachState::parse("scanning"), AttachState::Uploading);
}

#[test]
fn files_are_stored_and_found_by_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Ledger::open(&dir.path().join("l.db")).expect("ledger");
    let new = |name: &'static str| NewFile {
        name,
        sha256: "abc",
        size: 1,
        processing_path: name,
        inbox: "in",
        hold: None,
    };
    let a = ledger.add_file(&new("a.se")).expect("a");
    let b = ledger.add_file(&new("b.se")).expect("b");
    let processing = ledger.files_in_processing().expect("list");
    assert_eq!(processing.iter().map(|f| f.state).collect::<Vec<_>>(), [FileState::Processing; 2]);
    ledger.finish_file(a, FileState::Done, "done/a.se", "").expect("finish");
    ledger.finish_file(b, FileState::Failed, "failed/b.se", "").expect("finish");
    assert!(ledger.files_in_processing().expect("list").is_empty());
    assert_eq!(ledger.done_with_sha("abc", b).expect("query").map(|f| f.id), Some(a));
    assert!(ledger.done_with_sha("abc", a).expect("query").is_none(), "b failed");
    assert_eq!(ledger.file_at("b.se").expect("query").map(|f| f.state), Some(FileState::Failed));
    // A state a newer version wrote: not archived, so resumed like a file in processing.
    let c = ledger.add_file(&new("c.se")).expect("c");
    ledger
        .with_conn(|conn| conn.execute("UPDATE files SET state = 'quarantined' WHERE id = ?1", [c]))
        .expect("update");
    let resumed = ledger.files_in_processing().expect("list");
    assert_eq!(
        resumed.iter().map(|f| (f.id, f.state)).collect::<Vec<_>>(),
        [(c, FileState::Processing)]
    );
    assert_eq!(
        ledger.files_due("9999").expect("due").iter().map(|f| f.id).collect::<Vec<_>>(),
        [c]
    );
}

/// Runs every condition [`sql_in`] / [`sql_not_in`] can make for `S` against every stored text
/// (each state's, and one no version of this program wrote) in a real database, and checks it
/// selects exactly the rows whose text `parse` reads as one of the states.
fn assert_sql_selects_as_parse_reads<S: Stored + std::fmt::Debug>(conn: &rusqlite::Connection) {
    conn.execute_batch("DROP TABLE IF EXISTS t; CREATE TABLE t (s TEXT NOT NULL)").expect("table");
    let texts: Vec<&str> = S::ALL.iter().map(|s| s.text()).chain(["archived-v9"]).collect();
    for text in &texts {
        conn.execute("INSERT INTO t (s) VALUES (?1)", [text]).expect("insert");
    }
    for mask in 0..1u32 << S::ALL.len() {
        let set: Vec<S> = S::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & 1 << i != 0)
            .map(|(_, s)| *s)
            .collect();
        for (sql, negated) in [(sql_in("s", &set), false), (sql_not_in("s", &set), true)] {
            let mut stmt = conn.prepare(&format!("SELECT s FROM t WHERE {sql}")).expect("prepare");
            let got: Vec<String> =
                stmt.query_map([], |r| r.get(0)).expect("query").map(|r| r.expect("row")).collect();
            let want: Vec<&str> =
                texts.iter().copied().filter(|t| set.contains(&S::read(t)) != negated).collect();
            assert_eq!(got, want, "{sql} (states {set:?}, negated {negated})");
        }
    }
}

#[test]
fn sql_state_conditions_spell_as_str_and_select_what_parse_reads() {
    // Every variant's condition names its `as_str`; the unknown reading is "none of the others".
    for &state in DocState::ALL {
        let others: Vec<String> = DocState::ALL
            .iter()
            .filter(|s| **s != state)
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let want = if state == DocState::Posting {
            format!("d.state NOT IN ({})", others.join(", "))
        } else {
            format!("d.state IN ('{}')", state.as_str())
        };
        assert_eq!(sql_in("d.state", &[state]), want);
    }
    for &state in FileState::ALL {
        if state != FileState::Processing {
            assert_eq!(sql_in("state", &[state]), format!("state IN ('{}')", state.as_str()));
        }
    }
    for &state in AttachState::ALL {
        if state != AttachState::Uploading {
            assert_eq!(sql_in("a", &[state]), format!("a IN ('{}')", state.as_str()));
        }
    }
    // The queue's own conditions, as they were spelled by hand before (a withdrawn document
    // is stored as rejected).
    assert_eq!(sql_not_in("d.state", &DocState::FINAL), "d.state NOT IN ('posted', 'rejected')");
    assert_eq!(sql_not_in("state", &FileState::ARCHIVED), "state NOT IN ('done', 'failed')");
    assert_eq!(sql_not_in("a", &AttachState::FINAL), "a NOT IN ('attached', 'failed')");
    assert_eq!(sql_in("d.state", &DocState::FINAL), "d.state IN ('posted', 'rejected')");

    let dir = tempfile::tempdir().expect("tempdir");
    let conn = rusqlite::Connection::open(dir.path().join("states.db")).expect("open");
    assert_sql_selects_as_parse_reads::<DocState>(&conn);
    assert_sql_selects_as_parse_reads::<FileState>(&conn);
    assert_sql_selects_as_parse_reads::<AttachState>(&conn);
}

/// A ledger on disk with one file in inbox `in`, whose documents a test inserts as stored rows.
/// A voucher document of `reference`, registered before under `legacy`, with `marker`.
fn voucher_document(reference: &str, legacy: &[&str], marker: &str) -> crate::convert::Document {
    crate::convert::Document {
        reference: reference.to_owned(),
        legacy_references: legacy.iter().map(|l| (*l).to_owned()).collect(),
        marker: marker.to_owned(),
        line: 1,
        label: "x".to_owned(),
        body: crate::convert::Body::Voucher(crate::fortnox::model::VoucherRequest {
            description: "x".to_owned(),
            comments: None,
            transaction_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
            voucher_series: "F".to_owned(),
            voucher_rows: Vec::new(),
        }),
    }
}

/// Registers a file `name` of inbox `in` (one byte, `sha256` as given) and returns its id.
fn add_named_file(ledger: &Ledger, name: &'static str, sha256: &'static str) -> i64 {
    let processing_path = format!("p/{name}");
    let new = NewFile {
        name,
        sha256,
        size: 1,
        processing_path: &processing_path,
        inbox: "in",
        hold: None,
    };
    ledger.add_file(&new).expect("file")
}

/// A voucher record an older release wrote: id, reference, state, Fortnox series and number
/// once posted.
type OlderRecord<'a> = (i64, &'a str, &'a str, Option<(&'a str, i64)>);

/// Writes [`OlderRecord`]s for `file`: marker `[fb:old<id>]`, label `x`.
fn older_records(ledger: &Ledger, file: i64, rows: &[OlderRecord]) {
    ledger
        .with_conn(|c| {
            for &(id, reference, state, fortnox) in rows {
                c.execute(
                    "INSERT INTO documents (id, file_id, reference, marker, kind, label, line,
                     body, state, fortnox_series, fortnox_number, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 'voucher', 'x', ?1, '{}', ?5, ?6, ?7, 'now')",
                    rusqlite::params![
                        id,
                        file,
                        reference,
                        format!("[fb:old{id}]"),
                        state,
                        fortnox.map(|f| f.0),
                        fortnox.map(|f| f.1)
                    ],
                )?;
            }
            Ok(())
        })
        .expect("older records");
}

fn ledger_with_one_file() -> (tempfile::TempDir, Ledger, i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Ledger::open(&dir.path().join("l.db")).expect("ledger");
    let file = add_named_file(&ledger, "z.json", "abc");
    (dir, ledger, file)
}

#[test]
fn a_document_state_a_newer_version_wrote_is_counted_retried_and_notified_as_posting() {
    let (_dir, ledger, file) = ledger_with_one_file();
    // Both wait for a try far ahead, after 9 failed attempts; one in a state only a newer
    // version knows, and a posted one whose attachment is in such a state after a failed try.
    ledger
        .with_conn(|c| {
            c.execute(
                "INSERT INTO documents (id, file_id, reference, marker, kind, label, line, body,
                 state, attempts, next_try, attach, attach_error, updated_at) VALUES
                 (1, ?1, 'ref:new', '[fb:1]', 'voucher', 'A', 1, '{}', 'archived-v9', 9,
                  '2999-01-01T00:00:00.000Z', NULL, NULL, 'now'),
                 (2, ?1, 'ref:wait', '[fb:2]', 'voucher', 'B', 2, '{}', 'waiting', 9,
                  '2999-01-01T00:00:00.000Z', NULL, NULL, 'now'),
                 (3, ?1, 'ref:att', '[fb:3]', 'voucher', 'C', 3, '{}', 'posted', 0,
                  NULL, 'scanning-v9', 'inbox is busy', 'now')",
                [file],
            )
        })
        .expect("insert");
    assert_eq!(ledger.document(1).expect("read").map(|d| d.state), Some(DocState::Posting));
    // Stored as never sent, but read as sent: a newer version may have sent it under a state
    // this one cannot interpret, so it is looked for in Fortnox before anything is sent.
    assert_eq!(ledger.document(1).expect("read").map(|d| d.sent), Some(true));
    assert_eq!(ledger.document(2).expect("read").map(|d| d.sent), Some(false));

    // Status: counted where parse puts it (posting), so the counts add up to the documents.
    let s = ledger.inbox_status("in", "0000", 3).expect("status");
    assert_eq!(s.posting, 1, "{s:?}");
    assert_eq!((s.waiting, s.awaiting_sync, s.posted_total), (1, 1, 1), "{s:?}");
    let sum = s.queued + s.held + s.posting + s.posted_total + s.waiting + s.rejected;
    assert_eq!(sum, 3, "every document counted once: {s:?}");
    assert_eq!((s.attach_waiting, s.attach_failed), (1, 0), "attachment reads as uploading");

    // Notify: only the waiting one awaits sync; the other reads as sent, outcome unknown.
    let told = ledger.awaiting_sync_unnotified(file, 3).expect("awaiting");
    assert_eq!(told.iter().map(|d| d.id).collect::<Vec<_>>(), [2]);

    // Retry: a pending document like the waiting one, so its wait is cleared on request.
    let due = || ledger.files_due("2026-01-01T00:00:00.000Z").expect("due").len();
    assert_eq!(due(), 0, "both wait until 2999");
    assert_eq!(ledger.retry_now(Some("ref:new")).expect("retry"), 1);
    assert_eq!(ledger.document(1).expect("read").and_then(|d| d.next_try), None);
    assert_eq!(due(), 1, "the queue resumes it now");
    assert_eq!(ledger.retry_now(None).expect("retry all"), 1, "the waiting one is left");
    assert_eq!(ledger.retry_now(None).expect("again"), 0, "nothing waits any more");
}

#[test]
fn retry_brings_forward_a_waiting_attachment_but_not_a_finished_one() {
    let (_dir, ledger, file) = ledger_with_one_file();
    // Posted, their files to be attached: one waits for its next try, one is attached (a
    // stale next_try left behind), one was refused for good.
    ledger
        .with_conn(|c| {
            c.execute(
                "INSERT INTO documents (id, file_id, reference, marker, kind, label, line, body,
                 state, attempts, next_try, attach, attach_error, updated_at) VALUES
                 (1, ?1, 'ref:up', '[fb:1]', 'voucher', 'A', 1, '{}', 'posted', 1,
                  '2999-01-01T00:00:00.000Z', 'uploaded', 'inbox is busy', 'now'),
                 (2, ?1, 'ref:done', '[fb:2]', 'voucher', 'B', 2, '{}', 'posted', 1,
                  '2999-01-01T00:00:00.000Z', 'attached', NULL, 'now'),
                 (3, ?1, 'ref:no', '[fb:3]', 'voucher', 'C', 3, '{}', 'posted', 1,
                  '2999-01-01T00:00:00.000Z', 'failed', 'too large', 'now')",
                [file],
            )
        })
        .expect("insert");
    let due = || ledger.files_due("2026-01-01T00:00:00.000Z").expect("due").len();
    assert_eq!(due(), 0, "the attachment waits until 2999");
    assert_eq!(ledger.retry_now(Some("ref:done")).expect("retry"), 0);
    assert_eq!(ledger.retry_now(Some("ref:no")).expect("retry"), 0);
    assert_eq!(ledger.retry_now(None).expect("retry all"), 1);
    assert_eq!(ledger.document(1).expect("read").and_then(|d| d.next_try), None);
    assert_eq!(due(), 1, "the queue attaches it now");
}

/// A ledger made before `files.warnings` and `files.told`: its archived files count as told
/// (nothing is sent again for them), a file archived now is owed until it is told.
#[test]
fn an_older_ledger_gets_the_file_columns_and_owes_nothing_for_old_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    {
        let old = rusqlite::Connection::open(&path).expect("db");
        old.execute_batch(
            "CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
             sha256 TEXT NOT NULL, size INTEGER NOT NULL, processing_path TEXT NOT NULL,
             inbox TEXT NOT NULL DEFAULT '', hold TEXT, state TEXT NOT NULL,
             archived_path TEXT, note TEXT, claimed_at TEXT NOT NULL, finished_at TEXT);
             INSERT INTO files (name, sha256, size, processing_path, state, archived_path,
             claimed_at) VALUES ('old.si', 'abc', 1, '/p/old.si', 'failed', '/f/old.si', 'now');",
        )
        .expect("old schema");
    }
    let ledger = Ledger::open(&path).expect("migrated");
    assert!(ledger.untold_files().expect("untold").is_empty(), "old files are not told again");
    assert!(ledger.file_warnings(1).expect("warnings").is_empty());
    let id = ledger
        .add_file(&NewFile {
            name: "new.si",
            sha256: "def",
            size: 1,
            processing_path: "/p/new.si",
            inbox: "",
            hold: None,
        })
        .expect("file");
    ledger.finish_file(id, FileState::Done, "/d/new.si", "").expect("finish");
    let untold: Vec<i64> = ledger.untold_files().expect("untold").iter().map(|f| f.id).collect();
    assert_eq!(untold, [id]);
    ledger.mark_told(id).expect("told");
    assert!(ledger.untold_files().expect("untold").is_empty());
}

/// A Z-report posted by a release whose content version hashed the amounts as the file wrote
/// them is found under that reference when the same bytes come again: not registered twice.
#[test]
fn a_document_registered_under_its_legacy_reference_is_that_document() {
    let (_dir, ledger, old_file) = ledger_with_one_file();
    older_records(&ledger, old_file, &[(1, "zreport:1:K:7:old", "posted", Some(("F", 1)))]);
    let file = add_named_file(&ledger, "z-igen.json", "def");
    let document = |reference: &str, legacy: Option<&str>| {
        voucher_document(reference, legacy.into_iter().collect::<Vec<_>>().as_slice(), "[fb:7]")
    };
    let same = document("zreport:1:K:7:new", Some("zreport:1:K:7:old"));
    let docs = ledger.add_documents(file, &[same], &[], &[]).expect("add");
    assert_eq!(docs.len(), 1);
    assert_eq!((docs[0].id, docs[0].state), (1, DocState::Posted), "{docs:?}");
    assert_eq!(docs[0].reference, "zreport:1:K:7:old");
    // Another version (legacy or not) is another document, registered to be looked at.
    let other = document("zreport:1:K:7:changed", Some("zreport:1:K:7:changed-as-written"));
    let docs = ledger.add_documents(file, &[other], &[], &[]).expect("add");
    assert_eq!((docs[0].id, docs[0].state), (2, DocState::Queued), "{docs:?}");
    // Two documents of one file an older release named alike: the record is the first's only;
    // the second is added, not taken for the first and never posted.
    let a = document("sie:1:::2026-10-30:a", Some("sie:1:::2026-10-30:old"));
    let b = document("sie:1:::2026-10-30:b", Some("sie:1:::2026-10-30:old"));
    older_records(&ledger, old_file, &[(3, "sie:1:::2026-10-30:old", "rejected", None)]);
    let docs = ledger.add_documents(file, &[a, b], &[], &[]).expect("add");
    assert_eq!((docs[0].id, docs[0].state), (3, DocState::Queued), "{docs:?}");
    assert_eq!(
        (docs[1].reference.as_str(), docs[1].state),
        ("sie:1:::2026-10-30:b", DocState::Queued)
    );
}

/// A queued document a later export withdraws (its order cancelled) is final: never due,
/// never retried, counted as withdrawn (not rejected); one sent already is not withdrawn.
#[test]
fn a_withdrawn_document_is_final_and_counted_apart_from_refusals() {
    let (_dir, ledger, file) = ledger_with_one_file();
    ledger
        .with_conn(|c| {
            c.execute(
                "INSERT INTO documents (id, file_id, reference, marker, kind, label, line, body,
                 state, sent, updated_at) VALUES
                 (1, ?1, 'order:W-1:v1', '[fb:1]', 'order', 'A', 1, '{}', 'queued', 0, 'now'),
                 (2, ?1, 'order:W-2:v1', '[fb:2]', 'order', 'B', 2, '{}', 'posting', 1, 'now')",
                [file],
            )
        })
        .expect("insert");
    let doc = |id| ledger.document(id).expect("read").expect("document");
    assert!(ledger.withdraw(&doc(1), "cancelled (b.csv:2)").expect("withdraw"));
    assert!(!ledger.withdraw(&doc(1), "again").expect("withdraw"), "final now");
    assert!(!ledger.withdraw(&doc(2), "cancelled (b.csv:3)").expect("withdraw"), "sent");
    assert_eq!(doc(1).state, DocState::Withdrawn);
    assert_eq!(doc(1).error.as_deref(), Some("cancelled (b.csv:2)"));
    // Stored as an older release reads a final document: never posted after a downgrade.
    let stored: String = ledger
        .with_conn(|c| c.query_row("SELECT state FROM documents WHERE id = 1", [], |r| r.get(0)))
        .expect("state");
    assert_eq!(stored, "rejected");
    assert_eq!(doc(2).state, DocState::Posting);

    assert_eq!(ledger.retry_now(Some("order:W-1:v1")).expect("retry"), 0);
    let due = ledger.files_due("2999-01-01T00:00:00.000Z").expect("due");
    assert_eq!(due.len(), 1, "only the sent one's file is due: {due:?}");
    let s = ledger.inbox_status("in", "0000", 3).expect("status");
    assert_eq!((s.withdrawn, s.rejected, s.posting), (1, 0, 1), "{s:?}");
}

mod upgrade;
