//! End-to-end for documents that look like one from another file: unnumbered SIE vouchers that
//! share a date and text (refused as a possible corrected copy by default, posted with
//! `[sie] look_alike = "post"`), and Z-reports of a register id written in other capitals.

use crate::documents::{error_report, warnings_report};
use crate::harness::{Workspace, fixture};

/// Two registers' daily files, each one unnumbered voucher "Dagsavslut" of the same day with
/// other amounts. By default the second is refused (it may be a corrected copy of the first),
/// and the hint names the setting for tills whose files share their texts; with the setting
/// both are posted, and a file dropped again is still not posted twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_registers_day_closings_with_one_text_are_posted_when_told_so() {
    let till = |amount: &str| {
        format!(
            "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20261105 \"Dagsavslut\"\n{{\n\
             #TRANS 1910 {{}} {amount}\n#TRANS 3001 {{}} -{amount}\n}}\n"
        )
    };
    let ws = Workspace::start().await;
    ws.drop_file("kassa1-20261105.si", till("1200.00").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    ws.drop_file("kassa2-20261105.si", till("800.00").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report = std::fs::read_to_string(failed[0].with_file_name("kassa2-20261105.si.error.txt"))
        .expect("report");
    assert!(
        report.contains("[sie] look_alike = \"post\" posts them, and corrected copies too"),
        "{report}"
    );

    ws.write_config("[sie]\nlook_alike = \"post\"\n");
    ws.drop_file("kassa2-20261105.si", till("800.00").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    ws.drop_file("kassa2-igen.si", till("800.00").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    let api = ws.api().await;
    let year = api.year_of("2026-11-05").await;
    let listed = api.all_vouchers("A", year).await;
    let mut amounts = Vec::new();
    for v in &listed {
        let number = v["VoucherNumber"].as_u64().expect("number");
        let full = api.get(&format!("/3/vouchers/A/{number}?financialyear={year}")).await;
        let rows = full["Voucher"]["VoucherRows"].as_array().cloned().unwrap_or_default();
        amounts.push(rows.iter().map(|r| r["Debit"].as_f64().unwrap_or_default()).sum::<f64>());
    }
    assert_eq!(amounts, [1200.0, 800.0], "each day once");
}

/// A register renamed in the till in other capitals is the same register. Without a name the
/// report's voucher text carries the id: all capitals, all small or capitalised, the copy is
/// found as the report posted before (not "posted with other figures"). Mixed capitals are not
/// among its older names: the copy is refused, naming the posted report, never booked twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_id_in_other_capitals_is_never_booked_twice() {
    let ws = Workspace::start().await;
    let restaurant = String::from_utf8_lossy(&fixture("zreport/restaurang-2026-10-31.json"))
        .replace("\"name\": \"Kassa 1 matsal\",", "");
    assert!(!restaurant.contains("Kassa 1 matsal"));
    let with_id = |id: &str| restaurant.replace("\"id\": \"KASSA1\"", &format!("\"id\": \"{id}\""));
    ws.drop_file("z-kassa1.json", with_id("KASSA1").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    ws.drop_file("z-kassa1-liten.json", with_id("kassa1").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(warnings_report(&ws, "z-kassa1-liten.json").contains("nothing posted again"));

    ws.drop_file("z-kassabar.json", with_id("KassaBar").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    ws.drop_file("z-kassabar-igen.json", with_id("kassaBAR").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = error_report(&ws, "z-kassabar-igen.json");
    assert!(
        report.contains(
            "Z 1042 of register `KassaBar` was posted from z-kassabar.json as voucher F 2; \
             `kassaBAR` is the same register id in other capitals"
        ),
        "{report}"
    );
    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "KASSA1 and KassaBar, once each");
}
