//! Exactly-once upload of one document.
//!
//! The protocol (architecture, "The lifecycle of one document"): `posting` is written to the
//! ledger before the request goes out; a document that was ever in `posting` is first looked for
//! in Fortnox by its marker, and adopted if found, before anything is sent again. An unknown
//! outcome (timeout, dropped connection, 5xx) is resolved the same way. So a crash or a lost
//! answer at any moment never books a document twice.

mod alike;
pub mod attach;
mod days;
mod sales;

use std::time::Duration;

use chrono::Utc;

use crate::config::{LookAlike, UploadConfig};
use crate::convert::orders::OrderPlan;
use crate::fortnox::model::{Voucher, VoucherEnvelope, VoucherRequest};
use crate::fortnox::{Client, Error};
use crate::ledger::{AttachState, DocRecord, DocState, Ledger, LedgerError};
use crate::preflight::{Failure, Preflight};

pub use days::Days;

/// Where a document ended up after one upload step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Posted,
    Rejected(String),
    Waiting(String),
    /// Never to be posted: a later export cancelled its order (the reason says which).
    Withdrawn(String),
}

/// Longest wait between two retries of one document.
const MAX_RETRY_WAIT: Duration = Duration::from_hours(1);

/// Moves `doc` forward: posts it (or finds it already posted), or records why not. An
/// unnumbered SIE voucher that looks like one from another file is refused unless
/// `look_alike` says to post it (`[sie] look_alike`).
pub async fn upload(
    client: &Client,
    ledger: &Ledger,
    preflight: &mut Preflight,
    days: &mut Days,
    retry: &UploadConfig,
    look_alike: LookAlike,
    doc: &DocRecord,
) -> Result<Outcome, LedgerError> {
    match doc.state {
        DocState::Posted => return Ok(Outcome::Posted),
        DocState::Rejected => {
            return Ok(Outcome::Rejected(doc.error.clone().unwrap_or_default()));
        }
        DocState::Withdrawn => {
            return Ok(Outcome::Withdrawn(doc.error.clone().unwrap_or_default()));
        }
        DocState::Queued | DocState::Posting | DocState::Waiting => {}
    }
    let voucher = match serde_json::from_str::<VoucherEnvelope<VoucherRequest>>(&doc.body) {
        Ok(envelope) => envelope.voucher,
        Err(_) if let Ok(plan) = serde_json::from_str::<OrderPlan>(&doc.body) => {
            return sales::upload(client, ledger, preflight, retry, doc, &plan).await;
        }
        Err(e) => {
            let reason = format!("the stored request body cannot be read: {e}");
            return reject(ledger, doc, reason);
        }
    };
    // The file's company first: the same for every document of a file (Fortnox is asked once),
    // so a file for another company is refused without a search or a lookup per document.
    // One that was sent may be in Fortnox all the same: it is looked for below.
    let source = crate::convert::source_org(&doc.reference);
    if !doc.sent
        && let Ok(Some(reason)) = preflight.company_refusal(client, source).await
    {
        return reject(ledger, doc, reason);
    }
    // Ever sent before? Then it may already be in Fortnox: look before sending again. A
    // Z-report is always looked for: its marker names the report, not its content, so a
    // changed copy of a posted report is found and reported instead of booked twice.
    if doc.sent || content_version(doc).is_some() {
        let older = ledger.older_names(doc.id)?;
        match find(client, preflight, days, doc, &voucher, &older).await {
            Ok(Some(found)) if changed(doc, &voucher, &found, &older) => {
                let reason = format!(
                    "already posted as voucher {} {} with other figures; it is not posted \
                     again (hint: book the difference with a correction voucher in Fortnox; \
                     putting this file back changes nothing)",
                    found.voucher_series, found.voucher_number
                );
                return reject(ledger, doc, reason);
            }
            Ok(Some(found)) => {
                adopt(ledger, doc, &found, "found in Fortnox by its marker")?;
                return Ok(Outcome::Posted);
            }
            Ok(None) => {}
            Err(e) => return wait(ledger, doc, retry, &format!("cannot look for it yet: {e}")),
        }
    }
    let unnumbered = crate::convert::sie::unnumbered_prefix(&doc.reference).is_some();
    let company = if unnumbered && look_alike == LookAlike::Refuse {
        preflight.company_number(client).await
    } else {
        None
    };
    if !doc.sent
        && let Some(reason) = alike::refusal(ledger, doc, &voucher, look_alike, company.as_deref())?
    {
        return reject(ledger, doc, reason);
    }
    let year = match preflight.voucher(client, source, &voucher).await {
        Ok(year) => year,
        Err(Failure::Rejected(reason)) => {
            return reject(ledger, doc, reason);
        }
        Err(Failure::Transient(e)) => return wait(ledger, doc, retry, &e.to_string()),
        Err(Failure::Blocked(reason)) => return wait(ledger, doc, retry, &reason),
    };
    ledger.mark_posting(doc, year)?;
    match client.create_voucher(year, &voucher).await {
        Ok(created) => {
            days.created(year, &voucher, &created);
            adopt(ledger, doc, &created, "created")?;
            Ok(Outcome::Posted)
        }
        Err(e) if e.is_permanent() => {
            let reason = e.to_string();
            reject(ledger, doc, reason)
        }
        Err(e) => {
            // No answer, or a failing server: it may have been booked anyway.
            days.forget(&voucher.voucher_series, year, voucher.transaction_date);
            let after = DocRecord { sent: true, year: Some(year), ..doc.clone() };
            match find(client, preflight, days, &after, &voucher, &[]).await {
                Ok(Some(found)) => {
                    adopt(ledger, doc, &found, "found in Fortnox after the answer was lost")?;
                    Ok(Outcome::Posted)
                }
                _ => wait(ledger, &after, retry, &e.to_string()),
            }
        }
    }
}

/// Looks for the document's marker among that day's vouchers in its series (listed once per
/// pass, see [`Days`]); for a numbered SIE voucher or a Z-report also the markers it has when
/// its file named the company otherwise (no `#ORGNR`, another form of the number): the same
/// document; and the markers of the names older releases gave it (`older`, as registered: a
/// spelling the aliases do not cover, such as a register id with two spaces).
async fn find(
    client: &Client,
    preflight: &mut Preflight,
    days: &mut Days,
    doc: &DocRecord,
    voucher: &VoucherRequest,
    older: &[String],
) -> Result<Option<Voucher>, Error> {
    let date = voucher.transaction_date;
    let year = match doc.year {
        Some(year) => year,
        None => match preflight.year(client, date).await {
            Ok(Some(y)) => y.id,
            Ok(None) | Err(Failure::Rejected(_) | Failure::Blocked(_)) => return Ok(None),
            Err(Failure::Transient(e)) => return Err(e),
        },
    };
    let mut markers = vec![doc.marker.clone()];
    if content_version(doc).is_some() {
        let company = if doc.reference.starts_with("sie:") {
            preflight.company_number(client).await
        } else {
            None
        };
        markers.extend(crate::convert::marker_aliases(&doc.reference, company.as_deref()));
    }
    // A record renamed to this release's name: its old marker. (A numbered voucher's or a
    // Z-report's marker names its identity, an unnumbered voucher's its whole reference.)
    for name in older.iter().filter(|n| n.contains(':')) {
        let identity = name.rsplit_once(':').map_or(name.as_str(), |(identity, _)| identity);
        markers.extend([crate::convert::marker_for(identity), crate::convert::marker_for(name)]);
    }
    days.find(client, &voucher.voucher_series, year, date, &markers).await
}

/// The content version of a document whose marker names only its identity, not its content
/// (Z-reports `zreport:<org>:<register>:<z>:<version>`, numbered SIE vouchers
/// `sie:<org>:<series>:<number>:<date>:<version>`): the last part of the reference.
fn content_version(doc: &DocRecord) -> Option<&str> {
    if doc.marker == crate::convert::marker_for(&doc.reference) {
        return None;
    }
    let identity_only = |r: &str| r.rsplit_once(':').map(|(key, _)| key.to_owned());
    let key = identity_only(&doc.reference)?;
    if crate::convert::marker_for(&key) == doc.marker {
        doc.reference.rsplit(':').next()
    } else {
        None
    }
}

/// True when a found voucher carries the document's marker but another content version. The
/// voucher may carry a version an older release gave the same content: one of the names the
/// ledger registered the document with (`older`), or, for a Z-report registered by a release
/// before those were kept, its figures hashed as the file wrote them (`convert::version`).
/// That is the same document, not a changed one.
fn changed(doc: &DocRecord, voucher: &VoucherRequest, found: &Voucher, older: &[String]) -> bool {
    let Some(version) = content_version(doc) else { return false };
    let comments = found.comments.as_deref().unwrap_or_default();
    let same = crate::convert::carries_version(comments, version)
        || crate::convert::carries_older_version(comments, older)
        || doc.reference.starts_with("zreport:")
            && crate::convert::version::zreport_carried(comments, voucher);
    !same
}

fn adopt(ledger: &Ledger, doc: &DocRecord, v: &Voucher, how: &str) -> Result<(), LedgerError> {
    ledger.mark_posted(doc, &v.voucher_series, v.voucher_number, v.year, how)
}

/// Records the document as rejected (it is not posted; the file goes to failed/).
fn reject(ledger: &Ledger, doc: &DocRecord, reason: String) -> Result<Outcome, LedgerError> {
    ledger.mark_rejected(doc, &reason)?;
    Ok(Outcome::Rejected(reason))
}

/// When a document (or its attachment) that failed `attempts` times before is tried next:
/// `retry_secs` doubling with each attempt, at most an hour; as the ledger stores times.
fn next_try(retry: &UploadConfig, attempts: u32) -> String {
    let delay = retry.retry.saturating_mul(2u32.pow(attempts.min(10))).min(MAX_RETRY_WAIT);
    crate::ledger::stamp(&(Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default()))
}

/// Puts off a document of a file whose bytes cannot be read now (the processing area is on a
/// share that is down): a document still to be posted waits like after a transient failure; a
/// posted one whose file is still to be attached has its attachment wait.
pub fn defer(
    ledger: &Ledger,
    doc: &DocRecord,
    retry: &UploadConfig,
    reason: &str,
) -> Result<(), LedgerError> {
    match doc.state {
        DocState::Rejected | DocState::Withdrawn => Ok(()),
        DocState::Posted => match doc.attach {
            Some(AttachState::Attached | AttachState::Failed) => Ok(()),
            _ => ledger.mark_attach_waiting(doc, reason, &next_try(retry, doc.attach_attempts)),
        },
        _ => wait(ledger, doc, retry, reason).map(|_| ()),
    }
}

fn wait(
    ledger: &Ledger,
    doc: &DocRecord,
    retry: &UploadConfig,
    reason: &str,
) -> Result<Outcome, LedgerError> {
    let next = next_try(retry, doc.attempts);
    ledger.mark_waiting(doc, reason, &next)?;
    let attempts = doc.attempts + 1;
    if attempts >= retry.max_attempts {
        tracing::warn!(
            document = %doc.label,
            attempts,
            "awaiting sync after {attempts} attempts ({reason}); retrying {next}"
        );
    }
    Ok(Outcome::Waiting(reason.to_owned()))
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::convert::{Body, marker_for, version, version_tag};
    use crate::fortnox::model::VoucherRow;

    /// A Z-report's record as the ledger stores it, versioned `version`, and its request read
    /// back from the stored body (as [`upload`] reads it).
    fn stored(voucher: &VoucherRequest, version: &str) -> (DocRecord, VoucherRequest) {
        let body = Body::Voucher(voucher.clone()).to_json().to_string();
        let doc = DocRecord {
            id: 1,
            file_id: 1,
            reference: format!("zreport:5599990005:K:7:{version}"),
            marker: marker_for("zreport:5599990005:K:7"),
            label: "Z-report 7 (K)".to_owned(),
            line: 1,
            body,
            state: DocState::Queued,
            attempts: 0,
            sent: false,
            next_try: None,
            year: None,
            fortnox_series: None,
            fortnox_number: None,
            error: None,
            attach: None,
            attached_file_id: None,
            attach_attempts: 0,
        };
        let read = serde_json::from_str::<VoucherEnvelope<VoucherRequest>>(&doc.body);
        (doc, read.expect("stored body").voucher)
    }

    fn found(doc: &DocRecord, version: &str) -> Voucher {
        let tag = version_tag(version);
        let comments = format!("Z-rapport 7; imported by fortnox-bridge {} {tag}", doc.marker);
        serde_json::from_value(serde_json::json!({
            "VoucherSeries": "F", "VoucherNumber": 1, "Year": 1,
            "Comments": comments, "TransactionDate": "2026-10-31"
        }))
        .expect("voucher")
    }

    #[test]
    fn a_zreport_posted_with_the_version_an_older_release_gave_it_is_not_changed() {
        // Amounts written without decimals (as JavaScript writes 8250.00): an older release
        // hashed `8250`, this one hashes `8250.00`.
        let voucher = VoucherRequest {
            description: "Z-rapport 7 K 2026-10-31".to_owned(),
            comments: None,
            transaction_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
            voucher_series: "F".to_owned(),
            voucher_rows: vec![
                VoucherRow::signed(1580, Decimal::from(8250), None),
                VoucherRow::signed(3002, Decimal::from(-8250), None),
            ],
        };
        let (current, legacy) = (version::zreport(&voucher), version::zreport_as_written(&voucher));
        assert_ne!(current, legacy);
        let (doc, read) = stored(&voucher, &current);
        assert!(!changed(&doc, &read, &found(&doc, &current), &[]));
        assert!(!changed(&doc, &read, &found(&doc, &legacy), &[]), "posted before the upgrade");
        assert!(changed(&doc, &read, &found(&doc, "0123456789abcdef"), &[]), "other figures");
        // A record an older release registered (its reference holds the legacy version), put
        // back and requeued with the new file's body: a voucher posted since is the same too.
        let (doc, read) = stored(&voucher, &legacy);
        assert!(!changed(&doc, &read, &found(&doc, &current), &[]));
        assert!(!changed(&doc, &read, &found(&doc, &legacy), &[]));
        assert!(changed(&doc, &read, &found(&doc, "0123456789abcdef"), &[]));
        // A version one of its older names carries (as the ledger registered them): the same.
        let older = ["0123456789abcdef".to_owned()];
        assert!(!changed(&doc, &read, &found(&doc, "0123456789abcdef"), &older));
    }
}
