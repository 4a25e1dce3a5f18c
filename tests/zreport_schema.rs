//! The Z-report JSON Schema (`src/parse/zreport.schema.json`) accepts every valid fixture and
//! refuses the structurally broken one. A small validator for the keywords the schema uses
//! (the test fails if the schema starts using one it does not know), including `pattern` and
//! `format: "date"`.

use serde_json::Value;

const SCHEMA: &str = include_str!("../src/parse/zreport.schema.json");
const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "format",
    "pattern",
    "oneOf",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minimum",
];

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).expect("$ref resolves"),
        None => schema,
    }
}

fn type_ok(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_u64().is_some() || value.as_i64().is_some(),
        "boolean" => value.is_boolean(),
        _ => false,
    }
}

fn valid(root: &Value, schema: &Value, value: &Value) -> bool {
    let schema = resolve(root, schema);
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        return options.iter().filter(|s| valid(root, s, value)).count() == 1;
    }
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(s) => type_ok(value, s),
            Value::Array(list) => list.iter().filter_map(Value::as_str).any(|s| type_ok(value, s)),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    if schema.get("const").is_some_and(|c| c != value) {
        return false;
    }
    if schema.get("enum").and_then(Value::as_array).is_some_and(|e| !e.contains(value)) {
        return false;
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        return false;
    }
    if let (Some(pattern), Some(s)) =
        (schema.get("pattern").and_then(Value::as_str), value.as_str())
        && !regex::Regex::new(pattern).expect("schema pattern is a valid regex").is_match(s)
    {
        return false;
    }
    if let (Some(format), Some(s)) = (schema.get("format").and_then(Value::as_str), value.as_str())
    {
        let ok = match format {
            // RFC 3339 full-date: exactly YYYY-MM-DD and a real calendar date.
            "date" => s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            other => panic!("schema format `{other}` is not checked here"),
        };
        if !ok {
            return false;
        }
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !obj.contains_key(key.as_str().unwrap_or_default()) {
                return false;
            }
        }
        for (key, v) in obj {
            match props.and_then(|p| p.get(key)) {
                Some(s) if !valid(root, s, v) => return false,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return false;
                }
                _ => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array())
        && !list.iter().all(|v| valid(root, items, v))
    {
        return false;
    }
    true
}

fn keywords(schema: &Value, out: &mut Vec<String>) {
    if let Some(obj) = schema.as_object() {
        for (k, v) in obj {
            out.push(k.clone());
            match k.as_str() {
                "properties" | "$defs" => {
                    for s in v.as_object().into_iter().flat_map(|m| m.values()) {
                        keywords(s, out);
                    }
                }
                "const" | "enum" => {}
                _ => keywords(v, out),
            }
        }
    } else if let Some(list) = schema.as_array() {
        for s in list {
            keywords(s, out);
        }
    }
}

fn fixture(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zreport").join(rel);
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json")
}

#[test]
fn schema_uses_only_keywords_this_test_checks() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let mut used = Vec::new();
    keywords(&schema, &mut used);
    for k in used {
        assert!(KNOWN.contains(&k.as_str()), "schema keyword `{k}` is not checked here");
    }
}

#[test]
fn fixtures_match_the_schema() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema");
    for name in [
        "restaurang-2026-10-31.json",
        "cafe-och-bar-2026-11-02.json",
        "butik-rabatter-separat.json",
        "bistro-tre-decimaler.json",
        "invalid/osammanhangande.json",
        "invalid/okand-moms.json",
    ] {
        assert!(valid(&schema, &schema, &fixture(name)), "{name} does not match the schema");
    }
    assert!(!valid(&schema, &schema, &fixture("invalid/okant-falt.json")));
    let mut missing = fixture("restaurang-2026-10-31.json");
    missing.as_object_mut().expect("object").remove("counts");
    assert!(!valid(&schema, &schema, &missing), "counts are required by law");
}

#[test]
fn pattern_and_date_format_are_enforced() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema");
    let base = fixture("restaurang-2026-10-31.json");
    assert!(valid(&schema, &schema, &base));

    let mut comma_amount = base.clone();
    comma_amount["rounding"] = Value::String("12,5".into());
    assert!(
        !valid(&schema, &schema, &comma_amount),
        "amount \"12,5\" must fail the amount pattern"
    );
    let mut dot_amount = base.clone();
    dot_amount["rounding"] = Value::String("12.5".into());
    assert!(valid(&schema, &schema, &dot_amount), "amount \"12.5\" is a valid string amount");

    let mut bad_date = base.clone();
    bad_date["business_date"] = Value::String("2026-13-40".into());
    assert!(!valid(&schema, &schema, &bad_date), "business_date 2026-13-40 is not a date");

    let mut bad_org = base;
    bad_org["company"]["org_number"] = Value::String("55999-0005".into());
    assert!(!valid(&schema, &schema, &bad_org), "org_number must match its pattern");
}
