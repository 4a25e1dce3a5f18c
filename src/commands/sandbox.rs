//! `sandbox`: the Fortnox-compatible sandbox server on its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// SQLite file that keeps the sandbox's data across restarts (default: in memory).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Share of API requests answered with a 500 error (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Delay added to every response.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Requests allowed per 5 seconds per tenant; 0 turns the limit off.
    #[arg(long, default_value_t = 25)]
    pub rate_limit: u32,
    /// Share of successful writes that are committed and then answered by dropping the
    /// connection (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub drop_after_commit_rate: f64,
    /// Lifetime of access tokens in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime_secs: u64,
    /// The sandbox's "today" (YYYY-MM-DD): financial years are seeded around it.
    #[arg(long)]
    pub today: Option<chrono::NaiveDate>,
}

pub async fn sandbox(args: SandboxArgs) -> Result<()> {
    let mut options = SandboxOptions {
        listen: args.listen,
        data: args.data,
        fail_rate: args.fail_rate.clamp(0.0, 1.0),
        latency: Duration::from_millis(args.latency_ms),
        rate_limit: (args.rate_limit > 0).then(|| (args.rate_limit, Duration::from_secs(5))),
        drop_after_commit_rate: args.drop_after_commit_rate.clamp(0.0, 1.0),
        access_token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
        ..SandboxOptions::default()
    };
    if let Some(today) = args.today {
        options.today = today;
    }
    let sandbox = Sandbox::start(options).await.context("starting the sandbox")?;
    println!("Fortnox sandbox listening on {}", sandbox.base_url());
    println!(
        "token: POST {}/oauth-v1/token (any client id/secret, client_credentials)",
        sandbox.base_url()
    );
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sandbox.stop().await;
    Ok(())
}
