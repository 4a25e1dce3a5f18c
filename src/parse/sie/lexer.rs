//! Splits one trimmed SIE line into tokens (format doc §4).
//!
//! A record is a label followed by fields separated by runs of spaces/TABs. A field is a quoted
//! string (`\"` is the only escape, any other backslash is literal), an object list `{…}` (on the
//! same line; braces inside quotes are literal) or a bare run of non-blank bytes. Tokens are byte
//! ranges into the line so one buffer is reused for every line. This module does no decoding.
//!
//! The grammar is written with nom ([`quoted`], [`list`], [`bare`]; object lists are read with
//! it). Whole lines go through [`tokenize`], a hand-tuned scanner of the same grammar; a
//! property test checks that the two agree on arbitrary lines. (Plain `#TRANS` rows, millions
//! of them in a large export, are split by `scan.rs` the same way without tokens.)

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_till1, take_while},
};

/// What kind of field a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bare,
    /// Content between the quotes, with no `\"` inside.
    Quoted,
    /// Content between the quotes with `\"` escapes still in place (see [`unescape_into`]).
    Escaped,
    /// Content between the braces.
    List,
}

/// One field as a byte range of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// A tokenizing problem; the line is still tokenized as far as sensible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issue {
    /// A `"` without its closing quote; the field runs to the end of the line.
    UnterminatedQuote,
    /// A `{` without its `}`; the list runs to the end of the line.
    UnclosedList,
}

#[allow(clippy::inline_always)] // on the hot path of `scan.rs` too (measured)
#[inline(always)]
pub(super) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Bytes of `word` that are zero, as their high bits (exact for the lowest one, which is all
/// the callers use).
pub(super) fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(0x0101_0101_0101_0101) & !word & 0x8080_8080_8080_8080
}

/// Index of the first byte at or after `i` for which `hit(word)` marks a zero byte (8 bytes at
/// a time), checked byte by byte with `slow` near the end; `s.len()` when there is none.
#[inline]
fn scan(s: &[u8], mut i: usize, hit: impl Fn(u64) -> u64, slow: impl Fn(u8) -> bool) -> usize {
    while let Some(chunk) = s.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else { break };
        let found = hit(u64::from_le_bytes(bytes));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && !slow(s[i]) {
        i += 1;
    }
    i
}

/// Index of the first space or TAB at or after `i`, or `s.len()`.
pub(super) fn next_blank(s: &[u8], i: usize) -> usize {
    scan(
        s,
        i,
        |w| zero_bytes(w ^ 0x2020_2020_2020_2020) | zero_bytes(w ^ 0x0909_0909_0909_0909),
        is_blank,
    )
}

/// Index of the first `"` or line feed at or after `i`, or `s.len()`.
pub(super) fn next_quote_or_newline(s: &[u8], i: usize) -> usize {
    scan(
        s,
        i,
        |w| zero_bytes(w ^ 0x2222_2222_2222_2222) | zero_bytes(w ^ 0x0A0A_0A0A_0A0A_0A0A),
        |c| c == b'"' || c == b'\n',
    )
}

/// Index of the first `"` at or after `i`, or `s.len()`.
pub(super) fn next_quote(s: &[u8], i: usize) -> usize {
    scan(s, i, |w| zero_bytes(w ^ 0x2222_2222_2222_2222), |c| c == b'"')
}

/// What each token parser yields: kind, content and a tokenizing problem.
type TokResult<'a> = IResult<&'a [u8], (Kind, &'a [u8], Option<Issue>)>;

/// Index of the closing quote in `s` (the bytes after an opening quote), skipping `\"`, and
/// whether a `\"` was skipped.
fn closing_quote(s: &[u8]) -> Option<(usize, bool)> {
    let mut escaped = false;
    let mut at = next_quote(s, 0);
    while at < s.len() {
        if at == 0 || s[at - 1] != b'\\' {
            return Some((at, escaped));
        }
        escaped = true;
        at = next_quote(s, at + 1);
    }
    None
}

/// When no unescaped closing quote exists, a `\"` followed by a blank or the line end is taken
/// as a literal backslash plus the closing quote (`"C:\Path\"`).
fn fallback_quote(s: &[u8]) -> Option<(usize, bool)> {
    let end =
        (0..s.len()).rev().find(|&i| s[i] == b'"' && s.get(i + 1).is_none_or(|c| is_blank(*c)))?;
    Some((end, memchr::memmem::find(&s[..end], b"\\\"").is_some()))
}

fn quoted_kind(escaped: bool) -> Kind {
    if escaped { Kind::Escaped } else { Kind::Quoted }
}

/// Parses `"…"`; output is the content between the quotes.
fn quoted(i: &[u8]) -> TokResult<'_> {
    let (i, _) = tag(&b"\""[..]).parse(i)?;
    match closing_quote(i).or_else(|| fallback_quote(i)) {
        Some((end, escaped)) => Ok((&i[end + 1..], (quoted_kind(escaped), &i[..end], None))),
        None => Ok((&i[i.len()..], (Kind::Quoted, i, Some(Issue::UnterminatedQuote)))),
    }
}

/// Length of a list's content (the bytes after `{`) up to its `}`, skipping quoted parts;
/// `None` when the list is not closed.
fn list_end(i: &[u8]) -> Option<usize> {
    let mut pos = 0;
    while pos < i.len() {
        match i[pos] {
            b'}' => return Some(pos),
            b'"' => match closing_quote(&i[pos + 1..]) {
                Some((end, _)) => pos += end + 2,
                None => return None,
            },
            _ => pos += 1,
        }
    }
    None
}

/// Parses `{…}`; output is the content between the braces.
fn list(i: &[u8]) -> TokResult<'_> {
    let (i, _) = tag(&b"{"[..]).parse(i)?;
    match list_end(i) {
        Some(end) => Ok((&i[end + 1..], (Kind::List, &i[..end], None))),
        None => Ok((&i[i.len()..], (Kind::List, i, Some(Issue::UnclosedList)))),
    }
}

/// Parses a bare token: everything up to the next blank.
#[cfg(test)]
fn bare(i: &[u8]) -> TokResult<'_> {
    let (rest, t) = take_till1(is_blank).parse(i)?;
    Ok((rest, (Kind::Bare, t, None)))
}

/// Parses a bare token inside an object list: ends at a blank or `}`.
fn list_bare(i: &[u8]) -> TokResult<'_> {
    let (rest, t) = take_till1(|c| is_blank(c) || c == b'}' || c == b'"').parse(i)?;
    Ok((rest, (Kind::Bare, t, None)))
}

fn blanks(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(is_blank).parse(i)
}

/// Offset of `part` (a subslice) within `whole`.
fn offset(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// The nom grammar applied to a whole line: the reference [`tokenize`] is checked against.
#[cfg(test)]
pub fn tokenize_nom(line: &[u8], out: &mut Vec<Tok>) -> Option<Issue> {
    out.clear();
    let mut issue = None;
    let mut rest = line;
    while let Ok((r, _)) = blanks(rest) {
        if r.is_empty() {
            break;
        }
        let Ok((r2, (kind, content, problem))) = alt((quoted, list, bare)).parse(r) else {
            break;
        };
        let start = offset(line, content);
        out.push(Tok { kind, start, end: start + content.len() });
        issue = issue.or(problem);
        rest = r2;
    }
    issue
}

/// Tokenizes a trimmed line into `out` (cleared first). The first token is the label. The same
/// grammar as the nom parsers above, as one loop over the bytes (the hot path).
pub fn tokenize(line: &[u8], out: &mut Vec<Tok>) -> Option<Issue> {
    out.clear();
    let n = line.len();
    let mut issue = None;
    let mut i = 0;
    loop {
        while i < n && is_blank(line[i]) {
            i += 1;
        }
        if i >= n {
            break;
        }
        match line[i] {
            b'"' => {
                let s = i + 1;
                let rest = &line[s..];
                // `""` is the most common quoted field of all.
                let found = if rest.first() == Some(&b'"') {
                    Some((0, false))
                } else {
                    closing_quote(rest).or_else(|| fallback_quote(rest))
                };
                if let Some((len, escaped)) = found {
                    out.push(Tok { kind: quoted_kind(escaped), start: s, end: s + len });
                    i = s + len + 1;
                } else {
                    out.push(Tok { kind: Kind::Quoted, start: s, end: n });
                    issue = issue.or(Some(Issue::UnterminatedQuote));
                    i = n;
                }
            }
            b'{' if line.get(i + 1) == Some(&b'}') => {
                // `{}`, on most rows of most files.
                out.push(Tok { kind: Kind::List, start: i + 1, end: i + 1 });
                i += 2;
            }
            b'{' => {
                let Ok((rest, (kind, content, problem))) = list(&line[i..]) else { break };
                let start = offset(line, content);
                out.push(Tok { kind, start, end: start + content.len() });
                issue = issue.or(problem);
                i = n - rest.len();
            }
            _ => {
                let s = i;
                i = next_blank(line, i);
                out.push(Tok { kind: Kind::Bare, start: s, end: i });
            }
        }
    }
    issue
}

/// Tokenizes the inside of an object list (quoted or bare tokens, blanks between).
pub fn list_tokens(inner: &[u8], base: usize, out: &mut Vec<Tok>) -> Option<Issue> {
    out.clear();
    let mut issue = None;
    let mut rest = inner;
    while let Ok((r, _)) = blanks(rest) {
        if r.is_empty() {
            break;
        }
        let Ok((r2, (kind, content, problem))) = alt((quoted, list_bare)).parse(r) else {
            // A stray `}` or similar: skip one byte.
            rest = &r[1..];
            continue;
        };
        let start = base + offset(inner, content);
        out.push(Tok { kind, start, end: start + content.len() });
        issue = issue.or(problem);
        rest = r2;
    }
    issue
}

/// Unescapes a quoted field's content (`\"` → `"`) into `out`; other bytes are copied.
pub fn unescape_into(content: &[u8], out: &mut Vec<u8>) {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&content[from..], b"\\\"") {
        out.extend_from_slice(&content[from..from + i]);
        out.push(b'"');
        from += i + 2;
    }
    out.extend_from_slice(&content[from..]);
}

#[cfg(test)]
mod tests;
