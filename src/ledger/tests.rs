//! Tests of the ledger's state round trips and file bookkeeping.

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
