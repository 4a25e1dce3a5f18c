//! `/3/customers`: search (ILIKE filters), create, get, update.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::{Value, json};

use super::Shared;
use super::documents::{self, Field, Kind, kind};
use super::errors::{ApiError, code};
use super::paging::Params;
use super::resource::{self, Doc, Resource, SortKey, Sorting};

const CUSTOMERS: Resource = Resource {
    kind: kind::CUSTOMER,
    path: "customers",
    singular: "Customer",
    plural: "Customers",
    key: "CustomerNumber",
    not_found_code: code::CUSTOMER_NOT_FOUND,
    not_found_message: "Kan inte hitta kunden.",
    list_fields: Some(&[
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
    ]),
    searches: &[
        ("customernumber", "CustomerNumber"),
        ("name", "Name"),
        ("email", "Email"),
        ("organisationnumber", "OrganisationNumber"),
        ("city", "City"),
        ("zipcode", "ZipCode"),
        ("phone", "Phone1"),
    ],
    sorting: Sorting::ByParam(&[
        ("name", SortKey::Lowercase("Name")),
        ("customernumber", SortKey::Natural("CustomerNumber")),
    ]),
};

pub fn router() -> Router<Shared> {
    resource::routes(&CUSTOMERS, get(list_customers), new_customer, change_customer)
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

fn check(doc: &Doc) -> Result<(), ApiError> {
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

fn finish(doc: &mut Doc) {
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

async fn list_customers(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let keep = resource::active_filter(&params)?;
    resource::list_of(&CUSTOMERS, state, params, keep).await
}

fn new_customer(conn: &Connection, input: &Doc, _today: NaiveDate) -> Result<Doc, ApiError> {
    let mut doc: Doc = json!({
        "Active": true, "Address1": "", "Address2": "", "City": "", "CountryCode": "SE",
        "Currency": "SEK", "Email": "", "OrganisationNumber": "", "Phone1": "",
        "TermsOfPayment": "30", "Type": "COMPANY", "VATType": "SEVAT", "ZipCode": "",
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    documents::apply(&mut doc, input, FIELDS)?;
    check(&doc)?;
    finish(&mut doc);
    CUSTOMERS.insert_new(conn, doc, |given| {
        ApiError::bad(code::CUSTOMER_NUMBER_USED, format!("Kundnummer {given} används redan."))
    })
}

fn change_customer(
    _conn: &Connection,
    doc: &mut Doc,
    input: &Doc,
    _today: NaiveDate,
) -> Result<(), ApiError> {
    documents::apply(doc, input, FIELDS)?;
    check(doc)?;
    finish(doc);
    Ok(())
}
