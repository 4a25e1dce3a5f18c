//! Golden files: every fixture under `fixtures/zreport/` and `fixtures/orders/` (and their
//! `invalid/` folders) converted to the documents the ledger stores (or the exact error text),
//! compared with `tests/golden/<kind>/<name>.json`: a Z-report's exact voucher body, an order's
//! whole plan (the order or invoice body plus how its customer and articles are found, which
//! `convert` prints beside the body).
//!
//! A fixture `NAME.csv` may have configuration beside it: `NAME.toml` (used for `NAME`) and
//! `NAME@VARIANT.toml` (each gives one more golden file, `NAME@VARIANT.json`), so every option
//! has its own snapshot. Run with `BLESS=1` to write the changed golden files after a reviewed
//! change; that run fails listing what it wrote, so review `git diff tests/golden` and rerun
//! without it. A golden file that no fixture produces any more fails the test.

use std::path::{Path, PathBuf};

use fortnox_bridge::config::Config;
use fortnox_bridge::convert::convert_file;
use fortnox_bridge::detect::Kind;
use serde_json::json;

#[path = "support/golden.rs"]
mod golden_support;
use golden_support::Goldens;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (fixture, config text, golden file) for every case of a kind.
fn cases(kind: &str, ext: &str) -> Vec<(PathBuf, String, PathBuf)> {
    let mut out = Vec::new();
    for sub in ["", "invalid"] {
        let dir = root().join("fixtures").join(kind).join(sub);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == ext)) {
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            let golden_dir = root().join("tests/golden").join(kind).join(sub);
            let base =
                std::fs::read_to_string(dir.join(format!("{stem}.toml"))).unwrap_or_default();
            out.push((file.clone(), base.clone(), golden_dir.join(format!("{stem}.json"))));
            for variant in &files {
                let name = variant.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let Some(v) =
                    name.strip_prefix(&format!("{stem}@")).and_then(|n| n.strip_suffix(".toml"))
                else {
                    continue;
                };
                let extra = std::fs::read_to_string(variant).expect("variant config");
                out.push((
                    file.clone(),
                    format!("{base}\n{extra}"),
                    golden_dir.join(format!("{stem}@{v}.json")),
                ));
            }
        }
    }
    out
}

fn render(kind: Kind, file: &Path, config_text: &str) -> String {
    let config = Config::from_toml_str(config_text, Path::new("/golden"))
        .unwrap_or_else(|e| panic!("{}: config: {e}", file.display()));
    let bytes = std::fs::read(file).expect("fixture");
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let c = convert_file(kind, name, &bytes, &config);
    let value = json!({
        "summary": {
            "format": c.summary.format,
            "encoding": c.summary.encoding,
            "rows": c.summary.rows,
            "debit_total": format!("{:.2}", c.summary.debit_total),
        },
        "errors": c.errors.iter().map(|e| e.render(name)).collect::<Vec<_>>(),
        "warnings": c.warnings.iter().map(|w| w.render(name)).collect::<Vec<_>>(),
        "documents": c.documents.iter().map(|d| json!({
            "line": d.line,
            "label": d.label,
            "reference": d.reference,
            "marker": d.marker,
            "kind": d.body.kind(),
            "body": d.body.to_json(),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).expect("json") + "\n"
}

fn run(kind: Kind, dir: &str, ext: &str) {
    let cases = cases(dir, ext);
    assert!(cases.len() >= 3, "fixtures for {dir} are missing");
    let mut goldens = Goldens::from_env();
    for (file, config, golden) in cases {
        goldens.compare(&golden, &render(kind, &file, &config));
    }
    goldens.finish(&root().join("tests/golden").join(dir), |_| true);
}

#[test]
fn zreport_fixtures_give_the_golden_vouchers() {
    run(Kind::Zreport, "zreport", "json");
}

#[test]
fn order_fixtures_give_the_golden_requests() {
    run(Kind::Orders, "orders", "csv");
}
