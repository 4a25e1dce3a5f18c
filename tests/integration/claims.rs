//! Files still being written when they are taken: a writer that pauses longer than the
//! stability window (a POS flushing a voucher at a time, a slow copy) keeps writing into the
//! file after it was moved to processing/. What was read is not the file; it is read again
//! before the file is archived, and nothing of it is lost.

use std::io::Write;

use crate::harness::{MAPPING, Workspace, fixture, nothing_listening};

/// Polls `done` every 100 ms for up to a minute.
async fn until(done: impl Fn() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_still_written_after_it_was_taken_is_read_again_and_posted_whole() {
    // Fortnox answers slowly, so the first part is still being posted when the rest comes.
    let ws = Workspace::start_with(|o| o.latency = std::time::Duration::from_millis(300)).await;
    let _service = ws.spawn_service();
    let whole = fixture("sie/kassa-2026-10.si");
    let second = b"\n#VER \"K\" \"1042\"";
    let cut = whole.windows(second.len()).position(|w| w == second).expect("second voucher");
    let (first, rest) = whole.split_at(cut);

    // The first voucher, then a pause far past the stability window (300 ms here): taken.
    let mut writer = std::fs::File::create(ws.path("inbox/kassa.si")).expect("create");
    writer.write_all(first).expect("write");
    writer.flush().expect("flush");
    until(|| ws.inbox_names().is_empty()).await;
    // The writer, still holding the file, finishes it (now in processing/).
    writer.write_all(rest).expect("write the rest");
    drop(writer);

    ws.wait_for(|| ws.archived("done").len() + ws.archived("failed").len() == 1).await;
    let done = ws.archived("done");
    assert_eq!(done.len(), 1, "{:?}", ws.archived("failed"));
    assert_eq!(std::fs::read(&done[0]).expect("archived"), whole, "archived whole");
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), 2, "both vouchers posted, once each: {f:?}");

    // The trail names the content that was posted and archived, not the part first read.
    let shown = ws.cli(&["audit", "show", "kassa.si"]);
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&whole))
    };
    assert!(shown.contains(&sha), "{shown}");
    for voucher in ["K 1041", "K 1042"] {
        assert!(shown.contains(&format!("SIE voucher {voucher} -> Fortnox voucher F")), "{shown}");
    }
    assert!(shown.contains("written to after it was taken; read again"), "{shown}");
}

/// A Z-report taken half written reads as broken JSON; its writer goes on a moment later. The
/// file is not failed on what was read: it has not been left alone long enough, and once it
/// has, it is read again whole and posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_taken_half_written_is_not_failed_when_its_writer_goes_on() {
    let ws = Workspace::start().await;
    let _service = ws.spawn_service();
    let whole = fixture("zreport/restaurang-2026-10-31.json");
    let (first, rest) = whole.split_at(whole.len() / 2);

    let mut writer = std::fs::File::create(ws.path("inbox/z-1042.json")).expect("create");
    writer.write_all(first).expect("write");
    writer.flush().expect("flush");
    until(|| ws.inbox_names().is_empty()).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    writer.write_all(rest).expect("write the rest");
    drop(writer);

    ws.wait_for(|| ws.archived("done").len() + ws.archived("failed").len() == 1).await;
    assert_eq!(ws.archived("failed"), Vec::<std::path::PathBuf>::new());
    assert_eq!(std::fs::read(&ws.archived("done")[0]).expect("archived"), whole);
}

/// An inbox on another disk than its processing folder (here tmpfs, /dev/shm) can never give
/// up a file (a rename cannot cross disks): the service says so at the start, with the fix,
/// instead of leaving every file in the inbox with a hint about permissions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_on_another_disk_than_processing_is_refused_at_the_start() {
    let ws = Workspace::start().await;
    let shm = tempfile::tempdir_in("/dev/shm").expect("a tmpfs folder");
    let inbox = shm.path().display().to_string();
    ws.write_config(&format!("[folders]\ninbox = \"{inbox}\"\n"));
    std::fs::write(shm.path().join("kassa.si"), fixture("sie/kassa-2026-10.si")).expect("drop");

    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("is on another disk than the inbox {inbox}")), "{err}");
    assert!(err.contains("put [folders] processing on the inbox's disk"), "{err}");
    assert!(shm.path().join("kassa.si").exists(), "the file is left where it was");
}

/// An inbox folder removed and made again (a till that clears its export folder that way)
/// under a running service: its file events ended with the old folder, so it is watched anew,
/// and a file dropped in it is taken at once, not at the next rescan (ten minutes here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_folder_made_anew_is_watched_again() {
    let ws = Workspace::start().await;
    let config = format!(
        "[fortnox]\ntarget = \"{}\"\n[watch]\nstable_ms = 300\nrescan_secs = 600\n\
         [sie]\nseries = {{ K = \"F\" }}\n",
        ws.sandbox.base_url()
    );
    std::fs::write(ws.path("fortnox-bridge.toml"), config).expect("config");
    let _service = ws.spawn_service();
    ws.drop_file("kassa.si", &fixture("sie/kassa-2026-10.si"));
    ws.wait_for(|| ws.archived("done").len() == 1).await;

    std::fs::remove_dir_all(ws.path("inbox")).expect("remove the inbox");
    std::fs::create_dir(ws.path("inbox")).expect("make it again");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    ws.drop_file("inkop.si", &fixture("sie/inkop-2026-11.si"));
    ws.wait_for(|| ws.archived("done").len() == 2).await;
}

/// A file taken half written whose documents then wait (Fortnox down, or a nightly sync) is
/// read again before any of them is sent, once its writer went on: what waits is the whole
/// file, not the part first read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_file_written_to_since_is_read_again_before_anything_is_sent() {
    let ws = Workspace::start().await;
    ws.write_config_for(&nothing_listening(), "", MAPPING);
    let whole = fixture("sie/kassa-2026-10.si");
    let second = b"\n#VER \"K\" \"1042\"";
    let cut = whole.windows(second.len()).position(|w| w == second).expect("second voucher");
    ws.drop_file("kassa.si", &whole[..cut]);
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(3), "waits for Fortnox");

    // The writer goes on, into the file now in processing/.
    let taken = std::fs::read_dir(ws.path("processing"))
        .expect("processing")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_file())
        .expect("the file in processing/");
    let mut writer = std::fs::OpenOptions::new().append(true).open(&taken).expect("open");
    writer.write_all(&whole[cut..]).expect("write the rest");
    drop(writer);

    ws.write_config(MAPPING);
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let done = ws.archived("done");
    assert_eq!(std::fs::read(&done[0]).expect("archived"), whole);
    let api = ws.api().await;
    let year = api.year_of("2026-10-30").await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "both vouchers, once each");
}
