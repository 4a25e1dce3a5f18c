//! The ledger: durable state of every file and document, in SQLite (WAL, one writer).
//!
//! Every state change is written (with its audit record, in one transaction) before the side
//! effect it announces, so a crash at any point leaves a state the next start can resolve. This
//! is what makes uploads exactly-once: see `upload`.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use crate::audit;
use crate::convert::Document;
use crate::convert::zreport::ZNumber;

mod attach;
mod documents;
use documents::{DOC_COLUMNS, doc_row, outcome};
mod error;
mod queue;
mod register;
mod report;
mod state;
mod trouble;
mod zseries;

pub use error::LedgerError;
pub use report::{FileTrail, InboxStatus, TrailEntry};
use state::sql_not_in;
pub use state::{AttachState, DocState, FileState};
pub use trouble::Trouble;
pub(crate) use zseries::parse_reference as zreport_parts;
pub use zseries::{ZGap, ZGapFound};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    processing_path TEXT NOT NULL,
    inbox TEXT NOT NULL DEFAULT '',   -- the folder it was dropped in
    hold TEXT,                        -- nightly | manual: queued, not posted until released
    state TEXT NOT NULL,              -- processing | done | failed
    archived_path TEXT,
    note TEXT,
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    told INTEGER NOT NULL DEFAULT 1   -- 0: archived, its notification or warnings not yet out
);
CREATE INDEX IF NOT EXISTS files_sha ON files (sha256);
-- Every reference a file carries (also those posted before from another file): a file's own
-- documents are never taken for look-alikes of each other (see upload::look_alike).
CREATE TABLE IF NOT EXISTS file_references (
    file_id INTEGER NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (file_id, reference)
);
-- Inboxes that could not be read and files that could not be taken from their inbox, when
-- last tried: told once, until the trouble is over (see ledger/trouble.rs).
CREATE TABLE IF NOT EXISTS trouble (
    what TEXT NOT NULL,               -- inbox_down | file_stuck | action_told
    path TEXT NOT NULL,
    instance TEXT NOT NULL,           -- which file at that path (its modification time), or ''
    since TEXT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (what, path)
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id),
    reference TEXT NOT NULL UNIQUE,
    marker TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    line INTEGER NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,              -- queued | posting | posted | rejected | waiting
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT,
    year INTEGER,
    fortnox_series TEXT,
    fortnox_number INTEGER,
    error TEXT,
    notified INTEGER NOT NULL DEFAULT 0, -- a person was told it awaits sync
    sent INTEGER NOT NULL DEFAULT 0,  -- a request went out at least once: look before resending
    updated_at TEXT NOT NULL
    -- attach, attached_file_id, attach_error, attach_attempts: see ATTACH_COLUMNS
);
-- The retry queue looks up a file's documents every second: no scan of all documents ever.
CREATE INDEX IF NOT EXISTS documents_file ON documents (file_id, state);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
";

/// A file as the ledger knows it.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub id: i64,
    pub name: String,
    pub sha256: String,
    pub processing_path: String,
    pub state: FileState,
    pub archived_path: Option<String>,
    pub inbox: String,
    /// `nightly` or `manual` while its documents wait for their schedule.
    pub hold: Option<String>,
}

/// What the ledger records about a freshly claimed file.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    pub size: u64,
    pub processing_path: &'a str,
    pub inbox: &'a str,
    pub hold: Option<&'a str>,
}

/// A document as the ledger knows it.
#[derive(Debug, Clone)]
pub struct DocRecord {
    pub id: i64,
    pub file_id: i64,
    pub reference: String,
    pub marker: String,
    pub label: String,
    pub line: usize,
    pub body: String,
    pub state: DocState,
    /// Failed tries so far (transient failures, before or after sending).
    pub attempts: u32,
    /// Whether a create request was ever sent (then Fortnox may hold it already).
    pub sent: bool,
    pub next_try: Option<String>,
    pub year: Option<u64>,
    pub fortnox_series: Option<String>,
    pub fortnox_number: Option<u64>,
    pub error: Option<String>,
    /// Attaching the source file to the posted voucher: `None` (not started), `uploading`
    /// (upload sent, file id not known), `uploaded`, `attached` or `failed`.
    pub attach: Option<AttachState>,
    /// The Fortnox inbox file id, recorded before it is connected to the voucher.
    pub attached_file_id: Option<String>,
    /// Failed attachment tries so far.
    pub attach_attempts: u32,
}

pub struct Ledger {
    conn: Mutex<Connection>,
    /// The database file, named in every error.
    path: PathBuf,
}

/// Now as the ledger writes times: RFC 3339 UTC with milliseconds (sortable as text).
pub fn now() -> String {
    stamp(&chrono::Utc::now())
}

/// A time as the ledger stores it (RFC 3339 UTC, milliseconds, `Z`). `next_try`, `updated_at`
/// and the audit's `at` are compared as text, so every stored time must be made here.
pub fn stamp<Tz: chrono::TimeZone>(t: &chrono::DateTime<Tz>) -> String {
    t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let conn = connect(path).map_err(|cause| LedgerError::new(path, cause))?;
        Ok(Ledger { conn: Mutex::new(conn), path: path.to_path_buf() })
    }

    /// An empty ledger in memory: what `status` reads before the service has made its own.
    pub fn empty() -> Result<Ledger, LedgerError> {
        Ledger::open(Path::new(":memory:"))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `result`, its error told with this ledger's file. Every SQLite call reaches callers
    /// through here (`write`, `write_durable`, `with_conn`).
    fn checked<T>(&self, result: rusqlite::Result<T>) -> Result<T, LedgerError> {
        result.map_err(|cause| LedgerError::new(&self.path, cause))
    }

    /// Runs `f` in one immediate transaction (state change + audit record together).
    fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, LedgerError> {
        self.checked(transact(&mut self.lock(), f))
    }

    /// Like `write`, but the commit is fsynced (synchronous=FULL) before returning: for the
    /// records that announce a side effect (a POST, an archive move), which must survive a
    /// power cut. Everything committed before rides along in the same WAL sync.
    fn write_durable<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.lock();
        self.checked(conn.pragma_update(None, "synchronous", "FULL"))?;
        let outcome = transact(&mut conn, f);
        self.checked(conn.pragma_update(None, "synchronous", "NORMAL"))?;
        self.checked(outcome)
    }

    /// Read access for reports (`status`, `audit`).
    pub fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, LedgerError> {
        self.checked(f(&self.lock()))
    }

    /// Records a claimed file.
    pub fn add_file(&self, new: &NewFile<'_>) -> Result<i64, LedgerError> {
        let NewFile { name, sha256, size, processing_path, inbox, hold } = *new;
        self.write(|c| {
            c.execute(
                "INSERT INTO files (name, sha256, size, processing_path, inbox, hold, state,
                 claimed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    name,
                    sha256,
                    i64::try_from(size).unwrap_or(i64::MAX),
                    processing_path,
                    inbox,
                    hold,
                    FileState::Processing.as_str(),
                    now()
                ],
            )?;
            let id = c.last_insert_rowid();
            audit::append(c, "claimed", Some(id), None, &format!("{name} sha256={sha256}"))?;
            Ok(id)
        })
    }

    /// The file claimed into `processing_path`, in whatever state, if the ledger knows it.
    pub fn file_at(&self, processing_path: &str) -> Result<Option<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            c.query_row(
                &format!("{FILE_COLUMNS} WHERE processing_path = ?1"),
                [processing_path],
                file_row,
            )
            .optional()
        })
    }

    /// The file with ledger id `id`, if the ledger knows it.
    pub fn file(&self, id: i64) -> Result<Option<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            c.query_row(&format!("{FILE_COLUMNS} WHERE id = ?1"), [id], file_row).optional()
        })
    }

    /// An earlier file with the same content that went to done/.
    pub fn done_with_sha(
        &self,
        sha256: &str,
        except: i64,
    ) -> Result<Option<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            c.query_row(
                &format!(
                    "{FILE_COLUMNS} WHERE sha256 = ?1 AND state = ?3 AND id != ?2
                          ORDER BY id LIMIT 1"
                ),
                params![sha256, except, FileState::Done.as_str()],
                file_row,
            )
            .optional()
        })
    }

    /// Records that a file in processing/ changed after it was read (its writer was not done
    /// when it was taken): its new content's hash and size, in the file's row and the trail.
    pub fn content_changed(&self, id: i64, sha256: &str, size: u64) -> Result<(), LedgerError> {
        self.write_durable(|c| {
            c.execute(
                "UPDATE files SET sha256 = ?2, size = ?3 WHERE id = ?1",
                params![id, sha256, i64::try_from(size).unwrap_or(i64::MAX)],
            )?;
            let detail = format!("written to after it was taken; read again: sha256={sha256}");
            audit::append(c, CHANGED, Some(id), None, &detail)
        })
    }

    /// How many times [`Ledger::content_changed`] was recorded for a file.
    pub fn changes_of(&self, id: i64) -> Result<u32, LedgerError> {
        self.with_conn(|c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM audit WHERE file_id = ?1 AND event = ?2",
                params![id, CHANGED],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    /// Files still in processing/ (after a crash or while documents wait for a retry).
    pub fn files_in_processing(&self) -> Result<Vec<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            // Not archived: `processing`, or a state a newer version wrote (read as processing).
            let open = sql_not_in("state", &FileState::ARCHIVED);
            let mut stmt = c.prepare(&format!("{FILE_COLUMNS} WHERE {open}"))?;
            stmt.query_map([], file_row)?.collect()
        })
    }

    /// Archived files whose notification (failed) or warnings report (done) may not be out:
    /// a crash came between recording the destination and telling (see [`Ledger::mark_told`]).
    pub fn untold_files(&self) -> Result<Vec<FileRecord>, LedgerError> {
        self.with_conn(|c| {
            let archived = state::sql_in("state", &FileState::ARCHIVED);
            let mut stmt = c.prepare(&format!("{FILE_COLUMNS} WHERE told = 0 AND {archived}"))?;
            stmt.query_map([], file_row)?.collect()
        })
    }

    /// Records that a finished file's notification or warnings report is out.
    pub fn mark_told(&self, id: i64) -> Result<(), LedgerError> {
        self.write(|c| c.execute("UPDATE files SET told = 1 WHERE id = ?1", [id]).map(drop))
    }

    /// Marks a file archived ([`FileState::Done`] or [`FileState::Failed`]); what it owes a
    /// person (a notification, a warnings report) is owed until [`Ledger::mark_told`].
    pub fn finish_file(
        &self,
        id: i64,
        state: FileState,
        archived_path: &str,
        note: &str,
    ) -> Result<(), LedgerError> {
        self.write_durable(|c| {
            c.execute(
                "UPDATE files SET state = ?2, archived_path = ?3, note = ?4, finished_at = ?5,
                 told = 0 WHERE id = ?1",
                params![id, state.as_str(), archived_path, note, now()],
            )?;
            let detail = if note.is_empty() {
                archived_path.to_owned()
            } else {
                format!("{archived_path} ({note})")
            };
            audit::append(c, state.as_str(), Some(id), None, &detail)
        })
    }
}

/// The trail's event for [`Ledger::content_changed`].
const CHANGED: &str = "changed";

/// Opens the database at `path` and brings its schema up to date.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(SCHEMA)?;
    attach::add_columns(&conn)?;
    documents::add_columns(&conn)?;
    conn.execute_batch(audit::SCHEMA)?;
    zseries::migrate(&mut conn)?;
    Ok(conn)
}

/// Runs `f` in one immediate transaction, committed when it succeeds.
fn transact<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

const FILE_COLUMNS: &str =
    "SELECT id, name, sha256, processing_path, state, archived_path, inbox, hold FROM files";

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        sha256: r.get(2)?,
        processing_path: r.get(3)?,
        state: FileState::parse(&r.get::<_, String>(4)?),
        archived_path: r.get(5)?,
        inbox: r.get(6)?,
        hold: r.get(7)?,
    })
}

#[cfg(test)]
mod tests;
