//! Tests of the Z-number series on real ledger files.

use rusqlite::Connection;

use super::{ZGap, ZGapFound, parse_reference};
use crate::convert::zreport::ZNumber;
use crate::ledger::{Ledger, NewFile};

const A: &str = "5599990005";
const B: &str = "5599990013";

fn ledger(dir: &tempfile::TempDir) -> Ledger {
    Ledger::open(&dir.path().join("state.db")).expect("ledger")
}

fn z(org: &str, register: &str, z: u64) -> ZNumber {
    ZNumber { org: org.to_owned(), register: register.to_owned(), z, line: 3 }
}

fn gap(org: &str, register: &str, after: u64, before: u64) -> ZGap {
    ZGap { org: org.to_owned(), register: register.to_owned(), after, before }
}

/// Registers a file carrying `numbers` (and no documents); returns the gaps it revealed.
fn arrive(ledger: &Ledger, numbers: &[ZNumber]) -> Vec<ZGap> {
    let name =
        format!("z-{}.json", numbers.iter().map(|n| n.z.to_string()).collect::<Vec<_>>().join("-"));
    let new = NewFile {
        name: &name,
        sha256: "abc",
        size: 1,
        processing_path: &name,
        inbox: "in",
        hold: None,
    };
    let file = ledger.add_file(&new).expect("file");
    ledger.add_documents(file, &[], numbers, &[]).expect("register");
    ledger.zreport_gaps_found(file).expect("found").into_iter().map(|f| f.gap).collect()
}

fn open(ledger: &Ledger) -> Vec<ZGap> {
    ledger.zreport_gaps_open().expect("open gaps")
}

#[test]
fn a_jump_opens_a_gap_and_the_late_day_closes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1043)]), []);
    let found = arrive(&l, &[z(A, "KASSA1", 1045)]);
    assert_eq!(found, [gap(A, "KASSA1", 1043, 1045)]);
    assert_eq!(
        found[0].describe(),
        "register KASSA1: Z 1044 has not arrived (between 1043 and 1045)"
    );
    assert_eq!(open(&l), found);
    // The next day follows on: no new gap, the hole stays open.
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1046)]), []);
    assert_eq!(open(&l), found);
    // Z 1044 is sent late: it fills the hole and opens none.
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1044)]), []);
    assert_eq!(open(&l), []);
    let audit: i64 = l
        .with_conn(|c| {
            c.query_row("SELECT COUNT(*) FROM audit WHERE event = 'zreport gap'", [], |r| r.get(0))
        })
        .expect("audit");
    assert_eq!(audit, 1, "the gap is in the audit trail once");
}

#[test]
fn a_duplicate_or_an_older_day_opens_no_gap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1043)]), []);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1043)]), [], "the same day again");
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1046)]), [gap(A, "KASSA1", 1043, 1046)]);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1046)]), [], "re-posted: no second gap");
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1044)]), [], "fills part of the hole");
    assert_eq!(open(&l), [gap(A, "KASSA1", 1044, 1046)]);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1045)]), []);
    assert_eq!(open(&l), []);
}

#[test]
fn the_first_report_of_a_register_is_its_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    // Z 1 to 4999 came before the bridge: none is missed.
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 5000)]), []);
    assert_eq!(open(&l), []);
    // An older day sent now, below the baseline: no hole between it and the baseline.
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 4990)]), []);
    assert_eq!(open(&l), []);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 5002)]), [gap(A, "KASSA1", 5000, 5002)]);
    // A first file with several days sets the baseline at its lowest.
    assert_eq!(arrive(&l, &[z(A, "BAR", 79), z(A, "BAR", 77)]), [gap(A, "BAR", 77, 79)]);
}

#[test]
fn each_register_of_each_company_has_its_own_series() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let first = [z(A, "KASSA1", 1043), z(A, "BAR", 77), z(B, "KASSA1", 2000)];
    assert_eq!(arrive(&l, &first), []);
    // Company B's KASSA1 is another register than A's: 2001 follows its own 2000, and A's
    // KASSA1 1044 follows 1043 (not B's 2000).
    assert_eq!(arrive(&l, &[z(B, "KASSA1", 2001), z(A, "KASSA1", 1044)]), []);
    assert_eq!(arrive(&l, &[z(A, "BAR", 79), z(A, "KASSA1", 1045)]), [gap(A, "BAR", 77, 79)]);
    assert_eq!(arrive(&l, &[z(B, "KASSA1", 2005)]), [gap(B, "KASSA1", 2001, 2005)]);
    assert_eq!(open(&l), [gap(A, "BAR", 77, 79), gap(B, "KASSA1", 2001, 2005)]);
}

/// A register renamed in the till in other capitals (`KASSA1`, then `kassa1`) is the same
/// register: its series goes on, and no day is said to be missing.
#[test]
fn a_register_in_other_capitals_continues_its_series() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1042)]), []);
    assert_eq!(arrive(&l, &[z(A, "kassa1", 1043)]), []);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1044)]), [], "1043 arrived, as kassa1");
    assert_eq!(open(&l), []);
    assert_eq!(arrive(&l, &[z(A, "Kassa1", 1046)]), [gap(A, "KASSA1", 1044, 1046)]);
}

/// A ledger of the release before, which kept `kassa1` apart from `KASSA1`: at open the two
/// are one register, so the next report tells no day missing that arrived as `kassa1`.
#[test]
fn registers_an_older_release_kept_apart_by_capitals_are_merged_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1042), z(A, "KASSA1", 1043)]), []);
    l.with_conn(|c| {
        c.execute_batch(&format!(
            "INSERT INTO zreport_registers (org, register, baseline, since)
                 VALUES ('{A}', 'kassa1', 1044, '9999');
             INSERT INTO zreport_numbers (org, register, z_number, file_id, at)
                 VALUES ('{A}', 'kassa1', 1044, 1, 'now');"
        ))
    })
    .expect("as the release before kept it");
    drop(l);
    let l = ledger(&dir);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1045)]), [], "1044 arrived, as kassa1");
    assert_eq!(open(&l), []);
    let registers: i64 = l
        .with_conn(|c| c.query_row("SELECT COUNT(*) FROM zreport_registers", [], |r| r.get(0)))
        .expect("count");
    assert_eq!(registers, 1);
}

#[test]
fn days_in_one_file_are_taken_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1043)]), []);
    // 1045 listed before 1044: together they follow on, nothing is missing.
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1045), z(A, "KASSA1", 1044)]), []);
    // 1049 and 1047 in one file: only 1046 and 1048 are missing, as two gaps.
    let found = arrive(&l, &[z(A, "KASSA1", 1049), z(A, "KASSA1", 1047)]);
    assert_eq!(found, [gap(A, "KASSA1", 1045, 1047), gap(A, "KASSA1", 1047, 1049)]);
    assert_eq!(open(&l), found);
}

#[test]
fn missing_numbers_are_listed_up_to_ten_then_told_as_a_range() {
    let text = |after, before| gap(A, "KASSA1", after, before).missing_text();
    assert_eq!(text(1043, 1045), "Z 1044 has not arrived (between 1043 and 1045)");
    assert_eq!(text(1043, 1046), "Z 1044 and 1045 have not arrived (between 1043 and 1046)");
    assert_eq!(text(1043, 1047), "Z 1044, 1045 and 1046 have not arrived (between 1043 and 1047)");
    assert_eq!(
        text(0, 11),
        "Z 1, 2, 3, 4, 5, 6, 7, 8, 9 and 10 have not arrived (between 0 and 11)"
    );
    assert_eq!(text(0, 12), "Z 1 to 11 (11 numbers) have not arrived (between 0 and 12)");
    let long = gap(A, "KASSA1", 1043, 6044);
    assert_eq!(long.missing(), 5000);
    assert_eq!(
        long.describe(),
        "register KASSA1: Z 1044 to 6043 (5000 numbers) have not arrived (between 1043 and 6044)"
    );
    assert_eq!(long.org_display(), "559999-0005");
}

#[test]
fn gaps_are_notified_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    arrive(&l, &[z(A, "KASSA1", 1043)]);
    arrive(&l, &[z(A, "KASSA1", 1045), z(A, "BAR", 9)]);
    let file = 2;
    let told = |l: &Ledger| -> Vec<bool> {
        l.zreport_gaps_found(file).expect("found").iter().map(|f: &ZGapFound| f.notified).collect()
    };
    assert_eq!(told(&l), [false]);
    assert_eq!(l.zreport_gaps_found(file).expect("found")[0].line, 3);
    l.mark_zreport_gaps_notified(file).expect("mark");
    assert_eq!(told(&l), [true]);
    l.mark_zreport_gaps_notified(file).expect("again");
    let audit: i64 = l
        .with_conn(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM audit WHERE event = 'notified' AND detail = 'zreport gap'",
                [],
                |r| r.get(0),
            )
        })
        .expect("audit");
    assert_eq!(audit, 1);
}

#[test]
fn an_older_ledger_takes_each_registers_highest_z_number_as_its_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    {
        // A ledger from before the Z-number tables, with Z-reports and a SIE voucher posted;
        // Z 1042 never came (older history is not listed: the baseline is the highest).
        let old = Connection::open(&path).expect("old");
        old.execute_batch(
            "CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,
             size INTEGER NOT NULL, processing_path TEXT NOT NULL, inbox TEXT NOT NULL DEFAULT '',
             hold TEXT, state TEXT NOT NULL, archived_path TEXT, note TEXT,
             claimed_at TEXT NOT NULL, finished_at TEXT);
             CREATE TABLE documents (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL,
             reference TEXT NOT NULL UNIQUE, marker TEXT NOT NULL, kind TEXT NOT NULL,
             label TEXT NOT NULL, line INTEGER NOT NULL, body TEXT NOT NULL,
             state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_try TEXT,
             year INTEGER, fortnox_series TEXT, fortnox_number INTEGER, error TEXT,
             notified INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0,
             updated_at TEXT NOT NULL);
             INSERT INTO files (id, name, sha256, size, processing_path, state, claimed_at)
             VALUES (1, 'z.json', 'x', 1, 'p/z.json', 'done', 'then'),
                    (2, 'k.se', 'y', 1, 'p/k.se', 'done', 'then');
             INSERT INTO documents (file_id, reference, marker, kind, label, line, body, state,
             updated_at) VALUES
             (1, 'zreport:5599990005:KASSA1:1043:aa', '[fb:1]', 'voucher', 'Z', 1, '{}', 'posted', 'then'),
             (1, 'zreport:5599990005:KASSA1:1041:bb', '[fb:2]', 'voucher', 'Z', 1, '{}', 'posted', 'then'),
             (1, 'zreport:5599990005:A:B:7:cc', '[fb:3]', 'voucher', 'Z', 1, '{}', 'posted', 'then'),
             (2, 'sie:5599990005:K:1:2026-10-30:dd', '[fb:4]', 'voucher', 'S', 1, '{}', 'posted', 'then');",
        )
        .expect("old ledger");
    }
    let l = Ledger::open(&path).expect("upgraded");
    assert_eq!(open(&l), []);
    assert_eq!(l.documents_of(1).expect("documents").len(), 3, "nothing lost");
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1045)]), [gap(A, "KASSA1", 1043, 1045)]);
    assert_eq!(arrive(&l, &[z(A, "A:B", 8)]), [], "a register id with a colon");
    assert_eq!(arrive(&l, &[z(A, "KASSA1", 1042)]), [], "below the baseline");
    assert_eq!(open(&l), [gap(A, "KASSA1", 1043, 1045)]);
    drop(l);
    // Opening again changes nothing.
    let l = Ledger::open(&path).expect("again");
    assert_eq!(open(&l), [gap(A, "KASSA1", 1043, 1045)]);
}

#[test]
fn z_report_references_read_back_as_register_and_number() {
    let read = |r: &str| parse_reference(r);
    assert_eq!(
        read("zreport:5599990005:KASSA1:1043:0123456789abcdef"),
        Some((A.to_owned(), "KASSA1".to_owned(), 1043))
    );
    assert_eq!(read("zreport:5599990005:A:B:7:v"), Some((A.to_owned(), "A:B".to_owned(), 7)));
    assert_eq!(read("sie:5599990005:K:1:2026-10-30:v"), None);
    assert_eq!(read("zreport:5599990005:KASSA1:x:v"), None);
}

#[test]
fn waived_numbers_close_their_part_of_a_hole_and_are_in_the_trail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = ledger(&dir);
    arrive(&ledger, &[z(A, "KASSA1", 1041)]);
    arrive(&ledger, &[z(A, "KASSA1", 1046)]);
    assert_eq!(open(&ledger), [gap(A, "KASSA1", 1041, 1046)]);
    let found = gap(A, "KASSA1", 1041, 1046);
    ledger.waive_zreport_numbers(&found, 1042, 1043, "training days").expect("waive");
    assert_eq!(open(&ledger), [gap(A, "KASSA1", 1043, 1046)], "1044 and 1045 still missing");
    ledger.waive_zreport_numbers(&found, 1045, 1045, "register broken").expect("waive");
    assert_eq!(open(&ledger), [gap(A, "KASSA1", 1043, 1045)]);
    // The waived day turns up after all: still no hole, and no harm.
    arrive(&ledger, &[z(A, "KASSA1", 1045)]);
    arrive(&ledger, &[z(A, "KASSA1", 1044)]);
    assert!(open(&ledger).is_empty());
    let details: Vec<String> = ledger
        .with_conn(|c| {
            c.prepare("SELECT detail FROM audit WHERE event = 'zreport waived' ORDER BY seq")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .expect("audit");
    assert_eq!(
        details,
        [
            "register KASSA1 (559999-0005): Z 1042 to 1043 will not arrive: training days",
            "register KASSA1 (559999-0005): Z 1045 will not arrive: register broken"
        ]
    );
}
