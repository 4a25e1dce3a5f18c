//! Field values: amounts, quantities and dates parsed straight from raw ASCII bytes
//! (format doc §5). No allocation; money is built as a `Decimal` from an integer mantissa.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// How an amount was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountStyle {
    /// `-?\d+(\.\d{1,2})?` as the spec says.
    Spec,
    /// A decimal comma (`28875,00`): accepted, reported as a warning.
    DecimalComma,
}

/// Parses `-?digits[.digits]` with at most `max_decimals` decimals (`None` = any), accepting a
/// decimal comma as well. Returns `None` for anything else.
fn decimal(bytes: &[u8], max_decimals: Option<u32>) -> Option<(Decimal, AmountStyle)> {
    let (neg, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // Up to 18 digits fit a u64 without overflow checks: every real amount.
    if digits.len() <= 18 {
        return small_decimal(neg, digits, max_decimals);
    }
    let mut mantissa: i128 = 0;
    let mut scale: u32 = 0;
    let mut seen_sep = None;
    let mut int_digits = 0;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
                if seen_sep.is_some() {
                    scale += 1;
                } else {
                    int_digits += 1;
                }
            }
            b'.' | b',' if seen_sep.is_none() => seen_sep = Some(b),
            _ => return None,
        }
    }
    if int_digits == 0 || (seen_sep.is_some() && scale == 0) {
        return None;
    }
    if max_decimals.is_some_and(|m| scale > m) || scale > 28 {
        return None;
    }
    if neg {
        mantissa = -mantissa;
    }
    let value = Decimal::try_from_i128_with_scale(mantissa, scale).ok()?;
    let style = if seen_sep == Some(b',') { AmountStyle::DecimalComma } else { AmountStyle::Spec };
    Some((value, style))
}

/// [`decimal`] for at most 18 digits: a u64 mantissa, the `Decimal` built from its parts.
#[allow(clippy::cast_possible_truncation)]
fn small_decimal(
    neg: bool,
    digits: &[u8],
    max_decimals: Option<u32>,
) -> Option<(Decimal, AmountStyle)> {
    let mut mantissa: u64 = 0;
    let mut sep_at = None;
    let mut sep = b'.';
    for (i, &b) in digits.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            mantissa = mantissa * 10 + u64::from(d);
        } else if (b == b'.' || b == b',') && sep_at.is_none() {
            sep_at = Some(i);
            sep = b;
        } else {
            return None;
        }
    }
    let (int_digits, scale) = match sep_at {
        Some(i) => (i, digits.len() - i - 1),
        None => (digits.len(), 0),
    };
    // At most 18 digits: the scale fits a u32.
    let scale = scale as u32;
    if int_digits == 0 || (sep_at.is_some() && scale == 0) {
        return None;
    }
    if max_decimals.is_some_and(|m| scale > m) {
        return None;
    }
    let value = Decimal::from_parts(
        (mantissa & 0xFFFF_FFFF) as u32,
        (mantissa >> 32) as u32,
        0,
        neg && mantissa != 0,
        scale,
    );
    let style = if sep == b',' { AmountStyle::DecimalComma } else { AmountStyle::Spec };
    Some((value, style))
}

/// An amount: `-?\d+(\.\d{1,2})?`, or the same with a decimal comma.
pub fn amount(bytes: &[u8]) -> Option<(Decimal, AmountStyle)> {
    decimal(bytes, Some(2))
}

/// A quantity: any decimal; empty and `0` mean "no quantity". `Err` for garbage.
pub fn quantity(bytes: &[u8]) -> Result<Option<Decimal>, ()> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let (q, _) = decimal(bytes, None).ok_or(())?;
    Ok(if q.is_zero() { None } else { Some(q) })
}

/// An optional `YYYYMMDD` date: empty or `00000000` is `None`. `Err` when malformed.
pub fn date(bytes: &[u8]) -> Result<Option<NaiveDate>, ()> {
    if bytes.is_empty() || bytes == b"00000000" {
        return Ok(None);
    }
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    let num = |r: std::ops::Range<usize>| {
        bytes[r].iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let year = i32::try_from(num(0..4)).map_err(|_| ())?;
    NaiveDate::from_ymd_opt(year, num(4..6), num(6..8)).map(Some).ok_or(())
}

/// A signed integer such as a year index (`0`, `-1`).
pub fn int(bytes: &[u8]) -> Option<i32> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Formats money with two decimals for messages (`100.00`, `-90.50`).
pub fn money(d: Decimal) -> String {
    format!("{d:.2}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_per_spec() {
        for (text, want) in [
            ("-1000.00", "-1000.00"),
            ("9129", "9129"),
            ("-3142.1", "-3142.1"),
            ("0", "0"),
            ("123456789012345678901234", "123456789012345678901234"),
            ("-123456789012345678.9", "-123456789012345678.9"),
            ("999999999999999999", "999999999999999999"),
            ("-0", "0"),
            ("-0.05", "-0.05"),
        ] {
            assert_eq!(amount(text.as_bytes()), Some((dec(want), AmountStyle::Spec)), "{text}");
        }
        assert_eq!(amount(b"28875,00"), Some((dec("28875.00"), AmountStyle::DecimalComma)));
        for bad in
            ["", "-", "1.", ".5", "+5", "1.234", "1e5", "1 000", "12a", "1.2.3", "--1", "1,2.3"]
        {
            assert_eq!(amount(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity(b""), Ok(None));
        assert_eq!(quantity(b"0"), Ok(None));
        assert_eq!(quantity(b"1.125"), Ok(Some(dec("1.125"))));
        assert_eq!(quantity(b"x"), Err(()));
    }

    #[test]
    fn dates() {
        assert_eq!(date(b"20210501"), Ok(NaiveDate::from_ymd_opt(2021, 5, 1)));
        assert_eq!(date(b""), Ok(None));
        assert_eq!(date(b"00000000"), Ok(None));
        for bad in ["2018-05-02", "20210230", "2021050", "abcdefgh"] {
            assert_eq!(date(bad.as_bytes()), Err(()), "{bad}");
        }
    }

    #[test]
    fn formats_money() {
        assert_eq!(money(dec("100")), "100.00");
        assert_eq!(money(dec("-90.5")), "-90.50");
    }
}
