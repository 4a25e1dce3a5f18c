//! Fortnox request and response bodies. Field names follow the API (PascalCase); responses are
//! read leniently because Fortnox sends numbers as strings in places.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// `POST /3/vouchers` body content (wrapped as `{"Voucher": ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherRequest {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub transaction_date: NaiveDate,
    pub voucher_series: String,
    pub voucher_rows: Vec<VoucherRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherRow {
    pub account: u32,
    pub debit: Decimal,
    pub credit: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_information: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
}

/// The envelope Fortnox wraps a single voucher in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoucherEnvelope<T> {
    #[serde(rename = "Voucher")]
    pub voucher: T,
}

/// A voucher as Fortnox returns it (create, get, list item).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Voucher {
    pub voucher_series: String,
    #[serde(deserialize_with = "lenient_u64")]
    pub voucher_number: u64,
    #[serde(deserialize_with = "lenient_u64")]
    pub year: u64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub comments: Option<String>,
    pub transaction_date: NaiveDate,
}

/// `GET /3/financialyears` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FinancialYear {
    #[serde(deserialize_with = "lenient_u64")]
    pub id: u64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
}

/// `GET /3/voucherseries/{Code}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherSeries {
    pub code: String,
    #[serde(default)]
    pub description: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub manual: bool,
}

/// `GET /3/accounts/{Number}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    #[serde(deserialize_with = "lenient_u64")]
    pub number: u64,
    #[serde(default)]
    pub description: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub active: bool,
}

/// `GET /3/settings/lockedperiod`: `EndDate` absent or empty means nothing is locked.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LockedPeriod {
    #[serde(default, deserialize_with = "lenient_date")]
    pub end_date: Option<NaiveDate>,
}

/// `MetaInformation` of list responses.
#[derive(Debug, Clone, Deserialize)]
pub struct MetaInformation {
    #[serde(rename = "@TotalPages", deserialize_with = "lenient_u64")]
    pub total_pages: u64,
    #[serde(rename = "@CurrentPage", deserialize_with = "lenient_u64")]
    pub current_page: u64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(serde_json::Number),
    Text(String),
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let text = match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => n.to_string(),
        NumOrText::Text(t) => t,
    };
    text.trim().parse().map_err(|_| serde::de::Error::custom(format!("`{text}` is not a number")))
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrText {
        Bool(bool),
        Text(String),
    }
    match BoolOrText::deserialize(d)? {
        BoolOrText::Bool(b) => Ok(b),
        BoolOrText::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!("`{other}` is not a boolean"))),
        },
    }
}

fn lenient_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a date"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_and_booleans_sent_as_strings() {
        let v: Voucher = serde_json::from_str(
            r#"{"VoucherSeries":"A","VoucherNumber":"12","Year":3,"TransactionDate":"2026-01-02"}"#,
        )
        .expect("lenient");
        assert_eq!((v.voucher_number, v.year), (12, 3));
        let s: VoucherSeries =
            serde_json::from_str(r#"{"Code":"F","Manual":"false"}"#).expect("lenient");
        assert!(!s.manual);
        let p: LockedPeriod = serde_json::from_str(r#"{"EndDate":""}"#).expect("lenient");
        assert_eq!(p.end_date, None);
    }

    #[test]
    fn voucher_rows_serialize_amounts_as_exact_numbers() {
        let row = VoucherRow {
            account: 1930,
            debit: Decimal::new(123_450, 2),
            credit: Decimal::ZERO,
            transaction_information: None,
            cost_center: None,
            project: None,
            quantity: None,
        };
        let json = serde_json::to_string(&row).expect("serializes");
        assert_eq!(json, r#"{"Account":1930,"Debit":1234.50,"Credit":0}"#);
    }
}
