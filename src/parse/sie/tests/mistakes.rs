//! Files with mistakes people and programs make: mixed encodings, unquoted texts, thousands
//! separators, extra decimals. Each is read as far as it can be and said where it is.

use super::*;

#[test]
fn a_utf8_file_with_a_stray_latin1_byte_is_read_as_utf8_and_says_where() {
    let mut bytes = "#FLAGGA 0\n#FNAMN \"Åsa Öberg Kafé AB\"\n#VER A 1 20261010 \"Växel\"\n{\n\
                     #TRANS 1910 {} 5.00 \"\" \"Sk"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"\xF6ldgatan\"\n#TRANS 3001 {} -5.00\n}\n");
    let file = parse(&bytes, &ParseOptions::default());
    assert_eq!(file.encoding, Encoding::Utf8);
    assert_eq!(file.company_name.as_deref(), Some("Åsa Öberg Kafé AB"));
    let ver = &file.vouchers[0];
    assert_eq!((ver.text.as_str(), ver.rows[0].text.as_str()), ("Växel", "Sköldgatan"));
    assert_eq!(
        messages(&file.warnings),
        ["line 5: a byte that is not UTF-8 (read as Windows-1252) in a UTF-8 file read as \
             `Sköldgatan` (hint: the exporting program mixed encodings; check the letters)"]
    );
}

#[test]
fn hand_written_mistakes_are_named_for_what_they_are() {
    let file =
        |body: &str| sie(&format!("{HEADER}#KONTO 1930 \"Bank\"\n#KONTO 3001 \"F\"\n{body}"));
    let row =
        |r: &str| file(&format!("#VER A 1 20240110 \"x\"\n{{\n{r}\n#TRANS 3001 {{}} -5\n}}\n"));
    // An unquoted row text would lose all but its first word.
    let f = row("#TRANS 1930 {} 5 \"\" Kaffe och bröd");
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(
        f.warnings[0].message,
        "row text `Kaffe och bröd` is not in quotes: read as `Kaffe`"
    );
    assert!(f.warnings[0].hint.as_deref().is_some_and(|h| h.contains("\"Kaffe och bröd\"")));
    assert_eq!(
        (f.vouchers[0].rows[0].text.as_str(), f.vouchers[0].rows[0].quantity),
        ("Kaffe", None)
    );
    // A quoted text and a quantity that is not one: that, as before.
    let f = row("#TRANS 1930 {} 5 \"\" \"Kaffe\" x1");
    assert_eq!(f.warnings[0].message, "bad quantity `x1` ignored");
    // A space between the thousands.
    let f = row("#TRANS 1930 {} 1 000,00");
    assert_eq!(f.errors[0].message, "amount `1 000,00` has a space between its thousands");
    // An unquoted voucher text, not a "bad date".
    let f = file("#VER A 1 20240110 Kaffe och bröd\n{\n#TRANS 1930 {} 5\n#TRANS 3001 {} -5\n}\n");
    assert_eq!(
        messages(&f.errors),
        [
            "line 11: voucher text `Kaffe och bröd` is not in quotes (hint: a text with spaces is written in quotes: `\"Kaffe och bröd\"`)"
        ]
    );
    // A date that cannot be read is said once, not again as "outside the fiscal years".
    let f = file("#VER A 1 2024-01-10 \"x\"\n{\n#TRANS 1930 {} 5\n#TRANS 3001 {} -5\n}\n");
    assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
    assert!(f.errors[0].message.starts_with("bad date `2024-01-10`"), "{:?}", f.errors);
    // Still a row text and a quantity, as the spec has them.
    let f = row("#TRANS 1930 {} 5 \"\" Kaffe 2");
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.vouchers[0].rows[0].quantity, Some(dec("2")));
}

#[test]
fn an_amount_written_with_trailing_zero_decimals_is_read_exactly() {
    let f = sie(&format!(
        "{HEADER}#VER A 1 20240110 \"x\"\n{{\n#TRANS 1930 {{}} 100.000\n#TRANS 3001 {{}} -100.005\n}}\n"
    ));
    assert_eq!(f.vouchers[0].rows[0].amount, dec("100"));
    assert_eq!(
        messages(&f.warnings)[0],
        "line 11: amount `100.000` is written with more than two decimals; read as 100.00 (hint: the spec wants at most two decimals)"
    );
    assert_eq!(f.errors[0].message, "amount `-100.005` has more than two decimals");
}
