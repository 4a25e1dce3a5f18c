//! Errors of the state store: which database file, what SQLite said, and what to check.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// A failure of the state store: `<db path>: state store: <what> (hint: ...)`, the hint picked
/// by SQLite's error code. SQLite's error is part of the message, not its `source`: `{:#}`
/// would print it twice.
#[derive(Debug, thiserror::Error)]
#[error("{}: state store: {cause} (hint: {})", .path.display(), hint(.cause))]
pub struct LedgerError {
    path: PathBuf,
    cause: rusqlite::Error,
}

impl LedgerError {
    pub(super) fn new(path: &Path, cause: rusqlite::Error) -> LedgerError {
        LedgerError { path: path.to_path_buf(), cause }
    }
}

/// What to check, by what SQLite said.
fn hint(cause: &rusqlite::Error) -> &'static str {
    match cause.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another fortnox-bridge process is using this state file; stop the other instance"
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            "the service's account cannot write this file: check that its folder exists and that \
             the account may create and write files in it"
        }
        Some(ErrorCode::DiskFull) => "the disk is full; free space, then start again",
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            "the file is not a fortnox-bridge state database or it is damaged; restore it from a \
             backup, or point `[folders] state` at another file"
        }
        _ => {
            "the state store is the file `[folders] state` names; check that the service's \
             account can write its folder and that the disk is not full"
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::super::{Ledger, NewFile};

    const NEW: NewFile<'static> = NewFile {
        name: "a.se",
        sha256: "abc",
        size: 1,
        processing_path: "p/a.se",
        inbox: "in",
        hold: None,
    };

    /// The message of opening a ledger at `path`, which must fail.
    fn open_error(path: &std::path::Path) -> String {
        match Ledger::open(path) {
            Ok(_) => panic!("{} opened", path.display()),
            Err(e) => e.to_string(),
        }
    }

    /// `text` names `path` first, says `what` once, and gives `hint` (and only one hint).
    fn assert_says(text: &str, path: &std::path::Path, what: &str, hint: &str) {
        assert!(text.starts_with(&format!("{}: state store: ", path.display())), "{text}");
        assert_eq!(text.matches(what).count(), 1, "{text}");
        assert!(text.ends_with(&format!("(hint: {hint})")), "{text}");
    }

    const CANNOT_WRITE: &str = "the service's account cannot write this file: check that its \
         folder exists and that the account may create and write files in it";

    #[test]
    fn a_file_that_is_not_a_database_is_named_with_the_restore_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        std::fs::write(&path, b"Ledger export, not SQLite\n".repeat(200)).unwrap();
        assert_says(
            &open_error(&path),
            &path,
            "file is not a database",
            "the file is not a fortnox-bridge state database or it is damaged; restore it from \
             a backup, or point `[folders] state` at another file",
        );
    }

    #[test]
    fn a_folder_that_does_not_exist_is_named_with_the_folder_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-folder").join("state.db");
        assert_says(&open_error(&path), &path, "unable to open database file", CANNOT_WRITE);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_is_named_with_the_folder_hint() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("state");
        std::fs::create_dir(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(folder.join("probe"), b"").is_ok() {
            eprintln!("skipped: this account writes read-only folders (root)");
            return;
        }
        let path = folder.join("state.db");
        assert_says(&open_error(&path), &path, "unable to open database file", CANNOT_WRITE);
    }

    #[test]
    fn a_write_refused_after_opening_is_named_with_the_write_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let ledger = Ledger::open(&path).unwrap();
        ledger.with_conn(|c| c.pragma_update(None, "query_only", "ON")).unwrap();
        let text = ledger.add_file(&NEW).unwrap_err().to_string();
        assert_says(&text, &path, "attempt to write a readonly database", CANNOT_WRITE);
    }

    #[test]
    fn a_state_file_another_process_writes_is_named_with_the_instance_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let ledger = Ledger::open(&path).unwrap();
        ledger.with_conn(|c| c.busy_timeout(Duration::from_millis(50))).unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let text = ledger.add_file(&NEW).unwrap_err().to_string();
        assert_says(
            &text,
            &path,
            "database is locked",
            "another fortnox-bridge process is using this state file; stop the other instance",
        );
        other.execute_batch("ROLLBACK").unwrap();
        ledger.add_file(&NEW).unwrap();
    }

    #[test]
    fn a_full_database_is_named_with_the_disk_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let ledger = Ledger::open(&path).unwrap();
        // No room for another page: SQLite answers as it does on a full disk.
        ledger
            .with_conn(|c| {
                let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                c.pragma_update(None, "max_page_count", pages)
            })
            .unwrap();
        let big = "x".repeat(64 * 1024);
        let text = ledger.add_file(&NewFile { sha256: &big, ..NEW }).unwrap_err().to_string();
        assert_says(
            &text,
            &path,
            "database or disk is full",
            "the disk is full; free space, then start again",
        );
    }

    #[test]
    fn any_other_failure_is_named_with_the_general_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let ledger = Ledger::open(&path).unwrap();
        let text = ledger.with_conn(|c| c.execute_batch("SELECT * FROM nowhere")).unwrap_err();
        assert_says(
            &text.to_string(),
            &path,
            "no such table: nowhere",
            "the state store is the file `[folders] state` names; check that the service's \
             account can write its folder and that the disk is not full",
        );
    }
}
