//! Changed copies of a document that is not posted yet. A SIE voucher (by series, number and
//! date), a Z-report (by register and Z number) or a shop order (by order id) sent again with
//! other content (an accountant's corrected re-export, a report re-sent by the till, an order
//! edited in the shop) while the other copy still waits (Fortnox down, a nightly or manual
//! sync): the copy written later is the one meant, so the other is withdrawn, never posted,
//! and a person is told. Were both left to wait, whichever copy of each voucher was tried
//! first would be posted, and a file's vouchers could end in Fortnox half from one copy and
//! half from the other. Which was written later is told by the files' modification times, not
//! by the order they were taken in (files dropped together are taken by name).
//!
//! A copy that was sent already (its outcome not known yet) is not withdrawn: the other copy
//! then finds it in Fortnox by its marker, if it is there, and is refused as changed, as it is
//! when a copy was posted before; so are copies written at the same moment. An unnumbered SIE
//! voucher is known by its content alone and has no other copies.

use super::{Fatal, Pipeline};
use crate::convert::sie::unnumbered_prefix;
use crate::diagnostic::Diagnostic;
use crate::ledger::{DocRecord, DocState, FileRecord};
use crate::notify;

impl Pipeline {
    /// For each document `file` registered (`registered`) with a versioned identity, settles
    /// which copy is meant when another copy with other content waits, never sent: the one of
    /// the file written later (by its modification time; always the whole over a part of this
    /// very file read before). The other is withdrawn, the file that keeps its copy gets a
    /// warning, and a person is told (`document_replaced`). Copies written at the same moment
    /// are left as they were: the first posted stays, the other is refused as changed.
    pub(super) async fn supersede_earlier(
        &self,
        file: &FileRecord,
        registered: &[DocRecord],
    ) -> Result<Vec<Diagnostic>, Fatal> {
        let mut warnings = Vec::new();
        for doc in registered.iter().filter(|d| d.file_id == file.id) {
            let Some(identity) = versioned_identity(&doc.reference) else { continue };
            for other in self.ledger.documents_under(identity)? {
                let open = matches!(other.state, DocState::Queued | DocState::Waiting);
                let this_pass = registered.iter().any(|d| d.id == other.id);
                if this_pass || other.sent || !open {
                    continue;
                }
                let other_file = self.ledger.file(other.file_id)?;
                let other_name = other_file.as_ref().map_or("an earlier file", |f| f.name.as_str());
                let newer = if other.file_id == file.id {
                    Some(true)
                } else {
                    other_file.as_ref().and_then(|o| written_later(file, o))
                };
                let Some(this_kept) = newer else { continue };
                let (kept, dropped, kept_file, dropped_file) = if this_kept {
                    (doc, &other, file.name.as_str(), other_name)
                } else {
                    (&other, doc, other_name, file.name.as_str())
                };
                let reason = format!(
                    "{} is replaced by a changed copy written later ({kept_file}): withdrawn, \
                     not posted",
                    dropped.label
                );
                if !self.ledger.withdraw(dropped, &reason)? {
                    continue;
                }
                let said = if other.file_id == file.id {
                    format!("{} was read again whole; the part first read is withdrawn", doc.label)
                } else if this_kept {
                    format!(
                        "{} replaces its copy from {dropped_file}, written earlier with other \
                         content and not posted yet (that copy is withdrawn)",
                        doc.label
                    )
                } else {
                    format!(
                        "{} is not posted from this file: {kept_file}, written later, has a \
                         changed copy of it, which is posted instead",
                        doc.label
                    )
                };
                warnings.push(Diagnostic::at(doc.line, said));
                if other.file_id != file.id {
                    self.tell_replaced(&kept.label, kept_file, dropped_file).await;
                }
            }
        }
        Ok(warnings)
    }

    /// The notification for a copy replaced by a later one: a person checks that the later
    /// copy is the one meant (two programs writing the same voucher number look the same).
    async fn tell_replaced(&self, label: &str, kept: &str, dropped: &str) {
        let event = notify::Event {
            event: "document_replaced".to_owned(),
            summary: format!(
                "{label}: the copy in {kept}, written later, is posted; the one in {dropped} \
                 had other content and is withdrawn (hint: if both were meant, give them \
                 their own numbers in the program that wrote them)"
            ),
            document: Some(label.to_owned()),
            file: Some(kept.to_owned()),
            ..notify::Event::default()
        };
        notify::send(&self.config.notify, &event).await;
    }
}

/// Whether `file` was written after `other` (their files' modification times): `None` when
/// either cannot be told or they are the same.
fn written_later(file: &FileRecord, other: &FileRecord) -> Option<bool> {
    let modified =
        |f: &FileRecord| std::fs::metadata(&f.processing_path).and_then(|m| m.modified()).ok();
    let (mine, theirs) = (modified(file)?, modified(other)?);
    (mine != theirs).then_some(mine > theirs)
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
