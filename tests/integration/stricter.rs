//! Checks this release makes that releases before did not, met by a document a release before
//! posted: told as a warning for that document, not held against the file's new documents.

use crate::documents::warnings_report;
use crate::harness::{Workspace, events_in, notify_into};

/// One Z-report of register K: a 12 % line of net 1000.00 with `vat`, paid by card in full.
fn report(z: u32, vat: &str, gross: &str) -> String {
    format!(
        r#"{{"company":{{"name":"Sandlådan","org_number":"559999-0005"}},"register":{{"id":"K"}},
        "z_number":{z},"business_date":"2026-11-0{z}","closed_at":"2026-11-0{z} 20:00",
        "sales":[{{"category":"Mat","vat_rate":12,"net":"1000.00","vat":"{vat}","gross":"{gross}"}}],
        "payments":[{{"method":"card","amount":"{gross}"}}],
        "counts":{{"receipts":1,"returns":0,"receipt_copies":0,"drawer_openings":0}},
        "grand_totals":{{"sales":"{gross}","returns":"0","net":"{gross}"}}}}"#
    )
}

/// A Z-report with another rate's VAT is refused, and with it the whole file. But a report
/// the ledger holds as posted (by a release that only warned of it, or posted as it was then)
/// is not posted again anyway: its error is told as a warning, and the next day's report in
/// the same file is posted, not held back with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stricter_check_does_not_hold_back_a_file_for_a_report_posted_before() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&notify_into(&events));
    ws.drop_file("z1.json", report(1, "120.00", "1120.00").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));

    let both = format!("[{},{}]", report(1, "250.00", "1250.00"), report(2, "120.00", "1120.00"));
    ws.drop_file("z1-z2.json", both.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let warnings = warnings_report(&ws, "z1-z2.json");
    assert!(warnings.contains("it is 25 % of it"), "{warnings}");
    assert!(warnings.contains("Z-report 1 (K) was posted before (from z1.json)"), "{warnings}");
    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "Z 1 once, and Z 2");
    // A person is told to look: the posted report may carry the same mistake.
    let told = events_in(&events);
    assert!(told.iter().any(|e| e["event"] == "file_needs_action"), "{told:?}");

    // A new report with another rate's VAT is still refused, with the file.
    let bad = format!("[{},{}]", report(3, "250.00", "1250.00"), report(4, "120.00", "1120.00"));
    ws.drop_file("z3-z4.json", bad.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(api.all_vouchers("F", year).await.len(), 2);
}
