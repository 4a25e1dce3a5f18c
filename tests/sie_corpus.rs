//! Reads all 40 files of the real SIE corpus (`../shared/sie-corpus`, see its `SOURCES.md`) and
//! checks the parser against numbers established without it: the counts of the SOURCES.md table
//! (hand-checked constants) and a deliberately simple second reader in this file (plain string
//! splitting, no nom, no code shared with the parser). Files that are broken on purpose must
//! produce exactly the expected diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use fortnox_bridge::parse::sie::{ParseOptions, SieFile, parse};
use rust_decimal::Decimal;

/// One row of the SOURCES.md table: record counts as measured when the corpus was collected.
struct Entry {
    name: &'static str,
    encoding: &'static str,
    ver: usize,
    trans: usize,
    rtrans: usize,
    btrans: usize,
    ksumma: bool,
}

#[rustfmt::skip]
const CORPUS: &[Entry] = &[
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__BL0001_typ4.SE", encoding: "cp437", ver: 84, trans: 405, rtrans: 6, btrans: 3, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__BL0001_typ4I.SI", encoding: "cp437", ver: 1, trans: 10, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__BL0001_typ3.SE", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Bokslut Norstedts SIE 4E.se", encoding: "cp437", ver: 177, trans: 678, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Norstedts Bokslut SIE 4I.si", encoding: "cp437", ver: 2, trans: 4, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Norstedts Bokslut SIE 1.se", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE4.se", encoding: "cp437", ver: 286, trans: 949, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE_2.se", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__MAMUT_SIE4_EXPORT.SE", encoding: "cp437", ver: 168, trans: 458, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Sie4.se", encoding: "cp437", ver: 194, trans: 963, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Sie4.si", encoding: "cp437", ver: 165, trans: 869, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Test4.SE", encoding: "cp437", ver: 167, trans: 1464, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__transaktioner_ovnbolag.se", encoding: "cp437", ver: 163, trans: 671, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__urval_ovnbolag.si", encoding: "cp437", ver: 16, trans: 51, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__objektsaldo_ovnbolag.se", encoding: "cp437", ver: 0, trans: 0, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__sie 4.SE", encoding: "cp437", ver: 20, trans: 76, rtrans: 1, btrans: 1, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__typ4.se", encoding: "cp437", ver: 81, trans: 287, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__magenta_bokföring_SIE4E.se", encoding: "cp437", ver: 19, trans: 84, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE_exempelfil.se", encoding: "cp437", ver: 26, trans: 148, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__Exempelbolaget_SIE_110322_B_33.si", encoding: "cp437", ver: 13, trans: 91, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__LON Lönekörning.SI", encoding: "cp437", ver: 1, trans: 25, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__SIE4 Visma Anläggningsregister.si", encoding: "cp437", ver: 1, trans: 18, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__si.SI", encoding: "cp437", ver: 47, trans: 128, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__integrations__Sie4__parserdata__live2011.se", encoding: "cp437", ver: 3, trans: 12, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "byrokrat__accounting__tests__Sie4__integration__files__XE_SIE_4_20151125095119.SE", encoding: "cp437", ver: 65, trans: 248, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "idstam__jsisie__sie_test_files__Sie4.se", encoding: "cp437", ver: 70, trans: 260, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "Alipsa__SIEParser__src__test__resources__samples__9_sie-gruppen-e-conomic.se", encoding: "cp437", ver: 57, trans: 160, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "t4t5__sie-parser__tests__fixtures__sample.se", encoding: "cp437", ver: 295, trans: 1330, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "jokedst__SieFile__SieFileFormat__SIE4 Exempelfil.SE", encoding: "cp437", ver: 295, trans: 1330, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "idstam__jsisie__sie_test_files__SIE4_Exempelfil_med_underdim.SE", encoding: "cp437", ver: 295, trans: 1330, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__Sie från Fortnox ej alla verifikat.se", encoding: "cp437", ver: 2324, trans: 8597, rtrans: 203, btrans: 104, ksumma: false },
    Entry { name: "kjelloh__cratchit__test__TheITfiedAB20220812_165817.se", encoding: "cp437", ver: 134, trans: 368, rtrans: 11, btrans: 12, ksumma: false },
    Entry { name: "kjelloh__cratchit__src__sie__test__sie1.se", encoding: "latin-1", ver: 1, trans: 6, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "asteinarson__sie-import__se__20140901-20150831.se", encoding: "cp437", ver: 58, trans: 148, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "asteinarson__sie-import__se__20140901-20150831_utf8.se", encoding: "utf-8", ver: 58, trans: 148, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__Arousells_Visning_AB.SE", encoding: "cp437", ver: 10, trans: 83, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__BLBLOV_SIE4_ISO_8859_15.SI", encoding: "latin-1", ver: 2, trans: 6, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "blinfo__Sie4j__src__test__resources__sample__Transaktioner per Z-rapport.se", encoding: "cp437", ver: 10, trans: 83, rtrans: 0, btrans: 0, ksumma: false },
    Entry { name: "wilhelmuggla__sie4sdk__test__Sie4I_files__Sie4I1ksumma.SI", encoding: "utf-8", ver: 5, trans: 12, rtrans: 0, btrans: 0, ksumma: true },
    Entry { name: "neam__php-sie__tests___data__fixtures__sie_file_with_unknown_entries.se", encoding: "ascii", ver: 2, trans: 5, rtrans: 0, btrans: 0, ksumma: false },
];

fn corpus_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/sie-corpus");
    assert!(
        dir.is_dir(),
        "the SIE corpus folder `{}` is missing: this test needs the 40 real SIE files of \
         shared/sie-corpus beside the repository (it must not be skipped)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read corpus file `{}`: {e}", path.display()))
}

fn entry(name: &str) -> &'static Entry {
    CORPUS
        .iter()
        .find(|e| e.name.contains(name))
        .unwrap_or_else(|| panic!("no corpus entry `{name}`"))
}

/// The deliberately simple second reader: Latin-1 view of the bytes, `split('\n')`, a tiny
/// field splitter, amounts in integer cents, every `#TRANS` booked (the other correct policy of
/// format doc §9: `#RTRANS`/`#BTRANS` ignored, the mirror `#TRANS` kept).
mod simple {
    #[derive(Default, Debug)]
    pub struct Counts {
        pub ver: usize,
        pub trans: usize,
        pub rtrans: usize,
        pub btrans: usize,
        pub debit_cents: i128,
        /// `(line of #VER, "series number", debit cents, credit cents)`.
        pub unbalanced: Vec<(usize, String, i128, i128)>,
        pub comma_amount_lines: Vec<usize>,
    }

    /// Splits a record into fields: blanks separate, `"…"` (with `\"`) and `{…}` are one field.
    pub fn fields(line: &str) -> Vec<String> {
        let chars: Vec<char> = line.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == ' ' || chars[i] == '\t' {
                i += 1;
                continue;
            }
            let mut field = String::new();
            if chars[i] == '"' {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && chars.get(i + 1) == Some(&'"') {
                        i += 1;
                    }
                    field.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else if chars[i] == '{' {
                while i < chars.len() && chars[i] != '}' {
                    field.push(chars[i]);
                    i += 1;
                }
                field.push('}');
                i += 1;
            } else {
                while i < chars.len() && chars[i] != ' ' && chars[i] != '\t' {
                    field.push(chars[i]);
                    i += 1;
                }
            }
            out.push(field);
        }
        out
    }

    /// `-123.4`, `5`, `6,50` → cents.
    pub fn cents(text: &str) -> i128 {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let digits = digits.replace(',', ".");
        let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
        let frac = format!("{frac:0<2}");
        let value: i128 = whole.parse::<i128>().unwrap() * 100 + frac[..2].parse::<i128>().unwrap();
        if neg { -value } else { value }
    }

    pub fn read(bytes: &[u8]) -> Counts {
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        let mut counts = Counts::default();
        let mut current: Option<(usize, String, i128, i128)> = None;
        let finish = |current: Option<(usize, String, i128, i128)>, counts: &mut Counts| {
            if let Some((line, name, debit, credit)) = current
                && debit + credit != 0
            {
                counts.unbalanced.push((line, name, debit, credit));
            }
        };
        for (index, raw) in text.split('\n').enumerate() {
            let line = raw.trim_matches(|c| c == ' ' || c == '\t' || c == '\r');
            let f = fields(line);
            match f.first().map(String::as_str) {
                Some("#VER") => {
                    counts.ver += 1;
                    finish(current.take(), &mut counts);
                    let name = format!("{} {}", f[1], f[2]).trim().to_owned();
                    current = Some((index + 1, name, 0, 0));
                }
                Some("#TRANS") => {
                    counts.trans += 1;
                    let amount = if f[2].starts_with('{') { &f[3] } else { &f[2] };
                    if amount.contains(',') {
                        counts.comma_amount_lines.push(index + 1);
                    }
                    let c = cents(amount);
                    let v = current.as_mut().unwrap();
                    if c > 0 {
                        v.2 += c;
                        counts.debit_cents += c;
                    } else {
                        v.3 += c;
                    }
                }
                Some("#RTRANS") => counts.rtrans += 1,
                Some("#BTRANS") => counts.btrans += 1,
                _ => {}
            }
        }
        finish(current, &mut counts);
        counts
    }

    pub fn money(cents: i128) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
    }
}

fn balance_message(line: usize, name: &str, debit: i128, credit: i128) -> String {
    format!(
        "line {line}: voucher `{name}` does not balance: debit `{}`, credit `{}`, difference `{}` \
         (hint: the `#TRANS` amounts of a voucher must sum to zero)",
        simple::money(debit),
        simple::money(credit),
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

#[test]
fn streaming_gives_the_same_result_as_parse() {
    use fortnox_bridge::parse::sie::read_file;
    for e in CORPUS {
        let bytes = read(e.name);
        let whole = parse(&bytes, &ParseOptions::default());
        // A reader that hands out few bytes at a time, to cross buffer boundaries.
        let streamed = read_file(Chunked(&bytes[..]), &ParseOptions::default()).unwrap();
        assert_eq!(streamed.vouchers, whole.vouchers, "{}", e.name);
        assert_eq!(streamed.errors, whole.errors, "{}", e.name);
        assert_eq!(streamed.warnings, whole.warnings, "{}", e.name);
        assert_eq!(streamed.encoding, whole.encoding, "{}", e.name);
        assert_eq!(streamed.accounts, whole.accounts, "{}", e.name);
        assert_eq!(streamed.balances, whole.balances, "{}", e.name);
        assert_eq!(streamed.checksum, whole.checksum, "{}", e.name);
    }
}

#[test]
fn lent_vouchers_equal_owned_ones() {
    use fortnox_bridge::parse::sie::VoucherReader;
    for e in CORPUS {
        let bytes = read(e.name);
        let whole = parse(&bytes, &ParseOptions::default());
        // `next_voucher` reuses one voucher's rows and strings for the next.
        let mut stream = VoucherReader::new(Chunked(&bytes[..]), &ParseOptions::default());
        let mut lent = Vec::new();
        while let Some(ver) = stream.next_voucher().unwrap() {
            lent.push(ver.clone());
        }
        assert_eq!(lent, whole.vouchers, "{}", e.name);
        let file = stream.into_file().unwrap();
        assert_eq!(file.errors, whole.errors, "{}", e.name);
        assert_eq!(file.warnings, whole.warnings, "{}", e.name);
    }
}

/// Reads at most 1000 bytes per call.
struct Chunked<'a>(&'a [u8]);

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1000).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Vouchers with line numbers cleared, for comparing a file with its rewritten copy.
fn without_lines(file: &SieFile) -> Vec<fortnox_bridge::parse::sie::Ver> {
    let mut vouchers = file.vouchers.clone();
    for v in &mut vouchers {
        v.line = 0;
        for t in v.rows.iter_mut().chain(v.removed.iter_mut()) {
            t.line = 0;
        }
    }
    vouchers
}

#[test]
fn read_write_read_keeps_every_voucher() {
    use fortnox_bridge::parse::sie::write_4i;
    let generated = chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    for e in CORPUS {
        let first = parse(&read(e.name), &ParseOptions::default());
        let written = write_4i(&first, generated);
        assert!(written.ends_with(b"\r\n") && !written.contains(&0));
        let second = parse(&written, &ParseOptions::default());
        assert_eq!(without_lines(&second), without_lines(&first), "{}", e.name);
        assert_eq!(second.checksum.map(|c| c.ok()), Some(true), "{}", e.name);
        assert_eq!(second.accounts, first.accounts, "{}", e.name);
        assert_eq!(second.objects, first.objects, "{}", e.name);
        assert!(!second.has_balances);
        // Only the vouchers that were already unbalanced are errors in the copy.
        let unbalanced = |f: &SieFile| {
            f.errors.iter().filter(|d| d.message.contains("does not balance")).count()
        };
        assert_eq!(second.errors.len(), unbalanced(&first), "{}: {:?}", e.name, second.errors);
    }
}
