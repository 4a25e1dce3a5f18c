//! `status`: per inbox, what is queued, posting, posted today, waiting, rejected and
//! withdrawn; and the registers whose Z-reports have numbers that have not arrived.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use serde_json::json;

use fortnox_bridge::claim::ignored_name;
use fortnox_bridge::config::{AuthMethod, Config, Target};
use fortnox_bridge::fortnox::{TokenHealth, TokenStore};
use fortnox_bridge::ledger::{Ledger, Trouble};

use super::ops::open_ledger;

/// How many of an inbox's files in failed/ are named, the newest first (`--json` has all).
const SHOWN_FAILED: usize = 5;

/// A file in an inbox this long is told as not taken (one younger is most likely being taken).
const UNTAKEN_AFTER: Duration = Duration::from_mins(2);

/// What lies in an inbox and is not taken: files older than [`UNTAKEN_AFTER`] (the service
/// is not running, or a file waits for its done marker) and folders (never read).
#[derive(Default)]
struct Untaken {
    files: usize,
    oldest: Option<Duration>,
    folders: Vec<String>,
}

fn untaken(inbox: &Path) -> Untaken {
    let mut out = Untaken::default();
    let Ok(entries) = std::fs::read_dir(inbox) else { return out };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        if ignored_name(&name) {
            continue;
        }
        if meta.is_dir() {
            out.folders.push(name);
            continue;
        }
        let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok());
        if let Some(age) = age.filter(|a| *a >= UNTAKEN_AFTER) {
            out.files += 1;
            out.oldest = out.oldest.max(Some(age));
        }
    }
    out.folders.sort();
    out
}

/// `3 h`, `12 min`: how long ago, roughly.
fn ago(d: Duration) -> String {
    match d.as_secs() {
        s if s >= 2 * 3600 => format!("{} h", s / 3600),
        s => format!("{} min", s / 60),
    }
}

pub fn status(config: &Config, as_json: bool) -> Result<()> {
    // Before the service's first run there is no ledger: nothing was taken or posted, and what
    // lies in the inboxes is still worth telling.
    let first_run = !config.folders.state.exists();
    let ledger = if first_run { Ledger::empty()? } else { open_ledger(config)? };
    let mut out = std::io::stdout().lock();
    let midnight = chrono::Local::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
        .map(|t| fortnox_bridge::ledger::stamp(&t))
        .unwrap_or_default();
    let max = config.upload.max_attempts;
    let mut inboxes = Vec::new();
    for inbox in &config.inboxes {
        let path = inbox.path.display().to_string();
        let mut s = ledger.inbox_status(&path, &midnight, max)?;
        s.inbox = path;
        inboxes.push((inbox, s));
    }
    let untaken: Vec<Untaken> = config.inboxes.iter().map(|i| untaken(&i.path)).collect();
    let running = fortnox_bridge::service::service_running(config);
    let gaps = ledger.zreport_gaps_open()?;
    // Files still stuck in an inbox (one taken since, or removed, is no longer listed).
    let stuck: Vec<_> = ledger
        .troubles(Trouble::FileStuck)?
        .into_iter()
        .filter(|(path, _, _)| std::path::Path::new(path).exists())
        .collect();
    let target = match &config.fortnox.target {
        Target::EmbeddedSandbox => "embedded sandbox".to_owned(),
        Target::Live => "Fortnox (live)".to_owned(),
        Target::Url(url) => url.clone(),
    };
    let auth = match config.fortnox.auth {
        AuthMethod::ClientCredentials => {
            "client credentials (service account; no refresh token to expire)".to_owned()
        }
        AuthMethod::AuthorizationCode => TokenHealth::of_store(&TokenStore::new(
            &config.fortnox.token_file,
            &config.fortnox.key_file,
        ))
        .to_string(),
    };
    if as_json {
        let list: Vec<_> = inboxes
            .iter()
            .zip(&untaken)
            .map(|((cfg, s), u)| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                v["schedule"] = json!(cfg.schedule.name());
                v["watch"] = json!(if cfg.polled() { "poll" } else { "events" });
                v["untaken_files"] = json!(u.files);
                v["oldest_untaken_secs"] = json!(u.oldest.map(|d| d.as_secs()));
                v["folders_not_read"] = json!(u.folders);
                v
            })
            .collect();
        let gaps: Vec<_> = gaps
            .iter()
            .map(|g| {
                let mut v = serde_json::to_value(g).unwrap_or_default();
                v["missing"] = json!(g.missing());
                v["message"] = json!(g.describe());
                v
            })
            .collect();
        writeln!(
            out,
            "{}",
            json!({"fortnox": target, "token_health": auth, "service_running": running,
                "ledger_exists": !first_run,
                "inboxes": list, "zreport_gaps": gaps,
                "stuck_files": stuck.iter().map(|(file, since, error)| {
                    json!({"file": file, "since": since, "error": error})
                }).collect::<Vec<_>>()})
        )?;
        return Ok(());
    }
    writeln!(out, "fortnox: {target}; auth: {auth}")?;
    match running {
        Some(true) => writeln!(out, "service: running")?,
        Some(false) => writeln!(
            out,
            "service: NOT running: nothing is taken from the inboxes or posted until it runs \
             (start the service, or `fortnox-bridge run --once`)"
        )?,
        None => {}
    }
    if first_run {
        writeln!(
            out,
            "ledger: none yet at {} (the service has not run with this configuration)",
            config.folders.state.display()
        )?;
    }
    for ((cfg, s), u) in inboxes.iter().zip(&untaken) {
        writeln!(
            out,
            "inbox {} ({}, {})",
            s.inbox,
            cfg.schedule.name(),
            if cfg.polled() { "polled" } else { "file events" }
        )?;
        writeln!(
            out,
            "  queued {} (held for sync {}), posting {}, posted today {} (total {}), waiting {} \
             (awaiting sync {}), rejected {} ({} in failed/){}",
            s.queued,
            s.held,
            s.posting,
            s.posted_today,
            s.posted_total,
            s.waiting,
            s.awaiting_sync,
            s.rejected,
            super::check::count(s.failed_files.len(), "file", "files"),
            if s.withdrawn > 0 {
                format!(
                    ", withdrawn {} (cancelled or replaced by a later file, never posted)",
                    s.withdrawn
                )
            } else {
                String::new()
            }
        )?;
        for path in s.failed_files.iter().take(SHOWN_FAILED) {
            writeln!(out, "  in failed/: {path}")?;
        }
        if s.failed_files.len() > SHOWN_FAILED {
            writeln!(out, "  in failed/: ... and {} more", s.failed_files.len() - SHOWN_FAILED)?;
        }
        if let Some(since) = &s.unreachable_since {
            writeln!(
                out,
                "  cannot be read since {since}: {} (files dropped there wait until it can)",
                s.unreachable_error.as_deref().unwrap_or_default()
            )?;
        }
        if s.attach_waiting + s.attach_failed > 0 {
            writeln!(
                out,
                "  source files not attached to their vouchers: {} retrying, {} refused (see \
                 `fortnox-bridge audit`)",
                s.attach_waiting, s.attach_failed
            )?;
        }
        if let Some(oldest) = u.oldest {
            writeln!(
                out,
                "  in the inbox, not taken yet: {}, the oldest written {} ago",
                super::check::count(u.files, "file", "files"),
                ago(oldest)
            )?;
        }
        if !u.folders.is_empty() {
            writeln!(
                out,
                "  folders in the inbox are not read: {} (put the files themselves in the inbox)",
                u.folders.join(", ")
            )?;
        }
        writeln!(out, "  last success: {}", s.last_success.as_deref().unwrap_or("never"))?;
    }
    if !stuck.is_empty() {
        writeln!(out, "Files that cannot be taken from their inbox (they wait there):")?;
        for (file, since, error) in &stuck {
            writeln!(out, "  {file}: since {since}: {error}")?;
        }
        writeln!(
            out,
            "  (hint: the service's account must be allowed to move files out of the inbox \
             folder and into its processing folder)"
        )?;
    }
    if !gaps.is_empty() {
        writeln!(out, "Z-reports that have not arrived (a day of sales may be missing):")?;
        for g in &gaps {
            writeln!(out, "  register {} ({}): {}", g.register, g.org_display(), g.missing_text())?;
        }
        writeln!(
            out,
            "  (hint: export them from the register into the inbox; one that will never come: \
             fortnox-bridge zreport waive REGISTER NUMBER --reason \"...\")"
        )?;
    }
    Ok(())
}
