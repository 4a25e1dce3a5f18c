//! Where each value of a JSON text starts: a map from JSON Pointer (`/reports/0/sales/1/net`)
//! to its 1-based line, so that checks made after deserializing still name the line to fix.
//!
//! Runs only on text that `serde_json` has already accepted, so it can be simple: it walks
//! objects, arrays and strings and skips everything else.

use std::collections::HashMap;

/// Start lines of every value, by JSON Pointer.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    lines: HashMap<String, usize>,
}

impl Positions {
    /// Scans `text` (valid JSON).
    pub fn scan(text: &str) -> Positions {
        let mut scanner = Scanner { bytes: text.as_bytes(), at: 0, line: 1, out: HashMap::new() };
        scanner.value("");
        Positions { lines: scanner.out }
    }

    /// The line of `pointer`, or of its nearest ancestor that was seen; 1 when none.
    pub fn line(&self, pointer: &str) -> usize {
        let mut p = pointer;
        loop {
            if let Some(line) = self.lines.get(p) {
                return *line;
            }
            match p.rfind('/') {
                Some(cut) => p = &p[..cut],
                None => return 1,
            }
        }
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    out: HashMap<String, usize>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) {
        if self.peek() == Some(b'\n') {
            self.line += 1;
        }
        self.at += 1;
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.bump();
        }
    }

    fn value(&mut self, pointer: &str) {
        self.skip_ws();
        self.out.insert(pointer.to_owned(), self.line);
        match self.peek() {
            Some(b'{') => {
                self.bump();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b'"') => {
                            let key = self.string();
                            self.skip_ws();
                            if self.peek() == Some(b':') {
                                self.bump();
                            }
                            let escaped = key.replace('~', "~0").replace('/', "~1");
                            self.value(&format!("{pointer}/{escaped}"));
                        }
                        Some(b'}') | None => {
                            self.bump();
                            return;
                        }
                        Some(_) => self.bump(),
                    }
                }
            }
            Some(b'[') => {
                self.bump();
                let mut index = 0;
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') | None => {
                            self.bump();
                            return;
                        }
                        Some(b',') => self.bump(),
                        Some(_) => {
                            self.value(&format!("{pointer}/{index}"));
                            index += 1;
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            _ => {
                while self.peek().is_some_and(|b| !matches!(b, b',' | b'}' | b']'))
                    && !self.peek().is_some_and(|b| b.is_ascii_whitespace())
                {
                    self.bump();
                }
            }
        }
    }

    /// Reads a string starting at `"`; returns its raw content (escapes kept, enough for keys).
    fn string(&mut self) -> String {
        self.bump();
        let start = self.at;
        while let Some(b) = self.peek() {
            match b {
                b'\\' => {
                    self.bump();
                    self.bump();
                }
                b'"' => break,
                _ => self.bump(),
            }
        }
        let text = String::from_utf8_lossy(&self.bytes[start..self.at.min(self.bytes.len())]);
        self.bump();
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_nested_values() {
        let text = "{\n  \"reports\": [\n    {\n      \"z_number\": 7,\n      \"sales\": [\n        \
                    {\"net\": 1},\n        {\"net\": 2,\n         \"a/b\": \"x\\\"}\"}\n      ]\n    }\n  ]\n}\n";
        let p = Positions::scan(text);
        assert_eq!(p.line(""), 1);
        assert_eq!(p.line("/reports/0"), 3);
        assert_eq!(p.line("/reports/0/z_number"), 4);
        assert_eq!(p.line("/reports/0/sales/1"), 7);
        assert_eq!(p.line("/reports/0/sales/1/a~1b"), 8);
        assert_eq!(p.line("/reports/0/sales/1/missing"), 7, "falls back to the parent");
    }
}
