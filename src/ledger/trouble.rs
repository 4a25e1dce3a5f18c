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
    /// A warning that asks a person to act was notified (its `path` is the warning's text):
    /// an overlapping export brings it again, and it is not notified again.
    ActionTold,
}

impl Trouble {
    fn as_str(self) -> &'static str {
        match self {
            Trouble::InboxDown => "inbox_down",
            Trouble::FileStuck => "file_stuck",
            Trouble::ActionTold => "action_told",
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
    /// Records that `path` has `what` (because of `error`); `instance` tells apart what is at
    /// the path (a stuck file's modification time; `""` for an inbox). True when this is news:
    /// the path did not have it at the last try (also of another process), or another
    /// instance had it (a later file of the same name).
    pub fn trouble_began(
        &self,
        what: Trouble,
        path: &str,
        instance: &str,
        error: &str,
    ) -> Result<bool, LedgerError> {
        self.write(|c| {
            let changed = c.execute(
                "INSERT INTO trouble (what, path, instance, since, error)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (what, path) DO UPDATE SET instance = excluded.instance,
                   since = excluded.since, error = excluded.error
                 WHERE instance != excluded.instance",
                params![what.as_str(), path, instance, now(), error],
            )?;
            Ok(changed > 0)
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

    /// Records that `path` no longer has `what`. True when it had it (news). Read first: it
    /// is called for every file taken, nearly always with nothing to clear.
    pub fn trouble_over(&self, what: Trouble, path: &str) -> Result<bool, LedgerError> {
        if self.with_conn(|c| current(c, what, path))?.is_none() {
            return Ok(false);
        }
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
        let began =
            |what, instance| ledger.trouble_began(what, path, instance, "gone").expect("began");
        assert!(began(Trouble::InboxDown, ""));
        assert!(!began(Trouble::InboxDown, ""), "told already");
        assert!(began(Trouble::FileStuck, "1"), "another kind");
        assert!(!began(Trouble::FileStuck, "1"));
        assert!(began(Trouble::FileStuck, "2"), "a later file at the same path is news");
        assert_eq!(ledger.troubles(Trouble::FileStuck).expect("list").len(), 1);
        let since = ledger.with_conn(|c| current(c, Trouble::InboxDown, path)).expect("current");
        assert_eq!(since.map(|(_, e)| e).as_deref(), Some("gone"));
        assert!(ledger.trouble_over(Trouble::InboxDown, path).expect("over"));
        assert!(!ledger.trouble_over(Trouble::InboxDown, path).expect("over again"));
        assert!(ledger.trouble_over(Trouble::FileStuck, path).expect("still stuck before"));
    }
}
