//! `audit`: verify the hash chain, export the trail, follow a voucher to its source file and back.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use chrono::NaiveDate;
use fortnox_bridge::audit;
use fortnox_bridge::config::Config;
use fortnox_bridge::export::Posted;
use fortnox_bridge::ledger::Ledger;

use super::ops::open_ledger;

/// `audit verify [--anchor SEQ:HASH]`: checks the hash chain (and the anchored record);
/// `Ok(false)` when it is broken. An intact trail's newest record is printed as the anchor to
/// keep elsewhere: the chain alone cannot tell records cut off its end.
pub fn verify(config: &Config, anchor: Option<&audit::Anchor>) -> Result<bool> {
    let ledger = open_ledger(config)?;
    let mut out = std::io::stdout().lock();
    match ledger.with_conn(|c| audit::verify(c, anchor))? {
        Ok(intact) => {
            let records = if intact.count == 1 { "record" } else { "records" };
            writeln!(out, "audit trail intact: {} {records}", intact.count)?;
            if let Some(a) = anchor {
                writeln!(out, "anchored record {} found unchanged", a.seq)?;
            }
            if let Some(head) = intact.head {
                writeln!(out, "newest record: {} at {}", head.seq, head.at)?;
                writeln!(out, "anchor: {}:{}", head.seq, head.hash)?;
                writeln!(
                    out,
                    "(keep the anchor away from this computer, with the accounts: \
                     `audit verify --anchor` with it tells later whether records up to it were \
                     cut off or rewritten)"
                )?;
            }
            Ok(true)
        }
        Err(problem) => {
            writeln!(out, "audit trail BROKEN: {problem}")?;
            Ok(false)
        }
    }
}

/// `audit export [--format jsonl|csv|sie] [-o FILE]`: every record, for an accountant; or, as
/// `sie`, the vouchers the bridge posted (dated `from`..=`to`) as a SIE 4I file.
pub fn export(
    config: &Config,
    format: &str,
    out: Option<&Path>,
    dates: (Option<NaiveDate>, Option<NaiveDate>),
) -> Result<()> {
    let ledger = open_ledger(config)?;
    if format == "sie" {
        return export_sie(&ledger, out, dates);
    }
    anyhow::ensure!(
        dates == (None, None),
        "--from and --to choose the vouchers of `--format sie`; the trail is exported whole"
    );
    let records = ledger.with_conn(audit::records)?;
    let mut sink: Box<dyn Write> = match out {
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| path.display().to_string())?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    match format {
        "csv" => {
            // A byte order mark first: Excel reads a CSV without one in the Windows code page,
            // and every å of a file name or reason would be mojibake.
            sink.write_all(b"\xEF\xBB\xBF")?;
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
        other => anyhow::bail!("unknown format `{other}` (hint: `jsonl`, `csv` or `sie`)"),
    }
    Ok(())
}

/// The posted vouchers as SIE 4I (see `fortnox_bridge::export`), with `#ORGNR` when every
/// source file that named a company named the same one.
fn export_sie(
    ledger: &Ledger,
    out: Option<&Path>,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
) -> Result<()> {
    let docs = ledger.posted()?;
    let mut companies: Vec<String> = docs
        .iter()
        .filter_map(|d| fortnox_bridge::convert::source_org(&d.reference))
        .filter_map(|o| fortnox_bridge::org_number::key(o.number))
        .collect();
    companies.sort();
    companies.dedup();
    let org = match &companies[..] {
        [one] => Some(fortnox_bridge::org_number::show(one)),
        _ => None,
    };
    // One Fortnox voucher once, though two ledger records may name it (a copy adopted as the
    // voucher another file posted).
    let mut seen = std::collections::HashSet::new();
    let posted: Vec<Posted> = docs
        .iter()
        .filter_map(|d| {
            let posted =
                Posted::from_body(d.fortnox_series.as_deref()?, d.fortnox_number?, &d.body)?;
            Some(((d.year, posted.series.clone(), posted.number), posted))
        })
        .filter(|(_, p)| from.is_none_or(|f| p.voucher.transaction_date >= f))
        .filter(|(_, p)| to.is_none_or(|t| p.voucher.transaction_date <= t))
        .filter(|(voucher, _)| seen.insert(voucher.clone()))
        .map(|(_, posted)| posted)
        .collect();
    let count = posted.len();
    let (bytes, warnings) =
        fortnox_bridge::export::sie_4i(posted, org.as_deref(), chrono::Local::now().date_naive());
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    match out {
        Some(path) => std::fs::write(path, &bytes).with_context(|| path.display().to_string())?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    eprintln!("{count} posted voucher(s) written as SIE 4I");
    Ok(())
}

/// The forms `audit show` takes, for its hints.
const SHOW_FORMS: &str = "a voucher `F 12` (or `F12`; `F 12 2026` for the year of its date), an \
    order or invoice `order 4`, a file name as dropped (`kassa.si`), or a shop order id `W-1004`";

/// `audit show QUERY`: from a Fortnox voucher (`F 12`), order or invoice back to its source
/// file and line, or from a file name (or shop order id, or reference) forward to what it
/// became. A file that became nothing (it failed, was a duplicate, had nothing to post) is
/// shown with where it went and why. `Ok(false)` if nothing matches; an empty query is a usage
/// error.
pub fn show(config: &Config, query: &str, as_json: bool) -> Result<bool> {
    let query = query.trim();
    anyhow::ensure!(!query.is_empty(), "audit show: name what to follow (hint: {SHOW_FORMS})");
    let ledger = open_ledger(config)?;
    let trail = ledger.trail(query)?;
    let files = ledger.files_without_documents(query)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        for entry in &trail {
            writeln!(out, "{}", serde_json::to_string(entry)?)?;
        }
        for file in &files {
            let mut value = serde_json::to_value(file)?;
            value["documents"] = serde_json::json!(0);
            writeln!(out, "{value}")?;
        }
        return Ok(!(trail.is_empty() && files.is_empty()));
    }
    if trail.is_empty() && files.is_empty() {
        writeln!(
            out,
            "{}: nothing in the ledger matches `{query}` (hint: {SHOW_FORMS})",
            config.folders.state.display()
        )?;
        return Ok(false);
    }
    for e in &trail {
        let target = match (&e.fortnox_series, e.fortnox_number) {
            (Some(s), Some(n)) if e.kind == "voucher" => format!(
                "Fortnox voucher {s} {n} (financial year id {})",
                e.fortnox_year.unwrap_or(0)
            ),
            // Orders and invoices are numbered on their own, in no financial year.
            (Some(s), Some(n)) => format!("Fortnox {s} {n}"),
            _ => format!("not in Fortnox ({})", e.state),
        };
        writeln!(out, "{}:{} {} -> {target}", e.file, e.line, e.document)?;
        writeln!(
            out,
            "  source sha256 {} archived at {}",
            e.sha256,
            e.archived_path.as_deref().unwrap_or("(still processing)")
        )?;
        writeln!(out, "  document {} ({}), reference {}", e.document_id, e.state, e.reference)?;
        match (e.attachment.as_deref(), e.attached_file_id.as_deref()) {
            (Some("attached"), Some(id)) => {
                writeln!(out, "  source file attached (Fortnox file {id})")?;
            }
            (Some(state), id) => {
                writeln!(out, "  source file attachment: {state} (file {})", id.unwrap_or("-"))?;
            }
            (None, _) => {}
        }
        for (at, event, detail) in &e.events {
            writeln!(out, "  {at}  {event:<10} {detail}")?;
        }
    }
    for f in &files {
        writeln!(out, "{} -> produced no documents ({})", f.file, f.state)?;
        writeln!(
            out,
            "  source sha256 {} archived at {}",
            f.sha256,
            f.archived_path.as_deref().unwrap_or("(still processing)")
        )?;
        if let Some(note) = &f.note {
            writeln!(out, "  note: {note}")?;
        }
        for (at, event, detail) in &f.events {
            writeln!(out, "  {at}  {event:<10} {detail}")?;
        }
    }
    Ok(true)
}
