//! The inboxes a running service watches, and what happens when one cannot be read (a network
//! share that is down, a folder removed): it is logged and told once (the ledger keeps that it
//! is down, so a restart or the next `run --once` from a scheduler does not tell it again), its
//! scans pause for a growing while, and the other inboxes go on. The first good read says it is
//! back. Also when a nightly inbox is released.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::claim::{self, Stability};
use crate::config::{InboxConfig, NotifyConfig, Schedule};
use crate::ledger::{Ledger, LedgerError, Trouble};
use crate::notify;
use crate::watch;

/// The longest pause between two reads of an inbox that cannot be read.
const MAX_PAUSE: Duration = Duration::from_mins(1);

/// One watched inbox while the service runs.
pub(super) struct Watched {
    pub stability: Stability,
    next_scan: Instant,
    /// Between two scans while the inbox can be read.
    every: Duration,
    pub next_release: Option<chrono::DateTime<chrono::Local>>,
    events: Option<watch::InboxWatcher>,
    /// What a watch is made anew with (its inbox index and the event channel) when the folder
    /// is: file events of a removed folder end with it, though one made again at its path
    /// looks the same. `None` for a polled inbox.
    rewatch: Option<(usize, mpsc::UnboundedSender<watch::Seen>)>,
    /// The watched folder (device and inode), looked at every [`FOLDER_CHECK`].
    folder: Option<(u64, u64)>,
    /// The watcher said the folder was removed (an inode may be given to the folder made
    /// again, so this is what tells most often).
    gone: bool,
    next_folder_check: Instant,
    /// Set while the inbox cannot be read: the pause before the next try, and why.
    down: Option<(Duration, String)>,
}

/// How often a watched inbox's folder is checked for having been removed and made again.
const FOLDER_CHECK: Duration = Duration::from_secs(1);

/// A folder's device and inode (Unix); `None` elsewhere or when it is not there.
fn folder_id(path: &std::path::Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

impl Watched {
    pub(super) fn new(
        stability: Stability,
        every: Duration,
        next_release: Option<chrono::DateTime<chrono::Local>>,
        events: Option<(watch::InboxWatcher, usize, mpsc::UnboundedSender<watch::Seen>)>,
        path: &std::path::Path,
    ) -> Watched {
        let (events, rewatch) = match events {
            Some((watcher, index, tx)) => (Some(watcher), Some((index, tx))),
            None => (None, None),
        };
        Watched {
            stability,
            next_scan: Instant::now(),
            every,
            next_release,
            events,
            rewatch,
            folder: folder_id(path),
            gone: false,
            next_folder_check: Instant::now() + FOLDER_CHECK,
            down: None,
        }
    }

    /// Whether a scan is due: its interval passed, its pause after a failed read, or the
    /// watched folder was removed and made again (then it is watched anew first).
    pub(super) fn scan_due(&mut self, inbox: &InboxConfig, now: Instant) -> bool {
        if self.rewatch.is_some() && now >= self.next_folder_check {
            self.next_folder_check = now + FOLDER_CHECK;
            let id = folder_id(&inbox.path);
            let remade = if self.gone { inbox.path.is_dir() } else { id != self.folder };
            if remade && (self.gone || id.is_some()) {
                (self.folder, self.gone) = (id, false);
                self.watch_again(inbox);
                return true;
            }
        }
        now >= self.next_scan
    }

    /// The watcher saw the folder removed: once one is there again, it is watched anew.
    pub(super) fn folder_gone(&mut self) {
        self.gone = true;
    }

    /// Makes the file-event watch of the inbox anew (its folder was made again).
    fn watch_again(&mut self, inbox: &InboxConfig) {
        let Some((index, tx)) = &self.rewatch else { return };
        match watch::watch(&inbox.path, *index, tx.clone()) {
            Ok(watcher) => {
                self.events = Some(watcher);
                tracing::info!(inbox = %inbox.path.display(), "the inbox folder was made anew; watching it again");
            }
            Err(e) => {
                self.events = None;
                tracing::warn!(inbox = %inbox.path.display(), "cannot watch the inbox folder again, found by its scans only: {e}");
            }
        }
    }

    /// The inbox's folder while it cannot be read, and why.
    pub(super) fn unreachable(&self, inbox: &InboxConfig) -> Option<(PathBuf, String)> {
        self.down.as_ref().map(|(_, why)| (inbox.path.clone(), why.clone()))
    }

    /// Offers the inbox's files to the stability check and plans the next scan. A read that
    /// fails marks the inbox unreachable: the first time it is told (event
    /// `inbox_unreachable`) and recorded in the ledger; the next tries come after a pause that
    /// doubles up to a minute. The first good read after that is told too (`inbox_reachable`).
    pub(super) async fn scan(
        &mut self,
        inbox: &InboxConfig,
        notify: &NotifyConfig,
        ledger: &Ledger,
    ) -> Result<(), LedgerError> {
        let shown = inbox.path.display().to_string();
        match claim::scan(&inbox.path) {
            Ok(paths) => {
                for path in paths {
                    self.stability.offer(&inbox.path, &path);
                }
                self.next_scan = Instant::now() + self.every;
                self.down = None;
                // Asked of the ledger (a read), not of this process: another run may have told
                // that the inbox was down.
                if ledger.trouble_over(Trouble::InboxDown, &shown)? {
                    tracing::info!(inbox = %shown, "the inbox can be read again");
                    let event = notify::Event {
                        event: "inbox_reachable".to_owned(),
                        summary: format!("the inbox {shown} can be read again"),
                        inbox: Some(shown),
                        ..notify::Event::default()
                    };
                    notify::send(notify, &event).await;
                }
            }
            Err(e) => {
                let pause = if let Some((pause, _)) = self.down {
                    (pause * 2).min(MAX_PAUSE)
                } else {
                    if ledger.trouble_began(Trouble::InboxDown, &shown, "", &e.to_string())? {
                        let event = notify::Event {
                            event: "inbox_unreachable".to_owned(),
                            summary: format!(
                                "the inbox {shown} cannot be read: {e}; files dropped there \
                                 wait until it can, the other inboxes go on (hint: check that \
                                 the folder exists, the share is mounted and the service's \
                                 account can read it)"
                            ),
                            inbox: Some(shown),
                            error: Some(e.to_string()),
                            ..notify::Event::default()
                        };
                        notify::send(notify, &event).await;
                    } else {
                        tracing::warn!(inbox = %shown, "the inbox still cannot be read (told before): {e}");
                    }
                    self.every.clamp(Duration::from_secs(1), MAX_PAUSE)
                };
                tracing::debug!(inbox = %inbox.path.display(), ?pause, "inbox unreadable: {e}");
                self.down = Some((pause, e.to_string()));
                self.next_scan = Instant::now() + pause;
            }
        }
        Ok(())
    }
}

/// The next local time a nightly inbox is released, after `now`.
pub(super) fn next_release(
    schedule: Schedule,
    now: chrono::DateTime<chrono::Local>,
) -> Option<chrono::DateTime<chrono::Local>> {
    let Schedule::Nightly(at) = schedule else { return None };
    let today = now.date_naive().and_time(at);
    let candidate = if today > now.naive_local() { today } else { today + chrono::Days::new(1) };
    local(candidate)
}

/// The most recent nightly release time at or before `now` (to catch up on one that was
/// missed because the machine was off).
pub(super) fn last_release(
    schedule: Schedule,
    now: chrono::DateTime<chrono::Local>,
) -> Option<chrono::DateTime<chrono::Local>> {
    let Schedule::Nightly(at) = schedule else { return None };
    let today = now.date_naive().and_time(at);
    let candidate = if today <= now.naive_local() { today } else { today - chrono::Days::new(1) };
    local(candidate)
}

/// A local wall-clock time; one in the spring-forward gap moves an hour later.
fn local(t: chrono::NaiveDateTime) -> Option<chrono::DateTime<chrono::Local>> {
    t.and_local_timezone(chrono::Local)
        .earliest()
        .or_else(|| (t + chrono::Duration::hours(1)).and_local_timezone(chrono::Local).earliest())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn nightly_release_times_and_catch_up() {
        let at = chrono::NaiveTime::from_hms_opt(3, 0, 0).expect("time");
        let now = chrono::Local.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).single().expect("now");
        let next = next_release(Schedule::Nightly(at), now).expect("next");
        assert_eq!(next.naive_local().to_string(), "2026-11-22 03:00:00");
        let last = last_release(Schedule::Nightly(at), now).expect("last");
        assert_eq!(last.naive_local().to_string(), "2026-11-21 03:00:00");
        let early = chrono::Local.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).single().expect("now");
        assert_eq!(
            last_release(Schedule::Nightly(at), early).expect("last").naive_local().to_string(),
            "2026-11-20 03:00:00"
        );
        assert!(next_release(Schedule::Realtime, now).is_none());
    }
}
