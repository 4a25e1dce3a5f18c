//! Shop orders a file withdraws (cancelled in the shop, or of a status `[orders]
//! skip_statuses` names, such as refunded) that an earlier file posted. fortnox-bridge never
//! changes what is in Fortnox, so a person must cancel the order, or credit its invoice, there:
//! the file says so, naming what it was posted as, instead of a quiet "not posted".

use super::{Fatal, Pipeline};
use crate::convert::Withdrawn;
use crate::diagnostic::Diagnostic;

impl Pipeline {
    /// A warning for each withdrawn document that was posted before, at the line that
    /// withdraws it; none for one never posted (not posting it is all there is to do).
    pub(super) fn withdrawn_after_posting(
        &self,
        withdrawn: &[Withdrawn],
    ) -> Result<Vec<Diagnostic>, Fatal> {
        let mut out = Vec::new();
        for w in withdrawn {
            let Some(doc) = self.ledger.posted_under(&w.identity)?.pop() else { continue };
            let from = self
                .ledger
                .file(doc.file_id)?
                .map_or_else(|| "an earlier file".to_owned(), |f| f.name);
            let posted_as = match (&doc.fortnox_series, doc.fortnox_number) {
                (Some(series), Some(number)) => format!("Fortnox {series} {number}"),
                _ => "a Fortnox document".to_owned(),
            };
            out.push(
                Diagnostic::at(
                    w.line,
                    format!("{}, but it was posted before as {posted_as} (from {from})", w.what),
                )
                .hint(
                    "fortnox-bridge does not change what is in Fortnox: cancel the order, or \
                     credit its invoice, in Fortnox",
                ),
            );
        }
        Ok(out)
    }
}
