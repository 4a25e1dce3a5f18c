//! Tells what kind of input a file is, from its name and first bytes. Pure.

use std::fmt;

/// The input formats the bridge understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// SIE 1-4 (`.se`, `.si`, `.sie`, or any file starting with a `#` label).
    Sie,
    /// A POS end-of-day Z-report in our JSON format.
    Zreport,
    /// A web shop's order export (CSV).
    Orders,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Sie => "sie",
            Kind::Zreport => "zreport",
            Kind::Orders => "orders",
        })
    }
}

/// The kind of a file from an inbox: the inbox's kind hint when it has one, else detected.
pub fn detect_with_hint(hint: Option<Kind>, name: &str, bytes: &[u8]) -> Option<Kind> {
    hint.or_else(|| detect(name, bytes))
}

/// Detects the kind of `name` with content `bytes`; `None` when it is none of ours.
pub fn detect(name: &str, bytes: &[u8]) -> Option<Kind> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "se" | "si" | "sie" => return Some(Kind::Sie),
        "json" => return Some(Kind::Zreport),
        "csv" => return Some(Kind::Orders),
        _ => {}
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    match &body[start..] {
        // A SIE label (`#FLAGGA`), not any `#` (a Markdown heading, a shell comment).
        [b'#', label, ..] if label.is_ascii_uppercase() => Some(Kind::Sie),
        [b'{' | b'[', ..] => Some(Kind::Zreport),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_extension_then_by_content() {
        assert_eq!(detect("FAKT.SI", b""), Some(Kind::Sie));
        assert_eq!(detect("export.se", b"<html>"), Some(Kind::Sie));
        assert_eq!(detect("z-0042.json", b"{}"), Some(Kind::Zreport));
        assert_eq!(detect("orders.CSV", b"Name,Email"), Some(Kind::Orders));
        assert_eq!(detect("noext", b"\xEF\xBB\xBF  #FLAGGA 0"), Some(Kind::Sie));
        assert_eq!(detect("noext", b"[{\"z\":1}]"), Some(Kind::Zreport));
        assert_eq!(detect("photo.jpg", b"\xFF\xD8"), None);
        // Text that starts with `#` but no SIE label is none of ours.
        assert_eq!(detect("SOURCES.md", b"# Sources\n\n#FLAGGA"), None);
        assert_eq!(detect("run.sh", b"#!/bin/sh\n"), None);
        assert_eq!(detect("noext", b"#"), None);
    }
}
