//! Reading a Z-report's JSON into its types, and serde's errors in the format's own terms: the
//! field at fault by its path (`payments[4].method`), what it holds (read from the file) and
//! what it must hold, with an example, on the line serde stopped at. Never a Rust type name
//! (`u64`, `struct AmountCount`) nor serde's or chrono's own words for a value of the wrong
//! shape: what each field holds is said in [`expected`]. Errors that already speak plainly
//! (a missing or unknown field) keep serde's words, after the field they are about.
//!
//! Must not: check what a report means (that is `check`).

mod expected;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use expected::Seen;

const FORMAT_HINT: &str = "the Z-report format is described in docs/formats.md and in \
                           zreport.schema.json; export the report again or correct this field";

/// Where serde_json reads a number exactly (arbitrary precision): an error inside shows it at
/// the end of the field's path.
const EXACT_NUMBER: &str = ".$serde_json::private::Number";

/// Deserializes `text` (valid JSON, read as `value`) as a `T`; an error is told as `what`
/// (`not a Z-report`).
pub(super) fn read<T: DeserializeOwned>(
    text: &str,
    value: &Value,
    what: &str,
) -> Result<T, Diagnostic> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let (path, exact) = match path.strip_suffix(EXACT_NUMBER) {
            Some(field) => (field.to_owned(), true),
            None => (path, false),
        };
        explain(e.inner(), &path, what, value_at(value, &path), exact)
    })
}

/// The diagnostic for serde's error `e` at the field `path` (`.` for the whole text), which
/// holds `value` when known; `exact`: the error came from reading a number as an amount.
pub(super) fn explain(
    e: &serde_json::Error,
    path: &str,
    what: &str,
    value: Option<&Value>,
    exact: bool,
) -> Diagnostic {
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    let line = e.line().max(1);
    let field = path.rsplit('.').next().unwrap_or(path);
    let field = field.split('[').next().unwrap_or(field);
    let seen = Seen::new(value, message);
    if e.is_eof() {
        return Diagnostic::at(
            line,
            "the file ends in the middle of the report: it was cut off (while it was written \
             or copied?)",
        )
        .hint(
            "send the whole file again; the till writes NAME.tmp and renames it when done, or \
             writes NAME.done after it, so that it is not taken half written",
        );
    }
    if field == "method" {
        if let Some(value) = backticked(message, "unknown variant `") {
            return unknown_method(line, path, value, message);
        }
        if value.is_some_and(|v| !v.is_string()) {
            return expected::method(line, path, &seen);
        }
    }
    if exact || message.contains("expected a Decimal") {
        return expected::decimal(line, path, field, &seen);
    }
    if field == "business_date" {
        return expected::date(line, path, &seen);
    }
    if message.ends_with("expected u64") || message.ends_with("expected u32") {
        return expected::whole(line, path, field, &seen);
    }
    if let Some(rest) = message.split_once("expected struct ").map(|(_, r)| r) {
        let name: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
        return expected::object(line, path, field, &name, &seen);
    }
    if message.ends_with("expected a sequence") {
        return expected::list(line, path, field, &seen);
    }
    if message.ends_with("expected a string") {
        return expected::text(line, path, field, &seen);
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

/// A payment method the format does not know: its list, and how to book it as `other`.
fn unknown_method(line: usize, path: &str, value: &str, message: &str) -> Diagnostic {
    let allowed = message.split_once("expected one of ").map_or("", |(_, a)| a);
    Diagnostic::at(
        line,
        format!(
            "`{path}` is `{value}`, which is not a payment method of the format: it is one of {}",
            allowed.replace('`', "")
        ),
    )
    .hint(format!(
        "write \"method\": \"other\", \"name\": \"{value}\"; it is booked on the account of \
         `other` unless [accounts] payments gives the name its own, e.g. payments = {{ {} = 1581 }}",
        toml_key(&value.to_lowercase())
    ))
}

/// The value at serde_path_to_error's `path` (`sales[0].net`, `[1].payments[0]`, `.`).
fn value_at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if path == "." {
        return Some(root);
    }
    let mut value = root;
    for part in path.split('.') {
        let mut pieces = part.split('[');
        let key = pieces.next()?;
        if !key.is_empty() {
            value = value.get(key)?;
        }
        for index in pieces {
            value = value.get(index.strip_suffix(']')?.parse::<usize>().ok()?)?;
        }
    }
    Some(value)
}

/// The text between `prefix` and the next backtick of `message`.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
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
mod tests;
