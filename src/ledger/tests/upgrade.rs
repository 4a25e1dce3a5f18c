//! A ledger an older release wrote, opened by this one.

use super::*;

/// A ledger a release before this one wrote names a register by the company's digits as the
/// report wrote them (12 of them) and the register id untrimmed: at the next open they are
/// renamed as reports are named now, so the first report after the upgrade continues the
/// series and a missing day is still told.
#[test]
fn registers_an_older_release_named_otherwise_continue_their_series() {
    let (dir, ledger, file) = ledger_with_one_file();
    ledger
        .with_conn(|c| {
            c.execute_batch(&format!(
                "INSERT INTO zreport_registers (org, register, baseline, since) VALUES
                 ('165599990005', 'KASSA1 ', 1042, 'then');
                 INSERT INTO zreport_numbers (org, register, z_number, file_id, at) VALUES
                 ('165599990005', 'KASSA1 ', 1042, {file}, 'then'),
                 ('165599990005', 'KASSA1 ', 1043, {file}, 'then');"
            ))
        })
        .expect("older rows");
    drop(ledger);
    let ledger = Ledger::open(&dir.path().join("l.db")).expect("reopened");
    let z = |n: u64| crate::convert::zreport::ZNumber {
        org: "5599990005".into(),
        register: "KASSA1".into(),
        z: n,
        line: 1,
    };
    ledger.add_documents(file, &[], &[z(1045)], &[]).expect("registered");
    let gaps = ledger.zreport_gaps_open().expect("gaps");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!((gaps[0].org.as_str(), gaps[0].after, gaps[0].before), ("5599990005", 1043, 1045));
    let rows: i64 = ledger
        .with_conn(|c| c.query_row("SELECT count(*) FROM zreport_registers", [], |r| r.get(0)))
        .expect("count");
    assert_eq!(rows, 1, "one register");
}

#[test]
fn a_register_known_under_both_names_is_merged_with_the_lower_baseline() {
    let (dir, ledger, file) = ledger_with_one_file();
    ledger
        .with_conn(|c| {
            c.execute_batch(&format!(
                "INSERT INTO zreport_registers (org, register, baseline, since) VALUES
                 ('165599990005', 'KASSA1 ', 1040, 'then'), ('5599990005', 'KASSA1', 1042, 'now');
                 INSERT INTO zreport_numbers (org, register, z_number, file_id, at) VALUES
                 ('165599990005', 'KASSA1 ', 1040, {file}, 'then'),
                 ('165599990005', 'KASSA1 ', 1042, {file}, 'then'),
                 ('5599990005', 'KASSA1', 1042, {file}, 'now');
                 INSERT INTO zreport_waived (org, register, z_number, reason, at) VALUES
                 ('165599990005', 'KASSA1 ', 1041, 'training', 'then');"
            ))
        })
        .expect("older rows");
    drop(ledger);
    let ledger = Ledger::open(&dir.path().join("l.db")).expect("reopened");
    let read = |sql: &str| -> Vec<(String, String, i64)> {
        ledger
            .with_conn(|c| {
                let mut stmt = c.prepare(sql)?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect()
            })
            .expect("rows")
    };
    let one = |n: i64| ("5599990005".to_owned(), "KASSA1".to_owned(), n);
    assert_eq!(read("SELECT org, register, baseline FROM zreport_registers"), [one(1040)]);
    let numbers = "SELECT org, register, z_number FROM zreport_numbers ORDER BY z_number";
    assert_eq!(read(numbers), [one(1040), one(1042)]);
    assert_eq!(read("SELECT org, register, z_number FROM zreport_waived"), [one(1041)]);
    assert!(ledger.zreport_gaps_open().expect("gaps").is_empty(), "1041 waived");
}

/// A copy an older release posted wins over a refused record of this release's name (a copy
/// refused as looking like it); a refused record queued again takes this release's name and
/// marker, so a lost answer is looked for by the marker its request carries.
#[test]
fn a_posted_older_record_wins_and_a_requeued_one_takes_the_new_name() {
    let (_dir, ledger, old_file) = ledger_with_one_file();
    older_records(
        &ledger,
        old_file,
        &[
            (1, "sie:165599990005:::2026-10-30:v", "posted", Some(("A", 1))),
            (2, "sie:5599990005:::2026-10-30:v", "rejected", None),
            (3, "sie:165599990005:::2026-10-31:w", "rejected", None),
        ],
    );
    let file = add_named_file(&ledger, "igen.si", "fed");
    let doc = |reference: &str, legacy: &str, marker: &str| {
        voucher_document(reference, &[legacy], marker)
    };
    let docs = ledger
        .add_documents(
            file,
            &[
                doc(
                    "sie:5599990005:::2026-10-30:v",
                    "sie:165599990005:::2026-10-30:v",
                    "[fb:new1]",
                ),
                doc(
                    "sie:5599990005:::2026-10-31:w",
                    "sie:165599990005:::2026-10-31:w",
                    "[fb:new2]",
                ),
            ],
            &[],
            &[],
        )
        .expect("add");
    assert_eq!((docs[0].id, docs[0].state), (1, DocState::Posted), "{docs:?}");
    assert_eq!((docs[1].id, docs[1].state), (3, DocState::Queued), "{docs:?}");
    assert_eq!(docs[1].reference, "sie:5599990005:::2026-10-31:w");
    assert_eq!(docs[1].marker, "[fb:new2]");
    // Its older names are kept with it: a Fortnox voucher carrying their version is it.
    let old_name = "sie:165599990005:::2026-10-31:w".to_owned();
    assert_eq!(ledger.older_names(docs[1].id).expect("older"), ["w".to_owned(), old_name]);
    let fresh =
        doc("sie:5599990005:A:9:2026-11-01:n", "sie:165599990005:A:9:2026-11-01:o", "[fb:9]");
    let docs = ledger.add_documents(file, &[fresh], &[], &[]).expect("add");
    assert_eq!(ledger.older_names(docs[0].id).expect("older"), ["o"], "its versions only");
}

/// An unnumbered voucher's older (amount-only) name may be the name of another voucher of the
/// same file, one without objects: that record is the other voucher's, never this one's.
#[test]
fn another_documents_name_is_never_an_older_name() {
    let (_dir, ledger, old_file) = ledger_with_one_file();
    older_records(
        &ledger,
        old_file,
        &[
            (1, "sie:1:::2026-10-30:plain", "posted", Some(("A", 1))),
            (2, "sie:1:::2026-10-30:centre", "rejected", None),
        ],
    );
    let file = add_named_file(&ledger, "igen.si", "fed");
    let with_centre =
        voucher_document("sie:1:::2026-10-30:centre", &["sie:1:::2026-10-30:plain"], "[fb:a]");
    let without = voucher_document("sie:1:::2026-10-30:plain", &[], "[fb:b]");
    let docs = ledger.add_documents(file, &[with_centre, without], &[], &[]).expect("add");
    assert_eq!((docs[0].id, docs[0].state), (2, DocState::Queued), "{docs:?}");
    assert_eq!((docs[1].id, docs[1].state), (1, DocState::Posted), "{docs:?}");
}
