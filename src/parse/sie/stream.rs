//! Streaming: yields vouchers one at a time from any `std::io::Read`, with memory bounded by the
//! longest line, the largest voucher and the header (chart, balances), not by the number of
//! vouchers. The caller owns the source; this module only reads from it.
//!
//! Two ways to take the vouchers: the [`Iterator`] hands out owned [`Ver`] values, and
//! [`VoucherReader::next_voucher`] lends each one, reusing its storage for the next (no
//! allocation per voucher; the fastest way through a large export).
//!
//! Input is read in 128 KiB blocks into a buffer of our own; every complete line in it is fed to
//! the reader in place (a line that crosses a block boundary is moved to the front first). The
//! encoding is detected from the first block (filled completely, or to the end of a shorter
//! input). When that is plain ASCII the choice is made at the first line with a high byte; a
//! file whose later bytes contradict an early choice is read with that choice (only
//! [`super::parse`], which sees the whole file at once, can do better).

use std::io::{self, Read};

use super::encoding;
use super::model::{Encoding, ParseOptions, SieFile, Ver};
use super::reader::Reader;

const BUFFER: usize = 128 * 1024;

/// Iterator over the vouchers of a SIE file read from `R`. Header records and diagnostics are
/// in [`VoucherReader::file`] (complete once the first voucher was yielded, since SIE puts the
/// header first); whole-file checks run when the iterator ends.
pub struct VoucherReader<R: Read> {
    src: Source<R>,
    reader: Option<Reader>,
    options: ParseOptions,
    /// The reader was finished, or reading failed: nothing more will come.
    done: bool,
}

/// The input and the block buffer: bytes read and not yet fed are `buf[start..end]`.
struct Source<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Line number of the last line fed.
    no: usize,
    /// The input reported its end.
    eof: bool,
}

impl<R: Read> Source<R> {
    /// Reads into `buf[end..]`; `Ok(0)` at the end of input.
    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // A line longer than the buffer: grow (memory stays bounded by the longest line).
            let size = (self.buf.len() * 2).max(BUFFER);
            self.buf.resize(size, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    if n == 0 {
                        self.eof = true;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Feeds lines until a voucher is complete (`true`; it is in the reader's `done`) or the
    /// input is used up (`false`; the caller then finishes the reader).
    fn feed(&mut self, reader: &mut Reader) -> io::Result<bool> {
        loop {
            // Every complete line in the buffer, in place.
            let (next, closed) = reader.feed(&self.buf[..self.end], self.start, &mut self.no);
            self.start = next;
            if closed {
                return Ok(true);
            }
            if self.eof {
                return Ok(self.last_line(reader));
            }
            self.fill()?;
        }
    }

    /// At the end of input: the last line (without a line feed) and the end itself may each
    /// complete a voucher; the end is handled on the call after the last line's voucher.
    fn last_line(&mut self, reader: &mut Reader) -> bool {
        if self.start < self.end {
            let line = &self.buf[self.start..self.end];
            self.start = self.end;
            self.no += 1;
            if reader.line(self.no, line) {
                return true;
            }
        }
        false
    }
}

impl<R: Read> VoucherReader<R> {
    pub fn new(input: R, options: &ParseOptions) -> Self {
        VoucherReader {
            src: Source { input, buf: Vec::new(), start: 0, end: 0, no: 0, eof: false },
            reader: None,
            options: options.clone(),
            done: false,
        }
    }

    /// Header records read so far, plus the diagnostics collected so far. `vouchers` is empty.
    pub fn file(&self) -> Option<&SieFile> {
        self.reader.as_ref().map(|r| &r.file)
    }

    /// Reads the rest of the input (dropping the vouchers not yet taken) and returns the
    /// header and every diagnostic. `vouchers` is empty.
    pub fn into_file(mut self) -> io::Result<SieFile> {
        while self.advance()? {}
        let options = self.options.clone();
        Ok(self.reader.take().map_or_else(|| Reader::new(&options, None).file, |r| r.file))
    }

    /// The next voucher, lent until the next call: its rows and strings are reused for the one
    /// after, so a whole export streams through without an allocation per voucher.
    pub fn next_voucher(&mut self) -> io::Result<Option<&Ver>> {
        if self.advance()? { Ok(self.reader.as_ref().map(Reader::done)) } else { Ok(None) }
    }

    /// Looks at the first block to pick the encoding: the whole of it, however little each
    /// `read` call returns (a file shorter than the block is judged like [`super::parse`] does).
    fn start(&mut self) -> io::Result<Reader> {
        while !self.src.eof && self.src.end < BUFFER {
            self.src.fill()?;
        }
        let (rest, bom) = encoding::strip_bom(&self.src.buf[..self.src.end]);
        let enc = if bom {
            Some(Encoding::Utf8Bom)
        } else if rest.is_ascii() {
            None
        } else {
            Some(sniff(rest))
        };
        if bom {
            self.src.start = 3;
        }
        Ok(Reader::new(&self.options, enc))
    }

    /// Feeds lines until a voucher is complete (`true`; it is in the reader's `done`) or the
    /// input ends (`false`).
    fn advance(&mut self) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        if self.reader.is_none() {
            match self.start() {
                Ok(r) => self.reader = Some(r),
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
        let Some(reader) = self.reader.as_mut() else { return Ok(false) };
        match self.src.feed(reader) {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.done = true;
                Ok(reader.finish())
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }
}

/// Encoding of a first buffer that has high bytes; a multi-byte sequence cut at the end of the
/// buffer still counts as UTF-8.
fn sniff(buf: &[u8]) -> Encoding {
    match std::str::from_utf8(buf) {
        Ok(_) => Encoding::Utf8,
        Err(e) if e.error_len().is_none() => Encoding::Utf8,
        Err(_) => encoding::detect(buf, false),
    }
}

impl<R: Read> Iterator for VoucherReader<R> {
    type Item = io::Result<Ver>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.advance() {
            Ok(true) => self.reader.as_mut().map(|r| Ok(r.take_done())),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Reads a whole SIE file from `input` through the streaming reader (same result as
/// [`super::parse`] on the same bytes).
pub fn read_file<R: Read>(input: R, options: &ParseOptions) -> io::Result<SieFile> {
    let mut stream = VoucherReader::new(input, options);
    let mut vouchers = Vec::new();
    for ver in stream.by_ref() {
        vouchers.push(ver?);
    }
    let mut file = stream.into_file()?;
    file.vouchers = vouchers;
    Ok(file)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn yields_vouchers_one_by_one_with_header() {
        let text = "#FLAGGA 0\n#FNAMN \"F\u{94}retaget\"\n#VER A 1 20240101\n{\n#TRANS 1 {} 1\n\
                    #TRANS 2 {} -1\n}\n#VER A 2 20240101\n{\n}";
        let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
        let mut stream = VoucherReader::new(&bytes[..], &ParseOptions::default());
        let first = stream.next().unwrap().unwrap();
        assert_eq!((first.number.as_str(), first.rows.len()), ("1", 2));
        assert_eq!(stream.file().unwrap().company_name.as_deref(), Some("Företaget"));
        assert_eq!(stream.file().unwrap().encoding, Encoding::Cp437);
        assert_eq!(stream.next().unwrap().unwrap().number, "2");
        assert!(stream.next().is_none());
        let file = stream.into_file().unwrap();
        assert!(file.errors.is_empty() && file.vouchers.is_empty());
    }

    #[test]
    fn late_high_bytes_pick_the_encoding() {
        let mut text = "#FLAGGA 0\n".repeat(10_000).into_bytes();
        text.extend_from_slice("#FNAMN \"Företaget\"\n".as_bytes());
        let file = read_file(&text[..], &ParseOptions::default()).unwrap();
        assert_eq!(file.encoding, Encoding::Utf8);
        assert_eq!(file.company_name.as_deref(), Some("Företaget"));
    }

    #[test]
    fn a_late_high_byte_in_a_voucher_text_picks_the_encoding() {
        // Past the first block everything was ASCII; the first high byte is in a `#VER` text
        // and a row text, both lines the fast path would take if the encoding were known.
        let mut text =
            b"#VER A 1 20240101 \"Hyra\"\r\n{\r\n#TRANS 1930 {} 1\r\n#TRANS 2 {} -1\r\n}\r\n"
                .repeat(5_000);
        text.extend_from_slice(b"#VER A 2 20240102 \"F\x94rs\x84ljning\"\r\n{\r\n");
        text.extend_from_slice(b"#TRANS 1930 {} 1 \"\" \"Bor\x86s\" 0\r\n#TRANS 2 {} -1\r\n}\r\n");
        assert!(text.len() > BUFFER);
        let file = read_file(&text[..], &ParseOptions::default()).unwrap();
        assert_eq!(file.encoding, Encoding::Cp437);
        let last = file.vouchers.last().unwrap();
        assert_eq!((last.text.as_str(), last.rows[0].text.as_str()), ("Försäljning", "Borås"));
        assert_eq!(file.vouchers.len(), 5_001);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
    }

    #[test]
    fn last_line_and_end_of_input_each_complete_a_voucher() {
        let text = b"#VER A 1 20240101\n{\n#VER A 2 20240101";
        let file = read_file(&text[..], &ParseOptions::default()).unwrap();
        assert_eq!(file.vouchers.len(), 2);
    }

    #[test]
    fn reports_unclosed_block_at_end() {
        let file = read_file(&b"#VER A 1 20240101\n{\n"[..], &ParseOptions::default()).unwrap();
        assert_eq!(file.vouchers.len(), 1);
        assert_eq!(file.errors[0].message, "voucher `A 1` is not closed");
    }
}
