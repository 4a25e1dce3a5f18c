//! Shopify's `Taxes` against the VAT the order is booked with: an order whose `Taxes` is not
//! its lines' and shipping's VAT is refused, and an order whose `Taxes` is written as 0 with no
//! tax title carries no VAT: 0 % outside Sweden (an export, or an EU sale), refused in Sweden
//! (or without a billing country), where a sale without VAT is a shop whose Swedish tax is not
//! set up, unless `[orders] vat_rate = 0` says that its orders carry none.

use rust_decimal::{Decimal, RoundingStrategy};

use super::CENT;
use crate::diagnostic::Diagnostic;
use crate::parse::orders::Order;

/// The rate of the lines of an order whose `Taxes` is 0 and that has no tax title: none
/// outside Sweden (its billing `country`, an ISO code); in Sweden or without a country,
/// `[orders] vat_rate` (`vat_rate`), whose VAT [`charged_none_in_sweden`] then refuses unless
/// it is 0.
pub(super) fn untaxed_rate(country: Option<&str>, vat_rate: Decimal) -> Decimal {
    match country {
        Some(code) if code != "SE" => Decimal::ZERO,
        _ => vat_rate,
    }
}

/// Refuses (true) an order in Sweden, or without a billing country, whose `Taxes` (at `line`)
/// is 0 and that has no tax title, while a line of it would be booked with VAT (`rate`, from
/// `[orders] vat_rate`): the customer paid no VAT, and booking the line at its rate would
/// invent VAT never charged; at 0 % the Swedish sale would go untaxed. Lines the export marks
/// as untaxed and gift cards carry none and pass, and so does an order whose taxed lines and
/// shipping come to nothing after its discounts (a free order carries no VAT to charge).
pub(super) fn charged_none_in_sweden(
    order: &Order,
    rate: Decimal,
    line: usize,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    use crate::parse::orders::Line;
    let taxed = |l: &&Line| l.vat_rate.is_some_and(|r| !r.is_zero());
    let taxable: Decimal = order.lines.iter().filter(taxed).map(Line::net).sum::<Decimal>()
        - order.order_discount
        + order.shipping_total();
    if rate.is_zero() || taxable <= CENT {
        return false;
    }
    let place = match order.customer.country.as_deref() {
        Some(code) => format!("a sale in Sweden (billing country {code})"),
        None => "a sale in Sweden (it has no billing country)".to_owned(),
    };
    errors.push(
        Diagnostic::at(
            line,
            format!(
                "order `{}`: Taxes is 0.00, but it is {place}, whose lines would be booked with \
                 {} % VAT: the shop charged no VAT",
                order.id,
                rate.normalize()
            ),
        )
        .hint(
            "a Swedish sale without VAT is most often a shop whose Swedish tax is not set up \
             (Shopify: Settings > Taxes and duties); correct it, then export the order again. If \
             the order really carries no VAT, set [orders] vat_rate = 0 (orders without a tax \
             title take it), or post it with fortnox-bridge's order CSV and vat_rate 0",
        )
        .of_document(format!("order:{}", order.id)),
    );
    true
}

/// Refuses an order whose `Taxes` (at `line`) is not the VAT its lines and shipping carry as
/// they are booked: each line at its rate after its discount and its share of the order's
/// discount (as the order's discount rows split it), gift cards at none, shipping at the
/// order's `rate`. More than a cent per line and one for shipping apart is not rounding: a line
/// is booked at another rate than Shopify taxed it (a taxable line read as a gift card or
/// untaxed, a tax title mapped to another rate). Refused rather than warned: the document
/// would carry VAT the customer was not charged, or lack VAT they were, and that is found, if
/// ever, at the VAT return. `Taxes` 0 is checked too: an order whose tax title says VAT while
/// `Taxes` says none is refused.
pub(super) fn check(
    order: &Order,
    rate: Decimal,
    included: bool,
    (taxes, line): (Decimal, usize),
    errors: &mut Vec<Diagnostic>,
) {
    let vat = |amount: Decimal, rate: Decimal| {
        let divisor = if included { Decimal::ONE_HUNDRED + rate } else { Decimal::ONE_HUNDRED };
        amount * rate / divisor
    };
    let sales: Vec<(Decimal, Decimal)> = order
        .lines
        .iter()
        .filter(|l| !l.gift_card)
        .map(|l| (l.net(), l.vat_rate.unwrap_or_default()))
        .collect();
    let base: Decimal = sales.iter().map(|(net, _)| *net).sum();
    let kept = if base.is_zero() { Decimal::ONE } else { (base - order.order_discount) / base };
    let booked: Decimal = sales.iter().map(|(net, r)| vat(*net * kept, *r)).sum::<Decimal>()
        + vat(order.shipping_total(), rate);
    let slack = CENT * Decimal::from(order.lines.len() + 1);
    let shipping_vat = vat(order.shipping_total(), rate);
    if !shipping_vat.is_zero() && (booked - shipping_vat - taxes).abs() <= slack {
        // The shop did not tax the shipping: the lines agree, the shipping would be booked with
        // VAT the customer was not charged.
        errors.push(
            Diagnostic::at(
                line,
                format!(
                    "order `{}`: Taxes is {taxes:.2}, the VAT of its lines alone: Shopify did not \
                     tax the shipping ({:.2}), which would be booked with {rate} % VAT",
                    order.id,
                    order.shipping_total()
                ),
            )
            .hint(
                "shipping in Sweden carries the VAT of what it ships; set the shop to tax \
                 shipping, then export the order again",
            ),
        );
        return;
    }
    if (booked - taxes).abs() > slack {
        errors.push(
            Diagnostic::at(
                line,
                format!(
                    "order `{}`: Taxes is {taxes:.2}, but its lines and shipping as they would \
                     be booked carry {:.2} VAT",
                    order.id,
                    booked.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                ),
            )
            .hint(
                "a line would be booked at another rate than Shopify taxed it (a taxable line \
                 read as a gift card or as untaxed, a tax title mapped to another rate); check \
                 the order and [orders] tax_titles, or post it with fortnox-bridge's order CSV, \
                 which has a VAT rate per row",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rust_decimal::Decimal;

    use crate::config::Config;
    use crate::convert::{Body, Conversion};

    fn convert(csv: &str, extra: &str) -> Conversion {
        let c = Config::from_toml_str(extra, Path::new("/x")).expect("config");
        crate::convert::orders::convert_bytes(csv.as_bytes(), &c.orders, &c.accounts)
    }

    fn rendered(list: &[crate::diagnostic::Diagnostic]) -> Vec<String> {
        list.iter().map(|d| d.render("o.csv")).collect()
    }

    const HEADER: &str = "Name,Email,Financial Status,Currency,Created at,Subtotal,Shipping,\
                          Taxes,Total,Tax 1 Name,Tax 1 Value,Lineitem quantity,Lineitem name,\
                          Lineitem price,Billing Company,Billing Country\n";

    /// One order `#1` of one 400.00 line, with `Taxes`, a tax title, company and country.
    fn order(taxes: &str, title: &str, company: &str, country: &str) -> String {
        format!(
            "{HEADER}#1,a@example.org,paid,SEK,2026-11-18 10:00:00 +0100,400.00,0.00,{taxes},\
             400.00,{title},1,Vas,400.00,{company},{country}\n"
        )
    }

    /// (price, VAT) of each row and the new customer's VAT type.
    fn booked(c: &Conversion) -> (Vec<(Decimal, Decimal)>, Option<String>) {
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let Body::Order(plan) = &c.documents[0].body else { panic!("not an order") };
        let rows = plan.document().expect("document").rows().map(|r| (r.price, r.vat)).collect();
        (rows, plan.customer.create.as_ref().and_then(|c| c.vat_type.clone()))
    }

    /// The auditor's case: a customer in Norway, `Taxes` 0.00, no tax title. The customer paid
    /// no VAT, so the row carries none and the customer is an export one, with no warning that
    /// Swedish VAT was charged "as charged". In the EU, 0 % and EUVAT: a company told that
    /// reverse charge needs its VAT number, a private person that it should carry VAT.
    #[test]
    fn taxes_of_0_abroad_book_no_vat() {
        let four_hundred = Decimal::new(40000, 2);
        let c = convert(&order("0.00", ",", "", "NO"), "");
        assert_eq!(booked(&c), (vec![(four_hundred, Decimal::ZERO)], Some("EXPORT".to_owned())));
        assert_eq!(rendered(&c.warnings), Vec::<String>::new());

        let c = convert(&order("0.00", ",", "", "DE"), "");
        assert_eq!(booked(&c), (vec![(four_hundred, Decimal::ZERO)], Some("EUVAT".to_owned())));
        assert_eq!(
            rendered(&c.warnings),
            ["o.csv:2: order `#1`: the customer is a private person in DE and the shop charged \
              no VAT: booked at 0 %, as charged (hint: a sale to a private person in the EU \
              carries VAT (Swedish, or the customer's country's through OSS); check the shop's \
              tax settings, and credit the invoice in Fortnox if it should have carried VAT)"]
        );
        // A gift card alone carries no VAT when sold: nothing to say.
        let gift = order("0.00", ",", "", "DE").replace(",Vas,", ",Gift Card - 400 kr,");
        let c = convert(&gift, "");
        assert_eq!(booked(&c).0, [(four_hundred, Decimal::ZERO)]);
        assert_eq!(rendered(&c.warnings), Vec::<String>::new());
        let c = convert(&order("0.00", ",", "Firma GmbH", "DE"), "");
        assert_eq!(booked(&c).0, [(four_hundred, Decimal::ZERO)]);
        let warnings = rendered(&c.warnings);
        assert!(
            warnings[0].starts_with(
                "o.csv:2: order `#1`: the new customer is a company in DE and the order carries \
                 no VAT: created with VAT type EUVAT, not EU reverse charge (hint: reverse \
                 charge needs the customer's VAT number"
            ),
            "{warnings:?}"
        );
    }

    /// `Taxes` 0.00 on a sale in Sweden (or without a billing country) is a shop whose Swedish
    /// tax is not set up: refused on its line, not booked at 25 % VAT the customer never paid
    /// (nor untaxed), unless `[orders] vat_rate = 0` says such orders carry none.
    #[test]
    fn taxes_of_0_in_sweden_are_refused_unless_vat_rate_0_is_configured() {
        let c = convert(&order("0.00", ",", "", "SE"), "");
        assert!(c.documents.is_empty());
        assert_eq!(
            rendered(&c.errors),
            ["o.csv:2: order `#1`: Taxes is 0.00, but it is a sale in Sweden (billing country \
              SE), whose lines would be booked with 25 % VAT: the shop charged no VAT (hint: a \
              Swedish sale without VAT is most often a shop whose Swedish tax is not set up \
              (Shopify: Settings > Taxes and duties); correct it, then export the order again. \
              If the order really carries no VAT, set [orders] vat_rate = 0 (orders without a \
              tax title take it), or post it with fortnox-bridge's order CSV and vat_rate 0)"]
        );
        let c = convert(&order("0.00", ",", "", ""), "");
        assert!(rendered(&c.errors)[0].contains("(it has no billing country)"), "{:?}", c.errors);
        // Told so: 0 %.
        let c = convert(&order("0.00", ",", "", "SE"), "[orders]\nvat_rate = 0\n");
        assert_eq!(booked(&c).0, [(Decimal::new(40000, 2), Decimal::ZERO)]);
        // Charged: 25 % as before.
        let c = convert(&order("80.00", "SE VAT 25%,80.00", "", "SE"), "");
        assert_eq!(booked(&c).0, [(Decimal::new(40000, 2), Decimal::from(25))]);
    }

    /// A free order (a 100 % discount code) in Sweden has `Taxes` 0.00 and no tax title, as
    /// Shopify drops a title of 0.00: there was no VAT to charge, so it is not refused (it
    /// sent a whole day's export to failed/).
    #[test]
    fn a_free_order_in_sweden_is_not_refused() {
        let csv = "Name,Email,Financial Status,Currency,Created at,Subtotal,Shipping,Taxes,\
                   Total,Discount Code,Discount Amount,Lineitem quantity,Lineitem name,\
                   Lineitem price,Billing Country\n\
                   #2,a@example.org,paid,SEK,2026-11-18 10:00:00 +0100,0.00,0.00,0.00,0.00,\
                   GRATIS,400.00,1,Vas,400.00,SE\n";
        let c = convert(csv, "");
        assert!(c.errors.is_empty(), "{:?}", rendered(&c.errors));
        assert_eq!(c.documents.len(), 1);
    }

    /// The release before this one booked an order abroad with `Taxes` 0 at 25 %, as it books
    /// the same order charged 25 %: that version is among the order's older names, so an
    /// order it posted is not reported as changed in the shop when an overlapping export
    /// brings it again.
    #[test]
    fn an_order_booked_at_25_before_is_the_same_order() {
        let before = convert(&order("80.00", "SE VAT 25%,80.00", "", "NO"), "");
        let now = convert(&order("0.00", ",", "", "NO"), "");
        assert_ne!(now.documents[0].reference, before.documents[0].reference);
        assert!(
            now.documents[0].legacy_references.contains(&before.documents[0].reference),
            "{:?}",
            now.documents[0].legacy_references
        );
    }

    /// With shipping as a row, the release before this one put Shopify's shipping at
    /// `[orders] shipping_vat` (25 %), and this one at the order's rate: the order it posted,
    /// with that row at 25 %, is among the order's older names.
    #[test]
    fn a_shipping_row_at_shipping_vat_before_is_the_same_order() {
        let csv = format!(
            "{HEADER}#4,a@example.org,paid,SEK,2026-11-18 10:00:00 +0100,400.00,49.00,48.11,\
             449.00,SE VAT 12%,48.11,1,Vas,400.00,,SE\n"
        );
        let c = convert(&csv, "[orders]\nshipping = \"row\"\n");
        assert!(c.errors.is_empty(), "{:?}", rendered(&c.errors));
        let Body::Order(plan) = &c.documents[0].body else { panic!("not an order") };
        let mut before = plan.clone();
        let shipping_rows = before
            .document_mut()
            .expect("document")
            .rows_mut()
            .filter(|r| r.account_number == Some(3520));
        let mut moved = 0;
        for row in shipping_rows {
            assert_eq!(row.vat, Decimal::from(12), "at the order's rate now");
            row.vat = Decimal::from(25);
            moved += 1;
        }
        assert_eq!(moved, 1);
        let name = format!("order:#4:{}", crate::convert::version::order(&before));
        assert!(c.documents[0].legacy_references.contains(&name), "{name}");
    }

    /// A refund is told (an invoice to credit) only for an order that is posted: a fully
    /// refunded one is skipped, so there is no invoice.
    #[test]
    fn a_refund_is_told_only_of_a_posted_order() {
        let csv = |status: &str| {
            format!(
                "Name,Email,Financial Status,Currency,Created at,Subtotal,Shipping,Taxes,Total,\
                 Tax 1 Name,Tax 1 Value,Lineitem quantity,Lineitem name,Lineitem price,\
                 Billing Country,Refunded Amount\n\
                 #3,a@example.org,{status},SEK,2026-11-18 10:00:00 +0100,400.00,0.00,80.00,\
                 400.00,SE 25%,80.00,1,Vas,400.00,SE,100.00\n"
            )
        };
        let told =
            |c: &Conversion| rendered(&c.warnings).iter().any(|w| w.contains("was refunded"));
        let partly = convert(&csv("partially_refunded"), "");
        assert!(told(&partly) && partly.warnings.iter().any(|w| w.action), "{:?}", partly.warnings);
        let wholly = convert(&csv("refunded"), "");
        assert!(wholly.documents.is_empty());
        assert!(!rendered(&wholly.warnings).iter().any(|w| w.contains("was refunded")));
    }

    /// A tax title that says VAT while `Taxes` says 0.00 is refused: `Taxes` 0 is checked like
    /// any other (it used to be taken as saying nothing).
    #[test]
    fn a_tax_title_with_taxes_of_0_is_refused() {
        let c = convert(&order("0.00", "SE VAT 25%,80.00", "", "SE"), "");
        let errors = rendered(&c.errors);
        assert!(
            errors[0].starts_with(
                "o.csv:2: order `#1`: Taxes is 0.00, but its lines and shipping as they would \
                 be booked carry 80.00 VAT"
            ),
            "{errors:?}"
        );
    }

    /// Shopify taxes shipping at the order's rate (`Taxes` is checked so): 12 % on an order
    /// taxed `SE Moms 12%`, none on an export. So it is `Freight` where Fortnox gives freight
    /// that rate, and a row at that rate with `shipping = "row"`, not at `shipping_vat` (25 %).
    #[test]
    fn shipping_carries_the_orders_rate() {
        // 400 + 50 shipping, 12 % included: 48.21.
        let twelve = order("48.21", "SE Moms 12%,48.21", "", "SE")
            .replace(",0.00,48.21,400.00,", ",50.00,48.21,450.00,");
        let freight = |c: &Conversion| {
            let Body::Order(plan) = &c.documents[0].body else { panic!("not an order") };
            plan.document().and_then(|d| d.freight)
        };
        let c = convert(&twelve, "");
        assert_eq!((freight(&c), booked(&c).0.len()), (Some(Decimal::new(5000, 2)), 1));
        let c = convert(&twelve, "[orders]\nshipping = \"row\"\n");
        assert_eq!(booked(&c).0[1], (Decimal::new(5000, 2), Decimal::from(12)));
        let export =
            order("0.00", ",", "", "NO").replace(",0.00,0.00,400.00,", ",50.00,0.00,450.00,");
        let c = convert(&export, "[orders]\nshipping = \"row\"\n");
        assert_eq!(booked(&c).0[1], (Decimal::new(5000, 2), Decimal::ZERO));
    }
}
