//! Row records of a voucher block: `#TRANS`, `#RTRANS` and `#BTRANS` (format doc §8-9), read
//! into the next free slot of [`Reader::cur`] and then booked, struck or recognised as the
//! mirror of an `#RTRANS`; and the slot helpers that reuse rows (and their buffers) from one
//! voucher to the next through the spare pool.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

use super::block::{Block, Repairs, put, ver_name};
use super::lexer::{self, Kind};
use super::model::{ObjectRef, Trans};
use super::reader::Reader;
use super::validate::ore;
use super::values;

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
pub(super) fn retire(list: &mut Vec<Trans>, used: usize, spare: &mut Vec<Trans>) {
    if list.len() > used {
        spare.extend(list.drain(used..));
    }
}

impl Reader {
    pub(super) fn unmatched_rtrans_at(&mut self, line: usize) {
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
    /// chart lookup of a four-digit account (`four_digit`, its [`digits_index`]) now, of any
    /// other at the voucher's end.
    ///
    /// [`digits_index`]: super::validate::digits_index
    #[inline]
    pub(super) fn book_plain(&mut self, ore: i128, four_digit: Option<usize>) {
        self.ore_sum = self.ore_sum.and_then(|s| s.checked_add(ore));
        if !four_digit.is_some_and(|i| self.declared_accounts.contains_index(i)) {
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
            self.error(Diagnostic::at(no, format!("`{label}` without an amount")).hint(format!(
                "write `{label} account {{}} amount`, e.g. `{label} 1930 {{}} 100.00`"
            )));
            return false;
        };
        if let Some((_, next)) = self.field(line, at + 1)
            && thousands(raw, next)
        {
            let amount =
                format!("{} {}", String::from_utf8_lossy(raw), String::from_utf8_lossy(next));
            self.error(
                Diagnostic::at(no, format!("amount `{amount}` has a space between its thousands"))
                    .hint("write amounts without spaces, with a point: `1000.00`"),
            );
            return false;
        }
        // A text with spaces written without quotes: its first word is the text (as the spec
        // reads it, and as releases before posted it), said rather than cut silently.
        let bad_quantity =
            self.field(line, at + 3).is_some_and(|(_, q)| values::quantity(q).is_err());
        let unquoted = if bad_quantity { self.unquoted_text(line, at + 2) } else { None };
        if let Some(text) = &unquoted {
            let first = text.split_whitespace().next().unwrap_or_default().to_owned();
            self.warn(
                Diagnostic::at(
                    no,
                    format!("row text `{text}` is not in quotes: read as `{first}`"),
                )
                .hint(format!("a text with spaces is written in quotes: `\"{text}\"`")),
            );
        }
        let Some(amount) = self.amount(no, raw) else { return false };
        let date = self.field(line, at + 1).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
        let quantity = match self.field(line, at + 3) {
            None | Some((_, b"0")) => None,
            Some(_) if unquoted.is_some() => None,
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
}

/// `1 000,00` read as an amount `1` and a date `000,00`: up to three digits (maybe signed),
/// then three digits with maybe decimals after a point or comma.
fn thousands(amount: &[u8], next: &[u8]) -> bool {
    let digits = amount.strip_prefix(b"-").unwrap_or(amount);
    let (whole, decimals) = match next.iter().position(|b| matches!(b, b',' | b'.')) {
        Some(p) => (&next[..p], &next[p + 1..]),
        None => (next, &b""[..]),
    };
    (1..=3).contains(&digits.len())
        && digits.iter().all(u8::is_ascii_digit)
        && whole.len() == 3
        && whole.iter().all(u8::is_ascii_digit)
        && decimals.len() <= 2
        && decimals.iter().all(u8::is_ascii_digit)
}
