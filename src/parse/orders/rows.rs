//! Rows of one order → the typed order: its order-level fields (from the first row that has
//! each), its lines, and the readers of their cells (flags, amounts, dates, VAT rates), each
//! failing with a located error that names the order.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::header::key;
use super::{Customer, Discount, Line, ORDER_LEVEL, Order, Row, Shipping, country, shopify, text};
use crate::diagnostic::Diagnostic;

/// The order-level fields of an order, from the first row that has each; a row that repeats a
/// field with another value is an error.
pub(crate) fn consolidate(
    id: &str,
    rows: &[Row],
) -> (BTreeMap<&'static str, (String, usize)>, Vec<Diagnostic>) {
    let mut fields: BTreeMap<&'static str, (String, usize)> = BTreeMap::new();
    let mut errors = Vec::new();
    for row in rows {
        for (field, value) in &row.cells {
            if !ORDER_LEVEL.contains(field) && !shopify::ORDER_LEVEL.contains(field) {
                continue;
            }
            match fields.get(field) {
                None => {
                    fields.insert(field, (value.clone(), row.line));
                }
                Some((first, line)) if first != value => errors.push(
                    Diagnostic::at(
                        row.line,
                        format!(
                            "order `{id}`: {field} is `{value}` here but `{first}` on line {line}"
                        ),
                    )
                    .hint(
                        "an order's fields must be the same on all its rows (or only on its first)",
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    (fields, errors)
}

pub(crate) type Fields = BTreeMap<&'static str, (String, usize)>;

pub(crate) fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.get(name).map(|(v, _)| v.as_str())
}

/// Reads a yes/no field; `what` names it in the error. A value that is neither is an error,
/// not a silent no: `prices_include_vat` decides the VAT on the customer's invoice.
fn flag(
    id: &str,
    value: Option<(&str, usize)>,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<bool> {
    read(id, value, errors, text::flag, |text| {
        (
            format!("{what} `{text}` is neither yes nor no"),
            "write ja/nej, yes/no, true/false or 1/0",
        )
    })
}

/// Reads an amount field; `what` names it in the error.
pub(crate) fn amount(
    id: &str,
    value: Option<(&str, usize)>,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Decimal> {
    read(id, value, errors, text::number, |text| {
        (format!("{what} `{text}` is not a number"), "write amounts as 1234.50 or 1 234,50")
    })
}

/// Reads a field's `(text, line)` with `parse`; text it cannot read is a located error of
/// order `id`, worded by `problem` (message and hint).
fn read<T>(
    id: &str,
    value: Option<(&str, usize)>,
    errors: &mut Vec<Diagnostic>,
    parse: impl Fn(&str) -> Option<T>,
    problem: impl Fn(&str) -> (String, &'static str),
) -> Option<T> {
    let (text, line) = value?;
    let parsed = parse(text);
    if parsed.is_none() {
        let (message, hint) = problem(text);
        errors.push(Diagnostic::at(line, format!("order `{id}`: {message}")).hint(hint));
    }
    parsed
}

/// Statuses (lower case) of a cancelled order, in English and Swedish: never posted, whatever
/// `skip_statuses` says.
const CANCELLED: &[&str] =
    &["cancelled", "canceled", "makulerad", "annullerad", "avbruten", "avbeställd"];

pub(super) fn order(
    id: &str,
    fields: &Fields,
    rows: &[Row],
    errors: &mut Vec<Diagnostic>,
) -> Option<Order> {
    let first = rows.first()?.line;
    let at = |name: &str| fields.get(name).map(|(v, l)| (v.as_str(), *l));
    let date = date(id, at("order_date"), first, errors)?;
    let customer = Customer {
        number: field(fields, "customer_number").map(str::to_owned),
        name: field(fields, "customer_name").map(str::to_owned),
        org_number: field(fields, "organisation_number").map(str::to_owned),
        email: field(fields, "email").map(str::to_owned),
        phone: field(fields, "phone").map(str::to_owned),
        company: read(id, at("customer_type"), errors, customer_type, |text| {
            (
                format!("customer type `{text}` is neither company nor private"),
                "write company or private (företag/privat), or leave it empty when unknown",
            )
        }),
        language: field(fields, "language").map(str::to_owned),
        address1: field(fields, "address1").map(str::to_owned),
        address2: field(fields, "address2").map(str::to_owned),
        zip: field(fields, "zip").map(|z| z.trim_start_matches('\'').to_owned()),
        city: field(fields, "city").map(str::to_owned),
        country: country(id, at("country"), errors),
    };
    let status = field(fields, "status").map(str::to_lowercase);
    let mut order = Order {
        id: id.to_owned(),
        line: first,
        date,
        cancelled: status.as_deref().is_some_and(|s| CANCELLED.contains(&s)),
        status,
        customer,
        currency: currency(id, at("currency"), errors),
        prices_include_vat: flag(id, at("prices_include_vat"), "prices_include_vat", errors),
        shipping: shipping_field(id, at("shipping"), "shipping", errors),
        order_discount: amount(id, at("order_discount"), "order discount", errors)
            .unwrap_or_default(),
        discount_code: None,
        your_reference: field(fields, "your_reference").map(str::to_owned),
        remarks: field(fields, "remarks").map(str::to_owned),
        lines: Vec::new(),
        total: at("order_total").and_then(|(text, line)| {
            amount(id, Some((text, line)), "order total", errors).map(|total| (total, line))
        }),
    };
    for row in rows {
        if let Some(line) = line(id, row, errors) {
            if is_type(row, SHIPPING_TYPES) {
                // Each at its own rate, after its discount (free shipping is a 100 % discount).
                let amount = line.net();
                if !amount.is_zero() {
                    order.shipping.push(Shipping {
                        line: line.line,
                        description: line.description,
                        amount,
                        vat_rate: line.vat_rate,
                    });
                }
            } else {
                order.lines.push(line);
            }
        }
    }
    Some(order)
}

/// The order's `shipping` field (`what` in an error) as a charge (none when empty or zero).
pub(crate) fn shipping_field(
    id: &str,
    value: Option<(&str, usize)>,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Shipping> {
    let line = value.map_or(0, |(_, line)| line);
    amount(id, value, what, errors)
        .filter(|a| !a.is_zero())
        .map(|amount| Shipping { line, description: "Frakt".to_owned(), amount, vat_rate: None })
        .into_iter()
        .collect()
}

/// Reads the country field as its ISO 3166 code; one [`country::code`] does not know is an
/// error, not a customer silently made Swedish.
pub(crate) fn country(
    id: &str,
    value: Option<(&str, usize)>,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    read(id, value, errors, country::code, |text| {
        (
            format!("country `{text}` is not one fortnox-bridge knows"),
            "write its ISO 3166 code (SE, DE, NO, GB, US, ...) or its name in Swedish, English \
             or its own language",
        )
    })
    .map(str::to_owned)
}

/// Reads the currency field as its ISO 4217 code ([`text::currency`]); anything else is an
/// error, not sent to Fortnox as it is.
pub(crate) fn currency(
    id: &str,
    value: Option<(&str, usize)>,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    read(id, value, errors, text::currency, |text| {
        (
            format!("currency `{text}` is not a currency code"),
            "write the ISO 4217 code, e.g. SEK or EUR (kr and :- are read as SEK)",
        )
    })
}

/// `company` (true) or `private` (false), in English or Swedish.
fn customer_type(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "company" | "företag" | "foretag" | "b2b" => Some(true),
        "private" | "privat" | "privatperson" | "b2c" => Some(false),
        _ => None,
    }
}

/// Line types (lower case, `_` for a space or `-`) of a gift card sold and of shipping; a
/// row without one, or with one of [`SALE_TYPES`], is a sale.
const GIFT_CARD_TYPES: &[&str] = &["gift_card", "giftcard", "presentkort"];
const SHIPPING_TYPES: &[&str] = &["shipping", "frakt"];
const SALE_TYPES: &[&str] = &["sale", "product", "item", "article", "vara", "artikel"];

fn is_type(row: &Row, types: &[&str]) -> bool {
    row.get("line_type").is_some_and(|t| types.contains(&key(t).as_str()))
}

/// A line type that is none of the known ones: an error, since booking it as a sale could
/// put a gift card's liability or shipping on a sales account.
fn unknown_line_type(id: &str, row: &Row, errors: &mut Vec<Diagnostic>) -> bool {
    let Some(text) = row.get("line_type") else { return false };
    let name = key(text);
    if [GIFT_CARD_TYPES, SHIPPING_TYPES, SALE_TYPES].iter().any(|t| t.contains(&name.as_str())) {
        return false;
    }
    errors.push(
        Diagnostic::at(
            row.line,
            format!("order `{id}`: line type `{text}` is not one fortnox-bridge knows"),
        )
        .hint("write gift_card or shipping, or leave it empty for a sale"),
    );
    true
}

pub(crate) fn date(
    id: &str,
    value: Option<(&str, usize)>,
    first: usize,
    errors: &mut Vec<Diagnostic>,
) -> Option<NaiveDate> {
    let Some((text, line)) = value else {
        errors.push(
            Diagnostic::at(first, format!("order `{id}` has no order date"))
                .hint("fill in the order date (YYYY-MM-DD)"),
        );
        return None;
    };
    let parsed = text::date(text);
    if parsed.is_none() {
        errors.push(
            Diagnostic::at(line, format!("order `{id}`: order date `{text}` is not a date"))
                .hint("write dates as YYYY-MM-DD (a time after it is fine)"),
        );
    }
    parsed
}

/// A VAT rate cell: `25`, `25%`, `12,5 %` or a fraction `0.25`.
pub(crate) fn rate(text: &str) -> Option<Decimal> {
    let value = text::percent(text).or_else(|| text::number(text))?;
    Some(if value > Decimal::ZERO && value < Decimal::ONE {
        value * Decimal::ONE_HUNDRED
    } else {
        value
    })
    .map(|r| r.normalize())
}

/// One order line of our own or a custom layout.
pub(crate) fn line(id: &str, row: &Row, errors: &mut Vec<Diagnostic>) -> Option<Line> {
    let at = |name: &str| row.get(name).map(|v| (v, row.line));
    if unknown_line_type(id, row, errors) {
        return None;
    }
    let before = errors.len();
    let quantity = amount(id, at("quantity"), "quantity", errors);
    let Some(quantity) = quantity.filter(|q| !q.is_zero()) else {
        if errors.len() == before {
            errors.push(
                Diagnostic::at(row.line, format!("order `{id}`: the row has no quantity"))
                    .hint("every order row needs a quantity other than 0"),
            );
        }
        return None;
    };
    let unit_price = match (
        amount(id, at("unit_price"), "unit price", errors),
        amount(id, at("line_total"), "line total", errors),
    ) {
        (Some(p), _) => p,
        (None, Some(total)) => total / quantity,
        (None, None) => {
            if errors.len() == before {
                errors.push(
                    Diagnostic::at(row.line, format!("order `{id}`: the row has no price"))
                        .hint("fill in unit_price (or line_total)"),
                );
            }
            return None;
        }
    };
    let sku = row.get("sku").map(str::to_owned);
    let Some(description) = row.get("description").map(str::to_owned).or_else(|| sku.clone())
    else {
        errors.push(
            Diagnostic::at(
                row.line,
                format!("order `{id}`: the row has neither SKU nor description"),
            )
            .hint("name what was sold: an article number (sku) or a description"),
        );
        return None;
    };
    let vat_rate = match row.get("vat_rate") {
        None => None,
        Some(text) => {
            let r = rate(text);
            if r.is_none() {
                errors.push(
                    Diagnostic::at(
                        row.line,
                        format!("order `{id}`: VAT rate `{text}` is not a percentage"),
                    )
                    .hint("write the rate as 25, 12, 6 or 0"),
                );
            }
            r
        }
    };
    let discount = row.get("discount").and_then(|d| {
        text::percent(d).map(Discount::Percent).or_else(|| text::number(d).map(Discount::Amount))
    });
    let out_of_range = match discount {
        Some(Discount::Percent(p)) if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&p) => {
            Some(format!("discount {}% is not between 0 and 100 %", p.normalize()))
        }
        Some(Discount::Amount(a)) if a < Decimal::ZERO || a > (unit_price * quantity).abs() => {
            Some(format!(
                "discount {} is not between 0 and the row's amount",
                row.get("discount").unwrap_or_default()
            ))
        }
        _ => None,
    };
    if let Some(message) = out_of_range {
        errors.push(Diagnostic::at(row.line, format!("order `{id}`: {message}")).hint(
            "write the row's discount as a percentage (10%) or as an amount off the row (25,00)",
        ));
        return None;
    }
    Some(Line {
        line: row.line,
        sku,
        description,
        quantity,
        unit: row.get("unit").map(str::to_owned),
        unit_price,
        vat_rate,
        discount: discount
            .filter(|d| !matches!(d, Discount::Amount(a) | Discount::Percent(a) if a.is_zero())),
        gift_card: is_type(row, GIFT_CARD_TYPES),
    })
}
