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

// The byte helpers below are forced inline: with plain `#[inline]` the bench runs 8 % slower.
#![allow(clippy::inline_always)]

use rust_decimal::Decimal;

use super::block::{Block, slot};
use super::encoding;
use super::lexer;
use super::reader::Reader;
use super::values;

/// The byte at `i`, or 0 past the end (0 is never part of a field the fast readers take).
#[inline(always)]
fn at(buf: &[u8], i: usize) -> u8 {
    buf.get(i).copied().unwrap_or(0)
}

#[inline(always)]
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// When a line ends at `i` (`\n` or `\r\n`): where the next one starts.
#[inline(always)]
fn eol(buf: &[u8], i: usize) -> Option<usize> {
    match at(buf, i) {
        b'\n' => Some(i + 1),
        b'\r' if at(buf, i + 1) == b'\n' => Some(i + 2),
        _ => None,
    }
}

/// Whether a bare field ends at `i`: a blank or the line end is there.
#[inline(always)]
fn field_ends(buf: &[u8], i: usize) -> bool {
    is_blank(at(buf, i)) || eol(buf, i).is_some()
}

#[inline(always)]
fn skip_blanks(buf: &[u8], mut i: usize) -> usize {
    while is_blank(at(buf, i)) {
        i += 1;
    }
    i
}

/// Blanks and then the line end from `i`: where the next line starts.
#[inline]
fn line_end(buf: &[u8], i: usize) -> Option<usize> {
    eol(buf, skip_blanks(buf, i))
}

/// The end of a bare field of printable ASCII starting at `i`; `None` when it is empty or
/// runs into anything but a blank or the line end.
#[inline]
fn bare(buf: &[u8], i: usize) -> Option<usize> {
    let mut e = i;
    while matches!(at(buf, e), 0x21..=0x7E) {
        e += 1;
    }
    (e > i && field_ends(buf, e)).then_some(e)
}

/// A quoted field at `i` (on its `"`) that closes on this line with no `\"` inside: its
/// content's range and the index after the closing quote (split as [`lexer::tokenize`] does).
#[inline]
fn quoted(buf: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let s = i + 1;
    // `""` is the most common field of all.
    if at(buf, s) == b'"' {
        return Some((s, s, s + 1));
    }
    let end = lexer::next_quote_or_newline(buf, s);
    (at(buf, end) == b'"' && buf[end - 1] != b'\\').then_some((s, end, end + 1))
}

/// A bare field or a quoted one without `\"` at `i`: content range and the index after it.
/// `None` for an object list, escapes, a field that does not end on this line, or a bare field
/// with other than printable ASCII.
#[inline]
fn plain_field(buf: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    match at(buf, i) {
        b'"' => quoted(buf, i),
        b'{' => None,
        _ => bare(buf, i).map(|e| (i, e, e)),
    }
}

/// Sets `out` to `bytes`, known to be ASCII. Short fields are copied byte by byte: a call to
/// the UTF-8 check and `memcpy` costs more than the loop.
#[inline]
pub(super) fn set_ascii(out: &mut String, bytes: &[u8]) {
    out.clear();
    if bytes.len() > 16 {
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
    } else {
        out.extend(bytes.iter().map(|&b| char::from(b)));
    }
}

/// [`set_ascii`] for fields that repeat from voucher to voucher (series, signs): left alone
/// when equal.
#[inline]
fn keep_or_set_ascii(out: &mut String, bytes: &[u8]) {
    if out.len() != bytes.len() || !out.bytes().zip(bytes).all(|(a, b)| a == *b) {
        set_ascii(out, bytes);
    }
}

/// Sets `out` to a four-digit account id; left alone when it already is that one.
#[inline]
fn set_digits(out: &mut String, digits: [u8; 4]) {
    if <[u8; 4]>::try_from(out.as_bytes()).ok() != Some(digits) {
        out.clear();
        for d in digits {
            out.push(char::from(d));
        }
    }
}

/// The row label at `pos` (`#TRANS`, `#RTRANS` or `#BTRANS`, then a blank) and where its
/// fields start.
fn row_label(buf: &[u8], pos: usize) -> Option<(&'static str, usize)> {
    let rest = buf.get(pos..)?;
    let (label, len) = if rest.starts_with(b"#TRANS") {
        ("#TRANS", 6)
    } else if rest.starts_with(b"#RTRANS") {
        ("#RTRANS", 7)
    } else if rest.starts_with(b"#BTRANS") {
        ("#BTRANS", 7)
    } else {
        return None;
    };
    is_blank(at(buf, pos + len)).then_some((label, pos + len))
}

/// A row's optional fields after the amount.
#[derive(Default)]
struct Tail {
    date: Option<chrono::NaiveDate>,
    text: (usize, usize),
    quantity: Option<Decimal>,
    sign: Option<(usize, usize)>,
}

impl Reader {
    /// Feeds the complete lines of `buf` from `pos` until a voucher closes (`true`; it is then
    /// in [`Reader::done`]) or no complete line is left (`false`). Returns where the next line
    /// starts; `no` is the number of the last line fed.
    pub(super) fn feed(&mut self, buf: &[u8], mut pos: usize, no: &mut usize) -> (usize, bool) {
        loop {
            if self.fast && !self.checksum.is_hashing() {
                let taken = match at(buf, pos) {
                    b'{' | b'}' => self.fast_brace(buf, pos),
                    b'#' if at(buf, pos + 1) == b'V' => self.fast_ver(buf, pos, *no + 1),
                    b'#' => self.fast_row(buf, pos, *no + 1).map(|next| (next, false)),
                    _ => None,
                };
                if let Some((next, closed)) = taken {
                    *no += 1;
                    self.last_line = *no;
                    self.sie_records += 1;
                    pos = next;
                    if closed {
                        return (pos, true);
                    }
                    continue;
                }
            }
            let Some(len) = buf.get(pos..).and_then(|rest| memchr::memchr(b'\n', rest)) else {
                return (pos, false);
            };
            *no += 1;
            let closed = self.line(*no, &buf[pos..pos + len]);
            pos += len + 1;
            if closed {
                return (pos, true);
            }
        }
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
    #[allow(clippy::cast_possible_truncation)]
    fn fast_row(&mut self, buf: &[u8], pos: usize, no: usize) -> Option<usize> {
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
        // Amount `-?\d+(\.\d{1,2})?`, at most 18 digits, parsed as it is scanned (a longer
        // one may wrap the mantissa; it is then left to the general path).
        let mut i = skip_blanks(buf, list_end);
        let neg = at(buf, i) == b'-';
        i += usize::from(neg);
        let d0 = i;
        let mut mantissa: u64 = 0;
        loop {
            let d = at(buf, i).wrapping_sub(b'0');
            if d >= 10 {
                break;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            i += 1;
        }
        let int_digits = i - d0;
        let mut scale = 0;
        if at(buf, i) == b'.' {
            i += 1;
            loop {
                let d = at(buf, i).wrapping_sub(b'0');
                if d >= 10 {
                    break;
                }
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
                i += 1;
                scale += 1;
            }
            if scale == 0 {
                return None;
            }
        }
        if int_digits == 0 || scale > 2 || int_digits + scale > 18 || !field_ends(buf, i) {
            return None;
        }
        let amount = Decimal::from_parts(
            (mantissa & 0xFFFF_FFFF) as u32,
            (mantissa >> 32) as u32,
            0,
            neg && mantissa != 0,
            scale as u32,
        );
        let mut tail = Tail::default();
        let next = self.row_tail(buf, i, &mut tail)?;
        let text = &buf[tail.text.0..tail.text.1];
        if !text.is_ascii() && self.encoding_pending {
            // The general path picks the encoding at the first line with a high byte.
            return None;
        }
        self.last_line = no;
        let enc = self.file.encoding;
        let removed = label == "#BTRANS";
        let (list, used) = if removed {
            (&mut self.cur.removed, self.removed_used)
        } else {
            (&mut self.cur.rows, self.rows_used)
        };
        let t = slot(list, used, &mut self.spare);
        t.line = no;
        t.amount = amount;
        t.date = tail.date;
        t.quantity = tail.quantity;
        match digits {
            Some(d) => set_digits(&mut t.account, d),
            None => keep_or_set_ascii(&mut t.account, &buf[a0..a1]),
        }
        let repaired = if text.is_ascii() {
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
            // What `book_row` does with a plain row when no `#RTRANS` waits for its mirror.
            let ore = i128::from(mantissa) * [100, 10, 1][scale];
            let ore = if neg { -ore } else { ore };
            self.ore_sum = self.ore_sum.and_then(|s| s.checked_add(ore));
            match digits {
                Some(d) if self.declared_accounts.contains_digits(d) => {}
                _ => self.accounts_to_check = true,
            }
            self.rows_used += 1;
        } else {
            self.book_row(label, true);
        }
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
        // Date: `""` or eight digits.
        i = skip_blanks(buf, i);
        if let Some(next) = eol(buf, i) {
            return Some(next);
        }
        if at(buf, i) == b'"' && at(buf, i + 1) == b'"' {
            i += 2;
        } else if field_ends(buf, i + 8) {
            tail.date = self.date_quiet(buf.get(i..i + 8)?).ok()?;
            i += 8;
        } else {
            return None;
        }
        // Text: quoted.
        i = skip_blanks(buf, i);
        if let Some(next) = eol(buf, i) {
            return Some(next);
        }
        if at(buf, i) != b'"' {
            return None;
        }
        let (s, e, next) = quoted(buf, i)?;
        tail.text = (s, e);
        // Quantity: `0` (none) or a decimal.
        i = skip_blanks(buf, next);
        if let Some(next) = eol(buf, i) {
            return Some(next);
        }
        if matches!(at(buf, i), b'"' | b'{') {
            return None;
        }
        let e = bare(buf, i)?;
        if &buf[i..e] != b"0" {
            tail.quantity = values::quantity(&buf[i..e]).ok()?;
        }
        // Sign: quoted ASCII, then the line end.
        i = skip_blanks(buf, e);
        if let Some(next) = eol(buf, i) {
            return Some(next);
        }
        if at(buf, i) != b'"' {
            return None;
        }
        let (s, e, next) = quoted(buf, i)?;
        if !buf[s..e].is_ascii() {
            return None;
        }
        tail.sign = Some((s, e)).filter(|(s, e)| e > s);
        line_end(buf, next)
    }

    /// The voucher line `#VER series number date [text [regdate [sign]]]`, read in one pass
    /// into [`Reader::cur`]. Declines a missing or bad date, object lists, escapes, non-ASCII
    /// series, number or sign, and extra fields. Returns where the next line starts and
    /// whether reading it closed the previous voucher.
    fn fast_ver(&mut self, buf: &[u8], pos: usize, no: usize) -> Option<(usize, bool)> {
        if buf.get(pos..pos + 4) != Some(b"#VER") || !is_blank(at(buf, pos + 4)) {
            return None;
        }
        let (s0, s1, next) = plain_field(buf, skip_blanks(buf, pos + 4))?;
        let (n0, n1, next) = plain_field(buf, skip_blanks(buf, next))?;
        let (series, number) = (&buf[s0..s1], &buf[n0..n1]);
        if !series.is_ascii() || !number.is_ascii() {
            return None;
        }
        // Date: eight bare digits of a real date.
        let mut i = skip_blanks(buf, next);
        if !field_ends(buf, i + 8) {
            return None;
        }
        let date = self.date_quiet(buf.get(i..i + 8)?).ok().flatten()?;
        i = skip_blanks(buf, i + 8);
        let mut text: &[u8] = b"";
        let mut reg_date = None;
        let mut sign: &[u8] = b"";
        let end = 'fields: {
            if let Some(next) = eol(buf, i) {
                break 'fields next;
            }
            let (t0, t1, next) = plain_field(buf, i)?;
            text = &buf[t0..t1];
            i = skip_blanks(buf, next);
            if let Some(next) = eol(buf, i) {
                break 'fields next;
            }
            let (r0, r1, next) = plain_field(buf, i)?;
            reg_date = self.date_quiet(&buf[r0..r1]).ok()?;
            i = skip_blanks(buf, next);
            if let Some(next) = eol(buf, i) {
                break 'fields next;
            }
            let (g0, g1, next) = plain_field(buf, i)?;
            sign = &buf[g0..g1];
            if !sign.is_ascii() {
                return None;
            }
            line_end(buf, next)?
        };
        let ascii_text = text.is_ascii();
        if !ascii_text && self.encoding_pending {
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
