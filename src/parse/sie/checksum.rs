//! `#KSUMMA` (format doc §10): a CRC-32 over every record between the opening `#KSUMMA` and the
//! closing `#KSUMMA <value>`. Each record contributes its label (with `#`) and the content of
//! its fields: no quotes, no separators, `\"` as `"`, object lists as their inner tokens, no
//! line terminators, `{`/`}` lines nothing, all as CP437 bytes.

use crate::diagnostic::Diagnostic;

use super::encoding;
use super::lexer::{self, Kind, Tok};
use super::model::{Checksum, Encoding};
use super::reader::Reader;

/// Where the reader is with respect to the checksum.
#[derive(Debug, Default)]
pub enum ChecksumState {
    #[default]
    Off,
    /// After the opening `#KSUMMA` on `line`.
    Hashing {
        hasher: crc32fast::Hasher,
        line: usize,
    },
    Done,
}

impl ChecksumState {
    pub fn is_hashing(&self) -> bool {
        matches!(self, ChecksumState::Hashing { .. })
    }
}

/// Appends the checksum bytes of one token to `out`.
fn push_token(line: &[u8], t: Tok, encoding: Encoding, out: &mut Vec<u8>) {
    let content = &line[t.start..t.end];
    if t.kind == Kind::Escaped {
        let mut unescaped = Vec::with_capacity(content.len());
        lexer::unescape_into(content, &mut unescaped);
        encoding::to_cp437(&unescaped, encoding, out);
    } else {
        encoding::to_cp437(content, encoding, out);
    }
}

/// The bytes one tokenized record contributes to the checksum.
pub fn record_bytes(line: &[u8], toks: &[Tok], encoding: Encoding, out: &mut Vec<u8>) {
    let mut inner = Vec::new();
    for &t in toks {
        if t.kind == Kind::List {
            lexer::list_tokens(&line[t.start..t.end], t.start, &mut inner);
            for &it in &inner {
                push_token(line, it, encoding, out);
            }
        } else {
            push_token(line, t, encoding, out);
        }
    }
}

impl Reader {
    /// Adds the current record (already tokenized) to the running checksum.
    pub(super) fn hash_record(&mut self, line: &[u8]) {
        let is_ksumma = self.toks.first().is_some_and(|t| &line[t.start..t.end] == b"#KSUMMA");
        if is_ksumma {
            return;
        }
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        record_bytes(line, &self.toks, self.file.encoding, &mut bytes);
        if let ChecksumState::Hashing { hasher, .. } = &mut self.checksum {
            hasher.update(&bytes);
        }
        self.scratch = bytes;
    }

    /// Handles an opening (`#KSUMMA`) or closing (`#KSUMMA <value>`) record.
    pub(super) fn ksumma(&mut self, no: usize, line: &[u8]) {
        let Some((_, raw)) = self.field(line, 1) else {
            match self.checksum {
                ChecksumState::Off => {
                    self.checksum =
                        ChecksumState::Hashing { hasher: crc32fast::Hasher::new(), line: no };
                }
                _ => self.warn(Diagnostic::at(no, "second opening `#KSUMMA` ignored")),
            }
            return;
        };
        let value = String::from_utf8_lossy(raw).into_owned();
        let Ok(declared) = value.parse::<u32>() else {
            self.error(
                Diagnostic::at(no, format!("bad `#KSUMMA` value `{value}`"))
                    .hint("the control sum is an unsigned 32-bit decimal number"),
            );
            self.checksum = ChecksumState::Done;
            return;
        };
        match std::mem::replace(&mut self.checksum, ChecksumState::Done) {
            ChecksumState::Hashing { hasher, .. } => {
                let computed = hasher.finalize();
                self.file.checksum = Some(Checksum { line: no, declared, computed });
                if declared != computed {
                    let d = Diagnostic::at(
                        no,
                        format!("checksum mismatch: `#KSUMMA` says `{declared}`, the records give `{computed}`"),
                    )
                    .hint("the file was changed after export; ask for a fresh export");
                    if self.options.accept_bad_checksum { self.warn(d) } else { self.error(d) }
                }
            }
            ChecksumState::Off => self.warn(
                Diagnostic::at(no, "closing `#KSUMMA` without an opening `#KSUMMA`")
                    .hint("the opening `#KSUMMA` belongs right after `#FLAGGA`; not verified"),
            ),
            ChecksumState::Done => {
                self.warn(Diagnostic::at(no, "second closing `#KSUMMA` ignored"));
            }
        }
    }

    /// At the end of the input: an opening `#KSUMMA` without a closing one means truncation.
    pub(super) fn finish_checksum(&mut self) {
        if let ChecksumState::Hashing { line, .. } = self.checksum {
            self.checksum = ChecksumState::Done;
            self.error(
                Diagnostic::at(line, "file ends without the closing `#KSUMMA`")
                    .hint("the file is probably truncated; ask for a fresh export"),
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_bytes() {
        let line = br#"#KONTO 1915 "Kassa \"special\"""#;
        let mut toks = Vec::new();
        lexer::tokenize(line, &mut toks);
        let mut out = Vec::new();
        record_bytes(line, &toks, Encoding::Cp437, &mut out);
        assert_eq!(out, br#"#KONTO1915Kassa "special""#);
    }

    #[test]
    fn object_lists_contribute_inner_tokens() {
        let line = br#"#TRANS 1930 {1 "2" 6 "P 1"} -10.00 "" "x y""#;
        let mut toks = Vec::new();
        lexer::tokenize(line, &mut toks);
        let mut out = Vec::new();
        record_bytes(line, &toks, Encoding::Ascii, &mut out);
        assert_eq!(out, b"#TRANS1930126P 1-10.00x y");
    }
}
