//! The `[orders]` section: how order exports become Fortnox orders and invoices (layout,
//! document kind, customers, articles, shipping, language, units, prices), and the canonical
//! order fields `[orders.columns]` may map.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Problem, choose, choose_named};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOrders {
    format: Option<String>,
    create: Option<String>,
    bookkeep: Option<bool>,
    email: Option<bool>,
    match_customer_by: Option<Vec<String>>,
    create_customers: Option<bool>,
    allow_duplicates: Option<bool>,
    default_customer: Option<String>,
    create_articles: Option<bool>,
    missing_article: Option<String>,
    shipping: Option<String>,
    shipping_vat: Option<Decimal>,
    language: Option<String>,
    unit: Option<String>,
    default_unit: Option<String>,
    prices: Option<String>,
    currency: Option<String>,
    vat_rate: Option<Decimal>,
    skip_statuses: Option<Vec<String>>,
    terms_of_payment: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    tax_titles: BTreeMap<String, Decimal>,
}

/// Which order export layout a CSV has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFormat {
    /// Recognised from the header row.
    Auto,
    /// fortnox-bridge's own CSV (`order_id,order_date,...`).
    Own,
    /// Shopify's "Export orders" CSV.
    Shopify,
    /// Any export, through `[orders.columns]`.
    Custom,
}

/// Which Fortnox document an order becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CreateDocument {
    Order,
    OrderAndInvoice,
    Invoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingArticle {
    /// Send the row without an article, on the sales account of its VAT rate.
    FreeText,
    /// Keep the order waiting until the article exists in Fortnox.
    Hold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippingMode {
    /// Fortnox's `Freight` field (Fortnox computes its VAT).
    Freight,
    /// A row of its own on `[accounts] shipping` with `shipping_vat`.
    Row,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanguagePolicy {
    Sv,
    En,
    /// The customer's language (`language` column) if SV or EN, else EN.
    CustomerOrEn,
    /// The customer's language if SV or EN, else SV.
    CustomerOrSv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSource {
    /// Article rows send no unit, so Fortnox uses the article's.
    Article,
    /// Article rows send the export's `unit` column, falling back to the article's.
    ///
    /// In both modes a free-text row (no SKU, not a gift card) gets the `unit` column, else `default_unit`, and a
    /// new article is created with the same.
    Column,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PricesMode {
    /// Shopify: from the order totals; own format: the `prices_include_vat` column, else no.
    Auto,
    /// Forced for every order; an order whose own `prices_include_vat` disagrees is rejected.
    IncludingVat,
    ExcludingVat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CustomerKey {
    CustomerNumber,
    OrganisationNumber,
    Email,
}

/// How order exports become Fortnox orders and invoices.
#[derive(Debug, Clone)]
pub struct OrdersConfig {
    pub format: OrderFormat,
    pub create: CreateDocument,
    pub bookkeep: bool,
    pub email: bool,
    pub match_customer_by: Vec<CustomerKey>,
    pub create_customers: bool,
    pub allow_duplicates: bool,
    pub default_customer: Option<String>,
    pub create_articles: bool,
    pub missing_article: MissingArticle,
    pub shipping: ShippingMode,
    pub shipping_vat: Decimal,
    pub language: LanguagePolicy,
    pub unit: UnitSource,
    pub default_unit: String,
    pub prices: PricesMode,
    pub currency: String,
    pub vat_rate: Decimal,
    /// `[orders] vat_rate` is written in the configuration: a row of our own or a custom CSV
    /// without a VAT rate takes it. Without it such a row is an error, not a guessed 25 %.
    pub vat_rate_given: bool,
    pub skip_statuses: Vec<String>,
    pub terms_of_payment: Option<String>,
    /// Canonical field → the export's column header (format = "custom").
    pub columns: BTreeMap<String, String>,
    /// Shopify tax title (lower case) → VAT rate.
    pub tax_titles: BTreeMap<String, Decimal>,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            format: OrderFormat::Auto,
            create: CreateDocument::Order,
            bookkeep: false,
            email: false,
            match_customer_by: vec![
                CustomerKey::CustomerNumber,
                CustomerKey::OrganisationNumber,
                CustomerKey::Email,
            ],
            create_customers: true,
            allow_duplicates: false,
            default_customer: None,
            create_articles: false,
            missing_article: MissingArticle::FreeText,
            shipping: ShippingMode::Freight,
            shipping_vat: Decimal::from(25),
            language: LanguagePolicy::Sv,
            unit: UnitSource::Article,
            default_unit: "st".to_owned(),
            prices: PricesMode::Auto,
            currency: "SEK".to_owned(),
            vat_rate: Decimal::from(25),
            vat_rate_given: false,
            skip_statuses: SKIP_STATUSES.iter().map(|s| (*s).to_owned()).collect(),
            terms_of_payment: None,
            columns: BTreeMap::new(),
            tax_titles: BTreeMap::new(),
        }
    }
}

/// Statuses (lower case) of orders not posted unless `skip_statuses` says otherwise: refunded,
/// voided, or whose payment failed or was declined, in English and Swedish. A status is matched
/// whatever its case (`Återbetald`). Cancelled orders are never posted (`cancelled`, `makulerad`,
/// `avbruten`, ...), whatever this list says.
pub const SKIP_STATUSES: &[&str] = &[
    "refunded",
    "voided",
    "failed",
    "declined",
    "återbetald",
    "återbetalad",
    "krediterad",
    "nekad",
    "misslyckad",
];

/// How many of [`ORDER_FIELDS`] belong to the order (the same on every row of an order, or only
/// on its first); the rest belong to a row.
pub const ORDER_LEVEL_FIELDS: usize = 22;

/// Canonical order fields a `[orders.columns]` mapping may name: the order-level ones first
/// (up to `remarks`), then the row fields.
pub const ORDER_FIELDS: &[&str] = &[
    "order_id",
    "order_date",
    "status",
    "customer_number",
    "customer_name",
    "organisation_number",
    "email",
    "phone",
    "customer_type",
    "language",
    "address1",
    "address2",
    "zip",
    "city",
    "country",
    "currency",
    "prices_include_vat",
    "shipping",
    "order_discount",
    "order_total",
    "your_reference",
    "remarks",
    "sku",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "line_total",
    "vat_rate",
    "discount",
    "line_type",
];

pub(super) fn orders(raw: RawOrders) -> Result<OrdersConfig, Problem> {
    let d = OrdersConfig::default();
    let format = choose(
        "orders",
        "format",
        raw.format.as_deref(),
        if raw.columns.is_empty() { OrderFormat::Auto } else { OrderFormat::Custom },
        &[
            ("auto", OrderFormat::Auto),
            ("fortnox-bridge", OrderFormat::Own),
            ("shopify", OrderFormat::Shopify),
            ("custom", OrderFormat::Custom),
        ],
    )?;
    for field in raw.columns.keys() {
        if !ORDER_FIELDS.contains(&field.as_str()) {
            return Err(Problem::new(
                &["orders", "columns", field],
                format!(
                    "[orders.columns] `{field}` is not an order field (hint: one of {})",
                    ORDER_FIELDS.join(", ")
                ),
            ));
        }
    }
    if format == OrderFormat::Custom {
        for required in ["order_id", "quantity"] {
            if !raw.columns.contains_key(required) {
                return Err(Problem::new(
                    &["orders", "columns"],
                    format!(
                        "[orders] format = \"custom\" needs the column that holds \
                         `{required}` (hint: [orders.columns] {required} = \"<the export's \
                         column header>\")"
                    ),
                ));
            }
        }
    }
    let mut match_by = Vec::new();
    for (i, key) in raw.match_customer_by.unwrap_or_default().iter().enumerate() {
        match_by.push(choose_named(
            "[orders] match_customer_by",
            &["orders", "match_customer_by", &i.to_string()],
            Some(key),
            CustomerKey::Email,
            &[
                ("customer_number", CustomerKey::CustomerNumber),
                ("organisation_number", CustomerKey::OrganisationNumber),
                ("email", CustomerKey::Email),
            ],
        )?);
    }
    let currency = raw.currency.unwrap_or(d.currency).trim().to_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(Problem::new(
            &["orders", "currency"],
            format!(
                "[orders] currency `{currency}` is not a currency code (hint: three letters, \
                 e.g. \"SEK\" or \"EUR\")"
            ),
        ));
    }
    let default_unit = raw.default_unit.unwrap_or(d.default_unit);
    if default_unit.chars().count() > 6 {
        return Err(Problem::new(
            &["orders", "default_unit"],
            format!(
                "[orders] default_unit `{default_unit}` is longer than 6 characters (hint: \
                 Fortnox's unit codes are short, e.g. \"st\" or \"kg\")"
            ),
        ));
    }
    Ok(OrdersConfig {
        format,
        create: choose(
            "orders",
            "create",
            raw.create.as_deref(),
            d.create,
            &[
                ("order", CreateDocument::Order),
                ("order+invoice", CreateDocument::OrderAndInvoice),
                ("invoice", CreateDocument::Invoice),
            ],
        )?,
        bookkeep: raw.bookkeep.unwrap_or(d.bookkeep),
        email: raw.email.unwrap_or(d.email),
        match_customer_by: if match_by.is_empty() { d.match_customer_by } else { match_by },
        create_customers: raw.create_customers.unwrap_or(d.create_customers),
        allow_duplicates: raw.allow_duplicates.unwrap_or(d.allow_duplicates),
        default_customer: raw.default_customer.filter(|c| !c.trim().is_empty()),
        create_articles: raw.create_articles.unwrap_or(d.create_articles),
        missing_article: choose(
            "orders",
            "missing_article",
            raw.missing_article.as_deref(),
            d.missing_article,
            &[("free_text", MissingArticle::FreeText), ("hold", MissingArticle::Hold)],
        )?,
        shipping: choose(
            "orders",
            "shipping",
            raw.shipping.as_deref(),
            d.shipping,
            &[("freight", ShippingMode::Freight), ("row", ShippingMode::Row)],
        )?,
        shipping_vat: raw.shipping_vat.unwrap_or(d.shipping_vat),
        language: choose(
            "orders",
            "language",
            raw.language.as_deref(),
            d.language,
            &[
                ("sv", LanguagePolicy::Sv),
                ("en", LanguagePolicy::En),
                ("customer-en", LanguagePolicy::CustomerOrEn),
                ("customer-sv", LanguagePolicy::CustomerOrSv),
            ],
        )?,
        unit: choose(
            "orders",
            "unit",
            raw.unit.as_deref(),
            d.unit,
            &[("article", UnitSource::Article), ("column", UnitSource::Column)],
        )?,
        default_unit,
        prices: choose(
            "orders",
            "prices",
            raw.prices.as_deref(),
            d.prices,
            &[
                ("auto", PricesMode::Auto),
                ("incl_vat", PricesMode::IncludingVat),
                ("excl_vat", PricesMode::ExcludingVat),
            ],
        )?,
        currency,
        vat_rate_given: raw.vat_rate.is_some(),
        vat_rate: raw.vat_rate.unwrap_or(d.vat_rate),
        skip_statuses: raw
            .skip_statuses
            .map(|s| s.into_iter().map(|x| x.trim().to_lowercase()).collect())
            .unwrap_or(d.skip_statuses),
        terms_of_payment: raw.terms_of_payment.filter(|t| !t.trim().is_empty()),
        columns: raw.columns,
        tax_titles: raw
            .tax_titles
            .into_iter()
            .map(|(title, rate)| (title.trim().to_lowercase(), rate))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_level_fields_come_first_and_end_at_remarks() {
        assert_eq!(ORDER_FIELDS[ORDER_LEVEL_FIELDS - 1], "remarks");
        assert_eq!(ORDER_FIELDS[ORDER_LEVEL_FIELDS], "sku");
    }
}
