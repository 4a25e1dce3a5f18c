//! Text-level quirks of order exports: encoding (UTF-8 with or without BOM, Windows-1252),
//! delimiter (`,` `;` tab), Swedish and English number formats, dates with or without time.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Windows-1252 code points for bytes 0x80..=0x9F (the rest is Latin-1).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// Decodes the file: UTF-8 (a BOM is dropped) when valid, else Windows-1252.
pub(super) fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "utf-8-bom");
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), "utf-8")
    } else {
        let text = bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect();
        (text, "windows-1252")
    }
}

/// Where each line of a text starts, for 1-based line numbers that hold whatever ends its
/// lines: `\n`, `\r\n` or a lone `\r` (old Mac exports). The `csv` crate's own line count
/// counts `\n` only, and a record after a `\r\n` starts, for it, on the `\n` before it.
pub(super) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub(super) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends {
                starts.push(i + 1);
            }
        }
        LineStarts(starts)
    }

    /// The line of a record that the reader says begins at byte `byte` of `text`: the line of
    /// its first character, past any line ends the reader counts as its start.
    pub(super) fn line_of(&self, text: &str, byte: u64) -> usize {
        let bytes = text.as_bytes();
        let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while bytes.get(at).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            at += 1;
        }
        self.0.partition_point(|&start| start <= at).max(1)
    }
}

/// The delimiter of the header line: whichever of `,` `;` tab occurs most outside quotes.
pub(super) fn delimiter(text: &str) -> u8 {
    let header = text.split(['\r', '\n']).next().unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// Reads an amount or quantity the way shops write them: `1234.50`, `1 234,50` (spaces,
/// no-break spaces or `'` between thousands), `1,234.50`, `-12,5`, `−12,5`, with an optional
/// `kr`/`SEK`/`:-` suffix. A lone comma is the decimal comma.
pub(super) fn number(text: &str) -> Option<Decimal> {
    let mut t = text.trim().replace('\u{2212}', "-");
    for suffix in [":-", "SEK", "sek", "kr", "Kr"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.trim_end().to_owned();
        }
    }
    let t: String =
        t.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'')).collect();
    if t.is_empty() {
        return None;
    }
    let normalized = match (t.rfind(','), t.rfind('.')) {
        (Some(c), Some(d)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), None) if t.matches(',').count() == 1 => t.replace(',', "."),
        (Some(_), _) => t.replace(',', ""),
        _ => t,
    };
    if !normalized.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
        return None;
    }
    normalized.parse::<Decimal>().ok()
}

/// A percentage such as `10%` or `12,5 %`.
pub fn percent(text: &str) -> Option<Decimal> {
    number(text.trim().strip_suffix('%')?)
}

/// The date at the start of `2026-11-20`, `2026-11-20 09:55:16 -0400`, `2026-11-20T09:55:16Z`,
/// `2026/11/20`.
pub fn date(text: &str) -> Option<NaiveDate> {
    let head: String = text.trim().chars().take(10).collect();
    NaiveDate::parse_from_str(&head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&head, "%Y/%m/%d"))
        .ok()
}

/// A yes/no cell: `true/false`, `yes/no`, `ja/nej`, `1/0`, `x`.
pub fn flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "ja" | "1" | "x" | "y" | "j" => Some(true),
        "false" | "no" | "nej" | "0" | "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_swedish_and_english() {
        let cases = [
            ("1234.50", "1234.50"),
            ("1 234,50", "1234.50"),
            ("1\u{a0}234,50 kr", "1234.50"),
            ("1,234.50", "1234.50"),
            ("1.234,50", "1234.50"),
            ("-12,5", "-12.5"),
            ("\u{2212}12,50", "-12.50"),
            ("249:-", "249"),
            ("0,001", "0.001"),
            ("1,234,567", "1234567"),
        ];
        for (text, expected) in cases {
            assert_eq!(number(text).map(|d| d.to_string()), Some(expected.to_owned()), "{text}");
        }
        assert_eq!(number(""), None);
        assert_eq!(number("abc"), None);
        assert_eq!(percent("12,5 %").map(|d| d.to_string()), Some("12.5".to_owned()));
        assert_eq!(percent("12"), None);
    }

    #[test]
    fn encodings_delimiters_dates() {
        assert_eq!(decode(b"\xEF\xBB\xBFa;b").1, "utf-8-bom");
        assert_eq!(decode("Åsa".as_bytes()), ("Åsa".to_owned(), "utf-8"));
        assert_eq!(decode(b"\xC5sa \x80 \x96"), ("Åsa € –".to_owned(), "windows-1252"));
        assert_eq!(delimiter("a;b;\"c,d,e\"\n1,2"), b';');
        assert_eq!(delimiter("a\tb\tc"), b'\t');
        assert_eq!(delimiter("Name,Email"), b',');
        assert_eq!(
            date("2025-05-11 09:55:16 -0400").map(|d| d.to_string()).as_deref(),
            Some("2025-05-11")
        );
        assert_eq!(date("2026/11/20").map(|d| d.to_string()).as_deref(), Some("2026-11-20"));
        assert_eq!(date("20.11.2026"), None);
    }
}
