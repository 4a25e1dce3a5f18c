//! Placing a validation problem on its line. Serde's own errors (syntax, unknown keys, wrong
//! types) come with a place; a value that parses but cannot be used (a series code with a
//! space, an account outside 1000-9999) is found by its key: the validator names the key it
//! checked as a [`Problem`], and [`line_of`] looks that key up in the file's text. Also the
//! validators shared by the sections: a choice among names, a voucher series code.

use toml_edit::{Array, ArrayOfTables, ImDocument, Item, TableLike, Value};

/// A value the file sets (or a combination it leaves out) that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// The key it is about, as a path: table names and keys, array positions as numbers
    /// (`["inboxes", "1", "schedule"]` is the `schedule` of the second `[[inboxes]]`).
    pub key: Vec<String>,
    /// What is wrong, naming the key as the user wrote it, with a hint.
    pub message: String,
}

impl Problem {
    pub(super) fn new(key: &[&str], message: impl Into<String>) -> Problem {
        Problem { key: key.iter().map(|k| (*k).to_owned()).collect(), message: message.into() }
    }

    /// The same problem, its key placed under `prefix` (a validator that checks a part of the
    /// file names keys relative to that part).
    pub(super) fn under(mut self, prefix: &[&str]) -> Problem {
        let mut key: Vec<String> = prefix.iter().map(|k| (*k).to_owned()).collect();
        key.append(&mut self.key);
        self.key = key;
        self
    }
}

/// `key` as a dotted TOML key, quoting the parts that are not bare keys (`series."a b"`).
pub(super) fn dotted(key: &[&str]) -> String {
    let bare = |k: &str| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let parts: Vec<String> =
        key.iter().map(|k| if bare(k) { (*k).to_owned() } else { format!("\"{k}\"") }).collect();
    parts.join(".")
}

/// One step of a path through a parsed document.
#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a dyn TableLike),
    Tables(&'a ArrayOfTables),
    Array(&'a Array),
    Leaf,
}

impl<'a> Node<'a> {
    fn of_item(item: &'a Item) -> Node<'a> {
        match item {
            Item::Table(t) => Node::Table(t),
            Item::ArrayOfTables(t) => Node::Tables(t),
            Item::Value(v) => Node::of_value(v),
            Item::None => Node::Leaf,
        }
    }

    fn of_value(value: &'a Value) -> Node<'a> {
        match value {
            Value::InlineTable(t) => Node::Table(t),
            Value::Array(a) => Node::Array(a),
            _ => Node::Leaf,
        }
    }

    /// The node at `part`, with where it is written (its key, else its table header or value).
    fn child(self, part: &str) -> Option<(Node<'a>, Option<std::ops::Range<usize>>)> {
        match self {
            Node::Table(t) => {
                let (key, item) = t.get_key_value(part)?;
                Some((Node::of_item(item), key.span().or_else(|| item.span())))
            }
            Node::Tables(tables) => {
                let table = tables.get(part.parse().ok()?)?;
                Some((Node::Table(table), table.span()))
            }
            Node::Array(array) => {
                let value = array.get(part.parse().ok()?)?;
                Some((Node::of_value(value), value.span()))
            }
            Node::Leaf => None,
        }
    }
}

/// The 1-based line of `key` in `text`: where the key is written, or else where the nearest
/// table around it is (a problem with a key the file leaves out, e.g. a required column of
/// `[orders.columns]`). `None` when the file writes none of it (a default was combined with
/// something it cannot go with) or the text does not parse.
pub(super) fn line_of(text: &str, key: &[String]) -> Option<usize> {
    let doc = ImDocument::parse(text).ok()?;
    let mut node = Node::of_item(doc.as_item());
    let mut found = None;
    for part in key {
        let Some((next, span)) = node.child(part) else { break };
        node = next;
        found = span.or(found);
    }
    Some(line_at(text, found?.start))
}

/// The 1-based line of byte `offset` of `text`.
pub(super) fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// Picks `value` of `[section] key` among `choices` (`(text, value)`), or explains the
/// allowed ones.
pub(super) fn choose<T: Copy>(
    section: &str,
    key: &str,
    value: Option<&str>,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, Problem> {
    choose_named(&format!("[{section}] {key}"), &[section, key], value, default, choices)
}

/// [`choose`] for a key whose full name (`name`, as the user wrote it) is not `[section] key`,
/// e.g. `schedule` inside an `[[inboxes]]` entry; `key` is its path.
pub(super) fn choose_named<T: Copy>(
    name: &str,
    key: &[&str],
    value: Option<&str>,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, Problem> {
    let Some(value) = value else { return Ok(default) };
    let wanted = value.trim().to_lowercase();
    choices.iter().find(|(text, _)| *text == wanted).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<String> = choices.iter().map(|(t, _)| format!("\"{t}\"")).collect();
        Problem::new(key, format!("{name} = \"{value}\" is not one of {}", allowed.join(", ")))
    })
}

/// Checks that `value`, written at `key` (`name` as the user wrote it, e.g.
/// `[sie] default_series`), is a Fortnox voucher series code: 1-10 ASCII letters or digits.
pub(super) fn series_code(name: &str, key: &[&str], value: &str) -> Result<(), Problem> {
    if value.is_empty() || value.len() > 10 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Problem::new(
            key,
            format!(
                "{name} `{value}` is not a Fortnox voucher series: 1-10 letters or digits \
                 (hint: the series code as Fortnox shows it, e.g. \"A\" or \"F\")"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, key: &[&str]) -> Option<usize> {
        line_of(text, &Problem::new(key, "").key)
    }

    #[test]
    fn finds_keys_tables_entries_and_array_items() {
        let text = "# settings\n[sie]\ndefault_series = \"A B\"\nseries = { K = \"X Y\" }\n\n\
                    [[inboxes]]\npath = \"a\"\n\n[[inboxes]]\npath = \"b\"\nschedule = \"hourly\"\n\
                    [orders]\nmatch_customer_by = [\n  \"email\",\n  \"phone\",\n]\n\
                    [accounts.registers.kassa1]\nsales.25 = 30\n";
        assert_eq!(line(text, &["sie", "default_series"]), Some(3));
        assert_eq!(line(text, &["sie", "series", "K"]), Some(4));
        assert_eq!(line(text, &["inboxes", "1", "schedule"]), Some(11));
        assert_eq!(line(text, &["inboxes", "1"]), Some(9));
        assert_eq!(line(text, &["orders", "match_customer_by", "1"]), Some(15));
        assert_eq!(line(text, &["accounts", "registers", "kassa1", "sales", "25"]), Some(18));
    }

    #[test]
    fn a_key_left_out_is_placed_on_its_table_and_nothing_written_on_no_line() {
        let text = "[fortnox]\ntarget = \"live\"\n\n[orders]\nformat = \"custom\"\n";
        assert_eq!(line(text, &["orders", "columns", "order_id"]), Some(4));
        assert_eq!(line(text, &["fortnox", "pace"]), Some(1));
        assert_eq!(line(text, &["zreport", "series"]), None);
        assert_eq!(line("[sie\n", &["sie"]), None);
    }
}
