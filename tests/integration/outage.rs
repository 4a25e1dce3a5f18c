//! Fortnox cannot be reached: documents wait without each spending its own round of tries,
//! and are posted once it is back.

use crate::harness::{MAPPING, Workspace, fixture, nothing_listening};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_fortnox_cannot_be_reached_documents_wait_without_each_trying() {
    let ws = Workspace::start().await;
    ws.write_config_for(&nothing_listening(), "", MAPPING);
    ws.drop_file("kassa.si", &fixture("sie/kassa-2026-10.si"));
    ws.drop_file("inkop.si", &fixture("sie/inkop-2026-11.si"));

    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(3), "documents wait for Fortnox: {out:?}");
    let log = String::from_utf8_lossy(&out.stderr);
    // The first request found Fortnox down; the ones after it were not sent at all.
    assert!(log.contains("not tried: fortnox could not be reached moments ago"), "{log}");
    // In the words of the machine that refused, not reqwest's, nor a module path per line.
    assert!(log.contains("Connection refused"), "{log}");
    assert!(!log.contains("error sending request") && !log.contains("fortnox_bridge::"));

    ws.write_config(MAPPING);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(ws.archived("done").len(), 2);
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2);
}
