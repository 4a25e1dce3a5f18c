//! `audit`: verify the hash chain, export the trail, follow a voucher to its source file and back.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use fortnox_bridge::audit;
use fortnox_bridge::config::Config;

use super::ops::open_ledger;

/// `audit verify`: checks the hash chain; `Ok(false)` when it is broken.
pub fn verify(config: &Config) -> Result<bool> {
    let ledger = open_ledger(config)?;
    match ledger.with_conn(audit::verify)? {
        Ok(count) => {
            println!("audit trail intact: {count} records");
            Ok(true)
        }
        Err(problem) => {
            println!("audit trail BROKEN: {problem}");
            Ok(false)
        }
    }
}

/// `audit export [--format jsonl|csv] [-o FILE]`: every record, for an accountant.
pub fn export(config: &Config, format: &str, out: Option<&Path>) -> Result<()> {
    let ledger = open_ledger(config)?;
    let records = ledger.with_conn(audit::records)?;
    let mut sink: Box<dyn Write> = match out {
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| path.display().to_string())?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    match format {
        "csv" => {
            let mut w = csv::Writer::from_writer(sink);
            w.write_record([
                "seq",
                "at",
                "event",
                "file_id",
                "document_id",
                "detail",
                "prev_hash",
                "hash",
            ])?;
            for r in records {
                w.write_record([
                    r.seq.to_string(),
                    r.at,
                    r.event,
                    r.file_id.map(|v| v.to_string()).unwrap_or_default(),
                    r.document_id.map(|v| v.to_string()).unwrap_or_default(),
                    r.detail,
                    r.prev_hash,
                    r.hash,
                ])?;
            }
            w.flush()?;
        }
        "jsonl" | "json" => {
            for r in records {
                writeln!(sink, "{}", serde_json::to_string(&r)?)?;
            }
        }
        other => anyhow::bail!("unknown format `{other}` (hint: `jsonl` or `csv`)"),
    }
    Ok(())
}

/// `audit show QUERY`: from a Fortnox voucher (`F 12`) back to its source file and line, or
/// from a file name (or reference) forward to the vouchers it became. `Ok(false)` if nothing
/// matches.
pub fn show(config: &Config, query: &str, as_json: bool) -> Result<bool> {
    let ledger = open_ledger(config)?;
    let trail = ledger.trail(query)?;
    if as_json {
        for entry in &trail {
            println!("{}", serde_json::to_string(entry)?);
        }
        return Ok(!trail.is_empty());
    }
    if trail.is_empty() {
        println!(
            "nothing in the ledger matches `{query}` (hint: a voucher like `F 12`, a file name as dropped, or a reference)"
        );
        return Ok(false);
    }
    for e in &trail {
        let voucher = match (&e.fortnox_series, e.fortnox_number) {
            (Some(s), Some(n)) => format!(
                "Fortnox voucher {s} {n} (financial year id {})",
                e.fortnox_year.unwrap_or(0)
            ),
            _ => format!("not in Fortnox ({})", e.state),
        };
        println!("{}:{} {} -> {voucher}", e.file, e.line, e.document);
        println!(
            "  source sha256 {} archived at {}",
            e.sha256,
            e.archived_path.as_deref().unwrap_or("(still processing)")
        );
        println!("  reference {}", e.reference);
        match (e.attachment.as_deref(), e.attached_file_id.as_deref()) {
            (Some("attached"), Some(id)) => println!("  source file attached (Fortnox file {id})"),
            (Some(state), id) => {
                println!("  source file attachment: {state} (file {})", id.unwrap_or("-"));
            }
            (None, _) => {}
        }
        for (at, event, detail) in &e.events {
            println!("  {at}  {event:<10} {detail}");
        }
    }
    Ok(true)
}
