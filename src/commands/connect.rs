//! `connect`: authorizes fortnox-bridge with a Fortnox company through the consent page (OAuth2
//! authorization code). With `auth = "authorization_code"` the token pair is stored encrypted
//! beside the configuration; with `auth = "client_credentials"` (the default) an administrator
//! consents for the company's service account once, and the command prints the tenant id the
//! service signs in with (nothing is stored).

use anyhow::{Context, Result};

use fortnox_bridge::config::{AuthMethod, Config, Target};
use fortnox_bridge::fortnox::connect::{Grant, connect as authorize};
use fortnox_bridge::fortnox::{Credentials, Endpoints, TokenStore};
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};

/// Set to any value to print the consent address without opening a browser.
const NO_BROWSER_ENV: &str = "FORTNOX_BRIDGE_NO_BROWSER";

pub async fn connect(config: &Config) -> Result<bool> {
    let f = &config.fortnox;
    let mut sandbox = None;
    let endpoints = match &f.target {
        Target::Live => Endpoints::live(),
        Target::Url(url) => Endpoints::for_base(url),
        Target::EmbeddedSandbox => {
            let started = Sandbox::start(SandboxOptions {
                listen: config.sandbox.listen,
                data: config.sandbox.data.clone(),
                ..SandboxOptions::default()
            })
            .await
            .context("starting the embedded sandbox")?;
            let endpoints = Endpoints::for_base(&started.base_url());
            sandbox = Some(started);
            endpoints
        }
    };
    let credentials = Credentials {
        client_id: f.client_id.clone(),
        client_secret: f.client_secret.clone(),
        tenant_id: None,
    };
    // A service account's consent needs no stored pair: the exchange only proves it and reads
    // the company (its tenant id), with tokens in scratch files removed afterwards.
    let (grant, store) = match f.auth {
        AuthMethod::AuthorizationCode => (Grant::User, TokenStore::new(&f.token_file, &f.key_file)),
        AuthMethod::ClientCredentials => {
            let scratch = |ext| f.token_file.with_extension(ext);
            (Grant::ServiceAccount, TokenStore::new(scratch("consent"), scratch("consent.key")))
        }
    };
    let connected =
        authorize(&endpoints, &credentials, &store, &f.redirect_uri, &f.scopes, grant, |url| {
            println!(
                "Open this address in a browser, log in as a Fortnox administrator and approve:"
            );
            println!();
            println!("  {url}");
            println!();
            println!("Waiting for the answer (10 minutes at most)...");
            if std::env::var_os(NO_BROWSER_ENV).is_none() {
                open_browser(url);
            }
        })
        .await;
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    if grant == Grant::ServiceAccount {
        store.remove();
    }
    let connected = connected?;
    match &connected.company {
        Some(c) => println!(
            "connected to {} (organisation number {}, tenant id {})",
            c.company_name,
            c.organization_number.as_deref().unwrap_or("?"),
            c.database_number.map_or_else(|| "?".to_owned(), |n| n.to_string())
        ),
        None => println!("connected (the company could not be read with the granted scopes)"),
    }
    println!("scopes: {}", connected.scope);
    if grant == Grant::ServiceAccount {
        let tenant = connected.company.as_ref().and_then(|c| c.database_number);
        let tenant =
            tenant.map_or_else(|| "<the company's database number>".to_owned(), |n| n.to_string());
        println!(
            "the company's service account is consented; the service signs in with client credentials:"
        );
        println!("  set FORTNOX_TENANT_ID={tenant} (or tenant_id = \"{tenant}\" under [fortnox]),");
        println!("  FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET in the service's environment");
        return Ok(true);
    }
    let until = chrono::DateTime::from_timestamp(connected.refresh_expires_at, 0)
        .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string());
    println!("tokens: {} (encrypted; key {})", f.token_file.display(), f.key_file.display());
    println!("the service renews the connection on every use; unused, it lapses on {until}");
    Ok(true)
}

/// Best effort: the address is printed anyway.
fn open_browser(url: &str) {
    let mut command = if cfg!(windows) {
        let mut c = std::process::Command::new("rundll32");
        c.args(["url.dll,FileProtocolHandler", url]);
        c
    } else if cfg!(target_os = "macos") {
        let mut c = std::process::Command::new("open");
        c.arg(url);
        c
    } else {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(url);
        c
    };
    let _ = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
