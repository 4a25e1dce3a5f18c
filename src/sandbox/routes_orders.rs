//! `/3/orders`: create, get, update, list with filters (ILIKE on `externalinvoicereference1`
//! like Fortnox), and the `createinvoice` / `cancel` actions.

use axum::extract::{Path, State};
use axum::routing::{MethodFilter, get, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::{Value, json};

use super::Shared;
use super::documents::{self, kind};
use super::errors::{ApiError, code};
use super::paging::Params;
use super::resource::{self, Doc, Resource, SortKey, Sorting};
use super::routes_invoices::{self, INVOICES};
use super::sales::{self, Doc as SalesDoc};

const ORDERS: Resource = Resource {
    kind: kind::ORDER,
    path: "orders",
    singular: "Order",
    plural: "Orders",
    key: "DocumentNumber",
    not_found_code: code::ORDER_NOT_FOUND,
    not_found_message: "Kan inte hitta ordern.",
    list_fields: Some(&[
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
    ]),
    searches: &[
        ("customername", "CustomerName"),
        ("customernumber", "CustomerNumber"),
        ("documentnumber", "DocumentNumber"),
        ("externalinvoicereference1", "ExternalInvoiceReference1"),
        ("externalinvoicereference2", "ExternalInvoiceReference2"),
        ("ourreference", "OurReference"),
        ("yourreference", "YourReference"),
        ("costcenter", "CostCenter"),
        ("project", "Project"),
    ],
    sorting: Sorting::Fixed(SortKey::Natural("DocumentNumber")),
};

pub fn router() -> Router<Shared> {
    resource::routes(&ORDERS, get(list_orders), new_order, change_order)
        .route("/orders/{number}/createinvoice", put(create_invoice))
        .route(
            "/orders/{number}/cancel",
            resource::action(&ORDERS, MethodFilter::PUT, cancel_order),
        )
}

/// The error for a `DocumentNumber` already in use.
pub fn number_taken(given: &str) -> ApiError {
    ApiError::field("DocumentNumber", &format!("{given} används redan"))
}

fn invoiced(doc: &Doc) -> bool {
    !matches!(documents::text(doc, "InvoiceReference"), "" | "0")
}

fn new_order(conn: &Connection, input: &Doc, today: NaiveDate) -> Result<Doc, ApiError> {
    let mut doc = sales::build(conn, SalesDoc::Order, input, None, today)?;
    doc.insert("OrderType".to_owned(), json!("Order"));
    doc.insert("InvoiceReference".to_owned(), json!("0"));
    doc.entry("DeliveryState").or_insert(json!("registration"));
    ORDERS.insert_new(conn, doc, number_taken)
}

fn change_order(
    conn: &Connection,
    doc: &mut Doc,
    input: &Doc,
    today: NaiveDate,
) -> Result<(), ApiError> {
    if invoiced(doc) || documents::is_true(doc, "Cancelled") {
        return Err(ApiError::bad(
            code::INVALID_STATE,
            "Ordern är fakturerad eller makulerad och kan inte ändras.",
        ));
    }
    *doc = sales::build(conn, SalesDoc::Order, input, Some(std::mem::take(doc)), today)?;
    Ok(())
}

fn cancel_order(_: &Connection, doc: &mut Doc, _: &str) -> Result<(), ApiError> {
    if invoiced(doc) {
        return Err(ApiError::bad(code::INVALID_STATE, "Ordern är redan fakturerad."));
    }
    doc.insert("Cancelled".to_owned(), json!(true));
    Ok(())
}

/// Turns an order into an invoice; answers `{"Invoice":…}` (as the official spec says), or the
/// order with its `InvoiceReference` with [`SandboxOptions::create_invoice_answers_order`].
async fn create_invoice(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let today = state.options.today;
    let answer_order = state.options.create_invoice_answers_order;
    let unnamed = state.options.create_invoice_unnamed;
    resource::change_one(&ORDERS, state, number.clone(), move |conn, order, base| {
        if invoiced(order) {
            return Err(ApiError::bad(code::INVALID_STATE, "Ordern är redan fakturerad."));
        }
        if documents::is_true(order, "Cancelled") {
            return Err(ApiError::bad(code::INVALID_STATE, "Ordern är makulerad."));
        }
        let mut input = Doc::new();
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
        let invoice = routes_invoices::new_invoice(conn, &input, today, Some(&number))?;
        let invoice_number = documents::text(&invoice, "DocumentNumber").to_owned();
        if unnamed {
            return Ok(Json(ORDERS.respond(base, &number, order.clone())));
        }
        order.insert("InvoiceReference".to_owned(), json!(&invoice_number));
        if answer_order {
            return Ok(Json(ORDERS.respond(base, &number, order.clone())));
        }
        Ok(Json(INVOICES.respond(base, &invoice_number, invoice)))
    })
    .await
}

async fn list_orders(State(state): State<Shared>, params: Params) -> Result<Json<Value>, ApiError> {
    let filter = resource::filter(
        &params,
        &["cancelled", "expired", "invoicecreated", "invoicenotcreated"],
    )?;
    let dated = resource::date_filter(&params, "OrderDate")?;
    resource::list_of(&ORDERS, state, params, move |d| {
        dated(d)
            && match filter.as_deref() {
                Some("cancelled") => documents::is_true(d, "Cancelled"),
                Some("invoicecreated") => invoiced(d),
                Some("invoicenotcreated") => {
                    !invoiced(d) && d.get("Cancelled") != Some(&json!(true))
                }
                Some("expired") => false,
                _ => true,
            }
    })
    .await
}
