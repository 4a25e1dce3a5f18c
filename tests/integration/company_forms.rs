//! A SIE file names its company by `#ORGNR`, in 10- or 12-digit form, or not at all. A bridge
//! posts into one Fortnox company, so the same voucher from files that name the company
//! otherwise is one voucher: never booked twice, a changed copy refused.

use fortnox_bridge::convert::{marker_for, sie::amounts_version};
use fortnox_bridge::fortnox::model::VoucherRequest;

use crate::harness::{Workspace, fixture, fixture_with};

const KASSA: &str = "sie/kassa-2026-10.si";

/// The till's file with its `#ORGNR` line replaced by `line`, and `changes` made.
fn kassa_with_orgnr(line: &str, changes: &[(&str, &str)]) -> Vec<u8> {
    let mut all = vec![("#ORGNR 559999-0005", line)];
    all.extend_from_slice(changes);
    fixture_with(KASSA, &all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_numbered_voucher_is_one_voucher_however_its_file_names_the_company() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa.si", &fixture(KASSA));
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2);

    // The 12-digit form: the same references, recognised by the ledger.
    ws.drop_file("kassa-12.si", &kassa_with_orgnr("#ORGNR 16559999-0005", &[]));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing posted again"), "{out:?}");
    // No `#ORGNR` at all: found in Fortnox by the marker its voucher has under the company.
    ws.drop_file("kassa-utan.si", &kassa_with_orgnr("#PROGRAM \"Kassa\" 1", &[]));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "nothing booked twice");
    // Two ledger records name each voucher now; the accountant's export has each once.
    let export = ws.cli(&["audit", "export", "--format", "sie"]);
    assert_eq!(String::from_utf8_lossy(&export.stdout).matches("#VER ").count(), 2);

    // Without `#ORGNR` and changed: refused as a changed copy of the posted voucher.
    let changed = kassa_with_orgnr(
        "#PROGRAM \"Kassa\" 1",
        &[("1580 {} 8930.50", "1580 {} 8931.50"), ("1910 {} 1245.00", "1910 {} 1244.00")],
    );
    ws.drop_file("kassa-andrad.si", &changed);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report = std::fs::read_to_string(failed[0].with_file_name("kassa-andrad.si.error.txt"))
        .expect("report");
    assert!(report.contains("SIE voucher K 1041: already posted as voucher F 1"), "{report}");
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "nothing booked twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unnumbered_voucher_from_a_file_without_orgnr_is_not_booked_beside_the_posted_one() {
    let ws = Workspace::start().await;
    let ver = "#VER \"\" \"\" 20261030 \"Dagskassa 30/10\"\n{\n#TRANS 1910 {} 1234.50\n\
               #TRANS 3001 {} -1234.50\n}\n";
    let head = "#FLAGGA 0\n#SIETYP 4\n";
    ws.drop_file("dag.si", format!("{head}#ORGNR 559999-0005\n{ver}").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    let corrected = ver.replace("1234.50", "1244.50");
    ws.drop_file("dag-igen.si", format!("{head}{corrected}").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report =
        std::fs::read_to_string(failed[0].with_file_name("dag-igen.si.error.txt")).expect("report");
    assert!(
        report.contains("with the text `Dagskassa 30/10` was posted from dag.si as voucher A 1"),
        "{report}"
    );
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    assert_eq!(api.all_vouchers("A", year).await.len(), 1, "the day once");
}

/// The voucher bodies `convert` gives for fixture `rel`, in file order.
fn converted(ws: &Workspace, rel: &str) -> Vec<serde_json::Value> {
    std::fs::write(ws.path("converted"), fixture(rel)).expect("write");
    let out = ws.cli(&["convert", "converted"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("convert prints JSON"))
        .map(|v| v["body"]["Voucher"].clone())
        .collect()
}

/// Posts `voucher` to the sandbox as a release before this one did, its comments' marker and
/// version tag replaced by theirs (`(from, to)` pairs); returns the financial year.
async fn posted_as_before(
    ws: &Workspace,
    mut voucher: serde_json::Value,
    tags: &[(&str, &str)],
) -> u64 {
    let mut comments = voucher["Comments"].as_str().expect("comments").to_owned();
    for (from, to) in tags {
        assert!(comments.contains(from), "{comments}: {from}");
        comments = comments.replace(from, to);
    }
    voucher["Comments"] = comments.into();
    let api = ws.api().await;
    let date = voucher["TransactionDate"].as_str().expect("date").to_owned();
    let year = api.year_of(&date).await;
    api.post(
        &format!("/3/vouchers?financialyear={year}"),
        &serde_json::json!({ "Voucher": voucher }),
    )
    .await;
    year
}

/// A Z-report a release before this one posted with its company in 12-digit form carries the
/// marker of that form: a copy naming the company by ten digits finds it and is not posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zreport_posted_under_the_twelve_digit_form_is_found_by_that_marker() {
    let ws = Workspace::start().await;
    let z = "zreport/restaurang-2026-10-31.json";
    let marker = marker_for("zreport:5599990005:KASSA1:1042");
    let older = marker_for("zreport:165599990005:KASSA1:1042");
    let year = posted_as_before(&ws, converted(&ws, z).remove(0), &[(&marker, &older)]).await;
    let api = ws.api().await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 1);

    ws.drop_file("z-1042.json", &fixture(z));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let shown = ws.cli(&["audit", "show", "z-1042.json"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("Fortnox voucher F 1"), "{shown:?}");
    assert_eq!(api.all_vouchers("F", year).await.len(), 1, "not posted a second time");
}

/// A numbered voucher a release before this one posted (its company in 12-digit form, its
/// version of text and amounts only) is the same voucher when a copy comes again: adopted,
/// neither posted again nor refused as changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_an_older_release_posted_is_recognised_by_its_older_version() {
    let ws = Workspace::start().await;
    let k1042 = converted(&ws, KASSA).remove(1);
    let request: VoucherRequest = serde_json::from_value(k1042.clone()).expect("a voucher");
    let comments = request.comments.clone().unwrap_or_default();
    let (marker, version) = comments
        .rsplit_once(" v:")
        .and_then(|(m, v)| Some((m.rsplit(' ').next()?, v)))
        .expect("tags");
    let older_marker = marker_for("sie:165599990005:K:1042:2026-10-31");
    let older_version = amounts_version(&request.description, &request.voucher_rows);
    assert_ne!(older_version, version, "row texts are in this release's version");
    let tags = [(marker, older_marker.as_str()), (version, older_version.as_str())];
    let year = posted_as_before(&ws, k1042, &tags).await;

    ws.drop_file("kassa.si", &fixture(KASSA));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "K 1041 posted, K 1042 found");
}
