//! The folder layout: an inbox holds only what producers drop in it. The bridge takes every
//! file put straight into an inbox, so an inbox that is the configuration's folder (`inbox =
//! "."` or `""`), or that holds the ledger, the token store, the log or done/, failed/ or
//! processing/, would have the service move its own configuration and state to failed/.

use std::path::{Path, PathBuf};

use super::problem::Problem;

/// One of fortnox-bridge's own places: what to call it, and the folder it is (`folder`) or
/// the file that lives in a folder (`!folder`).
pub(super) struct Own<'a> {
    pub name: &'a str,
    pub path: &'a Path,
    pub folder: bool,
}

/// Refuses the first inbox (`(key, path)`) that is the configuration's folder `base` or the
/// folder of one of `own`.
pub(super) fn check(
    base: &Path,
    inboxes: &[(Vec<&str>, &Path)],
    own: &[Own<'_>],
) -> Result<(), Problem> {
    for (key, inbox) in inboxes {
        let clash = if same(inbox, base) {
            Some("the configuration file".to_owned())
        } else {
            own.iter()
                .find(|o| {
                    // A file under a name the inbox's scan passes over (`.fortnox-bridge.db`)
                    // is never taken.
                    let passed_over = !o.folder
                        && o.path
                            .file_name()
                            .is_some_and(|n| crate::claim::ignored_name(&n.to_string_lossy()));
                    let dir = if o.folder { Some(o.path) } else { o.path.parent() };
                    !passed_over && dir.is_some_and(|d| same(inbox, d))
                })
                .map(|o| format!("{} `{}`", o.name, o.path.display()))
        };
        if let Some(what) = clash {
            return Err(Problem::new(
                key,
                format!(
                    "inbox `{}` holds {what} (hint: fortnox-bridge takes every file put in an \
                     inbox, its own too; give the inbox a folder of its own, e.g. `inbox = \
                     \"inbox\"`)",
                    inbox.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `a` and `b` name one folder: equal paths (`a/.` and `a/` are `a`), or the same
/// folder once links and `..` are resolved, when both exist.
fn same(a: &Path, b: &Path) -> bool {
    a == b || canonical(a).zip(canonical(b)).is_some_and(|(a, b)| a == b)
}

fn canonical(p: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(p).ok()
}
