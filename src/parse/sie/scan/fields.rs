//! Byte-level pieces of the hot path (`scan.rs`): field boundaries, line ends, plain amounts
//! and the cheapest ways to put ASCII bytes into a `String`. All of them read the input buffer
//! through [`at`], which yields 0 past its end, so a field cut by the end of a block never
//! reads out of bounds: 0 is never part of a field the fast readers take.

// The byte helpers are forced inline: with plain `#[inline]` the bench runs 8 % slower.
#![allow(clippy::inline_always)]

use rust_decimal::Decimal;

use super::super::lexer;

/// The byte at `i`, or 0 past the end (0 is never part of a field the fast readers take).
#[inline(always)]
pub(super) fn at(buf: &[u8], i: usize) -> u8 {
    buf.get(i).copied().unwrap_or(0)
}

#[inline(always)]
pub(super) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// When a line ends at `i` (`\n` or `\r\n`): where the next one starts.
#[inline(always)]
pub(super) fn eol(buf: &[u8], i: usize) -> Option<usize> {
    match at(buf, i) {
        b'\n' => Some(i + 1),
        b'\r' if at(buf, i + 1) == b'\n' => Some(i + 2),
        _ => None,
    }
}

/// Whether a bare field ends at `i`: a blank or the line end is there.
#[inline(always)]
pub(super) fn field_ends(buf: &[u8], i: usize) -> bool {
    is_blank(at(buf, i)) || eol(buf, i).is_some()
}

#[inline(always)]
pub(super) fn skip_blanks(buf: &[u8], mut i: usize) -> usize {
    while is_blank(at(buf, i)) {
        i += 1;
    }
    i
}

/// Blanks and then the line end from `i`: where the next line starts.
#[inline]
pub(super) fn line_end(buf: &[u8], i: usize) -> Option<usize> {
    eol(buf, skip_blanks(buf, i))
}

/// The end of a bare field of printable ASCII starting at `i`; `None` when it is empty or
/// runs into anything but a blank or the line end.
#[inline]
pub(super) fn bare(buf: &[u8], i: usize) -> Option<usize> {
    let mut e = i;
    while matches!(at(buf, e), 0x21..=0x7E) {
        e += 1;
    }
    (e > i && field_ends(buf, e)).then_some(e)
}

/// A quoted field at `i` (on its `"`) that closes on this line with no `\"` inside: its
/// content's range and the index after the closing quote (split as [`lexer::tokenize`] does).
#[inline]
pub(super) fn quoted(buf: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let s = i + 1;
    // `""` is the most common field of all.
    if at(buf, s) == b'"' {
        return Some((s, s, s + 1));
    }
    let end = lexer::next_quote_or_newline(buf, s);
    (at(buf, end) == b'"' && buf[end - 1] != b'\\').then_some((s, end, end + 1))
}

/// A bare field or a quoted one without `\"` at `i`: content range and the index after it.
/// `None` for an object list, escapes, a field that does not end on this line, or a bare field
/// with other than printable ASCII.
#[inline]
pub(super) fn plain_field(buf: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    match at(buf, i) {
        b'"' => quoted(buf, i),
        b'{' => None,
        _ => bare(buf, i).map(|e| (i, e, e)),
    }
}

/// Sets `out` to `bytes`, known to be ASCII. Short fields are copied byte by byte: a call to
/// the UTF-8 check and `memcpy` costs more than the loop.
#[inline]
pub(in super::super) fn set_ascii(out: &mut String, bytes: &[u8]) {
    out.clear();
    if bytes.len() > 16 {
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
    } else {
        out.extend(bytes.iter().map(|&b| char::from(b)));
    }
}

/// [`set_ascii`] for fields that repeat from voucher to voucher (series, signs): left alone
/// when equal.
#[inline]
pub(super) fn keep_or_set_ascii(out: &mut String, bytes: &[u8]) {
    if out.len() != bytes.len() || !out.bytes().zip(bytes).all(|(a, b)| a == *b) {
        set_ascii(out, bytes);
    }
}

/// Sets `out` to a four-digit account id; left alone when it already is that one.
#[inline]
pub(super) fn set_digits(out: &mut String, digits: [u8; 4]) {
    if <[u8; 4]>::try_from(out.as_bytes()).ok() != Some(digits) {
        out.clear();
        for d in digits {
            out.push(char::from(d));
        }
    }
}

/// The row label at `pos` (`#TRANS`, `#RTRANS` or `#BTRANS`, then a blank) and where its
/// fields start.
pub(super) fn row_label(buf: &[u8], pos: usize) -> Option<(&'static str, usize)> {
    let rest = buf.get(pos..)?;
    let (label, len) = if rest.starts_with(b"#TRANS") {
        ("#TRANS", 6)
    } else if rest.starts_with(b"#RTRANS") {
        ("#RTRANS", 7)
    } else if rest.starts_with(b"#BTRANS") {
        ("#BTRANS", 7)
    } else {
        return None;
    };
    is_blank(at(buf, pos + len)).then_some((label, pos + len))
}

/// The digits from `i`, appended to `mantissa` (wrapping past `u64`; callers bound the count):
/// the index after them.
#[inline]
pub(super) fn digits(buf: &[u8], mut i: usize, mantissa: &mut u64) -> usize {
    loop {
        let d = at(buf, i).wrapping_sub(b'0');
        if d >= 10 {
            return i;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
}

/// A plain amount `-?\d+(\.\d{1,2})?` of at most 18 digits at `i`, parsed as it is scanned
/// and ending at a blank or the line end: its value, the same in öre, and the index after it.
/// `None` for anything else (a longer amount, a comma, more decimals), which the general path
/// then reads and reports.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)]
pub(super) fn amount(buf: &[u8], i: usize) -> Option<(Decimal, i128, usize)> {
    let neg = at(buf, i) == b'-';
    let d0 = i + usize::from(neg);
    let mut mantissa = 0;
    let mut i = digits(buf, d0, &mut mantissa);
    let int_digits = i - d0;
    let mut scale = 0;
    if at(buf, i) == b'.' {
        let f0 = i + 1;
        i = digits(buf, f0, &mut mantissa);
        scale = i - f0;
        if scale == 0 {
            return None;
        }
    }
    if int_digits == 0 || scale > 2 || int_digits + scale > 18 || !field_ends(buf, i) {
        return None;
    }
    let value = Decimal::from_parts(
        (mantissa & 0xFFFF_FFFF) as u32,
        (mantissa >> 32) as u32,
        0,
        neg && mantissa != 0,
        scale as u32,
    );
    let ore = i128::from(mantissa) * [100, 10, 1][scale];
    Some((value, if neg { -ore } else { ore }, i))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
    }

    #[test]
    fn fields_end_only_at_blanks_and_line_ends() {
        let line = b"#VER A \"a b\" \"x\\\"\" 1\r\nB";
        assert_eq!(plain_field(line, 5), Some((5, 6, 6)));
        assert_eq!(plain_field(line, 7), Some((8, 11, 12)));
        assert_eq!(quoted(line, 13), None, "an escaped quote is for the general path");
        assert_eq!(bare(line, 19), Some(20));
        assert_eq!(line_end(line, 20), Some(22));
        assert_eq!(eol(b"x\ry", 1), None);
        assert_eq!(quoted(b"\"open\n\"", 0), None, "a quote never spans lines");
        assert_eq!(at(line, line.len()), 0);
    }
}
