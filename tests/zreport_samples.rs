//! The real Z-report files in `../shared/zreport-samples/` (sources in its SOURCES.md): none is
//! in fortnox-bridge's Z-report format (no POS publishes one), so each must be refused with a
//! clear, located error and a way forward, never read as something it is not.
//!
//! Four are a Swedish café's AnkerPOS Z-dagrapporter transcribed into JSON by another project;
//! one is the Norwegian tax agency's SAF-T Cash Register example (XML).

use std::path::Path;

use fortnox_bridge::config::Config;
use fortnox_bridge::convert::convert_file;
use fortnox_bridge::detect::{self, Kind};

/// The samples whose extension is `ext`, by name.
fn samples_with(ext: &str) -> Vec<(String, Vec<u8>)> {
    samples()
        .into_iter()
        .filter(|(n, _)| Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext)))
        .collect()
}

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/zreport-samples");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "xml"))
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn another_programs_z_report_json_is_refused_as_such_with_a_way_forward() {
    let config = Config::defaults(Path::new("/samples"));
    let json = samples_with("json");
    assert_eq!(json.len(), 4, "SOURCES.md lists four AnkerPOS reports");
    for (name, bytes) in json {
        assert_eq!(detect::detect_with_hint(None, &name, &bytes), Some(Kind::Zreport), "{name}");
        let c = convert_file(Kind::Zreport, &name, &bytes, &config);
        assert!(c.documents.is_empty(), "{name}");
        assert_eq!(c.errors.len(), 1, "{name}: {:?}", c.errors);
        let error = c.errors[0].render(&name);
        assert!(
            error.starts_with(&format!("{name}:1: not a fortnox-bridge Z-report: its fields (")),
            "{error}"
        );
        assert!(error.contains("`report_info`") && error.contains("`sales_summary`"), "{error}");
        assert!(error.contains("(hint: have the register (or its integration) write"), "{error}");
    }
}

#[test]
fn the_saf_t_cash_register_example_is_not_taken_for_a_file_we_read() {
    let xml = samples_with("xml");
    assert_eq!(xml.len(), 1);
    let (name, bytes) = &xml[0];
    assert!(bytes.starts_with(b"<?xml"), "{name}");
    assert_eq!(detect::detect_with_hint(None, name, bytes), None, "{name}");
}
