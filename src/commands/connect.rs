//! `connect`: authorizes fortnox-bridge with a Fortnox company through the consent page (OAuth2
//! authorization code) and stores the token pair encrypted beside the configuration.

use anyhow::{Context, Result};

use fortnox_bridge::config::{AuthMethod, Config, Target};
use fortnox_bridge::fortnox::connect::connect as authorize;
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
    if f.auth != AuthMethod::AuthorizationCode {
        eprintln!(
            "note: [fortnox] auth is not \"authorization_code\"; the service will keep using \
             client credentials until you set it"
        );
    }
    let credentials = Credentials {
        client_id: f.client_id.clone(),
        client_secret: f.client_secret.clone(),
        tenant_id: None,
    };
    let store = TokenStore::new(&f.token_file, &f.key_file);
    let connected =
        authorize(&endpoints, &credentials, &store, &f.redirect_uri, &f.scopes, |url| {
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
    let until = chrono::DateTime::from_timestamp(connected.refresh_expires_at, 0)
        .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string());
    println!("scopes: {}", connected.scope);
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
