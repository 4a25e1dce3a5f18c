//! Archive: moves a processed file to `done/DATE/` or `failed/DATE/`, keeping its original bytes
//! and name (a clash gets a ` (2)` suffix; nothing is ever overwritten), and writes
//! `NAME.error.txt` beside a failed file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// Moves `from` into `root/DATE/name` and returns where it landed.
pub fn archive(from: &Path, root: &Path, date: NaiveDate, name: &str) -> io::Result<PathBuf> {
    let target = plan(root, date, name)?;
    place(from, &target)
}

/// Picks the free path `root/DATE/name` (creating the date folder) without moving anything, so
/// the destination can be recorded before the move.
pub fn plan(root: &Path, date: NaiveDate, name: &str) -> io::Result<PathBuf> {
    let dir = root.join(date.format("%Y-%m-%d").to_string());
    fs::create_dir_all(&dir)?;
    Ok(free_name(&dir, name))
}

/// Moves `from` to the planned `target`, durably, and returns where it landed: if something
/// took `target` meanwhile, a free name beside it (an archived file is never overwritten).
pub fn place(from: &Path, target: &Path) -> io::Result<PathBuf> {
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let target = if target.exists() {
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("unnamed");
        free_name(dir, name)
    } else {
        target.to_path_buf()
    };
    move_file(from, &target)?;
    sync_dir(dir);
    Ok(target)
}

/// Writes the error report beside an archived file: `NAME.error.txt`.
pub fn write_error_report(archived: &Path, text: &str) -> io::Result<PathBuf> {
    let path = error_report_of(archived);
    write_report(&path, text)?;
    Ok(path)
}

/// Writes a report (`NAME.error.txt`, `NAME.warnings.txt`) durably.
pub fn write_report(path: &Path, text: &str) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// `name`, or `stem (2).ext`, `stem (3).ext`, ... whichever does not exist yet.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() && !error_report_of(&first).exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (2..u32::MAX)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists() && !error_report_of(p).exists())
        .unwrap_or(first)
}

/// `NAME.error.txt` beside `path`.
pub fn error_report_of(path: &Path) -> PathBuf {
    beside(path, ".error.txt")
}

/// The warnings beside a posted file: `NAME.warnings.txt`.
pub fn warnings_report_of(path: &Path) -> PathBuf {
    beside(path, ".warnings.txt")
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Renames (same volume), falling back to copy + fsync + remove across volumes.
fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(_) if from.exists() => {
            fs::copy(from, to)?;
            fs::File::open(to)?.sync_all()?;
            fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// Makes a rename durable (Unix); a no-op where directories cannot be opened.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_groups_by_date() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let date = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        let root = tmp.path().join("done");
        let mut landed = Vec::new();
        for content in ["one", "two", "three"] {
            let src = tmp.path().join("in.se");
            fs::write(&src, content).expect("write");
            landed.push(archive(&src, &root, date, "z 1.se").expect("archive"));
        }
        let day = root.join("2026-11-21");
        assert_eq!(
            landed,
            vec![day.join("z 1.se"), day.join("z 1 (2).se"), day.join("z 1 (3).se")]
        );
        assert_eq!(fs::read_to_string(&landed[1]).expect("read"), "two");
        let src = tmp.path().join("late.se");
        fs::write(&src, "four").expect("write");
        let taken = place(&src, &landed[0]).expect("place");
        assert_eq!(taken, day.join("z 1 (4).se"), "a taken target is never overwritten");
        assert_eq!(fs::read_to_string(&landed[0]).expect("read"), "one");
        let report = write_error_report(&landed[0], "a.se:3: bad").expect("report");
        assert_eq!(report, day.join("z 1.se.error.txt"));
    }
}
