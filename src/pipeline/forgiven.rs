//! Errors of checks releases before did not make (a Shopify order in Sweden whose `Taxes` is 0,
//! a Z-report line with another rate's VAT), for a document a release before posted already:
//! told as warnings that ask a person to look (notified once), so that an overlapping export
//! is not refused whole, and the new documents in it held back, for a document that is in
//! Fortnox and not posted again.

use super::{Fatal, Pipeline};
use crate::convert::Conversion;
use crate::org_number::key;

impl Pipeline {
    /// Moves the errors naming a document the ledger holds as posted to the warnings.
    pub(super) fn forgive_posted(&self, conversion: &mut Conversion) -> Result<(), Fatal> {
        let mut kept = Vec::new();
        for mut error in std::mem::take(&mut conversion.errors) {
            let Some(identity) = error.identity.clone() else {
                kept.push(error);
                continue;
            };
            match self.ledger.posted_under(&names(&identity))? {
                Some(posted) => {
                    let from = self
                        .ledger
                        .file(posted.file_id)?
                        .map_or_else(|| "an earlier file".to_owned(), |f| f.name);
                    error.message = format!(
                        "{}; {} was posted before (from {from}) and is not posted again",
                        error.message, posted.label
                    );
                    error.identity = None;
                    // A person looks at it: the posted one may carry the same mistake, or
                    // this be a changed copy of it.
                    error.action = true;
                    conversion.warnings.push(error);
                }
                None => kept.push(error),
            }
        }
        conversion.errors = kept;
        Ok(())
    }
}

/// The identities a document may be registered under: a Z-report's company in each digit form
/// and its register id as releases before wrote it.
fn names(identity: &str) -> Vec<String> {
    let parts: Option<(&str, &str, &str)> = identity
        .strip_prefix("zreport:")
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(org, rest)| rest.rsplit_once(':').map(|(register, z)| (org, register, z)));
    let Some((org, register, z)) = parts else { return vec![identity.to_owned()] };
    match key(org) {
        Some(ten) => crate::convert::zreport::names(&ten, register, z),
        None => vec![identity.to_owned()],
    }
}
