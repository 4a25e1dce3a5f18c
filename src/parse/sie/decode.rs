//! Reading the fields of a tokenized record: raw content bytes, text decoded from the file's
//! encoding (`\"` unescaped, stray Latin-1 letters repaired and reported once), and dates,
//! looked up in a small cache first since a file has few distinct dates.

use chrono::NaiveDate;

use crate::diagnostic::Diagnostic;

use super::encoding;
use super::lexer::{self, Kind};
use super::model::Encoding;
use super::reader::Reader;
use super::values;

/// Slots of the date cache: a year of dates fits with few collisions.
pub(super) const DATE_CACHE: usize = 1 << 9;
/// Shifts a 64-bit hash down to a slot of the date cache.
const DATE_HASH_SHIFT: u32 = 64 - DATE_CACHE.trailing_zeros();

/// Decodes one token's content into `out` (appended): unescapes `\"` in quoted fields and
/// converts from the file's encoding. Returns how many stray Latin-1 letters were repaired.
pub(super) fn decode_tok(
    kind: Kind,
    bytes: &[u8],
    encoding: Encoding,
    scratch: &mut Vec<u8>,
    out: &mut String,
) -> usize {
    if kind == Kind::Escaped {
        scratch.clear();
        lexer::unescape_into(bytes, scratch);
        encoding::decode_into(scratch, encoding, out)
    } else {
        encoding::decode_into(bytes, encoding, out)
    }
}

impl Reader {
    /// Content bytes of field `i` (0 = label), if present.
    pub(super) fn field<'l>(&self, line: &'l [u8], i: usize) -> Option<(Kind, &'l [u8])> {
        self.toks.get(i).map(|t| (t.kind, &line[t.start..t.end]))
    }

    /// The rest of the line from field `i` on, when field `i` is a bare word with more fields
    /// after it: a text with spaces written without its quotes (for messages).
    pub(super) fn unquoted_text(&mut self, line: &[u8], i: usize) -> Option<String> {
        let t = self.toks.get(i).copied().filter(|t| t.kind == Kind::Bare && t.end > t.start)?;
        self.toks.get(i + 1)?;
        let text = self.decode(Kind::Bare, &line[t.start..]);
        Some(text.trim().to_owned())
    }

    /// Field `i` decoded as text (unescaped, repaired); empty when absent.
    pub(super) fn text(&mut self, line: &[u8], i: usize) -> String {
        let mut out = String::new();
        self.text_into(line, i, &mut out);
        out
    }

    /// Field `i` as text, or `None` when absent or empty.
    pub(super) fn opt_text(&mut self, line: &[u8], i: usize) -> Option<String> {
        Some(self.text(line, i)).filter(|s| !s.is_empty())
    }

    /// Field `i` decoded into `out` (cleared first, its buffer reused); empty when absent.
    pub(super) fn text_into(&mut self, line: &[u8], i: usize, out: &mut String) {
        out.clear();
        if let Some(t) = self.toks.get(i).copied() {
            let n = decode_tok(
                t.kind,
                &line[t.start..t.end],
                self.file.encoding,
                &mut self.scratch,
                out,
            );
            self.repaired(n, out);
        }
    }

    /// Decodes one token's content.
    pub(super) fn decode(&mut self, kind: Kind, bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len());
        let n = decode_tok(kind, bytes, self.file.encoding, &mut self.scratch, &mut out);
        self.repaired(n, &out);
        out
    }

    /// Counts repaired Latin-1 letters; the first one in a file is a warning showing `text`.
    pub(super) fn repaired(&mut self, n: usize, text: &str) {
        if n == 0 {
            return;
        }
        if self.file.repaired_chars == 0 {
            let no = self.last_line;
            let what = if self.file.encoding == Encoding::Cp437 {
                "Latin-1 letter in a CP437 file"
            } else {
                "a byte that is not UTF-8 (read as Windows-1252) in a UTF-8 file"
            };
            self.warn(
                Diagnostic::at(no, format!("{what} read as `{text}`"))
                    .hint("the exporting program mixed encodings; check the letters"),
            );
        }
        self.file.repaired_chars += n;
    }

    /// Parses an optional date; `Err` (with an error) when malformed. Dates are cached
    /// ([`Reader::date_of_word`]).
    pub(super) fn date(&mut self, no: usize, raw: &[u8]) -> Result<Option<NaiveDate>, ()> {
        let date = self.date_quiet(raw);
        if date.is_err() {
            let text = String::from_utf8_lossy(raw).into_owned();
            self.error(
                Diagnostic::at(no, format!("bad date `{text}`"))
                    .hint("dates are written `YYYYMMDD`, e.g. `20240131`"),
            );
        }
        date
    }

    /// [`Reader::date`] without the error: `Err` when malformed. Dates are cached.
    #[inline]
    pub(super) fn date_quiet(&mut self, raw: &[u8]) -> Result<Option<NaiveDate>, ()> {
        match <[u8; 8]>::try_from(raw) {
            Ok(bytes) => self.date_of_word(u64::from_le_bytes(bytes)),
            Err(_) => values::date(raw),
        }
    }

    /// [`Reader::date_quiet`] of eight bytes read as one word (the first byte lowest).
    #[inline]
    pub(super) fn date_of_word(&mut self, key: u64) -> Result<Option<NaiveDate>, ()> {
        // Fibonacci hashing: the top bits of the product depend on every byte.
        let slot = usize::try_from(key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> DATE_HASH_SHIFT)
            .unwrap_or(0);
        if let Some(&Some((cached, date))) = self.dates.get(slot)
            && cached == key
        {
            return Ok(Some(date));
        }
        let d = values::date(&key.to_le_bytes())?;
        if let (Some(d), Some(entry)) = (d, self.dates.get_mut(slot)) {
            *entry = Some((key, d));
        }
        Ok(d)
    }
}
