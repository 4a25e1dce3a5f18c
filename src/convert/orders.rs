//! Order export → one [`OrderPlan`] per order: the Fortnox order or invoice body, how to find
//! or create its customer, which articles (SKU = ArticleNumber) and units it needs, and what
//! follows (create the invoice, bookkeep, e-mail). Pure: whether a customer or an article exists
//! is only known at upload time, so the plan says what to do in either case.
//!
//! Identity: the shop's order id goes into `ExternalInvoiceReference1` (searched with an exact
//! match before anything is created); the marker (from the order id) and a version hash (from
//! the content) go into `Comments`, so an order seen again is recognised and a changed one is
//! reported instead of sent twice.

mod customer;
mod email;
mod rows;
pub mod shipping;
mod total;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Body, Conversion, Document, Summary, Withdrawn, cut, marker_for};
use crate::config::{
    AccountsConfig, CreateDocument, CustomerKey, LanguagePolicy, MissingArticle, OrdersConfig,
    PricesMode,
};
use crate::diagnostic::Diagnostic;
use crate::fortnox::model_documents::{ArticleRequest, CustomerRequest, SalesDocument};
use crate::parse::orders::{self, Order, OrdersFile};

/// Fortnox limits.
const EXTERNAL_REFERENCE_MAX: usize = 80;
const YOUR_ORDER_NUMBER_MAX: usize = 30;
const REMARKS_MAX: usize = 1024;
const YOUR_REFERENCE_MAX: usize = 50;

/// How the order's customer is found, or created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerPlan {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub organisation_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email: Option<String>,
    /// Which of the above are tried, in order.
    pub match_by: Vec<CustomerKey>,
    /// Created when nothing matches (`None`: creating customers is turned off).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub create: Option<CustomerRequest>,
    /// Create even when a customer of the same name exists.
    pub allow_duplicates: bool,
}

/// What to do when an article is missing in Fortnox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IfMissing {
    Create,
    FreeText,
    Hold,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArticlePlan {
    pub article_number: String,
    pub if_missing: IfMissing,
    /// Unit of the rows if they are sent as free text (the article is missing).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub create: Option<ArticleRequest>,
}

/// Everything needed to post one shop order, exactly once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderPlan {
    pub order_id: String,
    pub customer: CustomerPlan,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub articles: Vec<ArticlePlan>,
    /// Units the rows name, created when missing.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub units: Vec<String>,
    /// Sales account per VAT rate for rows whose article is missing (`IfMissing::FreeText`).
    pub free_text_accounts: BTreeMap<String, u32>,
    pub create: CreateDocument,
    pub bookkeep: bool,
    pub email: bool,
    /// Hash of the content, also in `Comments` as `v:...`.
    pub version: String,
    /// `POST /3/orders` body (create = order or order+invoice).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub order: Option<SalesDocument>,
    /// `POST /3/invoices` body (create = invoice).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub invoice: Option<SalesDocument>,
}

impl OrderPlan {
    /// The order or invoice body.
    pub fn document(&self) -> Option<&SalesDocument> {
        self.order.as_ref().or(self.invoice.as_ref())
    }

    pub fn document_mut(&mut self) -> Option<&mut SalesDocument> {
        self.order.as_mut().or(self.invoice.as_mut())
    }
}

/// Parses an order export and converts every order.
pub fn convert_bytes(bytes: &[u8], config: &OrdersConfig, accounts: &AccountsConfig) -> Conversion {
    let file = orders::parse(bytes, config);
    convert(&file, config, accounts)
}

/// Converts a parsed export. Any error rejects the whole file (nothing of it is posted).
pub fn convert(file: &OrdersFile, config: &OrdersConfig, accounts: &AccountsConfig) -> Conversion {
    let mut out = Conversion {
        summary: Summary {
            format: file.format.clone(),
            encoding: file.encoding.clone(),
            rows: file.rows,
            ..Summary::default()
        },
        errors: file.errors.clone(),
        warnings: file.warnings.clone(),
        documents: Vec::new(),
        z_numbers: Vec::new(),
        withdrawn: Vec::new(),
    };
    if config.create == CreateDocument::Order && (config.bookkeep || config.email) {
        out.warnings.push(
            Diagnostic::file("[orders] bookkeep and email act on invoices, but create = \"order\"")
                .hint("set create = \"order+invoice\" or \"invoice\" to bookkeep or e-mail"),
        );
    }
    for order in &file.orders {
        let withdrawn = |what: String, out: &mut Conversion| {
            out.withdrawn.push(Withdrawn {
                identity: identity(&order.id),
                line: order.line,
                what: what.clone(),
            });
            Diagnostic::at(order.line, format!("{what}; not posted"))
        };
        if order.cancelled {
            let d = withdrawn(format!("order `{}` is cancelled in the shop", order.id), &mut out);
            out.warnings.push(d);
            continue;
        }
        if let Some(status) = order.skipped_status(config) {
            let d = withdrawn(format!("order `{}` is `{status}`", order.id), &mut out);
            out.warnings
                .push(d.hint("[orders] skip_statuses lists the statuses that are not posted"));
            continue;
        }
        if let Some(doc) = convert_order(order, config, accounts, &mut out) {
            out.documents.push(doc);
        }
    }
    if super::rejects_all(&out.errors) {
        out.documents.clear();
    }
    out.errors.sort_by_key(|e| e.line);
    out
}

/// The identity a shop order's documents are registered under: the ledger's key, whatever
/// the order's content (see the module docs).
fn identity(order_id: &str) -> String {
    format!("order:{order_id}")
}

fn language(order: &Order, policy: LanguagePolicy) -> &'static str {
    let own = order.customer.language.as_deref().map(|l| l.trim().to_lowercase());
    let own = match own.as_deref().map(|l| l.chars().take(2).collect::<String>()).as_deref() {
        Some("sv") => Some("SV"),
        Some("en") => Some("EN"),
        _ => None,
    };
    match policy {
        LanguagePolicy::Sv => "SV",
        LanguagePolicy::En => "EN",
        LanguagePolicy::CustomerOrEn => own.unwrap_or("EN"),
        LanguagePolicy::CustomerOrSv => own.unwrap_or("SV"),
    }
}

/// Whether the order's prices include VAT. `auto` takes the order's own `prices_include_vat`
/// (our CSV's column; Shopify's from its totals), else excluding. A forced mode applies to
/// every order, but an order that says otherwise itself is rejected rather than invoiced with
/// a guessed VAT: the customer would receive the wrong amounts.
fn prices_include_vat(order: &Order, config: &OrdersConfig, out: &mut Conversion) -> Option<bool> {
    let forced = match config.prices {
        PricesMode::Auto => return Some(order.prices_include_vat.unwrap_or(false)),
        PricesMode::IncludingVat => true,
        PricesMode::ExcludingVat => false,
    };
    match order.prices_include_vat {
        Some(own) if own != forced => {
            let says = |included: bool| if included { "including" } else { "excluding" };
            out.errors.push(
                Diagnostic::at(
                    order.line,
                    format!(
                        "order `{}` gives its prices {} VAT, but [orders] prices says {} VAT",
                        order.id,
                        says(own),
                        says(forced)
                    ),
                )
                .hint(
                    "set [orders] prices = \"auto\" to follow the export's prices_include_vat \
                     column, or correct the column",
                ),
            );
            None
        }
        _ => Some(forced),
    }
}

fn convert_order(
    order: &Order,
    config: &OrdersConfig,
    accounts: &AccountsConfig,
    out: &mut Conversion,
) -> Option<Document> {
    let errors_before = out.errors.len();
    if order.id.chars().count() > EXTERNAL_REFERENCE_MAX {
        out.errors.push(
            Diagnostic::at(
                order.line,
                format!("order id `{}` is longer than 80 characters", order.id),
            )
            .hint("Fortnox keeps the shop's order id in ExternalInvoiceReference1 (80 characters)"),
        );
        return None;
    }
    let customer = customer::plan(order, config, out)?;
    let vat_included = prices_include_vat(order, config, out)?;
    let built = rows::build(order, config, &accounts.base, vat_included, out);
    total::check(order, config, vat_included, out);
    if out.errors.len() > errors_before {
        return None;
    }
    let email_information = email::information(order, config, out);
    let mut document = SalesDocument {
        customer_number: customer.customer_number.clone(),
        order_date: None,
        invoice_date: None,
        external_invoice_reference1: order.id.clone(),
        your_order_number: Some(order.id.clone())
            .filter(|id| id.chars().count() <= YOUR_ORDER_NUMBER_MAX),
        comments: String::new(),
        currency: order.currency.clone().unwrap_or_else(|| config.currency.clone()),
        language: language(order, config.language).to_owned(),
        vat_included,
        freight: built.freight,
        your_reference: order
            .your_reference
            .as_ref()
            .map(|r| cut(r, YOUR_REFERENCE_MAX, order.line, "your reference", out)),
        remarks: order.remarks.as_ref().map(|r| cut(r, REMARKS_MAX, order.line, "remarks", out)),
        terms_of_payment: config.terms_of_payment.clone(),
        email_information,
        order_rows: None,
        invoice_rows: None,
    };
    let as_invoice = config.create == CreateDocument::Invoice;
    if as_invoice {
        document.invoice_date = Some(order.date);
        document.invoice_rows = Some(built.rows);
    } else {
        document.order_date = Some(order.date);
        document.order_rows = Some(built.rows);
    }
    let invoices = config.create != CreateDocument::Order;
    let email = invoices && document.email_information.is_some();
    let moved_freight = built.moved_freight;
    let mut plan = OrderPlan {
        order_id: order.id.clone(),
        customer,
        articles: built.articles,
        units: built.units,
        free_text_accounts: accounts.base.sales.clone(),
        create: config.create,
        bookkeep: config.bookkeep && invoices,
        email,
        version: String::new(),
        order: None,
        invoice: None,
    };
    if as_invoice {
        plan.invoice = Some(document);
    } else {
        plan.order = Some(document);
    }
    // Prices at two decimals, quantities without trailing zeros, so `39,2` and `39,20` are
    // one order; the version an older release gave these bytes is kept beside it.
    let version = super::version::order(&plan);
    let identity = identity(&order.id);
    let mut legacy_references: Vec<String> = Vec::new();
    let mut versions_before = super::version::order_older(&plan, moved_freight);
    if out.summary.format == "Shopify CSV" {
        let map = &accounts.base;
        let shipping = (map.shipping, config.shipping_vat);
        for before in
            super::version::shopify_vat_before(&plan, config.vat_rate, shipping, map.gift_cards)
        {
            versions_before.push(super::version::order(&before));
            versions_before.extend(super::version::order_older(&before, None));
        }
    }
    for before in versions_before {
        if let Some(reference) = super::version::legacy_reference(&identity, &version, &before)
            && !legacy_references.contains(&reference)
        {
            legacy_references.push(reference);
        }
    }
    let marker = marker_for(&identity);
    plan.version.clone_from(&version);
    if let Some(doc) = plan.document_mut() {
        doc.comments = format!(
            "Order {} from the web shop, imported by fortnox-bridge {marker} {}",
            order.id,
            super::version_tag(&version)
        );
    }
    out.summary.debit_total += built.total;
    Some(Document {
        reference: format!("{identity}:{version}"),
        legacy_references,
        marker,
        line: order.line,
        label: format!("order {}", order.id),
        body: Body::Order(Box::new(plan)),
    })
}

/// The missing-article policy as a plan value.
fn if_missing(config: &OrdersConfig) -> IfMissing {
    match (config.create_articles, config.missing_article) {
        (true, _) => IfMissing::Create,
        (false, MissingArticle::FreeText) => IfMissing::FreeText,
        (false, MissingArticle::Hold) => IfMissing::Hold,
    }
}

#[cfg(test)]
mod tests;
