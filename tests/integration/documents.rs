//! End-to-end for Z-reports and order exports: the real binary against the sandbox, including
//! the same file dropped again, a changed Z-report, and an overlapping order export; a file
//! whose documents were all posted before says so.

use fortnox_bridge::sandbox::FaultPlan;
use serde_json::Value;

use crate::harness::{Api, Workspace, events_in, fixture, notify_into};

pub(crate) fn error_report(ws: &Workspace, name: &str) -> String {
    let failed = ws.archived("failed");
    let file = failed.iter().find(|p| p.ends_with(name)).expect("file in failed/");
    std::fs::read_to_string(file.with_file_name(format!("{name}.error.txt"))).expect("report")
}

/// The `NAME.warnings.txt` beside file `name` in done/.
pub(crate) fn warnings_report(ws: &Workspace, name: &str) -> String {
    let done = ws.archived("done");
    let file = done.iter().find(|p| p.ends_with(name)).expect("file in done/");
    std::fs::read_to_string(file.with_file_name(format!("{name}.warnings.txt")))
        .expect("warnings beside the file")
}

pub(crate) fn list<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key].as_array().unwrap_or_else(|| panic!("{key}: {value}"))
}

pub(crate) async fn orders_with(api: &Api, reference: &str) -> Vec<Value> {
    with_reference(api, "orders", "Orders", reference).await
}

pub(crate) async fn invoices_with(api: &Api, reference: &str) -> Vec<Value> {
    with_reference(api, "invoices", "Invoices", reference).await
}

async fn with_reference(api: &Api, path: &str, key: &str, reference: &str) -> Vec<Value> {
    let all = api.get(&format!("/3/{path}?externalinvoicereference1={reference}")).await;
    list(&all, key)
        .iter()
        .filter(|o| o["ExternalInvoiceReference1"] == reference)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zreport_is_posted_once_and_a_changed_copy_is_reported() {
    let ws = Workspace::start().await;
    let restaurant = fixture("zreport/restaurang-2026-10-31.json");
    ws.drop_file("z-1042.json", &restaurant);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    let f = api.get(&format!("/3/vouchers/F/1?financialyear={year}")).await;
    let v = &f["Voucher"];
    assert_eq!(v["Description"], "Z-rapport 1042 Kassa 1 matsal 2026-10-31");
    assert_eq!(v["TransactionDate"], "2026-10-31");
    assert_eq!(list(v, "VoucherRows").len(), 16);

    // The same report again (another name, other bytes): recognised, nothing posted, and
    // said beside it.
    let again = String::from_utf8_lossy(&restaurant).replace("  ", " ");
    ws.drop_file("z-1042-kopia.json", again.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let warnings = warnings_report(&ws, "z-1042-kopia.json");
    assert!(
        warnings.contains(
            "z-1042-kopia.json: its document, Z-report 1042 (KASSA1), was posted before, from "
        ) && warnings.contains("z-1042.json as voucher F 1: nothing posted again"),
        "{warnings}"
    );
    assert!(warnings.starts_with("fortnox-bridge read `z-1042-kopia.json` and posted nothing"));
    // Re-serialised by another JSON library (`8250.0` for `8250.00`): the same figures, the
    // same report, not a changed one.
    let reserialised = String::from_utf8_lossy(&restaurant).replace(".00", ".0");
    assert!(reserialised.contains("\"net\": 8250.0,"), "{reserialised}");
    ws.drop_file("z1042-reexport.json", reserialised.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(api.all_vouchers("F", year).await.len(), 1, "one voucher for Z 1042");
    // The company's number in its 12-digit form, the register id with a space: the same
    // register, the same report.
    let written_otherwise = String::from_utf8_lossy(&restaurant)
        .replace("\"559999-0005\"", "\"16559999-0005\"")
        .replace("\"id\": \"KASSA1\"", "\"id\": \"KASSA1 \"");
    assert!(written_otherwise.contains("16559999-0005") && written_otherwise.contains("KASSA1 "));
    ws.drop_file("z1042-org12.json", written_otherwise.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(warnings_report(&ws, "z1042-org12.json").contains("nothing posted again"));
    assert_eq!(api.all_vouchers("F", year).await.len(), 1, "one voucher for Z 1042");
    // The register renamed in the till in small letters: the same register.
    let renamed =
        String::from_utf8_lossy(&restaurant).replace("\"id\": \"KASSA1\"", "\"id\": \"kassa1\"");
    ws.drop_file("z1042-kassa1.json", renamed.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(warnings_report(&ws, "z1042-kassa1.json").contains("nothing posted again"));
    assert_eq!(api.all_vouchers("F", year).await.len(), 1, "one voucher for Z 1042");
    // A changed copy of the same Z number: reported, not booked a second time.
    let changed = String::from_utf8_lossy(&restaurant)
        .replace("\"amount\": 2145.00", "\"amount\": 2146.00")
        .replace("\"rounding\": -0.20", "\"rounding\": 0.80");
    ws.drop_file("z-1042-andrad.json", changed.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = error_report(&ws, "z-1042-andrad.json");
    assert!(
        report.contains(
            "z-1042-andrad.json:1: Z-report 1042 (KASSA1): already posted as voucher F 1 with \
             other figures"
        ),
        "{report}"
    );
    assert_eq!(api.all_vouchers("F", year).await.len(), 1, "one voucher for Z 1042");
}

/// The file connections of voucher `series number` (year `year`), with each file's bytes.
async fn attachments(api: &Api, series: &str, number: u64, year: u64) -> Vec<(Value, Vec<u8>)> {
    let all = api.get("/3/voucherfileconnections?limit=500").await;
    let mut out = Vec::new();
    for c in list(&all, "VoucherFileConnections") {
        if c["VoucherSeries"] == series
            && c["VoucherNumber"].as_str() == Some(number.to_string().as_str())
            && c["VoucherYear"] == year
        {
            let id = c["FileId"].as_str().expect("FileId");
            out.push((c.clone(), api.get_bytes(&format!("/3/inbox/{id}")).await));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zreport_files_are_attached_to_their_vouchers_once_despite_lost_answers() {
    let ws = Workspace::start().await;
    ws.write_config("[zreport]\nattach_file = true\n");
    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;

    // 1. The connection is made but its answer is lost: found by reading it, not made again.
    ws.sandbox.plan_faults(FaultPlan {
        drop_next_writes: 1,
        only_under: Some("/voucherfileconnections"),
        ..FaultPlan::default()
    });
    let restaurant = fixture("zreport/restaurang-2026-10-31.json");
    ws.drop_file("z-1042.json", &restaurant);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let found = attachments(&api, "F", 1, year).await;
    assert_eq!(found.len(), 1, "one connection for F 1");
    assert_eq!(found[0].1, restaurant, "the original bytes");
    assert!(found[0].0["Name"].as_str().expect("name").ends_with("-z-1042.json"));

    // 2. The upload is stored but its answer is lost: found in the inbox, not uploaded again.
    ws.sandbox.plan_faults(FaultPlan {
        drop_next_writes: 1,
        only_under: Some("/inbox"),
        ..FaultPlan::default()
    });
    let z1043 =
        String::from_utf8_lossy(&restaurant).replace("\"z_number\": 1042", "\"z_number\": 1043");
    ws.drop_file("z-1043.json", z1043.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let found = attachments(&api, "F", 2, year).await;
    assert_eq!(found.len(), 1, "one connection for F 2");
    assert_eq!(found[0].1, z1043.as_bytes());

    // 3. Fortnox fails after the upload (the connection cannot even be read): the voucher
    //    stays posted, the attachment waits and is retried with the recorded file id.
    ws.sandbox.plan_faults(FaultPlan {
        fail_next: 5,
        only_under: Some("/voucherfileconnections"),
        ..FaultPlan::default()
    });
    let z1044 =
        String::from_utf8_lossy(&restaurant).replace("\"z_number\": 1042", "\"z_number\": 1044");
    ws.drop_file("z-1044.json", z1044.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let found = attachments(&api, "F", 3, year).await;
    assert_eq!(found.len(), 1, "one connection for F 3");
    assert_eq!(found[0].1, z1044.as_bytes());

    // 4. The upload fails (500), and then, when it is sent again, its answer is lost: the
    //    next try looks for it in the inbox before uploading (found), then connects once.
    ws.sandbox.plan_faults(FaultPlan {
        fail_next: 1,
        drop_next_writes: 1,
        only_under: Some("/inbox"),
        ..FaultPlan::default()
    });
    let z1045 =
        String::from_utf8_lossy(&restaurant).replace("\"z_number\": 1042", "\"z_number\": 1045");
    ws.drop_file("z-1045.json", z1045.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let found = attachments(&api, "F", 4, year).await;
    assert_eq!(found.len(), 1, "one connection for F 4");
    assert_eq!(found[0].1, z1045.as_bytes());
    let trail = ws.cli(&["audit", "show", "F", "4"]);
    let text = String::from_utf8_lossy(&trail.stdout);
    assert_eq!(text.matches("attachment uploading").count(), 2, "{text}");
    assert!(text.contains("found in the Fortnox inbox after the answer was lost"), "{text}");

    let inbox = api.get("/3/inbox?path=inbox_v").await;
    assert_eq!(list(&inbox["Folder"], "Files").len(), 4, "each file uploaded once: {inbox}");
    let all = api.get("/3/voucherfileconnections").await;
    assert_eq!(list(&all, "VoucherFileConnections").len(), 4);
    assert_eq!(ws.archived("done").len(), 4);

    let trail = ws.cli(&["audit", "show", "F", "3"]);
    let text = String::from_utf8_lossy(&trail.stdout);
    assert!(text.contains("source file attached (Fortnox file "), "{text}");
    assert!(text.contains("attachment waiting") && text.contains("attached"), "{text}");
    let status = ws.cli(&["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["inboxes"][0]["attach_waiting"], 0, "{status}");
    assert_eq!(status["inboxes"][0]["attach_failed"], 0, "{status}");
    assert_eq!(status["inboxes"][0]["posted_total"], 4, "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_become_invoices_once_and_changed_orders_are_reported() {
    let ws = Workspace::start().await;
    ws.write_config("[orders]\ncreate = \"order+invoice\"\nbookkeep = true\nemail = true\n");
    ws.drop_file("webbshop-2026-11-20.csv", &fixture("orders/webbshop-2026-11-20.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;

    // Returning customers are found (organisation number, e-mail, customer number); the new
    // one is created once.
    let customer_of = |o: &Value| o["CustomerNumber"].as_str().unwrap_or_default().to_owned();
    let w1001 = orders_with(&api, "W-1001").await;
    assert_eq!(w1001.len(), 1);
    assert_eq!(customer_of(&w1001[0]), "1");
    assert_eq!(customer_of(&orders_with(&api, "W-1003").await[0]), "4");
    assert_eq!(customer_of(&orders_with(&api, "W-1004").await[0]), "2");
    let w1002 = orders_with(&api, "W-1002").await;
    let new_customer = customer_of(&w1002[0]);
    let customer = api.get(&format!("/3/customers/{new_customer}")).await;
    assert_eq!(customer["Customer"]["Email"], "testa.testsson@example.org");
    assert_eq!(customer["Customer"]["Type"], "PRIVATE");

    // Order W-1002: the missing article TE-EARL went as a free-text row on 3003 (6 %).
    let number = w1002[0]["DocumentNumber"].as_str().expect("number").to_owned();
    let order = api.get(&format!("/3/orders/{number}")).await;
    let rows = list(&order["Order"], "OrderRows");
    let tea = rows.iter().find(|r| r["Description"] == "Earl Grey lösvikt").expect("tea row");
    assert_eq!((tea["ArticleNumber"].as_str(), tea["AccountNumber"].as_i64()), (None, Some(3003)));
    assert_eq!(tea["Unit"], "kg");
    let invoice_number = order["Order"]["InvoiceReference"].as_str().expect("invoiced").to_owned();
    let invoice = api.get(&format!("/3/invoices/{invoice_number}")).await;
    assert_eq!(invoice["Invoice"]["Booked"], true);
    assert_eq!(invoice["Invoice"]["Sent"], true);
    assert_eq!(invoice["Invoice"]["ExternalInvoiceReference1"], "W-1002");
    assert_eq!(invoice["Invoice"]["VATIncluded"], true);

    // The next export overlaps: W-1003 again (same), W-1004 changed, W-1005 new.
    ws.drop_file("webbshop-2026-11-21.csv", &fixture("orders/webbshop-2026-11-21.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "the changed order is reported: {out:?}");
    assert_eq!(orders_with(&api, "W-1003").await.len(), 1, "not sent twice");
    assert_eq!(orders_with(&api, "W-1004").await.len(), 1, "not duplicated");
    assert_eq!(orders_with(&api, "W-1005").await.len(), 1, "the new order is posted");
    let report = error_report(&ws, "webbshop-2026-11-21.csv");
    assert!(
        report.contains("webbshop-2026-11-21.csv:4: order W-1004: already sent to Fortnox as order 4, and changed in the shop since"),
        "{report}"
    );
    // W-1001 re-exported with `39,2` for `39,20`: the same order, not one changed in the shop.
    let shop = String::from_utf8_lossy(&fixture("orders/webbshop-2026-11-20.csv")).into_owned();
    let w1001: Vec<&str> =
        shop.lines().filter(|l| l.starts_with("order_id") || l.starts_with("W-1001")).collect();
    let again = w1001.join("\n").replace(";39,20;", ";39,2;");
    assert!(again.contains(";39,2;"), "{again}");
    ws.drop_file("webbshop-w1001-igen.csv", again.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(orders_with(&api, "W-1001").await.len(), 1, "not sent twice");
    let customers = api.get("/3/customers?email=testa.testsson").await;
    assert_eq!(list(&customers, "Customers").len(), 1, "the new customer exists once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_orders_wait_for_their_article() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[orders]\nmissing_article = \"hold\"\n[upload]\nmax_attempts = 1\n{}",
        notify_into(&events)
    ));
    ws.drop_file("shopify.csv", &fixture("orders/shopify-orders_export.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(3), "documents wait: {out:?}");
    // The person told is told why: the shop's missing article, not a Fortnox that is down.
    let sent = events_in(&events);
    let summary = sent[0]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("awaiting sync (the first: order #1001) after 1 attempt (the last attempt: order `#1001` is held: article `MUGG-EMALJ` does not exist in Fortnox yet"), "{sent:?}");
    let api = ws.api().await;
    assert!(orders_with(&api, "#1001").await.is_empty(), "held until MUGG-EMALJ exists");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("article `MUGG-EMALJ` does not exist in Fortnox yet"), "{stderr}");

    // Someone creates the article in Fortnox; that order then goes through, once, while the
    // one whose article is still missing keeps waiting.
    let article = |number: &str, name: &str| serde_json::json!({"Article": {"ArticleNumber": number, "Description": name}});
    api.post("/3/articles", &article("MUGG-EMALJ", "Mugg emalj")).await;
    let out = ws.cli(&["retry", "--all"]);
    assert_eq!(out.status.code(), Some(3), "#1002 still waits for FORKLADE: {out:?}");
    assert_eq!(orders_with(&api, "#1001").await.len(), 1, "#1001 released");
    assert!(orders_with(&api, "#1002").await.is_empty(), "#1002 still held");
    api.post("/3/articles", &article("FORKLADE", "Förkläde")).await;
    let out = ws.cli(&["retry", "--all"]);
    assert_eq!(out.status.code(), Some(0), "nothing left: {out:?}");
    for order in ["#1001", "#1002"] {
        assert_eq!(orders_with(&api, order).await.len(), 1, "{order} posted once");
    }
}

/// A file whose every document was posted before from another file (the same SIE export again,
/// with other line endings and spacing) posts nothing and says so, naming the earlier file and
/// the vouchers: in the log, beside it and in `audit show`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_documents_all_posted_before_says_so_and_names_them() {
    let ws = Workspace::start().await;
    let ver = |n: u32| {
        format!(
            "#VER \"A\" \"{n}\" 2026110{n} \"Kaffe {n}\"\n{{\n#TRANS 3001 {{}} -50.00\n\
             #TRANS 1910 {{}} 50.00\n}}\n"
        )
    };
    let first = format!("#FLAGGA 0\n#SIETYP 4\n{}{}{}", ver(1), ver(2), ver(3));
    ws.drop_file("dagar.se", first.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let twin = first.replace('\n', "\r\n").replace("#TRANS ", "#TRANS  ");
    ws.drop_file("dagar_utf8.se", twin.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let warnings = warnings_report(&ws, "dagar_utf8.se");
    let said = "dagar_utf8.se: all 3 of its documents were posted before, from ";
    assert!(warnings.contains(said), "{warnings}");
    assert!(warnings.contains("dagar.se as vouchers A 1–3: nothing posted again"), "{warnings}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(said), "{out:?}");
    let shown = ws.cli(&["audit", "show", "dagar_utf8.se"]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains(said) && shown.contains("vouchers A 1–3"), "{shown}");
    let api = ws.api().await;
    let year = api.year_of("2026-11-01").await;
    assert_eq!(api.all_vouchers("A", year).await.len(), 3, "posted once");
}

/// A Z-report of a day without sales books nothing: its warnings do not say it was posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zreport_of_a_day_without_sales_does_not_say_it_posted() {
    let ws = Workspace::start().await;
    let zero = serde_json::json!({
        "company": {"name": "Sandlådan Café & Butik AB", "org_number": "559999-0005"},
        "register": {"id": "KASSA1"},
        "z_number": 7,
        "business_date": "2026-11-03",
        "closed_at": "2026-11-03T22:00:00+01:00",
        "sales": [],
        "returns": [],
        "payments": [{"method": "card", "amount": "0"}],
        "counts": {"receipts": 0, "returns": 0, "receipt_copies": 0, "drawer_openings": 0},
        "grand_totals": {"sales": "0", "returns": "0", "net": "0"}
    });
    ws.drop_file("z-zero.json", zero.to_string().as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let warnings = warnings_report(&ws, "z-zero.json");
    assert!(
        warnings.starts_with(
            "fortnox-bridge read `z-zero.json` and posted nothing from it; these warnings say why:"
        ),
        "{warnings}"
    );
    assert!(warnings.contains("has no sales and no payments"), "{warnings}");
}
