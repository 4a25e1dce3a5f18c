//! The folder layout: an inbox holds only what producers drop in it. The bridge takes every
//! file put straight into an inbox, so an inbox that is the configuration's folder (`inbox =
//! "."` or `""`), or that holds the ledger, the token store, the log or done/, failed/ or
//! processing/, would have the service move its own configuration and state to failed/.

use std::path::{Path, PathBuf};

use super::Config;
use super::problem::Problem;

/// One of fortnox-bridge's own places: what to call it, and the folder it is (`folder`) or
/// the file that lives in a folder (`!folder`).
struct Own<'a> {
    name: &'a str,
    path: &'a Path,
    folder: bool,
}

/// Refuses the first inbox of `config` that is the configuration's folder `base` or the
/// folder of one of the bridge's own files or folders.
pub(super) fn check(base: &Path, config: &Config) -> Result<(), Problem> {
    let folders = &config.folders;
    let mut own = vec![
        Own { name: "the ledger ([folders] state)", path: &folders.state, folder: false },
        Own { name: "[folders] done", path: &folders.done, folder: true },
        Own { name: "[folders] failed", path: &folders.failed, folder: true },
        Own { name: "[folders] processing", path: &folders.processing, folder: true },
        Own {
            name: "the token store ([fortnox] token_file)",
            path: &config.fortnox.token_file,
            folder: false,
        },
        Own {
            name: "the token key ([fortnox] key_file)",
            path: &config.fortnox.key_file,
            folder: false,
        },
    ];
    if let Some(file) = &config.log.file {
        own.push(Own { name: "the log ([log] file)", path: file, folder: false });
    }
    if let Some(data) = &config.sandbox.data {
        own.push(Own { name: "the sandbox's data ([sandbox] data)", path: data, folder: false });
    }
    for (i, inbox) in config.inboxes.iter().enumerate() {
        // The first is `[folders] inbox`, then each `[[inboxes]]` entry.
        let entry = i.saturating_sub(1).to_string();
        let key = if i == 0 { vec!["folders", "inbox"] } else { vec!["inboxes", &entry, "path"] };
        let inbox = inbox.path.as_path();
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
                &key,
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
