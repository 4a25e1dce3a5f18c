//! toml's and serde's own errors in the file's terms. A value of the wrong type
//! (`max_attempts = "3"`) is named by its key, placed on the key's line, and said in plain words:
//! what it is, what it must be, and how to write it. A bare word where a value belongs
//! (`target = sandbox`) is told to go in quotes. Other errors keep toml's words and place.
//!
//! Must not: decide what a value means (that is the validators' work, see `problem`).

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::problem::{dotted, line_at};

const TEMPLATE_HINT: &str =
    "the commented template `fortnox-bridge init DIR` writes shows every key";

/// A value written in the file, found by its place.
struct Leaf {
    /// The table header it is under, as written (`[upload]`, `[[inboxes]]`); empty at the top.
    section: String,
    /// Its key, relative to the section (`["sales", "25"]` for `sales = { "25" = … }`).
    key: Vec<String>,
    /// Its position in an array (`match_customer_by = ["email", 5]`: `Some(1)`).
    entry: Option<usize>,
    /// Where its key (or, in an array, the value itself) starts: the line it is told on.
    start: usize,
    span: Range<usize>,
    kind: Kind,
}

/// What a value is, in plain words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Whole,
    Decimal,
    Bool,
    Date,
    List,
    Table,
}

impl Kind {
    fn of(value: &Value) -> Kind {
        match value {
            Value::String(_) => Kind::Text,
            Value::Integer(_) => Kind::Whole,
            Value::Float(_) => Kind::Decimal,
            Value::Boolean(_) => Kind::Bool,
            Value::Datetime(_) => Kind::Date,
            Value::Array(_) => Kind::List,
            Value::InlineTable(_) => Kind::Table,
        }
    }

    /// What serde's `expected …` asks for.
    fn wanted(expected: &str) -> Option<Kind> {
        let whole = ["u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize"];
        Some(match expected {
            e if whole.contains(&e) => Kind::Whole,
            e if e.contains("Decimal") || e == "f64" || e == "f32" => Kind::Decimal,
            "a boolean" => Kind::Bool,
            "a sequence" => Kind::List,
            e if e == "a map" || e.starts_with("struct ") => Kind::Table,
            e if e.contains("string") || e.contains("address") || e.contains("variant") => {
                Kind::Text
            }
            _ => return None,
        })
    }

    /// "is …" as a value; "must be …" as what a key asks for.
    fn words(self, asked: bool) -> &'static str {
        match (self, asked) {
            (Kind::Text, false) => "a text",
            (Kind::Text, true) => "a text in quotes",
            (Kind::Whole, _) => "a whole number",
            (Kind::Decimal, false) => "a decimal number",
            (Kind::Decimal, true) => "a number",
            (Kind::Bool, _) => "true or false",
            (Kind::Date, _) => "a date",
            (Kind::List, false) => "a list",
            (Kind::List, true) => "a list in brackets",
            (Kind::Table, _) => "a table of keys",
        }
    }
}

/// The 1-based line and the message for toml's error `err` about `text`.
pub(super) fn explain(text: &str, err: &toml::de::Error) -> (Option<usize>, String) {
    // toml's message may run over lines ("invalid table header\nexpected `.`, `]`").
    let message = err.message().trim().lines().collect::<Vec<_>>().join("; ");
    let message = did_you_mean(&message);
    let Some(span) = err.span() else { return (None, message) };
    let start = text.floor_char_boundary(span.start);
    if let Ok(doc) = ImDocument::parse(text) {
        if let Some(leaf) = leaf_at(doc.as_table(), start) {
            return (Some(line_at(text, leaf.start)), plain(text, &leaf, &message));
        }
    } else if message.starts_with("invalid string")
        && let Some(plain) = bare_word(text, start)
    {
        return (Some(line_at(text, start)), plain);
    }
    (Some(line_at(text, start)), message)
}

/// The innermost value whose text holds `offset`.
fn leaf_at(root: &dyn TableLike, offset: usize) -> Option<Leaf> {
    let mut best = None;
    walk(root, &[], "", &[], offset, &mut best);
    best
}

fn walk(
    table: &dyn TableLike,
    header: &[String],
    section: &str,
    key: &[String],
    offset: usize,
    best: &mut Option<Leaf>,
) {
    for (name, _) in table.iter() {
        let Some((written, item)) = table.get_key_value(name) else { continue };
        let mut key = key.to_vec();
        key.push(name.to_owned());
        let start = written.span().map_or(0, |s| s.start);
        match item {
            Item::Table(t) if t.is_dotted() => walk(t, header, section, &key, offset, best),
            Item::Table(t) => {
                let header = [header, &key].concat();
                let refs: Vec<&str> = header.iter().map(String::as_str).collect();
                walk(t, &header, &format!("[{}]", dotted(&refs)), &[], offset, best);
            }
            Item::ArrayOfTables(tables) => {
                let header = [header, &key].concat();
                let refs: Vec<&str> = header.iter().map(String::as_str).collect();
                for t in tables {
                    walk(t, &header, &format!("[[{}]]", dotted(&refs)), &[], offset, best);
                }
            }
            Item::Value(v) => {
                let place = (section, key.as_slice(), start);
                value(v, place, None, offset, best);
            }
            Item::None => {}
        }
    }
}

fn value(
    v: &Value,
    (section, key, start): (&str, &[String], usize),
    entry: Option<usize>,
    offset: usize,
    best: &mut Option<Leaf>,
) {
    let Some(span) = v.span().filter(|s| s.contains(&offset)) else { return };
    if best.as_ref().is_none_or(|b| span.len() < b.span.len()) {
        let (section, key, kind) = (section.to_owned(), key.to_vec(), Kind::of(v));
        *best = Some(Leaf { section, key, entry, start, span: span.clone(), kind });
    }
    match v {
        Value::InlineTable(t) => walk(t, &[], section, key, offset, best),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = item.span().map_or(start, |s| s.start);
                value(item, (section, key, at), Some(i), offset, best);
            }
        }
        _ => {}
    }
}

/// The message for an error at `leaf`: plain words for a value of the wrong type, else toml's
/// words after the key they are about.
fn plain(text: &str, leaf: &Leaf, message: &str) -> String {
    let raw = text.get(leaf.span.clone()).unwrap_or_default();
    let shown = if raw.contains('\n') || raw.chars().count() > 40 {
        match leaf.kind {
            Kind::List => "[…]",
            Kind::Table => "{…}",
            _ => raw.lines().next().unwrap_or_default(),
        }
    } else {
        raw
    };
    let refs: Vec<&str> = leaf.key.iter().map(String::as_str).collect();
    let name = format!("{} {}", leaf.section, dotted(&refs)).trim().to_owned();
    let subject = match leaf.entry {
        None => format!("{name} = {shown}"),
        Some(i) => format!("{name}: its entry {} ({shown})", i + 1),
    };
    let other = || {
        if message.contains("socket address") {
            format!(
                "{subject}: {message} (hint: an address and port in quotes, e.g. \"127.0.0.1:8787\")"
            )
        } else if message.starts_with("unknown variant") {
            format!("{subject}: {message}")
        } else {
            format!("{subject}: {message} (hint: {TEMPLATE_HINT})")
        }
    };
    let Some(at) = message.rfind(", expected ") else { return other() };
    let expected = &message[at + ", expected ".len()..];
    let Some(wanted) = Kind::wanted(expected) else { return other() };
    // A line the user can copy: the key's line with the value `fixed` (an entry: the value).
    let write = |fixed: &str| match leaf.entry {
        Some(_) => fixed.to_owned(),
        None => with_value(text, &leaf.span, fixed),
    };
    if wanted == leaf.kind && wanted == Kind::Whole {
        let too = if raw.trim().starts_with('-') {
            "below zero, but it must be 0 or more (hint: write the number without a minus sign)"
        } else {
            "too large for it (hint: write a smaller whole number)"
        };
        return format!("{subject} is {too}");
    }
    let is = if wanted == leaf.kind { "not one it takes" } else { leaf.kind.words(false) };
    let hint = hint(leaf.kind, wanted, raw, &write);
    format!("{subject} is {is}, but it must be {} (hint: {hint})", wanted.words(true))
}

/// How to write `raw` (a `kind`) as the `wanted` kind; `write` makes the line to copy.
fn hint(kind: Kind, wanted: Kind, raw: &str, write: &dyn Fn(&str) -> String) -> String {
    let unquoted = raw.trim().trim_matches(['"', '\'']).trim();
    match (kind, wanted) {
        (Kind::Text, Kind::Whole) if unquoted.parse::<u64>().is_ok() => {
            format!("write {}, without quotes", write(unquoted))
        }
        (Kind::Text, Kind::Decimal) if unquoted.replace(',', ".").parse::<f64>().is_ok() => {
            format!("write {}, without quotes", write(&unquoted.replace(',', ".")))
        }
        (Kind::Decimal, Kind::Whole) => match raw.trim().parse::<f64>() {
            // Rounded on purpose: a whole number near the one written.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(f) if (0.0..1e15).contains(&f) => {
                format!("write {}, without a decimal point", write(&(f.round() as u64).to_string()))
            }
            _ => "write digits only, without a decimal point".to_owned(),
        },
        (_, Kind::Whole | Kind::Decimal) => "write digits only, without quotes".to_owned(),
        (Kind::Text | Kind::Whole, Kind::Bool) => match unquoted.to_lowercase().as_str() {
            "yes" | "true" | "on" | "ja" | "1" => format!("write {}", write("true")),
            "no" | "false" | "off" | "nej" | "0" => format!("write {}", write("false")),
            _ => "write true or false, without quotes".to_owned(),
        },
        (_, Kind::Bool) => "write true or false, without quotes".to_owned(),
        (Kind::Whole | Kind::Decimal | Kind::Bool | Kind::Date, Kind::Text) => {
            format!("write {}, in quotes", write(&quoted(raw.trim())))
        }
        (Kind::Text | Kind::Whole | Kind::Decimal | Kind::Bool | Kind::Date, Kind::List) => {
            format!("write {}, in brackets", write(&format!("[{}]", raw.trim())))
        }
        (_, Kind::Table) => {
            "a table is written as its own [section], or as { key = value }".to_owned()
        }
        _ => TEMPLATE_HINT.to_owned(),
    }
}

fn quoted(word: &str) -> String {
    format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The line around `span` with `fixed` in its place, without indentation or a trailing comment.
fn with_value(text: &str, span: &Range<usize>, fixed: &str) -> String {
    let line_start = text.get(..span.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let rest = text.get(span.end..).unwrap_or_default();
    let after = rest.split('\n').next().unwrap_or_default();
    let after = after.split('#').next().unwrap_or_default();
    let before = text.get(line_start..span.start).unwrap_or_default();
    format!("{}{fixed}{}", before.trim_start(), after.trim_end())
}

/// A bare word at `offset` where a value belongs (toml's "invalid string").
fn bare_word(text: &str, offset: usize) -> Option<String> {
    let rest = text.get(offset..)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | ']' | '#'))
        .unwrap_or(rest.len());
    let word = rest.get(..end).filter(|w| !w.is_empty())?;
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let before = text.get(line_start..offset)?.trim();
    let key = before
        .strip_suffix('=')
        .map(str::trim)
        .filter(|k| !k.is_empty() && !k.contains(['{', '[', ',', '=']));
    let section =
        text.get(..line_start)?.lines().rev().map(str::trim).find(|l| l.starts_with('[')).map_or(
            "",
            |l| {
                let close = if l.starts_with("[[") { "]]" } else { "]" };
                l.find(close).and_then(|i| l.get(..i + close.len())).unwrap_or(l)
            },
        );
    let subject = match key {
        Some(key) => format!("{section} {key} = {word}").trim().to_owned(),
        None => format!("{section} `{word}`").trim().to_owned(),
    };
    let fixed = with_value(text, &(offset..offset + end), &quoted(word));
    Some(format!(
        "{subject} is a word without quotes, which is not a TOML value \
         (hint: write {fixed}: a text goes in quotes)"
    ))
}

/// serde's "unknown field `inbx`, expected one of `inbox`, ..." with the one meant first:
/// "(did you mean `inbox`?)".
fn did_you_mean(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message.to_owned() };
    let Some((word, rest)) = rest.split_once('`') else { return message.to_owned() };
    let known = rest.split('`').skip(1).step_by(2);
    match crate::similar::closest(word, known) {
        Some(meant) => format!("unknown field `{word}` (did you mean `{meant}`?){rest}"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests;
