//! `#VER` blocks: `#VER`, `{`, `#TRANS`/`#RTRANS`/`#BTRANS`, `}` (format doc §8-9).
//!
//! `#RTRANS` rows are booked and the `#TRANS` mirror right after them (same account, objects and
//! amount) is skipped; `#BTRANS` rows go to [`Ver::removed`]. A `#VER` whose `{` is missing
//! opens its block implicitly when a row follows.
//!
//! The voucher is built in [`Reader::cur`] without allocating: every string is decoded into the
//! buffer the previous occupant of its slot left behind (see `reader.rs`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

use super::lexer::{self, Kind, Tok};
use super::model::{ObjectRef, Trans, Ver};
use super::reader::{Reader, decode_tok};
use super::scan::set_ascii;
use super::validate::ore;
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

/// Row `i` of `list`, reusing a stale or spare row (and its buffers) when there is one.
#[allow(clippy::inline_always)] // measured: plain `#[inline]` leaves a call per row
#[inline(always)]
fn slot<'a>(list: &'a mut Vec<Trans>, i: usize, spare: &mut Vec<Trans>) -> &'a mut Trans {
    if i >= list.len() {
        grow(list, i, spare);
    }
    &mut list[i]
}

/// Fills `list` up to row `i` from the spare pool (or with new rows).
#[cold]
fn grow(list: &mut Vec<Trans>, i: usize, spare: &mut Vec<Trans>) {
    while list.len() <= i {
        list.push(spare.pop().unwrap_or_default());
    }
}

/// Moves the rows past `used` (left from an earlier voucher) to the spare pool.
fn retire(list: &mut Vec<Trans>, used: usize, spare: &mut Vec<Trans>) {
    if list.len() > used {
        spare.extend(list.drain(used..));
    }
}

/// Stray Latin-1 letters repaired while decoding one record, and the first field they were in.
#[derive(Default)]
struct Repairs {
    count: usize,
    first: Option<String>,
}

/// Decodes `tok` of `line` into `out` (cleared first), noting repaired letters.
fn put(
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
        self.cur.reg_date =
            self.field(line, 5).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
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

    fn unmatched_rtrans_at(&mut self, line: usize) {
        self.warn(
            Diagnostic::at(line, "`#RTRANS` is not followed by its mirror `#TRANS`")
                .hint("the row was booked once, from the `#RTRANS`"),
        );
    }

    pub(super) fn row(&mut self, no: usize, line: &[u8], label: &str) {
        match self.block {
            Block::Open => {}
            Block::AfterVer => {
                self.warn(
                    Diagnostic::at(
                        self.cur.line,
                        format!("voucher {} has no `{{` line", ver_name(&self.cur)),
                    )
                    .hint("the block was opened at its first row"),
                );
                self.block = Block::Open;
            }
            Block::Idle => {
                self.error(
                    Diagnostic::at(no, format!("`{label}` outside a voucher block"))
                        .hint("rows belong between the `{` and `}` lines after a `#VER`"),
                );
                return;
            }
        }
        let removed = label == "#BTRANS";
        let read = self.trans(no, line, label, removed);
        self.book_row(label, read);
    }

    /// After a row record was read into the next free slot (`read`), or refused: books it,
    /// strikes it (`#BTRANS`), or recognises it as the mirror of the `#RTRANS` before it.
    pub(super) fn book_row(&mut self, label: &str, read: bool) {
        let removed = label == "#BTRANS";
        let pending = self.mirror.take();
        let mut unmatched = pending;
        if read {
            let rows = &self.cur.rows;
            let is_mirror = label == "#TRANS"
                && pending.and_then(|i| rows.get(i)).is_some_and(|r| {
                    let t = &rows[self.rows_used];
                    r.account == t.account && r.objects == t.objects && r.amount == t.amount
                });
            if is_mirror {
                unmatched = None;
            } else if removed {
                self.removed_used += 1;
            } else {
                if label == "#RTRANS" {
                    self.mirror = Some(self.rows_used);
                }
                let amount = ore(rows[self.rows_used].amount);
                self.ore_sum = self.ore_sum.zip(amount).and_then(|(s, a)| s.checked_add(a));
                self.accounts_to_check = true;
                self.rows_used += 1;
            }
        }
        if !read && !removed {
            self.row_refused_in = Some(self.cur.line);
        }
        if let Some(row_line) = unmatched.and_then(|i| self.cur.rows.get(i)).map(|r| r.line) {
            self.unmatched_rtrans_at(row_line);
        }
    }

    /// What [`Reader::book_row`] does with a plain row (`#TRANS` with no `#RTRANS` waiting
    /// for its mirror) read by a fast path, given its amount in öre: the balance sum, and the
    /// chart lookup of a four-digit account (`digits`) now, of any other at the voucher's end.
    #[inline]
    pub(super) fn book_plain(&mut self, ore: i128, digits: Option<[u8; 4]>) {
        self.ore_sum = self.ore_sum.and_then(|s| s.checked_add(ore));
        if !digits.is_some_and(|d| self.declared_accounts.contains_digits(d)) {
            self.accounts_to_check = true;
        }
        self.rows_used += 1;
    }

    /// The next free slot of `cur.rows` (or of `cur.removed` for a struck row), with the values
    /// every row record has already set.
    #[inline]
    pub(super) fn row_slot(
        &mut self,
        removed: bool,
        line: usize,
        amount: Decimal,
        date: Option<NaiveDate>,
        quantity: Option<Decimal>,
    ) -> &mut Trans {
        let (list, used) = if removed {
            (&mut self.cur.removed, self.removed_used)
        } else {
            (&mut self.cur.rows, self.rows_used)
        };
        let t = slot(list, used, &mut self.spare);
        t.line = line;
        t.amount = amount;
        t.date = date;
        t.quantity = quantity;
        t
    }

    /// Reads the fields of a row record into the next free slot of `cur.rows` (or
    /// `cur.removed`); `false` (with an error) when it is unusable.
    fn trans(&mut self, no: usize, line: &[u8], label: &str, removed: bool) -> bool {
        let Some(account) = self.toks.get(1).copied().filter(|t| t.end > t.start) else {
            self.error(Diagnostic::at(no, format!("`{label}` without an account")));
            return false;
        };
        // Hand-made files sometimes leave out the object list: `#TRANS 1930 100,50`.
        let (list, at) = match self.toks.get(2).copied() {
            Some(t) if t.kind == Kind::List => (Some(t), 3),
            Some(_) => {
                self.warn(
                    Diagnostic::at(no, format!("`{label}` without an object list"))
                        .hint("write `{}` after the account"),
                );
                (None, 2)
            }
            None => (None, 3),
        };
        if let Some(t) = list
            && t.end > t.start
        {
            lexer::list_tokens(&line[t.start..t.end], t.start, &mut self.list_toks);
            if !self.list_toks.len().is_multiple_of(2) {
                self.error(
                    Diagnostic::at(no, "object list has an odd number of tokens")
                        .hint("write pairs of dimension and object: `{1 \"100\" 6 \"P1\"}`"),
                );
            }
        } else {
            self.list_toks.clear();
        }
        let Some((_, raw)) = self.field(line, at) else {
            self.error(Diagnostic::at(no, format!("`{label}` without an amount")));
            return false;
        };
        let Some(amount) = self.amount(no, raw) else { return false };
        let date = self.field(line, at + 1).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
        let quantity = match self.field(line, at + 3) {
            None | Some((_, b"0")) => None,
            Some((_, raw)) => values::quantity(raw).unwrap_or_else(|()| {
                let q = String::from_utf8_lossy(raw).into_owned();
                self.warn(Diagnostic::at(no, format!("bad quantity `{q}` ignored")));
                None
            }),
        };
        let enc = self.file.encoding;
        let text_tok = self.toks.get(at + 2).copied();
        let sign_tok = self.toks.get(at + 4).copied();
        let mut scratch = std::mem::take(&mut self.scratch);
        let list_toks = std::mem::take(&mut self.list_toks);
        let t = self.row_slot(removed, no, amount, date, quantity);
        let mut repairs = Repairs::default();
        put(&mut t.account, line, Some(account), enc, &mut scratch, &mut repairs);
        put(&mut t.text, line, text_tok, enc, &mut scratch, &mut repairs);
        match sign_tok.filter(|s| s.end > s.start) {
            Some(s) => {
                let sign = t.sign.get_or_insert_with(String::new);
                put(sign, line, Some(s), enc, &mut scratch, &mut repairs);
            }
            None => t.sign = None,
        }
        let pairs = list_toks.len() / 2;
        t.objects.truncate(pairs);
        for (k, pair) in list_toks.chunks_exact(2).enumerate() {
            if k == t.objects.len() {
                t.objects.push(ObjectRef::default());
            }
            let o = &mut t.objects[k];
            put(&mut o.dimension, line, Some(pair[0]), enc, &mut scratch, &mut repairs);
            put(&mut o.object, line, Some(pair[1]), enc, &mut scratch, &mut repairs);
        }
        self.scratch = scratch;
        self.list_toks = list_toks;
        self.repaired(repairs.count, repairs.first.as_deref().unwrap_or_default());
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
