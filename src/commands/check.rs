//! `check` and `convert`: validate or convert files without touching the network.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use fortnox_bridge::config::Config;
use fortnox_bridge::convert::sie::SieFacts;
use fortnox_bridge::convert::{self, Conversion};
use fortnox_bridge::detect::{self, Kind};
use fortnox_bridge::diagnostic::Diagnostic;

/// Reads, detects and converts one file. SIE files also give their type and voucher count,
/// and a `.si` file (an import file) that carries balances is rejected. A file that cannot be
/// read is that file's error; the other files are still checked.
fn load(path: &Path, config: &Config) -> (Option<Kind>, Conversion, Option<SieFacts>) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let d = Diagnostic::file(format!("cannot read the file: {e}"))
                .hint("check the path, and that this account may read the file");
            return (None, Conversion { errors: vec![d], ..Conversion::default() }, None);
        }
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    match detect::detect(name, &bytes) {
        Some(Kind::Sie) => {
            let (conversion, facts) = convert::sie::convert_named(name, &bytes, &config.sie);
            (Some(Kind::Sie), conversion, Some(facts))
        }
        Some(kind) => (Some(kind), convert::convert_file(kind, name, &bytes, config), None),
        None => (
            None,
            Conversion {
                errors: vec![
                    Diagnostic::file("not a SIE file, Z-report or order CSV")
                        .hint("name SIE files .se/.si, Z-reports .json and order exports .csv"),
                ],
                ..Conversion::default()
            },
            None,
        ),
    }
}

fn diagnostics_json(list: &[Diagnostic]) -> serde_json::Value {
    list.iter().map(|d| json!({"line": d.line, "message": d.message, "hint": d.hint})).collect()
}

/// `check FILE... [--json]`: one summary per file; `Ok(false)` when any file has errors.
pub fn check(files: &[std::path::PathBuf], as_json: bool, config: &Config) -> Result<bool> {
    let mut clean = true;
    let mut out = std::io::stdout().lock();
    for path in files {
        let (kind, c, sie) = load(path, config);
        clean &= c.errors.is_empty();
        let shown = path.display().to_string();
        let kind_name = kind.map_or_else(|| "unknown".to_owned(), |k| k.to_string());
        if as_json {
            let value = json!({
                "file": shown,
                "kind": kind_name,
                "sie_type": sie.as_ref().map(|s| s.sie_type.clone()),
                "format": c.summary.format,
                "encoding": c.summary.encoding,
                "vouchers": sie.as_ref().map(|s| s.vouchers),
                "documents": c.documents.len(),
                "rows": c.summary.rows,
                "debit_total": format!("{:.2}", c.summary.debit_total),
                "errors": diagnostics_json(&c.errors),
                "warnings": diagnostics_json(&c.warnings),
            });
            writeln!(out, "{value}")?;
            continue;
        }
        let verdict = if c.errors.is_empty() { "ok" } else { "ERROR" };
        let vouchers =
            sie.as_ref().map_or_else(String::new, |s| format!("{} vouchers, ", s.vouchers));
        writeln!(
            out,
            "{shown}: {verdict}: {kind_name} {}, {}, {vouchers}{} booked rows, {} documents, \
             debit {:.2}, {} warnings, {} errors",
            c.summary.format,
            if c.summary.encoding.is_empty() { "-" } else { &c.summary.encoding },
            c.summary.rows,
            c.documents.len(),
            c.summary.debit_total,
            c.warnings.len(),
            c.errors.len(),
        )?;
        for e in &c.errors {
            writeln!(out, "  error: {}", e.render(&shown))?;
        }
        for w in &c.warnings {
            writeln!(out, "  warning: {}", w.render(&shown))?;
        }
    }
    Ok(clean)
}

/// `convert FILE...`: the exact request bodies as JSON lines `{"source", "reference", "kind",
/// "body"}`; a shop order's line also says how its customer (`customer`) and articles
/// (`articles`, `units`) are found or created at upload time, since the body's `CustomerNumber`
/// is only known then. `Ok(false)` when any file has errors (those are printed to stderr).
pub fn convert(files: &[std::path::PathBuf], config: &Config) -> Result<bool> {
    let mut clean = true;
    let mut out = std::io::stdout().lock();
    for path in files {
        let (_, c, _) = load(path, config);
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
