//! Registers and sales documents (customers, articles, units, terms and modes of payment,
//! orders, invoices) stored as JSON objects in the `documents` table, plus the per-resource
//! field lists used to accept request bodies the way Fortnox does: known fields only (an unknown
//! one is error 2001399), read-only fields ignored, values read leniently.

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, code};
use super::lenient;

/// Kinds of stored documents (the `kind` column).
pub mod kind {
    pub const CUSTOMER: &str = "customer";
    pub const ARTICLE: &str = "article";
    pub const UNIT: &str = "unit";
    pub const TERMS_OF_PAYMENT: &str = "termsofpayment";
    pub const MODE_OF_PAYMENT: &str = "modeofpayment";
    pub const COST_CENTER: &str = "costcenter";
    pub const PROJECT: &str = "project";
    pub const ORDER: &str = "order";
    pub const INVOICE: &str = "invoice";
}

/// One document by key.
pub fn get(
    conn: &Connection,
    kind: &str,
    key: &str,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT data FROM documents WHERE kind = ?1 AND key = ?2",
            params![kind, key],
            |row| row.get(0),
        )
        .optional()?;
    match text {
        None => Ok(None),
        Some(text) => match serde_json::from_str(&text)? {
            Value::Object(map) => Ok(Some(map)),
            _ => Err(ApiError::Internal(format!("stored {kind} {key} is not an object"))),
        },
    }
}

/// Whether a document exists.
pub fn exists(conn: &Connection, kind: &str, key: &str) -> Result<bool, ApiError> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM documents WHERE kind = ?1 AND key = ?2",
            params![kind, key],
            |row| row.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// Inserts or replaces a document; new documents sort after existing ones.
pub fn put(
    conn: &Connection,
    kind: &str,
    key: &str,
    data: &Map<String, Value>,
) -> Result<(), ApiError> {
    let text = serde_json::to_string(data)?;
    conn.execute(
        "INSERT INTO documents (kind, key, seq, data)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM documents WHERE kind = ?1), ?3)
         ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
        params![kind, key, text],
    )?;
    Ok(())
}

/// All documents of a kind, in insertion order.
pub fn all(conn: &Connection, kind: &str) -> Result<Vec<Map<String, Value>>, ApiError> {
    let mut stmt = conn.prepare("SELECT data FROM documents WHERE kind = ?1 ORDER BY seq")?;
    let texts = stmt
        .query_map([kind], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    texts
        .iter()
        .map(|t| match serde_json::from_str(t)? {
            Value::Object(map) => Ok(map),
            _ => Err(ApiError::Internal(format!("stored {kind} is not an object"))),
        })
        .collect()
}

/// Next free number for a kind, skipping keys already taken (e.g. chosen by the client).
pub fn next_number(conn: &Connection, kind: &str) -> Result<String, ApiError> {
    loop {
        let n = super::store::next_counter(conn, kind, 1)?.to_string();
        if !exists(conn, kind, &n)? {
            return Ok(n);
        }
    }
}

/// A decimal as an exact JSON number.
pub fn num(value: Decimal) -> Value {
    value.normalize().to_string().parse::<serde_json::Number>().map_or(Value::Null, Value::Number)
}

/// A decimal as an exact JSON number with two decimals (money).
pub fn money(value: Decimal) -> Value {
    let mut v =
        value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    v.rescale(2);
    v.to_string().parse::<serde_json::Number>().map_or(Value::Null, Value::Number)
}

/// How a writable field is read from a request.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text up to this many characters.
    Text(usize),
    Decimal,
    Integer,
    Bool,
    /// A nested object or list, copied as is.
    Json,
    /// Accepted in requests and ignored (server-computed).
    ReadOnly,
}

/// A field name as Fortnox spells it, and how to read it.
pub type Field = (&'static str, Kind);

/// Copies the known fields of `input` into `target` under their canonical names.
pub fn apply(
    target: &mut Map<String, Value>,
    input: &Map<String, Value>,
    spec: &[Field],
) -> Result<(), ApiError> {
    for (key, value) in input {
        if key.starts_with('@') {
            continue;
        }
        let Some(&(name, kind)) = spec.iter().find(|(name, _)| name.eq_ignore_ascii_case(key))
        else {
            return Err(ApiError::bad(
                code::INVALID_FIELD_NAME,
                format!("Ogiltigt fältnamn: {key}."),
            ));
        };
        if value.is_null() {
            continue;
        }
        let single = Map::from_iter([(name.to_owned(), value.clone())]);
        let stored = match kind {
            Kind::ReadOnly => continue,
            Kind::Text(max) => {
                let text = lenient::string(&single, name)?.unwrap_or_default();
                lenient::check_len(name, &text, 0, max)?;
                json!(text)
            }
            Kind::Decimal => lenient::decimal(&single, name)?.map_or(Value::Null, num),
            Kind::Integer => lenient::integer(&single, name)?.map_or(Value::Null, |n| json!(n)),
            Kind::Bool => lenient::boolean(&single, name)?.map_or(Value::Null, |b| json!(b)),
            Kind::Json => value.clone(),
        };
        target.insert(name.to_owned(), stored);
    }
    Ok(())
}

/// Whether the document's `key` is `true` (e.g. `Cancelled`, `Sent`).
pub fn is_true(doc: &Map<String, Value>, key: &str) -> bool {
    doc.get(key) == Some(&Value::Bool(true))
}

/// A text field of a stored document ("" when absent).
pub fn text<'a>(doc: &'a Map<String, Value>, name: &str) -> &'a str {
    doc.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Inserts `@url`.
pub fn with_url(mut doc: Map<String, Value>, url: &str) -> Value {
    doc.insert("@url".to_owned(), json!(url));
    Value::Object(doc)
}

/// Keeps only the named fields (list items), plus `@url`.
pub fn subset(doc: &Map<String, Value>, url: &str, fields: &[&str]) -> Value {
    let mut out = Map::new();
    out.insert("@url".to_owned(), json!(url));
    for field in fields {
        out.insert((*field).to_owned(), doc.get(*field).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn apply_reads_known_fields_leniently_and_rejects_unknown_ones() {
        let spec: &[Field] =
            &[("Name", Kind::Text(5)), ("Price", Kind::Decimal), ("Total", Kind::ReadOnly)];
        let mut doc = Map::new();
        let input = json!({"name": "Kafé", "Price": "1.50", "Total": 9});
        apply(&mut doc, input.as_object().unwrap(), spec).unwrap();
        assert_eq!(
            Value::Object(doc.clone()),
            json!({"Name": "Kafé", "Price": num(Decimal::new(15, 1))})
        );
        let err = apply(&mut doc, json!({"Nope": 1}).as_object().unwrap(), spec).unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { code: 2_001_399, .. }));
        let err =
            apply(&mut doc, json!({"Name": "toolong"}).as_object().unwrap(), spec).unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { code: code::INVALID_FIELD, .. }));
        assert_eq!(money(Decimal::new(1125, 3)).to_string(), "1.13");
        assert_eq!(num(Decimal::new(100, 2)).to_string(), "1");
    }
}
