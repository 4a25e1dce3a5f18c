//! End-to-end throughput and footprint of the bridge (issue 5's targets), measured against a
//! baseline in the same run.
//!
//! 1. Batch: N one-voucher SIE files dropped at once, `fortnox-bridge run --once` against the
//!    sandbox (rate limit off): files/s from claim to archived, and the process's peak RSS, for
//!    two batch sizes (memory must not grow with the batch). Baseline: the same N vouchers
//!    POSTed straight to the sandbox by one HTTP client (no files, no ledger, no archive).
//!    Target: at least 300 files/s with durable state.
//! 2. Idle: the service watching 3 folders with 10,000 archived files: CPU share and RSS over
//!    a quiet period. Targets: under 1 % CPU, under 30 MB RSS.
//!
//! `cargo bench --bench pipeline`; `BENCH_FILES=2000` sets the large batch, `BENCH_IDLE_SECS`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};

/// Counters as floats for printing (exact far beyond any figure here).
#[allow(clippy::cast_precision_loss)]
fn float(v: u64) -> f64 {
    v as f64
}

/// KiB → MB for printing.
fn mb(kib: u64) -> f64 {
    float(kib) / 1024.0
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn voucher_file(i: usize) -> String {
    let day = 1 + i % 28;
    format!(
        "#FLAGGA 0\r\n#PROGRAM \"Bench\" 1\r\n#SIETYP 4\r\n#FNAMN \"Bench AB\"\r\n\
         #VER \"\" \"\" 202610{day:02} \"Dagskassa {i}\"\r\n{{\r\n#TRANS 1910 {{}} {}.50\r\n\
         #TRANS 3001 {{}} -{}.50\r\n}}\r\n",
        100 + i,
        100 + i
    )
}

fn write_config(dir: &Path, base_url: &str, extra_inboxes: &str) {
    let text = format!(
        "[fortnox]\ntarget = \"{base_url}\"\npace = false\n[watch]\nstable_ms = 100\nrescan_secs = 60\n{extra_inboxes}"
    );
    std::fs::write(dir.join("fortnox-bridge.toml"), text).expect("config");
}

/// Peak RSS (VmHWM) and CPU ticks of a running process, from /proc.
fn proc_stats(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((hwm, ticks))
}

fn bridge(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fortnox-bridge"))
        .args(args)
        .current_dir(dir)
        .env("FORTNOX_BRIDGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("bridge starts")
}

/// Runs `run --once` on `n` files; returns (seconds, peak RSS in KiB).
async fn batch(n: usize) -> (f64, u64) {
    let sandbox = sandbox().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    write_config(tmp.path(), &sandbox.base_url(), "");
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    for i in 0..n {
        std::fs::write(inbox.join(format!("z-{i:05}.si")), voucher_file(i)).expect("write");
    }
    let started = Instant::now();
    let mut child = bridge(tmp.path(), &["run", "--once"]);
    let mut peak = 0;
    loop {
        if let Some((hwm, _)) = proc_stats(child.id()) {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "run --once failed: {status}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let done = std::fs::read_dir(tmp.path().join("done"))
        .expect("done")
        .flatten()
        .map(|day| std::fs::read_dir(day.path()).map_or(0, Iterator::count))
        .sum::<usize>();
    assert_eq!(done, n, "every file archived");
    sandbox.stop().await;
    (secs, peak)
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
        rate_limit: None,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox")
}

/// The baseline: the same vouchers POSTed straight to the sandbox, one after the other.
async fn direct_posts(n: usize) -> f64 {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let token: serde_json::Value = http
        .post(format!("{base}/oauth-v1/token"))
        .basic_auth("bench", Some("bench"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["access_token"].as_str().expect("token").to_owned();
    let started = Instant::now();
    for i in 0..n {
        let body = serde_json::json!({"Voucher": {
            "Description": format!("Dagskassa {i}"), "TransactionDate": format!("2026-10-{:02}", 1 + i % 28),
            "VoucherSeries": "A", "VoucherRows": [
                {"Account": 1910, "Debit": format!("{}.50", 100 + i), "Credit": 0},
                {"Account": 3001, "Debit": 0, "Credit": format!("{}.50", 100 + i)}]}});
        let response = http
            .post(format!("{base}/3/vouchers?financialyear=2"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("post");
        assert!(response.status().is_success(), "{}", response.text().await.unwrap_or_default());
    }
    let secs = started.elapsed().as_secs_f64();
    sandbox.stop().await;
    secs
}

/// The service idling over 3 inboxes with `archived` files in done/.
async fn idle(archived: usize, quiet: Duration) -> (f64, u64) {
    let sandbox = sandbox().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    write_config(
        tmp.path(),
        &sandbox.base_url(),
        "[[inboxes]]\npath = \"kassa2\"\n[[inboxes]]\npath = \"kassa3\"\n",
    );
    let day = tmp.path().join("done").join("2026-11-21");
    std::fs::create_dir_all(&day).expect("done");
    for i in 0..archived {
        std::fs::write(day.join(format!("z-{i:05}.si")), voucher_file(i)).expect("write");
    }
    let mut child = bridge(tmp.path(), &["run"]);
    tokio::time::sleep(Duration::from_secs(2)).await; // start-up is not idling
    let (_, ticks_before) = proc_stats(child.id()).expect("stats");
    tokio::time::sleep(quiet).await;
    let (hwm, ticks_after) = proc_stats(child.id()).expect("stats");
    let _ = child.kill();
    let _ = child.wait();
    sandbox.stop().await;
    // Linux reports CPU time in clock ticks of 1/100 s.
    let cpu = float(ticks_after - ticks_before) / 100.0 / quiet.as_secs_f64() * 100.0;
    (cpu, hwm)
}

#[tokio::main]
async fn main() {
    let large = env_usize("BENCH_FILES", 2000);
    let small = (large / 4).max(1);
    let quiet = Duration::from_secs(u64::try_from(env_usize("BENCH_IDLE_SECS", 10)).unwrap_or(10));

    #[allow(clippy::cast_precision_loss)]
    let rate = |n: usize, secs: f64| n as f64 / secs;
    let base_secs = direct_posts(large).await;
    let (small_secs, small_rss) = batch(small).await;
    let (large_secs, large_rss) = batch(large).await;
    let base_rate = rate(large, base_secs);
    let large_rate = rate(large, large_secs);
    println!(
        "baseline: {large} vouchers POSTed straight to the sandbox: {base_rate:.0} vouchers/s"
    );
    println!(
        "bridge:   {small} files: {:.0} files/s, peak RSS {:.1} MB",
        rate(small, small_secs),
        mb(small_rss)
    );
    println!(
        "bridge:   {large} files: {large_rate:.0} files/s (target >= 300), peak RSS {:.1} MB",
        mb(large_rss)
    );
    // The batch times include start-up (process, ledger, token, the first stability window);
    // the difference between the two batches cancels it: the rate per additional file.
    let marginal = rate(large - small, (large_secs - small_secs).max(f64::EPSILON));
    println!(
        "bridge:   marginal {marginal:.0} files/s ({small} → {large} files, start-up cancelled)"
    );
    println!(
        "ratios:   bridge / direct POSTs = {:.2} (marginal {:.2}); peak RSS {large} files / {small} \
         files = {:.2}",
        large_rate / base_rate,
        marginal / base_rate,
        mb(large_rss) / mb(small_rss.max(1))
    );
    let (cpu, rss) = idle(10_000, quiet).await;
    println!(
        "idle:     3 inboxes, 10000 archived files, {}s: CPU {cpu:.2} % (target < 1 %), peak RSS {:.1} MB (target < 30 MB)",
        quiet.as_secs(),
        mb(rss)
    );
}
