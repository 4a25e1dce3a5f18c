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

pub(super) use super::super::lexer::is_blank;

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
/// runs into anything but a blank or the line end. A word at a time.
#[inline]
pub(super) fn bare(buf: &[u8], i: usize) -> Option<usize> {
    let mut e = i;
    loop {
        let Some(w) = word(buf, e) else {
            while matches!(at(buf, e), 0x21..=0x7E) {
                e += 1;
            }
            break;
        };
        let n = leading_printable(w);
        e += n;
        if n < 8 {
            break;
        }
    }
    (e > i && field_ends(buf, e)).then_some(e)
}

/// How many of `w`'s bytes, from the first, are printable ASCII (`!` to `~`). As in
/// [`leading_digits`], the first byte that is not is always marked right.
#[inline(always)]
fn leading_printable(w: u64) -> usize {
    let stop = (w.wrapping_sub(0x2121_2121_2121_2121) | w.wrapping_add(0x0101_0101_0101_0101) | w)
        & 0x8080_8080_8080_8080;
    (stop.trailing_zeros() / 8) as usize
}

/// A quoted field at `i` (on its `"`) that closes on this line with no `\"` inside: its
/// content's range, the index after the closing quote (split as [`lexer::tokenize`] does) and
/// whether the content is ASCII, all found in one pass, a word at a time.
#[inline]
pub(super) fn quoted(buf: &[u8], i: usize) -> Option<(usize, usize, usize, bool)> {
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    const LINE_FEEDS: u64 = 0x0A0A_0A0A_0A0A_0A0A;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let s = i + 1;
    // `""` is the most common field of all.
    if at(buf, s) == b'"' {
        return Some((s, s, s + 1, true));
    }
    let mut end = s;
    let mut high = 0;
    loop {
        let Some(w) = word(buf, end) else {
            // Fewer than eight bytes left: the rest byte by byte.
            let rest = end;
            end = lexer::next_quote_or_newline(buf, rest);
            high |= u64::from(!buf[rest..end].is_ascii());
            break;
        };
        let hit = lexer::zero_bytes(w ^ QUOTES) | lexer::zero_bytes(w ^ LINE_FEEDS);
        if hit != 0 {
            let k = hit.trailing_zeros() / 8;
            high |= w & ((1 << (8 * k)) - 1) & HIGH;
            end += k as usize;
            break;
        }
        high |= w & HIGH;
        end += 8;
    }
    (at(buf, end) == b'"' && buf[end - 1] != b'\\').then_some((s, end, end + 1, high == 0))
}

/// A bare field or a quoted one without `\"` at `i`: content range, the index after it and
/// whether the content is ASCII (as in [`quoted`]). `None` for an object list, escapes, a
/// field that does not end on this line, or a bare field with other than printable ASCII.
/// Forced inline (into `fast_ver`, which reads five fields with it): measured 1.5 % fewer
/// instructions on the bench than a call per field.
#[inline(always)]
pub(super) fn plain_field(buf: &[u8], i: usize) -> Option<(usize, usize, usize, bool)> {
    match at(buf, i) {
        b'"' => quoted(buf, i),
        b'{' => None,
        _ => bare(buf, i).map(|e| (i, e, e, true)),
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

/// Every four-digit account id, `0000` to `9999`, one after the other: an id is set by copying
/// four bytes of valid text (no per-character push, no UTF-8 check): measured 9% faster on
/// the bench than `keep_or_set_ascii`.
static FOUR_DIGITS: &str = match std::str::from_utf8(&FOUR_DIGIT_BYTES) {
    Ok(text) => text,
    Err(_) => panic!("ASCII digits are text"),
};

static FOUR_DIGIT_BYTES: [u8; 40_000] = {
    let mut bytes = [0; 40_000];
    let mut i = 0;
    while i < 10_000 {
        let mut k = 0;
        let mut rest = i;
        while k < 4 {
            #[allow(clippy::cast_possible_truncation)] // a digit
            let digit = (rest % 10) as u8;
            bytes[4 * i + 3 - k] = b'0' + digit;
            rest /= 10;
            k += 1;
        }
        i += 1;
    }
    bytes
};

/// Sets `out` to a four-digit account id, given as its digits and their
/// [`digits_index`](super::super::validate::digits_index) `i` (computed once per row, for the
/// chart lookup too); left alone when it already is that one.
#[inline]
pub(super) fn set_digits(out: &mut String, digits: [u8; 4], i: usize) {
    if out.as_bytes() != digits {
        out.clear();
        out.push_str(FOUR_DIGITS.get(4 * i..4 * i + 4).unwrap_or_default());
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

const POW10: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// Eight bytes from `i` as one word, the first byte lowest; `None` when fewer remain.
#[inline(always)]
pub(super) fn word(buf: &[u8], i: usize) -> Option<u64> {
    buf.get(i..)?.first_chunk::<8>().map(|b| u64::from_le_bytes(*b))
}

/// How many of `w`'s bytes, from the first, are ASCII digits (8 when all are). Carries and
/// borrows only move towards later bytes, so the first non-digit is always marked right.
#[inline(always)]
pub(super) fn leading_digits(w: u64) -> usize {
    let not_digit = (w.wrapping_add(0x4646_4646_4646_4646) | w.wrapping_sub(0x3030_3030_3030_3030))
        & 0x8080_8080_8080_8080;
    (not_digit.trailing_zeros() / 8) as usize
}

/// The value of the first `n` (1..=8) bytes of `w`, all ASCII digits: the digits are moved
/// to the top of the word, so the bytes below read as leading zeros, and the eight are summed
/// pairwise in three multiplications (as simdjson's `parse_eight_digits_unrolled`).
#[inline(always)]
pub(super) fn digits_value(w: u64, n: usize) -> u64 {
    let v = w.wrapping_sub(0x3030_3030_3030_3030) << (8 * (8 - n));
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let pairs = 0x0000_00FF_0000_00FF;
    ((v & pairs).wrapping_mul(0x000F_4240_0000_0064)
        + ((v >> 16) & pairs).wrapping_mul(0x0000_2710_0000_0001))
        >> 32
}

/// The digits from `i`, appended to `mantissa` (wrapping past `u64`; callers bound the count):
/// the index after them. Eight at a time, then byte by byte.
#[inline]
pub(super) fn digits(buf: &[u8], mut i: usize, mantissa: &mut u64) -> usize {
    while let Some(w) = word(buf, i) {
        let n = leading_digits(w);
        if n == 0 {
            return i;
        }
        *mantissa = mantissa.wrapping_mul(POW10[n]).wrapping_add(digits_value(w, n));
        i += n;
        if n < 8 {
            return i;
        }
    }
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
    // Nearly every amount has fewer than eight integer digits: one word, no loop.
    let (mut mantissa, mut i) = match word(buf, d0) {
        Some(w) if (1..8).contains(&leading_digits(w)) => {
            let n = leading_digits(w);
            (digits_value(w, n), d0 + n)
        }
        _ => {
            let mut mantissa = 0;
            let i = digits(buf, d0, &mut mantissa);
            (mantissa, i)
        }
    };
    let int_digits = i - d0;
    let mut scale = 0;
    if at(buf, i) == b'.' {
        // One or two decimals; a third is a digit where the field must end (refused below).
        let first = at(buf, i + 1).wrapping_sub(b'0');
        if first >= 10 {
            return None;
        }
        let second = at(buf, i + 2).wrapping_sub(b'0');
        // Wrapping: an integer part past 18 digits has wrapped already; refused below.
        (mantissa, scale, i) = if second < 10 {
            (mantissa.wrapping_mul(100).wrapping_add(u64::from(first * 10 + second)), 2, i + 3)
        } else {
            (mantissa.wrapping_mul(10).wrapping_add(u64::from(first)), 1, i + 2)
        };
    }
    if int_digits == 0 || int_digits + scale > 18 || !field_ends(buf, i) {
        return None;
    }
    let value = Decimal::from_parts(
        (mantissa & 0xFFFF_FFFF) as u32,
        (mantissa >> 32) as u32,
        0,
        neg && mantissa != 0,
        scale as u32,
    );
    let ore = i128::from(mantissa)
        * if scale == 0 {
            100
        } else if scale == 1 {
            10
        } else {
            1
        };
    Some((value, if neg { -ore } else { ore }, i))
}

#[cfg(test)]
mod tests;
