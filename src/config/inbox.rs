//! Inbox settings: where files arrive, what they are, how they are watched and when their
//! documents are posted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use serde::Deserialize;

use super::{Problem, choose_named};
use crate::detect::Kind;

/// When the documents of an inbox are posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// As soon as a file is complete (the default).
    Realtime,
    /// Files are checked and queued at once; everything queued is posted at this local time.
    Nightly(NaiveTime),
    /// Files are checked and queued; posted when someone runs `fortnox-bridge sync`.
    Manual,
}

impl Schedule {
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Realtime => "realtime",
            Schedule::Nightly(_) => "nightly",
            Schedule::Manual => "manual",
        }
    }
}

/// How an inbox learns about new files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// File-system events, unless the folder is on a network share (then polling).
    Auto,
    /// File-system events (plus the periodic rescan).
    Events,
    /// List the folder every `poll_ms` (network shares: SMB/NFS send no events).
    Poll,
}

/// One watched folder, fully resolved.
#[derive(Debug, Clone)]
pub struct InboxConfig {
    pub path: PathBuf,
    /// Claimed files wait here; on the inbox's volume so the move is atomic.
    pub processing: PathBuf,
    /// What the files are; `None` = detect from name and content.
    pub kind: Option<Kind>,
    pub schedule: Schedule,
    pub watch: WatchMode,
    pub poll: Duration,
    /// Only take `NAME` once `NAME.done` (or `NAME.ok`) exists beside it.
    pub done_marker: bool,
}

/// `[[inboxes]]` as written in the file (and the defaults the primary inbox takes from
/// `[watch]` / `[schedule]`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInbox {
    pub path: Option<PathBuf>,
    pub kind: Option<Kind>,
    pub schedule: Option<String>,
    pub nightly_at: Option<String>,
    pub watch: Option<WatchMode>,
    pub poll_ms: Option<u64>,
    pub done_marker: Option<bool>,
}

impl RawInbox {
    /// Resolves against the defaults (`defaults` is the primary's raw settings). `primary` says
    /// whether this is the inbox of `[folders]` / `[schedule]` (its keys are `[schedule] mode`
    /// and `[schedule] nightly_at`) or an `[[inboxes]]` entry (`schedule`, `nightly_at`; a
    /// problem's key is then relative to the entry).
    pub(super) fn resolve(
        &self,
        path: PathBuf,
        processing: PathBuf,
        defaults: &RawInbox,
        primary: bool,
    ) -> Result<InboxConfig, Problem> {
        let (schedule_key, nightly_key): (&[&str], &[&str]) = if primary {
            (&["schedule", "mode"], &["schedule", "nightly_at"])
        } else {
            (&["schedule"], &["nightly_at"])
        };
        let name = |key: &[&str]| match key {
            [section, key] => format!("[{section}] {key}"),
            _ => key.join("."),
        };
        let nightly_at =
            self.nightly_at.as_deref().or(defaults.nightly_at.as_deref()).unwrap_or("03:00");
        let at = NaiveTime::parse_from_str(nightly_at, "%H:%M").map_err(|_| {
            Problem::new(
                nightly_key,
                format!(
                    "{} `{nightly_at}` is not a time (hint: 24-hour `HH:MM`, e.g. \"03:00\")",
                    name(nightly_key)
                ),
            )
        })?;
        let schedule = choose_named(
            &name(schedule_key),
            schedule_key,
            self.schedule.as_deref().or(defaults.schedule.as_deref()),
            Schedule::Realtime,
            &[
                ("realtime", Schedule::Realtime),
                ("nightly", Schedule::Nightly(at)),
                ("manual", Schedule::Manual),
            ],
        )?;
        Ok(InboxConfig {
            path,
            processing,
            kind: self.kind.or(defaults.kind),
            schedule,
            watch: self.watch.or(defaults.watch).unwrap_or(WatchMode::Auto),
            poll: Duration::from_millis(self.poll_ms.or(defaults.poll_ms).unwrap_or(1000).max(50)),
            done_marker: self.done_marker.or(defaults.done_marker).unwrap_or(false),
        })
    }
}

impl InboxConfig {
    /// Whether this inbox is polled: by choice, or (auto) because it is on a network share.
    pub fn polled(&self) -> bool {
        match self.watch {
            WatchMode::Poll => true,
            WatchMode::Events => false,
            WatchMode::Auto => is_network_path(&self.path),
        }
    }
}

/// True for UNC paths (`\\server\share`) and, on Linux, folders on NFS/SMB/SSHFS mounts.
fn is_network_path(path: &Path) -> bool {
    let text = path.to_string_lossy();
    if text.starts_with(r"\\") || text.starts_with("//") {
        return true;
    }
    network_mount(path)
}

#[cfg(target_os = "linux")]
fn network_mount(path: &Path) -> bool {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    // The longest mount point that contains the path decides.
    let mut best: Option<(usize, bool)> = None;
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else { continue };
        let (Some(mount_point), Some(fstype)) = (fields.get(4), fields.get(sep + 1)) else {
            continue;
        };
        let mount_point = mount_point.replace("\\040", " ");
        if path.starts_with(&mount_point) {
            let remote = matches!(
                *fstype,
                "nfs" | "nfs4" | "cifs" | "smb3" | "smbfs" | "fuse.sshfs" | "9p" | "afs"
            );
            if best.is_none_or(|(len, _)| mount_point.len() >= len) {
                best = Some((mount_point.len(), remote));
            }
        }
    }
    best.is_some_and(|(_, remote)| remote)
}

#[cfg(not(target_os = "linux"))]
fn network_mount(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unc_paths_are_network_paths_and_local_tmp_is_not() {
        assert!(is_network_path(Path::new(r"\\kassa-pc\export")));
        assert!(!is_network_path(&std::env::temp_dir()));
    }

    #[test]
    fn schedules_resolve_with_defaults() {
        let defaults = RawInbox { schedule: Some("nightly".into()), ..RawInbox::default() };
        let own = RawInbox::default();
        let inbox = own.resolve("a".into(), "p".into(), &defaults, false).expect("valid");
        assert_eq!(
            inbox.schedule,
            Schedule::Nightly(NaiveTime::from_hms_opt(3, 0, 0).expect("time"))
        );
        let bad = RawInbox { nightly_at: Some("25:00".into()), ..RawInbox::default() };
        assert!(
            bad.resolve("a".into(), "p".into(), &defaults, false)
                .unwrap_err()
                .message
                .contains("`25:00`")
        );
        let odd = RawInbox { schedule: Some(" Manual ".into()), ..RawInbox::default() };
        let inbox = odd.resolve("a".into(), "p".into(), &defaults, false).expect("valid");
        assert_eq!(inbox.schedule, Schedule::Manual);
        let bad = RawInbox { schedule: Some("hourly".into()), ..RawInbox::default() };
        assert_eq!(
            bad.resolve("a".into(), "p".into(), &bad, true).unwrap_err(),
            Problem::new(
                &["schedule", "mode"],
                "[schedule] mode = \"hourly\" is not one of \"realtime\", \"nightly\", \"manual\""
            )
        );
    }
}
