//! Windows-1252, the encoding of text written on Swedish Windows that is not UTF-8, and the
//! test for a UTF-8 file with a few bytes of it: shared by the SIE and order readers, so both
//! read the same bytes alike.

/// Windows-1252's characters for 0x80-0x9F (the rest is Latin-1); `None` for the five bytes
/// it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
const HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The character of `byte` in Windows-1252; `None` for a byte it does not define.
pub fn char_of(byte: u8) -> Option<char> {
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => Some(char::from(byte)),
    }
}

/// The byte of 0x80-0x9F whose Windows-1252 character is `c`, if one is.
pub fn high_byte_of(c: char) -> Option<u8> {
    let i = HIGH.iter().position(|h| *h == Some(c))?;
    u8::try_from(i).ok().map(|i| 0x80 + i)
}

/// UTF-8 text with a few bytes that are not (a word pasted from a Windows-1252 program): at
/// least one valid non-ASCII UTF-8 character, and at most twice as many invalid bytes. A
/// Windows-1252, Latin-1 or CP437 file's letters are each an invalid byte and almost never form
/// valid UTF-8 (that takes a letter such as `Ã` followed by a symbol such as `…`), while one
/// valid `å` in UTF-8 is two bytes no such text writes.
pub fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += chunk.invalid().len();
    }
    valid > 0 && invalid <= 2 * valid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_windows_1252() {
        assert_eq!(char_of(0x80), Some('€'));
        assert_eq!(char_of(0x96), Some('–'));
        assert_eq!(char_of(0x9F), Some('Ÿ'));
        assert_eq!(char_of(0xE5), Some('å'));
        let undefined: Vec<u8> = (0x80..=0x9F).filter(|b| char_of(*b).is_none()).collect();
        assert_eq!(undefined, [0x81, 0x8D, 0x8F, 0x90, 0x9D]);
        for b in (0x80..=0x9F).filter(|b| char_of(*b).is_some()) {
            assert_eq!(char_of(b).and_then(high_byte_of), Some(b));
        }
    }

    #[test]
    fn a_few_stray_bytes_in_utf8_are_still_utf8() {
        assert!(mostly_utf8("Åsa \u{F6}".as_bytes()));
        assert!(mostly_utf8(b"\xC3\xA5sa \x96 \xF6"));
        assert!(!mostly_utf8(b"\xC5sa \xD6berg"), "Latin-1 throughout");
        assert!(!mostly_utf8(b"F\x94retag"), "CP437");
    }
}
