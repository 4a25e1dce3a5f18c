//! What the parser finds in each real file: the counts of the SOURCES.md table and of the
//! simple reader, the exact errors and warnings of the files that are broken or odd on purpose,
//! the data points of the format doc, and `#KSUMMA` checksums (part of the `sie_corpus` binary).

use fortnox_bridge::parse::sie::{ParseOptions, SieFile, parse};
use rust_decimal::Decimal;

use super::{CORPUS, corpus_dir, entry, read, simple};

fn balance_message(line: usize, name: &str, debit: i128, credit: i128) -> String {
    format!(
        "line {line}: voucher `{name}` does not balance: debit `{}`, credit `{}`, difference `{}` \
         (hint: the `#TRANS` amounts of a voucher must sum to zero)",
        simple::money(debit),
        simple::money(-credit),
        simple::money(debit + credit)
    )
}

fn messages(file: &SieFile) -> (Vec<String>, Vec<String>) {
    (
        file.errors.iter().map(ToString::to_string).collect(),
        file.warnings.iter().map(ToString::to_string).collect(),
    )
}

/// Files whose errors are asserted one by one below; every other file must have none.
const BROKEN: [&str; 2] = ["XE_SIE_4_", "sie_file_with_unknown_entries"];

#[test]
fn corpus_has_all_files() {
    let dir = corpus_dir();
    let on_disk = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let path = e.path();
            let ext = path.extension().map(|x| x.to_string_lossy().to_lowercase());
            !matches!(ext.as_deref(), Some("md" | "txt"))
        })
        .count();
    assert_eq!(CORPUS.len(), 40);
    assert_eq!(on_disk, 40, "expected 40 SIE files in `{}`", dir.display());
}

#[test]
fn every_file_matches_the_table_and_the_simple_reader() {
    let mut failures = Vec::new();
    for e in CORPUS {
        let bytes = read(e.name);
        let simple = simple::read(&bytes);
        let table = (e.ver, e.trans, e.rtrans, e.btrans);
        let independent = (simple.ver, simple.trans, simple.rtrans, simple.btrans);
        assert_eq!(independent, table, "simple reader disagrees with SOURCES.md on {}", e.name);

        let file = parse(&bytes, &ParseOptions::default());
        let removed: usize = file.vouchers.iter().map(|v| v.removed.len()).sum();
        let got = (
            file.vouchers.len(),
            file.booked_rows(),
            removed,
            file.debit_total(),
            file.encoding.name(),
        );
        let want = (
            e.ver,
            e.trans,
            e.btrans,
            Decimal::new(i64::try_from(simple.debit_cents).unwrap(), 2),
            e.encoding,
        );
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", e.name));
        }
        if !BROKEN.iter().any(|b| e.name.contains(b)) && !file.errors.is_empty() {
            failures.push(format!("{}: unexpected errors {:?}", e.name, messages(&file).0));
        }
    }
    assert!(failures.is_empty(), "{} of 40 files fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn softone_xe_reports_exactly_its_unbalanced_vouchers() {
    let e = entry("XE_SIE_4_");
    let bytes = read(e.name);
    let simple = simple::read(&bytes);
    // Format doc §8: `#VER 1 1 …` books 12.00 against -10.00.
    assert!(simple.unbalanced.iter().any(|u| u.1 == "1 1" && u.2 == 1200 && u.3 == -1000));
    let want: Vec<String> =
        simple.unbalanced.iter().map(|(l, n, d, c)| balance_message(*l, n, *d, *c)).collect();
    let (errors, _) = messages(&parse(&bytes, &ParseOptions::default()));
    assert_eq!(errors, want);
}

#[test]
fn neam_unknown_entries_file_is_unbalanced_and_warns_about_momskod() {
    let bytes = read(entry("sie_file_with_unknown_entries").name);
    let file = parse(&bytes, &ParseOptions::default());
    let (errors, warnings) = messages(&file);
    // A 1 books -200 + 180 - 20 on purpose.
    assert_eq!(errors, [balance_message(22, "A 1", 18000, -22000)]);
    assert!(
        warnings.contains(
            &"line 21: unknown label `#MOMSKOD` ignored (hint: readers skip labels \
                            they do not know)"
                .to_owned()
        ),
        "{warnings:?}"
    );
    // The file declares a chart but books on 4100, 2611 and 1970 without declaring them.
    let undeclared: Vec<_> = file
        .warnings
        .iter()
        .filter(|w| w.message.contains("not declared by `#KONTO`"))
        .map(|w| (w.line, w.message.clone()))
        .collect();
    assert_eq!(undeclared.len(), 3, "{undeclared:?}");
    assert!(undeclared[0].1.starts_with("account `4100`"));
}

#[test]
fn hand_made_latin1_file_warns_about_each_decimal_comma() {
    let bytes = read(entry("cratchit__src__sie__test__sie1.se").name);
    let simple = simple::read(&bytes);
    assert_eq!(simple.comma_amount_lines, [8, 9, 10, 11, 12, 13]);
    let file = parse(&bytes, &ParseOptions::default());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.encoding.name(), "latin-1");
    let comma_lines: Vec<usize> = file
        .warnings
        .iter()
        .filter(|w| w.message.contains("uses a decimal comma"))
        .filter_map(|w| w.line)
        .collect();
    assert_eq!(comma_lines, simple.comma_amount_lines);
    assert!(file.warnings[0].message.starts_with("amount `28875,00` uses a decimal comma"));
    assert_eq!(file.vouchers[0].text, "Momstömning jan - mars");
}

#[test]
fn format_doc_data_points() {
    // §15: the 522 KB Fortnox export and the official 2023 example.
    let fortnox = parse(&read(entry("ej alla verifikat").name), &ParseOptions::default());
    assert_eq!((fortnox.vouchers.len(), fortnox.booked_rows()), (2324, 8597));
    assert_eq!(fortnox.balances.iter().filter(|b| b.kind == "PSALDO").count(), 1513);
    let example = parse(&read(entry("t4t5__sie-parser").name), &ParseOptions::default());
    assert_eq!((example.vouchers.len(), example.booked_rows()), (295, 1330));
    assert_eq!((example.accounts.len(), example.objects.len()), (530, 37));
    let avendo = parse(&read(entry("transaktioner_ovnbolag").name), &ParseOptions::default());
    let count = |k: &str| avendo.balances.iter().filter(|b| b.kind == k).count();
    assert_eq!((avendo.vouchers.len(), avendo.booked_rows()), (163, 671));
    assert_eq!((count("PSALDO"), count("PBUDGET")), (705, 1248));
}

#[test]
fn known_warnings_of_real_files() {
    let e_conomic = parse(&read(entry("e-conomic").name), &ParseOptions::default());
    assert_eq!(
        messages(&e_conomic).1,
        ["line 1459: voucher `19` has no `{` line (hint: the block \
                                         was opened at its first row)"]
    );
    let bl = parse(&read(entry("BL0001_typ4I").name), &ParseOptions::default());
    assert!(messages(&bl).1[0].starts_with("line 7: incomplete `#RAR` record ignored"));
    let softone =
        parse(&read(entry("jsisie__sie_test_files__Sie4.se").name), &ParseOptions::default());
    let lines: Vec<_> = softone
        .warnings
        .iter()
        .filter(|w| w.message.contains("quoted field"))
        .filter_map(|w| w.line)
        .collect();
    assert_eq!(lines, [1041, 1042, 1043]);
}

#[test]
fn every_ksumma_file_verifies() {
    let mut with_checksum = 0;
    for e in CORPUS {
        let file = parse(&read(e.name), &ParseOptions::default());
        assert_eq!(file.checksum.is_some(), e.ksumma, "{}", e.name);
        if let Some(c) = file.checksum {
            with_checksum += 1;
            assert!(c.ok(), "{}: declared {} computed {}", e.name, c.declared, c.computed);
        }
    }
    assert_eq!(with_checksum, 6);
    // §15: values larger than 2^31 are unsigned.
    for (name, value) in [
        ("Norstedts Bokslut SIE 1.se", 3_033_066_896_u32),
        ("Bokslut Norstedts SIE 4E.se", 854_227_682),
        ("parserdata__SIE4.se", 2_215_893_042),
    ] {
        let file = parse(&read(entry(name).name), &ParseOptions::default());
        assert_eq!(file.checksum.map(|c| c.computed), Some(value), "{name}");
    }
}

#[test]
fn a_changed_ksumma_file_fails_and_a_truncated_one_is_reported() {
    let bytes = read(entry("parserdata__SIE4.se").name);
    // Extra separators do not count; a changed digit does.
    let replace = |bytes: &[u8], from: &[u8], to: &[u8]| {
        let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
        [&bytes[..at], to, &bytes[at + from.len()..]].concat()
    };
    let spaced = replace(&bytes, b"#KONTO", b"#KONTO\t ");
    assert!(parse(&spaced, &ParseOptions::default()).errors.is_empty());
    let changed = replace(&spaced, b"1910", b"1911");
    let file = parse(&changed, &ParseOptions::default());
    assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
    assert!(file.errors[0].message.starts_with("checksum mismatch: `#KSUMMA` says `2215893042`"));
    let lenient = ParseOptions { accept_bad_checksum: true, ..ParseOptions::default() };
    let file = parse(&changed, &lenient);
    assert!(file.errors.is_empty());
    assert!(file.warnings.iter().any(|w| w.message.starts_with("checksum mismatch")));
    let cut = &bytes[..bytes.len() / 2];
    let cut = &cut[..cut.iter().rposition(|b| *b == b'\n').unwrap()];
    let file = parse(cut, &ParseOptions::default());
    let errors: Vec<String> = file.errors.iter().map(|e| e.message.clone()).collect();
    assert!(errors.contains(&"file ends without the closing `#KSUMMA`".to_owned()), "{errors:?}");
}

#[test]
fn stray_latin1_letters_in_cp437_files_are_repaired() {
    // BL Administration 2011 wrote the object id `Å1` with a Latin-1 byte (0xC5, `┼` in CP437)
    // while the name beside it is proper CP437.
    let file = parse(&read(entry("BL0001_typ4.SE").name), &ParseOptions::default());
    assert_eq!(file.encoding.name(), "cp437");
    assert!(file.repaired_chars >= 1);
    assert!(file.objects.iter().any(|o| o.object == "Å1"), "{:?}", file.objects);
    assert!(!file.objects.iter().any(|o| o.object.contains('┼')));
    assert!(file.warnings.iter().any(|w| w.message.contains("Latin-1 letter in a CP437 file")));
}

/// Fortnox's own export of 2,324 vouchers carries a zero-amount row on account 3591 in 225 of
/// them: the report tells it once, with its lines, not in 225 sentences.
#[test]
fn zero_amount_rows_of_one_account_are_told_once() {
    let name = entry("Sie från Fortnox ej alla verifikat").name;
    let conversion = fortnox_bridge::convert::sie::convert_bytes(
        &read(name),
        &fortnox_bridge::config::SieConfig::default(),
    );
    let zero: Vec<_> =
        conversion.warnings.iter().filter(|w| w.message.starts_with("zero-amount row")).collect();
    assert_eq!(zero.len(), 225);
    let told = fortnox_bridge::diagnostic::Diagnostic::said_once(&conversion.warnings);
    let told: Vec<_> = told.iter().filter(|w| w.message.starts_with("zero-amount row")).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].message.starts_with("zero-amount row on account `3591` is left out (on 225 lines:"),
        "{}",
        told[0].message
    );
}
