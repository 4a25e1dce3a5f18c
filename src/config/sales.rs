//! The `[zreport]`, `[accounts]` and `[orders]` sections: how Z-reports become vouchers and
//! order exports become orders and invoices. Raw serde structs, then validated values with the
//! BAS defaults a Swedish shop or restaurant can use unchanged.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawZreport {
    series: Option<String>,
    discounts: Option<String>,
    attach_file: Option<bool>,
    max_rounding_remainder: Option<Decimal>,
}

/// One level of account mapping (the defaults, or a register's overrides).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccountMap {
    #[serde(default)]
    sales: BTreeMap<String, u32>,
    #[serde(default)]
    output_vat: BTreeMap<String, u32>,
    #[serde(default)]
    payments: BTreeMap<String, u32>,
    #[serde(default)]
    categories: BTreeMap<String, u32>,
    gift_cards: Option<u32>,
    tips: Option<u32>,
    rounding: Option<u32>,
    discounts: Option<u32>,
    shipping: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccounts {
    #[serde(flatten)]
    base: RawAccountMap,
    #[serde(default)]
    registers: BTreeMap<String, RawAccountMap>,
}

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

/// How discounts in a Z-report relate to its sales figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountMode {
    /// Sales are after discounts; the discounts are reported, not booked (the default).
    Included,
    /// Sales are before discounts; discounts are debited to `[accounts] discounts` with their VAT.
    Separate,
}

/// How Z-reports are booked.
#[derive(Debug, Clone)]
pub struct ZreportConfig {
    /// Fortnox voucher series (default F "Kassa").
    pub series: String,
    pub discounts: DiscountMode,
    /// Uploads the original Z-report file to Fortnox's inbox and connects it to the voucher
    /// (needs the `inbox` scope).
    pub attach_file: bool,
    /// Largest öre remainder (SEK) left by rounding each account to whole öre that is booked on
    /// `[accounts] rounding` with a warning; a larger one rejects the report. Zero books none.
    pub max_rounding_remainder: Decimal,
}

impl Default for ZreportConfig {
    fn default() -> Self {
        ZreportConfig {
            series: "F".to_owned(),
            discounts: DiscountMode::Included,
            attach_file: false,
            max_rounding_remainder: Decimal::new(5, 2),
        }
    }
}

/// A VAT rate as a map key: the normalized decimal (`25`, `12`, `6`, `0`, `6.5`).
pub fn rate_key(rate: Decimal) -> String {
    rate.normalize().to_string()
}

/// The accounts a voucher or an order row is booked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMap {
    /// Sales per VAT rate (BAS 3001/3002/3003/3004 for 25/12/6/0 %).
    pub sales: BTreeMap<String, u32>,
    /// Output VAT per rate (BAS 2611/2621/2631).
    pub output_vat: BTreeMap<String, u32>,
    /// Means of payment: `cash`, `card`, `swish`, `gift_card`, `invoice`, `other`, or a
    /// payment's own name as the POS prints it (e.g. `"Rikskortet"`).
    pub payments: BTreeMap<String, u32>,
    /// Sales account per product category, overriding the rate's account.
    pub categories: BTreeMap<String, u32>,
    pub gift_cards: u32,
    pub tips: u32,
    pub rounding: u32,
    pub discounts: u32,
    pub shipping: u32,
}

impl Default for AccountMap {
    fn default() -> Self {
        let map = |pairs: &[(&str, u32)]| {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>()
        };
        AccountMap {
            sales: map(&[("25", 3001), ("12", 3002), ("6", 3003), ("0", 3004)]),
            output_vat: map(&[("25", 2611), ("12", 2621), ("6", 2631)]),
            payments: map(&[
                ("cash", 1910),
                ("card", 1580),
                ("swish", 1930),
                ("gift_card", 2421),
                ("invoice", 1510),
                ("other", 1580),
            ]),
            categories: BTreeMap::new(),
            gift_cards: 2421,
            tips: 2890,
            rounding: 3740,
            discounts: 3730,
            shipping: 3520,
        }
    }
}

impl AccountMap {
    /// Every account the mapping uses, with what it is for (for `accounts check`).
    pub fn uses(&self) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for (rate, a) in &self.sales {
            out.push((*a, format!("sales {rate} %")));
        }
        for (rate, a) in &self.output_vat {
            out.push((*a, format!("output VAT {rate} %")));
        }
        for (method, a) in &self.payments {
            out.push((*a, format!("payment `{method}`")));
        }
        for (category, a) in &self.categories {
            out.push((*a, format!("category `{category}`")));
        }
        for (a, what) in [
            (self.gift_cards, "gift cards"),
            (self.tips, "tips"),
            (self.rounding, "rounding"),
            (self.discounts, "discounts"),
            (self.shipping, "shipping rows"),
        ] {
            out.push((a, what.to_owned()));
        }
        out
    }

    fn overlay(&self, raw: &RawAccountMap) -> Result<AccountMap, String> {
        let mut out = self.clone();
        for (key, value) in &raw.sales {
            out.sales.insert(parse_rate(key, "sales")?, *value);
        }
        for (key, value) in &raw.output_vat {
            out.output_vat.insert(parse_rate(key, "output_vat")?, *value);
        }
        for (key, value) in &raw.payments {
            out.payments.insert(key.trim().to_lowercase(), *value);
        }
        for (key, value) in &raw.categories {
            out.categories.insert(key.trim().to_lowercase(), *value);
        }
        for (slot, value) in [
            (&mut out.gift_cards, raw.gift_cards),
            (&mut out.tips, raw.tips),
            (&mut out.rounding, raw.rounding),
            (&mut out.discounts, raw.discounts),
            (&mut out.shipping, raw.shipping),
        ] {
            if let Some(v) = value {
                *slot = v;
            }
        }
        for (account, what) in out.uses() {
            if !(1000..=9999).contains(&account) {
                return Err(format!(
                    "[accounts] {what} maps to `{account}`, which is not a Fortnox account \
                     (hint: four digits 1000-9999, e.g. BAS 3001)"
                ));
            }
        }
        Ok(out)
    }
}

fn parse_rate(key: &str, table: &str) -> Result<String, String> {
    key.trim().trim_end_matches('%').trim().parse::<Decimal>().map(rate_key).map_err(|_| {
        format!(
            "[accounts] {table} key `{key}` is not a VAT rate (hint: write the percent, e.g. \
             \"25\" or \"6\")"
        )
    })
}

/// The account mapping: defaults plus per-register overrides.
#[derive(Debug, Clone, Default)]
pub struct AccountsConfig {
    pub base: AccountMap,
    pub registers: BTreeMap<String, AccountMap>,
}

impl AccountsConfig {
    /// The mapping in force for a register (its overrides on top of the defaults).
    pub fn for_register(&self, register: &str) -> &AccountMap {
        self.registers.get(register).unwrap_or(&self.base)
    }
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
    /// The article's unit (Fortnox fills it in); free-text rows get `default_unit`.
    Article,
    /// The export's `unit` column, falling back to the article's.
    Column,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PricesMode {
    /// Shopify: from the order totals; own format: the `prices_include_vat` column, else no.
    Auto,
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
            skip_statuses: vec!["refunded".to_owned(), "voided".to_owned()],
            terms_of_payment: None,
            columns: BTreeMap::new(),
            tax_titles: BTreeMap::new(),
        }
    }
}

/// Picks `value` among `choices` (`(text, value)`), or explains the allowed ones.
fn choose<T: Copy>(
    section: &str,
    key: &str,
    value: Option<&str>,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, String> {
    let Some(value) = value else { return Ok(default) };
    let wanted = value.trim().to_lowercase();
    choices.iter().find(|(text, _)| *text == wanted).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<String> = choices.iter().map(|(t, _)| format!("\"{t}\"")).collect();
        format!("[{section}] {key} = \"{value}\" is not one of {}", allowed.join(", "))
    })
}

fn check_series(series: &str) -> Result<(), String> {
    if series.is_empty() || series.len() > 10 || !series.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(format!(
            "[zreport] series `{series}` is not a Fortnox series code (hint: 1-10 letters or \
             digits, e.g. \"F\")"
        ));
    }
    Ok(())
}

pub(super) fn zreport(raw: RawZreport) -> Result<ZreportConfig, String> {
    let mut out = ZreportConfig::default();
    if let Some(series) = raw.series {
        check_series(&series)?;
        out.series = series;
    }
    out.discounts = choose(
        "zreport",
        "discounts",
        raw.discounts.as_deref(),
        DiscountMode::Included,
        &[("included", DiscountMode::Included), ("separate", DiscountMode::Separate)],
    )?;
    out.attach_file = raw.attach_file.unwrap_or(false);
    if let Some(max) = raw.max_rounding_remainder {
        if max < Decimal::ZERO || max.normalize().scale() > 2 {
            return Err(format!(
                "[zreport] max_rounding_remainder `{max}` is not an amount of 0 or more in whole \
                 öre (hint: e.g. \"0.05\"; \"0\" rejects every remainder)"
            ));
        }
        out.max_rounding_remainder = max;
    }
    Ok(out)
}

pub(super) fn accounts(raw: &RawAccounts) -> Result<AccountsConfig, String> {
    let base = AccountMap::default().overlay(&raw.base)?;
    let mut registers = BTreeMap::new();
    for (register, overrides) in &raw.registers {
        let map = base
            .overlay(overrides)
            .map_err(|e| e.replace("[accounts]", &format!("[accounts.registers.{register}]")))?;
        registers.insert(register.clone(), map);
    }
    Ok(AccountsConfig { base, registers })
}

/// How many of [`ORDER_FIELDS`] belong to the order (the same on every row of an order, or only
/// on its first); the rest belong to a row.
pub const ORDER_LEVEL_FIELDS: usize = 21;

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

pub(super) fn orders(raw: RawOrders) -> Result<OrdersConfig, String> {
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
            return Err(format!(
                "[orders.columns] `{field}` is not an order field (hint: one of {})",
                ORDER_FIELDS.join(", ")
            ));
        }
    }
    if format == OrderFormat::Custom {
        for required in ["order_id", "quantity"] {
            if !raw.columns.contains_key(required) {
                return Err(format!(
                    "[orders] format = \"custom\" needs [orders.columns] {required} = \"<the \
                     export's column header>\""
                ));
            }
        }
    }
    let mut match_by = Vec::new();
    for key in raw.match_customer_by.unwrap_or_default() {
        match_by.push(choose(
            "orders",
            "match_customer_by",
            Some(&key),
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
        return Err(format!("[orders] currency `{currency}` is not a currency code (e.g. SEK)"));
    }
    let default_unit = raw.default_unit.unwrap_or(d.default_unit);
    if default_unit.chars().count() > 6 {
        return Err(format!("[orders] default_unit `{default_unit}` is longer than 6 characters"));
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

    #[test]
    fn defaults_are_bas() {
        let a = accounts(&RawAccounts::default()).expect("defaults");
        assert_eq!(a.base.sales.get("6"), Some(&3003));
        assert_eq!(a.base.output_vat.get("25"), Some(&2611));
        assert_eq!(a.base.payments.get("swish"), Some(&1930));
        assert_eq!(a.base.rounding, 3740);
        assert_eq!(a.for_register("any").gift_cards, 2421);
    }

    #[test]
    fn register_overrides_sit_on_top_of_the_defaults() {
        let raw: RawAccounts = toml::from_str(
            "tips = 2891\npayments = { Rikskortet = 1581 }\n\
             [registers.BAR]\nsales = { \"25 %\" = 3011 }\n",
        )
        .expect("toml");
        let a = accounts(&raw).expect("valid");
        let bar = a.for_register("BAR");
        assert_eq!(bar.sales.get("25"), Some(&3011));
        assert_eq!(bar.sales.get("12"), Some(&3002));
        assert_eq!(bar.tips, 2891);
        assert_eq!(bar.payments.get("rikskortet"), Some(&1581));
        assert_eq!(a.for_register("KASSA1").sales.get("25"), Some(&3001));
        let raw: RawAccounts = toml::from_str("[registers.X]\nrounding = 37400\n").expect("toml");
        let err = accounts(&raw).expect_err("invalid");
        assert!(err.starts_with("[accounts.registers.X] rounding maps to `37400`"), "{err}");
    }

    #[test]
    fn max_rounding_remainder_is_whole_ore_and_not_negative() {
        let z = |text: &str| zreport(toml::from_str(text).expect("toml"));
        let max = |text: &str| z(text).expect("valid").max_rounding_remainder;
        assert_eq!(max(""), Decimal::new(5, 2));
        assert_eq!(max("max_rounding_remainder = \"0\""), Decimal::ZERO);
        assert_eq!(max("max_rounding_remainder = \"0.10\""), Decimal::new(10, 2));
        assert_eq!(max("max_rounding_remainder = \"0.020\""), Decimal::new(2, 2));
        for bad in ["-0.01", "0.005"] {
            let err = z(&format!("max_rounding_remainder = \"{bad}\"")).expect_err(bad);
            assert!(
                err.starts_with(&format!("[zreport] max_rounding_remainder `{bad}` is not an")),
                "{err}"
            );
            assert!(err.contains("(hint: e.g. \"0.05\""), "{err}");
        }
        assert!(toml::from_str::<RawZreport>("max_rounding_remainder = \"fem öre\"").is_err());
    }

    #[test]
    fn unknown_account_keys_are_refused() {
        assert!(toml::from_str::<RawAccounts>("tipz = 2890\n").is_err());
        assert!(toml::from_str::<RawAccounts>("[registers.A]\ntipz = 2890\n").is_err());
    }
}
