//! Rate-limit benchmark: the client against the sandbox with Fortnox's limit (25 requests per
//! sliding 5 s) for a while (default 120 s; `RATE_LIMIT_BENCH_SECS` overrides), with several
//! tasks sharing one client. Prints the achieved rate, the allowed rate, their ratio (target
//! >= 95%) and the number of 429 answers (target 0). Exits 1 if a target is missed.
//!
//! Run: `cargo bench --bench rate_limit` (or `RATE_LIMIT_BENCH_SECS=20 cargo bench --bench rate_limit`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use fortnox_bridge::fortnox::{Client, Credentials};
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};

const WORKERS: usize = 4;

async fn bench(seconds: u64) -> Result<bool, String> {
    let options = SandboxOptions {
        listen: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
        ..SandboxOptions::default()
    };
    let (limit, window) = options.rate_limit.ok_or("the sandbox has no rate limit")?;
    let sandbox = Sandbox::start(options).await.map_err(|e| e.to_string())?;
    let client = Client::new(
        &sandbox.base_url(),
        Credentials {
            client_id: "rate-bench".into(),
            client_secret: "bench-secret".into(),
            tenant_id: None,
        },
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..WORKERS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut failures = 0_u64;
            while Instant::now() < deadline {
                if client.locked_period().await.is_err() {
                    failures += 1;
                }
            }
            failures
        }));
    }
    let mut failures = 0;
    for task in tasks {
        failures += task.await.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = client.stats();
    sandbox.stop().await;

    let allowed = f64::from(limit) / window.as_secs_f64();
    // u64 -> f64 is exact for any realistic count.
    #[allow(clippy::cast_precision_loss)]
    let achieved = stats.answered as f64 / elapsed;
    let ratio = achieved / allowed;
    println!("rate_limit: {WORKERS} tasks sharing one client for {elapsed:.1} s");
    println!("  requests answered   {}", stats.answered);
    println!("  achieved rate       {achieved:.3} requests/s");
    println!("  allowed rate        {allowed:.3} requests/s ({limit} per {window:?} sliding)");
    println!("  ratio               {:.1} % (target >= 95 %)", ratio * 100.0);
    println!("  429 answers         {} (target 0)", stats.rate_limited);
    println!("  failed calls        {failures}");
    Ok(ratio >= 0.95 && stats.rate_limited == 0 && failures == 0)
}

fn main() -> ExitCode {
    let seconds =
        std::env::var("RATE_LIMIT_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(120);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(bench(seconds)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("rate_limit: TARGET MISSED");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("rate_limit: {e}");
            ExitCode::from(2)
        }
    }
}
