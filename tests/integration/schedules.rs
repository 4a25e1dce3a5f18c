//! Several inboxes, kind hints, polling, and the manual schedule with `sync`.

use crate::harness::{Workspace, events_in, fixture, notify_into};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_inbox_queues_until_sync_and_a_polled_inbox_uses_its_kind_hint() {
    let ws = Workspace::start().await;
    ws.write_config(
        "[schedule]\nmode = \"manual\"\n\
         [[inboxes]]\npath = \"kassa\"\nkind = \"sie\"\nwatch = \"poll\"\nschedule = \"realtime\"\n\
         [sie]\nseries = { K = \"F\" }\n",
    );
    std::fs::create_dir_all(ws.path("kassa")).expect("mkdir");
    ws.drop_file("inkop-2026-11.si", &fixture("sie/inkop-2026-11.si"));
    // No SIE extension: only the inbox's kind hint says what it is.
    std::fs::write(ws.path("kassa").join("dagskassa.txt"), fixture("sie/kassa-2026-10.si"))
        .expect("write");

    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 file done") && stdout.contains("1 queued"), "{stdout}");
    let done = ws.archived("done");
    assert_eq!(done.len(), 1);
    assert!(done[0].ends_with("dagskassa.txt"), "{done:?}");

    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    let count = |series: &'static str| {
        let api = &api;
        async move { api.all_vouchers(series, year).await.len() }
    };
    assert_eq!(count("F").await, 2, "the realtime inbox posted at once");
    assert_eq!(count("A").await, 0, "the manual inbox only queued");

    let out = ws.cli(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 queued file(s) released"), "{out:?}");
    assert_eq!(count("A").await, 3, "sync posted the queue");
    assert_eq!(ws.archived("done").len(), 2);
    let trail = ws.cli(&["audit", "export"]);
    assert!(String::from_utf8_lossy(&trail.stdout).contains("\"event\":\"released\""));
}

/// A held file is registered once: restarting with a changed configuration before the sync
/// must not convert it again into a second document of the same report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_report_is_posted_as_registered_after_a_configuration_change() {
    let ws = Workspace::start().await;
    ws.write_config("[schedule]\nmode = \"manual\"\n");
    ws.drop_file("z.json", &fixture("zreport/restaurang-2026-10-31.json"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 queued"), "{out:?}");

    // The owner changes the Z-report series and restarts before the nightly/manual sync.
    ws.write_config("[schedule]\nmode = \"manual\"\n[zreport]\nseries = \"A\"\n");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = ws.cli(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ws.archived("done").len(), 1, "{out:?}");
    assert!(ws.archived("failed").is_empty(), "{out:?}");

    let api = ws.api().await;
    let year = api.year_of("2026-10-31").await;
    let count = |series: &'static str| {
        let api = &api;
        async move { api.all_vouchers(series, year).await.len() }
    };
    // Registered documents are driven as registered: one voucher, in the series of the day
    // it was registered.
    assert_eq!((count("F").await, count("A").await), (1, 0));
}

/// An inbox that cannot be read (a share that is down) does not stop the others: `run --once`
/// processes them, tells a person and exits 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_once_goes_on_past_an_inbox_it_cannot_read() {
    let ws = Workspace::start().await;
    // `share/export` can be neither created nor read: `share` is a file.
    std::fs::write(ws.path("share"), b"not a folder").expect("blocker");
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[sie]\nseries = {{ K = \"F\" }}\n{}[[inboxes]]\npath = \"share/export\"\n",
        notify_into(&events)
    ));
    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(ws.archived("done").len(), 1, "the readable inbox was processed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("share/export could not be read: "), "{stderr}");
    assert!(stderr.contains("(hint: check that the folder exists"), "{stderr}");
    let sent = events_in(&events);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["event"], "inbox_unreachable");
    assert!(sent[0]["inbox"].as_str().is_some_and(|p| p.ends_with("share/export")), "{sent:?}");
    let status = ws.cli(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert!(status["inboxes"][1]["unreachable_since"].is_string(), "{status}");
    assert!(!status["inboxes"][0]["unreachable_since"].is_string(), "{status}");
    let status = ws.cli(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("  cannot be read since "), "{text}");

    // Run from a scheduler again while the share is still down: not told again.
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(events_in(&events).len(), 1, "told once: {:?}", events_in(&events));
    // The share is back: told once, and status no longer shows it down.
    std::fs::remove_file(ws.path("share")).expect("unblock");
    std::fs::create_dir_all(ws.path("share/export")).expect("the share is mounted");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let sent = events_in(&events);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["event"], "inbox_reachable");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(events_in(&events).len(), 2, "nothing new to tell");
    let status = ws.cli(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(!text.contains("cannot be read"), "{text}");
}

/// A running service whose inbox is not there at the start (a share not mounted yet), or goes
/// away, keeps posting the files of its other inbox, tells a person once each way, never
/// creates the missing folder, and takes the inbox up when it is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_survives_an_inbox_that_goes_away_and_comes_back() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[sie]\nseries = {{ K = \"F\" }}\n{}[[inboxes]]\npath = \"kassa\"\n",
        notify_into(&events)
    ));
    let mut service = ws.spawn_service();
    ws.wait_for(|| events_in(&events).len() == 1).await;
    assert_eq!(events_in(&events)[0]["event"], "inbox_unreachable");
    assert!(!ws.path("kassa").exists(), "a missing inbox is not created");
    ws.drop_file("inkop-2026-11.si", &fixture("sie/inkop-2026-11.si"));
    ws.wait_for(|| ws.archived("done").len() == 1).await;
    std::fs::create_dir(ws.path("kassa")).expect("the share is mounted");
    ws.wait_for(|| events_in(&events).len() == 2).await;
    assert_eq!(events_in(&events)[1]["event"], "inbox_reachable");

    std::fs::rename(ws.path("kassa"), ws.path("kassa-away")).expect("share goes down");
    ws.wait_for(|| events_in(&events).len() == 3).await;
    assert_eq!(events_in(&events)[2]["event"], "inbox_unreachable");

    ws.drop_file("kassa-2026-10.si", &fixture("sie/kassa-2026-10.si"));
    ws.wait_for(|| ws.archived("done").len() == 2).await;

    std::fs::rename(ws.path("kassa-away"), ws.path("kassa")).expect("share is back");
    ws.wait_for(|| events_in(&events).len() == 4).await;
    assert_eq!(events_in(&events)[3]["event"], "inbox_reachable");
    let kassa = "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20261102 \"Kaffe\"\n{\n\
                 #TRANS 4010 {} 50.00\n#TRANS 1910 {} -50.00\n}\n";
    std::fs::write(ws.path("kassa/kaffe.si"), kassa).expect("drop in the share");
    ws.wait_for(|| ws.archived("done").len() == 3).await;
    service.stop();
    assert_eq!(events_in(&events).len(), 4, "told once each way");
}

/// A file the bridge may not move out of its inbox (here its processing folder is blocked by a
/// file; in the field, a folder the service's account may not write) is not silently left:
/// `run --once` says so and exits 2, a person is told once, and the file is taken once it can be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_taken_from_its_inbox_is_told_not_ignored() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[sie]\nseries = {{ K = \"F\" }}\n{}[[inboxes]]\npath = \"kassa\"\n",
        notify_into(&events)
    ));
    std::fs::create_dir_all(ws.path("kassa")).expect("inbox");
    std::fs::write(ws.path("kassa/.processing"), b"in the way").expect("blocker");
    std::fs::write(ws.path("kassa/kassa-2026-10.si"), fixture("sie/kassa-2026-10.si"))
        .expect("drop");
    for run in 0..2 {
        let out = ws.cli(&["run", "--once"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("kassa-2026-10.si could not be taken from the inbox"), "{stderr}");
        assert!(ws.path("kassa/kassa-2026-10.si").exists(), "left where it was");
        let sent = events_in(&events);
        assert_eq!(sent.len(), 1, "told once, not on every run: {sent:?} ({run})");
        assert_eq!(sent[0]["event"], "file_unclaimable");
        assert_eq!(sent[0]["file"], "kassa-2026-10.si");
    }
    let status = String::from_utf8_lossy(&ws.cli(&["status"]).stdout).into_owned();
    assert!(status.contains("Files that cannot be taken from their inbox"), "{status}");
    assert!(status.contains("kassa/kassa-2026-10.si: since "), "{status}");
    std::fs::remove_file(ws.path("kassa/.processing")).expect("unblock");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ws.archived("done").len(), 1);
    let status = ws.cli(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(status["stuck_files"], serde_json::json!([]), "taken: no longer listed");

    // Stuck again, with another file of the same name: that is news, told again, and the
    // message names the processing folder in the way.
    std::fs::rename(ws.path("kassa/.processing"), ws.path("kassa-processing")).expect("move");
    std::fs::write(ws.path("kassa/.processing"), b"in the way").expect("blocker");
    let next = "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20261102 \"Kaffe\"\n{\n\
                #TRANS 4010 {} 50.00\n#TRANS 1910 {} -50.00\n}\n";
    std::fs::write(ws.path("kassa/kassa-2026-10.si"), next).expect("drop");
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let sent = events_in(&events);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[1]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("into ") && e.contains(".processing")),
        "{sent:?}"
    );
}
