//! `audit export --format sie`: what the bridge posted, as a SIE 4I file an accountant imports
//! by hand, read back by `check` with the same figures as the files it came from.

use serde_json::Value;

use crate::harness::{Workspace, fixture};

fn checked(ws: &Workspace, path: &str) -> Value {
    let out = ws.cli(&["check", path, "--json"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn debit(v: &Value) -> f64 {
    v["debit_total"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .or_else(|| v["debit_total"].as_f64())
        .expect("debit")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_posted_vouchers_export_as_sie_4i_with_their_figures() {
    let ws = Workspace::start().await;
    // The order is not a voucher of ours: Fortnox books it.
    let sources = [
        ("kassa.si", "sie/kassa-2026-10.si", true),
        ("z-1042.json", "zreport/restaurang-2026-10-31.json", true),
        ("webbshop.csv", "orders/webbshop-2026-11-20.csv", false),
    ];
    let mut expected = 0.0;
    for (name, path, voucher) in sources {
        ws.drop_file(name, &fixture(path));
        if voucher {
            expected += debit(&checked(&ws, &format!("inbox/{name}")));
        }
    }
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let out = ws.cli(&["audit", "export", "--format", "sie", "-o", "posted.si"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let told = String::from_utf8_lossy(&out.stderr);
    assert!(
        told.contains("3 posted voucher(s) written as SIE 4I"),
        "orders are not vouchers: {told}"
    );
    let bytes = std::fs::read(ws.path("posted.si")).expect("written");
    assert!(bytes.starts_with(b"#FLAGGA 0\r\n#KSUMMA\r\n"), "{}", String::from_utf8_lossy(&bytes));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("#ORGNR 559999-0005\r\n"), "{text}");
    assert!(text.contains("#VER \"F\" \"1\" 20261030 "), "{text}");

    let v = checked(&ws, "posted.si");
    assert_eq!(
        (v["format"].as_str(), v["encoding"].as_str()),
        (Some("SIE 4I"), Some("cp437")),
        "{v}"
    );
    // Read whole, with nothing wrong but what it is: not for the inbox (below).
    assert_eq!(v["vouchers"], 3, "{v}");
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(0), "{v}");
    let errors: Vec<&str> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        errors.len() == 1 && errors[0].starts_with("the file is fortnox-bridge's own export"),
        "{v}"
    );
    assert!((debit(&v) - expected).abs() < 0.005, "{v} against {expected}");

    // One day: the till's K 1042 and the Z-report of 31 October.
    let out = ws.cli(&[
        "audit",
        "export",
        "--format",
        "sie",
        "--from",
        "2026-10-31",
        "--to",
        "2026-10-31",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("#VER ").count(), 2);
    // Dropped in the inbox by mistake, the export is refused: its vouchers are in Fortnox.
    let before = ws.api().await;
    let year = before.year_of("2026-10-30").await;
    let posted = before.all_vouchers("F", year).await.len();
    ws.drop_file("posted.si", &bytes);
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(1));
    let failed = ws.archived("failed");
    let report =
        std::fs::read_to_string(failed[0].with_file_name("posted.si.error.txt")).expect("report");
    assert!(report.contains("fortnox-bridge's own export of vouchers it posted"), "{report}");
    assert_eq!(before.all_vouchers("F", year).await.len(), posted, "nothing booked again");
    let out = ws.cli(&["audit", "export", "--format", "csv", "--from", "2026-10-31"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
