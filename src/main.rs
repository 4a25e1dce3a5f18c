//! The `fortnox-bridge` command line. Maps errors to exit codes: 0 ok, 1 bad input or a
//! rejected document, 2 a broken environment or usage error, 3 documents still waiting.

mod commands;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use tracing_subscriber::Layer;

use fortnox_bridge::config::{self, Config};

#[derive(Debug, Parser)]
#[command(
    name = "fortnox-bridge",
    version,
    about = "Posts SIE files, Z-reports and order \
    exports dropped in a folder to Fortnox, exactly once."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a workspace with sample files, post them to the embedded sandbox, show the result.
    Demo {
        /// Workspace folder (default: a new folder under the system temp directory).
        dir: Option<PathBuf>,
    },
    /// Write DIR/fortnox-bridge.toml (every key commented) and create the folders.
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Run the service: watch the inbox and post what arrives.
    Run {
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Process what is in the inbox now, wait for the uploads to settle, exit.
        #[arg(long)]
        once: bool,
    },
    /// Validate files without network access: one summary per file.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Print the exact Fortnox request bodies the files become, as JSON lines.
    Convert {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Run the Fortnox-compatible sandbox server on its own.
    Sandbox(commands::sandbox::SandboxArgs),
    /// Authorize fortnox-bridge with a Fortnox company (OAuth2).
    Connect {
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Show queued, posting, posted, waiting and rejected documents per inbox.
    Status {
        #[arg(short, long)]
        config: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Retry waiting documents now (one, or all).
    Retry {
        #[arg(short, long)]
        config: Option<PathBuf>,
        document: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Post what is queued now (inboxes in manual or nightly mode).
    Sync {
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
        #[arg(short, long, global = true)]
        config: Option<PathBuf>,
    },
    /// Compare the account mapping with the Fortnox chart of accounts.
    Accounts {
        #[command(subcommand)]
        action: AccountsAction,
        #[arg(short, long, global = true)]
        config: Option<PathBuf>,
    },
    /// Z-report numbers: declare missing ones that will never arrive.
    Zreport {
        #[command(subcommand)]
        action: ZreportAction,
        #[arg(short, long, global = true)]
        config: Option<PathBuf>,
    },
    /// Install or remove the system service (systemd or Windows service).
    Service {
        #[command(subcommand)]
        action: ServiceAction,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Check that the hash chain of the audit trail is intact.
    Verify,
    /// Write every audit record (JSON lines or CSV), for an accountant.
    Export {
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// `jsonl` or `csv`.
        #[arg(long, default_value = "jsonl")]
        format: String,
    },
    /// Follow a Fortnox voucher (`F 12`) back to its source file, or a file (name as dropped)
    /// forward to its vouchers, with every event on the way.
    Show {
        query: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ZreportAction {
    /// Stop listing Z numbers of a register as missing: they will never arrive (a training
    /// day, a report lost with a broken register). Recorded with the reason in the audit trail.
    Waive {
        /// The register (kassabeteckning) as `status` shows it.
        register: String,
        /// One Z number (`1044`) or a range (`1044-1046`).
        numbers: String,
        /// Why it will never arrive.
        #[arg(long)]
        reason: String,
        /// The company's organisation number, when registers of several companies share the name.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountsAction {
    /// List mapped accounts that are missing or inactive in Fortnox.
    Check,
}

#[derive(Debug, Subcommand)]
enum ServiceAction {
    /// Install and start the service (systemd unit, or Windows service).
    Install {
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Where the systemd unit goes.
        #[arg(long, default_value = "/etc/systemd/system")]
        unit_dir: PathBuf,
        /// Only write the unit; do not run systemctl.
        #[arg(long)]
        no_enable: bool,
        /// Run the service as this user (systemd `User=`).
        #[arg(long)]
        user: Option<String>,
    },
    /// Stop and remove the service.
    Uninstall {
        #[arg(long, default_value = "/etc/systemd/system")]
        unit_dir: PathBuf,
        #[arg(long)]
        no_enable: bool,
    },
    /// The entry point the Windows service manager starts (not for consoles).
    #[command(hide = true)]
    Run {
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
}

/// `-c FILE`, else `./fortnox-bridge.toml` if present, else the defaults for this folder.
fn load_config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None if Path::new(config::FILE_NAME).exists() => {
            Ok(Config::load(Path::new(config::FILE_NAME))?)
        }
        None => Ok(Config::defaults(&std::env::current_dir()?)),
    }
}

/// Runs the command; `service` is the configuration `main` already loaded for the service
/// (see [`service_config`]), so it is not read twice.
async fn dispatch(cli: Cli, service: Option<Result<Config>>) -> Result<u8> {
    let ok = |clean: bool| u8::from(!clean);
    match cli.command {
        Command::Demo { dir } => Ok(ok(commands::demo::demo(dir).await?)),
        Command::Init { dir } => commands::init::init(&dir).map(|()| 0),
        Command::Run { config, once } => {
            let config = service.unwrap_or_else(|| load_config(config.as_deref()))?;
            commands::ops::run(config, once).await
        }
        Command::Check { files, json, config } => {
            Ok(ok(commands::check::check(&files, json, &load_config(config.as_deref())?)?))
        }
        Command::Convert { files, config } => {
            Ok(ok(commands::check::convert(&files, &load_config(config.as_deref())?)?))
        }
        Command::Sandbox(args) => commands::sandbox::sandbox(args).await.map(|()| 0),
        Command::Audit { action, config } => {
            let config = load_config(config.as_deref())?;
            match action {
                AuditAction::Verify => Ok(ok(commands::audit::verify(&config)?)),
                AuditAction::Export { output, format } => {
                    commands::audit::export(&config, &format, output.as_deref()).map(|()| 0)
                }
                AuditAction::Show { query, json } => {
                    Ok(ok(commands::audit::show(&config, &query.join(" "), json)?))
                }
            }
        }
        Command::Status { config, json } => {
            commands::status::status(&load_config(config.as_deref())?, json).map(|()| 0)
        }
        Command::Connect { config } => {
            Ok(ok(commands::connect::connect(&load_config(config.as_deref())?).await?))
        }
        Command::Retry { config, document, all } => {
            let config = load_config(config.as_deref())?;
            Box::pin(commands::ops::retry(config, document.as_deref(), all)).await
        }
        Command::Sync { config } => {
            Box::pin(commands::ops::sync(load_config(config.as_deref())?)).await
        }
        Command::Accounts { action: AccountsAction::Check, config } => {
            Ok(ok(commands::accounts::check(&load_config(config.as_deref())?).await?))
        }
        Command::Zreport {
            action: ZreportAction::Waive { register, numbers, reason, org },
            config,
        } => {
            let config = load_config(config.as_deref())?;
            commands::zreport::waive(&config, &register, &numbers, &reason, org.as_deref())
                .map(|()| 0)
        }
        Command::Service { action } => match action {
            ServiceAction::Install { config, unit_dir, no_enable, user } => {
                commands::service::install(
                    config.as_deref(),
                    &unit_dir,
                    !no_enable,
                    user.as_deref(),
                )
                .map(|()| 0)
            }
            ServiceAction::Uninstall { unit_dir, no_enable } => {
                commands::service::uninstall(&unit_dir, !no_enable).map(|()| 0)
            }
            ServiceAction::Run { config } => commands::service::run(service.unwrap_or_else(|| {
                commands::service::absolute_config(config.as_deref()).map(|(_, c)| c)
            })),
        },
    }
}

/// The configuration of the service, loaded once before logging starts (its `[log]` says
/// where to log): for `run`, and the entry point the Windows service manager starts (where
/// stderr goes nowhere, so the file is all there is). `None` for every other command.
fn service_config(command: &Command) -> Option<Result<Config>> {
    match command {
        Command::Run { config, .. } => Some(load_config(config.as_deref())),
        // Started by the service manager in System32: never the working directory.
        Command::Service { action: ServiceAction::Run { config } } => {
            Some(commands::service::absolute_config(config.as_deref()).map(|(_, c)| c))
        }
        _ => None,
    }
}

/// Logs to stderr and, for the service with `[log] file`, to a daily-rotated file too.
fn init_logging(cli: &Cli, log: Option<&config::LogConfig>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // The demo prints its own summary; the service logs what it does.
    let level = if matches!(cli.command, Command::Demo { .. }) { "error" } else { "info" };
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("FORTNOX_BRIDGE_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level))
    };
    let file = log.and_then(|log| {
        let path = log.file.as_ref()?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = path.file_name()?.to_string_lossy().into_owned();
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix(name)
            .max_log_files(log.keep_days)
            .build(&dir)
            .map_err(|e| {
                eprintln!("warning: log file in {}: {e}; logging to stderr only", dir.display());
            })
            .ok()
    });
    let stderr =
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter());
    let file = file.map(|appender| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(appender)
            .with_filter(filter())
    });
    tracing_subscriber::registry().with(stderr).with(file).init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let service = service_config(&cli.command);
    init_logging(&cli, service.as_ref().and_then(|c| c.as_ref().ok()).map(|c| &c.log));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(dispatch(cli, service)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn both_service_entry_points_log_to_the_configured_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fortnox-bridge.toml");
        std::fs::write(&path, "[log]\nfile = \"logs/bridge.log\"\nkeep_days = 3\n").unwrap();
        let config = path.to_str().unwrap();
        for args in [vec!["run", "-c", config], vec!["service", "run", "-c", config]] {
            let cli = Cli::parse_from(std::iter::once("fortnox-bridge").chain(args.clone()));
            let log = service_config(&cli.command).unwrap().unwrap().log;
            assert_eq!(log.file, Some(dir.path().join("logs/bridge.log")), "{args:?}");
            assert_eq!(log.keep_days, 3);
        }
        let cli = Cli::parse_from(["fortnox-bridge", "check", config]);
        assert!(service_config(&cli.command).is_none(), "only the service logs to the file");
    }
}
