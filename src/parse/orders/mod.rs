//! Order exports (CSV) → typed orders. Three layouts: fortnox-bridge's own CSV (one row per
//! order line, order fields repeated, a header row), Shopify's "Export orders" (order fields
//! only on an order's first row), and any other export through `[orders.columns]`. Encoding
//! (UTF-8 ± BOM, Windows-1252), delimiter (`,` `;` tab) and number format (`1 234,50`) are
//! detected. Pure: bytes and configuration in, orders or located diagnostics out.

mod rows;
mod shopify;
mod text;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::{ORDER_FIELDS, ORDER_LEVEL_FIELDS, OrderFormat, OrdersConfig};
use crate::diagnostic::Diagnostic;

use rows::{consolidate, order};
use text::{decode, delimiter};

/// Fields that belong to the order (the same on every row of it, or only on its first).
const ORDER_LEVEL: &[&str] = ORDER_FIELDS.split_at(ORDER_LEVEL_FIELDS).0;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customer {
    pub number: Option<String>,
    pub name: Option<String>,
    pub org_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `Some(true)` company, `Some(false)` private person, `None` unknown.
    pub company: Option<bool>,
    pub language: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub zip: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Discount {
    /// Off the row total.
    Amount(Decimal),
    Percent(Decimal),
}

/// One order line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub line: usize,
    pub sku: Option<String>,
    pub description: String,
    pub quantity: Decimal,
    pub unit: Option<String>,
    pub unit_price: Decimal,
    pub vat_rate: Option<Decimal>,
    pub discount: Option<Discount>,
    /// A gift card sold: a liability, not revenue.
    pub gift_card: bool,
}

/// One order of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    /// Line of the order's first row.
    pub line: usize,
    pub date: NaiveDate,
    pub status: Option<String>,
    pub cancelled: bool,
    pub customer: Customer,
    pub currency: Option<String>,
    pub prices_include_vat: Option<bool>,
    pub shipping: Decimal,
    pub shipping_vat: Option<Decimal>,
    /// Discount on the whole order (not on a row), including VAT when prices do.
    pub order_discount: Decimal,
    pub discount_code: Option<String>,
    pub your_reference: Option<String>,
    pub remarks: Option<String>,
    pub lines: Vec<Line>,
}

/// A parsed order export.
#[derive(Debug, Clone, Default)]
pub struct OrdersFile {
    /// `fortnox-bridge CSV`, `Shopify CSV` or `custom CSV`.
    pub format: String,
    pub encoding: String,
    pub delimiter: char,
    /// Data rows read.
    pub rows: usize,
    pub orders: Vec<Order>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// One data row: canonical field → cell text (trimmed, non-empty only).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: usize,
    pub cells: BTreeMap<&'static str, String>,
}

impl Row {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.cells.get(field).map(String::as_str)
    }
}

/// Parses an order export with the layout `config.format` (or the one its header shows).
pub fn parse(bytes: &[u8], config: &OrdersConfig) -> OrdersFile {
    let (text, encoding) = decode(bytes);
    let delim = delimiter(&text);
    let mut out = OrdersFile {
        encoding: encoding.to_owned(),
        delimiter: char::from(delim),
        ..OrdersFile::default()
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_owned()).collect(),
        Err(e) => {
            out.errors.push(Diagnostic::at(1, format!("cannot read the header row: {e}")));
            return out;
        }
    };
    let format = match config.format {
        OrderFormat::Auto if shopify::is_shopify(&headers) => OrderFormat::Shopify,
        OrderFormat::Auto if headers.iter().any(|h| h.eq_ignore_ascii_case("order_id")) => {
            OrderFormat::Own
        }
        OrderFormat::Auto => {
            out.errors.push(
                Diagnostic::at(
                    1,
                    "the header row is not one of an order export fortnox-bridge knows",
                )
                .hint(
                    "use fortnox-bridge's order CSV (order_id, order_date, ...), Shopify's \
                         order export, or map this shop's columns under [orders.columns]",
                ),
            );
            return out;
        }
        other => other,
    };
    match format {
        OrderFormat::Shopify => "Shopify CSV",
        OrderFormat::Custom => "custom CSV",
        _ => "fortnox-bridge CSV",
    }
    .clone_into(&mut out.format);
    let columns = match columns(format, &headers, config) {
        Ok(c) => c,
        Err(d) => {
            out.errors.push(d);
            return out;
        }
    };
    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                out.errors.push(Diagnostic::at(line.max(1), format!("unreadable CSV row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.rows += 1;
        let mut cells = BTreeMap::new();
        for (field, index) in &columns {
            if let Some(value) = record.get(*index).map(str::trim).filter(|v| !v.is_empty()) {
                cells.insert(*field, value.to_owned());
            }
        }
        let row = Row { line, cells };
        let Some(id) = row.get("order_id").map(str::to_owned) else {
            out.errors.push(
                Diagnostic::at(line, "row has no order id")
                    .hint("every row needs the id of the order it belongs to"),
            );
            continue;
        };
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((id, vec![row])),
        }
    }
    for (id, rows) in groups {
        let (fields, mut errors) = consolidate(&id, &rows);
        let order = if format == OrderFormat::Shopify {
            shopify::order(&id, &fields, &rows, config, &mut errors, &mut out.warnings)
        } else {
            order(&id, &fields, &rows, &mut errors)
        };
        if errors.is_empty()
            && let Some(order) = order
        {
            out.orders.push(order);
        }
        out.errors.extend(errors);
    }
    if out.rows == 0 && out.errors.is_empty() {
        out.warnings.push(Diagnostic::file("the export holds no orders, so nothing is posted"));
    }
    out
}

/// Canonical field → column index for the layout.
fn columns(
    format: OrderFormat,
    headers: &[String],
    config: &OrdersConfig,
) -> Result<Vec<(&'static str, usize)>, Diagnostic> {
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name.trim()));
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
                if let Some(i) = find(field) {
                    out.push((*field, i));
                }
            }
            for required in ["order_id", "order_date", "quantity"] {
                if find(required).is_none() {
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

#[cfg(test)]
mod tests;
