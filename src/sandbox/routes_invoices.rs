//! `/3/invoices`: create, get, update, list with filters, and the actions `bookkeep` (creates a
//! voucher in series B), `cancel`, `externalprint` and `email` (a GET, as in Fortnox).

use axum::extract::State;
use axum::routing::{MethodFilter, get};
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Shared;
use super::documents::{self, kind, money};
use super::errors::{ApiError, code};
use super::invoice_voucher;
use super::lenient;
use super::paging::Params;
use super::resource::{self, Doc, Resource, SortKey, Sorting};
use super::routes_orders::number_taken;
use super::sales::{self, Doc as SalesDoc};
use super::store;
use super::vouchers;

pub const INVOICES: Resource = Resource {
    kind: kind::INVOICE,
    path: "invoices",
    singular: "Invoice",
    plural: "Invoices",
    key: "DocumentNumber",
    not_found_code: code::INVOICE_NOT_FOUND,
    not_found_message: "Kan inte hitta fakturan.",
    list_fields: Some(&[
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
        "Project",
        "Sent",
        "TermsOfPayment",
        "Total",
        "VoucherNumber",
        "VoucherSeries",
        "VoucherYear",
        "YourOrderNumber",
    ]),
    searches: &[
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
    ],
    sorting: Sorting::Fixed(SortKey::Natural("DocumentNumber")),
};

pub fn router() -> Router<Shared> {
    resource::routes(
        &INVOICES,
        get(list_invoices),
        |conn, input, today| new_invoice(conn, input, today, None),
        change_invoice,
    )
    .route("/invoices/{number}/bookkeep", resource::action(&INVOICES, MethodFilter::PUT, bookkeep))
    .route("/invoices/{number}/cancel", resource::action(&INVOICES, MethodFilter::PUT, cancel))
    .route(
        "/invoices/{number}/externalprint",
        resource::action(&INVOICES, MethodFilter::PUT, |_, doc, _| {
            doc.insert("Sent".to_owned(), json!(true));
            Ok(())
        }),
    )
    .route("/invoices/{number}/email", resource::action(&INVOICES, MethodFilter::GET, email))
}

/// Builds and stores a new invoice (also used by `orders/{n}/createinvoice`).
pub fn new_invoice(
    conn: &Connection,
    input: &Doc,
    today: NaiveDate,
    order: Option<&str>,
) -> Result<Doc, ApiError> {
    let mut doc = sales::build(conn, SalesDoc::Invoice, input, None, today)?;
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
    let mut doc = INVOICES.insert_new(conn, doc, number_taken)?;
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

fn change_invoice(
    conn: &Connection,
    doc: &mut Doc,
    input: &Doc,
    today: NaiveDate,
) -> Result<(), ApiError> {
    if documents::is_true(doc, "Booked") || documents::is_true(doc, "Cancelled") {
        return Err(ApiError::bad(
            code::INVALID_STATE,
            "Fakturan är bokförd eller makulerad och kan inte ändras.",
        ));
    }
    *doc = sales::build(conn, SalesDoc::Invoice, input, Some(std::mem::take(doc)), today)?;
    let total = doc.get("Total").cloned().unwrap_or(json!(0));
    doc.insert("Balance".to_owned(), total);
    Ok(())
}

/// Books the invoice: 1510 debit Total; revenue accounts, output VAT and `RoundOff` credit.
fn bookkeep(conn: &Connection, doc: &mut Doc, number: &str) -> Result<(), ApiError> {
    if documents::is_true(doc, "Booked") {
        return Err(ApiError::bad(code::INVALID_STATE, "Fakturan är redan bokförd."));
    }
    if documents::is_true(doc, "Cancelled") {
        return Err(ApiError::bad(code::INVALID_STATE, "Fakturan är makulerad."));
    }
    let date: NaiveDate = documents::text(doc, "InvoiceDate")
        .parse()
        .map_err(|_| ApiError::field("InvoiceDate", "saknas"))?;
    let year = store::year_of(conn, date)?;
    let draft = invoice_voucher::draft(doc, number, date)?;
    let voucher = vouchers::create_in(conn, &year, draft, false)?;
    doc.insert("Booked".to_owned(), json!(true));
    doc.insert("VoucherNumber".to_owned(), json!(voucher.voucher_number));
    doc.insert("VoucherSeries".to_owned(), json!(voucher.voucher_series));
    doc.insert("VoucherYear".to_owned(), json!(voucher.year));
    Ok(())
}

fn cancel(_: &Connection, doc: &mut Doc, _: &str) -> Result<(), ApiError> {
    if documents::is_true(doc, "Booked") {
        return Err(ApiError::bad(code::INVALID_STATE, "En bokförd faktura kan inte makuleras."));
    }
    doc.insert("Cancelled".to_owned(), json!(true));
    doc.insert("Balance".to_owned(), money(Decimal::ZERO));
    Ok(())
}

/// Settings key counting the e-mails "sent" for invoice `number` ([`emails_sent`]).
fn emails_key(number: &str) -> String {
    format!("emails_sent.{number}")
}

/// How many times invoice `number` was e-mailed (for tests: an e-mail must go out once).
pub fn emails_sent(conn: &Connection, number: &str) -> rusqlite::Result<u64> {
    Ok(store::get_setting(conn, &emails_key(number))?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// "Sends" the invoice to `EmailInformation.EmailAddressTo` (nothing leaves the machine) and
/// counts the send.
fn email(conn: &Connection, doc: &mut Doc, number: &str) -> Result<(), ApiError> {
    let to = doc
        .get("EmailInformation")
        .and_then(|i| i.get("EmailAddressTo"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if to.trim().is_empty() {
        return Err(ApiError::field("EmailAddressTo", "saknas"));
    }
    if documents::is_true(doc, "Cancelled") {
        return Err(ApiError::bad(code::INVALID_STATE, "Fakturan är makulerad."));
    }
    tracing::info!(to, "sandbox: invoice e-mail recorded (not sent)");
    let count = emails_sent(conn, number)? + 1;
    store::set_setting(conn, &emails_key(number), &count.to_string())?;
    doc.insert("Sent".to_owned(), json!(true));
    Ok(())
}

async fn list_invoices(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let filter = resource::filter(
        &params,
        &["cancelled", "fullypaid", "unpaid", "unpaidoverdue", "unbooked"],
    )?;
    let dated = resource::date_filter(&params, "InvoiceDate")?;
    let today = state.options.today.to_string();
    resource::list_of(&INVOICES, state, params, move |d| {
        let open = lenient::decimal(d, "Balance").ok().flatten().is_some_and(|b| !b.is_zero());
        let cancelled = documents::is_true(d, "Cancelled");
        dated(d)
            && match filter.as_deref() {
                Some("cancelled") => cancelled,
                Some("unbooked") => !documents::is_true(d, "Booked") && !cancelled,
                Some("fullypaid") => !open && !cancelled,
                Some("unpaid") => open && !cancelled,
                Some("unpaidoverdue") => {
                    open && !cancelled && documents::text(d, "DueDate") < today.as_str()
                }
                _ => true,
            }
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
