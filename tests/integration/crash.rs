//! Exactly-once under fire: the service is killed with SIGKILL at random moments, many times,
//! while the sandbox fails requests, drops connections after committing writes and answers 500
//! after committing others. In the end
//! every document is in Fortnox exactly once and every file is archived exactly once.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use fortnox_bridge::config::Config;
use fortnox_bridge::convert;
use fortnox_bridge::detect::Kind;
use rand::{Rng, SeedableRng};

use crate::harness::Workspace;

const FILES: usize = 60;
const VOUCHERS_PER_FILE: usize = 5;
/// Z-reports in a second inbox (one voucher each, series F, always looked for before sending).
const ZREPORTS: usize = 20;

/// A 4I file of unnumbered vouchers, each unique by its text and amounts.
fn sie_file(file: usize, rng: &mut impl Rng) -> String {
    let mut text =
        String::from("#FLAGGA 0\r\n#PROGRAM \"Kassa\" 1\r\n#SIETYP 4\r\n#FNAMN \"Krasch AB\"\r\n");
    for v in 0..VOUCHERS_PER_FILE {
        let day = 1 + (file + v) % 28;
        let ore: u32 = rng.random_range(100..1_000_000);
        let _ = write!(
            text,
            "#VER \"\" \"\" 202610{day:02} \"Kassa {file}-{v}\"\r\n{{\r\n\
             #TRANS 1910 {{}} {}.{:02}\r\n#TRANS 3001 {{}} -{}.{:02}\r\n}}\r\n",
            ore / 100,
            ore % 100,
            ore / 100,
            ore % 100
        );
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_never_loses_or_doubles_a_document() {
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    println!("CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let ws = Workspace::start_with(|o| {
        o.fail_rate = 0.05;
        o.drop_after_commit_rate = 0.15;
        o.fail_after_commit_rate = 0.05;
        o.rate_limit = None;
    })
    .await;
    let config_text = format!(
        "[fortnox]\ntarget = \"{}\"\n[watch]\nstable_ms = 50\nrescan_secs = 1\n\
         [upload]\nretry_secs = 1\n[[inboxes]]\npath = \"kassa\"\nkind = \"zreport\"\n",
        ws.sandbox.base_url()
    );
    std::fs::create_dir_all(ws.path("kassa")).expect("kassa inbox");
    std::fs::write(ws.path("fortnox-bridge.toml"), &config_text).expect("config");
    let config = Config::from_toml_str(&config_text, ws.dir.path()).expect("valid config");

    let mut expected: HashMap<String, String> = HashMap::new(); // marker -> file name
    for file in 0..FILES {
        let name = format!("kassa-{file:03}.si");
        let text = sie_file(file, &mut rng);
        let c = convert::convert_file(Kind::Sie, &name, text.as_bytes(), &config);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        for doc in &c.documents {
            expected.insert(doc.marker.clone(), name.clone());
        }
        ws.drop_file(&name, text.as_bytes());
    }
    assert_eq!(expected.len(), FILES * VOUCHERS_PER_FILE);
    let zreport =
        String::from_utf8_lossy(&crate::harness::fixture("zreport/restaurang-2026-10-31.json"))
            .into_owned();
    let mut z_markers = Vec::new();
    for z in 0..ZREPORTS {
        let name = format!("z-{z:03}.json");
        let text = zreport.replace("\"z_number\": 1042", &format!("\"z_number\": {}", 2000 + z));
        let c = convert::convert_file(Kind::Zreport, &name, text.as_bytes(), &config);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        z_markers.extend(c.documents.iter().map(|d| d.marker.clone()));
        std::fs::write(ws.path("kassa").join(&name), text).expect("write");
    }
    assert_eq!(z_markers.len(), ZREPORTS);

    let api = ws.api().await;
    let year = api.year_of("2026-10-15").await;
    let documents = expected.len() + ZREPORTS;
    let entries = |dir: &str| std::fs::read_dir(ws.path(dir)).map_or(0, Iterator::count);
    let (mut kills, mut mid_work, mut with_claimed_files) = (0, 0, 0);
    let total = FILES + ZREPORTS;
    // Kill until everything is archived (at most 60 kills; once all is archived no kill can land
    // mid-work any more). A kill counts as mid-work when it left a claimed file in a processing
    // folder, or when some but not all documents were in Fortnox.
    while ws.archived("done").len() + ws.archived("failed").len() < total && kills < 60 {
        let mut service = ws.spawn_service_quiet(true);
        tokio::time::sleep(Duration::from_millis(rng.random_range(30..900))).await;
        service.kill();
        kills += 1;
        let claimed = entries("processing") + entries("kassa/.processing");
        with_claimed_files += usize::from(claimed > 0);
        let landed = claimed > 0 || {
            let posted =
                api.all_vouchers("A", year).await.len() + api.all_vouchers("F", year).await.len();
            posted > 0 && posted < documents
        };
        mid_work += usize::from(landed);
    }
    println!(
        "killed the service {kills} times, {mid_work} of them mid-work \
         ({with_claimed_files} with claimed files)"
    );
    assert!(
        mid_work >= 3,
        "the kills must land mid-work to prove anything ({mid_work} of {kills})"
    );
    // Then let it finish undisturbed (the sandbox still fails and drops).
    for _ in 0..10 {
        if ws.archived("done").len() == total {
            break;
        }
        let _ = ws.cli(&["run", "--once"]);
    }

    let done = ws.archived("done");
    let names: std::collections::BTreeSet<String> =
        done.iter().map(|p| p.file_name().expect("name").to_string_lossy().into_owned()).collect();
    assert_eq!(done.len(), total, "every file in done/ once: {done:?}");
    assert_eq!(names.len(), total, "no file archived twice: {names:?}");
    assert!(ws.archived("failed").is_empty(), "{:?}", ws.archived("failed"));
    assert!(ws.inbox_names().is_empty(), "{:?}", ws.inbox_names());
    let processing: Vec<_> = std::fs::read_dir(ws.path("processing")).expect("dir").collect();
    assert!(processing.is_empty(), "{processing:?}");
    let z_processing: Vec<_> =
        std::fs::read_dir(ws.path("kassa/.processing")).expect("dir").collect();
    assert!(z_processing.is_empty(), "{z_processing:?}");

    // Fortnox holds every document exactly once.
    let vouchers = api.all_vouchers("A", year).await;
    let mut in_fortnox: HashMap<String, (u64, usize)> = HashMap::new();
    for v in &vouchers {
        let comments = v["Comments"].as_str().unwrap_or_default();
        let marker = comments.split_whitespace().find(|t| t.starts_with("[fb:")).unwrap_or("");
        let entry = in_fortnox.entry(marker.to_owned()).or_insert((0, 0));
        entry.0 = v["VoucherNumber"].as_u64().expect("number");
        entry.1 += 1;
    }
    let doubles: Vec<_> = in_fortnox.iter().filter(|(_, (_, n))| *n > 1).collect();
    assert!(doubles.is_empty(), "posted twice: {doubles:?}");
    assert_eq!(vouchers.len(), expected.len(), "every document posted, nothing else");
    for marker in expected.keys() {
        assert!(in_fortnox.contains_key(marker), "missing in Fortnox: {marker}");
    }

    // ...and every Z-report exactly once in series F.
    let f = api.all_vouchers("F", year).await;
    assert_eq!(f.len(), ZREPORTS, "every Z-report posted, nothing twice");
    for marker in &z_markers {
        let n = f
            .iter()
            .filter(|v| {
                v["Comments"].as_str().is_some_and(|c| c.split_whitespace().any(|t| t == marker))
            })
            .count();
        assert_eq!(n, 1, "Z-report {marker} in Fortnox {n} times");
    }

    // The ledger agrees with Fortnox, voucher by voucher.
    let db = rusqlite::Connection::open(ws.path("fortnox-bridge.db")).expect("ledger");
    let mut stmt = db
        .prepare("SELECT marker, state, fortnox_series, fortnox_number FROM documents")
        .expect("query");
    let rows: Vec<(String, String, Option<String>, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), expected.len() + ZREPORTS);
    for (marker, state, series, number) in rows {
        if z_markers.contains(&marker) {
            assert_eq!((state.as_str(), series.as_deref()), ("posted", Some("F")), "{marker}");
            continue;
        }
        assert_eq!(state, "posted", "{marker}");
        assert_eq!(series.as_deref(), Some("A"));
        let number = u64::try_from(number.expect("number")).expect("positive");
        assert_eq!(in_fortnox.get(&marker).map(|(n, _)| *n), Some(number), "{marker}");
    }
    let verify = ws.cli(&["audit", "verify"]);
    assert!(verify.status.success(), "{verify:?}");
}
