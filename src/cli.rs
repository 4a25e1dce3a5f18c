//! The command-line grammar (clap derive): every command, option and argument with the help
//! text `--help` shows. What the commands do is in `commands/`; `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "fortnox-bridge",
    version,
    about = "Posts SIE files, Z-reports and order \
    exports dropped in a folder to Fortnox, exactly once."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a workspace with sample files, post them to the embedded sandbox, show the result.
    Demo {
        /// Workspace folder (default: a new folder under the system temp directory).
        dir: Option<PathBuf>,
    },
    /// Write DIR/fortnox-bridge.toml (every key commented) and create the folders.
    Init {
        /// The folder to set up (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Run the service: watch the inbox and post what arrives.
    Run {
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Process what is in the inbox now, wait for the uploads to settle, exit.
        #[arg(long)]
        once: bool,
    },
    /// Validate files without network access: one summary per file (of a folder: each file).
    Check {
        /// The files to check (SIE, Z-report JSON or order CSV), or folders: the files in a
        /// folder are checked (not its subfolders), skipping dot-files, temporary names
        /// (`*.tmp`, `~*`, `*.part`) and done-markers, as the watcher does.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per file instead of a line of text.
        #[arg(long)]
        json: bool,
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Print the exact Fortnox request bodies the files become, as JSON lines.
    Convert {
        /// The files to convert (SIE, Z-report JSON or order CSV).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Run the Fortnox-compatible sandbox server on its own.
    Sandbox(commands::sandbox::SandboxArgs),
    /// Authorize fortnox-bridge with a Fortnox company (OAuth2).
    Connect {
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Show queued, posting, posted, waiting and rejected documents per inbox.
    Status {
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Retry waiting documents now (one, or all).
    Retry {
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// The document to retry: its id or reference, as `audit show FILE` shows them.
        document: Option<String>,
        /// Retry every waiting document.
        #[arg(long)]
        all: bool,
    },
    /// Post what is queued now (inboxes in manual or nightly mode).
    Sync {
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long, global = true)]
        config: Option<PathBuf>,
    },
    /// Compare the account mapping with the Fortnox chart of accounts.
    Accounts {
        #[command(subcommand)]
        action: AccountsAction,
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
        #[arg(short, long, global = true)]
        config: Option<PathBuf>,
    },
    /// Z-report numbers: declare missing ones that will never arrive.
    Zreport {
        #[command(subcommand)]
        action: ZreportAction,
        /// The configuration file (default: ./fortnox-bridge.toml, else built-in defaults).
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
pub enum AuditAction {
    /// Check that the hash chain of the audit trail is intact, and print the newest record as
    /// an anchor to keep.
    Verify {
        /// A record from an earlier `audit verify` (`SEQ:HASH`, as it printed it): also check
        /// that the trail still holds it unchanged, which tells records cut off its end.
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Option<fortnox_bridge::audit::Anchor>,
    },
    /// Write every audit record (JSON lines or CSV), for an accountant; or, with `--format
    /// sie`, the vouchers the bridge posted as a SIE 4I file to import by hand.
    Export {
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// `jsonl`, `csv` or `sie`.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// `--format sie`: vouchers dated on or after this day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// `--format sie`: vouchers dated on or before this day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// Follow a Fortnox voucher (`F 12`) back to its source file, or a file (name as dropped)
    /// forward to its vouchers, with every event on the way.
    Show {
        /// A voucher (`F 12`, `F12`, `F 12 2026`), an order or invoice (`order 4`,
        /// `invoice 7`), a file name as dropped, a shop order id (`W-1004`) or a reference.
        query: Vec<String>,
        /// One JSON object per document (or per file that produced none) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ZreportAction {
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
pub enum AccountsAction {
    /// List mapped accounts that are missing or inactive in Fortnox.
    Check {
        /// Compare with the chart of the financial year holding this date (YYYY-MM-DD;
        /// default: today), e.g. last year's while this year's is not created yet.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServiceAction {
    /// Install and start the service (systemd unit, or Windows service).
    Install {
        /// The configuration file the service runs with (default: ./fortnox-bridge.toml).
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
        /// Where the systemd unit is.
        #[arg(long, default_value = "/etc/systemd/system")]
        unit_dir: PathBuf,
        /// Only remove the unit; do not run systemctl.
        #[arg(long)]
        no_enable: bool,
    },
    /// The entry point the Windows service manager starts (not for consoles).
    #[command(hide = true)]
    Run {
        /// The configuration file (the installer passes its absolute path).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every option and argument `--help` lists says what it is, in every subcommand.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "fortnox-bridge", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
