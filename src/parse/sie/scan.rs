//! The hot path: most lines of a large export are `{`, `}`, plain row records and `#VER`
//! lines. [`Reader::feed`] reads those straight from the input buffer, finding each line's end
//! while it reads the fields (no separate newline search, no trim, no tokens), and hands every
//! other line to the general path ([`Reader::line`]).
//!
//! A fast reader either takes a whole line exactly as the general path would take it, or
//! declines it having changed nothing (it only ever declines before writing to the voucher);
//! the property tests in `proptests.rs` and the corpus test in `tests.rs` hold the two paths
//! to that. A line is only taken when its `\n` is in the buffer, so a line cut by the end of a
//! block, or the last line of a file without a line feed, goes to the general path.

mod fields;

use rust_decimal::Decimal;

use super::block::Block;
use super::encoding;
use super::reader::Reader;
use super::validate::digits_index;
use super::values;

pub(super) use fields::set_ascii;
use fields::{
    amount, at, bare, eol, field_ends, is_blank, keep_or_set_ascii, leading_digits, line_end,
    plain_field, quoted, row_label, set_digits, skip_blanks, word,
};

/// A row's optional fields after the amount.
struct Tail {
    date: Option<chrono::NaiveDate>,
    text: (usize, usize),
    text_is_ascii: bool,
    quantity: Option<Decimal>,
    sign: Option<(usize, usize)>,
}

impl Default for Tail {
    fn default() -> Self {
        Tail { date: None, text: (0, 0), text_is_ascii: true, quantity: None, sign: None }
    }
}

impl Reader {
    /// Feeds the complete lines of `buf` from `pos` until a voucher closes (`true`; it is then
    /// in [`Reader::done`]) or no complete line is left (`false`). Returns where the next line
    /// starts; `no` is the number of the last line fed.
    pub(super) fn feed(&mut self, buf: &[u8], mut pos: usize, no: &mut usize) -> (usize, bool) {
        // Counted here and stored on the way out: the fast readers set `last_line` themselves
        // before anything that reads it.
        let mut line = *no;
        let mut records = 0;
        let mut fast = self.fast && !self.checksum.is_hashing();
        let out = loop {
            if fast {
                let taken = match at(buf, pos) {
                    b'{' | b'}' => self.fast_brace(buf, pos),
                    b'#' if at(buf, pos + 1) == b'V' => self.fast_ver(buf, pos, line + 1),
                    b'#' => self.fast_row(buf, pos, line + 1).map(|next| (next, false)),
                    _ => None,
                };
                if let Some((next, closed)) = taken {
                    line += 1;
                    records += 1;
                    pos = next;
                    if closed {
                        break (pos, true);
                    }
                    continue;
                }
            }
            let Some(len) = buf.get(pos..).and_then(|rest| memchr::memchr(b'\n', rest)) else {
                break (pos, false);
            };
            line += 1;
            self.sie_records += std::mem::take(&mut records);
            let closed = self.line(line, &buf[pos..pos + len]);
            fast = self.fast && !self.checksum.is_hashing();
            pos += len + 1;
            if closed {
                break (pos, true);
            }
        };
        self.sie_records += records;
        if line != *no {
            self.last_line = line;
            *no = line;
        }
        out
    }

    /// `{` opening the block of the `#VER` just read, or `}` closing it.
    #[inline]
    fn fast_brace(&mut self, buf: &[u8], pos: usize) -> Option<(usize, bool)> {
        let next = line_end(buf, pos + 1)?;
        match (at(buf, pos), self.block) {
            (b'{', Block::AfterVer) => {
                self.block = Block::Open;
                Some((next, false))
            }
            (b'}', Block::Open | Block::AfterVer) => Some((next, self.close_voucher(false))),
            _ => None,
        }
    }

    /// A row record `#TRANS account {} amount [date [text [quantity [sign]]]]` (or `#RTRANS`,
    /// `#BTRANS`) inside an open block, read in one pass into the next row slot: the amount is
    /// parsed while it is scanned, `""` fields cost a comparison. Declines object lists,
    /// escapes, non-ASCII accounts and signs, and any field that would give a diagnostic.
    /// Returns where the next line starts.
    fn fast_row(&mut self, buf: &[u8], pos: usize, no: usize) -> Option<usize> {
        if let Some(next) = self.plain_trans(buf, pos, no) {
            return Some(next);
        }
        let (label, i) = row_label(buf, pos)?;
        if self.block != Block::Open {
            return None;
        }
        // Account: a bare ASCII field, then the empty object list; nearly always four digits
        // and ` {} `, taken in one look.
        let a0 = skip_blanks(buf, i);
        let mut digits = None;
        let (a1, list_end) = match buf.get(a0..a0 + 8) {
            Some(&[d1, d2, d3, d4, b' ', b'{', b'}', blank])
                if [d1, d2, d3, d4].iter().all(u8::is_ascii_digit) && is_blank(blank) =>
            {
                digits = Some([d1, d2, d3, d4]);
                (a0 + 4, a0 + 7)
            }
            _ => {
                if matches!(at(buf, a0), b'"' | b'{') {
                    return None;
                }
                let a1 = bare(buf, a0)?;
                let i = skip_blanks(buf, a1);
                if at(buf, i) != b'{' || at(buf, i + 1) != b'}' {
                    return None;
                }
                (a1, i + 2)
            }
        };
        let (amount, ore, i) = amount(buf, skip_blanks(buf, list_end))?;
        let mut tail = Tail::default();
        let next = self.row_tail(buf, i, &mut tail)?;
        let text = &buf[tail.text.0..tail.text.1];
        if !tail.text_is_ascii && self.encoding_pending {
            // The general path picks the encoding at the first line with a high byte.
            return None;
        }
        self.last_line = no;
        let enc = self.file.encoding;
        let four_digit = digits.map(digits_index);
        let t = self.row_slot(label == "#BTRANS", no, amount, tail.date, tail.quantity);
        match digits.zip(four_digit) {
            Some((d, i)) => set_digits(&mut t.account, d, i),
            None => keep_or_set_ascii(&mut t.account, &buf[a0..a1]),
        }
        let repaired = if tail.text_is_ascii {
            set_ascii(&mut t.text, text);
            0
        } else {
            t.text.clear();
            encoding::decode_into(text, enc, &mut t.text)
        };
        match tail.sign {
            Some((s, e)) => keep_or_set_ascii(t.sign.get_or_insert_with(String::new), &buf[s..e]),
            None => t.sign = None,
        }
        t.objects.clear();
        if repaired > 0 {
            let text = t.text.clone();
            self.repaired(repaired, &text);
        }
        if label == "#TRANS" && self.mirror.is_none() {
            self.book_plain(ore, four_digit);
        } else {
            self.book_row(label, true);
        }
        Some(next)
    }

    /// The row most exports are made of, `#TRANS dddd {} amount "" "" 0` (or ending after the
    /// amount), booked as a plain row: read a word at a time, no field copied but the account.
    /// Declines, having changed nothing, anything else (for [`Reader::fast_row`]).
    #[inline]
    fn plain_trans(&mut self, buf: &[u8], pos: usize, no: usize) -> Option<usize> {
        const LABEL: u64 = u64::from_le_bytes(*b"#TRANS \0");
        const EMPTY_LIST: u64 = u64::from_le_bytes(*b"\0\0\0\0 {} ");
        let head = word(buf, pos)?;
        let account = word(buf, pos + 7)?;
        if head & 0x00FF_FFFF_FFFF_FFFF != LABEL
            || account & 0xFFFF_FFFF_0000_0000 != EMPTY_LIST
            || leading_digits(account) != 4
            || self.block != Block::Open
            || self.mirror.is_some()
        {
            return None;
        }
        let (amount, ore, i) = amount(buf, pos + 15)?;
        let next = match word(buf, i) {
            Some(tail) if tail == u64::from_le_bytes(*b" \"\" \"\" 0") => eol(buf, i + 8)?,
            _ => eol(buf, i)?,
        };
        self.last_line = no;
        let [d1, d2, d3, d4, ..] = account.to_le_bytes();
        let digits = [d1, d2, d3, d4];
        let four_digit = digits_index(digits);
        let t = self.row_slot(false, no, amount, None, None);
        set_digits(&mut t.account, digits, four_digit);
        t.text.clear();
        t.sign = None;
        t.objects.clear();
        self.book_plain(ore, Some(four_digit));
        Some(next)
    }

    /// Reads the fields after a row's amount (from `i`, just after it) into `tail`; returns
    /// where the next line starts.
    fn row_tail(&mut self, buf: &[u8], mut i: usize, tail: &mut Tail) -> Option<usize> {
        // No date, no text, no quantity: the tail of nearly every row some exporters write.
        if buf.get(i..i + 8) == Some(b" \"\" \"\" 0")
            && let Some(next) = eol(buf, i + 8)
        {
            return Some(next);
        }
        for field in 0..4 {
            i = skip_blanks(buf, i);
            if let Some(next) = eol(buf, i) {
                return Some(next);
            }
            i = match field {
                // Date: `""` or eight digits.
                0 if at(buf, i) == b'"' && at(buf, i + 1) == b'"' => i + 2,
                0 if field_ends(buf, i + 8) => {
                    tail.date = self.date_of_word(word(buf, i)?).ok()?;
                    i + 8
                }
                // Text: quoted.
                1 if at(buf, i) == b'"' => {
                    let (s, e, next, ascii) = quoted(buf, i)?;
                    (tail.text, tail.text_is_ascii) = ((s, e), ascii);
                    next
                }
                // Quantity: `0` (none) or a decimal.
                2 if !matches!(at(buf, i), b'"' | b'{') => {
                    let e = bare(buf, i)?;
                    if &buf[i..e] != b"0" {
                        tail.quantity = values::quantity(&buf[i..e]).ok()?;
                    }
                    e
                }
                // Sign: quoted ASCII, then the line end.
                3 if at(buf, i) == b'"' => {
                    let (s, e, next, ascii) = quoted(buf, i)?;
                    if !ascii {
                        return None;
                    }
                    tail.sign = Some((s, e)).filter(|(s, e)| e > s);
                    return line_end(buf, next);
                }
                _ => return None,
            };
        }
        None
    }

    /// The voucher line `#VER series number date [text [regdate [sign]]]`, read in one pass
    /// into [`Reader::cur`]. Declines a missing or bad date, object lists, escapes, non-ASCII
    /// series, number or sign, and extra fields. Returns where the next line starts and
    /// whether reading it closed the previous voucher.
    fn fast_ver(&mut self, buf: &[u8], pos: usize, no: usize) -> Option<(usize, bool)> {
        if buf.get(pos..pos + 4) != Some(b"#VER") || !is_blank(at(buf, pos + 4)) {
            return None;
        }
        let (s0, s1, next, ascii_series) = plain_field(buf, skip_blanks(buf, pos + 4))?;
        let (n0, n1, next, ascii_number) = plain_field(buf, skip_blanks(buf, next))?;
        if !ascii_series || !ascii_number {
            return None;
        }
        let (series, number) = (&buf[s0..s1], &buf[n0..n1]);
        // Date: eight bare digits of a real date.
        let mut i = skip_blanks(buf, next);
        if !field_ends(buf, i + 8) {
            return None;
        }
        let date = self.date_of_word(word(buf, i)?).ok().flatten()?;
        i = skip_blanks(buf, i + 8);
        // Text, registration date, sign: each optional, plain fields.
        let mut fields = [(i, i, true); 3];
        let mut end = None;
        for field in &mut fields {
            if let Some(next) = eol(buf, i) {
                end = Some(next);
                break;
            }
            let (f0, f1, next, ascii) = plain_field(buf, i)?;
            *field = (f0, f1, ascii);
            i = skip_blanks(buf, next);
        }
        let end = end.or_else(|| eol(buf, i))?;
        let [(t0, t1, ascii_text), (r0, r1, _), (g0, g1, ascii_sign)] = fields;
        let (text, sign) = (&buf[t0..t1], &buf[g0..g1]);
        let reg_date = self.date_quiet(&buf[r0..r1]).ok()?;
        if !ascii_sign || (!ascii_text && self.encoding_pending) {
            return None;
        }
        self.last_line = no;
        let done = self.end_block(no);
        self.start_voucher();
        let enc = self.file.encoding;
        let v = &mut self.cur;
        keep_or_set_ascii(&mut v.series, series);
        set_ascii(&mut v.number, number);
        let repaired = if ascii_text {
            set_ascii(&mut v.text, text);
            0
        } else {
            v.text.clear();
            encoding::decode_into(text, enc, &mut v.text)
        };
        if sign.is_empty() {
            v.sign = None;
        } else {
            keep_or_set_ascii(v.sign.get_or_insert_with(String::new), sign);
        }
        v.line = no;
        v.date = date;
        v.reg_date = reg_date;
        if repaired > 0 {
            let text = self.cur.text.clone();
            self.repaired(repaired, &text);
        }
        self.block = Block::AfterVer;
        Some((end, done))
    }
}
