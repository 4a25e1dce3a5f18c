//! The names of a SIE voucher: its reference (`sie:{company}:{series}:{number}:{date}:
//! {version}`), the version older releases gave it, and the other names its company may have
//! had in a reference (no `#ORGNR`, 10 or 12 digits), for finding it posted before.

use sha2::{Digest, Sha256};

use super::super::marker_for;
use crate::fortnox::model::VoucherRow;
use crate::parse::sie::{self, Ver};

/// `sie:{company}:{series}::{date}:` when `reference` is an unnumbered SIE voucher's
/// (`sie:{company}:{series}::{date}:{version}[:n]`): the references of that company's
/// unnumbered vouchers of that day in that series start with it. Such a voucher is known by
/// its content alone, so a corrected re-export of it is a new reference.
pub fn unnumbered_prefix(reference: &str) -> Option<&str> {
    let (slot, numbered) = slot(reference)?;
    (!numbered).then_some(slot)
}

/// `sie:{company}:{series}:{number}:{date}:` of a SIE voucher's reference, and whether it has
/// a number.
fn slot(reference: &str) -> Option<(&str, bool)> {
    let rest = reference.strip_prefix("sie:")?;
    let parts: Vec<&str> = rest.split(':').collect();
    let date =
        parts.iter().rposition(|p| p.len() == 10 && p.parse::<chrono::NaiveDate>().is_ok())?;
    if date < 3 {
        return None;
    }
    let len = "sie:".len() + parts[..=date].iter().map(|p| p.len() + 1).sum::<usize>();
    Some((reference.get(..len)?, !parts[date - 1].is_empty()))
}

/// The same voucher slot (`sie:{company}:{series}:{number}:{date}:`) under the other names a
/// company may have in a reference: none (a file without `#ORGNR`), its ten digits, and its
/// 12-digit forms. A bridge posts into one Fortnox company, so a voucher of one slot from files
/// that named the company otherwise is one voucher. `company` is the connected company's number,
/// for a slot that names none.
pub fn slot_aliases(slot: &str, company: Option<&str>) -> Vec<String> {
    let Some((own, tail)) = slot.strip_prefix("sie:").and_then(|rest| rest.split_once(':')) else {
        return Vec::new();
    };
    let ten = crate::org_number::key(own).or_else(|| company.and_then(crate::org_number::key));
    let mut names = vec![String::new()];
    if let Some(ten) = ten {
        names.extend(crate::org_number::digit_forms(&ten));
    }
    names.retain(|name| name != own);
    names.into_iter().map(|name| format!("sie:{name}:{tail}")).collect()
}

/// The markers a numbered SIE voucher of `reference` carries in Fortnox when it was posted
/// from a file that named its company otherwise (see [`slot_aliases`]).
pub fn marker_aliases(reference: &str, company: Option<&str>) -> Vec<String> {
    let Some((slot, true)) = slot(reference) else { return Vec::new() };
    slot_aliases(slot, company)
        .iter()
        .map(|alias| marker_for(alias.trim_end_matches(':')))
        .collect()
}

/// The business identity of a voucher: company, SIE series and number, date, and the content
/// version: a hash of the text and of everything each row books (account, amount, cost centre,
/// project, quantity, row text), so a copy of the same export is recognised and a changed
/// voucher is not. Also the version releases before gave it, when that differs: they hashed
/// only account and amount, which is the same input for rows without the rest.
pub(super) fn identity(
    ver: &Ver,
    company: &str,
    rows: &[VoucherRow],
    latin1: bool,
) -> (String, String, Option<String>) {
    let mut hash = Sha256::new();
    hash.update(ver.text.trim().as_bytes());
    for r in rows {
        hash.update(format!("|{}|{}|{}", r.account, r.debit, r.credit).as_bytes());
        let text = r.transaction_information.as_deref();
        let quantity = r.quantity.map(|q| q.normalize());
        if r.cost_center.is_some() || r.project.is_some() || quantity.is_some() || text.is_some() {
            let [c, p, t] = [r.cost_center.as_deref(), r.project.as_deref(), text]
                .map(Option::unwrap_or_default);
            let q = quantity.map(|q| q.to_string()).unwrap_or_default();
            hash.update(format!("|c={c}|p={p}|q={q}|t={t}").as_bytes());
        }
    }
    let version = hex::encode(hash.finalize())[..16].to_owned();
    // Releases before read a Latin-1 file's 0x80-0x9F as control codes.
    let before = if latin1 {
        amounts_version(&sie::latin1_as_before(ver.text.trim()), rows)
    } else {
        amounts_version(ver.text.trim(), rows)
    };
    let key = format!("sie:{company}:{}:{}:{}", ver.series, ver.number, ver.date);
    let legacy = (before != version).then_some(before);
    (key, version, legacy)
}

/// The content version releases before this one gave a voucher of text `text` (trimmed) and
/// these rows: the text and each row's account and amount only.
pub fn amounts_version(text: &str, rows: &[VoucherRow]) -> String {
    let mut hash = Sha256::new();
    hash.update(text.as_bytes());
    for r in rows {
        hash.update(format!("|{}|{}|{}", r.account, r.debit, r.credit).as_bytes());
    }
    hex::encode(hash.finalize())[..16].to_owned()
}
