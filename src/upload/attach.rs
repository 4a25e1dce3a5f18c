//! Attaching a posted Z-report's original file to its voucher (`[zreport] attach_file`), as
//! bookkeeping law wants the source document kept with the voucher.
//!
//! A second step after the voucher is posted, exactly once like the first:
//! 1. No file id yet: if an upload was ever sent (`uploading`), look for it in the inbox folder
//!    by its name (unique per document: it carries the document's marker). Else write
//!    `uploading`, upload, and record the file id at once. A lost answer is looked for again.
//! 2. With the file id: read its voucher connection; connected to our voucher means done.
//!    Else connect (with `financialyeardate`, the voucher's date). After a lost answer, read
//!    the connection again before anything is sent again.
//!
//! A failure never un-posts the voucher: transient ones (and connection problems waiting for the
//! operator, such as a missing `inbox` scope) are retried; a refusal is recorded as `failed`
//! and shown by `status` and `audit`.

use crate::config::UploadConfig;
use crate::fortnox::archive::VOUCHER_INBOX;
use crate::fortnox::model::{VoucherEnvelope, VoucherRequest};
use crate::fortnox::{Client, Error};
use crate::ledger::{AttachState, DocRecord, Ledger, LedgerError};

/// Where an attachment is after one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// Connected to the voucher (now or before).
    Done,
    /// Refused; the voucher stays posted without its file.
    Failed(String),
    /// Tried again later.
    Waiting(String),
}

/// True when `doc` is a Z-report whose file is to be attached (or whose attachment started).
pub fn wanted(doc: &DocRecord, attach_file: bool) -> bool {
    (attach_file && doc.reference.starts_with("zreport:")) || doc.attach.is_some()
}

/// The name the file gets in Fortnox: unique per document (its marker), so a lost upload can
/// be found again, and still recognisable (the original name).
pub fn upload_name(doc: &DocRecord, original: &str) -> String {
    let tag: String = doc.marker.chars().filter(char::is_ascii_alphanumeric).collect();
    let original: String = original
        .chars()
        .map(|c| if matches!(c, '/' | '\\') || c.is_control() { '_' } else { c })
        .collect();
    format!("{tag}-{original}")
}

/// Moves the attachment of posted document `doc` forward; `original` and `bytes` are its
/// source file.
pub async fn attach(
    client: &Client,
    ledger: &Ledger,
    retry: &UploadConfig,
    doc: &DocRecord,
    original: &str,
    bytes: &[u8],
) -> Result<Attached, LedgerError> {
    match doc.attach {
        Some(AttachState::Attached) => return Ok(Attached::Done),
        Some(AttachState::Failed) => return Ok(Attached::Failed(String::new())),
        Some(AttachState::Uploading | AttachState::Uploaded) | None => {}
    }
    let (Some(series), Some(number)) = (doc.fortnox_series.as_deref(), doc.fortnox_number) else {
        let reason = "the ledger holds no voucher number for it".to_owned();
        ledger.mark_attach_failed(doc, &reason)?;
        return Ok(Attached::Failed(reason));
    };
    let date = match serde_json::from_str::<VoucherEnvelope<VoucherRequest>>(&doc.body) {
        Ok(envelope) => envelope.voucher.transaction_date,
        Err(e) => {
            let reason = format!("the stored voucher cannot be read: {e}");
            ledger.mark_attach_failed(doc, &reason)?;
            return Ok(Attached::Failed(reason));
        }
    };
    let name = upload_name(doc, original);
    let file_id = match doc.attached_file_id.clone() {
        Some(id) => id,
        None => match upload(client, ledger, doc, &name, bytes).await? {
            Ok(id) => id,
            Err(e) => return settle(ledger, retry, doc, &e, "uploading the file"),
        },
    };
    let voucher = format!("{series} {number}");
    let ours = |c: &crate::fortnox::archive::VoucherFileConnection| {
        c.voucher_series.eq_ignore_ascii_case(series)
            && c.voucher_number.trim().parse::<u64>().ok() == Some(number)
    };
    match client.voucher_file_connection(&file_id).await {
        Ok(Some(c)) if ours(&c) => {
            ledger.mark_attached(doc, &file_id, "found connected")?;
            return Ok(Attached::Done);
        }
        Ok(Some(c)) => {
            let reason = format!(
                "file {file_id} is connected to voucher {} {} in Fortnox, not to {voucher} \
                 (hint: check the voucher's attachments in Fortnox)",
                c.voucher_series, c.voucher_number
            );
            ledger.mark_attach_failed(doc, &reason)?;
            return Ok(Attached::Failed(reason));
        }
        Ok(None) => {}
        Err(e) => return settle(ledger, retry, doc, &e, "reading the file connection"),
    }
    match client.connect_file_to_voucher(&file_id, series, number, date).await {
        Ok(_) => {
            ledger.mark_attached(doc, &file_id, "connected")?;
            Ok(Attached::Done)
        }
        Err(e) if e.outcome_unknown() => match client.voucher_file_connection(&file_id).await {
            Ok(Some(c)) if ours(&c) => {
                ledger.mark_attached(doc, &file_id, "found connected after the answer was lost")?;
                Ok(Attached::Done)
            }
            _ => settle(ledger, retry, doc, &e, "connecting the file"),
        },
        Err(e) => settle(ledger, retry, doc, &e, "connecting the file"),
    }
}

/// The file id of the uploaded source file: found from an earlier try, or uploaded now.
async fn upload(
    client: &Client,
    ledger: &Ledger,
    doc: &DocRecord,
    name: &str,
    bytes: &[u8],
) -> Result<Result<String, Error>, LedgerError> {
    if doc.attach == Some(AttachState::Uploading) {
        match client.inbox_file_named(VOUCHER_INBOX, name).await {
            Ok(Some(found)) => {
                ledger.mark_attach_uploaded(doc, &found.id, "found in the Fortnox inbox")?;
                return Ok(Ok(found.id));
            }
            Ok(None) => {}
            Err(e) => return Ok(Err(e)),
        }
    }
    ledger.mark_attach_uploading(doc, name)?;
    let e = match client.upload_to_inbox(VOUCHER_INBOX, name, bytes).await {
        Ok(file) => {
            ledger.mark_attach_uploaded(doc, &file.id, "uploaded")?;
            return Ok(Ok(file.id));
        }
        Err(e) => e,
    };
    if e.outcome_unknown()
        && let Ok(Some(found)) = client.inbox_file_named(VOUCHER_INBOX, name).await
    {
        let how = "found in the Fortnox inbox after the answer was lost";
        ledger.mark_attach_uploaded(doc, &found.id, how)?;
        return Ok(Ok(found.id));
    }
    Ok(Err(e))
}

/// Records a failed step: a refusal is final, anything else is tried again later.
fn settle(
    ledger: &Ledger,
    retry: &UploadConfig,
    doc: &DocRecord,
    e: &Error,
    step: &str,
) -> Result<Attached, LedgerError> {
    let mut reason = format!("attaching the source file ({step}): {e}");
    if e.needs_operator() {
        reason.push_str(
            " (hint: [zreport] attach_file needs the `inbox` scope; run `fortnox-bridge connect` \
             again; the voucher is posted and the file is attached once this is fixed)",
        );
    }
    if e.is_permanent() {
        ledger.mark_attach_failed(doc, &reason)?;
        return Ok(Attached::Failed(reason));
    }
    let next = super::next_try(retry, doc.attach_attempts);
    ledger.mark_attach_waiting(doc, &reason, &next)?;
    Ok(Attached::Waiting(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::DocState;

    fn doc(reference: &str, attach: Option<AttachState>) -> DocRecord {
        DocRecord {
            id: 1,
            file_id: 1,
            reference: reference.to_owned(),
            marker: "[fb:0123456789abcdef]".to_owned(),
            label: "Z".to_owned(),
            line: 1,
            body: String::new(),
            state: DocState::Posted,
            attempts: 0,
            sent: true,
            next_try: None,
            year: Some(1),
            fortnox_series: Some("F".to_owned()),
            fortnox_number: Some(1),
            error: None,
            attach,
            attached_file_id: None,
            attach_attempts: 0,
        }
    }

    #[test]
    fn only_zreports_are_attached_unless_one_started() {
        assert!(wanted(&doc("zreport:556:K1:1042:abc", None), true));
        assert!(!wanted(&doc("zreport:556:K1:1042:abc", None), false));
        assert!(!wanted(&doc("sie:A:1:2026-10-01:abc", None), true));
        assert!(wanted(&doc("zreport:556:K1:1042:abc", Some(AttachState::Uploaded)), false));
    }

    #[test]
    fn upload_names_are_unique_per_document_and_keep_the_original() {
        let d = doc("zreport:x", None);
        assert_eq!(upload_name(&d, "z/1042.json"), "fb0123456789abcdef-z_1042.json");
    }
}
