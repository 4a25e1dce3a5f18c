//! Several inboxes, kind hints, polling, and the manual schedule with `sync`.

use crate::harness::{Workspace, fixture};

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
    assert!(stdout.contains("1 files done") && stdout.contains("1 queued"), "{stdout}");
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
