//! The `[fortnox]` section: where Fortnox is (the embedded sandbox, live, or a base URL), how the
//! bridge authenticates and where it keeps tokens. The client secret comes only from the
//! environment (`FORTNOX_CLIENT_SECRET`).

use std::path::PathBuf;

use serde::Deserialize;

use super::{Problem, choose};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFortnox {
    target: Option<String>,
    client_id: Option<String>,
    tenant_id: Option<String>,
    auth: Option<String>,
    token_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    redirect_uri: Option<String>,
    scopes: Option<Vec<String>>,
    pace: Option<bool>,
    allowed_org_numbers: Option<Vec<String>>,
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
    /// Organisation numbers besides the connected company's that files may carry (the same
    /// company under another number), as written; each is well formed.
    pub allowed_org_numbers: Vec<String>,
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
            .field("allowed_org_numbers", &self.allowed_org_numbers)
            .finish_non_exhaustive()
    }
}

/// Default loopback redirect of the consent flow.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:47800/fortnox/callback";

/// Validates `[fortnox]`; `attach_file` (from `[zreport]`) adds the `inbox` scope to the
/// default scopes, `at` resolves paths against the config file's folder.
pub(super) fn fortnox(
    raw: RawFortnox,
    attach_file: bool,
    at: &impl Fn(Option<PathBuf>, &str) -> PathBuf,
) -> Result<FortnoxConfig, Problem> {
    let target = match raw.target.as_deref().unwrap_or("sandbox") {
        "sandbox" => Target::EmbeddedSandbox,
        "live" => Target::Live,
        url if url.starts_with("http://") || url.starts_with("https://") => {
            Target::Url(url.trim_end_matches('/').to_owned())
        }
        other => {
            return Err(Problem::new(
                &["fortnox", "target"],
                format!(
                    "[fortnox] target `{other}` is not `sandbox`, `live` or a base URL \
                     (hint: e.g. target = \"http://127.0.0.1:8787\")"
                ),
            ));
        }
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let client_id =
        env("FORTNOX_CLIENT_ID").or(raw.client_id).unwrap_or_else(|| "fortnox-bridge".to_owned());
    // An empty key is no tenant id, as an empty variable is.
    let tenant_id = env("FORTNOX_TENANT_ID").or(raw.tenant_id.filter(|t| !t.trim().is_empty()));
    let client_secret = match env("FORTNOX_CLIENT_SECRET") {
        Some(secret) => secret,
        None if target == Target::Live => {
            return Err(Problem::new(
                &["fortnox", "target"],
                "[fortnox] target = \"live\" needs the client secret in the environment \
                 (hint: set FORTNOX_CLIENT_SECRET for the service)",
            ));
        }
        None => "sandbox-secret".to_owned(),
    };
    let pace = raw.pace.unwrap_or(true);
    if !pace && target == Target::Live {
        return Err(Problem::new(
            &["fortnox", "pace"],
            "[fortnox] pace = false is only for a sandbox without rate limit; Fortnox itself \
             answers 429 above 25 requests per 5 seconds (hint: remove `pace` with target = \
             \"live\")",
        ));
    }
    let auth = choose(
        "fortnox",
        "auth",
        raw.auth.as_deref(),
        AuthMethod::ClientCredentials,
        &[
            ("client_credentials", AuthMethod::ClientCredentials),
            ("authorization_code", AuthMethod::AuthorizationCode),
        ],
    )?;
    let redirect_uri = raw.redirect_uri.unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_owned());
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
    if !loopback.iter().any(|p| redirect_uri.starts_with(p)) {
        return Err(Problem::new(
            &["fortnox", "redirect_uri"],
            format!(
                "[fortnox] redirect_uri `{redirect_uri}` is not a loopback http URL with a \
                 port (hint: e.g. \"{DEFAULT_REDIRECT_URI}\")"
            ),
        ));
    }
    // Every feature's scopes by default: a scope added later costs the company a new consent,
    // and any inbox may be handed an order export.
    let scopes = raw.scopes.unwrap_or_else(|| {
        use crate::fortnox::connect::{Feature, scopes_for};
        let mut features = vec![Feature::Vouchers, Feature::Orders, Feature::Invoices];
        if attach_file {
            features.push(Feature::Attachments);
        }
        scopes_for(&features)
    });
    let allowed_org_numbers = raw.allowed_org_numbers.unwrap_or_default();
    if let Some((i, bad)) =
        allowed_org_numbers.iter().enumerate().find(|(_, n)| !crate::org_number::is_well_formed(n))
    {
        return Err(Problem::new(
            &["fortnox", "allowed_org_numbers", &i.to_string()],
            format!(
                "[fortnox] allowed_org_numbers: `{bad}` is not an organisation number (hint: \
                 10 or 12 digits, dashes allowed, as Fortnox shows it, e.g. \"556677-8899\")"
            ),
        ));
    }
    let token_file = at(raw.token_file, "fortnox-tokens.bin");
    let key_file = raw.key_file.map_or_else(
        || {
            let mut name = token_file.as_os_str().to_owned();
            name.push(".key");
            PathBuf::from(name)
        },
        |p| at(Some(p), ""),
    );
    Ok(FortnoxConfig {
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
        allowed_org_numbers,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

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
            [
                "companyinformation",
                "bookkeeping",
                "settings",
                "costcenter",
                "project",
                "order",
                "customer",
                "article",
                "invoice",
                "inbox"
            ]
        );
        let err =
            |text: &str| Config::from_toml_str(text, Path::new("/x")).err().unwrap_or_default();
        assert_eq!(
            err("[fortnox]\nauth = \"magic\"\n"),
            "line 2: [fortnox] auth = \"magic\" is not one of \"client_credentials\", \
             \"authorization_code\""
        );
        assert!(
            err("[fortnox]\nredirect_uri = \"https://evil.example/cb\"\n").contains("loopback")
        );
    }

    #[test]
    fn allowed_org_numbers_are_checked_and_a_bad_one_is_placed_on_its_line() {
        let text = "[fortnox]\nallowed_org_numbers = [\"556677-8899\", \"197702167508\"]\n";
        let config = Config::from_toml_str(text, Path::new("/x")).expect("valid");
        assert_eq!(config.fortnox.allowed_org_numbers, ["556677-8899", "197702167508"]);
        let none = Config::from_toml_str("", Path::new("/x")).expect("valid");
        assert!(none.fortnox.allowed_org_numbers.is_empty());
        let err =
            |text: &str| Config::from_toml_str(text, Path::new("/x")).err().unwrap_or_default();
        assert_eq!(
            err("[fortnox]\ntarget = \"sandbox\"\nallowed_org_numbers = [\n  \"556677-8899\",\n  \
                 \"55667-889\",\n]\n"),
            "line 5: [fortnox] allowed_org_numbers: `55667-889` is not an organisation number \
             (hint: 10 or 12 digits, dashes allowed, as Fortnox shows it, e.g. \"556677-8899\")"
        );
        assert!(
            err("[fortnox]\nallowed_org_numbers = [\"556677 8899\"]\n").starts_with("line 2: ")
        );
        assert!(err("[fortnox]\nallowed_org_numbers = [\"SE556677889901\"]\n").contains("`SE55"));
    }
}
