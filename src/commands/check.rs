//! `check` and `convert`: validate or convert files without touching the network.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use fortnox_bridge::claim;
use fortnox_bridge::config::Config;
use fortnox_bridge::convert::sie::SieFacts;
use fortnox_bridge::convert::{self, Conversion};
use fortnox_bridge::detect::{self, Kind};
use fortnox_bridge::diagnostic::Diagnostic;

/// One file read for `check` or `convert`.
struct Loaded {
    /// `None`: not a kind fortnox-bridge reads, or not read at all (`readable`).
    kind: Option<Kind>,
    readable: bool,
    conversion: Conversion,
    sie: Option<SieFacts>,
}

/// Reads, detects and converts one file. SIE files also give their type and voucher count,
/// and a `.si` file (an import file) that carries balances is rejected. A file that cannot be
/// read is that file's error; the other files are still checked.
fn load(path: &Path, config: &Config) -> Loaded {
    let failed = |kind, readable, error: Diagnostic| Loaded {
        kind,
        readable,
        conversion: Conversion { errors: vec![error], ..Conversion::default() },
        sie: None,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let d = Diagnostic::file(format!("cannot read the file: {e}"))
                .hint("check the path, and that this account may read the file");
            return failed(None, false, d);
        }
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    match detect::detect_with_hint(inbox_kind(path, config), name, &bytes) {
        Some(Kind::Sie) => {
            let (conversion, facts) = convert::sie::convert_named(name, &bytes, &config.sie);
            Loaded { kind: Some(Kind::Sie), readable: true, conversion, sie: Some(facts) }
        }
        Some(kind) => {
            let conversion = convert::convert_file(kind, name, &bytes, config);
            Loaded { kind: Some(kind), readable: true, conversion, sie: None }
        }
        None => failed(
            None,
            true,
            Diagnostic::file("not a SIE file, Z-report or order CSV")
                .hint("name SIE files .se/.si, Z-reports .json and order exports .csv"),
        ),
    }
}

/// The kind `[[inboxes]] kind` gives the files of the configured inbox `path` is in, as the
/// service reads them.
fn inbox_kind(path: &Path, config: &Config) -> Option<Kind> {
    let folder = path.parent().and_then(|p| {
        let p = if p.as_os_str().is_empty() { Path::new(".") } else { p };
        p.canonicalize().ok()
    })?;
    config
        .inboxes
        .iter()
        .find(|inbox| inbox.path.canonicalize().is_ok_and(|p| p == folder))
        .and_then(|inbox| inbox.kind)
}

/// What `check` reads for `arg`: the file itself, or the files of a folder (not its
/// subfolders) that the watcher would take: no dot-files, temporary names (`*.tmp`, `~*`,
/// `*.part`, ...) or done-markers of a file beside them.
fn files_of(arg: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !arg.is_dir() {
        return Ok(vec![arg.to_path_buf()]);
    }
    let all = claim::scan(arg)?;
    let marker = |path: &Path| {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        ["done", "ok"].iter().any(|m| ext.eq_ignore_ascii_case(m))
            && all.contains(&path.with_extension(""))
    };
    let taken = |path: &&PathBuf| {
        path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !claim::ignored_name(n))
            && !marker(path)
    };
    Ok(all.iter().filter(taken).cloned().collect())
}

fn diagnostics_json(list: &[Diagnostic]) -> serde_json::Value {
    list.iter().map(|d| json!({"line": d.line, "message": d.message, "hint": d.hint})).collect()
}

/// `n` and the noun, singular for one (`1 voucher`, `2 vouchers`).
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary after `path: ok:` / `path: ERROR:`, without empty fields.
fn summary(file: &Loaded) -> String {
    let c = &file.conversion;
    let Some(kind) = file.kind else {
        let what = if file.readable { "not a file fortnox-bridge reads" } else { "not read" };
        return what.to_owned();
    };
    let mut fields = Vec::new();
    if c.summary.format.is_empty() {
        fields.push(format!("{kind} file of no format fortnox-bridge knows"));
    } else {
        fields.push(format!("{kind} {}", c.summary.format));
    }
    if !c.summary.encoding.is_empty() {
        fields.push(c.summary.encoding.clone());
    }
    if !c.summary.format.is_empty() {
        if let Some(sie) = &file.sie {
            fields.push(count(sie.vouchers, "voucher", "vouchers"));
        }
        fields.push(count(c.summary.rows, "booked row", "booked rows"));
        fields.push(count(c.documents.len(), "document", "documents"));
        fields.push(format!("debit {:.2}", c.summary.debit_total));
    }
    fields.push(count(c.warnings.len(), "warning", "warnings"));
    fields.push(count(c.errors.len(), "error", "errors"));
    fields.join(", ")
}

/// `check FILE|DIR... [--json]`: one summary per file (a folder: per file in it); `Ok(false)`
/// when any file has errors.
pub fn check(args: &[PathBuf], as_json: bool, config: &Config) -> Result<bool> {
    let mut clean = true;
    let mut out = std::io::stdout().lock();
    for arg in args {
        let files = match files_of(arg) {
            Ok(files) => files,
            Err(e) => {
                clean = false;
                let d = Diagnostic::file(format!("cannot read the folder: {e}"))
                    .hint("check the path, and that this account may list the folder");
                let file = Loaded {
                    kind: None,
                    readable: false,
                    conversion: Conversion { errors: vec![d], ..Conversion::default() },
                    sie: None,
                };
                report(&mut out, arg, &file, as_json)?;
                continue;
            }
        };
        if files.is_empty() && !as_json {
            writeln!(
                out,
                "{}: no files to check (dot-files and temporary names are skipped)",
                arg.display()
            )?;
        }
        for path in files {
            let mut file = load(&path, config);
            clean &= file.conversion.errors.is_empty();
            Diagnostic::in_line_order(&mut file.conversion.errors);
            Diagnostic::in_line_order(&mut file.conversion.warnings);
            report(&mut out, &path, &file, as_json)?;
        }
    }
    Ok(clean)
}

/// Writes the summary of one file, as text or as a JSON line.
fn report(out: &mut impl Write, path: &Path, file: &Loaded, as_json: bool) -> Result<()> {
    let c = &file.conversion;
    let shown = path.display().to_string();
    if as_json {
        let value = json!({
            "file": shown,
            "kind": file.kind.map_or_else(|| "unknown".to_owned(), |k| k.to_string()),
            "sie_type": file.sie.as_ref().map(|s| s.sie_type.clone()),
            "format": c.summary.format,
            "encoding": c.summary.encoding,
            "vouchers": file.sie.as_ref().map(|s| s.vouchers),
            "documents": c.documents.len(),
            "rows": c.summary.rows,
            "debit_total": format!("{:.2}", c.summary.debit_total),
            "errors": diagnostics_json(&c.errors),
            "warnings": diagnostics_json(&c.warnings),
        });
        writeln!(out, "{value}")?;
        return Ok(());
    }
    let verdict = if c.errors.is_empty() { "ok" } else { "ERROR" };
    writeln!(out, "{shown}: {verdict}: {}", summary(file))?;
    for e in &c.errors {
        writeln!(out, "  error: {}", e.render(&shown))?;
    }
    for w in &c.warnings {
        writeln!(out, "  warning: {}", w.render(&shown))?;
    }
    Ok(())
}

/// `convert FILE...`: the exact request bodies as JSON lines `{"source", "reference", "kind",
/// "body"}`; a shop order's line also says how its customer (`customer`) and articles
/// (`articles`, `units`) are found or created at upload time, since the body's `CustomerNumber`
/// is only known then. `Ok(false)` when any file has errors (those are printed to stderr).
pub fn convert(files: &[PathBuf], config: &Config) -> Result<bool> {
    let mut clean = true;
    let mut out = std::io::stdout().lock();
    for path in files {
        let c = load(path, config).conversion;
        let shown = path.display().to_string();
        for e in &c.errors {
            eprintln!("error: {}", e.render(&shown));
        }
        for w in &c.warnings {
            eprintln!("warning: {}", w.render(&shown));
        }
        clean &= c.errors.is_empty();
        for doc in &c.documents {
            let mut line = json!({
                "source": format!("{shown}:{}", doc.line),
                "reference": doc.reference,
                "kind": doc.body.kind(),
                "body": doc.body.request_json(),
            });
            if let (Some(map), Some(lookups)) = (line.as_object_mut(), doc.body.upload_lookups()) {
                map.extend(lookups);
            }
            writeln!(out, "{line}")?;
        }
    }
    Ok(clean)
}
