//! `#VER` blocks: `#VER`, `{`, `#TRANS`/`#RTRANS`/`#BTRANS`, `}` (format doc §8-9).
//!
//! `#RTRANS` rows are booked and the `#TRANS` mirror right after them (same account, objects and
//! amount) is skipped; `#BTRANS` rows go to [`Ver::removed`]. A `#VER` whose `{` is missing
//! opens its block implicitly when a row follows.
//!
//! The voucher is built in [`Reader::cur`] without allocating: every string is decoded into the
//! buffer the previous occupant of its slot left behind (see `reader.rs`). Row records and the
//! slots they are read into are in `rows.rs`.

use chrono::NaiveDate;

use crate::diagnostic::Diagnostic;

use super::decode::decode_tok;
use super::lexer::{self, Kind, Tok};
use super::model::{ObjectRef, Ver};
use super::reader::Reader;
use super::rows::retire;
use super::scan::set_ascii;
use super::values::{self, AmountStyle};

/// Where the reader is with respect to voucher blocks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    #[default]
    Idle,
    /// A `#VER` was read into [`Reader::cur`]; its `{` has not come yet.
    AfterVer,
    /// Inside `{ … }`.
    Open,
}

/// How a voucher is named in messages: `A 12`, or the line for unnumbered 4I vouchers.
pub fn ver_name(ver: &Ver) -> String {
    let name = format!("{} {}", ver.series, ver.number);
    let name = name.trim();
    if name.is_empty() { format!("on line {}", ver.line) } else { format!("`{name}`") }
}

/// Stray Latin-1 letters repaired while decoding one record, and the first field they were in.
#[derive(Default)]
pub(super) struct Repairs {
    pub(super) count: usize,
    pub(super) first: Option<String>,
}

/// Decodes `tok` of `line` into `out` (cleared first), noting repaired letters.
pub(super) fn put(
    out: &mut String,
    line: &[u8],
    tok: Option<Tok>,
    enc: super::Encoding,
    scratch: &mut Vec<u8>,
    repairs: &mut Repairs,
) {
    let Some(t) = tok.filter(|t| t.end > t.start) else {
        out.clear();
        return;
    };
    let bytes = &line[t.start..t.end];
    if t.kind != Kind::Escaped && bytes.is_ascii() {
        // ASCII bytes are the same text in every encoding.
        set_ascii(out, bytes);
        return;
    }
    out.clear();
    let n = decode_tok(t.kind, bytes, enc, scratch, out);
    if n > 0 {
        repairs.count += n;
        repairs.first.get_or_insert_with(|| out.clone());
    }
}

impl Reader {
    /// Empties the row bookkeeping for the voucher about to be read into [`Reader::cur`].
    pub(super) fn start_voucher(&mut self) {
        self.rows_used = 0;
        self.removed_used = 0;
        self.mirror = None;
        self.ore_sum = Some(0);
        self.accounts_to_check = false;
    }

    pub(super) fn ver(&mut self, no: usize, line: &[u8]) -> bool {
        let done = self.end_block(no);
        self.start_voucher();
        let enc = self.file.encoding;
        let mut scratch = std::mem::take(&mut self.scratch);
        let tok = |i: usize| self.toks.get(i).copied();
        let (t1, t2, t4, t6) = (tok(1), tok(2), tok(4), tok(6));
        let v = &mut self.cur;
        let mut repairs = Repairs::default();
        put(&mut v.series, line, t1, enc, &mut scratch, &mut repairs);
        put(&mut v.number, line, t2, enc, &mut scratch, &mut repairs);
        put(&mut v.text, line, t4, enc, &mut scratch, &mut repairs);
        let mut sign = v.sign.take().unwrap_or_default();
        put(&mut sign, line, t6, enc, &mut scratch, &mut repairs);
        v.sign = Some(sign).filter(|s| !s.is_empty());
        v.line = no;
        self.scratch = scratch;
        self.repaired(repairs.count, repairs.first.as_deref().unwrap_or_default());
        self.cur.date = match self.field(line, 3) {
            None => {
                self.error(
                    Diagnostic::at(no, "`#VER` without a date")
                        .hint("write `#VER series number YYYYMMDD \"text\"`"),
                );
                NaiveDate::default()
            }
            Some((_, raw)) => self.date(no, raw).ok().flatten().unwrap_or_else(|| {
                if raw.is_empty() || raw == b"00000000" {
                    self.error(Diagnostic::at(no, "`#VER` without a date"));
                }
                NaiveDate::default()
            }),
        };
        let after_text = self.toks.get(5).map(|t| &line[t.start..t.end]);
        let not_a_date = after_text.is_some_and(|raw| self.date_quiet(raw).is_err());
        let unquoted = if not_a_date { self.unquoted_text(line, 4) } else { None };
        if let Some(text) = unquoted {
            self.cur.reg_date = None;
            self.error(
                Diagnostic::at(no, format!("voucher text `{text}` is not in quotes"))
                    .hint(format!("a text with spaces is written in quotes: `\"{text}\"`")),
            );
        } else {
            self.cur.reg_date =
                self.field(line, 5).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
        }
        self.block = Block::AfterVer;
        done
    }

    /// Closes whatever is open before a new `#VER` or at the end of the input.
    pub(super) fn end_block(&mut self, no: usize) -> bool {
        match self.block {
            Block::Idle => false,
            Block::AfterVer => {
                self.error(
                    Diagnostic::at(
                        self.cur.line,
                        format!("voucher {} has no `{{ … }}` block", ver_name(&self.cur)),
                    )
                    .hint(format!("a `{{` line must follow the `#VER` (next record on line {no})")),
                );
                self.close_voucher(true)
            }
            Block::Open => {
                self.error(
                    Diagnostic::at(
                        self.cur.line,
                        format!("voucher {} is not closed", ver_name(&self.cur)),
                    )
                    .hint("add a `}` line after its last row"),
                );
                self.close_voucher(true)
            }
        }
    }

    pub(super) fn end_of_input(&mut self) -> bool {
        let no = self.last_line + 1;
        self.end_block(no)
    }

    pub(super) fn open_brace(&mut self, no: usize) -> bool {
        match self.block {
            Block::AfterVer => self.block = Block::Open,
            Block::Idle => self.error(
                Diagnostic::at(no, "`{` without a `#VER`").hint("a block opens right after `#VER`"),
            ),
            Block::Open => self.error(
                Diagnostic::at(no, "`{` inside an open voucher block")
                    .hint("close the previous block with `}`"),
            ),
        }
        false
    }

    pub(super) fn close_brace(&mut self, no: usize) -> bool {
        match self.block {
            Block::Open | Block::AfterVer => self.close_voucher(false),
            Block::Idle => {
                self.error(
                    Diagnostic::at(no, "`}` without an open voucher block")
                        .hint("remove the line or add the `#VER` and `{` it belongs to"),
                );
                false
            }
        }
    }

    /// Finishes [`Reader::cur`]: drops stale rows, checks it and makes it [`Reader::done`].
    /// Closed by its `}`, it stays where it is (the next voucher is read into the same rows,
    /// whose accounts and texts then often need no rewriting); closed because a new `#VER`
    /// came first (`moved`), it is moved aside, since that `#VER` is read into `cur` next.
    pub(super) fn close_voucher(&mut self, moved: bool) -> bool {
        retire(&mut self.cur.rows, self.rows_used, &mut self.spare);
        retire(&mut self.cur.removed, self.removed_used, &mut self.spare);
        if let Some(i) = self.mirror.take()
            && let Some(line) = self.cur.rows.get(i).map(|r| r.line)
        {
            self.unmatched_rtrans_at(line);
        }
        self.validate_voucher();
        if moved {
            std::mem::swap(&mut self.cur, &mut self.done);
        }
        self.done_in_cur = !moved;
        self.block = Block::Idle;
        true
    }

    /// Reads the object list whose content is `line[base..base + len]` (balance records).
    pub(super) fn objects(
        &mut self,
        no: usize,
        line: &[u8],
        base: usize,
        len: usize,
    ) -> Vec<ObjectRef> {
        if len == 0 {
            return Vec::new();
        }
        let mut toks = std::mem::take(&mut self.list_toks);
        lexer::list_tokens(&line[base..base + len], base, &mut toks);
        if !toks.len().is_multiple_of(2) {
            self.error(
                Diagnostic::at(no, "object list has an odd number of tokens")
                    .hint("write pairs of dimension and object: `{1 \"100\" 6 \"P1\"}`"),
            );
        }
        let mut out = Vec::with_capacity(toks.len() / 2);
        for pair in toks.chunks_exact(2) {
            let dimension = self.decode(pair[0].kind, &line[pair[0].start..pair[0].end]);
            let object = self.decode(pair[1].kind, &line[pair[1].start..pair[1].end]);
            out.push(ObjectRef { dimension, object });
        }
        self.list_toks = toks;
        out
    }

    /// Parses an amount, reporting a decimal comma (warning) or garbage (error).
    pub(super) fn amount(&mut self, no: usize, raw: &[u8]) -> Option<rust_decimal::Decimal> {
        match values::amount(raw) {
            Some((value, AmountStyle::Spec)) => Some(value),
            Some((value, AmountStyle::DecimalComma)) => {
                self.comma_amounts += 1;
                let text = String::from_utf8_lossy(raw);
                let fixed = text.replace(',', ".");
                self.warn(
                    Diagnostic::at(no, format!("amount `{text}` uses a decimal comma"))
                        .hint(format!("the spec wants a point: `{fixed}`")),
                );
                Some(value)
            }
            None => {
                let text = String::from_utf8_lossy(raw).into_owned();
                // `100.000`: more decimals written than the spec allows, but only zeros.
                let exact = values::quantity(raw).ok().flatten().map(|q| q.normalize());
                if let Some(value) = exact.filter(|q| q.scale() <= 2) {
                    self.warn(
                        Diagnostic::at(no, format!("amount `{text}` is written with more than two decimals; read as {value:.2}"))
                            .hint("the spec wants at most two decimals"),
                    );
                    return Some(value);
                }
                let message = if !raw.is_empty() && values::quantity(raw).is_ok() {
                    format!("amount `{text}` has more than two decimals")
                } else {
                    format!("unparseable amount `{text}`")
                };
                self.error(
                    Diagnostic::at(no, message).hint(
                        "amounts are written like `-1234.50`: a point and at most two decimals",
                    ),
                );
                None
            }
        }
    }
}
