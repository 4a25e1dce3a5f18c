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
mod orders;
mod sie;
mod zreport;

pub use accounts::{AccountMap, AccountsConfig, rate_key};
pub use fortnox::{AuthMethod, DEFAULT_REDIRECT_URI, FortnoxConfig, LIVE_BASE_URL, Target};
use inbox::RawInbox;
pub use inbox::{InboxConfig, Schedule, WatchMode};
pub use orders::{
    CreateDocument, CustomerKey, LanguagePolicy, MissingArticle, ORDER_FIELDS, ORDER_LEVEL_FIELDS,
    OrderFormat, OrdersConfig, PricesMode, ShippingMode, UnitSource,
};
pub use sie::SieConfig;
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
    /// `path:line: message` when the problem has a place in the file (TOML syntax, an unknown
    /// key, a value of the wrong type), else `path: message`.
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
        let base = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
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
        let raw: RawConfig = toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e.span().map(|span| {
                let before = &text[..text.floor_char_boundary(span.start)];
                before.matches('\n').count() + 1
            });
            // toml's message may run over lines ("invalid table header\nexpected `.`, `]`").
            let message = e.message().trim().lines().collect::<Vec<_>>().join("; ");
            (line, message)
        })?;
        Config::validate(raw, base).map_err(|message| (None, message))
    }

    /// The defaults for a workspace rooted at `base` (what `init` writes, uncommented).
    pub fn defaults(base: &Path) -> Config {
        // The empty document always validates.
        Config::validate(RawConfig::default(), base).unwrap_or_else(|_| unreachable!())
    }

    fn validate(raw: RawConfig, base: &Path) -> Result<Config, String> {
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
            return Err(format!(
                "[sandbox] listen `{listen}` is not a loopback address \
                 (hint: the sandbox only listens on 127.0.0.1 or ::1)"
            ));
        }
        let sandbox = SandboxConfig { listen, data: Some(at(raw.sandbox.data, "sandbox.db")) };
        let sie = sie::sie(raw.sie)?;
        let watch = WatchConfig {
            stable: Duration::from_millis(raw.watch.stable_ms.unwrap_or(1000)),
            rescan: Duration::from_secs(raw.watch.rescan_secs.unwrap_or(60).max(1)),
        };
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
            let Some(path) = extra.path.clone() else {
                return Err(format!(
                    "[[inboxes]] entry {} has no `path` (hint: path = \"kassa\")",
                    i + 1
                ));
            };
            let path = at(Some(path), "");
            let processing = path.join(".processing");
            let inbox = extra.resolve(path, processing, &primary, false).map_err(|e| {
                format!(
                    "[[inboxes]] `{}`: {e}",
                    extra.path.as_deref().unwrap_or(Path::new("")).display()
                )
            })?;
            if inboxes.iter().any(|other| other.path == inbox.path) {
                return Err(format!("inbox `{}` is listed twice", inbox.path.display()));
            }
            inboxes.push(inbox);
        }
        if let Some(url) = &raw.notify.webhook
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!("[notify] webhook `{url}` is not an http(s) URL"));
        }
        let notify = NotifyConfig {
            command: raw.notify.command.filter(|c| !c.trim().is_empty()),
            webhook: raw.notify.webhook,
        };
        if !fortnox.pace && fortnox.target == Target::Live {
            return Err("[fortnox] pace = false is only for a sandbox without rate limit; \
                 Fortnox itself answers 429 above 25 requests per 5 seconds"
                .to_owned());
        }
        let log = LogConfig {
            file: raw.log.file.map(|f| at(Some(f), "")),
            keep_days: raw.log.keep_days.unwrap_or(14).max(1),
        };
        Ok(Config {
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
        })
    }
}

/// Picks `value` among `choices` (`(text, value)`), or explains the allowed ones.
fn choose<T: Copy>(
    section: &str,
    key: &str,
    value: Option<&str>,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, String> {
    choose_named(&format!("[{section}] {key}"), value, default, choices)
}

/// [`choose`] for a key whose full name (`name`, as the user wrote it) is not `[section] key`,
/// e.g. `schedule` inside an `[[inboxes]]` entry.
fn choose_named<T: Copy>(
    name: &str,
    value: Option<&str>,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, String> {
    let Some(value) = value else { return Ok(default) };
    let wanted = value.trim().to_lowercase();
    choices.iter().find(|(text, _)| *text == wanted).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<String> = choices.iter().map(|(t, _)| format!("\"{t}\"")).collect();
        format!("{name} = \"{value}\" is not one of {}", allowed.join(", "))
    })
}

/// Checks that `value`, written at `key` (e.g. `[sie] default_series`), is a Fortnox voucher
/// series code: 1-10 ASCII letters or digits.
fn series_code(key: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 10 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{key} `{value}` is not a Fortnox voucher series: 1-10 letters or digits \
             (hint: the series code as Fortnox shows it, e.g. \"A\" or \"F\")"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_to_the_defaults() {
        let base = Path::new("/srv/shop");
        let config = Config::from_toml_str(TEMPLATE, base).expect("template parses");
        assert_eq!(config.folders.inbox, base.join("inbox"));
        assert_eq!(config.folders.failed, base.join("failed"));
        assert_eq!(config.fortnox.target, Target::EmbeddedSandbox);
        assert_eq!(config.sie.default_series, "A");
        assert_eq!(config.upload.max_attempts, 3);
        assert_eq!(config.zreport.max_rounding_remainder, rust_decimal::Decimal::new(5, 2));
        assert_eq!(config.fortnox.auth, AuthMethod::ClientCredentials);
        assert_eq!(config.fortnox.token_file, base.join("fortnox-tokens.bin"));
        assert_eq!(config.fortnox.key_file, base.join("fortnox-tokens.bin.key"));
        assert_eq!(config.fortnox.redirect_uri, DEFAULT_REDIRECT_URI);
        assert_eq!(config.fortnox.scopes, ["companyinformation", "bookkeeping", "settings"]);
        assert!(!format!("{:?}", config.fortnox).contains("sandbox-secret"));
    }

    #[test]
    fn target_url_and_series_mapping() {
        let text = "[fortnox]\ntarget = \"http://127.0.0.1:8787/\"\n\
                    [sie]\ndefault_series = \"F\"\nseries = { K = \"F\" }\n";
        let config = Config::from_toml_str(text, Path::new("/x")).expect("valid");
        assert_eq!(config.fortnox.target, Target::Url("http://127.0.0.1:8787".into()));
        assert_eq!(config.sie.fortnox_series(""), "F");
        assert_eq!(config.sie.fortnox_series("K"), "F");
        assert_eq!(config.sie.fortnox_series("B"), "B");
    }

    #[test]
    fn rejects_unknown_keys_bad_targets_and_public_listen() {
        let base = Path::new("/x");
        assert!(Config::from_toml_str("[folders]\ninbx = \"a\"\n", base).is_err());
        let err = |text: &str| Config::from_toml_str(text, base).err().unwrap_or_default();
        assert!(err("[fortnox]\ntarget = \"prod\"\n").contains("`prod`"));
        assert!(err("[sandbox]\nlisten = \"0.0.0.0:8787\"\n").contains("loopback"));
        assert!(err("[sie]\ndefault_series = \"A B\"\n").contains("series"));
    }

    #[test]
    fn load_errors_read_path_line_message() {
        let dir = std::env::temp_dir().join(format!("fb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(FILE_NAME);
        let shown = path.display().to_string();
        let load = |text: &str| {
            std::fs::write(&path, text).expect("write");
            Config::load(&path).expect_err("invalid").to_string()
        };
        // A syntax error, an unknown key and a wrong type are placed on their line.
        let syntax = load("[folders]\ninbox = \"in\"\n\n[sie\ndefault_series = \"A\"\n");
        assert!(syntax.starts_with(&format!("{shown}:4: ")), "{syntax}");
        assert!(syntax.ends_with(": invalid table header; expected `.`, `]`"), "{syntax}");
        let unknown = load("# comment\n[folders]\ninbx = \"a\"\n");
        assert!(unknown.starts_with(&format!("{shown}:3: unknown field `inbx`")), "{unknown}");
        let wrong = load("[upload]\n\nmax_attempts = \"three\"\n");
        assert!(wrong.starts_with(&format!("{shown}:3: ")), "{wrong}");
        // A validation problem has no line.
        let invalid = load("[sie]\ndefault_series = \"A B\"\n");
        assert!(invalid.starts_with(&format!("{shown}: [sie] default_series `A B`")), "{invalid}");
        std::fs::remove_file(&path).expect("remove");
        let missing = Config::load(&path).expect_err("missing").to_string();
        assert!(missing.starts_with(&format!("{shown}: cannot read the configuration: ")));
        assert!(
            missing.ends_with("(hint: `fortnox-bridge init DIR` writes a commented configuration)"),
            "{missing}"
        );
        std::fs::remove_dir(&dir).expect("remove dir");
    }

    #[test]
    fn bad_series_codes_name_the_key_the_user_wrote() {
        let err = |text: &str| Config::from_toml_str(text, Path::new("/x")).unwrap_err();
        let hint = "(hint: the series code as Fortnox shows it, e.g. \"A\" or \"F\")";
        assert_eq!(
            err("[sie]\ndefault_series = \"A B\"\n"),
            format!(
                "[sie] default_series `A B` is not a Fortnox voucher series: \
                 1-10 letters or digits {hint}"
            )
        );
        assert_eq!(
            err("[sie]\nseries = { K = \"KASSA-1\" }\n"),
            format!(
                "[sie] series.K `KASSA-1` is not a Fortnox voucher series: \
                 1-10 letters or digits {hint}"
            )
        );
        assert_eq!(
            err("[sie]\nseries = { \"a b\" = \"\" }\n"),
            format!(
                "[sie] series.\"a b\" `` is not a Fortnox voucher series: \
                 1-10 letters or digits {hint}"
            )
        );
        assert_eq!(
            err("[zreport]\nseries = \"ELEVENCHARS\"\n"),
            format!(
                "[zreport] series `ELEVENCHARS` is not a Fortnox voucher series: \
                 1-10 letters or digits {hint}"
            )
        );
    }
}
