//! SIE 4I writer: CP437 bytes, CRLF, every text quoted with `\"` for quotes, `#KSUMMA` around
//! the records. Pure: the generation date is an argument, nothing is written to disk here.
//!
//! Limits of the format itself: CP437 has no `€` and no control characters (both become `?`/a
//! space), and a text ending in a backslash cannot be written unambiguously (the backslash is
//! kept; the reader's end-of-line fallback recovers it only in the last field).

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::checksum;
use super::encoding;
use super::lexer;
use super::model::{ObjectRef, SieFile, Trans, Ver};

/// Builds one record as text, then appends it as CP437 + CRLF and feeds the checksum.
struct Out {
    bytes: Vec<u8>,
    line: String,
    hasher: crc32fast::Hasher,
    toks: Vec<lexer::Tok>,
    scratch: Vec<u8>,
}

impl Out {
    fn record(&mut self, hash: bool) {
        let start = self.bytes.len();
        encoding::encode_cp437(&self.line, &mut self.bytes);
        if hash {
            let line = &self.bytes[start..];
            lexer::tokenize(line, &mut self.toks);
            self.scratch.clear();
            checksum::record_bytes(line, &self.toks, super::Encoding::Cp437, &mut self.scratch);
            self.hasher.update(&self.scratch);
        }
        self.bytes.extend_from_slice(b"\r\n");
        self.line.clear();
    }

    fn label(&mut self, label: &str) {
        self.line.push_str(label);
    }

    /// A quoted field.
    fn text(&mut self, value: &str) {
        self.line.push_str(" \"");
        for c in value.chars() {
            match c {
                '"' => self.line.push_str("\\\""),
                c if c.is_control() => self.line.push(' '),
                c => self.line.push(c),
            }
        }
        self.line.push('"');
    }

    /// A bare field when it is a plain token, else quoted.
    fn token(&mut self, value: &str) {
        let plain = !value.is_empty()
            && value.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '{' | '}' | '\\'));
        if plain {
            self.line.push(' ');
            self.line.push_str(value);
        } else {
            self.text(value);
        }
    }

    fn date(&mut self, date: Option<NaiveDate>) {
        match date {
            Some(d) => {
                let _ = write!(self.line, " {}", d.format("%Y%m%d"));
            }
            None => self.line.push_str(" \"\""),
        }
    }

    fn decimal(&mut self, value: Decimal) {
        let _ = write!(self.line, " {value}");
    }

    fn objects(&mut self, objects: &[ObjectRef]) {
        self.line.push_str(" {");
        let inner = self.line.len();
        for o in objects {
            self.token(&o.dimension);
            self.text(&o.object);
        }
        if self.line[inner..].starts_with(' ') {
            self.line.remove(inner);
        }
        self.line.push('}');
    }
}

/// Writes `file` (header, chart, dimensions, objects and vouchers) as a SIE 4I file.
/// `generated` becomes `#GEN`. Balance records are not written (4I forbids them).
pub fn write_4i(file: &SieFile, generated: NaiveDate) -> Vec<u8> {
    let mut out = Out {
        bytes: Vec::with_capacity(4096 + file.vouchers.len() * 200),
        line: String::with_capacity(256),
        hasher: crc32fast::Hasher::new(),
        toks: Vec::new(),
        scratch: Vec::new(),
    };
    out.label("#FLAGGA 0");
    out.record(false);
    out.label("#KSUMMA");
    out.record(false);
    out.label("#PROGRAM");
    out.text("fortnox-bridge");
    out.text(env!("CARGO_PKG_VERSION"));
    out.record(true);
    out.label("#FORMAT PC8");
    out.record(true);
    out.label("#GEN");
    out.date(Some(generated));
    out.record(true);
    out.label("#SIETYP 4");
    out.record(true);
    out.label("#FNAMN");
    out.text(file.company_name.as_deref().unwrap_or(""));
    out.record(true);
    if let Some(org) = &file.org_number {
        out.label("#ORGNR");
        out.token(org);
        out.record(true);
    }
    for y in &file.fiscal_years {
        let _ = write!(out.line, "#RAR {}", y.index);
        out.date(Some(y.start));
        out.date(Some(y.end));
        out.record(true);
    }
    for a in &file.accounts {
        out.label("#KONTO");
        out.token(&a.number);
        out.text(&a.name);
        out.record(true);
    }
    for d in &file.dimensions {
        out.label(if d.parent.is_some() { "#UNDERDIM" } else { "#DIM" });
        out.token(&d.number);
        out.text(&d.name);
        if let Some(p) = &d.parent {
            out.token(p);
        }
        out.record(true);
    }
    for o in &file.objects {
        out.label("#OBJEKT");
        out.token(&o.dimension);
        out.text(&o.object);
        out.text(&o.name);
        out.record(true);
    }
    for v in &file.vouchers {
        write_ver(&mut out, v);
    }
    let sum = out.hasher.clone().finalize();
    let _ = write!(out.line, "#KSUMMA {sum}");
    out.record(false);
    out.bytes
}

fn write_ver(out: &mut Out, v: &Ver) {
    out.label("#VER");
    out.text(&v.series);
    out.text(&v.number);
    out.date(Some(v.date));
    out.text(&v.text);
    if v.reg_date.is_some() || v.sign.is_some() {
        out.date(v.reg_date);
    }
    if let Some(sign) = &v.sign {
        out.text(sign);
    }
    out.record(true);
    out.label("{");
    out.record(false);
    for t in &v.removed {
        write_trans(out, "#BTRANS", t);
    }
    for t in &v.rows {
        write_trans(out, "#TRANS", t);
    }
    out.label("}");
    out.record(false);
}

fn write_trans(out: &mut Out, label: &str, t: &Trans) {
    out.label(label);
    out.token(&t.account);
    out.objects(&t.objects);
    out.decimal(t.amount);
    out.date(t.date);
    out.text(&t.text);
    match (t.quantity, &t.sign) {
        (None, None) => {}
        (q, sign) => {
            out.decimal(q.unwrap_or(Decimal::ZERO));
            if let Some(sign) = sign {
                out.text(sign);
            }
        }
    }
    out.record(true);
}
