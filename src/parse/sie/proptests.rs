//! Property tests: write → read round trip of generated vouchers, and `parse` never panicking
//! on arbitrary bytes (raw and SIE-shaped).

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{
    ObjectRef, ParseOptions, SieFile, Trans, Ver, VoucherReader, parse, parse_with, read_file,
    write_4i,
};

/// Text as real files carry it: Swedish letters, punctuation, quotes, braces, backslashes
/// (never last: the format cannot express a trailing backslash).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 åäöÅÄÖé\"{}\\\\/.,:;()-]{0,20}".prop_map(|mut s| {
        if s.ends_with('\\') {
            s.push('.');
        }
        s
    })
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1990i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn money() -> impl Strategy<Value = Decimal> {
    (-10_000_000_000i64..10_000_000_000, 0u32..=2).prop_map(|(m, s)| Decimal::new(m, s))
}

fn quantity() -> impl Strategy<Value = Option<Decimal>> {
    prop_oneof![Just(None), (1i64..100_000, 0u32..=3).prop_map(|(m, s)| Some(Decimal::new(m, s)))]
}

fn objects() -> impl Strategy<Value = Vec<ObjectRef>> {
    prop::collection::vec(
        ("[1-9][0-9]?", text()).prop_map(|(dimension, object)| ObjectRef { dimension, object }),
        0..3,
    )
}

fn trans() -> impl Strategy<Value = Trans> {
    (
        "[0-9]{4}|[A-Z]{2,3}",
        objects(),
        money(),
        prop::option::of(date()),
        text(),
        quantity(),
        prop::option::of("[a-zA-Z åäö]{1,10}"),
    )
        .prop_map(|(account, objects, amount, date, text, quantity, sign)| Trans {
            line: 0,
            account,
            objects,
            amount,
            date,
            text,
            quantity,
            sign,
        })
}

fn ver() -> impl Strategy<Value = Ver> {
    (
        "[A-Z0-9]{0,3}",
        "[0-9]{0,5}",
        date(),
        text(),
        prop::option::of(date()),
        prop::option::of("[a-zA-Z]{1,8}"),
        prop::collection::vec(trans(), 0..5),
        prop::collection::vec(trans(), 0..2),
    )
        .prop_map(|(series, number, date, text, reg_date, sign, rows, removed)| Ver {
            line: 0,
            series,
            number,
            date,
            text,
            reg_date,
            sign,
            rows,
            removed,
        })
}

fn clear_lines(mut vouchers: Vec<Ver>) -> Vec<Ver> {
    for v in &mut vouchers {
        v.line = 0;
        for t in v.rows.iter_mut().chain(v.removed.iter_mut()) {
            t.line = 0;
        }
    }
    vouchers
}

/// Reads at most `n` bytes per call, to cross the stream's buffer boundaries anywhere.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Everything the reader offers on `bytes` must agree and nothing may panic: whole-file parse,
/// the lending stream over tiny reads, and writing the result back out.
fn all_paths_agree(bytes: &[u8], chunk: usize) -> Result<(), TestCaseError> {
    let file = parse(bytes, &ParseOptions::default());
    let mut stream = VoucherReader::new(Trickle(bytes, chunk), &ParseOptions::default());
    let mut lent = Vec::new();
    while let Some(ver) = stream.next_voucher().unwrap() {
        lent.push(ver.clone());
    }
    let rest = stream.into_file().unwrap();
    prop_assert_eq!(&lent, &file.vouchers);
    prop_assert_eq!(&rest.errors, &file.errors);
    prop_assert_eq!(&rest.warnings, &file.warnings);
    let written = write_4i(&file, NaiveDate::from_ymd_opt(2024, 1, 31).unwrap());
    let back = parse(&written, &ParseOptions::default());
    prop_assert_eq!(back.vouchers.len(), file.vouchers.len());
    Ok(())
}

/// The fast paths (`scan.rs`) on and off read `bytes` to the same result: vouchers,
/// diagnostics, repairs and encoding.
fn fast_and_general_agree(bytes: &[u8], options: &ParseOptions) -> Result<(), TestCaseError> {
    let fast = parse_with(bytes, options, true);
    let general = parse_with(bytes, options, false);
    prop_assert_eq!(&fast.vouchers, &general.vouchers, "{}", String::from_utf8_lossy(bytes));
    prop_assert_eq!(&fast.errors, &general.errors);
    prop_assert_eq!(&fast.warnings, &general.warnings);
    prop_assert_eq!(fast.repaired_chars, general.repaired_chars);
    prop_assert_eq!(fast.encoding, general.encoding);
    Ok(())
}

/// SIE-shaped noise: labels, braces, quotes and values in random order.
fn sie_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(&b"#VER "[..]),
        Just(&b"#TRANS "[..]),
        Just(&b"#RTRANS "[..]),
        Just(&b"#BTRANS "[..]),
        Just(&b"#KSUMMA"[..]),
        Just(&b"#RAR 0 20240101 20241231"[..]),
        Just(&b"#KONTO 1930 x"[..]),
        Just(&b"#IB 0 1930 5"[..]),
        Just(&b"{"[..]),
        Just(&b"}"[..]),
        Just(&b"\""[..]),
        Just(&b"\\\""[..]),
        Just(&b" "[..]),
        Just(&b"\t"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\n"[..]),
        Just(&b"1930"[..]),
        Just(&b"-100.5"[..]),
        Just(&b"20240230"[..]),
        Just(&b"\x94\xC5\xE4"[..]),
        Just(&b"\xEF\xBB\xBF"[..]),
    ];
    prop::collection::vec(piece, 0..200).prop_map(|p| p.concat())
}

/// One field of a row record: mostly forms the `#TRANS` fast path takes, sometimes forms it
/// must leave to the general path.
fn row_field(
    good: &'static [&'static str],
    bad: &'static [&'static str],
) -> impl Strategy<Value = &'static str> {
    prop_oneof![6 => prop::sample::select(good), 1 => prop::sample::select(bad)]
}

/// A voucher whose rows are `#TRANS` lines (some `#RTRANS`/`#BTRANS`) built field by field
/// from good and bad forms, with blanks of every kind between the fields.
fn row_records() -> impl Strategy<Value = Vec<u8>> {
    let sep = row_field(&[" ", " ", "\t", "  ", " \t"], &[""]);
    let label = row_field(&["#TRANS"], &["#RTRANS", "#BTRANS"]);
    let account =
        row_field(&["1930", "3001", "DF"], &["\"1930\"", "19\"30", "\u{e5}", "{}", "\"\""]);
    let list = row_field(&["{}"], &["{1 \"2\"}", "{", "100"]);
    let amount = row_field(
        &["100", "-100", "-0", "0.5", "-12.50", "99999999999999.99", "12345678", "-1234567.89"],
        &[
            "1.505",
            "1,5",
            "-",
            "12a",
            "0.",
            ".5",
            "+5",
            "1234567890123456789",
            "\"100\"",
            "\"\"",
            "12345678.123",
            "1234567\u{e9}",
        ],
    );
    let date = row_field(
        &["\"\"", "20240101", "20240102", "00000000"],
        &["20240230", "2024010", "\"20240101\"", "202401011", "{}"],
    );
    let text = row_field(
        &[
            "\"\"",
            "\"abc\"",
            "\"a b {c}\"",
            "\"a\\b\"",
            "\"a long text of more than sixteen\"",
            "\"eight by\u{f6}tes and more\"",
        ],
        &["\"a\\\"b\"", "\"C:\\\"", "\"\u{f6}\"", "bare", "\"open", "\"\"\"\""],
    );
    let qty = row_field(&["0", "1.5", "-2"], &["x", "\"\"", "\"3\"", "1,5"]);
    let sign = row_field(&["\"S\"", "\"\""], &["\"\u{c5}\"", "S", "\"a\"\"b\""]);
    let extra = row_field(&["x"], &["\"\"", "{}"]);
    let row = (
        label,
        prop::collection::vec(sep, 9),
        (account, list, amount, date, text, qty, sign, extra),
        0usize..9,
    )
        .prop_map(|(label, seps, (a, l, m, d, t, q, s, e), fields)| {
            let mut line = String::from(label);
            for (i, f) in [a, l, m, d, t, q, s, e].iter().enumerate().take(fields) {
                // The first blank after the label is needed for it to be `#TRANS` at all.
                line.push_str(if i == 0 && seps[i].is_empty() { " " } else { seps[i] });
                line.push_str(f);
            }
            line
        });
    // Whole rows as exporters write them, with the tails the fast path takes a shortcut on.
    let typical = (
        row_field(&["#TRANS"], &["#RTRANS", "#BTRANS"]),
        row_field(&["1930", "3001"], &["DF", "193", "19301", "193\u{e5}"]),
        row_field(&["100", "-100", "-0", "-12.50", "123456789.5"], &["1,5", "1.505", "1\u{f6}"]),
        row_field(
            &[" \"\" \"\" 0", " \"\" \"\" 0 \"S\"", "", " 20240101 \"abc\" 1.5"],
            &[" \"\" \"\" 0 x", " \"\" \"\" 0\t", " \"\" \"\" 1", " \"\"  \"\" 0"],
        ),
    )
        .prop_map(|(label, account, amount, tail)| {
            format!("{label} {account} {{}} {amount}{tail}")
        });
    let row = prop_oneof![row, typical];
    let eol = || row_field(&["\n", "\r\n", " \r\n", "\t\n"], &["\r", "\r\r\n", "\x1A\n", "\r \n"]);
    let brace = row_field(&["{", "}"], &[" {", "} ", "{}"]).prop_map(String::from);
    let line = prop_oneof![8 => (row, eol()), 1 => (brace, eol())];
    (prop::collection::vec(line, 0..8), eol()).prop_map(|(rows, last)| {
        let mut text = String::from("#KONTO 1930 \"Bank\"\n#VER A 1 20240101\n{\n");
        for (row, eol) in rows {
            text.push_str(&row);
            text.push_str(eol);
        }
        text.push('}');
        text.push_str(last);
        text.into_bytes()
    })
}

/// [`row_field`] for raw bytes (CP437 and Latin-1 letters are not UTF-8).
fn byte_field(
    good: &'static [&'static [u8]],
    bad: &'static [&'static [u8]],
) -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![6 => prop::sample::select(good), 1 => prop::sample::select(bad)]
}

/// Vouchers whose `#VER` lines are built field by field from forms the `#VER` fast path takes
/// and forms it must leave to the general path, in a CP437, UTF-8 or ASCII file, with and
/// without their blocks (so that closing the previous voucher happens on the fast path too).
fn ver_records() -> impl Strategy<Value = Vec<u8>> {
    let sep = byte_field(&[b" ", b" ", b"\t", b"  "], &[b""]);
    let series =
        byte_field(&[b"A", b"\"A\"", b"\"\"", b"B12"], &[b"\x8F", b"{}", b"\"A\\\"\"", b"\"A"]);
    let number = byte_field(&[b"1", b"\"12\"", b"\"\""], &[b"x\x94", b"{1}"]);
    let date = byte_field(
        &[b"20240101", b"20240102", b"20231231"],
        &[b"00000000", b"\"20240101\"", b"20240230", b"2024010", b"\"\"", b"{}", b"202401011"],
    );
    let text = byte_field(
        &[
            b"\"\"",
            b"\"Hyra\"",
            b"\"F\x94rs\x84ljning \x8Fr\"",
            b"\"a\\b\"",
            b"bare",
            b"\"\xE5r\"",
            b"\"a b {c}\"",
            b"\"F\xC3\xB6rs\xC3\xA4ljning\"",
            b"\"Kundbet L\x86sTeam Sverige AB (9465)\"",
            b"\"Kundbet Inner Wheel (9621)\"",
        ],
        &[b"\"a\\\"b\"", b"\"open", b"{x}", b"\"C:\\\""],
    );
    let reg =
        byte_field(&[b"20240105", b"\"\"", b"\"20240105\"", b"00000000"], &[b"2024", b"x", b"{}"]);
    let sign = byte_field(&[b"\"S\"", b"\"\"", b"Anna"], &[b"\"\x94\"", b"\"a\"\"b\"", b"{}"]);
    let extra = byte_field(&[b"x"], &[b"\"\"", b"{}"]);
    let eol = byte_field(&[b"\n", b"\r\n", b" \r\n"], &[b"\r\r\n", b"\x1A\n", b"\r"]);
    let ver = (
        prop::collection::vec(sep, 8),
        (series, number, date, text, reg, sign, extra),
        0usize..8,
        (0usize..4, eol),
    )
        .prop_map(|(seps, (a, b, c, d, e, f, g), fields, (block, eol))| {
            let mut line = b"#VER".to_vec();
            for (i, f) in [a, b, c, d, e, f, g].iter().enumerate().take(fields) {
                // The first blank after the label is needed for it to be `#VER` at all.
                line.extend_from_slice(if i == 0 && seps[i].is_empty() { b" " } else { seps[i] });
                line.extend_from_slice(f);
            }
            line.extend_from_slice(eol);
            match block {
                0 => {}
                1 => line.extend_from_slice(b"{\r\n"),
                _ => line.extend_from_slice(b"{\n#TRANS 1930 {} 1\r\n#TRANS 3001 {} -1\n}\r\n"),
            }
            line
        });
    let head = byte_field(
        &[b"", b"#FNAMN \"F\x94retaget\"\n", b"#FNAMN \"F\xC3\xB6retaget\"\n"],
        &[b"#RAR 0 20240101 20241231\n#KONTO 1930 \"Bank\"\n"],
    );
    (head, prop::collection::vec(ver, 0..6)).prop_map(|(head, vers)| {
        let mut out = head.to_vec();
        out.extend(vers.concat());
        out
    })
}

proptest! {
    /// The row fast path reads every row exactly as the general path does, diagnostics
    /// included, whatever the fields and line ends look like, and streaming in small reads
    /// (lines cut at every place) changes nothing.
    #[test]
    fn fast_rows_agree_with_the_general_path(bytes in row_records(), chunk in 1usize..70) {
        all_paths_agree(&bytes, chunk)?;
        fast_and_general_agree(&bytes, &ParseOptions::default())?;
    }

    /// The `#VER` fast path reads every voucher line exactly as the general path does.
    #[test]
    fn fast_vouchers_agree_with_the_general_path(bytes in ver_records(), chunk in 1usize..70) {
        all_paths_agree(&bytes, chunk)?;
        fast_and_general_agree(&bytes, &ParseOptions::default())?;
    }

    #[test]
    fn written_vouchers_read_back_identically(vouchers in prop::collection::vec(ver(), 0..6)) {
        let file = SieFile { vouchers, company_name: Some("Bolaget \"AB\"".into()), ..SieFile::default() };
        let generated = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        let bytes = write_4i(&file, generated);
        let back = parse(&bytes, &ParseOptions::default());
        prop_assert_eq!(back.checksum.map(|c| c.ok()), Some(true));
        prop_assert_eq!(back.company_name, file.company_name);
        prop_assert_eq!(clear_lines(back.vouchers), file.vouchers);
    }

    #[test]
    fn parse_never_panics_on_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        chunk in 1usize..70,
    ) {
        all_paths_agree(&bytes, chunk)?;
        let streamed = read_file(&bytes[..], &ParseOptions::default()).unwrap();
        prop_assert_eq!(streamed.vouchers.len(), parse(&bytes, &ParseOptions::default()).vouchers.len());
    }

    #[test]
    fn parse_never_panics_on_sie_shaped_input(bytes in sie_like(), chunk in 1usize..70) {
        let file = parse(&bytes, &ParseOptions { max_errors: 5, ..ParseOptions::default() });
        prop_assert!(file.errors.len() <= 6);
        all_paths_agree(&bytes, chunk)?;
        // The fast paths (`scan.rs`) agree with the general path on noise too.
        fast_and_general_agree(&bytes, &ParseOptions { max_errors: 5, ..ParseOptions::default() })?;
    }
}
