//! Fortnox bodies for sales documents: customers, articles, units, orders and invoices. Field
//! names follow the API (PascalCase). Requests carry only what we set; responses are read
//! leniently (Fortnox sends numbers as strings and booleans as `"false"` in places).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// `POST /3/customers` body content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerRequest {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub organisation_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email: Option<String>,
    /// `COMPANY` or `PRIVATE`.
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub zip_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub city: Option<String>,
    /// ISO 3166 alpha-2.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub country_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub phone1: Option<String>,
    /// ISO 4217; Fortnox's default (SEK) when not given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub currency: Option<String>,
    /// `SEVAT` (Fortnox's default when not given), `EUVAT`, `EUREVERSEDVAT`, `EXPORT`, ...
    #[serde(rename = "VATType", skip_serializing_if = "Option::is_none", default)]
    pub vat_type: Option<String>,
}

/// A customer as Fortnox returns it (get, create, list item).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Customer {
    #[serde(deserialize_with = "lenient_string")]
    pub customer_number: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub organisation_number: String,
    #[serde(default = "yes", deserialize_with = "lenient_bool")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// `POST /3/articles` body content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArticleRequest {
    pub article_number: String,
    pub description: String,
    /// `STOCK` or `SERVICE`.
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
    #[serde(rename = "VAT")]
    pub vat: Decimal,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sales_account: Option<u32>,
}

/// An article as Fortnox returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Article {
    #[serde(deserialize_with = "lenient_string")]
    pub article_number: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: String,
    #[serde(default = "yes", deserialize_with = "lenient_bool")]
    pub active: bool,
}

/// A unit (`/3/units/{Code}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Unit {
    #[serde(deserialize_with = "lenient_string")]
    pub code: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: String,
}

/// `EmailInformation` of an order or invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EmailInformation {
    pub email_address_to: String,
}

/// The body of `POST /3/orders` (`{"Order": ...}`) or `POST /3/invoices` (`{"Invoice": ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SalesDocument {
    /// Filled in at upload time when the customer is found or created.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub order_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub invoice_date: Option<NaiveDate>,
    /// The shop's order id: the idempotency key, searched with an exact match.
    pub external_invoice_reference1: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub your_order_number: Option<String>,
    pub comments: String,
    pub currency: String,
    /// `SV` or `EN`.
    pub language: String,
    #[serde(rename = "VATIncluded")]
    pub vat_included: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub freight: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub your_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remarks: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub terms_of_payment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email_information: Option<EmailInformation>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub order_rows: Option<Vec<SalesRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub invoice_rows: Option<Vec<SalesRow>>,
}

impl SalesDocument {
    /// The rows, whichever kind of document this is.
    pub fn rows_mut(&mut self) -> impl Iterator<Item = &mut SalesRow> {
        self.order_rows.iter_mut().chain(self.invoice_rows.iter_mut()).flatten()
    }

    pub fn rows(&self) -> impl Iterator<Item = &SalesRow> {
        self.order_rows.iter().chain(self.invoice_rows.iter()).flatten()
    }
}

/// One order or invoice row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SalesRow {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub article_number: Option<String>,
    pub description: String,
    /// Orders only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ordered_quantity: Option<Decimal>,
    pub delivered_quantity: Decimal,
    pub price: Decimal,
    #[serde(rename = "VAT")]
    pub vat: Decimal,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub discount: Option<Decimal>,
    /// `AMOUNT` or `PERCENT`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub discount_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account_number: Option<u32>,
}

/// An order as Fortnox returns it (create, get, list item), the fields we act on.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderHead {
    #[serde(deserialize_with = "lenient_string")]
    pub document_number: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub external_invoice_reference1: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub comments: String,
    /// The invoice made from this order; `"0"` or empty when none.
    #[serde(default, deserialize_with = "lenient_string")]
    pub invoice_reference: String,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub cancelled: bool,
}

impl OrderHead {
    /// The number of the invoice made from this order, if one was.
    pub fn invoice(&self) -> Option<&str> {
        Some(self.invoice_reference.trim()).filter(|r| !matches!(*r, "" | "0"))
    }
}

/// An invoice as Fortnox returns it, the fields we act on.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvoiceHead {
    #[serde(deserialize_with = "lenient_string")]
    pub document_number: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub external_invoice_reference1: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub comments: String,
    /// The order it was made from; `"0"` or empty when none.
    #[serde(default, deserialize_with = "lenient_string")]
    pub order_reference: String,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub booked: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub sent: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub cancelled: bool,
    /// The date it is booked on; `None` when absent or not a date.
    #[serde(default, deserialize_with = "lenient_date")]
    pub invoice_date: Option<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Text(String),
    Num(serde_json::Number),
    Bool(bool),
    Null,
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Loose::deserialize(d)? {
        Loose::Text(t) => t,
        Loose::Num(n) => n.to_string(),
        Loose::Bool(b) => b.to_string(),
        Loose::Null => String::new(),
    })
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Loose::deserialize(d)? {
        Loose::Bool(b) => Ok(b),
        Loose::Null => Ok(false),
        Loose::Num(n) => Ok(n.to_string() != "0"),
        Loose::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!("`{other}` is not a boolean"))),
        },
    }
}

fn lenient_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Ok(match Loose::deserialize(d)? {
        Loose::Text(t) => t.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_read_loose_types() {
        let o: OrderHead = serde_json::from_str(
            r#"{"DocumentNumber":12,"InvoiceReference":"0","Cancelled":"false","Comments":null}"#,
        )
        .expect("lenient");
        assert_eq!((o.document_number.as_str(), o.invoice_reference.as_str()), ("12", "0"));
        assert!(!o.cancelled);
        let i: InvoiceHead =
            serde_json::from_str(r#"{"DocumentNumber":"7","Booked":true,"Sent":"true"}"#)
                .expect("lenient");
        assert!(i.booked && i.sent && i.invoice_date.is_none());
        let date =
            |json: &str| serde_json::from_str::<InvoiceHead>(json).expect("lenient").invoice_date;
        assert_eq!(
            date(r#"{"DocumentNumber":7,"InvoiceDate":"2028-01-03"}"#),
            NaiveDate::from_ymd_opt(2028, 1, 3)
        );
        assert_eq!(date(r#"{"DocumentNumber":7,"InvoiceDate":""}"#), None);
        assert_eq!(date(r#"{"DocumentNumber":7,"InvoiceDate":null}"#), None);
    }

    #[test]
    fn rows_serialize_exact_amounts_and_skip_what_is_unset() {
        let row = SalesRow {
            article_number: None,
            description: "Frakt".into(),
            ordered_quantity: None,
            delivered_quantity: Decimal::ONE,
            price: Decimal::new(4900, 2),
            vat: Decimal::from(25),
            unit: None,
            discount: None,
            discount_type: None,
            account_number: Some(3520),
        };
        assert_eq!(
            serde_json::to_string(&row).expect("json"),
            r#"{"Description":"Frakt","DeliveredQuantity":1,"Price":49.00,"VAT":25,"AccountNumber":3520}"#
        );
    }
}
