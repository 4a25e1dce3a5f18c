//! Whole-file tests of [`super::parse`]: one case per tag or quirk of real files.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Encoding, ParseOptions, SieFile, parse};

fn sie(text: &str) -> SieFile {
    parse(text.as_bytes(), &ParseOptions::default())
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn messages(d: &[crate::diagnostic::Diagnostic]) -> Vec<String> {
    d.iter().map(ToString::to_string).collect()
}

const HEADER: &str = "#FLAGGA 0\n#PROGRAM \"Test\" 1.0\n#FORMAT PC8\n#GEN 20240101\n#SIETYP 4\n\
                      #FNAMN \"Bolaget AB\"\n#ORGNR 556677-8899\n#RAR 0 20240101 20241231\n";

#[test]
fn header_labels() {
    let f = sie(HEADER);
    assert!(f.errors.is_empty() && f.warnings.is_empty(), "{:?} {:?}", f.errors, f.warnings);
    assert_eq!(f.flag.as_deref(), Some("0"));
    assert_eq!(f.program, Some(("Test".into(), "1.0".into())));
    assert_eq!(f.sie_type, Some(4));
    assert_eq!(f.company_name.as_deref(), Some("Bolaget AB"));
    assert_eq!(f.org_number.as_deref(), Some("556677-8899"));
    assert_eq!(f.fiscal_years[0].start, date(2024, 1, 1));
    assert_eq!(f.generated, Some(date(2024, 1, 1)));
    assert_eq!(f.kind(), "4I");
}

#[test]
fn voucher_block_with_all_fields() {
    let f = sie(&format!(
        "{HEADER}#VER A 12 20240105 \"Kaffe \\\"bryggt\\\"\" 20240106 \"anna\"\n{{\n\
         #TRANS 1930 {{}} -100.50 20240104 \"Kassa\" 2 \"bob\"\n\
         #TRANS 5460 {{1 \"0123\" 6 P1}} 100.50\n}}\n"
    ));
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    let v = &f.vouchers[0];
    assert_eq!((v.series.as_str(), v.number.as_str(), v.line), ("A", "12", 9));
    assert_eq!(v.text, "Kaffe \"bryggt\"");
    assert_eq!((v.date, v.reg_date), (date(2024, 1, 5), Some(date(2024, 1, 6))));
    assert_eq!(v.sign.as_deref(), Some("anna"));
    let r = &v.rows[0];
    assert_eq!((r.account.as_str(), r.amount, r.line), ("1930", dec("-100.50"), 11));
    assert_eq!((r.date, r.text.as_str()), (Some(date(2024, 1, 4)), "Kassa"));
    assert_eq!((r.quantity, r.sign.as_deref()), (Some(dec("2")), Some("bob")));
    let objs: Vec<_> = v.rows[1].objects.iter().map(|o| (&*o.dimension, &*o.object)).collect();
    assert_eq!(objs, [("1", "0123"), ("6", "P1")]);
    assert_eq!(f.booked_rows(), 2);
    assert_eq!(f.debit_total(), dec("100.50"));
}

#[test]
fn rtrans_mirror_is_booked_once_and_btrans_is_removed() {
    // Fortnox: the mirror lacks the sign; BL: the mirror has another date.
    let f = sie(&format!(
        "{HEADER}#VER A 1 20240105 \"x\"\n{{\n\
         #BTRANS 2510 {{}} 9042 \"\" \"\" 0 \"Kalle\"\n\
         #RTRANS 2510 {{}} 9129 \"\" \"\" 0 \"Kalle\"\n\
         #TRANS 2510 {{}} 9129 \"\" \"\" 0\n\
         #RTRANS 1630 {{}} -9129 20240301 \"\" 0 \"Kalle\"\n\
         #TRANS 1630 {{}} -9129 20240105\n}}\n"
    ));
    assert!(f.errors.is_empty() && f.warnings.is_empty(), "{:?} {:?}", f.errors, f.warnings);
    let v = &f.vouchers[0];
    assert_eq!(v.rows.len(), 2);
    assert_eq!(v.rows[0].sign.as_deref(), Some("Kalle"));
    assert_eq!(v.rows[1].date, Some(date(2024, 3, 1)));
    assert_eq!(v.removed.len(), 1);
    assert_eq!(v.removed[0].amount, dec("9042"));
}

#[test]
fn rtrans_without_mirror_is_booked_with_a_warning() {
    let f = sie(&format!(
        "{HEADER}#VER A 1 20240105\n{{\n#RTRANS 1930 {{}} 5\n#TRANS 1930 {{}} 6\n\
         #TRANS 3000 {{}} -11\n}}\n"
    ));
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.vouchers[0].rows.len(), 3);
    assert_eq!(
        messages(&f.warnings)[0],
        "line 11: `#RTRANS` is not followed by its mirror `#TRANS` (hint: the row was booked once, from the `#RTRANS`)"
    );
}

#[test]
fn missing_open_brace_opens_the_block_implicitly() {
    let f = sie(&format!(
        "{HEADER}#VER \"\" 19 20240806 \"\"\n\n#TRANS 1930 {{}} 1\n#TRANS 3000 {{}} -1\n}}\n"
    ));
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.booked_rows(), 2);
    assert_eq!(f.warnings.len(), 1);
}

#[test]
fn structural_errors_are_located() {
    for (body, want) in [
        ("#TRANS 1930 {} 1\n", "line 9: `#TRANS` outside a voucher block"),
        ("}\n", "line 9: `}` without an open voucher block"),
        ("#VER A 1 20240101\n{\n#TRANS 1930 {} 0\n", "line 9: voucher `A 1` is not closed"),
        (
            "#VER A 1 20240101\n#VER A 2 20240101\n{\n}\n",
            "line 9: voucher `A 1` has no `{ … }` block",
        ),
        ("#VER A 1 2024-01-01\n{\n}\n", "line 9: bad date `2024-01-01`"),
        (
            "#VER A 1 20240101\n{\n#TRANS 1930 {} 1.234\n}\n",
            "line 11: amount `1.234` has more than two decimals",
        ),
        ("#VER A 1 20240101\n{\n#TRANS 1930 {} 1.2x\n}\n", "line 11: unparseable amount `1.2x`"),
        (
            "#VER A 1 20240101\n{\n#TRANS 1930 {1} 1\n}\n",
            "line 11: object list has an odd number of tokens",
        ),
        ("#VER A 1 20240101\n{\n#TRANS 1930 {1 2 1\n}\n", "line 11: object list is not closed"),
        (
            "#VER A 12 20240101\n{\n#TRANS 1930 {} 100\n#TRANS 3000 {} -90.00\n}\n",
            "line 9: voucher `A 12` does not balance: debit `100.00`, credit `90.00`, difference `10.00`",
        ),
    ] {
        let f = sie(&format!("{HEADER}{body}"));
        let errors = messages(&f.errors);
        assert!(errors.iter().any(|e| e.starts_with(want)), "{body:?}: {errors:?}");
    }
}

/// A row whose amount cannot be read is that row's error; the voucher's balance, which lacks
/// the row, is not reported besides it. The next voucher's balance is still checked.
#[test]
fn an_unreadable_row_is_not_also_an_unbalanced_voucher() {
    let f = sie(&format!(
        "{HEADER}#VER K 1042 20240101\n{{\n#TRANS 1910 {{}} 12,34,5\n#TRANS 3001 {{}} -10\n}}\n\
         #VER K 1043 20240101\n{{\n#TRANS 1910 {{}} 10\n#TRANS 3001 {{}} -9\n}}\n"
    ));
    let errors = messages(&f.errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("line 11: unparseable amount `12,34,5`"), "{errors:?}");
    assert!(errors[1].starts_with("line 14: voucher `K 1043` does not balance"), "{errors:?}");
}

#[test]
fn quirks_of_real_files_are_accepted() {
    let f = sie("#FLAGGA 0\r\n  #SIETYP\t4 \r\n#FNAMN Övningsbolaget AB\n#ORGNR\n\
                 #VER\t1\t1\t20100101\t\r\n{\t\n\t#TRANS 1930\t{ }\t-5.5 \"\" \"\" 0\n\
                 #TRANS 1910  { \"1\" \"1\"} 5.50\n}\t\n   \n#KONTO 1060 Hyresrätt");
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.company_name.as_deref(), Some("Övningsbolaget AB"));
    assert_eq!(f.org_number, None);
    assert_eq!(f.vouchers[0].rows[1].objects.len(), 1);
    assert_eq!(f.vouchers[0].rows[0].quantity, None);
    assert_eq!(f.accounts[0].name, "Hyresrätt");
}

#[test]
fn decimal_comma_is_a_warning() {
    let f = sie(&format!(
        "{HEADER}#VER 1 1 20240101\n{{\n#TRANS 1 {{}} 1,50\n#TRANS 2 {{}} -1,50\n}}\n"
    ));
    assert!(f.errors.is_empty());
    assert_eq!(f.warnings.len(), 2);
    assert!(messages(&f.warnings)[0].contains("amount `1,50` uses a decimal comma"));
    assert_eq!(f.debit_total(), dec("1.5"));
}

#[test]
fn unknown_labels_warn_once_each() {
    let f = sie(&format!("{HEADER}#MOMSKOD 2610 10\n#FOO\n"));
    assert!(f.errors.is_empty());
    assert_eq!(
        messages(&f.warnings),
        [
            "line 9: unknown label `#MOMSKOD` ignored (hint: readers skip labels they do not know)",
            "line 10: unknown label `#FOO` ignored (hint: readers skip labels they do not know)"
        ]
    );
}

#[test]
fn balances_are_read() {
    let f = sie(&format!(
        "{HEADER}#IB 0 1930 100.00\n#OUB -1 1930 {{1 \"2\"}} 5 3\n#PSALDO 0 202401 3000 {{}} -10 0\n"
    ));
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert!(f.has_balances);
    assert_eq!(f.kind(), "4E");
    assert_eq!(f.balances.len(), 3);
    assert_eq!(f.balances[1].objects.len(), 1);
    assert_eq!(f.balances[1].quantity, Some(dec("3")));
    assert_eq!(f.balances[2].period.as_deref(), Some("202401"));
}

#[test]
fn non_sie_input_is_rejected_cleanly() {
    let f = sie("<html><head><title>404 Not Found</title></head>\n<body>x</body></html>\n");
    assert_eq!(messages(&f.errors).len(), 1);
    assert!(f.errors[0].message.starts_with("not a SIE file: starts with `<html>"));
    assert!(f.errors[0].hint.as_deref().unwrap_or("").contains("HTML"));
    assert_eq!(sie("").errors[0].message, "empty file: no SIE records");
    assert_eq!(sie("\r\n  \n").errors.len(), 1);
}

#[test]
fn encodings_are_detected_and_decoded() {
    let cp437 = parse(b"#FNAMN \"F\x94retaget\"\r\n", &ParseOptions::default());
    assert_eq!(
        (cp437.encoding, cp437.company_name.as_deref()),
        (Encoding::Cp437, Some("Företaget"))
    );
    let latin1 = parse(b"#FNAMN \"F\xF6retaget\"\r\n", &ParseOptions::default());
    assert_eq!(
        (latin1.encoding, latin1.company_name.as_deref()),
        (Encoding::Latin1, Some("Företaget"))
    );
    let bom = parse("\u{feff}#FNAMN \"Företaget\"".as_bytes(), &ParseOptions::default());
    assert_eq!((bom.encoding, bom.company_name.as_deref()), (Encoding::Utf8Bom, Some("Företaget")));
    assert_eq!(sie("#FNAMN \"Företaget\"").encoding, Encoding::Utf8);
    assert_eq!(sie("#FNAMN x").encoding, Encoding::Ascii);
}

#[test]
fn max_errors_caps_the_list() {
    let rows = "#TRANS 1 {} 1\n".repeat(10);
    let f = parse(rows.as_bytes(), &ParseOptions { max_errors: 3, ..ParseOptions::default() });
    assert_eq!(f.errors.len(), 4);
    assert_eq!(f.errors[3].message, "`7` more errors not shown");
}

#[test]
fn vouchers_outside_the_fiscal_years_are_errors() {
    let f = sie(&format!(
        "{HEADER}#RAR -1 20230101 20231231\n#VER A 1 20221231\n{{\n}}\n#VER A 2 20230601\n{{\n}}\n"
    ));
    assert_eq!(
        messages(&f.errors),
        ["line 10: voucher `A 1` is dated `2022-12-31`, outside the fiscal years (`#RAR`) \
          (hint: `#RAR 0` covers `2024-01-01` to `2024-12-31`)"]
    );
    // Without `#RAR` nothing is checked.
    assert!(sie("#VER A 1 19991231\n{\n}\n").errors.is_empty());
}

#[test]
fn undeclared_accounts_warn_once_when_a_chart_exists() {
    let body = "#VER A 1 20240101\n{\n#TRANS 1930 {} 1\n#TRANS 4100 {} -1\n}\n\
                #VER A 2 20240101\n{\n#TRANS 4100 {} 1\n#TRANS 1930 {} -1\n}\n";
    let f = sie(&format!("{HEADER}#KONTO 1930 \"Bank\"\n{body}"));
    assert_eq!(
        messages(&f.warnings),
        ["line 13: account `4100` is used but not declared by `#KONTO` \
          (hint: add `#KONTO 4100 \"name\"` to the chart of accounts)"]
    );
    assert!(sie(&format!("{HEADER}{body}")).warnings.is_empty());
}

#[test]
fn balances_in_an_import_file_are_reported() {
    let f = sie(&format!("{HEADER}#IB 0 1930 5\n#UB 0 1930 5\n"));
    let errors = messages(&f.import_errors());
    assert_eq!(
        errors,
        ["line 9: import file (4I) carries balance records: `2` of them, the first is `#IB` \
          (hint: a 4I import file (.si) holds vouchers only: export type 4I from the program \
          that wrote it; if the file is an export with balances (4E), name it .se)"]
    );
    assert!(sie(HEADER).import_errors().is_empty());
}

#[test]
fn flag_one_warns() {
    let f = sie("#FLAGGA 1\n#SIETYP 4\n");
    assert!(f.errors.is_empty());
    assert!(
        messages(&f.warnings)[0].starts_with("line 1: `#FLAGGA 1`: the file was already imported")
    );
}

#[test]
fn ksumma_is_a_crc32_over_label_and_field_contents() {
    let body = "#KONTO 1915 \"Kassa \\\"special\\\"\"\n#VER A 1 20240101\n{\n\
                #TRANS 1915 {1 \"2\"} 0\n}\n";
    // Spec §10: labels with `#`, contents without quotes or separators, list tokens, no braces.
    let crc = crc32fast::hash(b"#KONTO1915Kassa \"special\"#VERA120240101#TRANS1915120");
    let ok = sie(&format!("#FLAGGA 0\n#KSUMMA\n{body}#KSUMMA {crc}\n"));
    assert_eq!(ok.checksum.map(|c| c.ok()), Some(true), "{:?}", ok.checksum);
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
    let bad = sie(&format!("#FLAGGA 0\n#KSUMMA\n{body}#KSUMMA 1\n"));
    assert!(messages(&bad.errors)[0].starts_with(&format!(
        "line 8: checksum mismatch: `#KSUMMA` says `1`, the records give `{crc}`"
    )));
    let truncated = sie(&format!("#FLAGGA 0\n#KSUMMA\n{body}"));
    assert_eq!(
        messages(&truncated.errors),
        ["line 2: file ends without the closing `#KSUMMA` (hint: the file is probably truncated; \
          ask for a fresh export)"]
    );
    let unopened = sie(&format!("#FLAGGA 0\n{body}#KSUMMA 5\n"));
    assert!(unopened.errors.is_empty() && unopened.checksum.is_none());
    assert!(messages(&unopened.warnings)[0].contains("closing `#KSUMMA` without an opening"));
}

/// Every real file reads the same with the fast paths (`scan.rs`) on and off: vouchers,
/// diagnostics, repairs and encoding. The corpus lives beside the project (`../shared`).
#[test]
fn fast_paths_agree_with_the_general_path_on_the_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sie-corpus");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("SIE corpus missing at `{}`: {e}", dir.display()));
    let mut files = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        // The SIE files; SOURCES.md and sha256sums.txt describe them.
        if path.extension().is_none_or(|e| e == "md" || e == "txt") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let fast = super::parse_with(&bytes, &ParseOptions::default(), true);
        let general = super::parse_with(&bytes, &ParseOptions::default(), false);
        let name = path.display();
        assert_eq!(fast.vouchers, general.vouchers, "{name}");
        assert_eq!(fast.errors, general.errors, "{name}");
        assert_eq!(fast.warnings, general.warnings, "{name}");
        assert_eq!(fast.repaired_chars, general.repaired_chars, "{name}");
        assert_eq!(fast.encoding, general.encoding, "{name}");
        files += 1;
    }
    assert_eq!(files, 40, "SIE files in `{}`", dir.display());
}

/// The date cache never answers for bytes that are not a date (an empty slot included).
#[test]
fn dates_of_nul_bytes_are_bad_dates() {
    let f = sie(
        "#VER A 1 \0\0\0\0\0\0\0\0\n{\n#TRANS 1930 {} 1 \0\0\0\0\0\0\0\0\n#TRANS 3001 {} -1\n}\n",
    );
    let errors = messages(&f.errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.contains("bad date")), "{errors:?}");
}

mod mistakes;
