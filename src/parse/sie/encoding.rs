//! Character encodings of SIE files: detection from the bytes (never from `#FORMAT`), decoding of
//! single fields, re-encoding to CP437 (for `#KSUMMA` and the writer) and the repair of stray
//! Latin-1 letters inside a CP437 file (format doc §2.2-2.3).
//!
//! Tokenizing happens on the raw bytes (every delimiter is ASCII in all encodings used), so only
//! the fields that become text are decoded here.

use oem_cp::code_table::{DECODING_TABLE_CP437, ENCODING_TABLE_CP437};

use super::model::Encoding;
use crate::parse::cp1252;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Swedish letters as CP437 bytes: ä å ö Ä Å Ö é ü.
const CP437_LETTERS: [u8; 8] = [0x84, 0x86, 0x94, 0x8E, 0x8F, 0x99, 0x82, 0x81];
/// Swedish letters as Latin-1 bytes: ä å ö Ä Å Ö é.
const LATIN1_LETTERS: [u8; 7] = [0xE4, 0xE5, 0xF6, 0xC4, 0xC5, 0xD6, 0xE9];

/// Strips a UTF-8 byte order mark. Returns the rest and whether one was there.
pub fn strip_bom(bytes: &[u8]) -> (&[u8], bool) {
    match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    }
}

/// Detects the encoding of `bytes` (BOM already stripped when `bom` is true).
pub fn detect(bytes: &[u8], bom: bool) -> Encoding {
    if bom {
        return Encoding::Utf8Bom;
    }
    if bytes.is_ascii() {
        return Encoding::Ascii;
    }
    if std::str::from_utf8(bytes).is_ok() || cp1252::mostly_utf8(bytes) {
        return Encoding::Utf8;
    }
    if looks_latin1(bytes) { Encoding::Latin1 } else { Encoding::Cp437 }
}

/// Latin-1 letters present and no CP437 letters at all.
fn looks_latin1(bytes: &[u8]) -> bool {
    let mut latin = false;
    for &b in bytes.iter().filter(|b| **b >= 0x80) {
        if CP437_LETTERS.contains(&b) {
            return false;
        }
        latin |= LATIN1_LETTERS.contains(&b);
    }
    latin
}

/// `text` of a Latin-1 file as releases before read it: the Windows-1252 characters of
/// 0x80-0x9F as the control codes of those bytes (for the version those releases gave it).
pub fn latin1_as_before(text: &str) -> String {
    text.chars()
        .map(|c| match cp1252::high_byte_of(c) {
            Some(b) => char::from(b),
            None => c,
        })
        .collect()
}

/// A byte as Windows-1252 (Latin-1 with printable characters at 0x80-0x9F): what "Latin-1" SIE
/// files written on Windows are. The five bytes it leaves undefined stay the control codes
/// Latin-1 has there.
pub fn cp1252(byte: u8) -> char {
    cp1252::char_of(byte).unwrap_or(char::from(byte))
}

/// Latin-1 letters that show up as box-drawing/Greek glyphs when read as CP437, with the letter
/// they stand for (BL's `FaultyCharacters` table, restricted to letters used in Swedish names).
const STRAY_LATIN1: [(u8, char); 10] = [
    (0xE5, 'å'),
    (0xE4, 'ä'),
    (0xF6, 'ö'),
    (0xC5, 'Å'),
    (0xC4, 'Ä'),
    (0xD6, 'Ö'),
    (0xE9, 'é'),
    (0xC9, 'É'),
    (0xFC, 'ü'),
    (0xDC, 'Ü'),
];

/// The high bytes of [`STRAY_LATIN1`] as bits of a mask (bit `b - 0x80`), so decoding a CP437
/// letter costs one bit test instead of a search of the table.
const STRAY_MASK: u128 = {
    let mut mask = 0u128;
    let mut k = 0;
    while k < STRAY_LATIN1.len() {
        mask |= 1 << (STRAY_LATIN1[k].0 - 0x80);
        k += 1;
    }
    mask
};

/// The letter a stray Latin-1 byte inside CP437 text stands for.
pub fn stray_latin1(byte: u8) -> Option<char> {
    if byte < 0x80 || STRAY_MASK & (1 << (byte - 0x80)) == 0 {
        return None;
    }
    STRAY_LATIN1.iter().find(|(b, _)| *b == byte).map(|(_, c)| *c)
}

/// Decodes one field (already unescaped) and appends it to `out`. Returns how many characters
/// were repaired: stray Latin-1 letters in CP437, bytes that are not UTF-8 in UTF-8 (read as
/// Windows-1252).
pub fn decode_into(bytes: &[u8], encoding: Encoding, out: &mut String) -> usize {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8 as it stands: one copy.
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return 0;
    }
    match encoding {
        Encoding::Ascii | Encoding::Utf8 | Encoding::Utf8Bom => {
            let mut repaired = 0;
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(chunk.invalid().iter().map(|&b| cp1252(b)));
                repaired += chunk.invalid().len();
            }
            repaired
        }
        Encoding::Latin1 => {
            out.extend(bytes.iter().map(|&b| cp1252(b)));
            0
        }
        Encoding::Cp437 => {
            // Every high byte becomes two or three UTF-8 bytes.
            out.reserve(bytes.len() * 2);
            let mut repaired = 0;
            for &b in bytes {
                if b < 0x80 {
                    out.push(char::from(b));
                    continue;
                }
                let high = b - 0x80;
                if STRAY_MASK & (1 << high) == 0 {
                    out.push(DECODING_TABLE_CP437[usize::from(high)]);
                } else if let Some(c) = stray_latin1(b) {
                    repaired += 1;
                    out.push(c);
                }
            }
            repaired
        }
    }
}

/// Decodes raw CP437 bytes without any repair (for tests and the writer's round trip).
#[cfg(test)]
pub fn decode_cp437(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(
            |&b| if b < 0x80 { char::from(b) } else { DECODING_TABLE_CP437[usize::from(b - 0x80)] },
        )
        .collect()
}

/// Encodes text as CP437, replacing characters CP437 lacks with `?`. Returns the bytes and
/// whether anything was replaced.
pub fn encode_cp437(text: &str, out: &mut Vec<u8>) -> bool {
    let mut lossy = false;
    for c in text.chars() {
        if c.is_ascii() {
            out.push(u8::try_from(u32::from(c)).unwrap_or(b'?'));
        } else if let Some(b) = ENCODING_TABLE_CP437.get(&c) {
            out.push(*b);
        } else {
            lossy = true;
            out.push(b'?');
        }
    }
    lossy
}

/// Re-encodes one raw field to CP437 bytes (the bytes `#KSUMMA` is defined on).
pub fn to_cp437(bytes: &[u8], encoding: Encoding, out: &mut Vec<u8>) {
    if bytes.is_ascii() || encoding == Encoding::Cp437 {
        out.extend_from_slice(bytes);
        return;
    }
    let mut text = String::new();
    decode_into(bytes, encoding, &mut text);
    encode_cp437(&text, out);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_encoding() {
        assert_eq!(detect(b"#FLAGGA 0\r\n", false), Encoding::Ascii);
        assert_eq!(detect("#FNAMN \"Över\"".as_bytes(), false), Encoding::Utf8);
        assert_eq!(detect(b"#FNAMN \"\x99ver\"", false), Encoding::Cp437);
        assert_eq!(detect(b"#FNAMN \"\xD6ver\"", false), Encoding::Latin1);
        // A CP437 letter anywhere wins over stray Latin-1 bytes.
        assert_eq!(detect(b"\x94 \xF6", false), Encoding::Cp437);
        let (rest, bom) = strip_bom(b"\xEF\xBB\xBF#FLAGGA 0");
        assert!(bom);
        assert_eq!(detect(rest, bom), Encoding::Utf8Bom);
    }

    #[test]
    fn decodes_and_repairs_cp437() {
        let mut s = String::new();
        assert_eq!(decode_into(b"F\x94retag \xC51", Encoding::Cp437, &mut s), 1);
        assert_eq!(s, "Företag Å1");
        s.clear();
        decode_into(b"\xF6l", Encoding::Latin1, &mut s);
        assert_eq!(s, "öl");
        // Windows-1252 at 0x80-0x9F, not control codes.
        s.clear();
        decode_into(b"Kaffe \x96 25 \x80 \x91x\x92", Encoding::Latin1, &mut s);
        assert_eq!(s, "Kaffe – 25 € ‘x’");
    }

    #[test]
    fn utf8_with_a_stray_windows_byte_stays_utf8_and_the_byte_is_repaired() {
        let text = "#FNAMN \"Åsa Öberg Kafé\"\n#VER A 1 20261010 \"Sk\u{F6}ldgatan\"\n";
        let mut bytes = text.as_bytes().to_vec();
        // `ö` of the second line as Latin-1 (one byte) instead of UTF-8 (two).
        let at = bytes.windows(2).rposition(|w| w == "ö".as_bytes()).unwrap();
        bytes.splice(at..at + 2, [0xF6]);
        assert_eq!(detect(&bytes, false), Encoding::Utf8);
        let mut s = String::new();
        assert_eq!(decode_into(b"Sk\xF6ldgatan \xE2\x80\x93", Encoding::Utf8, &mut s), 1);
        assert_eq!(s, "Sköldgatan –");
        // Latin-1 throughout (no UTF-8 character at all) is still Latin-1.
        assert_eq!(detect(b"#FNAMN \"\xC5sa \xD6berg\"\n", false), Encoding::Latin1);
    }

    #[test]
    fn encodes_cp437() {
        let mut out = Vec::new();
        assert!(!encode_cp437("Hyresrätt Å", &mut out));
        assert_eq!(out, b"Hyresr\x84tt \x8F");
        out.clear();
        assert!(encode_cp437("5 €", &mut out));
        assert_eq!(out, b"5 ?");
        assert_eq!(decode_cp437(b"r\x84tt"), "rätt");
    }

    #[test]
    fn stray_mask_matches_the_table() {
        for b in 0..=255u8 {
            let listed = STRAY_LATIN1.iter().find(|(x, _)| *x == b).map(|(_, c)| *c);
            assert_eq!(stray_latin1(b), listed, "{b:#x}");
        }
    }
}
