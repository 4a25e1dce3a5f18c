//! `/3/orders`: create, get, update, list with filters (ILIKE on `externalinvoicereference1`
//! like Fortnox), and the `createinvoice` / `cancel` actions.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::Shared;
use super::documents::{self, kind};
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};
use super::routes_customers::{natural_key, urlencode};
use super::routes_invoices;
use super::sales::{self, Doc};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/{number}", get(get_order).put(update_order))
        .route("/orders/{number}/createinvoice", put(create_invoice))
        .route("/orders/{number}/cancel", put(cancel_order))
}

const LIST_FIELDS: &[&str] = &[
    "Cancelled",
    "CostCenter",
    "Currency",
    "CustomerName",
    "CustomerNumber",
    "DeliveryDate",
    "DocumentNumber",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "InvoiceReference",
    "OrderDate",
    "OrderType",
    "OurReference",
    "Project",
    "Sent",
    "Total",
    "YourOrderNumber",
    "YourReference",
];

fn not_found() -> ApiError {
    ApiError::not_found(code::ORDER_NOT_FOUND, "Kan inte hitta ordern.")
}

fn url(base: &str, number: &str) -> String {
    format!("{base}/3/orders/{}", urlencode(number))
}

fn respond(base: &str, doc: Map<String, Value>) -> Value {
    let number = documents::text(&doc, "DocumentNumber").to_owned();
    single("Order", documents::with_url(doc, &url(base, &number)))
}

/// Stores a new document under its given or next number.
pub fn insert_new(
    conn: &Connection,
    doc_kind: &str,
    mut doc: Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let number = match documents::text(&doc, "DocumentNumber").trim() {
        "" => documents::next_number(conn, doc_kind)?,
        given if documents::exists(conn, doc_kind, given)? => {
            return Err(ApiError::field("DocumentNumber", &format!("{given} används redan")));
        }
        given => given.to_owned(),
    };
    doc.insert("DocumentNumber".to_owned(), json!(number));
    documents::put(conn, doc_kind, &number, &doc)?;
    Ok(doc)
}

fn invoiced(doc: &Map<String, Value>) -> bool {
    !matches!(documents::text(doc, "InvoiceReference"), "" | "0")
}

async fn create_order(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = lenient::envelope(&body, "Order")?;
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = sales::build(&tx, Doc::Order, &input, None, today)?;
            doc.insert("OrderType".to_owned(), json!("Order"));
            doc.insert("InvoiceReference".to_owned(), json!("0"));
            doc.entry("DeliveryState").or_insert(json!("registration"));
            let doc = insert_new(&tx, kind::ORDER, doc)?;
            tx.commit()?;
            Ok((StatusCode::CREATED, Json(respond(&base, doc))))
        })
        .await
}

async fn get_order(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let doc = documents::get(conn, kind::ORDER, &number)?.ok_or_else(not_found)?;
            Ok(Json(respond(&base, doc)))
        })
        .await
}

async fn update_order(
    State(state): State<Shared>,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut input = lenient::envelope(&body, "Order")?;
    input.retain(|k, _| !k.eq_ignore_ascii_case("DocumentNumber"));
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let existing = documents::get(&tx, kind::ORDER, &number)?.ok_or_else(not_found)?;
            if invoiced(&existing) || existing.get("Cancelled") == Some(&json!(true)) {
                return Err(ApiError::bad(
                    code::INVALID_STATE,
                    "Ordern är fakturerad eller makulerad och kan inte ändras.",
                ));
            }
            let doc = sales::build(&tx, Doc::Order, &input, Some(existing), today)?;
            documents::put(&tx, kind::ORDER, &number, &doc)?;
            tx.commit()?;
            Ok(Json(respond(&base, doc)))
        })
        .await
}

async fn cancel_order(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = documents::get(&tx, kind::ORDER, &number)?.ok_or_else(not_found)?;
            if invoiced(&doc) {
                return Err(ApiError::bad(code::INVALID_STATE, "Ordern är redan fakturerad."));
            }
            doc.insert("Cancelled".to_owned(), json!(true));
            documents::put(&tx, kind::ORDER, &number, &doc)?;
            tx.commit()?;
            Ok(Json(respond(&base, doc)))
        })
        .await
}

/// Turns an order into an invoice; answers `{"Invoice":…}` (as the official spec says).
async fn create_invoice(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut order = documents::get(&tx, kind::ORDER, &number)?.ok_or_else(not_found)?;
            if invoiced(&order) {
                return Err(ApiError::bad(code::INVALID_STATE, "Ordern är redan fakturerad."));
            }
            if order.get("Cancelled") == Some(&json!(true)) {
                return Err(ApiError::bad(code::INVALID_STATE, "Ordern är makulerad."));
            }
            let mut input = Map::new();
            for key in [
                "Address1",
                "Address2",
                "AdministrationFee",
                "City",
                "Comments",
                "CostCenter",
                "Country",
                "Currency",
                "CustomerName",
                "CustomerNumber",
                "DeliveryDate",
                "EmailInformation",
                "ExternalInvoiceReference1",
                "ExternalInvoiceReference2",
                "Freight",
                "Language",
                "OurReference",
                "Project",
                "TermsOfPayment",
                "VATIncluded",
                "YourOrderNumber",
                "YourReference",
                "ZipCode",
            ] {
                if let Some(value) = order.get(key) {
                    input.insert(key.to_owned(), value.clone());
                }
            }
            if order.get("CopyRemarks") != Some(&json!(false))
                && let Some(remarks) = order.get("Remarks")
            {
                input.insert("Remarks".to_owned(), remarks.clone());
            }
            let rows: Vec<Value> = match order.get("OrderRows") {
                Some(Value::Array(rows)) => rows
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|row| {
                        let mut row = row.clone();
                        row.remove("OrderedQuantity");
                        Value::Object(row)
                    })
                    .collect(),
                _ => Vec::new(),
            };
            input.insert("InvoiceRows".to_owned(), Value::Array(rows));
            let invoice = routes_invoices::new_invoice(&tx, &input, today, Some(&number))?;
            let invoice_number = documents::text(&invoice, "DocumentNumber").to_owned();
            order.insert("InvoiceReference".to_owned(), json!(invoice_number));
            documents::put(&tx, kind::ORDER, &number, &order)?;
            tx.commit()?;
            Ok(Json(routes_invoices::respond(&base, invoice)))
        })
        .await
}

async fn list_orders(State(state): State<Shared>, params: Params) -> Result<Json<Value>, ApiError> {
    let filter = params.get("filter").map(str::to_owned);
    if filter.as_deref().is_some_and(|f| {
        !matches!(f, "cancelled" | "expired" | "invoicecreated" | "invoicenotcreated")
    }) {
        return Err(ApiError::bad(code::INVALID_FILTER, "Ett ogiltigt filter har använts."));
    }
    let from = params.date("fromdate")?.map(|d| d.to_string());
    let to = params.date("todate")?.map(|d| d.to_string());
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let mut docs: Vec<Map<String, Value>> = documents::all(conn, kind::ORDER)?
                .into_iter()
                .filter(|d| {
                    [
                        ("customername", "CustomerName"),
                        ("customernumber", "CustomerNumber"),
                        ("documentnumber", "DocumentNumber"),
                        ("externalinvoicereference1", "ExternalInvoiceReference1"),
                        ("externalinvoicereference2", "ExternalInvoiceReference2"),
                        ("ourreference", "OurReference"),
                        ("yourreference", "YourReference"),
                        ("costcenter", "CostCenter"),
                        ("project", "Project"),
                    ]
                    .iter()
                    .all(|(param, field)| params.matches(param, Some(documents::text(d, field))))
                })
                .filter(|d| {
                    let date = documents::text(d, "OrderDate");
                    from.as_deref().is_none_or(|f| date >= f)
                        && to.as_deref().is_none_or(|t| date <= t)
                })
                .filter(|d| match filter.as_deref() {
                    Some("cancelled") => d.get("Cancelled") == Some(&json!(true)),
                    Some("invoicecreated") => invoiced(d),
                    Some("invoicenotcreated") => {
                        !invoiced(d) && d.get("Cancelled") != Some(&json!(true))
                    }
                    Some("expired") => false,
                    _ => true,
                })
                .collect();
            docs.sort_by_key(|d| natural_key(documents::text(d, "DocumentNumber")));
            if params.get("sortorder") == Some("descending") {
                docs.reverse();
            }
            let items: Vec<Value> = docs
                .iter()
                .map(|d| {
                    documents::subset(
                        d,
                        &url(&base, documents::text(d, "DocumentNumber")),
                        LIST_FIELDS,
                    )
                })
                .collect();
            let (page, meta) = params.page(items)?;
            Ok(Json(list("Orders", meta, page)))
        })
        .await
}
