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

/// What the watchers report: a candidate path in inbox `inbox`, or `None` when events were lost
/// and the inbox should be rescanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub inbox: usize,
    pub path: Option<PathBuf>,
    /// The watched folder itself was removed: its events end with it, so a folder made again
    /// at its path must be watched anew.
    pub folder_gone: bool,
}

/// Starts watching `dir` (not recursively) for inbox number `inbox`; events go to `tx`.
pub fn watch(
    dir: &Path,
    inbox: usize,
    tx: mpsc::UnboundedSender<Seen>,
) -> notify::Result<InboxWatcher> {
    let folder = dir.to_path_buf();
    let rescan = Seen { inbox, path: None, folder_gone: false };
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                if event.need_rescan() {
                    let _ = tx.send(rescan.clone());
                }
                if matches!(event.kind, EventKind::Remove(_)) && event.paths.contains(&folder) {
                    let _ = tx.send(Seen { folder_gone: true, ..rescan.clone() });
                }
                if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_)) {
                    for path in event.paths {
                        let _ = tx.send(Seen { inbox, path: Some(path), folder_gone: false });
                    }
                }
            }
            Err(e) => {
                tracing::warn!("file watcher: {e}; falling back to a rescan");
                let _ = tx.send(rescan.clone());
            }
        })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(InboxWatcher { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn reports_a_new_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _w = watch(tmp.path(), 3, tx).expect("watch");
        std::fs::write(tmp.path().join("a.se"), "#FLAGGA 0\n").expect("write");
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match rx.recv().await {
                    Some(Seen { inbox: 3, path: Some(p), .. }) if p.ends_with("a.se") => {
                        return true;
                    }
                    Some(_) => {}
                    None => return false,
                }
            }
        })
        .await;
        assert_eq!(got, Ok(true));
    }
}
