//! An export's own order total (`order_total`), against what the order is invoiced at: its
//! rows after their discounts, less the order's discount, plus shipping, plus VAT when prices
//! are given without it. A shop's total that differs is most often prices read on the wrong
//! side of VAT (a WooCommerce export mapped without `prices_include_vat`): the customer would
//! be invoiced 25 % too much, or too little. Refused with both figures rather than sent.

use rust_decimal::Decimal;

use super::super::Conversion;
use crate::config::OrdersConfig;
use crate::diagnostic::Diagnostic;
use crate::parse::orders::Order;

const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// What the customer pays for `order` with prices `included` VAT or not; `None` when a row has
/// no VAT rate (said elsewhere).
fn invoiced(order: &Order, config: &OrdersConfig, included: bool) -> Option<Decimal> {
    let given = config.vat_rate_given.then_some(config.vat_rate);
    let mut goods = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let rate = line.vat_rate.or(given).or(line.gift_card.then_some(Decimal::ZERO))?;
        goods.push((line.net(), rate));
    }
    let base: Decimal = goods.iter().map(|(net, _)| *net).sum();
    let kept = if base.is_zero() { Decimal::ONE } else { (base - order.order_discount) / base };
    let shipping =
        order.shipping.iter().map(|s| (s.amount, s.vat_rate.unwrap_or(config.shipping_vat)));
    let mut total = base - order.order_discount;
    total += order.shipping.iter().map(|s| s.amount).sum::<Decimal>();
    if !included {
        let vat = |(amount, rate): (Decimal, Decimal)| amount * rate / Decimal::ONE_HUNDRED;
        total += goods.iter().map(|(net, rate)| vat((*net * kept, *rate))).sum::<Decimal>();
        total += shipping.map(vat).sum::<Decimal>();
    }
    Some(total)
}

/// Refuses `order` when the export gave a total (`order_total`, at its line) that is not what
/// it would be invoiced at, by more than a cent per row (rounding of each row's VAT).
pub(super) fn check(order: &Order, config: &OrdersConfig, included: bool, out: &mut Conversion) {
    let Some((stated, line)) = order.total else { return };
    let Some(total) = invoiced(order, config, included) else { return };
    let slack = CENT * Decimal::from(order.lines.len() + order.shipping.len() + 1);
    if (total - stated).abs() <= slack {
        return;
    }
    let other = invoiced(order, config, !included).filter(|t| (*t - stated).abs() <= slack);
    let hint = match other {
        Some(_) if included => {
            "the total is the prices plus VAT: the prices do not include VAT; \
             set prices_include_vat (or [orders] prices = \"excl_vat\")"
        }
        Some(_) => {
            "the total is the prices as they are: the prices include VAT; set \
             prices_include_vat (or [orders] prices = \"incl_vat\")"
        }
        None => "check the order's rows, discounts and shipping against the shop",
    };
    let side = if included { "including" } else { "excluding" };
    out.errors.push(
        Diagnostic::at(
            line,
            format!(
                "order `{}`: the export's order total is {stated:.2}, but with prices {side} VAT \
                 it would be invoiced at {:.2}",
                order.id,
                total.round_dp(2)
            ),
        )
        .hint(hint),
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::convert_bytes;
    use crate::config::Config;

    fn errors(csv: &str, extra: &str) -> Vec<String> {
        let c = Config::from_toml_str(extra, Path::new("/x")).expect("config");
        convert_bytes(csv.as_bytes(), &c.orders, &c.accounts)
            .errors
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const HEAD: &str = "order_id;order_date;email;description;quantity;unit_price;vat_rate;\
                        discount;line_type;order_total\n";

    #[test]
    fn a_total_that_is_the_prices_with_vat_added_passes() {
        // 2 × 100 at 12 % less 10 %, shipping 49 at 25 %: 180 + 21.60 + 49 + 12.25.
        let csv = format!(
            "{HEAD}W-1;2026-11-20;a@example.org;Kaffe;2;100,00;12;10%;;262,85\n\
             W-1;2026-11-20;a@example.org;Frakt;1;49,00;25;;shipping;262,85\n"
        );
        assert_eq!(errors(&csv, ""), Vec::<String>::new());
    }

    #[test]
    fn a_total_that_says_the_prices_include_vat_refuses_the_order_with_both_figures() {
        // WooCommerce: the prices are what the customer paid, VAT included.
        let csv = format!("{HEAD}10001;2026-04-26;a@example.org;Målarfärg;2;432,32;25;;;864,64\n");
        assert_eq!(
            errors(&csv, ""),
            ["line 2: order `10001`: the export's order total is 864.64, but with prices \
              excluding VAT it would be invoiced at 1080.80 (hint: the total is the prices as \
              they are: the prices include VAT; set prices_include_vat (or [orders] prices = \
              \"incl_vat\"))"]
        );
        assert_eq!(errors(&csv, "[orders]\nprices = \"incl_vat\"\n"), Vec::<String>::new());
        // A total that fits neither: the rows, discounts or shipping differ from the shop's.
        let odd = csv.replace(";864,64", ";900,00");
        assert!(
            errors(&odd, "")[0].contains("(hint: check the order's rows"),
            "{:?}",
            errors(&odd, "")
        );
    }
}
