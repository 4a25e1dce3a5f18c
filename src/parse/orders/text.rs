//! Text-level quirks of order exports: encoding (UTF-8 with or without BOM, Windows-1252),
//! delimiter (`,` `;` tab), Swedish and English number formats, dates with or without time.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

/// Most lines with stray bytes that are told one by one.
const STRAY_LINES_TOLD: usize = 20;

/// A byte as Windows-1252 reads it; the five bytes it leaves undefined are U+FFFD, never the
/// C1 control characters Latin-1 has there.
fn cp1252(b: u8) -> char {
    crate::parse::cp1252::char_of(b).unwrap_or('\u{FFFD}')
}

/// An export's text, the encoding it was read as, and a warning for each line that holds
/// bytes read otherwise than the rest of the file.
pub(super) struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub warnings: Vec<Diagnostic>,
}

/// Decodes the file: UTF-8 (a BOM is dropped) when valid; UTF-8 too when it is UTF-8 apart
/// from a few bytes (an en dash pasted from Word into a UTF-8 export), each such byte read as
/// Windows-1252 with a warning on its line; else Windows-1252 throughout. "A few": see
/// `parse::cp1252::mostly_utf8`, or any number after a UTF-8 BOM. A Windows-1252 file taken as
/// UTF-8 by mistake loses only letter-and-symbol pairs, since its other bytes are read as
/// Windows-1252.
pub(super) fn decode(bytes: &[u8]) -> Decoded {
    let (bytes, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let utf8 = if bom { "utf-8-bom" } else { "utf-8" };
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded { text: text.to_owned(), encoding: utf8, warnings: Vec::new() };
    }
    let lines = LineStarts::new(bytes);
    if bom || crate::parse::cp1252::mostly_utf8(bytes) {
        let mut text = String::with_capacity(bytes.len());
        let mut stray: Vec<(usize, Vec<(u8, char)>)> = Vec::new();
        let mut at = 0;
        for chunk in bytes.utf8_chunks() {
            text.push_str(chunk.valid());
            at += chunk.valid().len();
            for &b in chunk.invalid() {
                let c = cp1252(b);
                text.push(c);
                let line = lines.line_at(at);
                match stray.last_mut() {
                    Some((l, list)) if *l == line => list.push((b, c)),
                    _ => stray.push((line, vec![(b, c)])),
                }
                at += 1;
            }
        }
        let mut warnings: Vec<Diagnostic> = stray
            .iter()
            .take(STRAY_LINES_TOLD)
            .map(|(line, list)| stray_bytes(*line, list))
            .collect();
        if stray.len() > STRAY_LINES_TOLD {
            warnings.push(Diagnostic::more_not_shown(
                stray.len() - STRAY_LINES_TOLD,
                "lines with bytes that are not UTF-8",
            ));
        }
        return Decoded { text, encoding: utf8, warnings };
    }
    let mut warnings = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if cp1252(b) == '\u{FFFD}' && warnings.len() < STRAY_LINES_TOLD {
            warnings.push(
                Diagnostic::at(
                    lines.line_at(i),
                    format!("byte 0x{b:02X} is no character in Windows-1252; read as `\u{FFFD}`"),
                )
                .hint("save the export as UTF-8"),
            );
        }
    }
    Decoded { text: bytes.iter().map(|&b| cp1252(b)).collect(), encoding: "windows-1252", warnings }
}

/// The warning for the bytes of one line of a UTF-8 export that are not UTF-8.
fn stray_bytes(line: usize, list: &[(u8, char)]) -> Diagnostic {
    let bytes: Vec<String> = list.iter().map(|(b, _)| format!("0x{b:02X}")).collect();
    let chars: Vec<String> = list.iter().map(|(_, c)| format!("`{c}`")).collect();
    let (what, are) = if list.len() == 1 { ("byte", "is") } else { ("bytes", "are") };
    Diagnostic::at(
        line,
        format!(
            "{what} {} {are} not UTF-8, unlike the rest of the export; read as Windows-1252 {}",
            bytes.join(", "),
            chars.join(", ")
        ),
    )
    .hint(
        "check the text on this line; save the export as UTF-8 (a text pasted from a Windows \
         program such as Word often brings such a byte)",
    )
}

/// Where each line of a text starts, for 1-based line numbers that hold whatever ends its
/// lines: `\n`, `\r\n` or a lone `\r` (old Mac exports). The `csv` crate's own line count
/// counts `\n` only, and a record after a `\r\n` starts, for it, on the `\n` before it.
pub(super) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub(super) fn new(bytes: &[u8]) -> Self {
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
        self.line_at(at)
    }

    /// The line of byte `at`.
    pub(super) fn line_at(&self, at: usize) -> usize {
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

/// ISO 4217 codes of currencies in use (not the metals, fund and test codes `X..`, save the
/// CFA francs, the East Caribbean and CFP francs and the Caribbean guilder).
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD \
    BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE \
    CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF \
    IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL \
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR \
    PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD \
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED \
    VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL";

/// A currency as an export writes it, as its ISO 4217 code: `SEK` or `sek`, and the Swedish
/// krona as shops print it (`kr`, `Kr.`, `:-`, `kronor`), whatever the case; `€` is `EUR`.
/// `None` for anything else (`$` is several currencies).
pub fn currency(text: &str) -> Option<String> {
    let t = text.trim();
    match t.to_lowercase().as_str() {
        "kr" | "kr." | ":-" | "skr" | "kronor" | "svenska kronor" => return Some("SEK".to_owned()),
        "€" | "euro" => return Some("EUR".to_owned()),
        _ => {}
    }
    let code = t.to_ascii_uppercase();
    CURRENCIES.split_whitespace().any(|c| c == code).then_some(code)
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
    fn currencies_are_iso_codes_and_the_krona_as_shops_write_it() {
        for (text, expected) in [
            ("SEK", Some("SEK")),
            ("sek", Some("SEK")),
            ("kr", Some("SEK")),
            ("Kr.", Some("SEK")),
            (":-", Some("SEK")),
            ("EUR", Some("EUR")),
            ("€", Some("EUR")),
            (" nok ", Some("NOK")),
            ("KR", Some("SEK")),
            ("$", None),
            ("ABC", None),
            ("SEKR", None),
            ("", None),
        ] {
            assert_eq!(currency(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn encodings_delimiters_dates() {
        let read = |bytes: &[u8]| {
            let d = decode(bytes);
            (d.text, d.encoding)
        };
        assert_eq!(read(b"\xEF\xBB\xBFa;b").1, "utf-8-bom");
        assert_eq!(read("Åsa".as_bytes()), ("Åsa".to_owned(), "utf-8"));
        assert_eq!(read(b"\xC5sa \x80 \x96"), ("Åsa € –".to_owned(), "windows-1252"));
        assert!(decode(b"\xC5sa \x80 \x96").warnings.is_empty());
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

    /// A UTF-8 export with one byte pasted from a Windows program stays UTF-8: only that byte
    /// is read as Windows-1252, and its line is told.
    #[test]
    fn a_stray_windows_1252_byte_in_a_utf_8_export_is_read_alone_and_told() {
        let mut bytes = "namn\nÅsa Öst Provnamn\nKaffe ".as_bytes().to_vec();
        bytes.extend(b"\x96 mellanrost\r\nTe\x92s\x81\n");
        let d = decode(&bytes);
        assert_eq!(d.text, "namn\nÅsa Öst Provnamn\nKaffe – mellanrost\r\nTe’s\u{FFFD}\n");
        assert_eq!(d.encoding, "utf-8");
        let told: Vec<String> = d.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            told,
            [
                "line 3: byte 0x96 is not UTF-8, unlike the rest of the export; read as \
                 Windows-1252 `–` (hint: check the text on this line; save the export as UTF-8 \
                 (a text pasted from a Windows program such as Word often brings such a byte))",
                "line 4: bytes 0x92, 0x81 are not UTF-8, unlike the rest of the export; read as \
                 Windows-1252 `’`, `\u{FFFD}` (hint: check the text on this line; save the \
                 export as UTF-8 (a text pasted from a Windows program such as Word often brings \
                 such a byte))",
            ]
        );
        // After a BOM the file says it is UTF-8: a stray byte is read alone even in ASCII text.
        let d = decode(b"\xEF\xBB\xBFa\x96b");
        assert_eq!((d.text.as_str(), d.encoding, d.warnings.len()), ("a–b", "utf-8-bom", 1));
        // A Windows-1252 file stays one, and its 0x80..=0x9F are characters, never C1 controls.
        let high: Vec<u8> = (0x80..=0x9F).collect();
        let mut cp = b"\xC5sa \xD6st ".to_vec();
        cp.extend(&high);
        let d = decode(&cp);
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.starts_with("Åsa Öst €"), "{}", d.text);
        assert!(!d.text.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c)), "{:?}", d.text);
        assert!(d.text.contains("‘’“”•–—"), "{}", d.text);
    }
}
