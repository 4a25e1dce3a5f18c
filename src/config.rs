//! Configuration: one TOML file, read in two phases (raw serde structs, then a validated
//! [`Config`] with absolute paths). Secrets never live in the file: they come from `FORTNOX_*`
//! environment variables.
//!
//! Owns: the file format, defaults, path resolution, the commented template `init` writes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod inbox;

use inbox::RawInbox;
pub use inbox::{InboxConfig, Schedule, WatchMode, is_network_path};
mod sales;

pub use sales::{
    AccountMap, AccountsConfig, CreateDocument, CustomerKey, DiscountMode, LanguagePolicy,
    MissingArticle, ORDER_FIELDS, ORDER_LEVEL_FIELDS, OrderFormat, OrdersConfig, PricesMode,
    ShippingMode, UnitSource, ZreportConfig, rate_key,
};

/// The file name `init` writes and `run` looks for by default.
pub const FILE_NAME: &str = "fortnox-bridge.toml";

/// The commented template written by `init`; also the documentation of every key.
pub const TEMPLATE: &str = include_str!("config_template.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the configuration: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    folders: RawFolders,
    #[serde(default)]
    fortnox: RawFortnox,
    #[serde(default)]
    sandbox: RawSandbox,
    #[serde(default)]
    sie: RawSie,
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
    zreport: sales::RawZreport,
    #[serde(default)]
    accounts: sales::RawAccounts,
    #[serde(default)]
    orders: sales::RawOrders,
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
struct RawFortnox {
    target: Option<String>,
    client_id: Option<String>,
    tenant_id: Option<String>,
    auth: Option<String>,
    token_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    redirect_uri: Option<String>,
    scopes: Option<Vec<String>>,
    pace: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    listen: Option<SocketAddr>,
    data: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSie {
    default_series: Option<String>,
    #[serde(default)]
    series: BTreeMap<String, String>,
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

/// Where Fortnox is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The sandbox embedded in this process (the default: no Fortnox account needed).
    EmbeddedSandbox,
    /// The real Fortnox API.
    Live,
    /// A Fortnox-compatible server at this base URL (e.g. a sandbox started separately).
    Url(String),
}

/// The live Fortnox API base URL.
pub const LIVE_BASE_URL: &str = "https://api.fortnox.se";

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

/// How the bridge authenticates with Fortnox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Service account: client id, secret and tenant id; nothing stored.
    ClientCredentials,
    /// `fortnox-bridge connect` once; the rotating refresh token is kept encrypted.
    AuthorizationCode,
}

#[derive(Clone)]
pub struct FortnoxConfig {
    pub target: Target,
    pub client_id: String,
    pub client_secret: String,
    pub tenant_id: Option<String>,
    pub auth: AuthMethod,
    /// The encrypted token pair (authorization-code mode).
    pub token_file: PathBuf,
    /// The key that encrypts it; created with owner-only permissions.
    pub key_file: PathBuf,
    /// Loopback address the consent page redirects to (must be registered with the app).
    pub redirect_uri: String,
    /// Scopes asked for by `connect`.
    pub scopes: Vec<String>,
    /// Client-side pacing under 25 requests per 5 s (off only for a sandbox without limit).
    pub pace: bool,
}

impl std::fmt::Debug for FortnoxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("FortnoxConfig")
            .field("target", &self.target)
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .field("auth", &self.auth)
            .field("token_file", &self.token_file)
            .field("key_file", &self.key_file)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Default loopback redirect of the consent flow.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:47800/fortnox/callback";

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    /// `None` keeps the embedded sandbox in memory.
    pub data: Option<PathBuf>,
}

/// How SIE vouchers are placed in Fortnox.
#[derive(Debug, Clone)]
pub struct SieConfig {
    /// Fortnox series for vouchers whose SIE series is empty or unmapped.
    pub default_series: String,
    /// SIE series → Fortnox series.
    pub series: BTreeMap<String, String>,
}

impl Default for SieConfig {
    fn default() -> Self {
        SieConfig { default_series: "A".to_owned(), series: BTreeMap::new() }
    }
}

impl SieConfig {
    /// The Fortnox series a voucher of SIE series `sie_series` goes to.
    pub fn fortnox_series<'a>(&'a self, sie_series: &'a str) -> &'a str {
        match self.series.get(sie_series) {
            Some(mapped) => mapped,
            None if sie_series.is_empty() => &self.default_series,
            None => sie_series,
        }
    }
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
    /// Reads and validates `path`; relative paths inside are relative to the file's folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let base = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let base = std::path::absolute(&base).unwrap_or(base);
        let mut config = Config::from_toml_str(&text, &base).map_err(|message| {
            ConfigError::Invalid { path: path.display().to_string(), message }
        })?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and validates TOML text; paths resolve against `base`.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        Config::validate(raw, base)
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
        let target = match raw.fortnox.target.as_deref().unwrap_or("sandbox") {
            "sandbox" => Target::EmbeddedSandbox,
            "live" => Target::Live,
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Target::Url(url.trim_end_matches('/').to_owned())
            }
            other => {
                return Err(format!(
                    "[fortnox] target `{other}` is not `sandbox`, `live` or a base URL \
                     (hint: e.g. target = \"http://127.0.0.1:8787\")"
                ));
            }
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let client_id = env("FORTNOX_CLIENT_ID")
            .or(raw.fortnox.client_id)
            .unwrap_or_else(|| "fortnox-bridge".to_owned());
        let client_secret =
            env("FORTNOX_CLIENT_SECRET").unwrap_or_else(|| "sandbox-secret".to_owned());
        let tenant_id = env("FORTNOX_TENANT_ID").or(raw.fortnox.tenant_id);
        if target == Target::Live && env("FORTNOX_CLIENT_SECRET").is_none() {
            return Err("[fortnox] target = \"live\" needs the client secret in the environment \
                 (hint: set FORTNOX_CLIENT_SECRET for the service)"
                .to_owned());
        }
        let auth = match raw.fortnox.auth.as_deref().unwrap_or("client_credentials") {
            "client_credentials" => AuthMethod::ClientCredentials,
            "authorization_code" => AuthMethod::AuthorizationCode,
            other => {
                return Err(format!(
                    "[fortnox] auth `{other}` is not `client_credentials` or \
                     `authorization_code`"
                ));
            }
        };
        let redirect_uri =
            raw.fortnox.redirect_uri.unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_owned());
        let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
        if !loopback.iter().any(|p| redirect_uri.starts_with(p)) {
            return Err(format!(
                "[fortnox] redirect_uri `{redirect_uri}` is not a loopback http URL with a port \
                 (hint: e.g. \"{DEFAULT_REDIRECT_URI}\")"
            ));
        }
        let zreport = sales::zreport(raw.zreport)?;
        let scopes = raw.fortnox.scopes.unwrap_or_else(|| {
            use crate::fortnox::connect::{Feature, scopes_for};
            if zreport.attach_file {
                scopes_for(&[Feature::Vouchers, Feature::Attachments])
            } else {
                scopes_for(&[Feature::Vouchers])
            }
        });
        let token_file = at(raw.fortnox.token_file, "fortnox-tokens.bin");
        let key_file = raw.fortnox.key_file.map_or_else(
            || {
                let mut name = token_file.as_os_str().to_owned();
                name.push(".key");
                PathBuf::from(name)
            },
            |p| at(Some(p), ""),
        );
        let listen = raw.sandbox.listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        if !listen.ip().is_loopback() {
            return Err(format!(
                "[sandbox] listen `{listen}` is not a loopback address \
                 (hint: the sandbox only listens on 127.0.0.1 or ::1)"
            ));
        }
        let sandbox = SandboxConfig { listen, data: Some(at(raw.sandbox.data, "sandbox.db")) };
        let mut sie = SieConfig::default();
        if let Some(series) = raw.sie.default_series {
            sie.default_series = series;
        }
        sie.series = raw.sie.series;
        for (from, to) in std::iter::once((&String::new(), &sie.default_series)).chain(&sie.series)
        {
            if to.is_empty() || to.len() > 10 || !to.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!(
                    "[sie] series `{from}` maps to `{to}`, which is not a Fortnox series code \
                     (hint: 1-10 letters or digits, e.g. \"A\")"
                ));
            }
        }
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
        let mut inboxes = vec![
            primary
                .resolve(folders.inbox.clone(), folders.processing.clone(), &primary)
                .map_err(|e| format!("[schedule]/[watch]: {e}"))?,
        ];
        for (i, extra) in raw.inboxes.iter().enumerate() {
            let Some(path) = extra.path.clone() else {
                return Err(format!(
                    "[[inboxes]] entry {} has no `path` (hint: path = \"kassa\")",
                    i + 1
                ));
            };
            let path = at(Some(path), "");
            let processing = path.join(".processing");
            let inbox = extra.resolve(path, processing, &primary).map_err(|e| {
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
        let pace = raw.fortnox.pace.unwrap_or(true);
        if !pace && target == Target::Live {
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
            fortnox: FortnoxConfig {
                target,
                client_id,
                client_secret,
                tenant_id,
                auth,
                token_file,
                key_file,
                redirect_uri,
                scopes,
                pace,
            },
            sandbox,
            sie,
            watch,
            upload,
            zreport,
            accounts: sales::accounts(&raw.accounts)?,
            orders: sales::orders(raw.orders)?,
        })
    }
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
    fn authorization_code_settings() {
        let text = "[fortnox]\nauth = \"authorization_code\"\ntoken_file = \"s/t.bin\"\n\
                    key_file = \"/k/t.key\"\nscopes = [\"bookkeeping\"]\n\
                    redirect_uri = \"http://localhost:9000/cb\"\n";
        let config = Config::from_toml_str(text, Path::new("/x")).expect("valid");
        assert_eq!(config.fortnox.auth, AuthMethod::AuthorizationCode);
        assert_eq!(config.fortnox.token_file, Path::new("/x/s/t.bin"));
        assert_eq!(config.fortnox.key_file, Path::new("/k/t.key"));
        assert_eq!(config.fortnox.scopes, ["bookkeeping"]);
        let attach = Config::from_toml_str("[zreport]\nattach_file = true\n", Path::new("/x"))
            .expect("valid");
        assert!(attach.zreport.attach_file);
        assert_eq!(
            attach.fortnox.scopes,
            ["companyinformation", "bookkeeping", "settings", "inbox"]
        );
        let err =
            |text: &str| Config::from_toml_str(text, Path::new("/x")).err().unwrap_or_default();
        assert!(err("[fortnox]\nauth = \"magic\"\n").contains("`magic`"));
        assert!(
            err("[fortnox]\nredirect_uri = \"https://evil.example/cb\"\n").contains("loopback")
        );
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
}
