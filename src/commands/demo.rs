//! `demo [DIR]`: a fresh workspace with sample files, the service run once against the embedded
//! sandbox, and what was posted (read back from the sandbox's API).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use fortnox_bridge::config::Config;
use fortnox_bridge::fortnox::{Client, Credentials};
use fortnox_bridge::ledger::{DocState, Ledger};
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};
use fortnox_bridge::service;

/// The sample inputs, embedded so the demo works from any directory.
const SAMPLES: &[(&str, &[u8])] = &[
    ("kassa-2026-10.si", include_bytes!("../../fixtures/sie/kassa-2026-10.si")),
    ("inkop-2026-11.si", include_bytes!("../../fixtures/sie/inkop-2026-11.si")),
    ("kassa-trasig.si", include_bytes!("../../fixtures/sie/invalid/kassa-trasig.si")),
    ("z-2026-11-02.json", include_bytes!("../../fixtures/zreport/cafe-och-bar-2026-11-02.json")),
    ("webbshop-2026-11-20.csv", include_bytes!("../../fixtures/orders/webbshop-2026-11-20.csv")),
];

/// The sandbox's "today" for the demo, so the samples' dates always fall in open years.
const DEMO_TODAY: (i32, u32, u32) = (2026, 11, 21);

const DEMO_CONFIG: &str = "\
# fortnox-bridge demo workspace (see `fortnox-bridge init` for every key)
[fortnox]
target = \"sandbox\"

[sie]
# The till's K series is booked in Fortnox series F \"Kassa\"; unnumbered vouchers go to A.
default_series = \"A\"
series = { K = \"F\" }

[orders]
# Each web-shop order becomes a Fortnox order and an invoice made from it.
create = \"order+invoice\"

[watch]
stable_ms = 200
";

pub async fn demo(dir: Option<PathBuf>) -> Result<bool> {
    let dir = match dir {
        Some(d) => d,
        None => std::env::temp_dir()
            .join(format!("fortnox-bridge-demo-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"))),
    };
    let config_path = write_workspace(&dir)?;
    let config = Config::load(&config_path)?;
    let (y, m, d) = DEMO_TODAY;
    let options = SandboxOptions {
        listen: config.sandbox.listen,
        data: config.sandbox.data.clone(),
        today: chrono::NaiveDate::from_ymd_opt(y, m, d).context("demo date")?,
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(options).await.context("starting the embedded sandbox")?;
    let client = || {
        Client::new(
            &sandbox.base_url(),
            Credentials {
                client_id: config.fortnox.client_id.clone(),
                client_secret: config.fortnox.client_secret.clone(),
                tenant_id: None,
            },
        )
    };
    println!("workspace: {}", dir.display());
    println!("sandbox:   {} (embedded, loopback only)", sandbox.base_url());
    println!("inbox:     {} sample files\n", SAMPLES.len());
    let lock = service::lock(&config)?;
    let report = service::run(config.clone(), client(), true, lock).await?;

    let ledger = Ledger::open(&config.folders.state)?;
    let posted = ledger.with_conn(|c| {
        let mut stmt = c.prepare(
            "SELECT d.fortnox_series, d.fortnox_number, d.year, d.label, f.name, d.line
             FROM documents d JOIN files f ON f.id = d.file_id
             WHERE d.state = ?1 ORDER BY d.fortnox_series, d.fortnox_number",
        )?;
        stmt.query_map([DocState::Posted.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    println!("posted to Fortnox (read back from the sandbox's API):");
    let api = client();
    let mut vouchers = 0;
    for (series, number, year, label, file, line) in &posted {
        if series == "order" || series == "invoice" {
            let n = number.to_string();
            let exists = if series == "order" {
                api.order(&n).await?.is_some()
            } else {
                api.invoice(&n).await?.is_some()
            };
            anyhow::ensure!(exists, "{series} {number} is missing in the sandbox");
            println!("  {series:<7} {number:<4} {label:<52}  from {file}:{line}");
            continue;
        }
        vouchers += 1;
        let found = api
            .voucher(series, u64::try_from(*number)?, u64::try_from(*year)?)
            .await
            .with_context(|| format!("reading voucher {series} {number} back"))?
            .with_context(|| format!("voucher {series} {number} is missing in the sandbox"))?;
        println!(
            "  voucher {series} {number:<4} {}  {:<40}  from {file}:{line} ({label})",
            found.transaction_date, found.description
        );
    }
    println!();
    for path in &report.done {
        println!("done:   {}", display_in(&dir, path));
    }
    for path in &report.failed {
        println!("failed: {}", display_in(&dir, path));
        let report_path = PathBuf::from(format!("{}.error.txt", path.display()));
        if let Ok(text) = std::fs::read_to_string(&report_path) {
            for line in text.lines().filter(|l| l.starts_with("  ")) {
                println!("      {}", line.trim());
            }
        }
    }
    sandbox.stop().await;
    let expected = report.failed.len() == 1 && report.done.len() == SAMPLES.len() - 1;
    println!(
        "\n{vouchers} vouchers and {} orders/invoices posted, {} files done, {} failed (the \
         broken sample is meant to fail).",
        posted.len() - vouchers,
        report.done.len(),
        report.failed.len()
    );
    Ok(expected && report.waiting == 0)
}

/// Writes the demo's own configuration and samples into `dir`, which must be new or empty:
/// the demo never runs with someone's configuration or ledger (a `target = "live"` there
/// would post the samples into a real company).
fn write_workspace(dir: &Path) -> Result<PathBuf> {
    let used = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    anyhow::ensure!(
        !used,
        "{}: the folder is not empty; the demo makes a fresh workspace of its own and never \
         runs with an existing configuration or ledger (hint: name a new or empty folder, or \
         run `fortnox-bridge demo` without one for a temporary folder)",
        dir.display()
    );
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox)
        .with_context(|| format!("{}: cannot create", inbox.display()))?;
    let config_path = dir.join(fortnox_bridge::config::FILE_NAME);
    std::fs::write(&config_path, DEMO_CONFIG)
        .with_context(|| format!("{}: cannot write", config_path.display()))?;
    for (name, bytes) in SAMPLES {
        std::fs::write(inbox.join(name), bytes)
            .with_context(|| format!("{}: cannot write", inbox.join(name).display()))?;
    }
    Ok(config_path)
}

fn display_in(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
