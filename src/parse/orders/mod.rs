//! Order exports (CSV) → typed orders. Three layouts: fortnox-bridge's own CSV (one row per
//! order line, order fields repeated, a header row), Shopify's "Export orders" (order fields
//! only on an order's first row), and any other export through `[orders.columns]`. Encoding
//! (UTF-8 ± BOM, Windows-1252), delimiter (`,` `;` tab) and number format (`1 234,50`) are
//! detected. Pure: bytes and configuration in, orders or located diagnostics out.

mod shopify;
mod text;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::{ORDER_FIELDS, ORDER_LEVEL_FIELDS, OrderFormat, OrdersConfig};
use crate::diagnostic::Diagnostic;

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

fn order(id: &str, fields: &Fields, rows: &[Row], errors: &mut Vec<Diagnostic>) -> Option<Order> {
    let first = rows.first()?.line;
    let at = |name: &str| fields.get(name).map(|(v, l)| (v.as_str(), *l));
    let date = date(id, at("order_date"), first, errors)?;
    let customer = Customer {
        number: field(fields, "customer_number").map(str::to_owned),
        name: field(fields, "customer_name").map(str::to_owned),
        org_number: field(fields, "organisation_number").map(str::to_owned),
        email: field(fields, "email").map(str::to_owned),
        phone: field(fields, "phone").map(str::to_owned),
        company: field(fields, "customer_type").and_then(|t| match t.to_lowercase().as_str() {
            "company" | "företag" | "foretag" | "b2b" => Some(true),
            "private" | "privat" | "privatperson" | "b2c" => Some(false),
            _ => None,
        }),
        language: field(fields, "language").map(str::to_owned),
        address1: field(fields, "address1").map(str::to_owned),
        address2: field(fields, "address2").map(str::to_owned),
        zip: field(fields, "zip").map(|z| z.trim_start_matches('\'').to_owned()),
        city: field(fields, "city").map(str::to_owned),
        country: field(fields, "country").map(str::to_owned),
    };
    let mut order = Order {
        id: id.to_owned(),
        line: first,
        date,
        status: field(fields, "status").map(str::to_lowercase),
        cancelled: false,
        customer,
        currency: field(fields, "currency").map(str::to_uppercase),
        prices_include_vat: flag(id, at("prices_include_vat"), "prices_include_vat", errors),
        shipping: amount(id, at("shipping"), "shipping", errors).unwrap_or_default(),
        shipping_vat: None,
        order_discount: amount(id, at("order_discount"), "order discount", errors)
            .unwrap_or_default(),
        discount_code: None,
        your_reference: field(fields, "your_reference").map(str::to_owned),
        remarks: field(fields, "remarks").map(str::to_owned),
        lines: Vec::new(),
    };
    for row in rows {
        if let Some(line) = line(id, row, errors) {
            if is_type(row, &["shipping", "frakt"]) {
                order.shipping += line.unit_price * line.quantity;
                order.shipping_vat = line.vat_rate;
            } else {
                order.lines.push(line);
            }
        }
    }
    Some(order)
}

fn is_type(row: &Row, types: &[&str]) -> bool {
    row.get("line_type").is_some_and(|t| types.iter().any(|x| t.eq_ignore_ascii_case(x)))
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
        gift_card: is_type(row, &["gift_card", "giftcard", "presentkort"]),
    })
}

#[cfg(test)]
mod tests;
