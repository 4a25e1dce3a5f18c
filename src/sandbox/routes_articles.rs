//! `/3/articles`: search, create (duplicate number → 2000013), get (404 2001302), update
//! (including `QuantityInStock`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::{Value, json};

use super::Shared;
use super::documents::{self, Field, Kind, kind};
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::Params;
use super::resource::{self, Doc, Resource, SortKey, Sorting};
use super::sales;

const ARTICLES: Resource = Resource {
    kind: kind::ARTICLE,
    path: "articles",
    singular: "Article",
    plural: "Articles",
    key: "ArticleNumber",
    not_found_code: code::ARTICLE_NOT_FOUND,
    not_found_message: "Kan inte hitta artikeln.",
    list_fields: Some(&[
        "Active",
        "ArticleNumber",
        "Description",
        "DisposableQuantity",
        "EAN",
        "Housework",
        "PurchasePrice",
        "QuantityInStock",
        "ReservedQuantity",
        "SalesPrice",
        "StockPlace",
        "StockValue",
        "Unit",
        "VAT",
        "WebshopArticle",
    ]),
    searches: &[
        ("articlenumber", "ArticleNumber"),
        ("description", "Description"),
        ("ean", "EAN"),
        ("suppliernumber", "SupplierNumber"),
        ("manufacturer", "Manufacturer"),
    ],
    sorting: Sorting::ByParam(&[
        ("description", SortKey::Lowercase("Description")),
        ("articlenumber", SortKey::Natural("ArticleNumber")),
    ]),
};

pub fn router() -> Router<Shared> {
    resource::routes(&ARTICLES, get(list_articles), new_article, change_article)
}

const FIELDS: &[Field] = &[
    ("Active", Kind::Bool),
    ("ArticleNumber", Kind::Text(50)),
    ("Bulky", Kind::Bool),
    ("ConstructionAccount", Kind::Integer),
    ("Depth", Kind::Integer),
    ("Description", Kind::Text(200)),
    ("DisposableQuantity", Kind::ReadOnly),
    ("EAN", Kind::Text(30)),
    ("EUAccount", Kind::Integer),
    ("EUVATAccount", Kind::Integer),
    ("Expired", Kind::Bool),
    ("ExportAccount", Kind::Integer),
    ("Height", Kind::Integer),
    ("Housework", Kind::Bool),
    ("Manufacturer", Kind::Text(50)),
    ("ManufacturerArticleNumber", Kind::Text(50)),
    ("Note", Kind::Text(10000)),
    ("PurchaseAccount", Kind::Integer),
    ("PurchasePrice", Kind::Decimal),
    ("QuantityInStock", Kind::Decimal),
    ("ReservedQuantity", Kind::ReadOnly),
    ("SalesAccount", Kind::Integer),
    ("SalesPrice", Kind::ReadOnly),
    ("StockGoods", Kind::Bool),
    ("StockPlace", Kind::Text(100)),
    ("StockValue", Kind::ReadOnly),
    ("SupplierName", Kind::ReadOnly),
    ("SupplierNumber", Kind::Text(50)),
    ("Type", Kind::Text(7)),
    ("Unit", Kind::Text(50)),
    ("VAT", Kind::Decimal),
    ("WebshopArticle", Kind::Bool),
    ("Weight", Kind::Integer),
    ("Width", Kind::Integer),
];

/// Checks and completes an article before it is stored.
fn check(conn: &Connection, doc: &mut Doc) -> Result<(), ApiError> {
    lenient::check_len("Description", documents::text(doc, "Description").trim(), 1, 200)?;
    let kind_text = documents::text(doc, "Type");
    if kind_text != "STOCK" && kind_text != "SERVICE" {
        return Err(ApiError::field("Type", "ska vara STOCK eller SERVICE"));
    }
    let unit = documents::text(doc, "Unit");
    if !unit.is_empty() && !documents::exists(conn, kind::UNIT, unit)? {
        return Err(ApiError::bad(code::UNIT_NOT_FOUND, format!("Kan inte hitta enheten {unit}.")));
    }
    if let Some(vat) = lenient::decimal(doc, "VAT")? {
        sales::check_vat(conn, vat)?;
    }
    let quantity = lenient::decimal(doc, "QuantityInStock")?.unwrap_or_default();
    let quantity = sales::round2(quantity);
    doc.insert("QuantityInStock".to_owned(), documents::money(quantity));
    let reserved = lenient::decimal(doc, "ReservedQuantity")?.unwrap_or_default();
    doc.insert("DisposableQuantity".to_owned(), documents::money(quantity - reserved));
    let cost = lenient::decimal(doc, "PurchasePrice")?.unwrap_or_default();
    doc.insert("StockValue".to_owned(), documents::money(quantity * cost));
    Ok(())
}

async fn list_articles(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let keep = resource::active_filter(&params)?;
    resource::list_of(&ARTICLES, state, params, keep).await
}

fn new_article(conn: &Connection, input: &Doc, _today: NaiveDate) -> Result<Doc, ApiError> {
    let mut doc: Doc = json!({
        "Active": true, "EAN": "", "Housework": false, "PurchasePrice": 0,
        "QuantityInStock": 0, "ReservedQuantity": 0, "SalesAccount": null,
        "SalesPrice": 0, "StockGoods": false, "Type": "STOCK", "Unit": "",
        "VAT": 25, "WebshopArticle": false,
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    documents::apply(&mut doc, input, FIELDS)?;
    check(conn, &mut doc)?;
    ARTICLES.insert_new(conn, doc, |given| {
        ApiError::bad(
            code::ARTICLE_NUMBER_USED,
            format!("Artikelnummer \"{given}\" används redan."),
        )
    })
}

fn change_article(
    conn: &Connection,
    doc: &mut Doc,
    input: &Doc,
    _today: NaiveDate,
) -> Result<(), ApiError> {
    documents::apply(doc, input, FIELDS)?;
    check(conn, doc)
}
