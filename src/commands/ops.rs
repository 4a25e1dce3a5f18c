//! Operations commands: `run`, `audit`.

use std::path::Path;

use anyhow::{Context, Result};

use fortnox_bridge::audit;
use fortnox_bridge::config::Config;
use fortnox_bridge::ledger::Ledger;
use fortnox_bridge::service;

/// `run [--once]`: the service exits 0 on a clean stop (a bad file is not a service failure);
/// `--once` exits 0 when nothing was rejected and nothing waits, 1 on a rejection, 3 when
/// documents still wait for Fortnox.
pub async fn run(config: Config, once: bool) -> Result<u8> {
    let endpoint = service::endpoint(&config).await?;
    let report = service::run(config, endpoint.client, once).await?;
    if let Some(sandbox) = endpoint.sandbox {
        sandbox.stop().await;
    }
    if !once {
        return Ok(0);
    }
    println!(
        "{} files done, {} failed, {} waiting for Fortnox",
        report.done.len(),
        report.failed.len(),
        report.waiting
    );
    Ok(match (report.failed.is_empty(), report.waiting) {
        (false, _) => 1,
        (true, 0) => 0,
        (true, _) => 3,
    })
}

fn open_ledger(config: &Config) -> Result<Ledger> {
    let path = &config.folders.state;
    anyhow::ensure!(
        path.exists(),
        "{}: no ledger yet (hint: run the service first, or pass -c with its configuration)",
        path.display()
    );
    Ledger::open(path).with_context(|| path.display().to_string())
}

/// `audit verify`: checks the hash chain; `Ok(false)` when it is broken.
pub fn audit_verify(config: &Config) -> Result<bool> {
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

/// `audit export`: every record as a JSON line.
pub fn audit_export(config: &Config, out: Option<&Path>) -> Result<()> {
    use std::io::Write;
    let ledger = open_ledger(config)?;
    let records = ledger.with_conn(audit::records)?;
    let mut sink: Box<dyn Write> = match out {
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| path.display().to_string())?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    for r in records {
        writeln!(sink, "{}", serde_json::to_string(&r)?)?;
    }
    Ok(())
}
