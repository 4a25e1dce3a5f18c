//! Documents that look like one posted from another file without being it by name, refused
//! rather than booked beside it: an unnumbered SIE voucher with another file's voucher's date,
//! series and text (`[sie] look_alike`), and a Z-report of a register whose id another file
//! wrote in other capitals.

use crate::config::LookAlike;
use crate::fortnox::model::{VoucherEnvelope, VoucherRequest};
use crate::ledger::{DocRecord, DocState, Ledger, LedgerError};

/// Why `doc` (not sent yet) is not posted, or `None` when nothing looks like it.
pub(super) fn refusal(
    ledger: &Ledger,
    doc: &DocRecord,
    voucher: &VoucherRequest,
    look_alike: LookAlike,
    company: Option<&str>,
) -> Result<Option<String>, LedgerError> {
    if doc.reference.starts_with("zreport:") {
        return register_in_other_capitals(ledger, doc);
    }
    let Some(alike) = unnumbered(ledger, doc, voucher, company)? else { return Ok(None) };
    Ok(match look_alike {
        LookAlike::Refuse => Some(format!(
            "{alike}; a voucher without a number is known only by its rows, so this one would \
             be booked beside it (hint: if this file corrects the earlier one, book the \
             difference with a correction voucher in Fortnox and leave this file in failed/; if \
             it is another booking, give it a text of its own or a voucher number in the \
             program that wrote it, then put the file back; where every such file is another \
             booking by design (two registers' day closings), [sie] look_alike = \"post\" \
             posts them, and corrected copies too)"
        )),
        LookAlike::Post => {
            tracing::warn!(document = %doc.label, "posted beside a look-alike, as [sie] look_alike = \"post\" says: {alike}");
            None
        }
    })
}

/// What an earlier record is: posted (as which voucher) or on its way, and from which file.
fn earlier(other: &DocRecord, file: &str) -> String {
    match (other.state, &other.fortnox_series, other.fortnox_number) {
        (DocState::Posted, Some(series), Some(number)) => {
            format!("was posted from {file} as voucher {series} {number}")
        }
        _ => format!("is registered from {file} and not posted yet"),
    }
}

/// Why a Z-report is not posted: another file's report of the same company and Z number is of
/// a register whose id differs from this one's in capitals only (`KassaBar`, `kassabar`). A
/// register renamed so in the till is the same register; its reports are known by the id as
/// written, so the same day would otherwise be booked twice (the common forms, all capitals,
/// all small and capitalised, are older names of the report and found as the same one).
fn register_in_other_capitals(
    ledger: &Ledger,
    doc: &DocRecord,
) -> Result<Option<String>, LedgerError> {
    let Some((org, register, z)) = crate::ledger::zreport_parts(&doc.reference) else {
        return Ok(None);
    };
    let folded = register.to_lowercase();
    // The company's reports of this Z number only (`LIKE` ignores capitals, as wanted here).
    let this_z = format!("zreport:{org}:%:{z}:%");
    for (other, file) in ledger.references_from(doc, &format!("zreport:{org}:"), &this_z)? {
        let Some((_, theirs, their_z)) = crate::ledger::zreport_parts(&other.reference) else {
            continue;
        };
        if their_z != z || theirs == register || theirs.to_lowercase() != folded {
            continue;
        }
        let earlier = earlier(&other, &file);
        return Ok(Some(format!(
            "Z {z} of register `{theirs}` {earlier}; `{register}` is the same register id in \
             other capitals, so this report is not posted (hint: a register renamed in the till \
             is the same register: if this is that day again, nothing is missing; if these are \
             two registers, give them ids that differ in more than capitals, then put the file \
             back)"
        )));
    }
    Ok(None)
}

/// What an unnumbered SIE voucher looks like: a voucher of another file with its date, series
/// and text. Such a voucher is known by its content alone, so a corrected re-export of a posted
/// day would otherwise be booked beside the original, the day twice. Files that name the
/// company otherwise (or not at all) are looked at alike; `company` is the connected one's.
fn unnumbered(
    ledger: &Ledger,
    doc: &DocRecord,
    voucher: &VoucherRequest,
    company: Option<&str>,
) -> Result<Option<String>, LedgerError> {
    let Some(prefix) = crate::convert::sie::unnumbered_prefix(&doc.reference) else {
        return Ok(None);
    };
    let text = voucher.description.trim();
    if text.is_empty() || text == doc.label {
        // No text of its own (the description is the voucher's name): nothing to go by.
        return Ok(None);
    }
    let date = voucher.transaction_date;
    let mut others = ledger.references_from(doc, prefix, "%")?;
    for alias in crate::convert::sie::slot_aliases(prefix, company) {
        others.extend(ledger.references_from(doc, &alias, "%")?);
    }
    for (other, file) in others {
        let Ok(envelope) = serde_json::from_str::<VoucherEnvelope<VoucherRequest>>(&other.body)
        else {
            continue;
        };
        // Texts compared as releases before read Latin-1 files (`–` was a control code then).
        let as_before = crate::parse::sie::latin1_as_before;
        let same = as_before(envelope.voucher.description.trim()) == as_before(text)
            && envelope.voucher.voucher_series.eq_ignore_ascii_case(&voucher.voucher_series);
        if !same {
            continue;
        }
        let earlier = earlier(&other, &file);
        return Ok(Some(format!("a voucher of {date} with the text `{text}` {earlier}")));
    }
    Ok(None)
}
