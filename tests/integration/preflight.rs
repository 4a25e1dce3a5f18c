//! End-to-end for the checks made against Fortnox before anything is sent (and the waits they
//! lead to): mapped accounts, accounts that need a cost centre, series, financial years for
//! vouchers and for invoices to be bookkept.

use std::fmt::Write as _;

use chrono::Datelike;

use crate::documents::{error_report, invoices_with};
use crate::harness::{Workspace, fixture};

/// The web shop export with only order W-1001 (three lines), dated `date`.
fn order_w1001_dated(date: &str) -> String {
    let csv = String::from_utf8(fixture("orders/webbshop-2026-11-20.csv")).expect("UTF-8");
    csv.lines()
        .filter(|l| l.starts_with("order_id;") || l.starts_with("W-1001;"))
        .map(|l| l.replace(";2026-11-18;", &format!(";{date};")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_check_lists_missing_and_inactive_mapped_accounts() {
    let ws = Workspace::start().await;
    ws.write_config(
        "[accounts]\ntips = 3960\ndiscounts = 3990\n[accounts.registers.BAR]\nrounding = 9999\n",
    );
    let out = ws.cli(&["accounts", "check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout.contains("inactive  3960  Valutakursvinster"), "{stdout}");
    assert!(stdout.contains("missing   9999  used for rounding (register BAR)"), "{stdout}");
    assert!(stdout.contains(": 2 missing or inactive"), "{stdout}");
    ws.write_config("[accounts]\ndiscounts = 3990\n");
    let out = ws.cli(&["accounts", "check"]);
    assert_eq!(out.status.code(), Some(0), "the BAS defaults exist in the sandbox: {out:?}");
    // Accounts only a setting books are checked only with that setting: discounts (3730)
    // when Z-reports list them apart, shipping rows (3520) when shipping is a row.
    let checked = |config: &str| {
        ws.write_config(config);
        let out = ws.cli(&["accounts", "check"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let count = text.split(" mapped accounts checked").next().and_then(|t| {
            t.rsplit(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse::<usize>().ok())
        });
        count.unwrap_or_else(|| panic!("no count in {text}"))
    };
    let plain = checked("");
    let separate = checked("[zreport]\ndiscounts = \"separate\"\n[accounts]\ndiscounts = 3731\n");
    let rows = checked("[orders]\nshipping = \"row\"\n[accounts]\nshipping = 3521\n");
    assert_eq!((separate, rows), (plain + 1, plain + 1), "{plain}");

    // Another year's chart by a date in it; a date no year holds says what to do.
    let last_year = format!("{}-06-30", chrono::Local::now().year() - 1);
    let out = ws.cli(&["accounts", "check", "--date", &last_year]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = ws.cli(&["accounts", "check", "--date", "2001-06-30"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("Fortnox has no financial year containing 2001-06-30 (hint: check the date"),
        "{stderr}"
    );
}

/// An account that requires a cost centre (6110 in the sandbox) refuses a row without one before
/// anything is sent, with a hint; the row with its SIE dimension-1 object is posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_without_the_cost_centre_its_account_requires_is_refused_before_posting() {
    let ws = Workspace::start().await;
    let sie = |objects: &str| {
        format!(
            "#FLAGGA 0\n#SIETYP 4\n#DIM 1 \"Kostnadsställe\"\n#VER \"\" \"\" 20261102 \"Pennor\"\n\
             {{\n#TRANS 6110 {{{objects}}} 80.00\n#TRANS 1910 {{}} -80.00\n}}\n"
        )
    };
    ws.drop_file("pennor.si", sie("").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report =
        std::fs::read_to_string(failed[0].with_file_name("pennor.si.error.txt")).expect("report");
    assert!(
        report.contains("account `6110` (Kontorsmateriel) needs a cost centre on every row"),
        "{report}"
    );
    assert!(report.contains("(hint: give those rows a cost centre"), "{report}");
    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    assert!(api.all_vouchers("A", year).await.is_empty(), "nothing sent");

    ws.drop_file("pennor.si", sie("1 \"10\"").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let posted = api.all_vouchers("A", year).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
}

/// Cost centres and projects a row names must exist in Fortnox: one that does not rejects the
/// voucher before it is sent, naming each missing code (in production Fortnox refused it with a
/// Swedish message, after the vouchers before it were posted). Created in Fortnox, the file put
/// back is posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cost_centre_or_project_fortnox_lacks_is_refused_before_posting() {
    let ws = Workspace::start().await;
    let sie = "#FLAGGA 0\n#SIETYP 4\n#DIM 1 \"Kostnadsställe\"\n#DIM 6 \"Projekt\"\n\
               #VER \"\" \"\" 20261102 \"Material\"\n{\n\
               #TRANS 4010 {1 \"99\" 6 \"P-9\"} 100.00\n#TRANS 4010 {1 \"10\" 6 \"1\"} 50.00\n\
               #TRANS 1910 {} -150.00\n}\n";
    ws.drop_file("material.si", sie.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = error_report(&ws, "material.si");
    assert!(
        report.contains(
            "cost centre `99`, project `P-9` do not exist in Fortnox (hint: create them in \
             Fortnox under Settings > Bookkeeping > Cost centres or Projects"
        ),
        "{report}"
    );
    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    assert!(api.all_vouchers("A", year).await.is_empty(), "nothing sent");

    api.post(
        "/3/costcenters",
        &serde_json::json!({"CostCenter": {"Code": "99", "Description": "Lager"}}),
    )
    .await;
    api.post(
        "/3/projects",
        &serde_json::json!({"Project": {"ProjectNumber": "P-9", "Description": "Bygget"}}),
    )
    .await;
    ws.drop_file("material.si", sie.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let posted = api.all_vouchers("A", year).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
}

/// Only the year after the company's latest one is waited for; a date no year will hold (a
/// typo such as 2062) is refused at once, located, with a hint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_far_outside_every_financial_year_is_refused_not_waited_for() {
    let ws = Workspace::start().await;
    let sie = "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20620103 \"Kaffe\"\n{\n\
               #TRANS 3001 {} -50.00\n#TRANS 1910 {} 50.00\n}\n";
    ws.drop_file("typo.si", sie.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = error_report(&ws, "typo.si");
    assert!(
        report.contains("typo.si:3: ")
            && report.contains("no financial year containing 2062-01-03"),
        "{report}"
    );
    assert!(report.contains("(hint: check the date"), "{report}");
}

/// In January the web shop's invoices are made at once, but cannot be bookkept before the
/// accountant opens the new financial year: the order waits (its invoice made once, not booked)
/// instead of failing, and is booked once the year exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_waits_for_its_financial_year_to_be_bookkept() {
    let ws = Workspace::start().await;
    ws.write_config("[upload]\nretry_secs = 1\n[orders]\ncreate = \"invoice\"\nbookkeep = true\n");
    ws.drop_file("webbshop-2028-01-03.csv", order_w1001_dated("2028-01-03").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(3), "it waits: {out:?}");
    assert!(ws.archived("failed").is_empty(), "{:?}", ws.archived("failed"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "is made but not booked: Fortnox has no financial year containing 2028-01-03 yet"
        ),
        "{stderr}"
    );
    let api = ws.api().await;
    let made = invoices_with(&api, "W-1001").await;
    assert_eq!(made.len(), 1, "made once: {made:?}");
    let number = made[0]["DocumentNumber"].as_str().expect("number").to_owned();
    let invoice = api.get(&format!("/3/invoices/{number}")).await;
    assert_eq!(invoice["Invoice"]["Booked"], false);

    api.post(
        "/3/financialyears",
        &serde_json::json!({"FinancialYear": {"FromDate": "2028-01-01", "ToDate": "2028-12-31"}}),
    )
    .await;
    let out = ws.cli(&["retry", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ws.archived("done").len(), 1);
    assert_eq!(invoices_with(&api, "W-1001").await.len(), 1, "not made twice");
    let invoice = api.get(&format!("/3/invoices/{number}")).await;
    assert_eq!(invoice["Invoice"]["Booked"], true, "{invoice}");
}

/// Every problem of a voucher is told at once: a series that does not exist and accounts that
/// do not exist, so one correction round is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_with_several_problems_is_refused_with_all_of_them() {
    let ws = Workspace::start().await;
    let sie = "#FLAGGA 0\n#SIETYP 4\n#VER \"L\" \"7\" 20261102 \"Lön\"\n{\n\
               #TRANS 3998 {} -50.00\n#TRANS 3997 {} 50.00\n}\n";
    ws.drop_file("lon.si", sie.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = error_report(&ws, "lon.si");
    assert!(
        report.contains("lon.si:3: SIE voucher L 7: voucher series `L` does not exist"),
        "{report}"
    );
    assert!(
        report
            .contains("; account `3998` does not exist, account `3997` does not exist in Fortnox"),
        "{report}"
    );
}

/// A file put back after a partial refusal carries what it posted before: its own vouchers are
/// not taken for look-alikes of each other (two unnumbered vouchers of one day with one text),
/// so the refused one, corrected, is posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_put_back_after_a_partial_refusal_posts_the_rest() {
    let ws = Workspace::start().await;
    let day = |objects: &str| {
        format!(
            "#FLAGGA 0\n#SIETYP 4\n#DIM 1 \"Kostnadsställe\"\n\
             #VER \"\" \"\" 20261102 \"Dagskassa\"\n{{\n#TRANS 3001 {{}} -50.00\n#TRANS 1910 {{}} 50.00\n}}\n\
             #VER \"\" \"\" 20261102 \"Dagskassa\"\n{{\n#TRANS 6110 {{{objects}}} 80.00\n#TRANS 1910 {{}} -80.00\n}}\n"
        )
    };
    ws.drop_file("dag.si", day("").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "the second needs a cost centre: {out:?}");
    ws.drop_file("dag.si", day("1 \"10\"").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    assert_eq!(api.all_vouchers("A", year).await.len(), 2, "each once");
}

/// An invoice made but refused booking (its date is in a locked period) says what to do: put it
/// right in Fortnox, then the same file again, which finds the invoice instead of making another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_in_a_locked_period_says_how_to_get_it_booked() {
    let ws = Workspace::start().await;
    ws.write_config("[orders]\ncreate = \"invoice\"\nbookkeep = true\n");
    ws.drop_file("webbshop-2026-08-14.csv", order_w1001_dated("2026-08-14").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = error_report(&ws, "webbshop-2026-08-14.csv");
    assert!(
        report.contains(
            "order W-1001: invoice 1 is made but cannot be booked: 2026-08-14 is in a locked period"
        ),
        "{report}"
    );
    assert!(
        report.contains("put this same file back: invoice 1 is found, not made again, and booked"),
        "{report}"
    );
    let made = invoices_with(&ws.api().await, "W-1001").await;
    assert_eq!(made.len(), 1, "made once: {made:?}");
}

/// Forty numbered vouchers on forty days from `start`, from a file for organisation `org`.
fn forty_days(org: &str, start: &str) -> String {
    let start: chrono::NaiveDate = start.parse().expect("date");
    let mut text = format!("#FLAGGA 0\n#SIETYP 4\n#ORGNR {org}\n");
    for n in 1..=40u64 {
        let date = (start + chrono::Days::new(n - 1)).format("%Y%m%d");
        writeln!(
            text,
            "#VER \"A\" \"{n}\" {date} \"Kaffe {n}\"\n{{\n#TRANS 3001 {{}} -50.00\n\
             #TRANS 1910 {{}} 50.00\n}}"
        )
        .expect("write to a String");
    }
    text
}

/// A file refused for a reason of the whole file (dates in a year Fortnox has no financial year
/// for, another company's organisation number) costs a few requests, not some per voucher or
/// per date, and its report tells the reason once: how many vouchers, which, and their dates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_refused_as_a_whole_asks_little_and_tells_the_reason_once() {
    let ws = Workspace::start().await;
    ws.drop_file("2020.se", forty_days("559999-0005", "2020-01-01").as_bytes());
    let before = ws.sandbox.api_requests();
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let requests = ws.sandbox.api_requests() - before;
    assert!(requests <= 4, "{requests} requests to refuse 40 vouchers on 40 dates");
    let report = error_report(&ws, "2020.se");
    assert!(
        report.contains(
            "\n  2020.se: all 40 vouchers of the file (SIE voucher A 1 (line 4), SIE voucher A 2 \
             (line 9), SIE voucher A 3 (line 14), … SIE voucher A 40 (line 199); dated \
             2020-01-01 … 2020-02-09): Fortnox has no financial year containing the date (hint: \
             check the date"
        ),
        "{report}"
    );
    assert_eq!(report.matches("no financial year").count(), 1, "{report}");

    // Another company's file, dated in an open year: not looked for in Fortnox day by day.
    ws.drop_file("annat-bolag.se", forty_days("556983-6751", "2026-09-01").as_bytes());
    let before = ws.sandbox.api_requests();
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let requests = ws.sandbox.api_requests() - before;
    assert!(requests <= 4, "{requests} requests to refuse another company's 40 vouchers");
    let report = error_report(&ws, "annat-bolag.se");
    assert!(
        report.contains(
            "\n  annat-bolag.se: all 40 vouchers of the file (SIE voucher A 1 (line 4), SIE \
             voucher A 2 (line 9), SIE voucher A 3 (line 14), … SIE voucher A 40 (line 199)): \
             the file is for organisation number 556983-6751 (#ORGNR)"
        ),
        "{report}"
    );
    assert_eq!(report.matches("organisation number 556983-6751").count(), 1, "{report}");
}
