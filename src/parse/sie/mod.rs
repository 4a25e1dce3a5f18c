//! SIE 4 (and 1-3) reader. See `model` for the typed result.
//!
//! Owns decoding, tokenizing and checking SIE files; does no IO beyond an optional caller-given
//! `std::io::Read` (see `stream`), no clock and no conversion to Fortnox. Pipeline of one line:
//! `encoding` (detect once) → `reader::trim` → `lexer` (nom, byte ranges) → `header` / `block`
//! → `validate`; `checksum` follows along when the file has `#KSUMMA`. Braces, plain row records
//! and `#VER` lines (nearly every line of a large export) skip all that: `scan` reads them in
//! one pass straight from the input buffer, finding the line end as it goes, and hands
//! anything unusual to the general path.

mod block;
mod checksum;
mod decode;
mod encoding;
mod header;
mod lexer;
mod model;
mod reader;
mod rows;
mod scan;
mod stream;
mod validate;
mod values;
mod writer;

pub use stream::{VoucherReader, read_file};
pub use writer::write_4i;

pub use encoding::latin1_as_before;

/// True when CP437 (the encoding SIE files are written in) has every character of `text`.
pub fn cp437_carries(text: &str) -> bool {
    !encoding::encode_cp437(text, &mut Vec::new())
}

pub use model::{
    Account, Balance, Checksum, Dimension, Encoding, FiscalYear, Object, ObjectRef, ParseOptions,
    SieFile, Trans, Ver,
};

/// Parses a whole SIE file from its raw bytes. Never panics: every problem is a located
/// diagnostic in [`SieFile::errors`] or [`SieFile::warnings`].
pub fn parse(bytes: &[u8], options: &ParseOptions) -> SieFile {
    parse_with(bytes, options, true)
}

/// [`parse`], with the `#TRANS` fast path on or off (off only to test it against the general
/// path).
fn parse_with(bytes: &[u8], options: &ParseOptions, fast: bool) -> SieFile {
    let (body, bom) = encoding::strip_bom(bytes);
    let enc = encoding::detect(body, bom);
    let mut reader = reader::Reader::new(options, Some(enc));
    reader.fast = fast;
    let mut vouchers = Vec::new();
    let mut start = 0;
    let mut no = 0;
    loop {
        let (next, closed) = reader.feed(body, start, &mut no);
        start = next;
        if !closed {
            break;
        }
        vouchers.push(reader.take_done());
    }
    if start < body.len() {
        no += 1;
        if reader.line(no, &body[start..]) {
            vouchers.push(reader.take_done());
        }
    }
    if reader.finish() {
        vouchers.push(reader.take_done());
    }
    let mut file = reader.file;
    file.vouchers = vouchers;
    file
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod proptests;
