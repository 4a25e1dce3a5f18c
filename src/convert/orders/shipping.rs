//! An order's shipping: in Fortnox's `Freight` field, or as rows on `[accounts] shipping` at
//! the rate the shop charged. Fortnox's `Freight` is writable but its VAT rate is not: Fortnox
//! taxes freight at the VAT rate that has the largest amount on the document
//! (support.fortnox.se, "Momssatser på frakt och expeditionsavgifter"). So shipping goes in
//! `Freight` only when its rate is surely that one; otherwise it is a row at its own rate, with
//! a warning that says why, never taxed at another rate than the shop charged.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::rows::Built;
use crate::config::{AccountMap, OrdersConfig, ShippingMode, rate_key};
use crate::convert::{Conversion, cut, round_ore};
use crate::diagnostic::Diagnostic;
use crate::fortnox::model_documents::SalesRow;
use crate::parse::orders::{Order, Shipping};

/// Fortnox's limit on a row's description.
const DESCRIPTION_MAX: usize = 255;

/// Shipping that releases before this one sent in `Freight` and this one sends as rows: the
/// amount they sent and how many rows (the last ones of the document) now carry it, so the
/// version they gave the order is still recognised (see `super::convert_order`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MovedFreight {
    pub freight: Decimal,
    pub rows: usize,
}

/// What Fortnox will tax `Freight` at for these rows, as far as the bridge can tell.
#[derive(Debug, Clone, PartialEq)]
pub enum FreightRate {
    /// The rate with the largest amount, whether amounts are measured with VAT or without.
    Sure(Decimal),
    /// Rates that tie, or that lead by one measure and not the other (Fortnox's page does not
    /// say which it uses): Fortnox's choice is not known.
    Unsure(Vec<Decimal>),
}

/// The rate Fortnox gives `Freight` on a document of `rows` (prices `included` VAT or not):
/// the rate whose rows add up to the largest amount. Sure only when one rate leads both with
/// and without VAT; 25 % without rows.
pub fn fortnox_freight_rate(rows: &[SalesRow], included: bool) -> FreightRate {
    let mut given: BTreeMap<Decimal, Decimal> = BTreeMap::new();
    for row in rows {
        let gross = row.delivered_quantity * row.price;
        let total = match (row.discount, row.discount_type.as_deref()) {
            (Some(d), Some("AMOUNT")) => gross - d,
            (Some(p), _) => gross * (Decimal::ONE_HUNDRED - p) / Decimal::ONE_HUNDRED,
            (None, _) => gross,
        };
        *given.entry(row.vat.normalize()).or_default() += round_ore(total);
    }
    if given.is_empty() {
        return FreightRate::Sure(Decimal::from(25));
    }
    let other: BTreeMap<Decimal, Decimal> = given
        .iter()
        .map(|(rate, sum)| {
            let factor = (Decimal::ONE_HUNDRED + rate) / Decimal::ONE_HUNDRED;
            (*rate, if included { sum / factor } else { sum * factor })
        })
        .collect();
    let leaders = |sums: &BTreeMap<Decimal, Decimal>| {
        let top = sums.values().copied().max().unwrap_or_default();
        sums.iter().filter(|(_, s)| **s == top).map(|(r, _)| *r).collect::<Vec<_>>()
    };
    let (a, b) = (leaders(&given), leaders(&other));
    match (a.as_slice(), b.as_slice()) {
        ([x], [y]) if x == y => FreightRate::Sure(*x),
        _ => {
            let mut rates = a;
            rates.extend(b);
            rates.sort();
            rates.dedup();
            FreightRate::Unsure(rates)
        }
    }
}

/// Adds the order's shipping charges to `built`: in `Freight` (shipping = "freight", one rate,
/// the one Fortnox will give it), else each as a row on `[accounts] shipping` at its rate (a
/// charge without one at `[orders] shipping_vat`): one row `Frakt` of the sum when all have one
/// rate, as releases before booked it (so an order they posted is the same order now), or at
/// several, each charge a row of its own, named as the shop names it.
pub fn add(
    order: &Order,
    config: &OrdersConfig,
    map: &AccountMap,
    (ordered, included): (bool, bool),
    built: &mut Built,
    out: &mut Conversion,
) {
    let rate_of = |s: &Shipping| s.vat_rate.unwrap_or(config.shipping_vat).normalize();
    let Some(first) = order.shipping.first() else { return };
    let one_rate = order.shipping.iter().all(|s| rate_of(s) == rate_of(first));
    let sum: Decimal = order.shipping.iter().map(|s| round_ore(s.amount)).sum();
    if config.shipping == ShippingMode::Freight {
        let fortnox = fortnox_freight_rate(&built.rows, included);
        if one_rate && fortnox == FreightRate::Sure(rate_of(first)) {
            built.total += sum;
            built.freight = Some(sum);
            return;
        }
        out.warnings.push(as_rows_warning(order, first, &fortnox, one_rate, rate_of(first), sum));
        if one_rate {
            built.moved_freight = Some(MovedFreight { freight: sum, rows: 1 });
        }
    }
    let charges: Vec<(String, usize, Decimal, Decimal)> = if one_rate {
        vec![("Frakt".to_owned(), first.line, sum, rate_of(first))]
    } else {
        order
            .shipping
            .iter()
            .map(|s| (s.description.clone(), s.line, round_ore(s.amount), rate_of(s)))
            .collect()
    };
    for (description, line, price, rate) in charges {
        built.total += price;
        let description = cut(&description, DESCRIPTION_MAX, line, "row description", out);
        built.rows.push(SalesRow {
            article_number: None,
            description,
            ordered_quantity: ordered.then_some(Decimal::ONE),
            delivered_quantity: Decimal::ONE,
            price,
            vat: rate,
            unit: None,
            discount: None,
            discount_type: None,
            account_number: Some(map.shipping),
        });
    }
}

/// Why shipping is sent as rows in freight mode, on the line of its first charge.
fn as_rows_warning(
    order: &Order,
    first: &Shipping,
    fortnox: &FreightRate,
    one_rate: bool,
    rate: Decimal,
    sum: Decimal,
) -> Diagnostic {
    let percent = |r: &Decimal| format!("{} %", rate_key(*r));
    // The export may give the shipping no rate: then it is `[orders] shipping_vat`'s.
    let configured = if first.vat_rate.is_none() { " ([orders] shipping_vat)" } else { "" };
    let charged = if configured.is_empty() { " as the shop charged" } else { "" };
    let why = match (one_rate, fortnox) {
        (false, _) => "Fortnox's one Freight field is taxed at one VAT rate".to_owned(),
        (true, FreightRate::Sure(r)) => format!(
            "Fortnox taxes freight at the VAT rate with the largest amount on the invoice, {} \
             here, not {}{charged}",
            percent(r),
            percent(&rate)
        ),
        (true, FreightRate::Unsure(rates)) => format!(
            "Fortnox taxes freight at the VAT rate with the largest amount on the invoice, and \
             here that may be {} rather than {}{charged}",
            rates.iter().filter(|r| **r != rate).map(percent).collect::<Vec<_>>().join(" or "),
            percent(&rate)
        ),
    };
    let what = if one_rate {
        format!("shipping {sum:.2} at {}{configured} is sent as a row `Frakt`", percent(&rate))
    } else {
        "shipping at several VAT rates is sent as rows, each at its rate,".to_owned()
    };
    Diagnostic::at(
        first.line,
        format!(
            "order `{}`: {what} on the shipping account, not in Fortnox's Freight field: {why}",
            order.id
        ),
    )
    .hint(if configured.is_empty() {
        "the invoice's total and VAT are as the shop charged; set [orders] shipping = \"row\" \
         to send shipping as a row on every order"
    } else {
        "the invoice's total and VAT are as the shop charged if it charges shipping_vat on \
         shipping; if it charges the goods' rate, set [orders] shipping_vat to that rate, or \
         have the export give shipping a rate (a row of line_type shipping with a VAT rate)"
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rust_decimal::Decimal;

    use super::{FreightRate, fortnox_freight_rate};
    use crate::config::Config;
    use crate::convert::{Body, Conversion};
    use crate::fortnox::model_documents::SalesRow;

    fn convert(csv: &str) -> Conversion {
        let c = Config::from_toml_str("", Path::new("/x")).expect("config");
        super::super::convert_bytes(csv.as_bytes(), &c.orders, &c.accounts)
    }

    /// The first order's freight, its last row (description, price, VAT) and the warnings.
    fn shipped(csv: &str) -> (Option<Decimal>, (String, Decimal, Decimal), Vec<String>) {
        let c = convert(csv);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let Body::Order(plan) = &c.documents[0].body else { panic!("not an order") };
        let doc = plan.document().expect("a document");
        let last = doc.rows().last().expect("a row");
        let warnings = c.warnings.iter().map(|w| w.render("o.csv")).collect();
        (doc.freight, (last.description.clone(), last.price, last.vat), warnings)
    }

    const HEAD: &str = "order_id;order_date;email;prices_include_vat;description;quantity;\
                        unit_price;vat_rate;line_type\n";

    fn order(rows: &[(&str, &str, u32)], shipping: (&str, u32)) -> String {
        let mut lines: Vec<String> = rows
            .iter()
            .map(|(description, price, rate)| {
                format!("W-1;2026-11-18;a@example.org;nej;{description};1;{price};{rate};")
            })
            .collect();
        let (price, rate) = shipping;
        lines.push(format!("W-1;2026-11-18;a@example.org;nej;Frakt;1;{price};{rate};shipping"));
        format!("{HEAD}{}\n", lines.join("\n"))
    }

    /// Fortnox taxes `Freight` at the rate with the largest amount on the invoice: shipping at
    /// another rate (12 % on an order mostly at 25 %, 25 % on one mostly at 12 %) is a row at
    /// its own rate, with a warning saying why; at the invoice's main rate it is `Freight`.
    #[test]
    fn shipping_goes_in_freight_only_at_the_rate_fortnox_gives_it() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        let (freight, last, warnings) = shipped(&order(&[("Kaffe", "100,00", 12)], ("49,00", 12)));
        assert_eq!((freight, last.0.as_str(), warnings.len()), (Some(d("49.00")), "Kaffe", 0));

        let mostly_25 = [("Kaffe", "100,00", 12), ("Kasse", "300,00", 25)];
        let (freight, last, warnings) = shipped(&order(&mostly_25, ("49,00", 12)));
        assert_eq!((freight, last), (None, ("Frakt".to_owned(), d("49.00"), d("12"))));
        assert_eq!(
            warnings,
            ["o.csv:4: order `W-1`: shipping 49.00 at 12 % is sent as a row `Frakt` on the \
              shipping account, not in Fortnox's Freight field: Fortnox taxes freight at the VAT \
              rate with the largest amount on the invoice, 25 % here, not 12 % as the shop \
              charged (hint: the invoice's total and VAT are as the shop charged; set [orders] \
              shipping = \"row\" to send shipping as a row on every order)"]
        );
        let (freight, last, _) = shipped(&order(&[("Kaffe", "100,00", 12)], ("49,00", 25)));
        assert_eq!((freight, last), (None, ("Frakt".to_owned(), d("49.00"), d("25"))));
        // A row's discount counts: 300 at 25 % less 250 is less than 100 at 12 %.
        let row = |price: u32, vat: u32, discount: Option<u32>| SalesRow {
            article_number: None,
            description: String::new(),
            ordered_quantity: None,
            delivered_quantity: Decimal::ONE,
            price: Decimal::from(price),
            vat: Decimal::from(vat),
            unit: None,
            discount: discount.map(Decimal::from),
            discount_type: discount.map(|_| "AMOUNT".to_owned()),
            account_number: None,
        };
        let rows = [row(100, 12, None), row(300, 25, Some(250))];
        assert_eq!(fortnox_freight_rate(&rows, false), FreightRate::Sure(Decimal::from(12)));
        assert_eq!(fortnox_freight_rate(&[], true), FreightRate::Sure(Decimal::from(25)));
    }

    /// Where Fortnox's choice is not known (two rates tie, or one leads without VAT and the
    /// other with it), shipping is a row: sent as `Freight`, it could be taxed at the other.
    #[test]
    fn shipping_is_a_row_when_fortnoxs_rate_for_it_is_not_known() {
        let tie = order(&[("Kaffe", "100,00", 12), ("Kasse", "100,00", 25)], ("40,00", 25));
        let (freight, _, warnings) = shipped(&tie);
        assert_eq!(freight, None);
        assert!(
            warnings[0].contains(
                "the largest amount on the invoice, and here that may be 12 % \
                                  rather than 25 % as the shop charged"
            ),
            "{warnings:?}"
        );
        // 110 at 6 % leads without VAT (110 > 100), 100 at 25 % with it (125 > 116.60).
        let measures = order(&[("Bok", "110,00", 6), ("Kasse", "100,00", 25)], ("40,00", 6));
        assert_eq!(shipped(&measures).0, None);
        assert_eq!(shipped(&measures.replace(";110,00;", ";130,00;")).0, Some(Decimal::from(40)));
    }

    /// An order a release before this one posted with its shipping in `Freight` (W-1001: 149
    /// at 25 % in Freight, on an order mostly at 12 %) now has a row `Frakt`, so another
    /// version; the version that release gave it (50effe75fb1e2f62, its golden file) is kept
    /// beside it, so the posted order is found as this one, not reported as changed.
    #[test]
    fn an_order_sent_with_freight_before_keeps_its_old_version() {
        let shop = include_str!("../../../fixtures/orders/webbshop-2026-11-20.csv");
        let c = convert(shop);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let w1001 = &c.documents[0];
        let before = "50effe75fb1e2f62";
        assert_ne!(w1001.reference, format!("order:W-1001:{before}"));
        assert!(
            w1001.legacy_references.contains(&format!("order:W-1001:{before}")),
            "{:?}",
            w1001.legacy_references
        );
        let sent = format!("Order W-1001 {} v:{before}", w1001.marker);
        assert!(crate::convert::carries_older_version(&sent, &w1001.legacy_references));
    }
}
