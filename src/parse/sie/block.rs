//! `#VER` blocks: `#VER`, `{`, `#TRANS`/`#RTRANS`/`#BTRANS`, `}` (format doc §8-9).
//!
//! `#RTRANS` rows are booked and the `#TRANS` mirror right after them (same account, objects and
//! amount) is skipped; `#BTRANS` rows go to [`Ver::removed`]. A `#VER` whose `{` is missing
//! opens its block implicitly when a row follows.

use chrono::NaiveDate;

use crate::diagnostic::Diagnostic;

use super::lexer::{self, Kind};
use super::model::{ObjectRef, Trans, Ver};
use super::reader::Reader;
use super::values::{self, AmountStyle};

/// Where the reader is with respect to voucher blocks.
#[derive(Debug, Default)]
pub enum Block {
    #[default]
    Idle,
    /// A `#VER` was read; its `{` has not come yet.
    AfterVer(Ver),
    /// Inside `{ … }`. `mirror` is the index of an `#RTRANS` row still waiting for its `#TRANS`.
    Open { ver: Ver, mirror: Option<usize> },
}

/// How a voucher is named in messages: `A 12`, or the line for unnumbered 4I vouchers.
pub fn ver_name(ver: &Ver) -> String {
    let name = format!("{} {}", ver.series, ver.number);
    let name = name.trim();
    if name.is_empty() { format!("on line {}", ver.line) } else { format!("`{name}`") }
}

impl Reader {
    pub(super) fn ver(&mut self, no: usize, line: &[u8]) -> Option<Ver> {
        let done = self.end_block(no);
        let series = self.text(line, 1);
        let number = self.text(line, 2);
        let date = match self.field(line, 3) {
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
        let text = self.text(line, 4);
        let reg_date = self.field(line, 5).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
        let sign = self.opt_text(line, 6);
        let ver = Ver {
            line: no,
            series,
            number,
            date,
            text,
            reg_date,
            sign,
            rows: Vec::new(),
            removed: Vec::new(),
        };
        self.block = Block::AfterVer(ver);
        done
    }

    /// Closes whatever is open before a new `#VER` or at the end of the input.
    fn end_block(&mut self, no: usize) -> Option<Ver> {
        match std::mem::take(&mut self.block) {
            Block::Idle => None,
            Block::AfterVer(ver) => {
                self.error(
                    Diagnostic::at(
                        ver.line,
                        format!("voucher {} has no `{{ … }}` block", ver_name(&ver)),
                    )
                    .hint(format!("a `{{` line must follow the `#VER` (next record on line {no})")),
                );
                Some(self.close_voucher(ver, None))
            }
            Block::Open { ver, mirror } => {
                self.error(
                    Diagnostic::at(ver.line, format!("voucher {} is not closed", ver_name(&ver)))
                        .hint("add a `}` line after its last row"),
                );
                Some(self.close_voucher(ver, mirror))
            }
        }
    }

    pub(super) fn end_of_input(&mut self) -> Option<Ver> {
        let no = self.last_line + 1;
        self.end_block(no)
    }

    pub(super) fn open_brace(&mut self, no: usize) -> Option<Ver> {
        match std::mem::take(&mut self.block) {
            Block::AfterVer(ver) => self.block = Block::Open { ver, mirror: None },
            Block::Idle => self.error(
                Diagnostic::at(no, "`{` without a `#VER`").hint("a block opens right after `#VER`"),
            ),
            open @ Block::Open { .. } => {
                self.block = open;
                self.error(
                    Diagnostic::at(no, "`{` inside an open voucher block")
                        .hint("close the previous block with `}`"),
                );
            }
        }
        None
    }

    pub(super) fn close_brace(&mut self, no: usize) -> Option<Ver> {
        match std::mem::take(&mut self.block) {
            Block::Open { ver, mirror } => Some(self.close_voucher(ver, mirror)),
            Block::AfterVer(ver) => Some(self.close_voucher(ver, None)),
            Block::Idle => {
                self.error(
                    Diagnostic::at(no, "`}` without an open voucher block")
                        .hint("remove the line or add the `#VER` and `{` it belongs to"),
                );
                None
            }
        }
    }

    fn close_voucher(&mut self, ver: Ver, mirror: Option<usize>) -> Ver {
        if let Some(i) = mirror {
            self.unmatched_rtrans(&ver, i);
        }
        self.validate_voucher(&ver);
        ver
    }

    fn unmatched_rtrans(&mut self, ver: &Ver, i: usize) {
        if let Some(r) = ver.rows.get(i) {
            self.unmatched_rtrans_at(r.line);
        }
    }

    fn unmatched_rtrans_at(&mut self, line: usize) {
        self.warn(
            Diagnostic::at(line, "`#RTRANS` is not followed by its mirror `#TRANS`")
                .hint("the row was booked once, from the `#RTRANS`"),
        );
    }

    pub(super) fn row(&mut self, no: usize, line: &[u8], label: &str) {
        match &self.block {
            Block::Open { .. } => {}
            Block::AfterVer(_) => {
                if let Block::AfterVer(ver) = std::mem::take(&mut self.block) {
                    self.warn(
                        Diagnostic::at(
                            ver.line,
                            format!("voucher {} has no `{{` line", ver_name(&ver)),
                        )
                        .hint("the block was opened at its first row"),
                    );
                    self.block = Block::Open { ver, mirror: None };
                }
            }
            Block::Idle => {
                self.error(
                    Diagnostic::at(no, format!("`{label}` outside a voucher block"))
                        .hint("rows belong between the `{` and `}` lines after a `#VER`"),
                );
                return;
            }
        }
        let trans = self.trans(no, line, label);
        // The block is updated in place: moving the voucher for every row costs time.
        let Block::Open { ver, mirror } = &mut self.block else { return };
        let pending = mirror.take();
        let mut unmatched = pending;
        if let Some(trans) = trans {
            let is_mirror = pending.and_then(|i| ver.rows.get(i)).is_some_and(|r| {
                label == "#TRANS"
                    && r.account == trans.account
                    && r.objects == trans.objects
                    && r.amount == trans.amount
            });
            if is_mirror {
                unmatched = None;
            } else {
                match label {
                    "#BTRANS" => ver.removed.push(trans),
                    "#RTRANS" => {
                        *mirror = Some(ver.rows.len());
                        ver.rows.push(trans);
                    }
                    _ => ver.rows.push(trans),
                }
            }
        }
        if let Some(row_line) = unmatched.and_then(|i| ver.rows.get(i)).map(|r| r.line) {
            self.unmatched_rtrans_at(row_line);
        }
    }

    /// Reads the fields of a row record; `None` (with an error) when it is unusable.
    fn trans(&mut self, no: usize, line: &[u8], label: &str) -> Option<Trans> {
        let account = self.text(line, 1);
        if account.is_empty() {
            self.error(Diagnostic::at(no, format!("`{label}` without an account")));
            return None;
        }
        // Hand-made files sometimes leave out the object list: `#TRANS 1930 100,50`.
        let (objects, at) = match self.field(line, 2) {
            Some((Kind::List, inner)) => {
                let base = inner.as_ptr() as usize - line.as_ptr() as usize;
                (self.objects(no, line, base, inner.len()), 3)
            }
            Some(_) => {
                self.warn(
                    Diagnostic::at(no, format!("`{label}` without an object list"))
                        .hint("write `{}` after the account"),
                );
                (Vec::new(), 2)
            }
            None => (Vec::new(), 3),
        };
        let Some((_, raw)) = self.field(line, at) else {
            self.error(Diagnostic::at(no, format!("`{label}` without an amount")));
            return None;
        };
        let amount = self.amount(no, raw)?;
        let date = self.field(line, at + 1).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
        let text = self.text(line, at + 2);
        let quantity = match self.field(line, at + 3) {
            None => None,
            Some((_, raw)) => values::quantity(raw).unwrap_or_else(|()| {
                let q = String::from_utf8_lossy(raw).into_owned();
                self.warn(Diagnostic::at(no, format!("bad quantity `{q}` ignored")));
                None
            }),
        };
        let sign = self.opt_text(line, at + 4);
        Some(Trans { line: no, account, objects, amount, date, text, quantity, sign })
    }

    /// Reads the object list whose content is `line[base..base + len]`.
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
                self.error(
                    Diagnostic::at(no, format!("unparseable amount `{text}`")).hint(
                        "amounts are written like `-1234.50`: a point and at most two decimals",
                    ),
                );
                None
            }
        }
    }

    /// Parses an optional date; `None` (with an error) when malformed.
    pub(super) fn date(&mut self, no: usize, raw: &[u8]) -> Result<Option<NaiveDate>, ()> {
        if let Ok(d) = values::date(raw) {
            Ok(d)
        } else {
            let text = String::from_utf8_lossy(raw).into_owned();
            self.error(
                Diagnostic::at(no, format!("bad date `{text}`"))
                    .hint("dates are written `YYYYMMDD`, e.g. `20240131`"),
            );
            Err(())
        }
    }
}
