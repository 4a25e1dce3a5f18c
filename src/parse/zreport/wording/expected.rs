//! What each field of the Z-report format holds, told when a file writes something else: an
//! amount, a VAT rate, a whole number, a date, text, a list or one of the format's objects,
//! each with an example to copy (the figures of the example in docs/formats.md).

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::diagnostic::Diagnostic;

/// The most digits an amount can have (rust_decimal's 96-bit mantissa holds 28 in full).
const AMOUNT_DIGITS: usize = 28;

/// What a field holds, as the file writes it.
pub(in crate::parse::zreport) struct Seen {
    /// As a message shows it: text in quotes, a number as written, `true`, `null`, `a list`,
    /// `an object`; from serde's message when the value could not be found.
    shown: String,
    /// Text without its quotes, or a number as written: what a hint can build on.
    raw: String,
    /// Written in quotes.
    quoted: bool,
}

impl Seen {
    pub(in crate::parse::zreport) fn new(value: Option<&Value>, message: &str) -> Seen {
        let Some(value) = value else {
            let shown = from_message(message);
            let raw = shown.trim_matches('"').to_owned();
            return Seen { quoted: shown.starts_with('"'), shown, raw };
        };
        let (shown, raw) = match value {
            Value::String(s) => {
                let cut: String = s.chars().take(40).collect();
                let shown =
                    if cut.len() < s.len() { format!("\"{cut}…\"") } else { format!("\"{s}\"") };
                (shown, s.trim().to_owned())
            }
            Value::Number(n) => (n.to_string(), n.to_string()),
            Value::Bool(b) => (b.to_string(), b.to_string()),
            Value::Null => ("null".to_owned(), String::new()),
            Value::Array(_) => ("a list".to_owned(), String::new()),
            Value::Object(_) => ("an object".to_owned(), String::new()),
        };
        Seen { shown, raw, quoted: value.is_string() }
    }

    /// `` `path` is 430`` (the file itself when `path` is `.`).
    fn is(&self, path: &str) -> String {
        let subject = if path == "." { "the file".to_owned() } else { format!("`{path}`") };
        if self.shown.is_empty() {
            format!("{subject} holds something else")
        } else {
            format!("{subject} is {}", self.shown)
        }
    }
}

/// The value serde quotes in `invalid type: string "2145,00", expected …`.
fn from_message(message: &str) -> String {
    let Some((head, _)) = message.rsplit_once(", expected ") else { return String::new() };
    let head = head.split_once(": ").map_or(head, |(_, v)| v);
    for kind in ["string ", "floating point ", "integer ", "boolean "] {
        if let Some(v) = head.strip_prefix(kind) {
            return v.trim_matches('`').to_owned();
        }
    }
    head.to_owned()
}

/// An amount (or a VAT rate, `vat_rate`) that is not one: a decimal comma, a `%`, a figure too
/// large to be money, or no number at all.
pub(super) fn decimal(line: usize, path: &str, field: &str, seen: &Seen) -> Diagnostic {
    let is = seen.is(path);
    let cleaned: String = seen.raw.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '%')).collect();
    let fixed = Decimal::from_str(&cleaned.replace(',', ".")).ok().filter(|_| seen.quoted);
    if field == "vat_rate" {
        let hint = match fixed {
            Some(rate) => format!("write \"vat_rate\": {}", rate.normalize()),
            None => "write the rate alone, e.g. \"vat_rate\": 12".to_owned(),
        };
        return Diagnostic::at(
            line,
            format!("{is}, but a VAT rate is a number of percent, without %: 25, 12, 6 or 0"),
        )
        .hint(hint);
    }
    if let Some(large) = too_many_digits(&seen.raw) {
        let why = if large {
            "too large to be an amount of money"
        } else {
            "more decimals than an amount of money can have"
        };
        let which = if large { "which is" } else { "which has" };
        return Diagnostic::at(line, format!("{is}, {which} {why}")).hint(format!(
            "an amount is kronor and öre with at most {AMOUNT_DIGITS} digits, e.g. \
                 \"{field}\": 8250.00; check what the register exported in this field"
        ));
    }
    let Some(amount) = fixed else {
        return Diagnostic::at(
            line,
            format!(
                "{is}, but an amount is a number with a decimal point, written as a number or \
                 in quotes: 2145.00 or \"2145.00\""
            ),
        )
        .hint(format!("write the amount, e.g. \"{field}\": 2145.00"));
    };
    let comma = if seen.raw.contains(',') { " with a decimal comma" } else { "" };
    Diagnostic::at(
        line,
        format!(
            "{is}{comma}, but an amount has a decimal point and no spaces, written as a number \
             or in quotes: {amount} or \"{amount}\""
        ),
    )
    .hint(format!("write \"{field}\": {amount} or \"{field}\": \"{amount}\""))
}

/// For a number written in full (`-12.50`, `1e30`) that does not fit an amount: whether it is
/// too large (`true`) or has too many digits after the point (`false`). `None` for anything else,
/// and for what an amount can hold written with an exponent (`"1e3"`).
fn too_many_digits(raw: &str) -> Option<bool> {
    let unsigned = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    if Decimal::from_str(raw).is_ok() || Decimal::from_scientific(raw).is_ok() {
        return None;
    }
    let whole_digits = i64::try_from(whole.trim_start_matches('0').len()).unwrap_or(i64::MAX);
    let limit = i64::try_from(AMOUNT_DIGITS).unwrap_or(i64::MAX);
    Some(whole_digits.saturating_add(exponent) > limit)
}

/// A whole number (the Z number, the format version, a count) written otherwise.
pub(super) fn whole(line: usize, path: &str, field: &str, seen: &Seen) -> Diagnostic {
    let (name, example) = match field {
        "z_number" => ("the Z number", "1042"),
        "version" => ("the format version", "1"),
        _ => ("a count", "3"),
    };
    let is = seen.is(path);
    let digits = !seen.raw.is_empty() && seen.raw.bytes().all(|b| b.is_ascii_digit());
    let (message, hint) = match seen.raw.parse::<u64>() {
        Ok(n) => (
            format!("{is}, but {name} is a whole number, written without quotes"),
            format!("write \"{field}\": {n}"),
        ),
        Err(_) if digits && !seen.quoted => (
            format!("{is}, which is too large for {name}"),
            "check what the register exported in this field".to_owned(),
        ),
        Err(_) => (
            format!("{is}, but {name} is a whole number (0 or more), written without quotes"),
            format!("write it as digits alone, e.g. \"{field}\": {example}"),
        ),
    };
    Diagnostic::at(line, message).hint(hint)
}

/// The business date written otherwise than `YYYY-MM-DD`, or a day that does not exist.
pub(super) fn date(line: usize, path: &str, seen: &Seen) -> Diagnostic {
    let is = seen.is(path);
    let raw = seen.raw.as_str();
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    let shaped = raw.len() == 10
        && raw
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let (message, hint) = match raw.get(..10).and_then(day) {
        Some(d) if seen.quoted => (
            format!("{is}, but it is the sales day alone, YYYY-MM-DD, without a time"),
            format!("write \"business_date\": \"{d}\""),
        ),
        _ if shaped && seen.quoted => (
            format!("{is}, a day that does not exist (the date is YYYY-MM-DD)"),
            "check the sales day in the register's export, e.g. \"business_date\": \"2026-10-31\""
                .to_owned(),
        ),
        _ => (
            format!(
                "{is}, but the sales day is a date in quotes written YYYY-MM-DD (year, month, day)"
            ),
            match day_first(raw) {
                Some(day) => format!("write \"business_date\": \"{day}\""),
                None => "write e.g. \"business_date\": \"2026-10-31\"".to_owned(),
            },
        ),
    };
    Diagnostic::at(line, message).hint(hint)
}

/// `31/10/2026` or `31.10.2026` as `2026-10-31`, when the day cannot be taken for the month.
fn day_first(raw: &str) -> Option<String> {
    let date = NaiveDate::parse_from_str(raw, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d.%m.%Y"))
        .ok()?;
    (chrono::Datelike::day(&date) > 12).then(|| date.to_string())
}

/// One of the format's objects (named by its Rust type in serde's message) written otherwise.
pub(super) fn object(line: usize, path: &str, field: &str, name: &str, seen: &Seen) -> Diagnostic {
    let is = seen.is(path);
    let to =
        if field.is_empty() || field == "." { String::new() } else { format!("\"{field}\": ") };
    if name == "AmountCount" {
        // The amount, when that is what was written, in the object it belongs in.
        let mut amount = Decimal::from_str(&seen.raw).unwrap_or(Decimal::new(43000, 2));
        if amount.scale() < 2 {
            amount.rescale(2);
        }
        return Diagnostic::at(
            line,
            format!(
                "{is}, but it is an object with the amount and, if the register counts them, \
                 how many, e.g. {{\"amount\": 430.00, \"count\": 9}}"
            ),
        )
        .hint(format!("write {to}{{\"amount\": {amount}}}, with \"count\" if it is known"));
    }
    let (what, example) = match name {
        "Company" => (
            "an object with the company's name and organisation number",
            Some(r#"{"name": "Sandlådan Café & Butik AB", "org_number": "559999-0005"}"#),
        ),
        "Register" => (
            "an object with the register's id (its kassabeteckning) and, optionally, name",
            Some(r#"{"id": "KASSA1", "name": "Kassa 1"}"#),
        ),
        "SalesLine" => {
            ("an object with the VAT rate and the net, VAT and gross amounts", Some(SALES_LINE))
        }
        "Payment" => ("an object with the method and the amount", Some(PAYMENT)),
        "Counts" => (
            "an object with the day's counts",
            Some(r#"{"receipts": 187, "returns": 2, "receipt_copies": 1, "drawer_openings": 26}"#),
        ),
        "GrandTotals" => (
            "an object with the totals since the register was taken into use",
            Some(r#"{"sales": 2456889.20, "returns": 12345.60, "net": 2444543.60}"#),
        ),
        "Envelope" => ("an object with format, version and reports", None),
        _ => (
            "a Z-report: an object with company, register, z_number, business_date, sales, \
             payments, counts and grand_totals",
            None,
        ),
    };
    let hint = match example {
        Some(example) => format!("write {to}{example}"),
        None => "see the example in docs/formats.md".to_owned(),
    };
    Diagnostic::at(line, format!("{is}, but it is {what}")).hint(hint)
}

const SALES_LINE: &str = r#"{"vat_rate": 12, "net": 8250.00, "vat": 990.00, "gross": 9240.00}"#;
const PAYMENT: &str = r#"{"method": "card", "amount": 9839.00}"#;

/// A list (sales, returns, discounts, payments, reports) written otherwise.
pub(super) fn list(line: usize, path: &str, field: &str, seen: &Seen) -> Diagnostic {
    let entry = match field {
        "sales" | "returns" | "discounts" => SALES_LINE,
        "payments" => PAYMENT,
        _ => "{...}",
    };
    Diagnostic::at(line, format!("{}, but it is a list in square brackets", seen.is(path)))
        .hint(format!("write \"{field}\": [{entry}, ...], one object per entry (or [] for none)"))
}

/// Text (a name, an id, a time) written otherwise.
pub(super) fn text(line: usize, path: &str, field: &str, seen: &Seen) -> Diagnostic {
    let example = match field {
        "opened_at" | "closed_at" => "2026-10-31T23:12:40+01:00",
        "org_number" => "559999-0005",
        "currency" => "SEK",
        "format" => "fortnox-bridge/zreport",
        "id" => "KASSA1",
        _ if !seen.raw.is_empty() => seen.raw.as_str(),
        _ => "...",
    };
    Diagnostic::at(line, format!("{}, but it is text in quotes", seen.is(path)))
        .hint(format!("write \"{field}\": \"{example}\""))
}

/// A payment method written otherwise than as one of the format's names.
pub(super) fn method(line: usize, path: &str, seen: &Seen) -> Diagnostic {
    Diagnostic::at(
        line,
        format!(
            "{}, but the method is one of cash, card, swish, gift_card, invoice, other, in quotes",
            seen.is(path)
        ),
    )
    .hint("write e.g. \"method\": \"card\"; a method of its own is \"method\": \"other\" with its \"name\"")
}
