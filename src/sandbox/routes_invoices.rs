//! `/3/invoices`: create, get, update, list with filters, and the actions `bookkeep` (creates a
//! voucher in series B), `cancel`, `externalprint` and `email` (a GET, as in Fortnox).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::Shared;
use super::documents::{self, kind, money};
use super::errors::{ApiError, code};
use super::invoice_voucher;
use super::lenient;
use super::paging::{Params, list, single};
use super::routes_customers::{natural_key, urlencode};
use super::routes_orders::insert_new;
use super::sales::{self, Doc};
use super::store;
use super::vouchers;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/invoices", get(list_invoices).post(create_invoice))
        .route("/invoices/{number}", get(get_invoice).put(update_invoice))
        .route("/invoices/{number}/bookkeep", put(bookkeep))
        .route("/invoices/{number}/cancel", put(cancel))
        .route("/invoices/{number}/externalprint", put(external_print))
        .route("/invoices/{number}/email", get(email))
}

const LIST_FIELDS: &[&str] = &[
    "Balance",
    "Booked",
    "Cancelled",
    "CostCenter",
    "Currency",
    "CustomerName",
    "CustomerNumber",
    "DocumentNumber",
    "DueDate",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "FinalPayDate",
    "InvoiceDate",
    "InvoiceType",
    "OCR",
    "OrderReference",
    "Project",
    "Sent",
    "TermsOfPayment",
    "Total",
    "VoucherNumber",
    "VoucherSeries",
    "VoucherYear",
    "YourOrderNumber",
];

fn not_found() -> ApiError {
    ApiError::not_found(code::INVOICE_NOT_FOUND, "Kan inte hitta fakturan.")
}

fn url(base: &str, number: &str) -> String {
    format!("{base}/3/invoices/{}", urlencode(number))
}

/// `{"Invoice":{…, "@url"}}`.
pub fn respond(base: &str, doc: Map<String, Value>) -> Value {
    let number = documents::text(&doc, "DocumentNumber").to_owned();
    single("Invoice", documents::with_url(doc, &url(base, &number)))
}

fn is_true(doc: &Map<String, Value>, key: &str) -> bool {
    doc.get(key) == Some(&json!(true))
}

/// Builds and stores a new invoice (also used by `orders/{n}/createinvoice`).
pub fn new_invoice(
    conn: &Connection,
    input: &Map<String, Value>,
    today: NaiveDate,
    order: Option<&str>,
) -> Result<Map<String, Value>, ApiError> {
    let mut doc = sales::build(conn, Doc::Invoice, input, None, today)?;
    let kind_text = documents::text(&doc, "InvoiceType");
    if !matches!(
        kind_text,
        "" | "INVOICE" | "AGREEMENTINVOICE" | "INTRESTINVOICE" | "SUMMARYINVOICE" | "CASHINVOICE"
    ) {
        return Err(ApiError::field("InvoiceType", "är ogiltig"));
    }
    if kind_text.is_empty() {
        doc.insert("InvoiceType".to_owned(), json!("INVOICE"));
    }
    let total = doc.get("Total").cloned().unwrap_or(json!(0));
    doc.insert("Balance".to_owned(), total);
    doc.insert("Booked".to_owned(), json!(false));
    // Fortnox answers some booleans as strings.
    doc.insert("Credit".to_owned(), json!("false"));
    doc.insert("CreditInvoiceReference".to_owned(), json!("0"));
    doc.insert("FinalPayDate".to_owned(), Value::Null);
    doc.insert("OrderReference".to_owned(), json!(order.unwrap_or("0")));
    for key in ["VoucherNumber", "VoucherSeries", "VoucherYear"] {
        doc.insert(key.to_owned(), Value::Null);
    }
    let mut doc = insert_new(conn, kind::INVOICE, doc)?;
    if documents::text(&doc, "OCR").is_empty() {
        let number = documents::text(&doc, "DocumentNumber").to_owned();
        doc.insert("OCR".to_owned(), json!(ocr(&number)));
        documents::put(conn, kind::INVOICE, &number, &doc)?;
    }
    Ok(doc)
}

/// OCR reference: the digits of the number plus a Luhn check digit.
fn ocr(number: &str) -> String {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                *d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}{check}", digits.iter().map(u32::to_string).collect::<String>())
}

async fn create_invoice(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = lenient::envelope(&body, "Invoice")?;
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let doc = new_invoice(&tx, &input, today, None)?;
            tx.commit()?;
            Ok((StatusCode::CREATED, Json(respond(&base, doc))))
        })
        .await
}

async fn get_invoice(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let doc = documents::get(conn, kind::INVOICE, &number)?.ok_or_else(not_found)?;
            Ok(Json(respond(&base, doc)))
        })
        .await
}

async fn update_invoice(
    State(state): State<Shared>,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut input = lenient::envelope(&body, "Invoice")?;
    input.retain(|k, _| !k.eq_ignore_ascii_case("DocumentNumber"));
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let existing = documents::get(&tx, kind::INVOICE, &number)?.ok_or_else(not_found)?;
            if is_true(&existing, "Booked") || is_true(&existing, "Cancelled") {
                return Err(ApiError::bad(
                    code::INVALID_STATE,
                    "Fakturan är bokförd eller makulerad och kan inte ändras.",
                ));
            }
            let mut doc = sales::build(&tx, Doc::Invoice, &input, Some(existing), today)?;
            let total = doc.get("Total").cloned().unwrap_or(json!(0));
            doc.insert("Balance".to_owned(), total);
            documents::put(&tx, kind::INVOICE, &number, &doc)?;
            tx.commit()?;
            Ok(Json(respond(&base, doc)))
        })
        .await
}

/// Runs `change` on a stored invoice and answers it.
async fn act<F>(state: Shared, number: String, change: F) -> Result<Json<Value>, ApiError>
where
    F: FnOnce(&Connection, &mut Map<String, Value>) -> Result<(), ApiError> + Send + 'static,
{
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = documents::get(&tx, kind::INVOICE, &number)?.ok_or_else(not_found)?;
            change(&tx, &mut doc)?;
            documents::put(&tx, kind::INVOICE, &number, &doc)?;
            tx.commit()?;
            Ok(Json(respond(&base, doc)))
        })
        .await
}

/// Books the invoice: 1510 debit Total; revenue accounts, output VAT and `RoundOff` credit.
async fn bookkeep(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    act(state, number.clone(), move |conn, doc| {
        if is_true(doc, "Booked") {
            return Err(ApiError::bad(code::INVALID_STATE, "Fakturan är redan bokförd."));
        }
        if is_true(doc, "Cancelled") {
            return Err(ApiError::bad(code::INVALID_STATE, "Fakturan är makulerad."));
        }
        let date: NaiveDate = documents::text(doc, "InvoiceDate")
            .parse()
            .map_err(|_| ApiError::field("InvoiceDate", "saknas"))?;
        let year = store::financial_year_for(conn, date)?.ok_or_else(|| {
            ApiError::bad(
                code::FINANCIAL_YEAR_MISSING,
                format!("Det finns inget räkenskapsår för datumet {date}."),
            )
        })?;
        let draft = invoice_voucher::draft(doc, &number, date)?;
        let voucher = vouchers::create_in(conn, &year, draft, false)?;
        doc.insert("Booked".to_owned(), json!(true));
        doc.insert("VoucherNumber".to_owned(), json!(voucher.voucher_number));
        doc.insert("VoucherSeries".to_owned(), json!(voucher.voucher_series));
        doc.insert("VoucherYear".to_owned(), json!(voucher.year));
        Ok(())
    })
    .await
}

async fn cancel(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    act(state, number, |_, doc| {
        if is_true(doc, "Booked") {
            return Err(ApiError::bad(
                code::INVALID_STATE,
                "En bokförd faktura kan inte makuleras.",
            ));
        }
        doc.insert("Cancelled".to_owned(), json!(true));
        doc.insert("Balance".to_owned(), money(Decimal::ZERO));
        Ok(())
    })
    .await
}

async fn external_print(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    act(state, number, |_, doc| {
        doc.insert("Sent".to_owned(), json!(true));
        Ok(())
    })
    .await
}

/// "Sends" the invoice to `EmailInformation.EmailAddressTo` (nothing leaves the machine).
async fn email(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    act(state, number, |_, doc| {
        let to = doc
            .get("EmailInformation")
            .and_then(|i| i.get("EmailAddressTo"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if to.trim().is_empty() {
            return Err(ApiError::field("EmailAddressTo", "saknas"));
        }
        if is_true(doc, "Cancelled") {
            return Err(ApiError::bad(code::INVALID_STATE, "Fakturan är makulerad."));
        }
        tracing::info!(to, "sandbox: invoice e-mail recorded (not sent)");
        doc.insert("Sent".to_owned(), json!(true));
        Ok(())
    })
    .await
}

async fn list_invoices(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let filter = params.get("filter").map(str::to_owned);
    if filter.as_deref().is_some_and(|f| {
        !matches!(f, "cancelled" | "fullypaid" | "unpaid" | "unpaidoverdue" | "unbooked")
    }) {
        return Err(ApiError::bad(code::INVALID_FILTER, "Ett ogiltigt filter har använts."));
    }
    let from = params.date("fromdate")?.map(|d| d.to_string());
    let to = params.date("todate")?.map(|d| d.to_string());
    let base = state.base_url.clone();
    let today = state.options.today.to_string();
    state
        .store
        .call(move |conn| {
            let mut docs: Vec<Map<String, Value>> = documents::all(conn, kind::INVOICE)?
                .into_iter()
                .filter(|d| {
                    [
                        ("customername", "CustomerName"),
                        ("customernumber", "CustomerNumber"),
                        ("documentnumber", "DocumentNumber"),
                        ("externalinvoicereference1", "ExternalInvoiceReference1"),
                        ("externalinvoicereference2", "ExternalInvoiceReference2"),
                        ("yourordernumber", "YourOrderNumber"),
                        ("ocr", "OCR"),
                        ("invoicetype", "InvoiceType"),
                        ("costcenter", "CostCenter"),
                        ("project", "Project"),
                    ]
                    .iter()
                    .all(|(param, field)| params.matches(param, Some(documents::text(d, field))))
                })
                .filter(|d| {
                    let date = documents::text(d, "InvoiceDate");
                    from.as_deref().is_none_or(|f| date >= f)
                        && to.as_deref().is_none_or(|t| date <= t)
                })
                .filter(|d| {
                    let open =
                        lenient::decimal(d, "Balance").ok().flatten().is_some_and(|b| !b.is_zero());
                    let cancelled = is_true(d, "Cancelled");
                    match filter.as_deref() {
                        Some("cancelled") => cancelled,
                        Some("unbooked") => !is_true(d, "Booked") && !cancelled,
                        Some("fullypaid") => !open && !cancelled,
                        Some("unpaid") => open && !cancelled,
                        Some("unpaidoverdue") => {
                            open && !cancelled && documents::text(d, "DueDate") < today.as_str()
                        }
                        _ => true,
                    }
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
            Ok(Json(list("Invoices", meta, page)))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_has_a_luhn_check_digit() {
        assert_eq!(ocr("1"), "18");
        assert_eq!(ocr("123"), "1230");
    }
}
