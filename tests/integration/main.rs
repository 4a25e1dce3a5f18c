//! End-to-end: the real binary as a service on a temporary folder, the sandbox on a free
//! loopback port, real files dropped into the inbox, results read back over the sandbox's API.

mod check;
mod claims;
mod cli;
mod company_forms;
mod crash;
mod customers;
mod documents;
mod fortnox_answers;
mod harness;
mod look_alike;
mod operations;
mod order_vat;
mod outage;
mod preflight;
mod schedules;
mod sie_export;
mod stricter;
mod withdrawn;
mod zgaps;

use std::fmt::Write as _;
use std::time::Duration;

use harness::{Workspace, fixture, fixture_with};
use rust_decimal::Decimal;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_files_are_posted_once_and_archived() {
    let ws = Workspace::start().await;
    let mut service = ws.spawn_service();

    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    // Written in pieces, slower than nothing but faster than the stability window: the bridge
    // must wait until it is complete instead of claiming half a file.
    ws.drop_slowly(
        "inkop-2026-11.si",
        &fixture("sie/inkop-2026-11.si"),
        6,
        Duration::from_millis(60),
    )
    .await;
    ws.drop_file("kassa-trasig.si", &fixture("sie/invalid/kassa-trasig.si"));
    ws.drop_file("~kassa.tmp", b"#FLAGGA 0\n"); // a POS's temporary name: never touched

    ws.wait_for(|| ws.archived("done").len() == 2 && ws.archived("failed").len() == 1).await;

    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "both till vouchers are in series F: {f:?}");
    let a = api.all_vouchers("A", year).await;
    assert_eq!(a.len(), 3, "{a:?}");

    let first = api.get(&format!("/3/vouchers/F/1?financialyear={year}")).await;
    let v = &first["Voucher"];
    assert_eq!(v["Description"], "Dagskassa 30 oktober, Z-rapport 1041");
    assert_eq!(v["TransactionDate"], "2026-10-30");
    let rows = v["VoucherRows"].as_array().expect("rows");
    let row = |account: u64| {
        rows.iter().find(|r| r["Account"].as_u64() == Some(account)).expect("row present")
    };
    assert_eq!(rows.len(), 7);
    let amount = |v: &serde_json::Value| v.to_string().parse::<Decimal>().expect("amount");
    assert_eq!(amount(&row(1580)["Debit"]), Decimal::new(893_050, 2));
    assert_eq!(amount(&row(3002)["Credit"]), Decimal::new(766_741, 2));
    assert_eq!(amount(&row(3002)["Debit"]), Decimal::ZERO);

    // The broken file: in failed/ with a report that names the lines and the problems.
    let failed = ws.archived("failed");
    assert!(failed[0].ends_with("kassa-trasig.si"), "{failed:?}");
    let report = std::fs::read_to_string(failed[0].with_file_name("kassa-trasig.si.error.txt"))
        .expect("error report beside the failed file");
    assert!(report.contains("kassa-trasig.si:7:"), "{report}");
    assert!(report.contains("does not balance"), "{report}");
    assert!(report.contains("kassa-trasig.si:13:"), "{report}");
    assert!(ws.inbox_names() == vec!["~kassa.tmp".to_owned()], "{:?}", ws.inbox_names());

    // The same export again under another name: recognised, archived, not posted again.
    ws.drop_file("kassa-kopia.si", &fixture("sie/kassa-2026-10.si"));
    ws.wait_for(|| ws.archived("done").len() == 3).await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "no double booking");
    // A new export with other bytes (generated later, another header) but the same vouchers:
    // recognised by the vouchers' identities, not by the file's hash.
    let regenerated =
        fixture_with("sie/kassa-2026-10.si", &[("#GEN 20261101", "#GEN 20261102 \"kassa\"")]);
    ws.drop_file("kassa-2026-10-ny-export.si", &regenerated);
    ws.wait_for(|| ws.archived("done").len() == 4).await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "no double booking");

    service.stop();
    let verify = ws.cli(&["audit", "verify"]);
    assert!(verify.status.success(), "{verify:?}");
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_once_processes_the_inbox_and_reports_by_exit_code() {
    let ws = Workspace::start().await;
    ws.drop_file("inkop-2026-11.si", &fixture("sie/inkop-2026-11.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ws.archived("done").len(), 1);

    ws.drop_file("kassa-trasig.si", &fixture("sie/invalid/kassa-trasig.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "a rejected file makes --once exit 1: {out:?}");
    assert_eq!(ws.archived("failed").len(), 1);

    // An import file (.si) that carries balances is refused by the service too, not only `check`.
    ws.drop_file("saldon.si", &fixture("sie/invalid/saldon.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let saldon = failed.iter().find(|p| p.ends_with("saldon.si")).expect("saldon.si failed");
    let report =
        std::fs::read_to_string(saldon.with_file_name("saldon.si.error.txt")).expect("report");
    assert!(report.contains("saldon.si:"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_rejects_what_fortnox_would_refuse_without_posting() {
    let ws = Workspace::start().await;
    // Series K is not mapped here and does not exist in Fortnox.
    ws.write_config("");
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report = std::fs::read_to_string(failed[0].with_file_name("kassa-2026-10.si.error.txt"))
        .expect("report");
    assert!(
        report.contains(
            "kassa-2026-10.si: all 2 vouchers of the file (SIE voucher K 1041 (line 17), SIE \
             voucher K 1042 (line 28)): voucher series `K` does not exist"
        ),
        "{report}"
    );
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let all = api.get(&format!("/3/vouchers?financialyear={year}")).await;
    assert_eq!(all["Vouchers"].as_array().expect("list").len(), 0);

    // The operator follows the hint (maps K to F) and puts the same file back: the rejected
    // vouchers are queued again with the corrected request and posted, once.
    ws.write_config("[sie]\nseries = { K = \"F\" }\n");
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(ws.archived("done").len(), 1);
}

/// A voucher in a year Fortnox does not have yet (the accountant has not opened it, as every
/// January) waits instead of failing, and is posted once the year exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_waits_for_its_financial_year_and_posts_once_it_exists() {
    let ws = Workspace::start().await;
    ws.write_config("[upload]\nretry_secs = 1\n");
    // Its text is longer than Fortnox takes: the warning about the cut must outlive the wait.
    let sie = format!(
        "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20280103 \"Kaffe {}\"\n{{\n\
         #TRANS 3001 {{}} -50.00\n#TRANS 1910 {{}} 50.00\n}}\n",
        "x".repeat(250)
    );
    ws.drop_file("nyar.si", sie.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(3), "it waits: {out:?}");
    assert!(ws.archived("failed").is_empty() && ws.archived("done").is_empty());
    let status = ws.cli(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["inboxes"][0]["waiting"], 1, "{status}");

    // Meanwhile its copy in processing/ cannot be read (the share is down): the voucher keeps
    // waiting instead of the file failing with its voucher never posted.
    let processing = ws.path("processing");
    std::fs::rename(&processing, ws.path("processing-away")).expect("share goes down");
    let out = ws.cli(&["retry", "--all"]);
    assert_eq!(out.status.code(), Some(3), "still waits: {out:?}");
    assert!(ws.archived("failed").is_empty(), "{:?}", ws.archived("failed"));
    std::fs::rename(ws.path("processing-away"), &processing).expect("share is back");

    let api = ws.api().await;
    let year = api
        .post(
            "/3/financialyears",
            &serde_json::json!({"FinancialYear": {"FromDate": "2028-01-01", "ToDate": "2028-12-31"}}),
        )
        .await;
    let year = year["FinancialYear"]["Id"].as_u64().expect("year created");
    let out = ws.cli(&["retry", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let done = ws.archived("done");
    assert_eq!(done.len(), 1);
    assert_eq!(api.all_vouchers("A", year).await.len(), 1);
    let warnings = std::fs::read_to_string(done[0].with_file_name("nyar.si.warnings.txt"))
        .expect("the conversion's warnings, kept through the wait");
    assert!(warnings.contains("nyar.si:3: ") && warnings.contains("; cut"), "{warnings}");
}

/// A file of another company (its `#ORGNR` is not the connected company's 559999-0005) is
/// refused before anything is sent; with its number under `[fortnox] allowed_org_numbers`
/// (here in the 12-digit form) the same file is posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_companys_file_is_refused_unless_its_number_is_allowed() {
    let ws = Workspace::start().await;
    let mut bytes = fixture("sie/kassa-2026-10.si");
    let ours: &[u8] = b"#ORGNR 559999-0005";
    let at = bytes.windows(ours.len()).position(|w| w == ours).expect("#ORGNR line");
    bytes.splice(at..at + ours.len(), b"#ORGNR 556677-8899".iter().copied());
    ws.drop_file("kassa-2026-10.si", &bytes);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    assert!(failed[0].ends_with("kassa-2026-10.si"), "{failed:?}");
    let report = std::fs::read_to_string(failed[0].with_file_name("kassa-2026-10.si.error.txt"))
        .expect("report");
    assert!(
        report.contains(
            "kassa-2026-10.si: all 2 vouchers of the file (SIE voucher K 1041 (line 17), SIE \
             voucher K 1042 (line 28)): the file is for organisation number 556677-8899 \
             (#ORGNR), but the connected Fortnox company is Sandlådan Café & Butik AB \
             (559999-0005) (hint: this file belongs to another company; put it in that \
             company's inbox, or list \"556677-8899\" under [fortnox] allowed_org_numbers"
        ),
        "{report}"
    );
    assert_eq!(report.matches("the file is for").count(), 1, "told once: {report}");
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let all = api.get(&format!("/3/vouchers?financialyear={year}")).await;
    assert_eq!(all["Vouchers"].as_array().expect("list").len(), 0, "nothing posted");

    ws.write_config_with(
        "allowed_org_numbers = [\"16556677-8899\"]\n",
        "[sie]\nseries = { K = \"F\" }\n",
    );
    ws.drop_file("kassa-2026-10.si", &bytes);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ws.archived("done").len(), 1);
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "{f:?}");
}

/// A file refused in part says how many of its documents were posted all the same (they are
/// not posted again when the corrected file is put back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_refused_file_reports_its_posted_documents() {
    let ws = Workspace::start().await;
    ws.write_config("");
    // Voucher 1042 moves to series A, which exists; K 1041 stays in K, which does not.
    let mut bytes = fixture("sie/kassa-2026-10.si");
    let from: &[u8] = b"#VER \"K\" \"1042\"";
    let at = bytes.windows(from.len()).position(|w| w == from).expect("voucher 1042");
    bytes[at + 6] = b'A';
    ws.drop_file("kassa-2026-10.si", &bytes);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report = std::fs::read_to_string(failed[0].with_file_name("kassa-2026-10.si.error.txt"))
        .expect("report");
    assert!(report.contains("voucher series `K` does not exist"), "{report}");
    assert!(
        report.contains(
            "1 other document(s) of this file were posted; they are not posted again when the \
             corrected file is put back:\n  SIE voucher A 1042 as voucher A 1\n"
        ),
        "{report}"
    );
    assert!(report.contains("What to do: follow each problem's hint."), "{report}");
    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    assert_eq!(api.all_vouchers("A", year).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_re_export_of_a_posted_voucher_is_reported_not_booked_twice() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    // The till re-exports October with voucher K 1041 changed (card 8930.50 -> 8931.50).
    let text = fixture_with(
        "sie/kassa-2026-10.si",
        &[("1580 {} 8930.50", "1580 {} 8931.50"), ("1910 {} 1245.00", "1910 {} 1244.00")],
    );
    ws.drop_file("kassa-2026-10-igen.si", &text);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report =
        std::fs::read_to_string(failed[0].with_file_name("kassa-2026-10-igen.si.error.txt"))
            .expect("report");
    assert!(
        report.contains(
            "kassa-2026-10-igen.si:17: SIE voucher K 1041: already posted as voucher F 1 with \
             other figures; it is not posted again (hint: book the difference with a correction \
             voucher in Fortnox; putting this file back changes nothing)"
        ),
        "{report}"
    );
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "nothing booked twice: {f:?}");
}

/// A changed version of a posted numbered voucher shares its marker: it is found as already
/// posted and refused. Also when the file writes its series in lower case, which Fortnox takes
/// as the same series and answers in upper case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_repeat_in_a_lower_case_series_is_refused_not_booked_twice() {
    let ws = Workspace::start().await;
    let version = |amount: &str| {
        format!(
            "#VER \"f\" \"7\" 20261031 \"Kaffe\"\n{{\n#TRANS 4010 {{}} {amount}\n\
             #TRANS 1910 {{}} -{amount}\n}}\n"
        )
    };
    let head = "#FLAGGA 0\n#SIETYP 4\n#ORGNR 559999-0005\n";
    ws.drop_file("kaffe.se", format!("{head}{}", version("50.00")).as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    ws.drop_file("kaffe-igen.se", format!("{head}{}", version("60.00")).as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report = std::fs::read_to_string(failed[0].with_file_name("kaffe-igen.se.error.txt"))
        .expect("report");
    assert!(report.contains("already posted as voucher F 1 with other figures"), "{report}");
    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 1, "booked once: {f:?}");
}

/// A file of numbered vouchers dated the same day, against Fortnox's documented list shape
/// (items without `Comments`, so vouchers are fetched whole to read their marker): the day is
/// listed once for the whole file, not once per voucher with every earlier one fetched again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_one_days_vouchers_lists_that_day_once() {
    let ws =
        Workspace::start_with(|o| o.list_comments = fortnox_bridge::sandbox::ListComments::Absent)
            .await;
    let mut text = String::from("#FLAGGA 0\n#SIETYP 4\n#ORGNR 559999-0005\n");
    for n in 1..=12 {
        writeln!(
            text,
            "#VER \"F\" \"{n}\" 20261031 \"Kaffe {n}\"\n{{\n#TRANS 4010 {{}} 50.00\n\
             #TRANS 1910 {{}} -50.00\n}}"
        )
        .expect("write to a String");
    }
    ws.drop_file("dag.se", text.as_bytes());
    let before = ws.sandbox.api_requests();
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let requests = ws.sandbox.api_requests() - before;
    // 12 creates, one listing, preflight's lookups (year, lock, series, accounts). Listing the
    // day for each voucher and fetching the earlier ones whole would add 11 + 66.
    assert!(requests <= 24, "{requests} requests for 12 vouchers");
    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 12, "{f:?}");
}

/// A till exports its day again, corrected, as unnumbered vouchers (known only by their rows):
/// the changed voucher is refused, naming the posted one, instead of booking the day twice. The
/// unchanged ones are recognised as posted, and another voucher of that day with a text of its
/// own is posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_reexport_of_unnumbered_vouchers_is_refused_not_booked_twice() {
    let ws = Workspace::start().await;
    let ver = |text: &str, ore: u32| {
        format!(
            "#VER \"\" \"\" 20261030 \"{text}\"\n{{\n#TRANS 1910 {{}} {}.{:02}\n\
             #TRANS 3001 {{}} -{}.{:02}\n}}\n",
            ore / 100,
            ore % 100,
            ore / 100,
            ore % 100
        )
    };
    let head = "#FLAGGA 0\n#SIETYP 4\n#ORGNR 559999-0005\n";
    let first = format!("{head}{}{}", ver("Dagskassa 30/10", 123_450), ver("Växel", 50_000));
    ws.drop_file("dag-2026-10-30.si", first.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let corrected = format!(
        "{head}{}{}{}",
        ver("Dagskassa 30/10", 124_450),
        ver("Växel", 50_000),
        ver("Dricks 30/10", 9_000)
    );
    ws.drop_file("dag-2026-10-30.si", corrected.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    let report = std::fs::read_to_string(failed[0].with_file_name("dag-2026-10-30.si.error.txt"))
        .expect("report");
    assert!(
        report.contains(
            "dag-2026-10-30.si:4: SIE voucher of 2026-10-30: a voucher of 2026-10-30 with the \
             text `Dagskassa 30/10` was posted from dag-2026-10-30.si as voucher A 1;"
        ),
        "{report}"
    );
    assert!(report.contains("(hint: if this file corrects the earlier one"), "{report}");
    assert!(report.contains("1 other document(s) of this file were posted"), "{report}");
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let texts: Vec<String> = api
        .all_vouchers("A", year)
        .await
        .iter()
        .map(|v| v["Description"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(texts, ["Dagskassa 30/10", "Växel", "Dricks 30/10"], "the day once");
}
