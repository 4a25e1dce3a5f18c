//! Golden files for SIE → Fortnox conversion. Every `fixtures/sie/*.si` and
//! `fixtures/sie/invalid/*.si` goes through the real binary, `fortnox-bridge convert` with a
//! fixed series mapping, and its output is compared with committed files in
//! `fixtures/sie/golden/`: `<name>.jsonl` (the exact request bodies, one JSON line per voucher)
//! and `<name>.diagnostics.txt` (warnings and errors, e.g. cut texts and rejected rows); files
//! under `invalid/` are named `invalid-<name>`. `check --json` over all of them is compared with
//! `check.jsonl`. Run with `BLESS=1` to rewrite the changed golden files; that run fails listing
//! what it wrote, so review `git diff fixtures/sie/golden` and rerun without it. A golden file
//! that no fixture produces any more fails the test.
//!
//! Independent of the golden content, every request body must respect Fortnox's limits:
//! balanced rows, four-digit accounts, texts within 200/100 characters, at most two decimals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use rust_decimal::Decimal;
use serde_json::Value;

#[path = "support/golden.rs"]
mod golden_support;
use golden_support::Goldens;

/// The series mapping the golden files were made with: `K` → `F`, `L` → `D`, empty → `A`,
/// anything else kept.
const CONFIG: &str = "[sie]\ndefault_series = \"A\"\n\n[sie.series]\nK = \"F\"\nL = \"D\"\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("fixtures/sie/golden")
}

/// `(golden name, path relative to the repository)` of every SIE fixture, sorted.
fn inputs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (dir, prefix) in [("fixtures/sie", ""), ("fixtures/sie/invalid", "invalid-")] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
            if matches!(ext.as_deref(), Some("si" | "se")) {
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                out.push((format!("{prefix}{stem}"), format!("{dir}/{file}")));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 6, "fixtures missing: {out:?}");
    out
}

/// Runs the binary from the repository root with the golden config; returns stdout, stderr.
fn run(args: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fortnox-bridge.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fortnox-bridge"))
        .current_dir(root())
        .arg(args[0])
        .arg("--config")
        .arg(&config)
        .args(&args[1..])
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn decimal(v: &Value) -> Decimal {
    v.to_string().parse().unwrap_or_else(|_| panic!("not a number: {v}"))
}

/// Fortnox's rules, checked on one request body.
fn check_body(source: &str, body: &Value) {
    let v = &body["Voucher"];
    let description = v["Description"].as_str().unwrap();
    assert!(!description.is_empty() && description.chars().count() <= 200, "{source}");
    let rows = v["VoucherRows"].as_array().unwrap();
    assert!(!rows.is_empty(), "{source}");
    let (mut debit, mut credit) = (Decimal::ZERO, Decimal::ZERO);
    for row in rows {
        let account = row["Account"].as_u64().unwrap();
        assert!((1000..=9999).contains(&account), "{source}: account {account}");
        let (d, c) = (decimal(&row["Debit"]), decimal(&row["Credit"]));
        assert!(d.normalize().scale() <= 2 && c.normalize().scale() <= 2, "{source}");
        assert!(d.is_zero() != c.is_zero(), "{source}: one side per row");
        debit += d;
        credit += c;
        if let Some(text) = row.get("TransactionInformation") {
            assert!(text.as_str().unwrap().chars().count() <= 100, "{source}");
        }
    }
    assert_eq!(debit, credit, "{source}: unbalanced request");
}

#[test]
fn convert_output_matches_golden_files() {
    let mut goldens = Goldens::from_env();
    for (name, path) in inputs() {
        let (stdout, stderr) = run(&["convert", &path]);
        for line in stdout.lines() {
            let value: Value = serde_json::from_str(line).unwrap();
            check_body(value["source"].as_str().unwrap(), &value["body"]);
        }
        if name.starts_with("invalid-") {
            assert!(stdout.is_empty(), "{path}: a rejected file must give no request");
            assert!(stderr.contains("error: "), "{path}: {stderr}");
        } else {
            assert!(!stdout.is_empty() && !stderr.contains("error: "), "{path}: {stderr}");
        }
        goldens.compare(&golden_dir().join(format!("{name}.jsonl")), &stdout);
        goldens.compare(&golden_dir().join(format!("{name}.diagnostics.txt")), &stderr);
    }
    // `check.jsonl` belongs to `check_json_matches_golden_file`.
    goldens.finish(&golden_dir(), |p| !p.ends_with("check.jsonl"));
}

/// A file `check` cannot read is that file's error: the others are still checked, and the
/// exit code says a file had errors.
#[test]
fn check_goes_on_past_a_file_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fortnox-bridge.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let good = inputs().into_iter().find(|(n, _)| !n.starts_with("invalid-")).unwrap().1;
    let out = Command::new(env!("CARGO_BIN_EXE_fortnox-bridge"))
        .current_dir(root())
        .args(["check", "--config"])
        .arg(&config)
        .args(["--json", "missing.se", &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let message = lines[0]["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("cannot read the file: "), "{message}");
    assert_eq!(lines[1]["errors"].as_array().map(Vec::len), Some(0), "{:?}", lines[1]);
}

#[test]
fn check_json_matches_golden_file() {
    let paths: Vec<String> = inputs().into_iter().map(|(_, path)| path).collect();
    let mut args = vec!["check", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let (stdout, _) = run(&args);
    assert_eq!(stdout.lines().count(), paths.len());
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for key in ["file", "kind", "sie_type", "encoding", "vouchers", "documents", "rows"] {
            assert!(!v[key].is_null(), "{key} missing in {line}");
        }
        let debit = v["debit_total"].as_str().unwrap();
        assert_eq!(debit.split_once('.').map(|(_, d)| d.len()), Some(2), "{debit}");
        for list in ["errors", "warnings"] {
            for d in v[list].as_array().unwrap() {
                assert!(d["message"].is_string() && d.get("line").is_some(), "{d}");
            }
        }
    }
    let mut goldens = Goldens::from_env();
    goldens.compare(&golden_dir().join("check.jsonl"), &stdout);
    goldens.finish(&golden_dir(), |p| p.ends_with("check.jsonl"));
}
