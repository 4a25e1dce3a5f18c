//! SIE parse benchmark (`cargo bench --bench sie_parse`).
//!
//! Builds a ~100 MB SIE 4E file in a temp dir by repeating the voucher section of the largest
//! real file (Fortnox 3.40.4, `shared/sie-corpus`), then measures in one run:
//! 1. our full typed parse with validation, streaming from the file (`VoucherReader`), with
//!    peak RSS (`VmHWM`) taken right after it, before anything else allocates;
//! 2. a raw memchr line count over the same file read in 64 KiB chunks (the floor);
//! 3. the `sie-parser` crate (decode + typed document) on the same file.
//!
//! Targets: ≥10x sie-parser, within 8x of the line count, peak RSS < 64 MB streaming.
//! `SIE_BENCH_MB` changes the size.
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

/// Writes header + `copies` × voucher section; returns the size in bytes.
fn build(path: &Path, target_mb: usize) -> (u64, usize) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/sie-corpus");
    let bytes = std::fs::read(corpus.join(SOURCE))
        .unwrap_or_else(|e| panic!("corpus file missing in `{}`: {e}", corpus.display()));
    let first_ver = bytes.windows(6).position(|w| w == b"\n#VER ").expect("no #VER") + 1;
    let (header, vouchers) = bytes.split_at(first_ver);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    out.write_all(header).unwrap();
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

fn main() {
    let target_mb = std::env::var("SIE_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.se");
    let (size, copies) = build(&path, target_mb);
    let rss_before = peak_rss_kb();
    // Warm the page cache so all three read the file from memory.
    std::io::copy(&mut File::open(&path).unwrap(), &mut std::io::sink()).unwrap();

    // 1. Our streaming typed parse with validation.
    let start = Instant::now();
    let mut stream = VoucherReader::new(File::open(&path).unwrap(), &ParseOptions::default());
    let (mut vouchers, mut rows, mut debit) = (0usize, 0usize, Decimal::ZERO);
    for ver in stream.by_ref() {
        let ver = ver.unwrap();
        vouchers += 1;
        rows += ver.rows.len();
        debit +=
            ver.rows.iter().map(|r| r.amount).filter(Decimal::is_sign_positive).sum::<Decimal>();
    }
    let file = stream.into_file().unwrap();
    let ours = start.elapsed().as_secs_f64();
    let rss = peak_rss_kb();
    assert!(file.errors.is_empty(), "{:?}", &file.errors[..file.errors.len().min(3)]);

    // 2. memchr line count over the same file, streamed.
    let start = Instant::now();
    let mut f = File::open(&path).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0usize;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
    }
    let floor = start.elapsed().as_secs_f64();

    // 3. sie-parser: decode + typed document (skipped with SIE_BENCH_SKIP_BASELINE=1, for
    //    profiling our side alone).
    if std::env::var_os("SIE_BENCH_SKIP_BASELINE").is_some() {
        println!("ours: {ours:.3} s, {:.0} MB/s; floor {floor:.3} s", mb_per_s(size, ours));
        return;
    }
    let start = Instant::now();
    let text = sie_parser::read_file(&path).unwrap();
    let theirs_result = sie_parser::document::read(&text);
    let theirs = start.elapsed().as_secs_f64();
    let theirs_vouchers =
        theirs_result.as_ref().map(|d| d.vouchers.len()).map_err(ToString::to_string);
    drop(theirs_result);
    drop(text);

    println!(
        "input: {:.1} MB ({copies} copies of the voucher section), {lines} lines",
        size as f64 / 1_048_576.0
    );
    println!(
        "ours (streaming, typed, validated): {ours:.3} s, {:.0} MB/s, {vouchers} vouchers, {rows} rows, debit {debit}",
        mb_per_s(size, ours)
    );
    println!("memchr line count (floor):          {floor:.3} s, {:.0} MB/s", mb_per_s(size, floor));
    println!(
        "sie-parser 0.2 (decode + document):  {theirs:.3} s, {:.0} MB/s, vouchers {:?}",
        mb_per_s(size, theirs),
        theirs_vouchers
    );
    println!(
        "peak RSS after streaming parse: {:.1} MB (before parsing: {:.1} MB)",
        rss as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    let vs_parser = theirs / ours;
    let vs_floor = ours / floor;
    println!(
        "ratio: {vs_parser:.1}x faster than sie-parser (target >= 10x): {}",
        verdict(vs_parser >= 10.0)
    );
    println!("ratio: {vs_floor:.1}x the line count (target <= 8x): {}", verdict(vs_floor <= 8.0));
    println!("peak RSS < 64 MB: {}", verdict(rss < 64 * 1024));
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
