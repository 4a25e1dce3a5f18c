//! Reading a Z-report's JSON into its types, and serde's errors in the format's own terms: the
//! field at fault by its path (`payments[4].method`), what it holds and what it must hold, on
//! the line serde stopped at. A payment method the format does not know and an amount written
//! as text with a decimal comma (what Swedish registers print) get their own words; any other
//! error keeps serde's, after the field it is about.
//!
//! Must not: check what a report means (that is `check`).

use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;

const FORMAT_HINT: &str = "the Z-report format is described in docs/formats.md and in \
                           zreport.schema.json; export the report again or correct this field";

/// Deserializes `text` (valid JSON) as a `T`; an error is told as `what` (`not a Z-report`).
pub(super) fn read<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, Diagnostic> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        explain(e.inner(), &path, what)
    })
}

/// The diagnostic for serde's error `e` at the field `path` (`.` for the whole text).
pub(super) fn explain(e: &serde_json::Error, path: &str, what: &str) -> Diagnostic {
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    let line = e.line().max(1);
    let field = path.rsplit('.').next().unwrap_or(path);
    if let Some(value) = backticked(message, "unknown variant `")
        && field == "method"
    {
        let allowed = message.split_once("expected one of ").map_or("", |(_, a)| a);
        return Diagnostic::at(
            line,
            format!(
                "`{path}` is `{value}`, which is not a payment method of the format: it is one \
                 of {}",
                allowed.replace('`', "")
            ),
        )
        .hint(format!(
            "write \"method\": \"other\", \"name\": \"{value}\"; it is booked on the account of \
             `other` unless [accounts] payments gives the name its own, e.g. payments = \
             {{ {} = 1581 }}",
            toml_key(&value.to_lowercase())
        ));
    }
    if message.contains("expected a Decimal") {
        let written = written_value(message);
        let fixed = written
            .trim_matches('"')
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".")
            .parse::<rust_decimal::Decimal>()
            .ok()
            .filter(|_| written.starts_with('"'));
        let hint = match fixed {
            Some(d) => format!("write \"{field}\": {d}, a number without quotes"),
            None => format!("write the amount as a number, e.g. \"{field}\": 2145.00"),
        };
        let comma = if written.contains(',') { " with a decimal comma" } else { "" };
        return Diagnostic::at(
            line,
            format!(
                "`{path}` is {written}{comma}, but amounts are JSON numbers with a decimal \
                 point, e.g. 2145.00"
            ),
        )
        .hint(hint);
    }
    // An unknown field names itself: its place is the object it is in.
    let place = match message.strip_prefix("unknown field `") {
        Some(_) => path.rsplit_once('.').map_or("", |(parent, _)| parent),
        None => path,
    };
    let message = if place == "." || place.is_empty() {
        format!("{what}: {message}")
    } else {
        format!("{what}: `{place}`: {message}")
    };
    Diagnostic::at(line, message).hint(FORMAT_HINT)
}

/// The text between `prefix` and the next backtick of `message`.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

/// The value serde quotes in `invalid type/value: string "2145,00", expected …`.
fn written_value(message: &str) -> String {
    let Some((head, _)) = message.rsplit_once(", expected ") else { return String::new() };
    let head = head.split_once(": ").map_or(head, |(_, v)| v);
    for kind in ["string ", "floating point ", "integer ", "boolean "] {
        if let Some(v) = head.strip_prefix(kind) {
            return v.trim_matches('`').to_owned();
        }
    }
    head.to_owned()
}

/// `name` as a TOML key: bare when it can be, else quoted.
fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The fields that make a report ours: a JSON object with none of them is another program's
/// export (a POS's own Z-report JSON), told as such instead of as its first unknown field.
const OURS: &[&str] = &["format", "reports", "z_number", "register", "company", "sales"];

/// The error for a file whose top-level object (or first element) has none of our fields.
pub(super) fn foreign(value: &serde_json::Value) -> Option<Diagnostic> {
    let first = match value {
        serde_json::Value::Array(list) => list.first()?,
        other => other,
    };
    let map = first.as_object()?;
    if map.is_empty() || map.keys().any(|k| OURS.contains(&k.as_str())) {
        return None;
    }
    let fields: Vec<String> = map.keys().take(6).map(|k| format!("`{k}`")).collect();
    Some(
        Diagnostic::at(
            1,
            format!(
                "not a fortnox-bridge Z-report: its fields ({}) are another program's; a \
                 fortnox-bridge Z-report has `z_number`, `register`, `company`, `sales` and \
                 `payments`",
                fields.join(", ")
            ),
        )
        .hint(
            "have the register (or its integration) write the Z-report JSON described in \
             docs/formats.md and zreport.schema.json, or convert its export to it",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{ZReport, parse};
    use super::foreign;

    #[test]
    fn only_an_object_with_none_of_our_fields_is_foreign() {
        let is_foreign = |text: &str| foreign(&serde_json::from_str(text).expect("json")).is_some();
        assert!(is_foreign(r#"{"report_info": {}, "sales_summary": {}}"#));
        assert!(is_foreign(r#"[{"loop_number": 2451}]"#));
        assert!(!is_foreign(r#"{"z_number": 1, "report_info": {}}"#), "ours, with a typo'd field");
        assert!(!is_foreign("{}"), "serde names what is missing");
        assert!(!is_foreign("[]") && !is_foreign("7"));
    }

    fn report(payment: &str) -> String {
        format!(
            "{{\"company\":{{\"name\":\"A\",\"org_number\":\"559999-0005\"}},\
             \"register\":{{\"id\":\"K\"}},\"z_number\":1,\"business_date\":\"2026-11-01\",\
             \"closed_at\":\"2026-11-01 20:00\",\"sales\":[],\n\"payments\":[\n{payment}\n],\n\
             \"counts\":{{\"receipts\":1,\"returns\":0,\"receipt_copies\":0,\
             \"drawer_openings\":1}},\"grand_totals\":{{\"sales\":0,\"returns\":0,\"net\":0}}}}"
        )
    }

    fn error(payment: &str) -> String {
        let file = parse(report(payment).as_bytes());
        assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
        file.errors[0].to_string()
    }

    #[test]
    fn the_same_report_reads() {
        let text = report("{\"method\":\"card\",\"amount\":\"12.50\"}");
        assert!(super::read::<ZReport>(&text, "not a Z-report").is_ok());
    }

    #[test]
    fn an_unknown_payment_method_names_the_field_the_methods_and_the_way_to_map_it() {
        assert_eq!(
            error("{\"method\":\"Klarna\",\"amount\":10}"),
            "line 3: `payments[0].method` is `Klarna`, which is not a payment method of the \
             format: it is one of cash, card, swish, gift_card, invoice, other (hint: write \
             \"method\": \"other\", \"name\": \"Klarna\"; it is booked on the account of `other` \
             unless [accounts] payments gives the name its own, e.g. payments = { klarna = 1581 })"
        );
    }

    #[test]
    fn an_amount_with_a_decimal_comma_is_told_in_the_formats_terms() {
        assert_eq!(
            error("{\"method\":\"cash\",\"amount\":\"2145,00\"}"),
            "line 3: `payments[0].amount` is \"2145,00\" with a decimal comma, but amounts are \
             JSON numbers with a decimal point, e.g. 2145.00 (hint: write \"amount\": 2145.00, \
             a number without quotes)"
        );
        assert_eq!(
            error("{\"method\":\"cash\",\"amount\":true}"),
            "line 3: `payments[0].amount` is true, but amounts are JSON numbers with a decimal \
             point, e.g. 2145.00 (hint: write the amount as a number, e.g. \"amount\": 2145.00)"
        );
    }

    #[test]
    fn other_errors_name_their_field() {
        let unknown = error("{\"method\":\"cash\",\"amount\":1,\"sum\":1}");
        assert!(
            unknown.starts_with("line 3: not a Z-report: `payments[0]`: unknown field `sum`, "),
            "{unknown}"
        );
        assert_eq!(
            error("{\"method\":\"cash\",\"amount\":1,\"count\":\"3\"}"),
            "line 3: not a Z-report: `payments[0].count`: invalid type: string \"3\", expected \
             u64 (hint: the Z-report format is described in docs/formats.md and in \
             zreport.schema.json; export the report again or correct this field)"
        );
    }
}
