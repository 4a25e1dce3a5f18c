//! Configuration: one TOML file, read in two phases (raw serde structs, then a validated
//! [`Config`] with absolute paths). Secrets never live in the file: they come from `FORTNOX_*`
//! environment variables.
//!
//! Owns: the file format, defaults, path resolution, the commented template `init` writes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod accounts;
mod fortnox;
mod inbox;
mod layout;
mod orders;
mod problem;
mod sie;
mod type_error;
mod zreport;

pub use accounts::{AccountMap, AccountsConfig, rate_key};
pub use fortnox::{AuthMethod, DEFAULT_REDIRECT_URI, FortnoxConfig, LIVE_BASE_URL, Target};
use inbox::RawInbox;
pub use inbox::{InboxConfig, Schedule, WatchMode};
pub use orders::{
    CreateDocument, CustomerKey, LanguagePolicy, MissingArticle, ORDER_FIELDS, ORDER_LEVEL_FIELDS,
    OrderFormat, OrdersConfig, PricesMode, ShippingMode, UnitSource,
};
use problem::{Problem, choose, choose_named, series_code};
pub use sie::{LookAlike, SieConfig};
pub use zreport::{DiscountMode, ZreportConfig};

/// The file name `init` writes and `run` looks for by default.
pub const FILE_NAME: &str = "fortnox-bridge.toml";

/// The commented template written by `init`; also the documentation of every key.
pub const TEMPLATE: &str = include_str!("config_template.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{path}: cannot read the configuration: {cause} \
         (hint: `fortnox-bridge init DIR` writes a commented configuration)"
    )]
    // `cause`, not `source`: the message already says it, and `{:#}` would print it twice.
    Read { path: String, cause: std::io::Error },
    /// `path:line: message`: the line of the TOML syntax error, unknown key or wrong type, or
    /// of the key whose value cannot be used; `path: message` when the file does not write
    /// that key (a default does not go with something it sets).
    #[error("{path}{}: {message}", .line.map(|n| format!(":{n}")).unwrap_or_default())]
    Invalid { path: String, line: Option<usize>, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    folders: RawFolders,
    #[serde(default)]
    fortnox: fortnox::RawFortnox,
    #[serde(default)]
    sandbox: RawSandbox,
    #[serde(default)]
    sie: sie::RawSie,
    #[serde(default)]
    watch: RawWatch,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    inboxes: Vec<RawInbox>,
    #[serde(default)]
    notify: RawNotify,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    upload: RawUpload,
    #[serde(default)]
    zreport: zreport::RawZreport,
    #[serde(default)]
    accounts: accounts::RawAccounts,
    #[serde(default)]
    orders: orders::RawOrders,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFolders {
    inbox: Option<PathBuf>,
    done: Option<PathBuf>,
    failed: Option<PathBuf>,
    processing: Option<PathBuf>,
    state: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    listen: Option<SocketAddr>,
    data: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    stable_ms: Option<u64>,
    rescan_secs: Option<u64>,
    mode: Option<WatchMode>,
    poll_ms: Option<u64>,
    done_marker: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    mode: Option<String>,
    nightly_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUpload {
    retry_secs: Option<u64>,
    max_attempts: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    file: Option<PathBuf>,
    keep_days: Option<usize>,
}

/// Where the service logs besides stderr.
#[derive(Debug, Clone, Default)]
pub struct LogConfig {
    /// A daily-rotated log file (`NAME.YYYY-MM-DD`); `None` = stderr only (journald).
    pub file: Option<PathBuf>,
    /// Rotated files kept.
    pub keep_days: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    command: Option<String>,
    webhook: Option<String>,
}

/// Where "needs attention" notifications go (documents awaiting sync, token trouble).
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// Run through the shell with the event as JSON on stdin.
    pub command: Option<String>,
    /// POSTed the event as JSON.
    pub webhook: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Folders {
    pub inbox: PathBuf,
    pub done: PathBuf,
    pub failed: PathBuf,
    /// Claimed files wait here while they are processed; same volume as the inbox.
    pub processing: PathBuf,
    /// The SQLite ledger.
    pub state: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    /// `None` keeps the embedded sandbox in memory.
    pub data: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// A file must keep its size and mtime this long before it is claimed.
    pub stable: Duration,
    /// Full rescan of the inbox, in case events were lost.
    pub rescan: Duration,
}

#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// First wait before a transient failure is retried (doubles per attempt).
    pub retry: Duration,
    /// Attempts before a document is reported as awaiting sync.
    pub max_attempts: u32,
}

/// The validated configuration: every path absolute, every default applied.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from, if any.
    pub source: Option<PathBuf>,
    pub folders: Folders,
    pub fortnox: FortnoxConfig,
    pub sandbox: SandboxConfig,
    pub sie: SieConfig,
    pub watch: WatchConfig,
    pub upload: UploadConfig,
    /// Every watched folder; the first is `[folders] inbox`, then each `[[inboxes]]`.
    pub inboxes: Vec<InboxConfig>,
    pub notify: NotifyConfig,
    pub log: LogConfig,
    pub zreport: ZreportConfig,
    pub accounts: AccountsConfig,
    pub orders: OrdersConfig,
}

impl Config {
    /// Every folder the service writes to: inboxes and their processing areas, done/ and
    /// failed/, and the folders of the state, token store and key, log file and sandbox data
    /// (for `ReadWritePaths=` of the systemd unit). Sorted, without repeats.
    pub fn writable_dirs(&self) -> Vec<PathBuf> {
        let folders = &self.folders;
        let mut dirs =
            vec![folders.done.clone(), folders.failed.clone(), folders.processing.clone()];
        for inbox in &self.inboxes {
            dirs.push(inbox.path.clone());
            dirs.push(inbox.processing.clone());
        }
        let files = [
            Some(&folders.state),
            Some(&self.fortnox.token_file),
            Some(&self.fortnox.key_file),
            self.log.file.as_ref(),
            self.sandbox.data.as_ref(),
        ];
        dirs.extend(files.into_iter().flatten().filter_map(|f| f.parent().map(Path::to_path_buf)));
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Reads and validates `path`; relative paths inside are relative to the file's folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|cause| ConfigError::Read { path: path.display().to_string(), cause })?;
        // `fortnox-bridge.toml` alone has the parent "", which `absolute` refuses.
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let base = std::path::absolute(&base).unwrap_or(base);
        let mut config = Config::parse(&text, &base).map_err(|(line, message)| {
            ConfigError::Invalid { path: path.display().to_string(), line, message }
        })?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and validates TOML text; paths resolve against `base`. A problem with a place in
    /// the text reads `line N: message`.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<Config, String> {
        Config::parse(text, base).map_err(|(line, message)| match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        })
    }

    /// [`Config::from_toml_str`] with the 1-based line of the problem, when it has one.
    fn parse(text: &str, base: &Path) -> Result<Config, (Option<usize>, String)> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| type_error::explain(text, &e))?;
        Config::validate(raw, base)
            .map_err(|problem| (problem::line_of(text, &problem.key), problem.message))
    }

    /// The defaults for a workspace rooted at `base` (what `init` writes, uncommented).
    pub fn defaults(base: &Path) -> Config {
        // The empty document always validates.
        Config::validate(RawConfig::default(), base).unwrap_or_else(|_| unreachable!())
    }

    fn validate(raw: RawConfig, base: &Path) -> Result<Config, Problem> {
        let at = |p: Option<PathBuf>, default: &str| {
            let p = p.unwrap_or_else(|| PathBuf::from(default));
            if p.is_absolute() { p } else { base.join(p) }
        };
        let folders = Folders {
            inbox: at(raw.folders.inbox, "inbox"),
            done: at(raw.folders.done, "done"),
            failed: at(raw.folders.failed, "failed"),
            processing: at(raw.folders.processing, "processing"),
            state: at(raw.folders.state, "fortnox-bridge.db"),
        };
        // [zreport] attach_file decides the default scopes, but a [fortnox] problem is reported first.
        let zreport = zreport::zreport(raw.zreport);
        let fortnox =
            fortnox::fortnox(raw.fortnox, zreport.as_ref().is_ok_and(|z| z.attach_file), &at)?;
        let zreport = zreport?;
        let listen = raw.sandbox.listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        if !listen.ip().is_loopback() {
            return Err(Problem::new(
                &["sandbox", "listen"],
                format!(
                    "[sandbox] listen `{listen}` is not a loopback address \
                     (hint: the sandbox only listens on 127.0.0.1 or ::1)"
                ),
            ));
        }
        let sandbox = SandboxConfig { listen, data: Some(at(raw.sandbox.data, "sandbox.db")) };
        let sie = sie::sie(raw.sie)?;
        let watch = WatchConfig {
            stable: Duration::from_millis(raw.watch.stable_ms.unwrap_or(1000)),
            rescan: Duration::from_secs(raw.watch.rescan_secs.unwrap_or(60).max(1)),
        };
        for (key, value) in [
            ("retry_secs", raw.upload.retry_secs),
            ("max_attempts", raw.upload.max_attempts.map(u64::from)),
        ] {
            if value == Some(0) {
                return Err(Problem::new(
                    &["upload", key],
                    format!(
                        "[upload] {key} = 0: it must be 1 or more (hint: leave it out for the default)"
                    ),
                ));
            }
        }
        let upload = UploadConfig {
            retry: Duration::from_secs(raw.upload.retry_secs.unwrap_or(300).max(1)),
            max_attempts: raw.upload.max_attempts.unwrap_or(3).max(1),
        };
        let primary = RawInbox {
            path: None,
            kind: None,
            schedule: raw.schedule.mode,
            nightly_at: raw.schedule.nightly_at,
            watch: raw.watch.mode,
            poll_ms: raw.watch.poll_ms,
            done_marker: raw.watch.done_marker,
        };
        let mut inboxes = vec![primary.resolve(
            folders.inbox.clone(),
            folders.processing.clone(),
            &primary,
            true,
        )?];
        for (i, extra) in raw.inboxes.iter().enumerate() {
            let entry = i.to_string();
            let Some(path) = extra.path.clone() else {
                return Err(Problem::new(
                    &["inboxes", &entry],
                    format!("[[inboxes]] entry {} has no `path` (hint: path = \"kassa\")", i + 1),
                ));
            };
            let path = at(Some(path), "");
            let processing = path.join(".processing");
            let shown = extra.path.as_deref().unwrap_or(Path::new("")).display().to_string();
            let inbox = extra.resolve(path, processing, &primary, false).map_err(|p| Problem {
                message: format!("[[inboxes]] `{shown}`: {}", p.message),
                ..p.under(&["inboxes", &entry])
            })?;
            if inboxes.iter().any(|other| other.path == inbox.path) {
                return Err(Problem::new(
                    &["inboxes", &entry, "path"],
                    format!(
                        "inbox `{}` is listed twice (hint: each folder is watched by one \
                         entry; `[folders] inbox` is the first)",
                        inbox.path.display()
                    ),
                ));
            }
            inboxes.push(inbox);
        }
        if let Some(url) = &raw.notify.webhook
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(Problem::new(
                &["notify", "webhook"],
                format!(
                    "[notify] webhook `{url}` is not an http(s) URL \
                     (hint: e.g. \"https://hooks.example.com/fortnox-bridge\")"
                ),
            ));
        }
        let notify = NotifyConfig {
            command: raw.notify.command.filter(|c| !c.trim().is_empty()),
            webhook: raw.notify.webhook,
        };
        let log = LogConfig {
            file: raw.log.file.map(|f| at(Some(f), "")),
            keep_days: raw.log.keep_days.unwrap_or(14).max(1),
        };
        let config = Config {
            log,
            inboxes,
            notify,
            source: None,
            folders,
            fortnox,
            sandbox,
            sie,
            watch,
            upload,
            zreport,
            accounts: accounts::accounts(&raw.accounts)?,
            orders: orders::orders(raw.orders)?,
        };
        layout::check(base, &config)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
