//! The service: watches the inbox, claims stable files, runs them through the pipeline,
//! retries what waits, and shuts down cleanly on Ctrl-C / SIGTERM (the file in flight finishes
//! first).
//!
//! Owns: the run loop; `setup.rs` chooses the Fortnox endpoint and prepares folders and lock.

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

use crate::claim::{self, Stability};
use crate::config::Config;
use crate::fortnox::Client;
use crate::ledger::{Ledger, Trouble};
use crate::notify;
use crate::pipeline::{Fatal, Pass, Pipeline, unix_now};
use crate::watch;
use inboxes::{Watched, last_release, next_release};
pub use report::RunReport;
pub use setup::{
    Endpoint, InstanceLock, endpoint, lock, prepare_folders, service_running, try_lock,
};

mod inboxes;
mod report;
mod setup;
pub mod systemd;
#[cfg(windows)]
pub mod windows;

/// Problems that stop the service (it exits non-zero; the service manager restarts it).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Pipeline(#[from] Fatal),
    #[error("{what}: {message}")]
    Setup { what: String, message: String },
}

fn setup(what: impl Into<String>) -> impl FnOnce(String) -> ServiceError {
    let what = what.into();
    move |message| ServiceError::Setup { what, message }
}

/// Runs the service, holding `lock` (see [`lock`]) until it returns. With `once`, processes
/// what is in the inboxes now, settles the uploads and returns; otherwise runs until Ctrl-C /
/// SIGTERM.
pub async fn run(
    config: Config,
    client: Client,
    once: bool,
    lock: InstanceLock,
) -> Result<RunReport, ServiceError> {
    run_until(config, client, once, lock, shutdown_signal()).await
}

/// [`run`], stopping when `shutdown` resolves (the Windows service's stop request) instead of
/// on a signal. The file in flight finishes first.
pub async fn run_until(
    config: Config,
    client: Client,
    once: bool,
    lock: InstanceLock,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<RunReport, ServiceError> {
    let _lock = lock;
    prepare_folders(&config)?;
    if let Some(problem) = notify::command_problem(&config.notify) {
        tracing::warn!("{problem}");
    }
    // The error names the file and what to check.
    let ledger = Ledger::open(&config.folders.state).map_err(Fatal::from)?;
    let pipeline = Pipeline::new(config, client, ledger);
    let mut report = RunReport::default();
    for outcome in pipeline.recover().await? {
        report.add(outcome);
    }
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let rescan = pipeline.config.watch.rescan;
    let mut inboxes = Vec::new();
    for (index, inbox) in pipeline.config.inboxes.iter().enumerate() {
        let mut polled = inbox.polled();
        let events = if once || polled {
            None
        } else {
            match watch::watch(&inbox.path, index, tx.clone()) {
                Ok(events) => Some((events, index, tx.clone())),
                // A folder that cannot be watched now (a share that is down, a folder not
                // there) is polled, and reported as unreachable while it cannot be read.
                Err(e) => {
                    tracing::warn!(inbox = %inbox.path.display(), "cannot watch, polling instead: {e}");
                    polled = true;
                    None
                }
            }
        };
        if !once {
            tracing::info!(
                inbox = %inbox.path.display(),
                watch = if polled { "polling" } else { "events" },
                schedule = inbox.schedule.name(),
                "watching"
            );
        }
        let mut watched = Watched::new(
            Stability::new(pipeline.config.watch.stable, inbox.done_marker),
            if polled { inbox.poll } else { rescan },
            next_release(inbox.schedule, chrono::Local::now()),
            events,
            &inbox.path,
        );
        if !once && let Some(missed) = last_release(inbox.schedule, chrono::Local::now()) {
            // Files queued before the last nightly time (the machine was off then): post now.
            let before = crate::ledger::stamp(&missed);
            let inbox_text = inbox.path.display().to_string();
            let n = pipeline
                .ledger
                .release_holds(Some(&inbox_text), Some(&before))
                .map_err(Fatal::from)?;
            if n > 0 {
                tracing::info!(inbox = %inbox_text, files = n, "catching up on a missed nightly sync");
            }
        }
        watched
            .scan(inbox, &pipeline.config.notify, &pipeline.ledger)
            .await
            .map_err(Fatal::from)?;
        inboxes.push(watched);
    }
    drop(tx);
    if once {
        report.progress = progress_bar(inboxes.iter().map(|w| w.stability.pending()).sum());
        while inboxes.iter().any(|w| w.stability.pending() > 0) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            for (index, watched) in inboxes.iter_mut().enumerate() {
                claim_ready(&pipeline, index, &mut watched.stability, &mut report).await?;
            }
        }
        if let Some(bar) = report.progress.take() {
            bar.finish_and_clear();
        }
        for path in inboxes.iter().flat_map(|w| w.stability.awaiting_marker()) {
            tracing::info!(file = %path.display(), "left in the inbox: its NAME.done (or NAME.ok) marker has not come yet");
        }
        settle(&pipeline, &mut report).await?;
        report.unreachable = inboxes
            .iter()
            .zip(&pipeline.config.inboxes)
            .filter_map(|(watched, inbox)| watched.unreachable(inbox))
            .collect();
        return Ok(report);
    }
    systemd::notify(systemd::State::Ready);
    // Feed systemd's watchdog while the service makes progress (a loop turn, a document
    // handled): a long batch keeps it fed, a service stuck anywhere lets systemd restart it.
    let watchdog = systemd::watchdog_interval().map(|every| {
        let heartbeat = std::sync::Arc::clone(&pipeline.heartbeat);
        tokio::spawn(async move {
            loop {
                let quiet =
                    unix_now().saturating_sub(heartbeat.load(std::sync::atomic::Ordering::Relaxed));
                if Duration::from_secs(quiet) < every {
                    systemd::notify(systemd::State::Watchdog);
                }
                tokio::time::sleep(every / 2).await;
            }
        })
    });
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut next_retry = Instant::now();
    let mut next_health = Instant::now();
    let mut health_reported = false;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => {
                tracing::info!("stopping");
                systemd::notify(systemd::State::Stopping);
                break;
            }
            Some(seen) = events.recv() => {
                let (Some(inbox), Some(watched)) =
                    (pipeline.config.inboxes.get(seen.inbox), inboxes.get_mut(seen.inbox))
                else { continue };
                match seen.path {
                    Some(path) => watched.stability.offer(&inbox.path, &path),
                    None if seen.folder_gone => watched.folder_gone(),
                    None => watched.scan(inbox, &pipeline.config.notify, &pipeline.ledger).await.map_err(Fatal::from)?,
                }
            }
            _ = tick.tick() => {
                pipeline.beat();
                let now = Instant::now();
                for (index, watched) in inboxes.iter_mut().enumerate() {
                    let inbox = &pipeline.config.inboxes[index];
                    if watched.scan_due(inbox, now) {
                        watched.scan(inbox, &pipeline.config.notify, &pipeline.ledger).await.map_err(Fatal::from)?;
                    }
                    claim_ready(&pipeline, index, &mut watched.stability, &mut report).await?;
                    let local = chrono::Local::now();
                    if watched.next_release.is_some_and(|at| local >= at) {
                        let inbox_text = inbox.path.display().to_string();
                        let n = pipeline
                            .ledger
                            .release_holds(Some(&inbox_text), None)
                            .map_err(Fatal::from)?;
                        tracing::info!(inbox = %inbox_text, files = n, "nightly sync");
                        watched.next_release = next_release(inbox.schedule, local);
                    }
                }
                if now >= next_retry {
                    retry_due(&pipeline, &mut report).await?;
                    next_retry = now + Duration::from_secs(1);
                }
                if now >= next_health {
                    health_reported = check_connection(&pipeline, health_reported).await;
                    next_health = now + CONNECTION_CHECK;
                }
            }
        }
    }
    if let Some(task) = watchdog {
        task.abort();
    }
    Ok(report)
}

/// Batches at least this large get a progress bar when run in a terminal.
const PROGRESS_MIN_FILES: usize = 50;

fn progress_bar(files: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if files < PROGRESS_MIN_FILES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(u64::try_from(files).unwrap_or(u64::MAX));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40.cyan/blue} {pos}/{len} files  {per_sec}  eta {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// How often the connection is kept alive and checked (refresh tokens live 45 days).
const CONNECTION_CHECK: Duration = Duration::from_hours(6);

/// Keeps an idle connection alive (renews a refresh token nearing its end) and tells a person,
/// once, when it needs attention (revoked consent, expired refresh token). Returns whether a
/// problem is currently reported.
async fn check_connection(pipeline: &Pipeline, reported: bool) -> bool {
    let (problem, summary) = match pipeline.client.keep_alive().await {
        Ok(health) if !health.needs_attention() => {
            tracing::debug!("fortnox connection: {health}");
            (false, String::new())
        }
        Ok(health) => (true, format!("the Fortnox connection needs attention: {health}")),
        Err(e) if e.needs_operator() => {
            (true, format!("the Fortnox connection needs attention: {e}"))
        }
        Err(e) => {
            tracing::warn!("fortnox connection check failed, will try again: {e}");
            (reported, String::new())
        }
    };
    if problem && !reported {
        let event = notify::Event {
            event: "connection_needs_attention".to_owned(),
            summary: format!("{summary} (hint: run `fortnox-bridge connect` to authorize again)"),
            ..notify::Event::default()
        };
        notify::send(&pipeline.config.notify, &event).await;
    }
    problem
}

async fn claim_ready(
    pipeline: &Pipeline,
    index: usize,
    stability: &mut Stability,
    report: &mut RunReport,
) -> Result<(), ServiceError> {
    let Some(inbox) = pipeline.config.inboxes.get(index) else { return Ok(()) };
    for path in stability.ready() {
        match claim::claim(&path, index, &inbox.processing) {
            Ok(Some(claimed)) => {
                if !report.unclaimed.is_empty() {
                    report.unclaimed.retain(|(p, _)| *p != path);
                }
                pipeline
                    .ledger
                    .trouble_over(Trouble::FileStuck, &path.display().to_string())
                    .map_err(Fatal::from)?;
                tracing::info!(file = %claimed.name, "claimed");
                report.add(pipeline.process(&claimed).await?);
                if let Some(bar) = &report.progress {
                    bar.inc(1);
                }
            }
            Ok(None) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!(file = %path.display(), "gone before it was claimed");
            }
            Err(e) => report.stuck(pipeline, &path, &e).await?,
        }
    }
    Ok(())
}

/// Retries the documents whose wait is over.
async fn retry_due(pipeline: &Pipeline, report: &mut RunReport) -> Result<(), ServiceError> {
    let now = crate::ledger::now();
    for file in pipeline.ledger.files_due(&now).map_err(Fatal::from)? {
        report.add(pipeline.resume(&file, Pass::Due).await?);
    }
    Ok(())
}

/// `--once`: retries waiting documents a few times at short intervals instead of the
/// configured minutes, then leaves what still waits for the next run. Held files stay held.
async fn settle(pipeline: &Pipeline, report: &mut RunReport) -> Result<(), ServiceError> {
    let attempts = pipeline.config.upload.max_attempts;
    let unsettled = || -> Result<Vec<_>, ServiceError> {
        let files = pipeline.ledger.files_in_processing().map_err(Fatal::from)?;
        Ok(files.into_iter().filter(|f| f.hold.is_none()).collect())
    };
    for pass in 1..=attempts {
        let files = unsettled()?;
        if files.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500 * u64::from(pass))).await;
        for file in files {
            report.add(pipeline.resume(&file, Pass::All).await?);
        }
    }
    report.waiting = unsettled()?.len();
    report.held =
        pipeline.ledger.files_in_processing().map_err(Fatal::from)?.len() - report.waiting;
    Ok(())
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
