//! Content versions: 16 hex digits of a hash of what a document books (a Z-report's voucher) or
//! sends (a shop order), so a copy of a posted document is recognised and a changed one is
//! refused. The version is the last part of the document's reference (the ledger's key) and
//! rides in its Fortnox comments as `v:<version>` ([`super::version_tag`]).
//!
//! The hash is of figures, not of how a file writes them: `8250.0`, `8250.00` and `8250` are one
//! amount, as they are in a SIE voucher (whose rows are normalised before they are hashed). So
//! a report re-serialised by another JSON library, or an order exported with `39,2` instead of
//! `39,20`, is the same document.
//!
//! Backward compatibility: releases before this one hashed the figures as the file wrote them,
//! and those versions are in existing ledgers and in the comments of vouchers, orders and
//! invoices already in Fortnox. The formula is chosen to give the same version in the common
//! case: amounts of money are hashed with two decimals ([`money`]), quantities and VAT rates
//! without trailing zeros ([`plain`]), which is how nearly every file writes them, so their hash
//! input is unchanged. Where a file writes them otherwise (`8250`, `8250.0`, a quantity `1,00`)
//! the version the older release gave the same bytes ([`zreport_as_written`],
//! [`order_as_written`]) is accepted as well: the ledger finds a document registered under it
//! (`Document::legacy_reference`), and the upload takes a Fortnox document carrying it as this
//! one. A file that was re-formatted *and* written otherwise than at two decimals before the
//! upgrade is the one case that is still refused as changed: its old version cannot be told
//! from the new bytes.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::orders::OrderPlan;
use super::orders::shipping::MovedFreight;
use crate::fortnox::model::VoucherRequest;
use crate::fortnox::model_documents::SalesDocument;

/// An amount of money as versions hash it: two decimals, more only when it has more
/// (`8250`, `8250.0`, `8250.00` → `8250.00`; `0.125` stays).
pub(crate) fn money(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// A quantity or a rate as versions hash it: without trailing zeros (`1.00` → `1`).
pub(crate) fn plain(d: Decimal) -> Decimal {
    d.normalize()
}

/// The content version of a Z-report's voucher (before its comments are set): its text, date,
/// series and rows. The side of a row that books nothing is hashed as `0`, as
/// [`crate::fortnox::model::VoucherRow::signed`] writes it (and so the older release hashed it).
pub fn zreport(v: &VoucherRequest) -> String {
    voucher_hash(v, |d| if d.is_zero() { Decimal::ZERO } else { money(d) })
}

/// The version a release before [`zreport`]'s formula gave the voucher: its amounts hashed as
/// the file wrote them. Equal to [`zreport`] when every amount has two decimals.
pub fn zreport_as_written(v: &VoucherRequest) -> String {
    voucher_hash(v, |d| d)
}

fn voucher_hash(v: &VoucherRequest, amount: impl Fn(Decimal) -> Decimal) -> String {
    let mut hash = Sha256::new();
    hash.update(format!("{}|{}|{}", v.description, v.transaction_date, v.voucher_series));
    for r in &v.voucher_rows {
        hash.update(format!("|{}|{}|{}", r.account, amount(r.debit), amount(r.credit)));
    }
    hex::encode(hash.finalize())[..16].to_owned()
}

/// True when the comments of a Fortnox voucher carry the content version of `v` (a Z-report's
/// voucher), or the one an older release gave the same figures ([`zreport_as_written`]).
pub fn zreport_carried(comments: &str, v: &VoucherRequest) -> bool {
    super::carries_version(comments, &zreport(v))
        || super::carries_version(comments, &zreport_as_written(v))
}

/// The content version of an order: what the shop says (customer, dates, rows, prices,
/// freight), not how this configuration books it, so an overlapping export read after a
/// configuration change is still recognised as the same order. Prices, freight and amount
/// discounts are hashed as [`money`], quantities, VAT rates and percent discounts as [`plain`];
/// the customer's organisation number in its one form (`559900-0037`), however the export
/// spells it.
pub fn order(plan: &OrderPlan) -> String {
    let org = plan.customer.organisation_number.as_deref();
    let one_form = org.and_then(crate::org_number::canonical);
    order_hash(plan, normalised(plan).as_ref(), one_form.as_deref().or(org))
}

/// The version the release before [`order`] took the organisation number in one form gave the
/// order: figures normalised, the number as the export spells it.
pub fn order_org_as_written(plan: &OrderPlan) -> String {
    order_hash(plan, normalised(plan).as_ref(), plan.customer.organisation_number.as_deref())
}

/// The versions older releases gave the order had an earlier export spelled the customer's
/// number otherwise (`5599000037`, `559900-0037`, `16559900-0037`, ...): figures normalised
/// and as written, for each spelling. Empty without a well-formed number.
pub fn order_other_spellings(plan: &OrderPlan) -> Vec<String> {
    let org = plan.customer.organisation_number.as_deref().unwrap_or_default();
    let normalised = normalised(plan);
    let mut versions = Vec::new();
    for spelling in crate::org_number::spellings(org) {
        for document in [normalised.as_ref(), plan.document()] {
            let version = order_hash(plan, document, Some(&spelling));
            if !versions.contains(&version) {
                versions.push(version);
            }
        }
    }
    versions
}

/// The versions older releases gave the order (see [`order_org_as_written`],
/// [`order_as_written`], [`order_other_spellings`]), and, when this release sends as a row
/// shipping they sent in `Freight` (`moved`, see [`MovedFreight`]), each of those of the
/// order as they sent it: an order they posted is still the same order.
pub fn order_older(plan: &OrderPlan, moved: Option<MovedFreight>) -> Vec<String> {
    let older = |plan: &OrderPlan| {
        let mut versions = vec![order_org_as_written(plan), order_as_written(plan)];
        versions.extend(order_other_spellings(plan));
        versions
    };
    let mut versions = older(plan);
    if let Some(moved) = moved {
        let mut before = plan.clone();
        if let Some(document) = before.document_mut() {
            document.freight = Some(moved.freight);
            for rows in [&mut document.order_rows, &mut document.invoice_rows] {
                if let Some(rows) = rows.as_mut() {
                    rows.truncate(rows.len().saturating_sub(moved.rows));
                }
            }
        }
        versions.push(order(&before));
        versions.extend(older(&before));
    }
    versions
}

/// The order as the release before this one sent a Shopify order whose VAT this one reads
/// otherwise (see [`order_older`] for the names it takes): one whose `Taxes` was 0 had its
/// rows, all at 0 % now, at `[orders] vat_rate` (gift cards, on `gift_cards`, at none), and a
/// shipping row (on `shipping`) was at `[orders] shipping_vat`, not the order's rate. None
/// that would be the order as it is.
pub fn shopify_vat_before(
    plan: &OrderPlan,
    vat_rate: Decimal,
    (shipping, shipping_vat): (u32, Decimal),
    gift_cards: u32,
) -> Vec<OrderPlan> {
    let Some(document) = plan.document() else { return Vec::new() };
    let untaxed = !vat_rate.is_zero() && document.rows().all(|r| r.vat.is_zero());
    let variant = |rows_at_rate: bool, shipping_at_vat: bool| {
        let mut before = plan.clone();
        if let Some(document) = before.document_mut() {
            for row in document.rows_mut() {
                let account = row.account_number;
                if account == Some(shipping) {
                    if shipping_at_vat {
                        row.vat = shipping_vat;
                    }
                } else if rows_at_rate && account != Some(gift_cards) {
                    row.vat = vat_rate;
                }
            }
        }
        before
    };
    let current = order(plan);
    let mut variants: Vec<OrderPlan> = Vec::new();
    for (rows, ship) in [(untaxed, false), (false, true), (untaxed, true)] {
        let before = variant(rows, ship);
        let version = order(&before);
        if version != current && variants.iter().all(|v| order(v) != version) {
            variants.push(before);
        }
    }
    variants
}

/// The plan's document with its figures as versions hash them.
fn normalised(plan: &OrderPlan) -> Option<SalesDocument> {
    plan.document().map(|d| {
        let mut d = d.clone();
        d.freight = d.freight.map(money);
        for row in d.rows_mut() {
            row.price = money(row.price);
            row.ordered_quantity = row.ordered_quantity.map(plain);
            row.delivered_quantity = plain(row.delivered_quantity);
            row.vat = plain(row.vat);
            let amount = row.discount_type.as_deref() == Some("AMOUNT");
            row.discount = row.discount.map(|x| if amount { money(x) } else { plain(x) });
        }
        d
    })
}

/// The version a release before [`order`]'s formula gave the order: its figures hashed as the
/// export wrote them. Equal to [`order`] for prices at two decimals and whole quantities.
pub fn order_as_written(plan: &OrderPlan) -> String {
    order_hash(plan, plan.document(), plan.customer.organisation_number.as_deref())
}

/// True when the comments of a Fortnox order or invoice (one carrying the plan's marker) carry
/// the plan's content version, or one an older release gave the same order
/// ([`order_org_as_written`], [`order_as_written`]): the same order, not one changed in the
/// shop.
pub fn order_carried(comments: &str, plan: &OrderPlan) -> bool {
    super::carries_version(comments, &plan.version)
        || super::carries_version(comments, &order_org_as_written(plan))
        || super::carries_version(comments, &order_as_written(plan))
}

fn order_hash(plan: &OrderPlan, document: Option<&SalesDocument>, org: Option<&str>) -> String {
    /// Keys the configuration decides, left out of the version.
    const FROM_CONFIG: [&str; 8] = [
        "AccountNumber",
        "Comments",
        "EmailInformation",
        "Language",
        "TermsOfPayment",
        "Unit",
        "CustomerNumber",
        "Remarks",
    ];
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.retain(|k, _| !FROM_CONFIG.contains(&k.as_str()));
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut document = serde_json::to_value(document).unwrap_or_default();
    strip(&mut document);
    let shop = serde_json::json!({
        "order_id": plan.order_id,
        "customer": [&plan.customer.customer_number, &org, &plan.customer.email],
        "document": document,
    });
    hex::encode(Sha256::digest(shop.to_string().as_bytes()))[..16].to_owned()
}

/// The reference an older release gave a document of identity `identity`, when its version
/// `as_written` differs from `version` (see the module docs).
pub(crate) fn legacy_reference(identity: &str, version: &str, as_written: &str) -> Option<String> {
    (as_written != version).then(|| format!("{identity}:{as_written}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_decimals_and_plain_none_trailing() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        for written in ["8250", "8250.0", "8250.00", "8250.000"] {
            assert_eq!(money(d(written)).to_string(), "8250.00", "{written}");
        }
        assert_eq!(money(d("-39.2")).to_string(), "-39.20");
        assert_eq!(money(d("0.125")).to_string(), "0.125");
        assert_eq!(money(d("0")).to_string(), "0.00");
        assert_eq!(plain(d("1.00")).to_string(), "1");
        assert_eq!(plain(d("12.50")).to_string(), "12.5");
        assert_eq!(legacy_reference("order:W-1", "ab", "ab"), None);
        assert_eq!(legacy_reference("order:W-1", "ab", "cd").as_deref(), Some("order:W-1:cd"));
    }
}
