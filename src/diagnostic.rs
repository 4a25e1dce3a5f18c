//! Located diagnostics: the one shape every user-facing problem takes.
//!
//! A [`Diagnostic`] names the line (and field where known), says what is wrong and, where we can,
//! how to fix it. Rendered against a path it reads `path:line: message (hint: ...)`. Parsers and
//! converters return these; they never print.

use std::fmt;

/// One located problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// 1-based line in the source file; `None` when the problem concerns the whole file.
    pub line: Option<usize>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem on a known line.
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Diagnostic { line: Some(line), message: message.into(), hint: None }
    }

    /// A problem about the file as a whole.
    pub fn file(message: impl Into<String>) -> Self {
        Diagnostic { line: None, message: message.into(), hint: None }
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

    /// Adds a plain-language hint on how to fix the problem.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
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
