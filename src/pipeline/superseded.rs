//! Changed copies of a document that is not posted yet. A SIE voucher (by series, number and
//! date), a Z-report (by register and Z number) or a shop order (by order id) sent again with
//! other figures (an accountant's corrected re-export, a report re-sent by the till, an order
//! edited in the shop) while the earlier copy still waits (Fortnox down, a nightly or manual
//! sync): the later copy is the one meant, so the earlier one is withdrawn, never posted. Were
//! both left to wait, whichever copy of each voucher was tried first would be posted, and a
//! file's vouchers could end in Fortnox half from one copy and half from the other.
//!
//! A copy that was sent already (its outcome not known yet) is not withdrawn: the later copy
//! then finds it in Fortnox by its marker, if it is there, and is refused as changed, as it is
//! when the earlier copy was posted before. An unnumbered SIE voucher is known by its content
//! alone and has no other copies.

use super::{Fatal, Pipeline};
use crate::convert::sie::unnumbered_prefix;
use crate::diagnostic::Diagnostic;
use crate::ledger::{DocRecord, DocState, FileRecord};

impl Pipeline {
    /// Withdraws the waiting, never sent copies (of other files) of the documents `file`
    /// registered (`registered`) that have other figures; one warning for each document of
    /// `file` that replaced one.
    pub(super) fn supersede_earlier(
        &self,
        file: &FileRecord,
        registered: &[DocRecord],
    ) -> Result<Vec<Diagnostic>, Fatal> {
        let mut warnings = Vec::new();
        for doc in registered.iter().filter(|d| d.file_id == file.id) {
            let Some(identity) = versioned_identity(&doc.reference) else { continue };
            let mut replaced = Vec::new();
            for earlier in self.ledger.documents_under(identity)? {
                let open = matches!(earlier.state, DocState::Queued | DocState::Waiting);
                if earlier.file_id == file.id || earlier.id == doc.id || earlier.sent || !open {
                    continue;
                }
                let reason = format!(
                    "{} is replaced by a copy with other figures ({}:{}): withdrawn, not posted",
                    earlier.label, file.name, doc.line
                );
                if self.ledger.withdraw(&earlier, &reason)? {
                    let from = self.ledger.file(earlier.file_id)?.map(|f| f.name);
                    replaced.push(from.unwrap_or_else(|| "an earlier file".to_owned()));
                }
            }
            if !replaced.is_empty() {
                warnings.push(Diagnostic::at(
                    doc.line,
                    format!(
                        "{} replaces its copy from {}, which had other figures and was not \
                         posted yet (that copy is withdrawn)",
                        doc.label,
                        replaced.join(", ")
                    ),
                ));
            }
        }
        Ok(warnings)
    }
}

/// The identity under which a document has versions (its reference without the version at
/// its end): numbered SIE vouchers, Z-reports and shop orders; `None` for an unnumbered SIE
/// voucher (its content is its identity).
fn versioned_identity(reference: &str) -> Option<&str> {
    let versioned = ["sie:", "zreport:", "order:"].iter().any(|p| reference.starts_with(p));
    if !versioned || unnumbered_prefix(reference).is_some() {
        return None;
    }
    reference.rsplit_once(':').map(|(identity, _)| identity)
}

#[cfg(test)]
mod tests {
    use super::versioned_identity;

    #[test]
    fn only_documents_known_by_more_than_their_content_have_versions() {
        let cases = [
            (
                "sie:5599990005:K:1041:2026-10-30:a51871414dc90abd",
                Some("sie:5599990005:K:1041:2026-10-30"),
            ),
            (
                "zreport:5599990005:KASSA1:1042:0123456789abcdef",
                Some("zreport:5599990005:KASSA1:1042"),
            ),
            ("order:W-1002:0123456789abcdef", Some("order:W-1002")),
            ("order:A:B:0123456789abcdef", Some("order:A:B")),
            ("sie:5599990005:K::2026-10-30:a51871414dc90abd", None),
            ("sie:5599990005:K::2026-10-30:a51871414dc90abd:2", None),
            ("something:else:1", None),
        ];
        for (reference, identity) in cases {
            assert_eq!(versioned_identity(reference), identity, "{reference}");
        }
    }
}
