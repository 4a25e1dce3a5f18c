//! SIE parse benchmark (`cargo bench --bench sie_parse`).
//!
//! Builds a ~100 MB SIE 4E file in a temp dir by repeating the voucher section of the largest
//! real file (Fortnox 3.40.4, `shared/sie-corpus`; an `#ORGNR` line is added to its header so
//! that `sie-parser`, which insists on one, finishes with a document), then measures, from the
//! page cache, the same number of runs of each:
//! 1. our full typed parse with validation, streaming from the file (`VoucherReader`): every
//!    voucher typed (`Ver`/`Trans`: strings, `Decimal` amounts, dates, objects), balance-,
//!    year- and account-checked, and every booked debit amount summed here exactly (in öre,
//!    from each `Decimal`);
//! 2. a raw memchr line count over the same file read in 64 KiB chunks (the hardware floor);
//! 3. the `sie-parser` crate (decode + typed document) on the same file.
//!
//! Each round runs 1, 2 and 3 in turn, so that load from other processes hits all three alike;
//! the medians are compared. Peak RSS (`VmHWM`) is read in the first round after 1 and 2, before
//! 3 first allocates its whole-file document. Targets: ≥10x sie-parser, within 8x of the line count, peak RSS < 64 MB
//! streaming. `SIE_BENCH_MB` changes the size, `SIE_BENCH_RUNS` the number of runs (default 5),
//! `SIE_BENCH_SKIP_BASELINE=1` skips sie-parser (for profiling our side alone).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use fortnox_bridge::parse::sie::{ParseOptions, VoucherReader};
use rust_decimal::Decimal;

const SOURCE: &str =
    "blinfo__Sie4j__src__test__resources__sample__Sie från Fortnox ej alla verifikat.se";

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Writes header (+ `#ORGNR`) + `copies` × voucher section; returns the size in bytes.
fn build(path: &Path, target_mb: usize) -> (u64, usize) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/sie-corpus");
    let bytes = std::fs::read(corpus.join(SOURCE))
        .unwrap_or_else(|e| panic!("corpus file missing in `{}`: {e}", corpus.display()));
    let first_ver = bytes.windows(6).position(|w| w == b"\n#VER ").expect("no #VER") + 1;
    let (header, vouchers) = bytes.split_at(first_ver);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    out.write_all(header).unwrap();
    out.write_all(b"#ORGNR 556000-0000\r\n").unwrap();
    let copies = (target_mb << 20).div_ceil(vouchers.len());
    for _ in 0..copies {
        out.write_all(vouchers).unwrap();
        if !vouchers.ends_with(b"\n") {
            out.write_all(b"\r\n").unwrap();
        }
    }
    out.flush().unwrap();
    (std::fs::metadata(path).unwrap().len(), copies)
}

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / secs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What one typed pass found, to check that every pass did all the work.
#[derive(Debug, PartialEq)]
struct Totals {
    vouchers: usize,
    rows: usize,
    removed: usize,
    debit: Decimal,
}

/// 1. Streaming typed parse with validation; every booked amount summed.
fn ours(path: &Path) -> Totals {
    let mut stream = VoucherReader::new(File::open(path).unwrap(), &ParseOptions::default());
    let mut t = Totals { vouchers: 0, rows: 0, removed: 0, debit: Decimal::ZERO };
    let mut debit_ore = 0i128;
    while let Some(ver) = stream.next_voucher().unwrap() {
        t.vouchers += 1;
        t.rows += ver.rows.len();
        t.removed += ver.removed.len();
        for row in &ver.rows {
            if row.amount.is_sign_positive() {
                debit_ore += ore(row.amount);
            }
        }
    }
    let file = stream.into_file().unwrap();
    assert!(file.errors.is_empty(), "{:?}", &file.errors[..file.errors.len().min(3)]);
    t.debit = Decimal::from_i128_with_scale(debit_ore, 2);
    t
}

/// An amount in öre, exactly, from its mantissa and scale (the reader takes at most two
/// decimals). Summing these costs the bench far less than `Decimal`'s general addition, which
/// rescales on every call; the total is the same.
fn ore(amount: Decimal) -> i128 {
    match amount.scale() {
        0 => amount.mantissa() * 100,
        1 => amount.mantissa() * 10,
        2 => amount.mantissa(),
        s => panic!("amount {amount} has {s} decimals"),
    }
}

/// 2. memchr line count over the same file, streamed in 64 KiB reads.
fn line_count(path: &Path) -> usize {
    let mut f = File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0usize;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
    }
    lines
}

/// 3. sie-parser: decode + typed document. Returns its voucher count.
fn theirs(path: &Path) -> usize {
    let text = sie_parser::read_file(path).unwrap();
    let doc = sie_parser::document::read(&text).unwrap();
    doc.vouchers.len()
}

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed().as_secs_f64(), out)
}

fn main() {
    let target_mb = std::env::var("SIE_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let runs: usize =
        std::env::var("SIE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.se");
    let (size, copies) = build(&path, target_mb);
    let rss_before = peak_rss_kb();
    // Warm the page cache so every run reads the file from memory.
    std::io::copy(&mut File::open(&path).unwrap(), &mut std::io::sink()).unwrap();

    // Rounds of ours, line count, sie-parser, so that load from other processes hits all three
    // alike. Peak RSS is read in the first round, before sie-parser first allocates.
    let skip_baseline = std::env::var_os("SIE_BENCH_SKIP_BASELINE").is_some();
    let (mut our_times, mut floor_times, mut their_times) = (Vec::new(), Vec::new(), Vec::new());
    let mut totals = None;
    let mut lines = 0;
    let mut rss = 0;
    for round in 0..runs {
        let (secs, t) = time(|| ours(&path));
        our_times.push(secs);
        assert!(totals.as_ref().is_none_or(|prev| *prev == t), "runs differ");
        totals = Some(t);
        let (secs, n) = time(|| line_count(&path));
        floor_times.push(secs);
        lines = n;
        if round == 0 {
            rss = peak_rss_kb();
        }
        if !skip_baseline {
            let (secs, vouchers) = time(|| theirs(&path));
            let ours = totals.as_ref().map_or(0, |t| t.vouchers);
            assert_eq!(vouchers, ours, "sie-parser found another number of vouchers");
            their_times.push(secs);
        }
    }
    let totals = totals.unwrap();
    // Every pass did all the work: the counts of shared/sie-corpus/SOURCES.md (row 31: VER 2324,
    // TRANS 8597 booked (each #RTRANS replaces its mirror), BTRANS 104) times the copies.
    assert_eq!(
        (totals.vouchers, totals.rows, totals.removed),
        (copies * 2324, copies * 8597, copies * 104),
        "counts differ from the corpus source table"
    );
    let ours = median(our_times.clone());
    let floor = median(floor_times.clone());
    let best = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    println!(
        "input: {:.1} MB ({copies} copies of the voucher section), {lines} lines, {runs} runs each",
        size as f64 / 1_048_576.0
    );
    println!(
        "ours (streaming, typed, validated): median {ours:.3} s, {:.0} MB/s (best {:.3} s); \
         {} vouchers, {} booked rows, {} struck rows, debit {}",
        mb_per_s(size, ours),
        best(&our_times),
        totals.vouchers,
        totals.rows,
        totals.removed,
        totals.debit
    );
    println!(
        "memchr line count (floor):          median {floor:.3} s, {:.0} MB/s (best {:.3} s)",
        mb_per_s(size, floor),
        best(&floor_times)
    );
    if !skip_baseline {
        let theirs = median(their_times.clone());
        println!(
            "sie-parser 0.2 (decode + document): median {theirs:.3} s, {:.0} MB/s (best {:.3} s), \
             same {} vouchers",
            mb_per_s(size, theirs),
            best(&their_times),
            totals.vouchers
        );
        let vs_parser = theirs / ours;
        println!(
            "ratio: {vs_parser:.1}x faster than sie-parser (target >= 10x): {}",
            verdict(vs_parser >= 10.0)
        );
    }
    println!(
        "peak RSS after streaming parse: {:.1} MB (before parsing: {:.1} MB)",
        rss as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    let vs_floor = ours / floor;
    println!("ratio: {vs_floor:.1}x the line count (target <= 8x): {}", verdict(vs_floor <= 8.0));
    println!("peak RSS < 64 MB: {}", verdict(rss < 64 * 1024));
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
