//! Streaming: yields vouchers one at a time from any `std::io::Read`, with memory bounded by the
//! longest line and the header (chart, balances), not by the number of vouchers. The caller
//! owns the source; this module only reads from it.
//!
//! The encoding is detected from the first buffer (64 KiB). When that is plain ASCII the choice
//! is made at the first line with a high byte.

use std::io::{self, BufRead, BufReader, Read};

use super::encoding;
use super::model::{Encoding, ParseOptions, SieFile, Ver};
use super::reader::Reader;

const BUFFER: usize = 64 * 1024;

/// Iterator over the vouchers of a SIE file read from `R`. Header records and diagnostics are
/// in [`VoucherReader::file`] (complete once the first voucher was yielded, since SIE puts the
/// header first); whole-file checks run when the iterator ends.
pub struct VoucherReader<R: Read> {
    input: BufReader<R>,
    reader: Option<Reader>,
    options: ParseOptions,
    line: Vec<u8>,
    no: usize,
    done: bool,
    /// A voucher completed at the end of input behind the one just returned.
    pending: Option<Ver>,
}

impl<R: Read> VoucherReader<R> {
    pub fn new(input: R, options: &ParseOptions) -> Self {
        VoucherReader {
            input: BufReader::with_capacity(BUFFER, input),
            reader: None,
            options: options.clone(),
            line: Vec::with_capacity(256),
            no: 0,
            done: false,
            pending: None,
        }
    }

    /// Header records read so far, plus the diagnostics collected so far. `vouchers` is empty.
    pub fn file(&self) -> Option<&SieFile> {
        self.reader.as_ref().map(|r| &r.file)
    }

    /// Reads the rest of the input (dropping the vouchers not yet taken) and returns the
    /// header and every diagnostic. `vouchers` is empty.
    pub fn into_file(mut self) -> io::Result<SieFile> {
        for item in self.by_ref() {
            item?;
        }
        let options = self.options.clone();
        Ok(self.reader.take().map_or_else(|| Reader::new(&options, None).file, |r| r.file))
    }

    /// Looks at the first buffer to pick the encoding.
    fn start(&mut self) -> io::Result<Reader> {
        let buf = self.input.fill_buf()?;
        let (rest, bom) = encoding::strip_bom(buf);
        let enc = if bom {
            Some(Encoding::Utf8Bom)
        } else if rest.is_ascii() {
            None
        } else {
            Some(sniff(rest))
        };
        if bom {
            self.input.consume(3);
        }
        Ok(Reader::new(&self.options, enc))
    }

    fn step(&mut self) -> io::Result<Option<Ver>> {
        let mut reader = match self.reader.take() {
            Some(r) => r,
            None => self.start()?,
        };
        // Lines that lie whole in the buffer are handed over without copying; only a line
        // that crosses a buffer boundary is assembled in `self.line`.
        let result = loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    break Err(e);
                }
            };
            if buf.is_empty() {
                self.done = true;
                let mut last = None;
                if !self.line.is_empty() {
                    self.no += 1;
                    last = reader.line(self.no, &self.line);
                    self.line.clear();
                }
                let end = reader.finish();
                // The last line and the end of input may each complete a voucher.
                break Ok(match (last, end) {
                    (Some(last), end) => {
                        self.pending = end;
                        Some(last)
                    }
                    (None, end) => end,
                });
            }
            let Some(i) = memchr::memchr(b'\n', buf) else {
                self.line.extend_from_slice(buf);
                let n = buf.len();
                self.input.consume(n);
                continue;
            };
            self.no += 1;
            let ver = if self.line.is_empty() {
                reader.line(self.no, &buf[..i])
            } else {
                self.line.extend_from_slice(&buf[..i]);
                let ver = reader.line(self.no, &self.line);
                self.line.clear();
                ver
            };
            self.input.consume(i + 1);
            if ver.is_some() {
                break Ok(ver);
            }
        };
        self.reader = Some(reader);
        result
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
        if let Some(ver) = self.pending.take() {
            return Some(Ok(ver));
        }
        if self.done {
            return None;
        }
        self.step().transpose()
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
