//! `/3/customers`: search (ILIKE filters), create, get, update.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::Shared;
use super::documents::{self, Field, Kind, kind};
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/{number}", get(get_customer).put(update_customer))
}

const FIELDS: &[Field] = &[
    ("Active", Kind::Bool),
    ("Address1", Kind::Text(1024)),
    ("Address2", Kind::Text(1024)),
    ("City", Kind::Text(1024)),
    ("Comments", Kind::Text(1024)),
    ("CostCenter", Kind::Text(50)),
    ("Country", Kind::ReadOnly),
    ("CountryCode", Kind::Text(2)),
    ("Currency", Kind::Text(3)),
    ("CustomerNumber", Kind::Text(50)),
    ("DeliveryAddress1", Kind::Text(1024)),
    ("DeliveryAddress2", Kind::Text(1024)),
    ("DeliveryCity", Kind::Text(1024)),
    ("DeliveryCountryCode", Kind::Text(2)),
    ("DeliveryName", Kind::Text(1024)),
    ("DeliveryPhone1", Kind::Text(1024)),
    ("DeliveryZipCode", Kind::Text(10)),
    ("Email", Kind::Text(1024)),
    ("EmailInvoice", Kind::Text(1024)),
    ("EmailInvoiceBCC", Kind::Text(1024)),
    ("EmailInvoiceCC", Kind::Text(1024)),
    ("EmailOrder", Kind::Text(1024)),
    ("ExternalReference", Kind::Text(160)),
    ("Fax", Kind::Text(1024)),
    ("GLN", Kind::Text(13)),
    ("InvoiceRemark", Kind::Text(1024)),
    ("Name", Kind::Text(1024)),
    ("OrganisationNumber", Kind::Text(30)),
    ("OurReference", Kind::Text(50)),
    ("Phone1", Kind::Text(1024)),
    ("Phone2", Kind::Text(1024)),
    ("PriceList", Kind::Text(10)),
    ("Project", Kind::Text(50)),
    ("ShowPriceVATIncluded", Kind::Bool),
    ("TermsOfPayment", Kind::Text(10)),
    ("Type", Kind::Text(7)),
    ("VATNumber", Kind::Text(30)),
    ("VATType", Kind::Text(20)),
    ("WWW", Kind::Text(128)),
    ("YourReference", Kind::Text(50)),
    ("ZipCode", Kind::Text(10)),
];

const LIST_FIELDS: &[&str] = &[
    "Active",
    "Address1",
    "Address2",
    "City",
    "CustomerNumber",
    "Email",
    "Name",
    "OrganisationNumber",
    "Phone",
    "ZipCode",
];

fn not_found() -> ApiError {
    ApiError::not_found(code::CUSTOMER_NOT_FOUND, "Kan inte hitta kunden.")
}

fn url(base: &str, number: &str) -> String {
    format!("{base}/3/customers/{}", urlencode(number))
}

/// Percent-encodes a path segment.
pub fn urlencode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push_str(&hex::encode_upper([byte]));
        }
    }
    out
}

fn check(doc: &Map<String, Value>) -> Result<(), ApiError> {
    if documents::text(doc, "Name").trim().is_empty() {
        return Err(ApiError::field("Name", "saknas"));
    }
    let org = documents::text(doc, "OrganisationNumber");
    let digits = org.chars().filter(char::is_ascii_digit).count();
    if !org.is_empty()
        && (!org.chars().all(|c| c.is_ascii_digit() || c == '-') || !matches!(digits, 10 | 12))
    {
        return Err(ApiError::field(
            "OrganisationNumber",
            "är inte ett giltigt organisationsnummer",
        ));
    }
    let kind = documents::text(doc, "Type");
    if !kind.is_empty() && kind != "COMPANY" && kind != "PRIVATE" {
        return Err(ApiError::field("Type", "ska vara COMPANY eller PRIVATE"));
    }
    Ok(())
}

fn finish(doc: &mut Map<String, Value>) {
    let phone = doc.get("Phone1").cloned().unwrap_or_else(|| json!(""));
    doc.insert("Phone".to_owned(), phone);
    let country = match documents::text(doc, "CountryCode") {
        "" | "SE" => "Sverige",
        "NO" => "Norge",
        "DK" => "Danmark",
        "FI" => "Finland",
        _ => "",
    };
    doc.insert("Country".to_owned(), json!(country));
}

async fn create_customer(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = lenient::envelope(&body, "Customer")?;
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc: Map<String, Value> = json!({
                "Active": true, "Address1": "", "Address2": "", "City": "", "CountryCode": "SE",
                "Currency": "SEK", "Email": "", "OrganisationNumber": "", "Phone1": "",
                "TermsOfPayment": "30", "Type": "COMPANY", "VATType": "SEVAT", "ZipCode": "",
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            documents::apply(&mut doc, &input, FIELDS)?;
            check(&doc)?;
            let number = match documents::text(&doc, "CustomerNumber").trim() {
                "" => documents::next_number(&tx, kind::CUSTOMER)?,
                given if documents::exists(&tx, kind::CUSTOMER, given)? => {
                    return Err(ApiError::bad(
                        code::CUSTOMER_NUMBER_USED,
                        format!("Kundnummer {given} används redan."),
                    ));
                }
                given => given.to_owned(),
            };
            doc.insert("CustomerNumber".to_owned(), json!(number));
            finish(&mut doc);
            documents::put(&tx, kind::CUSTOMER, &number, &doc)?;
            tx.commit()?;
            let value = documents::with_url(doc, &url(&base, &number));
            Ok((StatusCode::CREATED, Json(single("Customer", value))))
        })
        .await
}

async fn get_customer(
    State(state): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let doc = documents::get(conn, kind::CUSTOMER, &number)?.ok_or_else(not_found)?;
            Ok(Json(single("Customer", documents::with_url(doc, &url(&base, &number)))))
        })
        .await
}

async fn update_customer(
    State(state): State<Shared>,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut input = lenient::envelope(&body, "Customer")?;
    input.retain(|k, _| !k.eq_ignore_ascii_case("CustomerNumber"));
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = documents::get(&tx, kind::CUSTOMER, &number)?.ok_or_else(not_found)?;
            documents::apply(&mut doc, &input, FIELDS)?;
            check(&doc)?;
            finish(&mut doc);
            documents::put(&tx, kind::CUSTOMER, &number, &doc)?;
            tx.commit()?;
            Ok(Json(single("Customer", documents::with_url(doc, &url(&base, &number)))))
        })
        .await
}

async fn list_customers(
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
            let mut docs: Vec<Map<String, Value>> = documents::all(conn, kind::CUSTOMER)?
                .into_iter()
                .filter(|d| {
                    [
                        ("customernumber", "CustomerNumber"),
                        ("name", "Name"),
                        ("email", "Email"),
                        ("organisationnumber", "OrganisationNumber"),
                        ("city", "City"),
                        ("zipcode", "ZipCode"),
                        ("phone", "Phone1"),
                    ]
                    .iter()
                    .all(|(param, field)| params.matches(param, Some(documents::text(d, field))))
                })
                .filter(|d| active.is_none_or(|a| d.get("Active") == Some(&json!(a))))
                .collect();
            match params.get("sortby") {
                Some("name") => docs.sort_by_key(|d| documents::text(d, "Name").to_lowercase()),
                Some("customernumber") => {
                    docs.sort_by_key(|d| natural_key(documents::text(d, "CustomerNumber")));
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
                        &url(&base, documents::text(d, "CustomerNumber")),
                        LIST_FIELDS,
                    )
                })
                .collect();
            let (page, meta) = params.page(items)?;
            Ok(Json(list("Customers", meta, page)))
        })
        .await
}

/// Numbers sort numerically, before other strings.
pub fn natural_key(text: &str) -> (u8, u64, String) {
    match text.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, text.to_owned()),
    }
}
