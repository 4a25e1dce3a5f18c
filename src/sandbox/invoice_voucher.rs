//! The voucher a bookkept customer invoice becomes: receivables debit `Total`; revenue
//! accounts, output VAT and the öre rounding credit (sides swap for negative amounts).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::documents;
use super::errors::{ApiError, code};
use super::sales::{self, Doc};
use super::vouchers::{Draft, VoucherRow};

/// Receivables account debited when an invoice is bookkept.
pub const RECEIVABLES_ACCOUNT: i64 = 1510;
/// Rounding account for `RoundOff`.
pub const ROUNDING_ACCOUNT: i64 = 3740;
/// Series that bookkept customer invoices go to.
pub const INVOICE_SERIES: &str = "B";

fn row(account: i64, amount: Decimal, as_debit: bool) -> VoucherRow {
    let amount = if as_debit { amount } else { -amount };
    let (debit, credit) =
        if amount.is_sign_negative() { (Decimal::ZERO, -amount) } else { (amount, Decimal::ZERO) };
    let two = |mut d: Decimal| {
        d.rescale(2);
        d
    };
    VoucherRow {
        account,
        cost_center: None,
        credit: two(credit),
        debit: two(debit),
        description: None,
        project: None,
        quantity: None,
        removed: false,
        transaction_information: None,
    }
}

/// The voucher draft for invoice `number` dated `date`.
pub fn draft(doc: &Map<String, Value>, number: &str, date: NaiveDate) -> Result<Draft, ApiError> {
    let amounts = sales::amounts(doc, Doc::Invoice)?;
    let mut rows = vec![row(RECEIVABLES_ACCOUNT, amounts.total, true)];
    rows.extend(amounts.net_by_account.iter().map(|(a, v)| row(*a, *v, false)));
    rows.extend(amounts.vat_by_account.iter().map(|(a, v)| row(*a, *v, false)));
    if !amounts.round_off.is_zero() {
        rows.push(row(ROUNDING_ACCOUNT, amounts.round_off, false));
    }
    rows.retain(|r| !(r.debit.is_zero() && r.credit.is_zero()));
    if rows.len() < 2 {
        return Err(ApiError::bad(code::INVALID_STATE, "Fakturan har inget belopp att bokföra."));
    }
    let mut description =
        format!("Kundfaktura {number} - {}", documents::text(doc, "CustomerName"));
    description = description.chars().take(200).collect();
    let draft = Draft {
        description,
        transaction_date: date,
        series: INVOICE_SERIES.to_owned(),
        comments: None,
        cost_center: None,
        project: None,
        rows,
        reference_number: Some(number.to_owned()),
        reference_type: "INVOICE".to_owned(),
    };
    Ok(draft)
}
