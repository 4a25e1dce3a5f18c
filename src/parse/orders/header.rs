//! The header row of an order export: which layout it is, which column holds which field,
//! and, in our own layout, the columns it has that fortnox-bridge does not read (a misspelt
//! `vat_rate` must not go unnoticed while every row is booked at a default rate).

use crate::config::{ORDER_FIELDS, OrderFormat, OrdersConfig};
use crate::diagnostic::Diagnostic;

use super::shopify;

/// A header (or a line type) as a name of our own layout: lower case, a space or `-` read as
/// `_` (`Order ID` is `order_id`, `gift card` is `gift_card`).
pub(super) fn key(header: &str) -> String {
    header.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The layout of an export: the configured one, or the one its header shows.
pub(super) fn layout(
    configured: OrderFormat,
    headers: &[String],
) -> Result<OrderFormat, Box<Diagnostic>> {
    match configured {
        OrderFormat::Auto if shopify::is_shopify(headers) => Ok(OrderFormat::Shopify),
        OrderFormat::Auto if headers.iter().any(|h| key(h) == "order_id") => Ok(OrderFormat::Own),
        OrderFormat::Auto => {
            let near = headers.iter().find(|h| suggestion(h) == Some("order_id"));
            let message = match near {
                Some(h) => format!(
                    "the header row has no `order_id` column (`{}` looks like it)",
                    h.trim()
                ),
                None => format!(
                    "the header row ({}) is not one of an order export fortnox-bridge knows",
                    shown(headers)
                ),
            };
            Err(Box::new(Diagnostic::at(1, message).hint(
                "use fortnox-bridge's order CSV (its order_id, order_date, ... columns), \
                 Shopify's order export, or map this shop's columns under [orders.columns]",
            )))
        }
        other => Ok(other),
    }
}

/// The first few headers, quoted, for a message.
fn shown(headers: &[String]) -> String {
    let mut list: Vec<String> = headers.iter().take(4).map(|h| format!("`{}`", h.trim())).collect();
    if headers.len() > 4 {
        list.push("...".to_owned());
    }
    list.join(", ")
}

/// Warnings for the columns of our own layout that are no field of it, each with the field
/// it may have been meant as.
pub(super) fn unknown_columns(headers: &[String]) -> Vec<Diagnostic> {
    headers
        .iter()
        .filter(|h| !h.trim().is_empty() && !ORDER_FIELDS.contains(&key(h).as_str()))
        .map(|h| {
            let d = Diagnostic::at(
                1,
                format!("column `{}` is not one fortnox-bridge reads; it is ignored", h.trim()),
            );
            match suggestion(h) {
                Some(field) => d.hint(format!("if it is meant as {field}, name it `{field}`")),
                None => d.hint("the columns read are listed in docs/formats.md (Order CSV)"),
            }
        })
        .collect()
}

/// Names shops and people give our fields, in English and Swedish.
const ALIASES: &[(&str, &str)] = &[
    ("moms", "vat_rate"),
    ("momssats", "vat_rate"),
    ("vat", "vat_rate"),
    ("tax", "vat_rate"),
    ("tax_rate", "vat_rate"),
    ("pris", "unit_price"),
    ("price", "unit_price"),
    ("unitprice", "unit_price"),
    ("antal", "quantity"),
    ("qty", "quantity"),
    ("datum", "order_date"),
    ("date", "order_date"),
    ("ordernr", "order_id"),
    ("ordernummer", "order_id"),
    ("orderid", "order_id"),
    ("order_number", "order_id"),
    ("order", "order_id"),
    ("id", "order_id"),
    ("benämning", "description"),
    ("artikelnr", "sku"),
    ("rabatt", "discount"),
    ("frakt", "shipping"),
];

/// The field of our layout a header was likely meant as: a known alias, or a field within
/// two edits of it.
fn suggestion(header: &str) -> Option<&'static str> {
    let key = key(header);
    if let Some((_, field)) = ALIASES.iter().find(|(alias, _)| *alias == key) {
        return Some(field);
    }
    crate::similar::closest(&key, ORDER_FIELDS.iter().copied())
}

/// Canonical field → column index for the layout.
pub(super) fn columns(
    format: OrderFormat,
    headers: &[String],
    config: &OrdersConfig,
) -> Result<Vec<(&'static str, usize)>, Diagnostic> {
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name.trim()));
    let own = |field: &str| headers.iter().position(|h| key(h) == field);
    let mut out = Vec::new();
    match format {
        OrderFormat::Shopify => {
            for (field, header) in shopify::COLUMNS {
                if let Some(i) = find(header) {
                    out.push((*field, i));
                }
            }
        }
        OrderFormat::Custom => {
            for (field, header) in &config.columns {
                let Some(field) = ORDER_FIELDS.iter().find(|f| *f == field) else { continue };
                let i = find(header).ok_or_else(|| {
                    Diagnostic::at(1, format!("the header row has no column `{header}`")).hint(
                        format!(
                            "[orders.columns] maps {field} to it; fix the mapping or the export"
                        ),
                    )
                })?;
                out.push((*field, i));
            }
        }
        _ => {
            for field in ORDER_FIELDS {
                if let Some(i) = own(field) {
                    out.push((*field, i));
                }
            }
            for required in ["order_id", "order_date", "quantity"] {
                if own(required).is_none() {
                    return Err(Diagnostic::at(
                        1,
                        format!("the header row has no `{required}` column"),
                    )
                    .hint("see the order CSV format in docs/formats.md"));
                }
            }
        }
    }
    if !out.iter().any(|(f, _)| matches!(*f, "unit_price" | "line_total")) {
        return Err(Diagnostic::at(1, "the header row has no `unit_price` or `line_total` column")
            .hint("an order row needs its price; see the order CSV format in docs/formats.md"));
    }
    Ok(out)
}
