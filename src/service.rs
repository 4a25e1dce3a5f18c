//! The service: watches the inbox, claims stable files, runs them through the pipeline,
//! retries what waits, and shuts down cleanly on Ctrl-C / SIGTERM (the file in flight finishes
//! first).
//!
//! Owns: the run loop, choosing the Fortnox endpoint (embedded sandbox, a sandbox URL, live).

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

use crate::claim::{self, Stability};
use crate::config::AuthMethod;
use crate::config::{Config, Target};
use crate::fortnox::{Client, Credentials, Endpoints, TokenStore};
use crate::ledger::Ledger;
use crate::pipeline::{Fatal, FileOutcome, Pipeline};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::watch;

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

/// What a run did, for `--once` and the demo.
#[derive(Debug, Default, Clone)]
pub struct RunReport {
    pub done: Vec<std::path::PathBuf>,
    pub failed: Vec<std::path::PathBuf>,
    /// Files whose documents still wait for Fortnox.
    pub waiting: usize,
}

impl RunReport {
    fn add(&mut self, outcome: FileOutcome) {
        match outcome {
            FileOutcome::Done(p) => self.done.push(p),
            FileOutcome::Failed(p) => self.failed.push(p),
            FileOutcome::Waiting => {}
        }
    }
}

/// A running service's connection to Fortnox (and the embedded sandbox, if that is the target).
pub struct Endpoint {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
}

/// Connects to the configured target, starting the embedded sandbox when that is the target.
pub async fn endpoint(config: &Config) -> Result<Endpoint, ServiceError> {
    let credentials = Credentials {
        client_id: config.fortnox.client_id.clone(),
        client_secret: config.fortnox.client_secret.clone(),
        tenant_id: config.fortnox.tenant_id.clone(),
    };
    let client = |endpoints: Endpoints| {
        let builder = Client::builder(endpoints, credentials.clone());
        let client = match config.fortnox.auth {
            AuthMethod::ClientCredentials => builder.build(),
            AuthMethod::AuthorizationCode => builder
                .token_store(TokenStore::new(&config.fortnox.token_file, &config.fortnox.key_file))
                .build(),
        };
        let health = client.token_health();
        if health.needs_attention() {
            tracing::error!("fortnox connection: {health}");
        } else {
            tracing::info!("fortnox connection: {health}");
        }
        client
    };
    Ok(match &config.fortnox.target {
        Target::EmbeddedSandbox => {
            let options = SandboxOptions {
                listen: config.sandbox.listen,
                data: config.sandbox.data.clone(),
                ..SandboxOptions::default()
            };
            let sandbox = Sandbox::start(options)
                .await
                .map_err(|e| setup("embedded sandbox")(e.to_string()))?;
            tracing::info!(url = %sandbox.base_url(), "embedded Fortnox sandbox listening");
            Endpoint {
                client: client(Endpoints::for_base(&sandbox.base_url())),
                sandbox: Some(sandbox),
            }
        }
        Target::Url(url) => Endpoint { client: client(Endpoints::for_base(url)), sandbox: None },
        Target::Live => Endpoint { client: client(Endpoints::live()), sandbox: None },
    })
}

/// Creates the folders the configuration names.
pub fn prepare_folders(config: &Config) -> Result<(), ServiceError> {
    let f = &config.folders;
    for dir in [&f.inbox, &f.done, &f.failed, &f.processing] {
        std::fs::create_dir_all(dir)
            .map_err(|e| setup(format!("{}", dir.display()))(e.to_string()))?;
    }
    if let Some(parent) = f.state.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| setup(format!("{}", parent.display()))(e.to_string()))?;
    }
    Ok(())
}

/// Runs the service. With `once`, processes what is in the inbox now, settles the uploads and
/// returns; otherwise runs until Ctrl-C / SIGTERM.
pub async fn run(config: Config, client: Client, once: bool) -> Result<RunReport, ServiceError> {
    prepare_folders(&config)?;
    let ledger =
        Ledger::open(&config.folders.state).map_err(|e| setup("state store")(e.to_string()))?;
    let inbox = config.folders.inbox.clone();
    let pipeline = Pipeline::new(config, client, ledger);
    let mut report = RunReport::default();
    for outcome in pipeline.recover().await? {
        report.add(outcome);
    }
    let mut stability = Stability::new(pipeline.config.watch.stable);
    let scan = |stability: &mut Stability| -> Result<(), ServiceError> {
        for path in
            claim::scan(&inbox).map_err(|e| setup(inbox.display().to_string())(e.to_string()))?
        {
            stability.offer(&inbox, &path);
        }
        Ok(())
    };
    scan(&mut stability)?;
    if once {
        while stability.pending() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            claim_ready(&pipeline, &mut stability, &mut report).await?;
        }
        settle(&pipeline, &mut report).await?;
        return Ok(report);
    }

    let (_watcher, mut events) = watch::watch(&inbox)
        .map_err(|e| setup(format!("watching {}", inbox.display()))(e.to_string()))?;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let rescan_every = pipeline.config.watch.rescan;
    let mut next_rescan = Instant::now() + rescan_every;
    let mut next_retry = Instant::now();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    tracing::info!(inbox = %inbox.display(), "watching");
    loop {
        tokio::select! {
            () = &mut shutdown => {
                tracing::info!("stopping");
                break;
            }
            event = events.recv() => match event {
                Some(Some(path)) => stability.offer(&inbox, &path),
                Some(None) | None => scan(&mut stability)?,
            },
            _ = tick.tick() => {
                claim_ready(&pipeline, &mut stability, &mut report).await?;
                let now = Instant::now();
                if now >= next_rescan {
                    scan(&mut stability)?;
                    next_rescan = now + rescan_every;
                }
                if now >= next_retry {
                    retry_due(&pipeline, &mut report).await?;
                    next_retry = now + Duration::from_secs(1);
                }
            }
        }
    }
    Ok(report)
}

async fn claim_ready(
    pipeline: &Pipeline,
    stability: &mut Stability,
    report: &mut RunReport,
) -> Result<(), ServiceError> {
    let processing = &pipeline.config.folders.processing;
    for path in stability.ready() {
        match claim::claim(&path, processing) {
            Ok(Some(claimed)) => {
                tracing::info!(file = %claimed.name, "claimed");
                report.add(pipeline.process(&claimed).await?);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(file = %path.display(), "cannot claim yet: {e}"),
        }
    }
    Ok(())
}

/// Retries the documents whose wait is over.
async fn retry_due(pipeline: &Pipeline, report: &mut RunReport) -> Result<(), ServiceError> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for file in pipeline.ledger.files_due(&now).map_err(Fatal::from)? {
        report.add(pipeline.resume(&file).await?);
    }
    Ok(())
}

/// `--once`: retries waiting documents a few times at short intervals instead of the
/// configured minutes, then leaves what still waits for the next run.
async fn settle(pipeline: &Pipeline, report: &mut RunReport) -> Result<(), ServiceError> {
    let attempts = pipeline.config.upload.max_attempts;
    for pass in 1..=attempts {
        let files = pipeline.ledger.files_in_processing().map_err(Fatal::from)?;
        if files.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500 * u64::from(pass))).await;
        for file in files {
            report.add(pipeline.resume(&file).await?);
        }
    }
    report.waiting = pipeline.ledger.files_in_processing().map_err(Fatal::from)?.len();
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
