//! Unit tests of the byte-level field readers.
#![allow(clippy::unwrap_used)]

use super::*;

fn amount_of(text: &str) -> Option<(String, i128, usize)> {
    amount(text.as_bytes(), 0).map(|(d, ore, next)| (d.to_string(), ore, next))
}

#[test]
fn plain_amounts_parse_with_their_ore() {
    assert_eq!(amount_of("12559 \"\""), Some(("12559".into(), 1_255_900, 5)));
    assert_eq!(amount_of("-90.5\r\n"), Some(("-90.5".into(), -9050, 5)));
    assert_eq!(amount_of("-0.01\n"), Some(("-0.01".into(), -1, 5)));
    assert_eq!(amount_of("-0 x"), Some(("0".into(), 0, 2)));
    let max = "999999999999999999";
    assert_eq!(amount_of(&format!("{max} ")).map(|a| a.1), Some(99_999_999_999_999_999_900));
}

#[test]
fn anything_else_is_left_to_the_general_path() {
    for text in
        ["1.505 ", "1,5 ", "1. ", ".5 ", "+5 ", "12a ", "- ", "", "1\r", "1234567890123456789 "]
    {
        assert_eq!(amount_of(text), None, "{text:?}");
    }
    // Cut by the end of the buffer: the line end is not there yet.
    assert_eq!(amount_of("100"), None);
    // Past 18 digits the mantissa wraps before the decimals are added: refused, no panic.
    assert_eq!(amount_of("3689348814741910323.9 "), None);
    assert_eq!(amount_of("3504881374004814807.12 "), None);
}

#[test]
fn words_of_digits_read_like_byte_by_byte() {
    let texts = ["0", "7", "42", "1234", "12345678", "00000001", "99999999", "1234a678", "12 45"];
    for text in texts {
        for tail in ["", " ", ".5", "\r\n", "\u{e9}", "\u{0}", "/", ":"] {
            let line = format!("{text}{tail}xxxxxxxxx");
            let w = word(line.as_bytes(), 0).unwrap();
            let n = line.bytes().take(8).take_while(u8::is_ascii_digit).count();
            assert_eq!(leading_digits(w), n, "{line:?}");
            if n > 0 {
                assert_eq!(digits_value(w, n), line[..n].parse::<u64>().unwrap(), "{line:?}");
            }
        }
    }
    // Every byte value right after a digit ends the run exactly when it is no digit.
    for b in 0..=255u8 {
        let w = u64::from_le_bytes([b'5', b, b'1', b'1', b'1', b'1', b'1', b'1']);
        assert_eq!(leading_digits(w), if b.is_ascii_digit() { 8 } else { 1 }, "{b:#x}");
    }
    let mut m = 0;
    assert_eq!(digits(b"1234567890123 ", 0, &mut m), 13);
    assert_eq!(m, 1_234_567_890_123);
}

#[test]
fn four_digit_ids_are_set_from_the_table() {
    let mut out = String::from("DF");
    for id in ["0000", "0027", "1930", "1930", "9999"] {
        let digits = id.as_bytes().try_into().unwrap();
        set_digits(&mut out, digits, super::super::super::validate::digits_index(digits));
        assert_eq!(out, id);
    }
}

#[test]
fn fields_end_only_at_blanks_and_line_ends() {
    let line = b"#VER A \"a b\" \"x\\\"\" 1\r\nB";
    assert_eq!(plain_field(line, 5), Some((5, 6, 6, true)));
    assert_eq!(plain_field(line, 7), Some((8, 11, 12, true)));
    assert_eq!(quoted(line, 7), Some((8, 11, 12, true)));
    assert_eq!(quoted("#VER A \"Försäljning kassa 1\" 1".as_bytes(), 7).map(|q| q.3), Some(false));
    assert_eq!(quoted(b"\"Tr\x94jor\"", 0), Some((1, 7, 8, false)), "short of a word");
    assert_eq!(quoted(b"\"12345678\x94\"\n", 0).map(|q| q.3), Some(false));
    assert_eq!(quoted(b"\"1234567\"\x94\n", 0).map(|q| q.3), Some(true), "after the quote");
    assert_eq!(quoted(line, 13), None, "an escaped quote is for the general path");
    assert_eq!(bare(line, 19), Some(20));
    assert_eq!(line_end(line, 20), Some(22));
    assert_eq!(eol(b"x\ry", 1), None);
    assert_eq!(quoted(b"\"open\n\"", 0), None, "a quote never spans lines");
    assert_eq!(at(line, line.len()), 0);
}
