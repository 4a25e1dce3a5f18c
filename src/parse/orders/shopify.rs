//! Shopify's "Export orders" CSV. Order fields are on an order's first row only (`Name` and
//! `Created at` repeat); rows have no VAT rate, so it comes from the `Tax N Name` titles
//! (`SE VAT 25%`, or `[orders] tax_titles`) or `[orders] vat_rate`; untaxed rows are 0 %;
//! gift cards sold are lines (a liability, not revenue), never taxable; shipping is at the
//! order's rate; an order's `Taxes` must be the VAT of its lines as booked, and `Taxes` 0
//! without a tax title means no VAT (see `taxes`). Whether taxes are included in the prices is read from the
//! totals: `Subtotal + Shipping = Total` (included) or `Subtotal + Shipping + Taxes = Total`
//! (added on top).

mod taxes;

use rust_decimal::Decimal;

use super::rows::{Fields, amount, country, currency, date, field, line, rate, shipping_field};
use super::{Customer, Discount, Order, Row, Shipping};
use crate::config::{OrdersConfig, PricesMode};
use crate::diagnostic::Diagnostic;

/// Canonical field → Shopify header.
pub const COLUMNS: &[(&str, &str)] = &[
    ("order_id", "Name"),
    ("email", "Email"),
    ("status", "Financial Status"),
    ("currency", "Currency"),
    ("shipping", "Shipping"),
    ("order_discount", "Discount Amount"),
    ("order_date", "Created at"),
    ("quantity", "Lineitem quantity"),
    ("description", "Lineitem name"),
    ("unit_price", "Lineitem price"),
    ("sku", "Lineitem sku"),
    ("discount", "Lineitem discount"),
    ("customer_name", "Billing Name"),
    ("address1", "Billing Address1"),
    ("address2", "Billing Address2"),
    ("zip", "Billing Zip"),
    ("city", "Billing City"),
    ("country", "Billing Country"),
    ("phone", "Billing Phone"),
    ("remarks", "Notes"),
    ("subtotal", "Subtotal"),
    ("taxes", "Taxes"),
    ("total", "Total"),
    ("cancelled_at", "Cancelled at"),
    ("discount_code", "Discount Code"),
    ("company", "Billing Company"),
    ("shipping_name", "Shipping Name"),
    ("refunded", "Refunded Amount"),
    ("tax1_name", "Tax 1 Name"),
    ("tax1_value", "Tax 1 Value"),
    ("tax2_name", "Tax 2 Name"),
    ("tax2_value", "Tax 2 Value"),
    ("tax3_name", "Tax 3 Name"),
    ("tax3_value", "Tax 3 Value"),
    ("tax4_name", "Tax 4 Name"),
    ("tax4_value", "Tax 4 Value"),
    ("tax5_name", "Tax 5 Name"),
    ("tax5_value", "Tax 5 Value"),
    ("taxable", "Lineitem taxable"),
];

/// Shopify's order-level fields beyond the canonical ones.
pub const ORDER_LEVEL: &[&str] = &[
    "subtotal",
    "taxes",
    "total",
    "cancelled_at",
    "discount_code",
    "company",
    "shipping_name",
    "refunded",
    "tax1_name",
    "tax1_value",
    "tax2_name",
    "tax2_value",
    "tax3_name",
    "tax3_value",
    "tax4_name",
    "tax4_value",
    "tax5_name",
    "tax5_value",
];

/// Largest rounding difference accepted between Shopify's totals and the lines.
const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

pub fn is_shopify(headers: &[String]) -> bool {
    ["Name", "Lineitem quantity", "Lineitem price"]
        .iter()
        .all(|h| headers.iter().any(|x| x.eq_ignore_ascii_case(h)))
}

/// The VAT rate named by a tax title: `[orders] tax_titles`, else a trailing `25%`.
fn title_rate(title: &str, config: &OrdersConfig) -> Option<Decimal> {
    if let Some(r) = config.tax_titles.get(&title.trim().to_lowercase()) {
        return Some(*r);
    }
    let before = title.trim().strip_suffix('%')?;
    let digits: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    rate(&digits)
}

pub fn order(
    id: &str,
    fields: &Fields,
    rows: &[Row],
    config: &OrdersConfig,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<Order> {
    let first = rows.first()?.line;
    let at = |name: &str| fields.get(name).map(|(v, l)| (v.as_str(), *l));
    let text = |name: &str| field(fields, name).map(str::to_owned);
    let date = date(id, at("order_date"), first, errors)?;

    let mut rates: Vec<(String, Decimal)> = Vec::new();
    for n in 1..=5 {
        let Some(title) = field(fields, &format!("tax{n}_name")) else { continue };
        let value = amount(id, at(&format!("tax{n}_value")), "tax value", errors);
        if value.is_some_and(|v| v.is_zero()) {
            continue;
        }
        if let Some(r) = title_rate(title, config) {
            rates.push((title.to_owned(), r));
        } else {
            errors.push(
                Diagnostic::at(first, format!("order `{id}`: tax `{title}` names no VAT rate"))
                    .hint(format!("map it under [orders] tax_titles, e.g. {{ \"{title}\" = 25 }}")),
            );
            return None;
        }
    }
    rates.dedup_by(|a, b| a.1 == b.1);
    let country = country(id, at("country"), errors);
    // `Taxes` written as 0 with no tax title: the shop charged no VAT (see `taxes`).
    let taxes = amount(id, at("taxes"), "Taxes", errors);
    let untaxed = rates.is_empty() && taxes.is_some_and(|t| t.is_zero());
    let rate = match rates.as_slice() {
        [] if untaxed => taxes::untaxed_rate(country.as_deref(), config.vat_rate),
        [] => config.vat_rate,
        [(_, r)] => *r,
        several => {
            let titles: Vec<&str> = several.iter().map(|(t, _)| t.as_str()).collect();
            errors.push(
                Diagnostic::at(
                    first,
                    format!("order `{id}` has taxes at several rates ({})", titles.join(", ")),
                )
                .hint(
                    "Shopify's export does not say which line has which rate; post this order \
                     with fortnox-bridge's order CSV, which has a VAT rate per row",
                ),
            );
            return None;
        }
    };

    let company = text("company");
    let customer = Customer {
        number: None,
        name: company.clone().or_else(|| text("customer_name")).or_else(|| text("shipping_name")),
        org_number: None,
        email: text("email"),
        phone: text("phone"),
        company: Some(company.is_some()),
        language: None,
        address1: text("address1"),
        address2: text("address2"),
        zip: text("zip").map(|z| z.trim_start_matches('\'').to_owned()),
        city: text("city"),
        country,
    };
    let mut order = Order {
        id: id.to_owned(),
        line: first,
        date,
        status: text("status").map(|s| s.to_lowercase()),
        cancelled: field(fields, "cancelled_at").is_some(),
        customer,
        currency: currency(id, at("currency"), errors),
        prices_include_vat: None,
        // Shopify taxes shipping at the order's rate (what `check_taxes` checks it against).
        shipping: shipping_field(id, at("shipping"), "Shipping", errors)
            .into_iter()
            .map(|s| Shipping { vat_rate: Some(rate), ..s })
            .collect(),
        order_discount: Decimal::ZERO,
        discount_code: text("discount_code"),
        your_reference: None,
        remarks: text("remarks"),
        lines: Vec::new(),
        // Shopify's Total is checked against its Subtotal, Shipping and Taxes below.
        total: None,
    };
    let mut goods = Decimal::ZERO;
    let mut line_discounts = Decimal::ZERO;
    for row in rows {
        let Some(mut l) = line(id, row, errors) else { continue };
        // `Lineitem taxable`; older exports have no such column.
        let taxable = row.get("taxable").and_then(super::text::flag);
        let name = l.description.to_lowercase();
        // Shopify's gift cards are never taxable: a taxable line named like one (a gift card
        // box, "Presentkortsask") is a sale at the order's rate.
        l.gift_card = taxable != Some(true)
            && (name.starts_with("gift card") || name.starts_with("presentkort"));
        l.vat_rate = Some(if l.gift_card || taxable == Some(false) { Decimal::ZERO } else { rate });
        goods += l.quantity * l.unit_price;
        if let Some(Discount::Amount(d)) = l.discount {
            line_discounts += d;
        }
        order.lines.push(l);
    }
    let discount = amount(id, at("order_discount"), "Discount Amount", errors).unwrap_or_default();
    let remainder = discount - line_discounts;
    order.order_discount = if remainder > CENT / Decimal::TWO { remainder } else { Decimal::ZERO };

    let subtotal = amount(id, at("subtotal"), "Subtotal", errors);
    let taxes = taxes.unwrap_or_default();
    let total = amount(id, at("total"), "Total", errors);
    if let Some(subtotal) = subtotal {
        let after = goods - discount;
        if (after - subtotal).abs() > CENT {
            errors.push(
                Diagnostic::at(
                    first,
                    format!(
                        "order `{id}`: the lines add up to {goods:.2} - discount {discount:.2} = \
                         {after:.2}, but Subtotal is {subtotal:.2}"
                    ),
                )
                .hint("the export is incomplete or changed by hand; export the order again"),
            );
        }
    }
    order.prices_include_vat = match config.prices {
        PricesMode::IncludingVat => Some(true),
        PricesMode::ExcludingVat => Some(false),
        PricesMode::Auto => match (subtotal, total) {
            (Some(s), Some(t)) if (s + order.shipping_total() - t).abs() <= CENT => Some(true),
            (Some(s), Some(t)) if (s + order.shipping_total() + taxes - t).abs() <= CENT => {
                Some(false)
            }
            (Some(s), Some(t)) => {
                errors.push(
                    Diagnostic::at(
                        first,
                        format!(
                            "order `{id}`: Subtotal {s:.2} + Shipping {:.2} is not Total {t:.2}, \
                             with or without Taxes {taxes:.2}",
                            order.shipping_total()
                        ),
                    )
                    .hint(
                        "set [orders] prices = \"incl_vat\" or \"excl_vat\" if the shop's \
                         totals are known to be right",
                    ),
                );
                None
            }
            _ => None,
        },
    };
    if let Some((_, line)) = at("taxes")
        && !(untaxed && taxes::charged_none_in_sweden(&order, rate, line, errors))
        && let Some(included) = order.prices_include_vat
    {
        taxes::check(&order, rate, included, (taxes, line), errors);
    }
    // Told only of an order that is posted: a refunded one the export skips has no invoice
    // to credit.
    if let Some(refunded) = amount(id, at("refunded"), "Refunded Amount", errors)
        && !refunded.is_zero()
        && !order.not_posted(config)
    {
        warnings.push(
            Diagnostic::at(first, format!("order `{id}`: {refunded:.2} was refunded in Shopify"))
                .hint("refunds are not posted; credit the invoice in Fortnox")
                .needs_action(),
        );
    }
    Some(order)
}
