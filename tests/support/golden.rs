//! Golden-file comparison shared by `tests/golden.rs` and `tests/sie_golden.rs`.
//!
//! Without `BLESS`, every difference and every missing golden file is a failure. With `BLESS`
//! set, only the golden files whose content changed are written, each written path is printed,
//! and the test still fails when anything was written, so a re-bless never passes silently: review
//! the diff and rerun without `BLESS`. In both modes, a golden file in the checked folder that no
//! fixture produces any more (a stale golden) is a failure naming it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub struct Goldens {
    bless: bool,
    seen: BTreeSet<PathBuf>,
    blessed: Vec<PathBuf>,
    failures: Vec<String>,
}

/// `path` relative to the repository root, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

impl Goldens {
    /// Blesses when the `BLESS` environment variable is set.
    pub fn from_env() -> Self {
        Goldens {
            bless: std::env::var_os("BLESS").is_some(),
            seen: BTreeSet::new(),
            blessed: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// Compares `actual` with the golden file at `golden` (or, under `BLESS`, rewrites it when
    /// it differs).
    pub fn compare(&mut self, golden: &Path, actual: &str) {
        self.seen.insert(golden.to_path_buf());
        let expected = std::fs::read_to_string(golden);
        if expected.as_deref().is_ok_and(|e| e == actual) {
            return;
        }
        if self.bless {
            std::fs::create_dir_all(golden.parent().expect("golden file has a folder"))
                .expect("golden folder");
            std::fs::write(golden, actual).expect("write golden file");
            println!("blessed {}", shown(golden));
            self.blessed.push(golden.to_path_buf());
            return;
        }
        match expected {
            Ok(expected) => {
                let first = expected
                    .lines()
                    .zip(actual.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
                self.failures.push(format!(
                    "{} differs at line {} (run with BLESS=1 after reviewing):\n  golden: {}\n  actual: {}",
                    shown(golden),
                    first + 1,
                    expected.lines().nth(first).unwrap_or("<end>"),
                    actual.lines().nth(first).unwrap_or("<end>"),
                ));
            }
            Err(e) => self
                .failures
                .push(format!("{}: {e} (run with BLESS=1 to create it)", shown(golden))),
        }
    }

    /// Fails on stale golden files (files under `dir`, recursively, for which `owned` is true
    /// but which no `compare` call produced), on differences, and on files blessed by this run.
    pub fn finish(self, dir: &Path, owned: impl Fn(&Path) -> bool) {
        let mut files = Vec::new();
        files_under(dir, &mut files);
        files.sort();
        let stale: Vec<String> = files
            .iter()
            .filter(|f| owned(f) && !self.seen.contains(*f))
            .map(|f| shown(f))
            .collect();
        let mut problems = self.failures;
        if !stale.is_empty() {
            problems.push(format!(
                "stale golden files that no fixture produces any more (delete them, or restore \
                 their fixture):\n  {}",
                stale.join("\n  ")
            ));
        }
        if !self.blessed.is_empty() {
            problems.push(format!(
                "blessed {} golden files:\n  {}\nreview `git diff {}` and rerun without BLESS",
                self.blessed.len(),
                self.blessed.iter().map(|p| shown(p)).collect::<Vec<_>>().join("\n  "),
                shown(dir),
            ));
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    }
}
