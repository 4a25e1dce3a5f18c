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
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    pub fail_rate: f64,
    /// Delay added to every response.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Requests allowed per 5 seconds per tenant; 0 turns the limit off.
    #[arg(long, default_value_t = 25)]
    pub rate_limit: u32,
    /// Share of successful writes that are committed and then answered by dropping the
    /// connection (0.0-1.0).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    pub drop_after_commit_rate: f64,
    /// Share of successful writes that are committed and then answered with a 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    pub fail_after_commit_rate: f64,
    /// Lifetime of access tokens in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime_secs: u64,
    /// The sandbox's "today" (YYYY-MM-DD): financial years are seeded around it.
    #[arg(long)]
    pub today: Option<chrono::NaiveDate>,
    /// Load the chart of accounts (`#KONTO`) of this SIE file into every financial year, and
    /// its cost centres and projects (`#OBJEKT` of dimensions 1 and 6).
    #[arg(long)]
    pub chart: Option<PathBuf>,
}

/// A share from 0.0 to 1.0 (a rate option), refused otherwise instead of quietly clamped.
fn share(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not a share from 0.0 to 1.0 (0.2 is one request in five)"))
    }
}

/// What a SIE file declares of a company's chart: its four-digit accounts (the ones Fortnox can
/// hold), and its cost centres and projects (objects of dimensions 1 and 6).
#[derive(Debug)]
struct Chart {
    accounts: Vec<(String, String)>,
    cost_centers: Vec<(String, String)>,
    projects: Vec<(String, String)>,
}

fn chart_of(path: &std::path::Path) -> Result<Chart> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let file = fortnox_bridge::parse::sie::parse(
        &bytes,
        &fortnox_bridge::parse::sie::ParseOptions::default(),
    );
    let of_dimension = |d: &str| -> Vec<(String, String)> {
        let objects = file.objects.iter().filter(|o| o.dimension == d);
        objects.map(|o| (o.object.clone(), o.name.clone())).collect()
    };
    let (cost_centers, projects) = (of_dimension("1"), of_dimension("6"));
    let accounts: Vec<(String, String)> = file
        .accounts
        .into_iter()
        .filter(|a| a.number.len() == 4 && a.number.bytes().all(|b| b.is_ascii_digit()))
        .map(|a| (a.number, a.name))
        .collect();
    anyhow::ensure!(
        !accounts.is_empty(),
        "{}: no #KONTO records with four-digit accounts (hint: use a SIE export that carries the chart of accounts)",
        path.display()
    );
    Ok(Chart { accounts, cost_centers, projects })
}

pub async fn sandbox(args: SandboxArgs) -> Result<()> {
    let mut options = SandboxOptions {
        listen: args.listen,
        data: args.data,
        fail_rate: args.fail_rate,
        latency: Duration::from_millis(args.latency_ms),
        rate_limit: (args.rate_limit > 0).then(|| (args.rate_limit, Duration::from_secs(5))),
        drop_after_commit_rate: args.drop_after_commit_rate,
        fail_after_commit_rate: args.fail_after_commit_rate,
        access_token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
        ..SandboxOptions::default()
    };
    if let Some(today) = args.today {
        options.today = today;
    }
    let chart = args.chart.as_deref().map(chart_of).transpose()?;
    let sandbox = Sandbox::start(options).await.context("starting the sandbox")?;
    if let (Some(chart), Some(path)) = (chart, &args.chart) {
        let loaded =
            sandbox.load_chart(&chart.accounts).await.context("loading the chart of accounts")?;
        let objects = sandbox
            .load_objects(&chart.cost_centers, &chart.projects)
            .await
            .context("loading the cost centres and projects")?;
        println!(
            "loaded {loaded} accounts, {} cost centres and {} projects from {}",
            objects.0,
            objects.1,
            path.display()
        );
    }
    println!("Fortnox sandbox listening on {}", sandbox.base_url());
    println!(
        "token: POST {}/oauth-v1/token (any client id/secret, client_credentials)",
        sandbox.base_url()
    );
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sandbox.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_comes_from_the_konto_records() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sie/kassa-2026-10.si");
        let chart = chart_of(&path).expect("chart");
        assert_eq!(chart.accounts.len(), 8);
        let rounding = ("3740".to_owned(), "Öres- och kronutjämning".to_owned());
        assert!(chart.accounts.contains(&rounding));
        let none =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sie/inkop-2026-11.si");
        assert!(chart_of(&none).unwrap_err().to_string().contains("no #KONTO"));
    }

    #[test]
    fn a_rate_is_a_share_from_0_to_1_or_refused() {
        assert_eq!(share("0.2"), Ok(0.2));
        assert_eq!(share("1"), Ok(1.0));
        assert!(share("2").is_err_and(|e| e.contains("not a share from 0.0 to 1.0")));
        assert!(share("-0.1").is_err() && share("x").is_err());
    }
}
