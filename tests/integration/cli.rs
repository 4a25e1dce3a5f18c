//! The command line as a person (or a script) meets it: `audit show` finds what the ledger
//! knows in every form it is asked for, usage errors say what to type, a closed pipe ends a
//! command quietly, logs are plain text off a terminal, `convert` prints request bodies and
//! `audit verify` hands out an anchor that tells a trail cut off its end.

use serde_json::Value;

use super::harness::{Workspace, fixture};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    stdout(out).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

/// A file that failed, one of no kind we read and a duplicate are in the ledger without
/// documents: `audit show` tells where each went and why instead of "nothing matches".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_show_tells_files_that_produced_no_documents() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    ws.drop_file("kassa-trasig.si", &fixture("sie/invalid/kassa-trasig.si"));
    ws.drop_file("anteckning.txt", b"hello\n");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    ws.drop_file("kassa-kopia.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let copy = ws.cli(&["audit", "show", "kassa-kopia.si"]);
    let text = stdout(&copy);
    assert_eq!(copy.status.code(), Some(0), "{copy:?}");
    assert!(text.contains("kassa-kopia.si -> produced no documents (done)"), "{text}");
    assert!(
        text.contains("the same content as ") && text.contains("nothing posted again"),
        "{text}"
    );
    assert!(text.contains("source sha256 ") && text.contains("done/"), "{text}");
    assert!(text.contains("claimed"), "its events: {text}");

    let broken = ws.cli(&["audit", "show", "kassa-trasig.si"]);
    let text = stdout(&broken);
    assert_eq!(broken.status.code(), Some(0), "{broken:?}");
    assert!(text.contains("kassa-trasig.si -> produced no documents (failed)"), "{text}");
    assert!(
        text.contains("failed/") && text.contains("note: kassa-trasig.si:7: voucher `K 1043`"),
        "{text}"
    );

    let unknown = ws.cli(&["audit", "show", "--json", "anteckning.txt"]);
    let lines = json_lines(&unknown);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["documents"], 0);
    assert_eq!(lines[0]["state"], "failed");
    assert!(lines[0]["note"].as_str().unwrap_or_default().contains("not a file"), "{lines:?}");
    assert!(lines[0]["archived_path"].as_str().unwrap_or_default().contains("failed"));
}

/// Vouchers are found as `F 2`, `F2` and `F 2 <year of its date>`; `audit show` alone is a
/// usage error that shows the forms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_show_reads_every_form_of_a_voucher_and_asks_for_one() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let spaced = ws.cli(&["audit", "show", "F", "2"]);
    assert!(stdout(&spaced).contains("-> Fortnox voucher F 2"), "{spaced:?}");
    for form in [&["audit", "show", "F2"][..], &["audit", "show", "F", "2", "2026"]] {
        let out = ws.cli(form);
        assert_eq!(stdout(&out), stdout(&spaced), "{form:?}");
    }
    let other_year = ws.cli(&["audit", "show", "F", "2", "2031"]);
    assert_eq!(other_year.status.code(), Some(1), "{other_year:?}");

    let bare = ws.cli(&["audit", "show"]);
    assert_eq!(bare.status.code(), Some(2), "{bare:?}");
    let text = stderr(&bare);
    assert!(text.contains("audit show: name what to follow (hint: "), "{text}");
    assert!(text.contains("`F 12`") && text.contains("`F12`") && text.contains("W-1004"), "{text}");
}

/// A shop order's document is an order (or invoice), not a voucher, and is found by the shop's
/// order id as well as by its Fortnox number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_show_names_orders_and_finds_them_by_shop_order_id() {
    let ws = Workspace::start().await;
    ws.drop_file("webbshop-2026-11-20.csv", &fixture("orders/webbshop-2026-11-20.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let by_id = ws.cli(&["audit", "show", "--json", "W-1004"]);
    let lines = json_lines(&by_id);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["document"], "order W-1004");
    assert_eq!(lines[0]["fortnox_series"], "order");
    let number = lines[0]["fortnox_number"].as_u64().expect("posted");
    let prefixed = ws.cli(&["audit", "show", "--json", "order:W-1004"]);
    assert_eq!(json_lines(&prefixed), lines);

    let back = ws.cli(&["audit", "show", "order", &number.to_string()]);
    let text = stdout(&back);
    assert!(text.contains(&format!("order W-1004 -> Fortnox order {number}\n")), "{text}");
    assert!(!text.contains("voucher") && !text.contains("financial year"), "{text}");
    assert!(text.contains("posted") && !text.contains("year 0"), "{text}");
}

/// `retry` names where a document's id is shown, and that id is in `audit show`; a document
/// the ledger does not have is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_points_at_the_ids_audit_show_lists() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let bare = ws.cli(&["retry"]);
    assert_eq!(bare.status.code(), Some(2), "{bare:?}");
    assert!(stderr(&bare).contains("`fortnox-bridge audit show FILE`"), "{bare:?}");
    let shown = stdout(&ws.cli(&["audit", "show", "kassa-2026-10.si"]));
    assert!(shown.contains("  document 1 (posted), reference sie:"), "{shown}");

    let missing = ws.cli(&["retry", "999"]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
    let text = stderr(&missing);
    assert!(text.contains("no document `999` in the ledger (hint: "), "{text}");
    let posted = ws.cli(&["retry", "1"]);
    assert_eq!(posted.status.code(), Some(1), "{posted:?}");
    assert!(stdout(&posted).contains("is posted and waits for nothing"), "{posted:?}");
    assert!(stdout(&posted).contains("(it is in Fortnox already)"), "{posted:?}");

    // A changed copy of a posted voucher is refused: retrying it says what to do instead.
    let changed = crate::harness::fixture_with(
        "sie/kassa-2026-10.si",
        &[("1245.00", "1345.00"), ("-2400.00", "-2500.00")],
    );
    ws.drop_file("kassa-rattad.si", &changed);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let shown = stdout(&ws.cli(&["audit", "show", "kassa-rattad.si"]));
    let id = shown
        .lines()
        .find_map(|l| {
            l.trim().strip_prefix("document ")?.split_once(" (rejected)").map(|(id, _)| id)
        })
        .unwrap_or_else(|| panic!("no rejected document: {shown}"));
    let rejected = ws.cli(&["retry", id]);
    let text = stdout(&rejected);
    assert!(text.contains("is rejected and waits for nothing"), "{text}");
    assert!(text.contains("correct the file and put it back in the inbox"), "{text}");
}

/// `... | head -1`: a reader that stops reading ends the command quietly, with success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_ends_a_command_quietly() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let file = ws.path("kassa.si");
    std::fs::write(&file, fixture("sie/kassa-2026-10.si")).expect("write");
    let file = file.to_str().expect("UTF-8 path");
    for args in [
        &["convert", file][..],
        &["check", file],
        &["check", "--json", file],
        &["status"],
        &["status", "--json"],
        &["audit", "show", "kassa-2026-10.si"],
        &["audit", "export"],
        &["audit", "export", "--format", "csv"],
        &["audit", "verify"],
    ] {
        let out = ws.cli_into_closed_pipe(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(!stderr(&out).contains("error"), "{args:?}: {out:?}");
    }
}

/// Off a terminal (journald, a redirected log, this test's pipe) logs carry no colour codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_to_a_pipe_are_plain_text() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log = stderr(&out);
    assert!(log.contains("kassa-2026-10.si"), "it logged: {log}");
    assert!(!log.contains("\u{1b}["), "colour codes in {log:?}");
}

/// `convert` prints the order exactly as Fortnox receives it; how its customer is found is
/// beside the body, not in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn convert_prints_the_order_request_body() {
    let ws = Workspace::start().await;
    let file = ws.path("webbshop.csv");
    std::fs::write(&file, fixture("orders/webbshop-2026-11-20.csv")).expect("write");
    let out = ws.cli(&["convert", file.to_str().expect("UTF-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4, "{lines:?}");
    for line in &lines {
        let body = line["body"].as_object().expect("body");
        assert_eq!(body.keys().collect::<Vec<_>>(), ["Order"], "{line}");
        assert!(body["Order"].get("CustomerNumber").is_none(), "{line}");
        assert!(body["Order"]["OrderRows"].is_array(), "{line}");
        assert!(line["customer"]["MatchBy"].is_array(), "{line}");
        assert_eq!(line["kind"], "order");
    }
    assert_eq!(lines[0]["body"]["Order"]["ExternalInvoiceReference1"], "W-1001");
}

/// `audit verify` prints the newest record as an anchor; given it back later, it tells a trail
/// whose end was cut off, which the chain alone cannot, and a malformed anchor is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_prints_an_anchor_that_tells_a_trail_cut_off_its_end() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let verified = ws.cli(&["audit", "verify"]);
    let text = stdout(&verified);
    assert_eq!(verified.status.code(), Some(0), "{verified:?}");
    assert!(text.starts_with("audit trail intact: "), "{text}");
    let anchor = text
        .lines()
        .find_map(|l| l.strip_prefix("anchor: "))
        .unwrap_or_else(|| panic!("no anchor line: {text}"))
        .to_owned();
    let (seq, hash) = anchor.split_once(':').expect("SEQ:HASH");
    assert_eq!(hash.len(), 64, "{anchor}");
    assert!(text.contains(&format!("newest record: {seq} at ")), "{text}");

    let again = ws.cli(&["audit", "verify", "--anchor", &anchor]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(
        stdout(&again).contains(&format!("anchored record {seq} found unchanged")),
        "{again:?}"
    );

    // Someone with raw access to the ledger cuts the newest record off.
    let db = rusqlite::Connection::open(ws.path("fortnox-bridge.db")).expect("ledger");
    db.execute_batch("DROP TRIGGER audit_no_delete;").expect("drop trigger");
    db.execute("DELETE FROM audit WHERE seq = ?1", [seq]).expect("cut");
    drop(db);
    let plain = ws.cli(&["audit", "verify"]);
    assert_eq!(plain.status.code(), Some(0), "the chain alone cannot tell: {plain:?}");
    let cut = ws.cli(&["audit", "verify", "--anchor", &anchor]);
    assert_eq!(cut.status.code(), Some(1), "{cut:?}");
    let text = stdout(&cut);
    assert!(
        text.contains(&format!("audit trail BROKEN: record {seq} (the anchor) is gone")),
        "{text}"
    );

    let bad = ws.cli(&["audit", "verify", "--anchor", "12"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(stderr(&bad).contains("SEQ:HASH"), "{bad:?}");
}

/// `status` names the files that are in failed/ now; one moved back to the inbox to be tried
/// again no longer counts, whether it then posts or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_the_files_still_in_failed() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-trasig.si", &fixture("sie/invalid/kassa-trasig.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let failed = ws.archived("failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    let text = stdout(&ws.cli(&["status"]));
    assert!(text.contains("(1 file in failed/)"), "{text}");
    assert!(text.contains(&format!("  in failed/: {}\n", failed[0].display())), "{text}");

    // Taken back to be fixed: no longer in failed/, and not counted as if it were.
    std::fs::rename(&failed[0], ws.path("inbox/kassa-trasig.si")).expect("move back");
    std::fs::remove_file(ws.path("inbox/kassa-trasig.si")).expect("cleared away");
    let status = ws.cli(&["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["inboxes"][0]["files_failed"], 0, "{status}");
    assert_eq!(status["inboxes"][0]["failed_files"], serde_json::json!([]), "{status}");
    assert!(!stdout(&ws.cli(&["status"])).contains("in failed/:"));
}

/// A second `run` on a ledger a running service holds stops at once with the reason, before it
/// starts anything: not a second embedded sandbox on the same data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_ledger_stops_before_starting_anything() {
    let ws = Workspace::start().await;
    std::fs::write(
        ws.path("fortnox-bridge.toml"),
        "[fortnox]\ntarget = \"sandbox\"\n[sandbox]\nlisten = \"127.0.0.1:0\"\n",
    )
    .expect("config");
    let _service = ws.spawn_service();
    // The ledger is opened once the lock is held.
    ws.wait_for(|| ws.path("fortnox-bridge.db").exists()).await;

    let out = ws.cli_within(&["run"], std::time::Duration::from_mins(1));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("another fortnox-bridge is already running on"), "{err}");
    assert!(!err.contains("sandbox listening"), "nothing was started: {err}");
}

/// Live client credentials without a tenant id: Fortnox's token request names the company in
/// a `TenantId` header (the sandbox answers without one), so the service would start and
/// every document would wait behind "refused the credentials". Refused at the start instead,
/// naming the fix; nothing is taken from the inbox. `connect`, which prints the tenant id,
/// still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_client_credentials_without_a_tenant_id_are_refused_at_the_start() {
    let ws = Workspace::start().await;
    ws.write_config_for("live", "", "");
    ws.drop_file("kassa.json", b"{}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fortnox-bridge"))
        .args(["run", "--once"])
        .current_dir(ws.path("."))
        .env("FORTNOX_CLIENT_SECRET", "not-a-real-secret")
        .env_remove("FORTNOX_TENANT_ID")
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("target = \"live\" with auth = \"client_credentials\" needs the company's tenant id (hint: set FORTNOX_TENANT_ID"),
        "{err}"
    );
    assert!(ws.path("inbox/kassa.json").exists(), "nothing taken");
}
