//! Located diagnostics: the one shape every user-facing problem takes.
//!
//! A [`Diagnostic`] names the line (and field where known), says what is wrong and, where we can,
//! how to fix it. Rendered against a path it reads `path:line: message (hint: ...)`. Parsers and
//! converters return these; they never print.

use std::collections::HashMap;
use std::fmt;

/// One located problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// 1-based line in the source file; `None` when the problem concerns the whole file.
    pub line: Option<usize>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// A warning that asks a person to do something (credit an invoice, cancel an order in
    /// Fortnox), not one that only informs: a posted file with one is notified.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub action: bool,
    /// For an error of a check releases before did not make: the identity of the document it
    /// refuses (`order:<id>`, `zreport:<org>:<register>:<z>`). When that document was posted
    /// already, the error is told as a warning and the rest of the file goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl Diagnostic {
    /// A problem on a known line.
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            line: Some(line),
            message: message.into(),
            hint: None,
            action: false,
            identity: None,
        }
    }

    /// A problem about the file as a whole.
    pub fn file(message: impl Into<String>) -> Self {
        Diagnostic {
            line: None,
            message: message.into(),
            hint: None,
            action: false,
            identity: None,
        }
    }

    /// The note closing a capped list: `` `n` more errors not shown `` (`what` = `errors`).
    pub fn more_not_shown(n: usize, what: &str) -> Self {
        Diagnostic::file(format!("`{n}` more {what} not shown"))
    }

    fn is_more_not_shown(&self) -> bool {
        self.line.is_none() && self.message.starts_with('`') && self.message.ends_with(" not shown")
    }

    /// Sorts `list` in line order: problems of the whole file (without a line) first, the
    /// note of a capped list ([`Diagnostic::more_not_shown`]) last. Stable: the problems of one
    /// line keep their order.
    pub fn in_line_order(list: &mut [Diagnostic]) {
        list.sort_by_key(|d| match d.line {
            None if d.is_more_not_shown() => (2, 0),
            None => (0, 0),
            Some(line) => (1, line),
        });
    }

    /// `list` with each problem told once, for a report: the same message (and hint) on
    /// several lines becomes one diagnostic at its first line that names the others (every
    /// one up to ten lines, else how many, the first few and the last), in the order of the
    /// first. A row-level warning of an export (an object dimension Fortnox has no field for)
    /// otherwise fills a report with hundreds of lines of one sentence.
    pub fn said_once(list: &[Diagnostic]) -> Vec<Diagnostic> {
        let mut groups: Vec<(&Diagnostic, Vec<usize>)> = Vec::new();
        // Groups found by an index, not a search: a file of 80,000 bad rows has as many
        // different messages.
        let mut index: HashMap<(&str, Option<&str>, bool), usize> = HashMap::new();
        for d in list {
            let key = (d.message.as_str(), d.hint.as_deref(), d.line.is_some());
            match (index.get(&key), d.line) {
                (Some(&i), Some(line)) => groups[i].1.push(line),
                (Some(_), None) => {}
                (None, line) => {
                    index.insert(key, groups.len());
                    groups.push((d, line.into_iter().collect()));
                }
            }
        }
        groups
            .into_iter()
            .map(|(d, lines)| match lines.as_slice() {
                [_, _, ..] => Diagnostic {
                    line: d.line,
                    message: format!("{} ({})", d.message, on_lines(&lines)),
                    hint: d.hint.clone(),
                    action: d.action,
                    identity: d.identity.clone(),
                },
                _ => d.clone(),
            })
            .collect()
    }

    /// Adds a plain-language hint on how to fix the problem.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the document a new check's error refuses (see [`Diagnostic::identity`]).
    #[must_use]
    pub fn of_document(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Marks a warning as asking a person to act (see [`Diagnostic::action`]).
    #[must_use]
    pub fn needs_action(mut self) -> Self {
        self.action = true;
        self
    }

    /// `path:line: message (hint: ...)`, the form every error takes in logs and `.error.txt`.
    pub fn render(&self, path: &str) -> String {
        let mut out = match self.line {
            Some(line) => format!("{path}:{line}: {}", self.message),
            None => format!("{path}: {}", self.message),
        };
        if let Some(hint) = &self.hint {
            out = format!("{out} (hint: {hint})");
        }
        out
    }
}

/// `on lines 3, 8 and 13`, or for more than ten `on 57 lines: 3, 8, 13, … 2708`.
fn on_lines(lines: &[usize]) -> String {
    let shown = |l: &[usize]| l.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    match lines {
        [init @ .., last] if lines.len() <= 10 => format!("on lines {} and {last}", shown(init)),
        [.., last] => format!("on {} lines: {}, … {last}", lines.len(), shown(&lines[..3])),
        [] => String::new(),
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_path_line_and_hint() {
        let d = Diagnostic::at(17, "payment method `swish` has no account")
            .hint("add it under [accounts.payments]");
        assert_eq!(
            d.render("kassa/z-0042.json"),
            "kassa/z-0042.json:17: payment method `swish` has no account \
             (hint: add it under [accounts.payments])"
        );
        assert_eq!(Diagnostic::file("empty file").render("a.se"), "a.se: empty file");
    }

    #[test]
    fn the_same_problem_on_many_lines_is_told_once_naming_them() {
        let object = |line| Diagnostic::at(line, "object `12` of dimension `10` is not sent");
        let mut list: Vec<Diagnostic> = (0..57).map(|n| object(1756 + 3 * n)).collect();
        list.insert(1, Diagnostic::at(1757, "SIE voucher 1 1: text cut").hint("shorten it"));
        list.push(Diagnostic::file("nothing to post"));
        list.push(Diagnostic::file("nothing to post"));
        let told: Vec<String> =
            Diagnostic::said_once(&list).iter().map(|d| d.render("m.se")).collect();
        assert_eq!(
            told,
            [
                "m.se:1756: object `12` of dimension `10` is not sent (on 57 lines: 1756, 1759, \
                 1762, … 1924)",
                "m.se:1757: SIE voucher 1 1: text cut (hint: shorten it)",
                "m.se: nothing to post",
            ]
        );
        let few = [object(3), object(8), object(13)];
        let told = Diagnostic::said_once(&few);
        assert_eq!(
            told[0].render("m.se"),
            "m.se:3: object `12` of dimension `10` is not sent \
                                           (on lines 3, 8 and 13)"
        );
        assert_eq!(Diagnostic::said_once(&few[..1]), few[..1]);
    }

    #[test]
    fn line_order_puts_the_file_first_and_the_cap_note_last() {
        let mut list = vec![
            Diagnostic::at(14, "b"),
            Diagnostic::at(11, "a"),
            Diagnostic::more_not_shown(3, "errors"),
            Diagnostic::at(11, "a2"),
            Diagnostic::file("whole file"),
        ];
        Diagnostic::in_line_order(&mut list);
        let order: Vec<&str> = list.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(order, ["whole file", "a", "a2", "b", "`3` more errors not shown"]);
    }
}
