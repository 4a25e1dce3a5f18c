//! The inboxes a running service watches, and what happens when one cannot be read (a network
//! share that is down, a folder removed): it is logged and told once, its scans pause for a
//! growing while, and the other inboxes go on. The first good read says it is back.

use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use crate::claim::{self, Stability};
use crate::config::{InboxConfig, NotifyConfig};
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
    _events: Option<watch::InboxWatcher>,
    /// Set while the inbox cannot be read: the pause before the next try.
    down: Option<Duration>,
}

impl Watched {
    pub(super) fn new(
        stability: Stability,
        every: Duration,
        next_release: Option<chrono::DateTime<chrono::Local>>,
        events: Option<watch::InboxWatcher>,
    ) -> Watched {
        Watched {
            stability,
            next_scan: Instant::now(),
            every,
            next_release,
            _events: events,
            down: None,
        }
    }

    /// Whether a scan is due (its interval passed, or its pause after a failed read).
    pub(super) fn scan_due(&self, now: Instant) -> bool {
        now >= self.next_scan
    }

    /// The inbox's folder while it cannot be read.
    pub(super) fn unreachable(&self, inbox: &InboxConfig) -> Option<PathBuf> {
        self.down.map(|_| inbox.path.clone())
    }

    /// Offers the inbox's files to the stability check and plans the next scan. A read that
    /// fails marks the inbox unreachable: the first time it is logged and told (event
    /// `inbox_unreachable`); the next tries come after a pause that doubles up to a minute.
    /// The first good read after that is logged and told too (`inbox_reachable`).
    pub(super) async fn scan(&mut self, inbox: &InboxConfig, notify: &NotifyConfig) {
        let shown = inbox.path.display().to_string();
        match claim::scan(&inbox.path) {
            Ok(paths) => {
                for path in paths {
                    self.stability.offer(&inbox.path, &path);
                }
                self.next_scan = Instant::now() + self.every;
                if self.down.take().is_some() {
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
                let pause = if let Some(pause) = self.down {
                    (pause * 2).min(MAX_PAUSE)
                } else {
                    let event = notify::Event {
                        event: "inbox_unreachable".to_owned(),
                        summary: format!(
                            "the inbox {shown} cannot be read: {e}; files dropped there wait \
                             until it can, the other inboxes go on (hint: check that the folder \
                             exists, the share is mounted and the service's account can read it)"
                        ),
                        inbox: Some(shown),
                        error: Some(e.to_string()),
                        ..notify::Event::default()
                    };
                    notify::send(notify, &event).await;
                    self.every.clamp(Duration::from_secs(1), MAX_PAUSE)
                };
                tracing::debug!(inbox = %inbox.path.display(), ?pause, "inbox unreadable: {e}");
                self.down = Some(pause);
                self.next_scan = Instant::now() + pause;
            }
        }
    }
}
