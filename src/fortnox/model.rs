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

impl VoucherRequest {
    /// Fortnox's limit on a voucher's description, in characters.
    pub const DESCRIPTION_MAX: usize = 200;
}

impl VoucherRow {
    /// Fortnox's limit on a voucher row's text (`TransactionInformation`), in characters.
    pub const TEXT_MAX: usize = 100;

    /// A row booking the signed `amount` on `account`: positive is a debit, negative a credit.
    pub fn signed(account: u32, amount: Decimal, text: Option<String>) -> VoucherRow {
        VoucherRow {
            account,
            debit: amount.max(Decimal::ZERO),
            credit: (-amount).max(Decimal::ZERO),
            transaction_information: text,
            cost_center: None,
            project: None,
            quantity: None,
        }
    }
}

/// The envelope Fortnox wraps a single voucher in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoucherEnvelope<T> {
    #[serde(rename = "Voucher")]
    pub voucher: T,
}

/// A voucher as Fortnox returns it (create, get, list item). List items carry no rows.
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
    #[serde(default, deserialize_with = "lenient_opt_text")]
    pub reference_number: Option<String>,
    #[serde(default)]
    pub reference_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt_u64")]
    pub approval_state: Option<u64>,
    #[serde(default)]
    pub voucher_rows: Vec<VoucherRowOut>,
    #[serde(rename = "@url", default)]
    pub url: Option<String>,
}

/// A voucher row as Fortnox returns it (amounts may come as strings).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherRowOut {
    #[serde(deserialize_with = "lenient_u64")]
    pub account: u64,
    #[serde(default, deserialize_with = "lenient_decimal")]
    pub debit: Decimal,
    #[serde(default, deserialize_with = "lenient_decimal")]
    pub credit: Decimal,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub transaction_information: Option<String>,
    #[serde(default)]
    pub cost_center: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt_bool")]
    pub removed: Option<bool>,
}

/// `GET /3/financialyears` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FinancialYear {
    #[serde(deserialize_with = "lenient_u64")]
    pub id: u64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    #[serde(default)]
    pub account_chart_type: Option<String>,
    /// `ACCRUAL` or `CASH`.
    #[serde(default)]
    pub accounting_method: Option<String>,
}

/// `GET /3/voucherseries/{Code}` (per financial year).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherSeries {
    pub code: String,
    #[serde(default)]
    pub description: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub manual: bool,
    #[serde(default, deserialize_with = "lenient_opt_u64")]
    pub next_voucher_number: Option<u64>,
    #[serde(default, deserialize_with = "lenient_opt_u64")]
    pub year: Option<u64>,
}

/// `GET /3/accounts/{Number}` (per financial year).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    #[serde(deserialize_with = "lenient_u64")]
    pub number: u64,
    #[serde(default)]
    pub description: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub active: bool,
    #[serde(rename = "VATCode", default)]
    pub vat_code: Option<String>,
    #[serde(rename = "SRU", default, deserialize_with = "lenient_opt_u64")]
    pub sru: Option<u64>,
    #[serde(default, deserialize_with = "lenient_opt_u64")]
    pub year: Option<u64>,
    /// `ALLOWED`, `MANDATORY` (every row needs one) or `NOTALLOWED`.
    #[serde(default)]
    pub cost_center_settings: Option<String>,
    /// Like `CostCenterSettings`, for projects.
    #[serde(default)]
    pub project_settings: Option<String>,
}

impl Account {
    /// Rows on this account must name a cost centre.
    pub fn needs_cost_center(&self) -> bool {
        self.cost_center_settings.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("MANDATORY"))
    }

    /// Rows on this account must name a project.
    pub fn needs_project(&self) -> bool {
        self.project_settings.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("MANDATORY"))
    }
}

/// `GET /3/settings/lockedperiod`: `EndDate` absent or empty means nothing is locked.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LockedPeriod {
    #[serde(default, deserialize_with = "lenient_date")]
    pub end_date: Option<NaiveDate>,
}

/// `GET /3/companyinformation`. `DatabaseNumber` is the tenant id of client credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInformation {
    #[serde(default)]
    pub company_name: String,
    #[serde(default, deserialize_with = "lenient_opt_u64")]
    pub database_number: Option<u64>,
    #[serde(default)]
    pub organization_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub zip_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
}

/// `MetaInformation` of list responses.
#[derive(Debug, Clone, Deserialize)]
pub struct MetaInformation {
    #[serde(rename = "@TotalResources", default, deserialize_with = "lenient_u64")]
    pub total_resources: u64,
    #[serde(rename = "@TotalPages", deserialize_with = "lenient_u64")]
    pub total_pages: u64,
    #[serde(rename = "@CurrentPage", deserialize_with = "lenient_u64")]
    pub current_page: u64,
}

/// `{"ErrorInformation": {...}}` with keys in either casing (400s use `error`/`message`/`code`,
/// 404s `Error`/`Message`/`Code`); the code may be a number or a string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorInformation {
    #[serde(alias = "Message", default)]
    pub message: Option<String>,
    #[serde(alias = "Code", default, deserialize_with = "lenient_opt_i64")]
    pub code: Option<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(serde_json::Number),
    Text(String),
}

pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let text = match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => n.to_string(),
        NumOrText::Text(t) => t,
    };
    text.trim().parse().map_err(|_| serde::de::Error::custom(format!("`{text}` is not a number")))
}

pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
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

pub(crate) fn lenient_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a date"))),
    }
}

fn number_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Any {
        Num(serde_json::Number),
        Text(String),
        Bool(bool),
    }
    Ok(match Option::<Any>::deserialize(d)? {
        None => None,
        Some(Any::Num(n)) => Some(n.to_string()),
        Some(Any::Text(t)) if t.trim().is_empty() => None,
        Some(Any::Text(t)) => Some(t.trim().to_owned()),
        Some(Any::Bool(b)) => Some(b.to_string()),
    })
}

/// An optional unsigned number sent as a number, a string, `""` or `null`.
pub(crate) fn lenient_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    number_text(d)?
        .map(|t| t.parse().map_err(|_| serde::de::Error::custom(format!("`{t}` is not a number"))))
        .transpose()
}

/// An optional signed number sent as a number, a string, `""` or `null`.
pub(crate) fn lenient_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    number_text(d)?
        .map(|t| t.parse().map_err(|_| serde::de::Error::custom(format!("`{t}` is not a number"))))
        .transpose()
}

/// An amount sent as an exact number or a string (`"1.13"`); `null`/`""` is zero.
pub(crate) fn lenient_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    match number_text(d)? {
        None => Ok(Decimal::ZERO),
        Some(t) => t
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&t))
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not an amount"))),
    }
}

/// An optional boolean sent as a bool or a string (`"false"`).
pub(crate) fn lenient_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match number_text(d)?.map(|t| t.to_ascii_lowercase()) {
        None => Ok(None),
        Some(t) if t == "true" || t == "1" => Ok(Some(true)),
        Some(t) if t == "false" || t == "0" => Ok(Some(false)),
        Some(t) => Err(serde::de::Error::custom(format!("`{t}` is not a boolean"))),
    }
}

/// Text that Fortnox sometimes sends as a number (`ReferenceNumber`, `CustomerNumber`).
pub(crate) fn lenient_opt_text<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    number_text(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::many_single_char_names)]
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
        let r: VoucherRowOut = serde_json::from_str(
            r#"{"Account":"1930","Debit":"1.13","Credit":0,"Removed":"false"}"#,
        )
        .expect("lenient");
        assert_eq!((r.account, r.debit, r.credit), (1930, Decimal::new(113, 2), Decimal::ZERO));
        assert_eq!(r.removed, Some(false));
        let e: ErrorInformation = serde_json::from_str(
            r#"{"Error":1,"Message":"Kan inte hitta kunden.","Code":"2000433"}"#,
        )
        .expect("upper");
        assert_eq!(e.code, Some(2_000_433));
        let e: ErrorInformation =
            serde_json::from_str(r#"{"error":1,"message":"x","code":2001304}"#).expect("lower");
        assert_eq!((e.code, e.message.as_deref()), (Some(2_001_304), Some("x")));
        let m: MetaInformation =
            serde_json::from_str(r#"{"@TotalResources":"0","@TotalPages":0,"@CurrentPage":1}"#)
                .expect("meta");
        assert_eq!((m.total_resources, m.total_pages, m.current_page), (0, 0, 1));
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
