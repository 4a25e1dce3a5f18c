//! Claiming: a file is taken only once it is completely written, then moved into the processing
//! area (same volume, so the move is atomic) before anything else happens to it.
//!
//! "Completely written" = its size and modification time did not change over the configured
//! window. Names POS systems use while writing (`*.tmp`, `~*`, `*.part`, dot-files) are
//! ignored, and so are symbolic links and anything that is not a regular file.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// True for names that are being written or are not ours to take.
pub fn ignored_name(name: &str) -> bool {
    let ext =
        |e: &str| std::path::Path::new(name).extension().is_some_and(|x| x.eq_ignore_ascii_case(e));
    name.starts_with('.')
        || name.starts_with('~')
        || ext("tmp")
        || ext("part")
        || ext("partial")
        || ext("crdownload")
        || name.to_ascii_lowercase().ends_with(".error.txt")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    size: u64,
    modified: Option<SystemTime>,
}

fn snapshot(path: &Path) -> Option<Snapshot> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    Some(Snapshot { size: meta.len(), modified: meta.modified().ok() })
}

/// Tracks candidate files until they have been stable for the window.
#[derive(Debug)]
pub struct Stability {
    window: Duration,
    done_marker: bool,
    seen: HashMap<PathBuf, (Snapshot, Instant)>,
}

/// The marker names a producer may write when a file is complete: `NAME.done` or `NAME.ok`.
const MARKER_EXTENSIONS: [&str; 2] = ["done", "ok"];

fn marker_of(path: &Path) -> Option<PathBuf> {
    MARKER_EXTENSIONS
        .iter()
        .map(|ext| {
            let mut name = path.as_os_str().to_os_string();
            name.push(".");
            name.push(ext);
            PathBuf::from(name)
        })
        .find(|marker| marker.exists())
}

impl Stability {
    /// `done_marker`: a file is only taken once its `NAME.done` / `NAME.ok` exists.
    pub fn new(window: Duration, done_marker: bool) -> Stability {
        Stability { window, done_marker, seen: HashMap::new() }
    }

    /// Starts (or keeps) watching `path` if it is a candidate: a regular file, not a symlink,
    /// directly inside `inbox`, with a name that is not a temporary one (nor a done-marker).
    pub fn offer(&mut self, inbox: &Path, path: &Path) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return };
        if ignored_name(name) || path.parent() != Some(inbox) {
            return;
        }
        if self.done_marker {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if MARKER_EXTENSIONS.iter().any(|m| ext.eq_ignore_ascii_case(m)) {
                // The marker arrived: offer the file it marks.
                self.offer(inbox, &path.with_extension(""));
                return;
            }
        }
        if let Some(snap) = snapshot(path) {
            self.seen.entry(path.to_path_buf()).or_insert((snap, Instant::now()));
        }
    }

    /// Candidates that have not changed for the whole window, ready to claim. Files that
    /// vanished are forgotten; files that changed start their window again.
    pub fn ready(&mut self) -> Vec<PathBuf> {
        let now = Instant::now();
        let mut ready = Vec::new();
        self.seen.retain(|path, (snap, since)| match snapshot(path) {
            None => false,
            Some(current) if current != *snap => {
                *snap = current;
                *since = now;
                true
            }
            Some(_) if self.done_marker && marker_of(path).is_none() => true,
            Some(_) if !openable_exclusively(path) => {
                *since = now; // the writer still holds it: its window starts again
                true
            }
            Some(current) if now.duration_since(*since) >= wait(self.window, &current) => {
                ready.push(path.clone());
                false
            }
            Some(_) => true,
        });
        // Numbers in names in number order (`Z-999` before `Z-1000`): a till's reports are
        // then taken in the order they were made, so no Z number looks missing meanwhile.
        ready.sort_by(|a, b| natural_order(&a.to_string_lossy(), &b.to_string_lossy()));
        ready
    }

    /// Number of watched files that can still become ready: files waiting for their
    /// done-marker do not count (that may take any time, so `--once` must not wait for them).
    pub fn pending(&self) -> usize {
        self.seen.len() - self.awaiting_marker().len()
    }

    /// Watched files whose done-marker (`NAME.done` / `NAME.ok`) has not come yet.
    pub fn awaiting_marker(&self) -> Vec<PathBuf> {
        if !self.done_marker {
            return Vec::new();
        }
        let mut waiting: Vec<PathBuf> =
            self.seen.keys().filter(|p| marker_of(p).is_none()).cloned().collect();
        waiting.sort();
        waiting
    }
}

/// How long a file must stay unchanged: the window, or, while it is empty, at least
/// [`EMPTY_WAIT`]: a producer that creates its file first and writes it a moment later must
/// not have the empty file taken (and failed) meanwhile.
fn wait(window: Duration, snap: &Snapshot) -> Duration {
    if snap.size == 0 { window.max(EMPTY_WAIT) } else { window }
}

/// See [`wait`]: an empty file that stays empty this long is taken (and fails as empty).
const EMPTY_WAIT: Duration = Duration::from_secs(10);

/// Windows: a file a POS still has open (for writing) cannot be opened without sharing; the
/// size/time window alone can miss a writer that pauses. Elsewhere there is no such lock.
#[cfg(windows)]
fn openable_exclusively(path: &Path) -> bool {
    use std::os::windows::fs::OpenOptionsExt;
    fs::OpenOptions::new().read(true).share_mode(0).open(path).is_ok()
}

#[cfg(not(windows))]
fn openable_exclusively(_path: &Path) -> bool {
    true
}

/// Every candidate file in `inbox` now (the periodic full rescan).
pub fn scan(inbox: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(inbox)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Compares names with their runs of digits taken as numbers: `Z-999` < `Z-1000`.
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut digits = None;
        for (i, c) in s.char_indices() {
            let d = c.is_ascii_digit();
            if digits.is_some_and(|was| was != d) {
                out.push((digits == Some(true), &s[start..i]));
                start = i;
            }
            digits = Some(d);
        }
        out.push((digits == Some(true), &s[start..]));
        out
    }
    let key = |(number, text): (bool, &str)| {
        let trimmed = text.trim_start_matches('0');
        if number { (trimmed.len(), trimmed.to_owned()) } else { (0, text.to_owned()) }
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let order = match (x.0, y.0) {
            (true, true) => key(*x).cmp(&key(*y)),
            _ => x.1.cmp(y.1),
        };
        if order.is_ne() {
            return order;
        }
    }
    pa.len().cmp(&pb.len()).then_with(|| a.cmp(b))
}

/// A claimed file: now in the processing area, under a unique name.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The name it had in the inbox (kept for done/ and failed/).
    pub name: String,
    pub path: PathBuf,
    /// Index of its inbox in `Config::inboxes`.
    pub inbox: usize,
}

/// Moves a stable file of inbox number `inbox` into `processing`. `Ok(None)` when it vanished
/// meanwhile.
pub fn claim(path: &Path, inbox: usize, processing: &Path) -> io::Result<Option<Claimed>> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
        return Ok(None);
    };
    if snapshot(path).is_none() {
        return Ok(None);
    }
    // The processing folder is named in the error: it, not the file, is often what is wrong.
    let into =
        |e: io::Error| io::Error::new(e.kind(), format!("into {}: {e}", processing.display()));
    fs::create_dir_all(processing).map_err(into)?;
    let stamp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let target = processing.join(format!("{}-{name}", stamp.as_nanos()));
    match fs::rename(path, &target) {
        Ok(()) => {
            crate::archive::sync_dir(processing);
            if let Some(marker) = marker_of(path) {
                let _ = fs::remove_file(marker);
            }
            Ok(Some(Claimed { name, path: target, inbox }))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(into(e)),
    }
}

/// The inbox name of a file found in the processing area (strips the claim prefix).
pub fn original_name(processing_file: &Path) -> String {
    let name = processing_file.file_name().and_then(|n| n.to_str()).unwrap_or("unnamed");
    match name.split_once('-') {
        Some((stamp, rest)) if stamp.bytes().all(|b| b.is_ascii_digit()) => rest.to_owned(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_taken_in_number_order() {
        let mut names =
            vec!["Z-1000.json", "Z-999.json", "Z-0998.json", "kassa-2.si", "kassa-10.si", "a.si"];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            ["Z-0998.json", "Z-999.json", "Z-1000.json", "a.si", "kassa-2.si", "kassa-10.si"]
        );
    }

    #[test]
    fn temporary_names_are_ignored() {
        for name in [".hidden.se", "~lock.se", "z.json.tmp", "export.csv.part", "a.se.error.txt"] {
            assert!(ignored_name(name), "{name}");
        }
        for name in ["z-0042.json", "FAKT.SI", "orders.csv"] {
            assert!(!ignored_name(name), "{name}");
        }
    }

    #[test]
    fn an_empty_file_is_not_taken_while_its_producer_may_still_write_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let inbox = tmp.path().join("inbox");
        fs::create_dir_all(&inbox).expect("mkdir");
        let file = inbox.join("z-1043.json");
        fs::write(&file, "").expect("create");
        let mut stability = Stability::new(Duration::from_millis(50), false);
        stability.offer(&inbox, &file);
        std::thread::sleep(Duration::from_millis(200));
        assert!(stability.ready().is_empty(), "empty: it waits longer than the window");
        assert_eq!(stability.pending(), 1);
        fs::write(&file, "{}").expect("written");
        assert!(stability.ready().is_empty(), "it changed, the window starts again");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(stability.ready(), vec![file]);
    }

    #[test]
    fn waits_for_a_stable_file_then_claims_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let inbox = tmp.path().join("inbox");
        fs::create_dir_all(&inbox).expect("mkdir");
        let file = inbox.join("a.se");
        fs::write(&file, "#FLAGGA 0\n").expect("write");
        fs::write(inbox.join("b.se.tmp"), "x").expect("write");
        let mut stability = Stability::new(Duration::from_millis(150), false);
        for path in scan(&inbox).expect("scan") {
            stability.offer(&inbox, &path);
        }
        assert_eq!(stability.pending(), 1);
        assert!(stability.ready().is_empty(), "not stable yet");
        std::thread::sleep(Duration::from_millis(80));
        fs::write(&file, "#FLAGGA 0\n#PROGRAM x 1\n").expect("grow");
        std::thread::sleep(Duration::from_millis(100));
        assert!(stability.ready().is_empty(), "it changed, the window starts again");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(stability.ready(), vec![file.clone()]);

        let claimed =
            claim(&file, 0, &tmp.path().join("processing")).expect("claim").expect("some");
        assert_eq!(claimed.name, "a.se");
        assert!(!file.exists());
        assert_eq!(original_name(&claimed.path), "a.se");
        assert!(claim(&file, 0, &tmp.path().join("processing")).expect("gone").is_none());
    }

    #[test]
    fn with_done_markers_a_file_waits_for_its_marker() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let inbox = tmp.path().to_path_buf();
        let file = inbox.join("z-0042.json");
        fs::write(&file, "{}").expect("write");
        let mut stability = Stability::new(Duration::ZERO, true);
        stability.offer(&inbox, &file);
        assert!(stability.ready().is_empty(), "no marker yet");
        assert_eq!(stability.pending(), 0, "nothing can become ready without the marker");
        assert_eq!(stability.awaiting_marker(), vec![file.clone()]);
        fs::write(inbox.join("z-0042.json.done"), "").expect("marker");
        assert_eq!((stability.pending(), stability.awaiting_marker().len()), (1, 0));
        stability.offer(&inbox, &inbox.join("z-0042.json.done"));
        assert_eq!(stability.ready(), vec![file.clone()]);
        let claimed = claim(&file, 0, &inbox.join(".processing")).expect("claim").expect("some");
        assert_eq!(claimed.name, "z-0042.json");
        assert!(!inbox.join("z-0042.json.done").exists(), "the marker is removed with the claim");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let outside = tmp.path().join("secret.se");
        fs::write(&outside, "#FLAGGA 0\n").expect("write");
        let inbox = tmp.path().join("inbox");
        fs::create_dir_all(&inbox).expect("mkdir");
        std::os::unix::fs::symlink(&outside, inbox.join("link.se")).expect("symlink");
        let mut stability = Stability::new(Duration::ZERO, false);
        stability.offer(&inbox, &inbox.join("link.se"));
        stability.offer(&inbox, &outside);
        assert_eq!(stability.pending(), 0);
    }
}
