//! Watching the inbox: file-system events from `notify` as a fast path, and the periodic full
//! rescan (in `service`) as the safety net for lost events and network shares.
//!
//! Owns: turning OS events into candidate paths. No parsing, no network.

use std::path::{Path, PathBuf};

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// Keeps the OS watcher alive; dropping it stops the events.
pub struct InboxWatcher {
    _watcher: notify::RecommendedWatcher,
}

/// Starts watching `inbox` (not recursively). Candidate paths arrive on the returned channel;
/// a `None`-path rescan request is sent when the OS says events were lost.
pub fn watch(
    inbox: &Path,
) -> notify::Result<(InboxWatcher, mpsc::UnboundedReceiver<Option<PathBuf>>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                if event.need_rescan() {
                    let _ = tx.send(None);
                }
                if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_)) {
                    for path in event.paths {
                        let _ = tx.send(Some(path));
                    }
                }
            }
            Err(e) => {
                tracing::warn!("file watcher: {e}; falling back to a rescan");
                let _ = tx.send(None);
            }
        })?;
    watcher.watch(inbox, RecursiveMode::NonRecursive)?;
    Ok((InboxWatcher { _watcher: watcher }, rx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn reports_a_new_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (_w, mut rx) = watch(tmp.path()).expect("watch");
        std::fs::write(tmp.path().join("a.se"), "#FLAGGA 0\n").expect("write");
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match rx.recv().await {
                    Some(Some(p)) if p.ends_with("a.se") => return true,
                    Some(_) => {}
                    None => return false,
                }
            }
        })
        .await;
        assert_eq!(got, Ok(true));
    }
}
