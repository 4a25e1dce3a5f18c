//! Operations commands: `run`, `audit`.

use anyhow::Result;

use fortnox_bridge::config::Config;
use fortnox_bridge::ledger::Ledger;
use fortnox_bridge::service;

/// `run [--once]`: the service exits 0 on a clean stop (a bad file is not a service failure);
/// `--once` exits 0 when nothing was rejected and nothing waits, 1 on a rejection, 3 when
/// documents still wait for Fortnox, 2 when an inbox could not be read or a file could not be
/// taken from it (the rest was processed).
pub async fn run(config: Config, once: bool) -> Result<u8> {
    let lock = service::lock(&config)?;
    Box::pin(run_locked(config, once, lock)).await
}

/// [`run`] once the instance lock is held.
async fn run_locked(config: Config, once: bool, lock: service::InstanceLock) -> Result<u8> {
    let endpoint = service::endpoint(&config).await?;
    let report = service::run(config, endpoint.client, once, lock).await?;
    if let Some(sandbox) = endpoint.sandbox {
        sandbox.stop().await;
    }
    if !once {
        return Ok(0);
    }
    println!(
        "{} done, {} failed, {} waiting for Fortnox, {} queued for a nightly or manual sync",
        super::check::count(report.done.len(), "file", "files"),
        report.failed.len(),
        report.waiting,
        report.held
    );
    for (inbox, why) in &report.unreachable {
        eprintln!(
            "error: the inbox {} could not be read: {why}; its files were not processed (hint: \
             check that the folder exists and the share is mounted; `fortnox-bridge init` \
             creates the folders of a new setup, `run` never creates an inbox)",
            inbox.display()
        );
    }
    for (file, why) in &report.unclaimed {
        eprintln!(
            "error: {} could not be taken from the inbox: {why}; it is still there (hint: the \
             service's account must be allowed to move files out of the inbox folder)",
            file.display()
        );
    }
    Ok(match (report.failed.is_empty(), report.waiting) {
        _ if !report.unreachable.is_empty() || !report.unclaimed.is_empty() => 2,
        (false, _) => 1,
        (true, 0) => 0,
        (true, _) => 3,
    })
}

/// After `sync`/`retry` marked documents due: a running service posts them within a second;
/// without one, post them here and now.
async fn post_now(config: Config, what: &str) -> Result<u8> {
    let Some(lock) = service::try_lock(&config)? else {
        println!("{what}; the running service posts them now");
        return Ok(0);
    };
    println!("{what}; no service is running, posting now");
    Box::pin(run_locked(config, true, lock)).await
}

/// `sync`: posts what is queued in nightly and manual inboxes now.
pub async fn sync(config: Config) -> Result<u8> {
    let released = open_ledger(&config)?.release_holds(None, None)?;
    post_now(config, &format!("{released} queued file(s) released")).await
}

/// Where `retry` finds a document's id, for its hints.
const RETRY_HINT: &str = "`fortnox-bridge audit show FILE` lists each document of a file as \
    `document ID (state), reference ...`; `fortnox-bridge retry ID` retries one, `retry --all` \
    every waiting one";

/// `retry [DOCUMENT] [--all]`: makes waiting documents due now. Naming no document without
/// `--all`, or one the ledger does not have, is a usage error; one that does not wait exits 1.
pub async fn retry(config: Config, document: Option<&str>, all: bool) -> Result<u8> {
    anyhow::ensure!(
        all || document.is_some(),
        "retry: name a document by its id or reference, or pass --all (hint: {RETRY_HINT})"
    );
    let which = if all { None } else { document };
    let ledger = open_ledger(&config)?;
    let named = match which {
        Some(name) => Some(ledger.document_named(name)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no document `{name}` in the ledger (hint: {RETRY_HINT})",
                config.folders.state.display()
            )
        })?),
        None => None,
    };
    let count = ledger.retry_now(which)?;
    drop(ledger);
    if count == 0 {
        match named {
            Some((id, label, state)) => {
                // What to do instead depends on why nothing is to be retried.
                let hint = match state.as_str() {
                    "rejected" => {
                        " (hint: Fortnox or a check refused it, so trying again changes nothing: \
                         `fortnox-bridge audit show` says why and what to do, most often to \
                         correct the file and put it back in the inbox)"
                    }
                    "posted" => " (it is in Fortnox already)",
                    "withdrawn" => {
                        " (a later file cancelled or replaced it, so it is never posted; \
                         `fortnox-bridge audit show` names that file)"
                    }
                    _ => "",
                };
                println!(
                    "document {id} ({label}) is {state} and waits for nothing; not retried{hint}"
                );
            }
            None => println!("no document waits for a retry"),
        }
        return Ok(u8::from(!all));
    }
    post_now(config, &format!("{count} waiting document(s) due now")).await
}

pub fn open_ledger(config: &Config) -> Result<Ledger> {
    let path = &config.folders.state;
    anyhow::ensure!(
        path.exists(),
        "{}: no ledger yet (hint: run the service first, or pass -c with its configuration)",
        path.display()
    );
    // The error names the file and what to check.
    Ok(Ledger::open(path)?)
}
