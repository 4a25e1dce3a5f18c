//! Order exports (CSV) → typed orders. Three layouts: fortnox-bridge's own CSV (one row per
//! order line, order fields repeated, a header row), Shopify's "Export orders" (order fields
//! only on an order's first row), and any other export through `[orders.columns]`. Encoding
//! (UTF-8 ± BOM, Windows-1252), delimiter (`,` `;` tab) and number format (`1 234,50`) are
//! detected. Pure: bytes and configuration in, orders or located diagnostics out.

pub mod country;
mod header;
mod rows;
mod shopify;
mod text;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::{ORDER_FIELDS, ORDER_LEVEL_FIELDS, OrderFormat, OrdersConfig};
use crate::diagnostic::Diagnostic;

use rows::{consolidate, order};
use text::{LineStarts, decode, delimiter};

/// Statuses (lower case, `_` for a space or `-`) of an order the customer has paid: Shopify's
/// Financial Status `paid` and `partially_refunded` (paid, part of it refunded since), and the
/// Swedish `betald`, `betalad`, `delvis_återbetald`. Not WooCommerce's `processing` or
/// `completed`, which cash-on-delivery orders take too.
pub const PAID_STATUSES: &[&str] =
    &["paid", "partially_refunded", "betald", "betalad", "delvis_återbetald"];

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
    /// ISO 3166 alpha-2 code, read from a code or a name ([`country::code`]).
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

impl Line {
    /// The row's amount after its discount.
    pub fn net(&self) -> Decimal {
        let gross = self.quantity * self.unit_price;
        match self.discount {
            Some(Discount::Amount(a)) => gross - a,
            Some(Discount::Percent(p)) => gross * (Decimal::ONE_HUNDRED - p) / Decimal::ONE_HUNDRED,
            None => gross,
        }
    }
}

/// Shipping charged: the order's `shipping` field, or a shipping row after its discount.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipping {
    pub line: usize,
    /// The row's text; `Frakt` for the order's `shipping` field.
    pub description: String,
    pub amount: Decimal,
    /// The row's VAT rate; `None` (the order's `shipping` field, or a row without one):
    /// `[orders] shipping_vat`.
    pub vat_rate: Option<Decimal>,
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
    /// ISO 4217 code.
    pub currency: Option<String>,
    pub prices_include_vat: Option<bool>,
    /// Each shipping charge, in the order of the file (none zero).
    pub shipping: Vec<Shipping>,
    /// Discount on the whole order (not on a row), including VAT when prices do.
    pub order_discount: Decimal,
    pub discount_code: Option<String>,
    pub your_reference: Option<String>,
    pub remarks: Option<String>,
    pub lines: Vec<Line>,
    /// The total the export gives for the order (`order_total`) and its line: checked against
    /// what the order is invoiced at.
    pub total: Option<(Decimal, usize)>,
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
    let decoded = decode(bytes);
    let text = decoded.text;
    let delim = delimiter(&text);
    let mut out = OrdersFile {
        encoding: decoded.encoding.to_owned(),
        delimiter: char::from(delim),
        warnings: decoded.warnings,
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
    let format = match header::layout(config.format, &headers) {
        Ok(format) => format,
        Err(d) => {
            out.errors.push(*d);
            return out;
        }
    };
    match format {
        OrderFormat::Shopify => "Shopify CSV",
        OrderFormat::Custom => "custom CSV",
        _ => "fortnox-bridge CSV",
    }
    .clone_into(&mut out.format);
    let columns = match header::columns(format, &headers, config) {
        Ok(c) => c,
        Err(d) => {
            out.errors.push(d);
            return out;
        }
    };
    if format == OrderFormat::Own {
        out.warnings.extend(header::unknown_columns(&headers));
    }
    if format != OrderFormat::Shopify
        && !config.vat_rate_given
        && !columns.iter().any(|(f, _)| *f == "vat_rate")
    {
        out.errors.push(Diagnostic::at(1, "the export has no VAT rate column (vat_rate)").hint(
            "add the rate of each row (25, 12, 6 or 0) as vat_rate, map the export's column \
             under [orders.columns], or set [orders] vat_rate to book every row at one rate",
        ));
        return out;
    }
    let lines = LineStarts::new(text.as_bytes());
    let line_of = |p: Option<&csv::Position>| p.map_or(1, |p| lines.line_of(&text, p.byte()));
    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    let mut group_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(Diagnostic::at(
                    line_of(e.position()),
                    format!("unreadable CSV row: {e}"),
                ));
                continue;
            }
        };
        let line = line_of(record.position());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.rows += 1;
        if let Some(d) = misaligned(&record, headers.len(), &columns, delim, line) {
            out.errors.push(d);
            continue;
        }
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
        // By an index of the ids: an export of 80,000 orders searched the list for each row.
        if let Some(&i) = group_of.get(&id) {
            groups[i].1.push(row);
        } else {
            group_of.insert(id.clone(), groups.len());
            groups.push((id, vec![row]));
        }
    }
    for (id, rows) in groups {
        let (fields, mut errors) = consolidate(&id, &rows);
        // Its rows agree on the order's fields (its status among them).
        let agreed = errors.is_empty();
        let order = if format == OrderFormat::Shopify {
            shopify::order(&id, &fields, &rows, config, &mut errors, &mut out.warnings)
        } else {
            order(&id, &fields, &rows, &mut errors)
        };
        match order {
            Some(order) if errors.is_empty() => out.orders.push(order),
            // Cancelled (or of a skipped status): never posted, so what is wrong in its rows
            // does not stop the rest of the export.
            Some(order) if agreed && order.not_posted(config) => {
                out.warnings.push(passed_over(&order, &errors));
                out.orders.push(order);
            }
            _ => out.errors.extend(errors),
        }
    }
    if out.rows == 0 && out.errors.is_empty() {
        out.warnings.push(Diagnostic::file("the export holds no orders, so nothing is posted"));
    }
    out
}

impl Order {
    /// What its shipping charges add up to.
    pub fn shipping_total(&self) -> Decimal {
        self.shipping.iter().map(|s| s.amount).sum()
    }

    /// Its status when `[orders] skip_statuses` names it (refunded, say): not posted.
    pub fn skipped_status<'a>(&'a self, config: &OrdersConfig) -> Option<&'a str> {
        self.status.as_deref().filter(|s| config.skip_statuses.iter().any(|x| x == s))
    }

    /// Its status when the export says the customer has paid it (Shopify's Financial Status
    /// `paid` or `partially_refunded`, [`PAID_STATUSES`]): its invoice is no bill to send.
    pub fn paid_status(&self) -> Option<&str> {
        let status = self.status.as_deref()?;
        let key = status.trim().replace([' ', '-'], "_");
        PAID_STATUSES.contains(&key.as_str()).then_some(status)
    }

    /// Whether it is never posted: cancelled in the shop, or of a skipped status.
    pub fn not_posted(&self, config: &OrdersConfig) -> bool {
        self.cancelled || self.skipped_status(config).is_some()
    }
}

/// The warning for the problems in the rows of an order that is not posted (`errors`, at
/// least one).
fn passed_over(order: &Order, errors: &[Diagnostic]) -> Diagnostic {
    let first = errors.first().map(|e| match e.line {
        Some(line) => format!("line {line}: {}", e.message),
        None => e.message.clone(),
    });
    let more = match errors.len() {
        0 | 1 => String::new(),
        n => format!(" ({} more)", n - 1),
    };
    Diagnostic::at(
        order.line,
        format!(
            "order `{}` is not posted (its status is {}), so what is wrong in its rows does not \
             stop the export: {}{more}",
            order.id,
            if order.cancelled { "cancelled" } else { order.status.as_deref().unwrap_or("") },
            first.unwrap_or_default()
        ),
    )
}

/// A row whose cells do not line up with the header: more cells than columns (an unquoted
/// decimal comma in a `,`-separated file shifts every cell after it), or fewer, with a column
/// that is read left without a cell.
fn misaligned(
    record: &csv::StringRecord,
    width: usize,
    columns: &[(&'static str, usize)],
    delim: u8,
    line: usize,
) -> Option<Diagnostic> {
    let cells = record.len();
    // Even empty cells past the header count: a shift moves only the last cell off the end,
    // and that one is often empty (a sale's line_type).
    let extra = cells > width;
    let missing: Vec<&str> =
        columns.iter().filter(|(_, i)| *i >= cells).map(|(field, _)| *field).collect();
    if !extra && missing.is_empty() {
        return None;
    }
    let message = format!("the row has {cells} fields, but the header has {width}");
    Some(if extra {
        let hint = if delim == b',' {
            "its cells would land in the wrong columns; a decimal comma in a `,`-separated file \
             must be quoted (\"89,25\") or written 89.25, and so must a comma in a text"
        } else {
            "its cells would land in the wrong columns; a delimiter inside a text must be quoted"
        };
        Diagnostic::at(line, message).hint(hint)
    } else {
        Diagnostic::at(line, format!("{message}: no cell for {}", missing.join(", ")))
            .hint("every row needs a cell for every column of the header (an empty one is fine)")
    })
}

#[cfg(test)]
mod tests;
