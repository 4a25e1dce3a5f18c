//! Lenient reading of request JSON the way Fortnox reads it: numbers may come as strings,
//! booleans as `"true"`, integers as `"1930"`. Also the request-body envelope (`{"Voucher":…}`).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::errors::{ApiError, code};

/// Parses a request body and returns the object under `wrapper` (e.g. `"Voucher"`).
pub fn envelope(body: &[u8], wrapper: &str) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad(code::EMPTY_BODY, "Tom eller felaktig request body."));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| ApiError::bad(code::JSON_SYNTAX, format!("Ogiltig JSON: {err}.")))?;
    let found = match value {
        Value::Object(mut outer) => {
            let key = outer.keys().find(|k| k.eq_ignore_ascii_case(wrapper)).cloned();
            key.and_then(|k| outer.remove(&k))
        }
        _ => None,
    };
    match found {
        Some(Value::Object(inner)) => Ok(inner),
        _ => Err(ApiError::bad(code::EMPTY_BODY, format!("Request body saknar {wrapper}."))),
    }
}

/// A field by name, case-insensitively; `null` counts as absent.
pub fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name)
        .or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
        .filter(|v| !v.is_null())
}

/// A string field; numbers and booleans are taken as their text.
pub fn string(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(ApiError::field(name, "ska vara en textsträng")),
    }
}

/// A decimal field; accepts JSON numbers and numeric strings (`"1.13"`, `"1,13"`).
pub fn decimal(obj: &Map<String, Value>, name: &str) -> Result<Option<Decimal>, ApiError> {
    let text = match field(obj, name) {
        None => return Ok(None),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().replace(',', "."),
        Some(_) => return Err(ApiError::field(name, "ska vara ett tal")),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map(Some)
        .map_err(|_| ApiError::field(name, "ska vara ett tal"))
}

/// An integer field; accepts JSON integers and integer strings.
pub fn integer(obj: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    match decimal(obj, name)? {
        None => Ok(None),
        Some(d) if d.fract().is_zero() => {
            i64::try_from(d).map(Some).map_err(|_| ApiError::field(name, "är för stort"))
        }
        Some(_) => Err(ApiError::field(name, "ska vara ett heltal")),
    }
}

/// A boolean field; accepts `true`, `"true"`, `1`, `"1"` and their opposites.
pub fn boolean(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => {
            let text = match other {
                Value::String(s) => s.trim().to_ascii_lowercase(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            match text.as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(ApiError::bad(
                    code::INVALID_FIELD,
                    format!("Fältet {name} ska vara sant/falskt."),
                )),
            }
        }
    }
}

/// Rejects fields not in `known` (case-insensitive; `@url` and the like are ignored) with
/// Fortnox's "invalid field name" (2001399).
pub fn known_fields(obj: &Map<String, Value>, known: &[&str]) -> Result<(), ApiError> {
    match obj
        .keys()
        .find(|k| !k.starts_with('@') && !known.iter().any(|n| n.eq_ignore_ascii_case(k)))
    {
        Some(key) => {
            Err(ApiError::bad(code::INVALID_FIELD_NAME, format!("Ogiltigt fältnamn: {key}.")))
        }
        None => Ok(()),
    }
}

/// Checks a string's length in characters.
pub fn check_len(name: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min {
        return Err(ApiError::field(name, "saknas"));
    }
    if len > max {
        return Err(ApiError::field(name, &format!("får vara högst {max} tecken")));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: &Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_numbers_strings_and_bools_leniently() {
        let o = obj(&json!({"A": "1930", "d": "1,50", "n": 2.25, "b": "true", "z": null}));
        assert_eq!(integer(&o, "a").unwrap(), Some(1930));
        assert_eq!(decimal(&o, "D").unwrap(), Some(Decimal::new(150, 2)));
        assert_eq!(decimal(&o, "n").unwrap(), Some(Decimal::new(225, 2)));
        assert_eq!(boolean(&o, "b").unwrap(), Some(true));
        assert_eq!(string(&o, "z").unwrap(), None);
        assert!(integer(&o, "n").is_err());
    }

    #[test]
    fn envelope_errors() {
        assert!(matches!(
            envelope(b"", "Voucher"),
            Err(ApiError::BadRequest { code: 2_001_392, .. })
        ));
        assert!(matches!(
            envelope(b"{", "Voucher"),
            Err(ApiError::BadRequest { code: 2_002_115, .. })
        ));
        assert!(envelope(br#"{"voucher":{"A":1}}"#, "Voucher").is_ok());
    }
}
