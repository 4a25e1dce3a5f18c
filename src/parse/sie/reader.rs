//! The line-driven core shared by [`super::parse`] and [`super::stream`]: takes one raw line at a
//! time, tokenizes it, dispatches on the label and reports when a voucher's block closes (the
//! voucher is then in [`Reader::done`]). Holds only the header, the open voucher, the last
//! finished one and the diagnostics, so memory does not grow with the number of vouchers.
//!
//! Hot path: vouchers are built in place. Two `Ver` values take turns (one being read, one
//! handed out) and rows are overwritten slot by slot, with leftover rows kept in a spare pool,
//! so once warmed up a voucher costs no allocation. Header records live in `header.rs`, blocks
//! in `block.rs`, their row records in `rows.rs`; fields are decoded in `decode.rs`.

use chrono::NaiveDate;

use crate::diagnostic::Diagnostic;

use super::block::Block;
use super::checksum::ChecksumState;
use super::decode::DATE_CACHE;
use super::encoding;
use super::lexer::{self, Issue, Kind, Tok};
use super::model::{Encoding, ParseOptions, SieFile, Trans, Ver};
use super::validate::AccountSet;

/// Warnings kept per file; more are counted and summarised.
const MAX_WARNINGS: usize = 1000;

/// Incremental SIE reader: feed lines with [`Reader::line`], then call [`Reader::finish`].
pub struct Reader {
    /// Header records and diagnostics (vouchers are handed out, not stored).
    pub file: SieFile,
    pub(super) options: ParseOptions,
    /// The encoding is not known yet (a streamed file that was ASCII so far).
    pub(super) encoding_pending: bool,
    pub(super) toks: Vec<Tok>,
    pub(super) list_toks: Vec<Tok>,
    pub(super) scratch: Vec<u8>,
    pub(super) block: Block,
    /// The voucher being read (meaningful while `block` is not `Idle`).
    pub(super) cur: Ver,
    /// The voucher whose block closed last, unless it is still in `cur` (`done_in_cur`).
    pub(super) done: Ver,
    pub(super) done_in_cur: bool,
    /// Rows of `cur.rows` / `cur.removed` filled so far; slots past them are stale.
    pub(super) rows_used: usize,
    pub(super) removed_used: usize,
    /// Sum of the booked rows of `cur` in öre (`None` past `i128`).
    pub(super) ore_sum: Option<i128>,
    /// A booked row of `cur` has an account not yet looked up in the chart.
    pub(super) accounts_to_check: bool,
    /// The `#VER` line of the last voucher a row of which could not be read: its balance is
    /// not checked (the sum lacks that row, so an imbalance would only repeat its error). Set
    /// on the error path only, so reading a good voucher costs nothing.
    pub(super) row_refused_in: Option<usize>,
    /// Index of an `#RTRANS` row still waiting for its mirror `#TRANS`.
    pub(super) mirror: Option<usize>,
    /// Rows no longer used, kept with their string buffers for reuse.
    pub(super) spare: Vec<Trans>,
    pub(super) checksum: ChecksumState,
    pub(super) declared_accounts: AccountSet,
    pub(super) undeclared_reported: AccountSet,
    /// Dates parsed so far, by their eight bytes as a number, in a small direct-mapped cache
    /// (a file has few distinct dates, and each repeats on row after row).
    pub(super) dates: Box<[Option<(u64, NaiveDate)>; DATE_CACHE]>,
    suppressed_errors: usize,
    suppressed_warnings: usize,
    /// Lines that carried a `#` label, `{` or `}`.
    pub(super) sie_records: usize,
    /// First non-blank line, for the "not a SIE file" message.
    first_line: Option<String>,
    /// Line and text of the first comma amount, to keep one warning per file.
    pub(super) comma_amounts: usize,
    pub(super) last_line: usize,
    /// Plain row records, braces and `#VER` lines take the one-pass paths of `scan.rs`; off
    /// only in tests.
    pub(super) fast: bool,
}

impl Reader {
    /// A reader for a file whose encoding is known (`Some`) or still to be detected.
    pub fn new(options: &ParseOptions, encoding: Option<Encoding>) -> Self {
        let file = SieFile { encoding: encoding.unwrap_or_default(), ..SieFile::default() };
        Reader {
            file,
            options: options.clone(),
            encoding_pending: encoding.is_none(),
            toks: Vec::with_capacity(16),
            list_toks: Vec::with_capacity(8),
            scratch: Vec::with_capacity(64),
            block: Block::Idle,
            cur: Ver::default(),
            done: Ver::default(),
            done_in_cur: false,
            rows_used: 0,
            removed_used: 0,
            ore_sum: Some(0),
            accounts_to_check: false,
            row_refused_in: None,
            mirror: None,
            spare: Vec::new(),
            checksum: ChecksumState::default(),
            declared_accounts: AccountSet::default(),
            undeclared_reported: AccountSet::default(),
            dates: Box::new([None; DATE_CACHE]),
            suppressed_errors: 0,
            suppressed_warnings: 0,
            sie_records: 0,
            first_line: None,
            comma_amounts: 0,
            last_line: 0,
            fast: true,
        }
    }

    /// The voucher whose block closed last (valid after [`Reader::line`] or
    /// [`Reader::finish`] returned `true`, until the next line is fed).
    pub fn done(&self) -> &Ver {
        if self.done_in_cur { &self.cur } else { &self.done }
    }

    /// Takes the voucher whose block closed last, leaving an empty one.
    pub fn take_done(&mut self) -> Ver {
        if std::mem::take(&mut self.done_in_cur) {
            std::mem::take(&mut self.cur)
        } else {
            std::mem::take(&mut self.done)
        }
    }

    /// Records an error unless `max_errors` were already collected.
    pub(super) fn error(&mut self, d: Diagnostic) {
        if self.file.errors.len() < self.options.max_errors {
            self.file.errors.push(d);
        } else {
            self.suppressed_errors += 1;
        }
    }

    pub(super) fn warn(&mut self, d: Diagnostic) {
        if self.file.warnings.len() < MAX_WARNINGS {
            self.file.warnings.push(d);
        } else {
            self.suppressed_warnings += 1;
        }
    }

    /// Feeds one raw line (terminator included or not). Returns `true` when this line closed a
    /// voucher's block; the voucher is then in [`Reader::done`].
    pub fn line(&mut self, no: usize, raw: &[u8]) -> bool {
        self.last_line = no;
        let line = trim(raw);
        if line.is_empty() {
            return false;
        }
        if self.encoding_pending && !line.is_ascii() {
            self.encoding_pending = false;
            self.file.encoding = encoding::detect(line, false);
        }
        match line {
            b"{" => {
                self.sie_records += 1;
                return self.open_brace(no);
            }
            b"}" => {
                self.sie_records += 1;
                return self.close_brace(no);
            }
            _ => {}
        }
        if line[0] != b'#' {
            if self.first_line.is_none() {
                self.first_line = Some(String::from_utf8_lossy(&line[..line.len().min(40)]).into());
            }
            if self.sie_records > 0 {
                self.warn(
                    Diagnostic::at(no, "line without a `#` label ignored")
                        .hint("every SIE record starts with a label such as `#TRANS`"),
                );
            }
            return false;
        }
        self.sie_records += 1;
        let issue = lexer::tokenize(line, &mut self.toks);
        match issue {
            Some(Issue::UnterminatedQuote) => self.warn(
                Diagnostic::at(no, "quoted field is not closed")
                    .hint("the field was read to the end of the line"),
            ),
            Some(Issue::UnclosedList) => self.error(
                Diagnostic::at(no, "object list is not closed")
                    .hint("an object list `{…}` must end on the same line"),
            ),
            None => {}
        }
        if self.checksum.is_hashing() {
            self.hash_record(line);
        }
        let label = self.toks.first().map_or(&b""[..], |t| &line[t.start..t.end]);
        let label: &'static str = known_label(label).unwrap_or("");
        match label {
            "#TRANS" | "#RTRANS" | "#BTRANS" => {
                self.row(no, line, label);
                false
            }
            "#VER" => self.ver(no, line),
            "" => {
                let name = self.raw_label(line);
                self.warn(
                    Diagnostic::at(no, format!("unknown label `{name}` ignored"))
                        .hint("readers skip labels they do not know"),
                );
                false
            }
            _ => {
                self.header(no, line, label);
                false
            }
        }
    }

    fn raw_label(&self, line: &[u8]) -> String {
        let t = self.toks.first().copied().unwrap_or(Tok { kind: Kind::Bare, start: 0, end: 0 });
        String::from_utf8_lossy(&line[t.start..t.end]).into_owned()
    }

    /// Ends the input: closes what is open and runs the whole-file checks. Returns `true` when
    /// that closed a voucher left open (it is then in [`Reader::done`]).
    pub fn finish(&mut self) -> bool {
        let last = self.end_of_input();
        if self.sie_records == 0 {
            let d = match self.first_line.take() {
                None => {
                    Diagnostic::file("empty file: no SIE records").hint("the file has no `#` lines")
                }
                Some(first) => Diagnostic::file(format!("not a SIE file: starts with `{first}`"))
                    .hint(if first.starts_with('<') {
                        "this looks like an HTML page (a failed download?)"
                    } else {
                        "SIE records start with a `#` label such as `#FLAGGA`"
                    }),
            };
            self.error(d);
        }
        self.finish_checksum();
        self.file_checks();
        if self.suppressed_errors > 0 {
            let n = self.suppressed_errors;
            self.file.errors.push(Diagnostic::more_not_shown(n, "errors"));
            self.suppressed_errors = 0;
        }
        if self.suppressed_warnings > 0 {
            let n = self.suppressed_warnings;
            self.file.warnings.push(Diagnostic::more_not_shown(n, "warnings"));
            self.suppressed_warnings = 0;
        }
        last
    }
}

/// Trims spaces, TABs, CR (and a stray Ctrl-Z) at both ends.
pub fn trim(raw: &[u8]) -> &[u8] {
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x1A);
    let mut start = 0;
    let mut end = raw.len();
    while start < end && blank(raw[start]) {
        start += 1;
    }
    while end > start && blank(raw[end - 1]) {
        end -= 1;
    }
    &raw[start..end]
}

/// Every label the reader knows, as a static string (so matching allocates nothing). The
/// voucher labels come first: they are most of the lines.
fn known_label(label: &[u8]) -> Option<&'static str> {
    Some(match label {
        b"#TRANS" => "#TRANS",
        b"#VER" => "#VER",
        b"#RTRANS" => "#RTRANS",
        b"#BTRANS" => "#BTRANS",
        b"#PSALDO" => "#PSALDO",
        b"#PBUDGET" => "#PBUDGET",
        b"#IB" => "#IB",
        b"#UB" => "#UB",
        b"#RES" => "#RES",
        b"#OIB" => "#OIB",
        b"#OUB" => "#OUB",
        b"#KONTO" => "#KONTO",
        b"#SRU" => "#SRU",
        b"#KTYP" => "#KTYP",
        b"#ENHET" => "#ENHET",
        b"#DIM" => "#DIM",
        b"#UNDERDIM" => "#UNDERDIM",
        b"#OBJEKT" => "#OBJEKT",
        b"#FLAGGA" => "#FLAGGA",
        b"#PROGRAM" => "#PROGRAM",
        b"#FORMAT" => "#FORMAT",
        b"#GEN" => "#GEN",
        b"#SIETYP" => "#SIETYP",
        b"#PROSA" => "#PROSA",
        b"#FTYP" => "#FTYP",
        b"#FNR" => "#FNR",
        b"#ORGNR" => "#ORGNR",
        b"#BKOD" => "#BKOD",
        b"#ADRESS" => "#ADRESS",
        b"#FNAMN" => "#FNAMN",
        b"#RAR" => "#RAR",
        b"#TAXAR" => "#TAXAR",
        b"#OMFATTN" => "#OMFATTN",
        b"#KPTYP" => "#KPTYP",
        b"#VALUTA" => "#VALUTA",
        b"#KSUMMA" => "#KSUMMA",
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn trims_blanks_and_cr() {
        assert_eq!(trim(b"  #TRANS 1 {} 2 \t\r\n"), b"#TRANS 1 {} 2");
        assert_eq!(trim(b" \t \r"), b"");
        assert_eq!(trim(b"}\t"), b"}");
    }

    #[test]
    fn knows_labels() {
        assert_eq!(known_label(b"#TRANS"), Some("#TRANS"));
        assert_eq!(known_label(b"#MOMSKOD"), None);
    }
}
