//! Shop orders a later export withdraws (cancelled in the shop): an earlier copy not yet posted
//! is withdrawn (its file still goes to done/), one posted before is told to be put right in
//! Fortnox.

use crate::documents::{orders_with, warnings_report};
use crate::harness::{Workspace, events_in, fixture, notify_into};

const CANCELLED: &[u8] =
    b"order_id;order_date;status;email;description;quantity;unit_price;vat_rate\n\
    W-1002;2026-11-18;cancelled;inkop@example.org;Kaffe;1;100,00;12\n\
    W-2001;2026-11-19;cancelled;inkop@example.org;Te;1;50,00;12\n";

/// An order cancelled in the shop after an earlier export posted it is not left at a quiet "not
/// posted": the file names what it was posted as and that it is to be cancelled in Fortnox,
/// and a person is notified (`file_needs_action`), since nobody reads done/ on an unattended
/// till.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_cancelled_after_it_was_posted_is_told_to_be_put_right_in_fortnox() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&notify_into(&events));
    ws.drop_file("webbshop-2026-11-20.csv", &fixture("orders/webbshop-2026-11-20.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;
    let posted = orders_with(&api, "W-1002").await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    let number = posted[0]["DocumentNumber"].as_str().unwrap_or_default().to_owned();

    ws.drop_file("avbokade.csv", CANCELLED);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let warnings = warnings_report(&ws, "avbokade.csv");
    assert!(
        warnings.contains(&format!(
            "avbokade.csv:2: order `W-1002` is cancelled in the shop, but it was posted before as \
             Fortnox order {number} (from webbshop-2026-11-20.csv) (hint: fortnox-bridge does not \
             change what is in Fortnox: cancel the order, or credit its invoice, in Fortnox)"
        )),
        "{warnings}"
    );
    assert!(
        warnings.contains("avbokade.csv:3: order `W-2001` is cancelled in the shop; not posted")
    );
    assert!(!warnings.contains("W-2001` is cancelled in the shop, but"), "{warnings}");
    assert_eq!(orders_with(&api, "W-2001").await.len(), 0);
    let told: Vec<serde_json::Value> =
        events_in(&events).into_iter().filter(|e| e["event"] == "file_needs_action").collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["file"], "avbokade.csv");
    let error = told[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("avbokade.csv:2: order `W-1002` is cancelled in the shop, but"),
        "{error}"
    );

    // The next (overlapping) export carries the cancelled order again: told once, then
    // pointed back to, not the whole warning in every export.
    let next = [CANCELLED, b"W-2002;2026-11-20;cancelled;inkop@example.org;Te;2;50,00;12\n"];
    ws.drop_file("avbokade-2.csv", &next.concat());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let again = warnings_report(&ws, "avbokade-2.csv");
    assert!(
        again.contains(
            "avbokade-2.csv:2: order `W-1002` is cancelled in the shop; not posted (what to do \
             about its copy in Fortnox: avbokade.csv:2)"
        ),
        "{again}"
    );
    assert!(!again.contains("credit its invoice"), "{again}");
    let told = events_in(&events).into_iter().filter(|e| e["event"] == "file_needs_action");
    assert_eq!(told.count(), 1, "told once, not for the pointer back");
}

/// An order queued for the manual sync and cancelled in the shop before the sync is not posted
/// at the sync: the later export withdraws the queued copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_cancelled_before_its_sync_is_never_posted() {
    let ws = Workspace::start().await;
    ws.write_config("[schedule]\nmode = \"manual\"\n");
    ws.drop_file("webbshop-2026-11-20.csv", &fixture("orders/webbshop-2026-11-20.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    ws.drop_file("avbokade.csv", CANCELLED);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let out = ws.cli(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "a withdrawn order is no refusal: {out:?}");
    let api = ws.api().await;
    assert!(orders_with(&api, "W-1002").await.is_empty(), "the cancelled order is not posted");
    for order in ["W-1001", "W-1003", "W-1004"] {
        assert_eq!(orders_with(&api, order).await.len(), 1, "{order} posted once");
    }
    let warnings = warnings_report(&ws, "avbokade.csv");
    assert!(
        warnings.contains(
            "avbokade.csv:2: order `W-1002` is cancelled in the shop; its copy from \
             webbshop-2026-11-20.csv, not yet posted, is withdrawn"
        ),
        "{warnings}"
    );
    // The earlier export is done, its other orders posted: it says which one a later export
    // cancelled, without the alarm of failed/.
    let report = warnings_report(&ws, "webbshop-2026-11-20.csv");
    assert!(
        report.contains(
            "order `W-1002` is cancelled in the shop (avbokade.csv:2): withdrawn, not posted \
             (hint: a later file said so; nothing of it is in Fortnox)"
        ),
        "{report}"
    );
    assert!(ws.archived("failed").is_empty(), "{:?}", ws.archived("failed"));
    let status = ws.cli(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    let inbox = &status["inboxes"][0];
    assert_eq!((inbox["withdrawn"].as_u64(), inbox["rejected"].as_u64()), (Some(1), Some(0)));
    assert_eq!(inbox["files_failed"].as_u64(), Some(0), "{status}");
}

/// A corrected re-export while the first export still waits (here for the manual sync; as
/// well while Fortnox is down): the correction is what is posted, every voucher of it, and
/// nothing of the first copy, instead of whichever copy of each voucher was tried first. Which
/// is the correction is told by when the files were written, not by the order they are taken
/// in: here both are dropped at once and the older one is taken last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_written_later_replaces_one_not_posted_yet() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[sie]\nseries = {{ K = \"F\" }}\n[schedule]\nmode = \"manual\"\n{}",
        crate::harness::notify_into(&events)
    ));
    let first = fixture("sie/kassa-2026-10.si");
    let corrected = String::from_utf8_lossy(&first).replace("Dagskassa", "Korrigerad dagskassa");
    let corrected = corrected.replace('\u{FFFD}', "?");
    ws.drop_file("kassa-rattad.si", corrected.as_bytes());
    ws.drop_file("kassa.si", &first);
    ws.age("inbox/kassa.si", std::time::Duration::from_hours(1));
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));

    let out = ws.cli(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let posted = api.all_vouchers("F", year).await;
    let texts: Vec<&str> = posted.iter().filter_map(|v| v["Description"].as_str()).collect();
    assert_eq!(texts.len(), 2, "{posted:?}");
    assert!(texts.iter().all(|t| t.starts_with("Korrigerad dagskassa")), "{texts:?}");

    assert!(ws.archived("failed").is_empty(), "{:?}", ws.archived("failed"));
    let older = warnings_report(&ws, "kassa.si");
    assert!(
        older.contains(
            "kassa.si:17: SIE voucher K 1041 is not posted from this file: kassa-rattad.si, \
             written later, has a changed copy of it, which is posted instead"
        ),
        "{older}"
    );
    let told = crate::harness::events_in(&events);
    let replaced: Vec<_> = told.iter().filter(|e| e["event"] == "document_replaced").collect();
    assert_eq!(replaced.len(), 2, "one per voucher: {told:?}");
}
