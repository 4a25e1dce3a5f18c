//! Operations: notifications when Fortnox keeps failing, `status`, and the audit trail followed
//! from a voucher back to its file and from a file forward to its vouchers.

use crate::harness::{Workspace, events_in, fixture, notify_into};

const ONE_VOUCHER: &str = "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20261102 \"Kaffe\"\n{\n\
                           #TRANS 4010 {} 50.00\n#TRANS 1910 {} -50.00\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortnox_down_raises_one_notification_and_status_shows_awaiting_sync() {
    let ws = Workspace::start_with(|o| o.fail_rate = 1.0).await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[upload]\nretry_secs = 1\nmax_attempts = 2\n{}",
        notify_into(&events)
    ));
    // Two vouchers wait: one notification for the file, not one per voucher.
    let two = ["Kaffe", "Te"].map(|text| {
        format!("#VER \"\" \"\" 20261102 \"{text}\"\n{{\n#TRANS 4010 {{}} 50.00\n#TRANS 1910 {{}} -50.00\n}}\n")
    });
    ws.drop_file("kaffe.si", format!("#FLAGGA 0\n#SIETYP 4\n{}", two.concat()).as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(3), "documents still wait: {out:?}");
    let sent = events_in(&events);
    assert_eq!(sent.len(), 1, "exactly one notification: {sent:?}");
    let event = &sent[0];
    assert_eq!(event["event"], "awaiting_sync");
    assert_eq!(event["file"], "kaffe.si");
    assert_eq!(event["attempts"], 2);
    assert_eq!(event["documents"], 2, "{event}");
    assert!(
        event["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("2 documents from kaffe.si are awaiting sync")
                && s.contains(" after 2 attempts (the last attempt: ")),
        "{event}"
    );

    let status = ws.cli(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    let inbox = &status["inboxes"][0];
    assert_eq!(inbox["waiting"], 2, "{status}");
    assert_eq!(inbox["awaiting_sync"], 2, "{status}");
    assert_eq!(inbox["posted_today"], 0, "{status}");

    // A second run does not notify again for the same document.
    let _ = ws.cli(&["run", "--once"]);
    assert_eq!(events_in(&events).len(), 1);
}

/// The running service tries each document when it is due, so a file's documents reach
/// `max_attempts` one by one: still one notification for the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_notifies_a_waiting_file_once() {
    let ws = Workspace::start_with(|o| o.fail_rate = 1.0).await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[upload]\nretry_secs = 1\nmax_attempts = 2\n{}",
        notify_into(&events)
    ));
    let three = ["Kaffe", "Te", "Bulle"].map(|text| {
        format!(
            "#VER \"\" \"\" 20261102 \"{text}\"\n{{\n#TRANS 4010 {{}} 50.00\n\
             #TRANS 1910 {{}} -50.00\n}}\n"
        )
    });
    let mut service = ws.spawn_service_quiet(true);
    ws.drop_file("kaffe.si", format!("#FLAGGA 0\n#SIETYP 4\n{}", three.concat()).as_bytes());
    let awaiting = || {
        let status = ws.cli(&["status", "--json"]);
        let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap_or_default();
        status["inboxes"][0]["awaiting_sync"].as_u64() == Some(3)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(3);
    while !awaiting() {
        assert!(std::time::Instant::now() < deadline, "{:?}", events_in(&events));
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    service.stop();
    let sent = events_in(&events);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["event"], "awaiting_sync");
}

/// A file that goes to failed/ is told to a person, with its first error and its report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_file_is_notified_with_its_report() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&notify_into(&events));
    ws.drop_file("trasig.si", &fixture("sie/invalid/kassa-trasig.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let sent = events_in(&events);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let event = &sent[0];
    assert_eq!(event["event"], "file_failed");
    assert_eq!(event["file"], "trasig.si");
    assert!(event["error"].as_str().is_some_and(|e| e.starts_with("trasig.si:")), "{event}");
    let report = std::path::PathBuf::from(event["report"].as_str().expect("report path"));
    assert!(report.is_absolute() && report.exists(), "{event}");
    assert!(report.ends_with("trasig.si.error.txt"), "{event}");
    let says = format!("(hint: {} says why and what to do", report.display());
    assert!(event["summary"].as_str().is_some_and(|s| s.contains(&says)), "{event}");
}

/// A crash between archiving a file and telling about it (the ledger records the destination
/// first, and the file as told only after): the next start sends the failed file's notification
/// and writes the posted file's warnings report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_crash_kept_from_being_told_is_told_at_the_next_start() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&notify_into(&events));
    ws.drop_file("trasig.si", &fixture("sie/invalid/kassa-trasig.si"));
    let balances = "#FLAGGA 0\n#SIETYP 4\n#RAR 0 20260101 20261231\n#IB 0 1910 1000.00\n";
    ws.drop_file("saldon.se", balances.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(events_in(&events).len(), 1);
    let warnings = ws.archived("done")[0].with_file_name("saldon.se.warnings.txt");
    assert!(warnings.exists());
    let untold = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT count(*) FROM files WHERE told = 0", [], |r| r.get(0)).expect("count")
    };
    let db = rusqlite::Connection::open(ws.path("fortnox-bridge.db")).expect("ledger");
    assert_eq!(untold(&db), 0, "both told");

    // As a crash right after the moves leaves it: archived, nothing told.
    db.execute("UPDATE files SET told = 0", []).expect("crash");
    std::fs::remove_file(&events).expect("events");
    std::fs::remove_file(&warnings).expect("warnings");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "nothing new: {out:?}");
    let sent = events_in(&events);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["event"], "file_failed");
    assert!(
        sent[0]["error"].as_str().is_some_and(|e| e.starts_with("trasig.si:7: voucher `K 1043`")),
        "{}",
        sent[0]
    );
    let report = std::path::PathBuf::from(sent[0]["report"].as_str().expect("report path"));
    assert!(report.exists(), "{}", sent[0]);
    let text = std::fs::read_to_string(&warnings).expect("warnings written again");
    assert!(text.contains("saldon.se: nothing to post"), "{text}");
    assert_eq!(untold(&db), 0, "told once");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(events_in(&events).len(), 1, "not told twice");
}

/// A posted file's warnings are kept beside it; a file with nothing to post says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_nothing_to_post_lands_in_done_with_its_warnings() {
    let ws = Workspace::start().await;
    let balances = "#FLAGGA 0\n#SIETYP 4\n#RAR 0 20260101 20261231\n#KONTO 1910 \"Kassa\"\n\
                    #IB 0 1910 1000.00\n#UB 0 1910 1500.00\n";
    ws.drop_file("saldon.se", balances.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let done = ws.archived("done");
    assert_eq!(done.len(), 1, "{done:?}");
    let warnings = done[0].with_file_name("saldon.se.warnings.txt");
    let text = std::fs::read_to_string(&warnings).expect("warnings beside the file");
    assert!(text.contains("saldon.se: nothing to post"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to post"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_runs_from_voucher_to_file_and_back() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let back = ws.cli(&["audit", "show", "F", "2"]);
    let text = String::from_utf8_lossy(&back.stdout);
    assert!(back.status.success(), "{back:?}");
    assert!(
        text.contains("kassa-2026-10.si:28 SIE voucher K 1042 -> Fortnox voucher F 2"),
        "{text}"
    );
    assert!(
        text.contains("claimed") && text.contains("posting") && text.contains("posted"),
        "{text}"
    );
    assert!(text.contains("done/"), "{text}");

    let forward = ws.cli(&["audit", "show", "--json", "kassa-2026-10.si"]);
    let entries: Vec<serde_json::Value> = String::from_utf8_lossy(&forward.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let vouchers: Vec<(String, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["fortnox_series"].as_str().unwrap_or("").to_owned(),
                e["fortnox_number"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(vouchers, vec![("F".to_owned(), 1), ("F".to_owned(), 2)]);

    let csv = ws.cli(&["audit", "export", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.starts_with("\u{FEFF}seq,at,event,file_id,document_id,detail,prev_hash,hash\n"),
        "UTF-8 with a byte order mark, for Excel: {csv}"
    );
    assert!(csv.lines().count() > 5, "{csv}");

    let status = ws.cli(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("posted today 2 (total 2)"), "{text}");
    let missing = ws.cli(&["audit", "show", "Z", "99"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_also_logs_to_a_daily_file_when_configured() {
    let ws = Workspace::start().await;
    ws.write_config("[log]\nfile = \"logs/bridge.log\"\n");
    ws.drop_file("inkop-2026-11.si", &fixture("sie/inkop-2026-11.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let logs: Vec<_> = std::fs::read_dir(ws.path("logs")).expect("log folder").flatten().collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    let name = logs[0].file_name().to_string_lossy().into_owned();
    assert!(name.starts_with("bridge.log."), "rotated by date: {name}");
    let text = std::fs::read_to_string(logs[0].path()).expect("log");
    assert!(text.contains("claimed") && text.contains("inkop-2026-11.si"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes in the file");
}

/// An inbox that waits for done-markers: `run --once` takes the marked file and ends, leaving
/// the unmarked one in the inbox (it used to wait for that marker forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_once_ends_while_a_file_still_waits_for_its_done_marker() {
    let ws = Workspace::start().await;
    ws.write_config("[[inboxes]]\npath = \"kassa\"\ndone_marker = true\n");
    let kassa = ws.path("kassa");
    std::fs::create_dir_all(&kassa).expect("mkdir");
    std::fs::write(kassa.join("marked.si"), ONE_VOUCHER).expect("write");
    std::fs::write(kassa.join("marked.si.done"), "").expect("marker");
    std::fs::write(kassa.join("unmarked.si"), ONE_VOUCHER.replace("Kaffe", "Te")).expect("write");

    let out = ws.cli_within(&["run", "--once"], std::time::Duration::from_mins(1));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unmarked.si") && stderr.contains("marker has not come yet"),
        "{stderr}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&kassa)
        .expect("kassa")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    left.sort();
    assert_eq!(left, ["unmarked.si"], "the marked file and its marker were taken");
    assert_eq!(ws.archived("done").len(), 1);
}

/// The README's quick start: `demo` posts the samples to the embedded sandbox and says so; it
/// never runs in a folder that is in use (someone's configuration and ledger).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_posts_its_samples_and_refuses_a_folder_in_use() {
    let ws = Workspace::start().await;
    let out = ws.cli_within(&["demo", "demo-ws"], std::time::Duration::from_mins(2));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("7 vouchers and 4 orders/invoices posted, 4 files done, 1 failed"),
        "{said}"
    );
    assert!(said.contains("voucher F 1"), "{said}");

    let again = ws.cli(&["demo", "demo-ws"]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("the folder is not empty") && err.contains("(hint: "), "{err}");
    // The workspace of the test itself (a configuration, a ledger) is not touched either.
    let config_before = std::fs::read(ws.path("fortnox-bridge.toml")).ok();
    let here = ws.cli(&["demo", "."]);
    assert_eq!(here.status.code(), Some(2), "{here:?}");
    assert_eq!(std::fs::read(ws.path("fortnox-bridge.toml")).ok(), config_before);
}

/// A file dropped again (the same bytes) posts nothing, and says so beside it and in the log,
/// so that it does not look like a file that posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_dropped_twice_says_it_posted_nothing() {
    let ws = Workspace::start().await;
    ws.write_config("");
    ws.drop_file("kaffe.si", ONE_VOUCHER.as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    ws.drop_file("kaffe.si", ONE_VOUCHER.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let done = ws.archived("done");
    assert_eq!(done.len(), 2, "{done:?}");
    let second = done.iter().find(|p| p.ends_with("kaffe (2).si")).expect("second copy");
    let name = second.file_name().and_then(|n| n.to_str()).expect("name");
    let text = std::fs::read_to_string(second.with_file_name(format!("{name}.warnings.txt")))
        .expect("warnings beside the copy");
    assert!(text.contains("kaffe.si: the same content as "), "{text}");
    assert!(text.contains("nothing posted again"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing posted again"), "{out:?}");
    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    assert_eq!(api.all_vouchers("A", year).await.len(), 1, "posted once");
}

/// `status` tells an owner what would otherwise look like a quiet day: the service is not
/// running, files lie in the inbox untaken (and since when), folders in it are never read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_says_when_the_service_is_not_running_and_what_waits_in_the_inbox() {
    let ws = Workspace::start().await;
    ws.drop_file("kassa.si", &fixture("sie/kassa-2026-10.si"));
    ws.age("inbox/kassa.si", std::time::Duration::from_hours(3));
    std::fs::create_dir(ws.path("inbox/exports")).expect("a folder");

    // Before the service has ever run (no ledger yet), the inbox is still told.
    let out = ws.cli(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text.contains("service: NOT running"), "{text}");
    assert!(text.contains("ledger: none yet at "), "{text}");
    assert!(text.contains("queued 0 (held for sync 0), posting 0"), "{text}");
    assert!(text.contains("in the inbox, not taken yet: 1 file, the oldest written 3 h ago"));
    assert!(text.contains("folders in the inbox are not read: exports"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&ws.cli(&["status", "--json"]).stdout).expect("json");
    assert_eq!(json["service_running"], false);
    assert_eq!(json["ledger_exists"], false);
    assert_eq!(json["inboxes"][0]["untaken_files"], 1);

    let _service = ws.spawn_service();
    ws.wait_for(|| ws.archived("done").len() == 1).await;
    let text = String::from_utf8_lossy(&ws.cli(&["status"]).stdout).into_owned();
    assert!(text.contains("service: running"), "{text}");
    assert!(!text.contains("not taken yet"), "{text}");
    assert!(!text.contains("ledger: none yet"), "{text}");
}
