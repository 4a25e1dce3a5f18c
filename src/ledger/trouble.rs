//! Trouble that lasts (an inbox that cannot be read, a file that cannot be taken from its
//! inbox), kept so that a person is told once when it starts and once when it is over, also
//! across restarts and scheduled `run --once` runs.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Ledger, LedgerError, now};

/// What kind of trouble a path has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The inbox folder cannot be read.
    InboxDown,
    /// The file cannot be moved out of its inbox.
    FileStuck,
}

impl Trouble {
    fn as_str(self) -> &'static str {
        match self {
            Trouble::InboxDown => "inbox_down",
            Trouble::FileStuck => "file_stuck",
        }
    }
}

/// Since when `path` has had `what`, and why: `(since, error)`.
pub(super) fn current(
    c: &Connection,
    what: Trouble,
    path: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    c.query_row(
        "SELECT since, error FROM trouble WHERE what = ?1 AND path = ?2",
        params![what.as_str(), path],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

impl Ledger {
    /// Records that `path` has `what` (because of `error`). True when this is news: it did not
    /// have it at the last try, also of another process.
    pub fn trouble_began(
        &self,
        what: Trouble,
        path: &str,
        error: &str,
    ) -> Result<bool, LedgerError> {
        self.write(|c| {
            let added = c.execute(
                "INSERT INTO trouble (what, path, since, error) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (what, path) DO NOTHING",
                params![what.as_str(), path, now(), error],
            )?;
            Ok(added > 0)
        })
    }

    /// Every path that has `what`: `(path, since, error)`, oldest first.
    pub fn troubles(&self, what: Trouble) -> Result<Vec<(String, String, String)>, LedgerError> {
        self.with_conn(|c| {
            c.prepare("SELECT path, since, error FROM trouble WHERE what = ?1 ORDER BY since")?
                .query_map([what.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
    }

    /// Records that `path` no longer has `what`. True when it had it (news).
    pub fn trouble_over(&self, what: Trouble, path: &str) -> Result<bool, LedgerError> {
        self.write(|c| {
            let removed = c.execute(
                "DELETE FROM trouble WHERE what = ?1 AND path = ?2",
                params![what.as_str(), path],
            )?;
            Ok(removed > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trouble_is_news_once_each_way_and_kinds_are_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Ledger::open(&dir.path().join("l.db")).expect("ledger");
        let path = "/mnt/kassa";
        assert!(ledger.trouble_began(Trouble::InboxDown, path, "gone").expect("began"));
        assert!(!ledger.trouble_began(Trouble::InboxDown, path, "gone").expect("again"));
        assert!(ledger.trouble_began(Trouble::FileStuck, path, "denied").expect("other kind"));
        let stuck = ledger.troubles(Trouble::FileStuck).expect("list");
        assert_eq!(stuck.len(), 1);
        assert_eq!((stuck[0].0.as_str(), stuck[0].2.as_str()), (path, "denied"));
        let since = ledger.with_conn(|c| current(c, Trouble::InboxDown, path)).expect("current");
        assert_eq!(since.map(|(_, e)| e).as_deref(), Some("gone"));
        assert!(ledger.trouble_over(Trouble::InboxDown, path).expect("over"));
        assert!(!ledger.trouble_over(Trouble::InboxDown, path).expect("over again"));
        assert!(ledger.trouble_over(Trouble::FileStuck, path).expect("still stuck before"));
    }
}
