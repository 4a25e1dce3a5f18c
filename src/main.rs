//! The `fortnox-bridge` command line. Maps errors to exit codes: 0 ok, 1 bad input or a
//! rejected document, 2 a broken environment or usage error, 3 documents still waiting.

mod cli;
mod commands;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use tracing_subscriber::Layer;

use fortnox_bridge::config::{self, Config};

use cli::{AccountsAction, AuditAction, Cli, Command, ServiceAction, ZreportAction};

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
                AuditAction::Verify { anchor } => {
                    Ok(ok(commands::audit::verify(&config, anchor.as_ref())?))
                }
                AuditAction::Export { output, format, from, to } => {
                    commands::audit::export(&config, &format, output.as_deref(), (from, to))
                        .map(|()| 0)
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
        Command::Accounts { action: AccountsAction::Check { date }, config } => {
            Ok(ok(commands::accounts::check(&load_config(config.as_deref())?, date).await?))
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
        // Made first: the appender's pruning otherwise prints a bare "Error reading the log
        // directory" on the first start.
        let _ = std::fs::create_dir_all(&dir);
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
    let colour = {
        use std::io::IsTerminal;
        colour(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR"))
    };
    // Without the Rust module path on every line: an owner reads these.
    let stderr = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let file = file.map(|appender| {
        tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_ansi(false)
            .with_writer(appender)
            .with_filter(filter())
    });
    tracing_subscriber::registry().with(stderr).with(file).init();
}

/// Whether logs on stderr are coloured: only on a terminal, and never when `NO_COLOR` is set
/// to something (<https://no-color.org>). journald, a redirected log or a pipe gets plain text.
fn colour(stderr_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// True when `e` comes from writing to a closed standard output (`... | head -1`): the reader
/// has all it wanted, so the command ends quietly instead of reporting an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
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

    #[test]
    fn logs_are_coloured_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())), "an empty NO_COLOR does not count");
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None), "journald, a redirected log, a pipe");
    }

    #[test]
    fn a_closed_stdout_is_told_apart_from_other_errors() {
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::from(pipe).context("writing a line")));
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(!is_broken_pipe(&anyhow::Error::from(other)));
    }
}
