//! `/3/articles`: search, create (duplicate number → 2000013), get (404 2001302), update
//! (including `QuantityInStock`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::Shared;
use super::documents::{self, Field, Kind, kind};
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};
use super::routes_customers::{natural_key, urlencode};
use super::sales;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/articles", get(list_articles).post(create_article))
        .route("/articles/{number}", get(get_article).put(update_article))
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

const LIST_FIELDS: &[&str] = &[
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
];

fn not_found() -> ApiError {
    ApiError::not_found(code::ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
}

fn url(base: &str, number: &str) -> String {
    format!("{base}/3/articles/{}", urlencode(number))
}

/// Checks and completes an article before it is stored.
fn check(conn: &Connection, doc: &mut Map<String, Value>) -> Result<(), ApiError> {
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

async fn create_article(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = lenient::envelope(&body, "Article")?;
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc: Map<String, Value> = json!({
                "Active": true, "EAN": "", "Housework": false, "PurchasePrice": 0,
                "QuantityInStock": 0, "ReservedQuantity": 0, "SalesAccount": null,
                "SalesPrice": 0, "StockGoods": false, "Type": "STOCK", "Unit": "",
                "VAT": 25, "WebshopArticle": false,
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            documents::apply(&mut doc, &input, FIELDS)?;
            check(&tx, &mut doc)?;
            let number = match documents::text(&doc, "ArticleNumber").trim() {
                "" => documents::next_number(&tx, kind::ARTICLE)?,
                given if documents::exists(&tx, kind::ARTICLE, given)? => {
                    return Err(ApiError::bad(
                        code::ARTICLE_NUMBER_USED,
                        format!("Artikelnummer \"{given}\" används redan."),
                    ));
                }
                given => given.to_owned(),
            };
            doc.insert("ArticleNumber".to_owned(), json!(number));
            documents::put(&tx, kind::ARTICLE, &number, &doc)?;
            tx.commit()?;
            let value = documents::with_url(doc, &url(&base, &number));
            Ok((StatusCode::CREATED, Json(single("Article", value))))
        })
        .await
}

async fn get_article(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let doc = documents::get(conn, kind::ARTICLE, &number)?.ok_or_else(not_found)?;
            Ok(Json(single("Article", documents::with_url(doc, &url(&base, &number)))))
        })
        .await
}

async fn update_article(
    State(state): State<Shared>,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut input = lenient::envelope(&body, "Article")?;
    input.retain(|k, _| !k.eq_ignore_ascii_case("ArticleNumber"));
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = documents::get(&tx, kind::ARTICLE, &number)?.ok_or_else(not_found)?;
            documents::apply(&mut doc, &input, FIELDS)?;
            check(&tx, &mut doc)?;
            documents::put(&tx, kind::ARTICLE, &number, &doc)?;
            tx.commit()?;
            Ok(Json(single("Article", documents::with_url(doc, &url(&base, &number)))))
        })
        .await
}

async fn list_articles(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let active = match params.get("filter") {
        None => None,
        Some("active") => Some(true),
        Some("inactive") => Some(false),
        Some(_) => {
            return Err(ApiError::bad(code::INVALID_FILTER, "Ett ogiltigt filter har använts."));
        }
    };
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let mut docs: Vec<Map<String, Value>> = documents::all(conn, kind::ARTICLE)?
                .into_iter()
                .filter(|d| {
                    [
                        ("articlenumber", "ArticleNumber"),
                        ("description", "Description"),
                        ("ean", "EAN"),
                        ("suppliernumber", "SupplierNumber"),
                        ("manufacturer", "Manufacturer"),
                    ]
                    .iter()
                    .all(|(param, field)| params.matches(param, Some(documents::text(d, field))))
                })
                .filter(|d| active.is_none_or(|a| d.get("Active") == Some(&json!(a))))
                .collect();
            match params.get("sortby") {
                Some("description") => {
                    docs.sort_by_key(|d| documents::text(d, "Description").to_lowercase());
                }
                Some("articlenumber") => {
                    docs.sort_by_key(|d| natural_key(documents::text(d, "ArticleNumber")));
                }
                _ => {}
            }
            if params.get("sortorder") == Some("descending") {
                docs.reverse();
            }
            let items: Vec<Value> = docs
                .iter()
                .map(|d| {
                    documents::subset(
                        d,
                        &url(&base, documents::text(d, "ArticleNumber")),
                        LIST_FIELDS,
                    )
                })
                .collect();
            let (page, meta) = params.page(items)?;
            Ok(Json(list("Articles", meta, page)))
        })
        .await
}
