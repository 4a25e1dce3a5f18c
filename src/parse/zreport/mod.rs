//! Z-report JSON (format `fortnox-bridge/zreport`, version 1): what a Swedish cash register's
//! Z-dagrapport carries (SKVFS 2014:9 7 kap. 3 §) plus what vendors add (tips, gift cards,
//! rounding). The schema is `zreport.schema.json` beside this file; an example is in
//! `docs/formats.md`.
//!
//! A file holds one report object, an array of reports, or `{"format", "version", "reports"}`.
//! Amounts are read exactly (JSON numbers or strings, never floats). Pure: text in, typed
//! reports or located diagnostics out; [`check`] verifies each report's internal consistency.

mod check;
mod locate;
mod wording;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::diagnostic::Diagnostic;

pub use check::{check, name};
pub use locate::Positions;

/// The `format` value of our Z-report files.
pub const FORMAT: &str = "fortnox-bridge/zreport";
/// The format version this build reads.
pub const VERSION: u32 = 1;

/// One Z-dagrapport.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZReport {
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub version: Option<u32>,
    pub company: Company,
    pub register: Register,
    /// Löpnummer: unbroken ascending series per register.
    pub z_number: u64,
    /// The sales day the report closes (the voucher date).
    pub business_date: NaiveDate,
    #[serde(default)]
    pub opened_at: Option<String>,
    pub closed_at: String,
    #[serde(default = "sek")]
    pub currency: String,
    /// Sales per product category and VAT rate, after discounts.
    pub sales: Vec<SalesLine>,
    #[serde(default)]
    pub returns: Vec<SalesLine>,
    #[serde(default)]
    pub discounts: Vec<SalesLine>,
    pub payments: Vec<Payment>,
    #[serde(default)]
    pub gift_cards_sold: Option<AmountCount>,
    #[serde(default)]
    pub tips: Option<AmountCount>,
    /// Öresavrundning: what rounding added to the payments (negative when it took away).
    #[serde(default)]
    pub rounding: Decimal,
    pub counts: Counts,
    /// Växelkassa at the start of the day.
    #[serde(default)]
    pub cash_float: Option<Decimal>,
    pub grand_totals: GrandTotals,
    /// Vendor data, kept and ignored.
    #[serde(default)]
    pub extra: Option<serde_json::Value>,
}

fn sek() -> String {
    "SEK".to_owned()
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Company {
    pub name: String,
    /// Organisationsnummer (or personnummer), `NNNNNN-NNNN`.
    pub org_number: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// Kassabeteckning; also the key of `[accounts.registers.<id>]`.
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub manufacturing_number: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub software_version: Option<String>,
}

/// Sales (or returns, or discounts) of one category at one VAT rate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesLine {
    #[serde(default)]
    pub category: Option<String>,
    /// Percent: 25, 12, 6 or 0.
    pub vat_rate: Decimal,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    #[serde(default)]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Cash,
    Card,
    Swish,
    GiftCard,
    Invoice,
    Other,
}

impl Method {
    /// The `[accounts] payments` key.
    pub fn key(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Card => "card",
            Method::Swish => "swish",
            Method::GiftCard => "gift_card",
            Method::Invoice => "invoice",
            Method::Other => "other",
        }
    }

    /// The row text in Swedish.
    pub fn text(self) -> &'static str {
        match self {
            Method::Cash => "Kontant",
            Method::Card => "Kort",
            Method::Swish => "Swish",
            Method::GiftCard => "Presentkort inlösta",
            Method::Invoice => "Fakturaförsäljning",
            Method::Other => "Övriga betalmedel",
        }
    }
}

/// Takings per means of payment (negative for money paid back).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub method: Method,
    /// The POS's own name, e.g. "Rikskortet"; may have its own `[accounts] payments` entry.
    #[serde(default)]
    pub name: Option<String>,
    pub amount: Decimal,
    #[serde(default)]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountCount {
    pub amount: Decimal,
    #[serde(default)]
    pub count: Option<u64>,
}

/// The counts the law asks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub receipts: u64,
    pub returns: u64,
    pub receipt_copies: u64,
    #[serde(default)]
    pub receipt_copies_amount: Option<Decimal>,
    pub drawer_openings: u64,
    #[serde(default)]
    pub training_receipts: Option<u64>,
    #[serde(default)]
    pub training_amount: Option<Decimal>,
    #[serde(default)]
    pub unfinished_sales: Option<u64>,
    #[serde(default)]
    pub unfinished_amount: Option<Decimal>,
    #[serde(default)]
    pub goods_sold: Option<Decimal>,
    #[serde(default)]
    pub services_sold: Option<Decimal>,
}

/// Accumulated since the register was taken into use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrandTotals {
    pub sales: Decimal,
    pub returns: Decimal,
    pub net: Decimal,
}

/// A report and where it sits in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub report: ZReport,
    /// JSON Pointer of the report object (`""`, `/3` or `/reports/3`).
    pub pointer: String,
    pub line: usize,
}

/// A parsed Z-report file.
#[derive(Debug, Clone, Default)]
pub struct ZreportFile {
    /// The bytes are UTF-8 text.
    pub utf8: bool,
    /// The text is JSON and not another program's Z-report (its fields may still be wrong).
    pub ours: bool,
    pub reports: Vec<Located>,
    pub positions: Positions,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl ZreportFile {
    /// The line of a JSON Pointer below a report.
    pub fn line(&self, pointer: &str) -> usize {
        self.positions.line(pointer)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    version: u32,
    reports: Vec<ZReport>,
}

fn check_format(format: Option<&str>, version: Option<u32>, line: usize) -> Option<Diagnostic> {
    if let Some(f) = format
        && f != FORMAT
    {
        return Some(
            Diagnostic::at(line, format!("`format` is `{f}`, expected `{FORMAT}`"))
                .hint("this file is not a fortnox-bridge Z-report; convert it to that format"),
        );
    }
    if let Some(v) = version
        && v != VERSION
    {
        return Some(
            Diagnostic::at(line, format!("Z-report format version {v} is not supported"))
                .hint(format!("this build reads version {VERSION}; upgrade fortnox-bridge")),
        );
    }
    None
}

/// Parses the bytes of a Z-report file (UTF-8, with or without BOM).
pub fn parse(bytes: &[u8]) -> ZreportFile {
    let mut out = ZreportFile::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = memchr::memchr_iter(b'\n', &bytes[..e.valid_up_to()]).count() + 1;
            out.errors.push(
                Diagnostic::at(line, "the file is not UTF-8 text")
                    .hint("Z-reports are JSON in UTF-8; export the report again"),
            );
            return out;
        }
    };
    out.utf8 = true;
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.errors.push(wording::explain(&e, ".", "not valid JSON", None, false));
            return out;
        }
    };
    out.positions = Positions::scan(text);
    if let Some(d) = wording::foreign(&value) {
        out.errors.push(d);
        return out;
    }
    out.ours = true;
    let reports: Vec<(ZReport, String)> = match &value {
        serde_json::Value::Object(map) if map.contains_key("reports") => {
            match wording::read::<Envelope>(text, &value, "not a Z-report file") {
                Ok(env) => {
                    if let Some(d) = check_format(Some(&env.format), Some(env.version), 1) {
                        out.errors.push(d);
                        return out;
                    }
                    (0..).zip(env.reports).map(|(i, r)| (r, format!("/reports/{i}"))).collect()
                }
                Err(d) => {
                    out.errors.push(d);
                    return out;
                }
            }
        }
        serde_json::Value::Array(_) => {
            match wording::read::<Vec<ZReport>>(text, &value, "not a Z-report") {
                Ok(list) => (0..).zip(list).map(|(i, r)| (r, format!("/{i}"))).collect(),
                Err(d) => {
                    out.errors.push(d);
                    return out;
                }
            }
        }
        _ => match wording::read::<ZReport>(text, &value, "not a Z-report") {
            Ok(r) => vec![(r, String::new())],
            Err(d) => {
                out.errors.push(d);
                return out;
            }
        },
    };
    if reports.is_empty() {
        out.warnings.push(Diagnostic::file("the file holds no Z-reports, so nothing is posted"));
    }
    for (report, pointer) in reports {
        let line = out.positions.line(&pointer);
        if let Some(d) = check_format(report.format.as_deref(), report.version, line) {
            out.errors.push(d);
            continue;
        }
        out.reports.push(Located { report, pointer, line });
    }
    out
}

#[cfg(test)]
mod tests;
