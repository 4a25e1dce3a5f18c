//! Vouchers: the stored shape, Fortnox's validation rules and numbering per series and year.
//!
//! Everything here runs inside one store transaction: a rejected voucher changes nothing and
//! consumes no number. HTTP handling lives in `routes_vouchers.rs`.

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::errors::{ApiError, code};
use super::lenient;
use super::store::{self, FinancialYear};

/// A stored voucher, serialised exactly as Fortnox answers it (minus `@url`). Amounts are JSON
/// numbers (`rust_decimal`'s plain `Serialize` would write strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[allow(clippy::struct_field_names)] // the names are Fortnox's
pub struct Voucher {
    pub approval_state: i64,
    pub comments: Option<String>,
    pub cost_center: Option<String>,
    pub description: String,
    pub project: Option<String>,
    pub reference_number: Option<String>,
    pub reference_type: String,
    pub transaction_date: NaiveDate,
    pub voucher_number: i64,
    pub voucher_rows: Vec<VoucherRow>,
    pub voucher_series: String,
    pub year: i64,
}

/// One voucher row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherRow {
    pub account: i64,
    pub cost_center: Option<String>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub credit: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub debit: Decimal,
    pub description: Option<String>,
    pub project: Option<String>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    pub quantity: Option<Decimal>,
    pub removed: bool,
    pub transaction_information: Option<String>,
}

/// A voucher as requested, before the year, series, accounts and balance are checked.
#[derive(Debug, Clone)]
pub struct Draft {
    pub description: String,
    pub transaction_date: NaiveDate,
    pub series: String,
    pub comments: Option<String>,
    pub cost_center: Option<String>,
    pub project: Option<String>,
    pub rows: Vec<VoucherRow>,
    pub reference_number: Option<String>,
    pub reference_type: String,
}

/// Fields a voucher request may carry (read-only ones are accepted and ignored).
const VOUCHER_FIELDS: &[&str] = &[
    "ApprovalState",
    "Comments",
    "CostCenter",
    "Description",
    "Project",
    "ReferenceNumber",
    "ReferenceType",
    "TransactionDate",
    "VoucherNumber",
    "VoucherRows",
    "VoucherSeries",
    "Year",
];

/// Fields a voucher row may carry.
const ROW_FIELDS: &[&str] = &[
    "Account",
    "CostCenter",
    "Credit",
    "Debit",
    "Description",
    "Project",
    "Quantity",
    "Removed",
    "TransactionInformation",
];

/// Largest amount magnitude accepted ("max 14 digits incl. decimals").
const MAX_AMOUNT_DIGITS: u32 = 14;

fn check_amount(name: &str, value: Decimal) -> Result<Decimal, ApiError> {
    let value = value.normalize();
    if value.scale() > 2 {
        return Err(ApiError::bad(
            code::TOO_MANY_DECIMALS,
            format!("Fältet {name} får ha högst två decimaler."),
        ));
    }
    let limit = Decimal::from(10_i64.pow(MAX_AMOUNT_DIGITS - 2));
    if value.abs() >= limit {
        return Err(ApiError::field(name, "är för stort"));
    }
    let mut two = value;
    two.rescale(2);
    Ok(two)
}

/// Reads the `{"Voucher":{…}}` object into a draft, checking fields that need no database.
pub fn parse_draft(obj: &Map<String, Value>) -> Result<Draft, ApiError> {
    lenient::known_fields(obj, VOUCHER_FIELDS)?;
    let description = lenient::string(obj, "Description")?
        .ok_or_else(|| ApiError::field("Description", "saknas"))?;
    lenient::check_len("Description", description.trim(), 1, 200)?;
    let date_text = lenient::string(obj, "TransactionDate")?
        .ok_or_else(|| ApiError::field("TransactionDate", "saknas"))?;
    let transaction_date: NaiveDate = date_text.trim().parse().map_err(|_| {
        ApiError::field("TransactionDate", "är inte ett giltigt datum (ÅÅÅÅ-MM-DD)")
    })?;
    let series = lenient::string(obj, "VoucherSeries")?
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::field("VoucherSeries", "saknas"))?;
    let comments = lenient::string(obj, "Comments")?;
    if let Some(c) = &comments {
        lenient::check_len("Comments", c, 0, 1000)?;
    }
    let cost_center = lenient::string(obj, "CostCenter")?.filter(|s| !s.is_empty());
    let project = lenient::string(obj, "Project")?.filter(|s| !s.is_empty());
    let raw_rows = match lenient::field(obj, "VoucherRows") {
        None => Vec::new(),
        Some(Value::Array(rows)) => rows.clone(),
        Some(_) => return Err(ApiError::field("VoucherRows", "ska vara en lista")),
    };
    if raw_rows.len() < 2 {
        return Err(ApiError::bad(code::TOO_FEW_ROWS, "En verifikation måste ha minst två rader."));
    }
    let mut rows = Vec::with_capacity(raw_rows.len());
    for raw in &raw_rows {
        let Value::Object(row) = raw else {
            return Err(ApiError::field("VoucherRows", "ska innehålla objekt"));
        };
        lenient::known_fields(row, ROW_FIELDS)?;
        let account = lenient::integer(row, "Account")?
            .ok_or_else(|| ApiError::field("Account", "saknas"))?;
        let debit = check_amount("Debit", lenient::decimal(row, "Debit")?.unwrap_or_default())?;
        let credit = check_amount("Credit", lenient::decimal(row, "Credit")?.unwrap_or_default())?;
        let info = lenient::string(row, "TransactionInformation")?.filter(|s| !s.is_empty());
        if let Some(info) = &info {
            lenient::check_len("TransactionInformation", info, 0, 100)?;
        }
        rows.push(VoucherRow {
            account,
            cost_center: lenient::string(row, "CostCenter")?.filter(|s| !s.is_empty()),
            credit,
            debit,
            description: lenient::string(row, "Description")?.filter(|s| !s.is_empty()),
            project: lenient::string(row, "Project")?.filter(|s| !s.is_empty()),
            quantity: lenient::decimal(row, "Quantity")?,
            removed: false,
            transaction_information: info,
        });
    }
    Ok(Draft {
        description: description.trim().to_owned(),
        transaction_date,
        series,
        comments,
        cost_center,
        project,
        rows,
        reference_number: None,
        reference_type: "MANUAL".to_owned(),
    })
}

/// Validates a draft against `year` and stores it with the series' next number, in one
/// transaction. `require_manual` is false only for vouchers the sandbox itself creates
/// (bookkept invoices).
pub fn create(
    conn: &mut Connection,
    year: &FinancialYear,
    draft: Draft,
    require_manual: bool,
) -> Result<Voucher, ApiError> {
    let tx = conn.transaction()?;
    let voucher = create_in(&tx, year, draft, require_manual)?;
    tx.commit()?;
    Ok(voucher)
}

/// A voucher (or row) may only name a cost centre and a project that exist.
fn objects_exist(
    tx: &Connection,
    cost_center: Option<&str>,
    project: Option<&str>,
) -> Result<(), ApiError> {
    use super::documents::{exists, kind};
    if let Some(cc) = cost_center.filter(|cc| !cc.is_empty())
        && !exists(tx, kind::COST_CENTER, cc)?
    {
        return Err(ApiError::bad(
            code::COST_CENTER_NOT_FOUND,
            format!("Kostnadsställe {cc} finns inte."),
        ));
    }
    if let Some(p) = project.filter(|p| !p.is_empty())
        && !exists(tx, kind::PROJECT, p)?
    {
        return Err(ApiError::bad(code::PROJECT_NOT_FOUND, format!("Projekt {p} finns inte.")));
    }
    Ok(())
}

/// [`create`] inside the caller's transaction (nothing is written if it fails).
pub fn create_in(
    tx: &Connection,
    year: &FinancialYear,
    mut draft: Draft,
    require_manual: bool,
) -> Result<Voucher, ApiError> {
    if !year.contains(draft.transaction_date) {
        let date = draft.transaction_date;
        return Err(match store::financial_year_for(tx, date)? {
            None => ApiError::no_financial_year(date),
            Some(_) => ApiError::bad(
                code::DATE_OUTSIDE_YEAR,
                format!("Verifikationsdatumet {date} ligger utanför räkenskapsåret."),
            ),
        });
    }
    let series = store::series(tx, year.id, &draft.series)?.ok_or_else(|| {
        ApiError::bad(
            code::SERIES_NOT_FOUND,
            format!("Verifikationsserien {} finns inte.", draft.series),
        )
    })?;
    if require_manual && !series.manual {
        return Err(ApiError::bad(code::SERIES_NOT_MANUAL, "Verifikationsserien är inte manuell."));
    }
    if let Some(locked) = store::locked_until(tx)?
        && draft.transaction_date <= locked
    {
        return Err(ApiError::bad(
            code::PERIOD_LOCKED,
            format!("Bokföringsperioden är låst till och med {locked}."),
        ));
    }
    objects_exist(tx, draft.cost_center.as_deref(), draft.project.as_deref())?;
    for row in &mut draft.rows {
        let account = store::account(tx, year.id, row.account)?.ok_or_else(|| {
            ApiError::bad(
                code::ACCOUNT_NOT_FOUND,
                format!("Kunde inte hitta konto {}.", row.account),
            )
        })?;
        if !account.active {
            return Err(ApiError::bad(
                code::ACCOUNT_INACTIVE,
                format!("Konto {} är inte aktivt.", row.account),
            ));
        }
        if super::seed::COST_CENTER_REQUIRED.contains(&row.account)
            && row.cost_center.as_deref().is_none_or(str::is_empty)
        {
            return Err(ApiError::bad(
                code::COST_CENTER_REQUIRED,
                format!("Konto {} kräver kostnadsställe.", row.account),
            ));
        }
        if row.description.is_none() {
            row.description = Some(account.description);
        }
        objects_exist(tx, row.cost_center.as_deref(), row.project.as_deref())?;
    }
    let debit: Decimal = draft.rows.iter().map(|r| r.debit).sum();
    let credit: Decimal = draft.rows.iter().map(|r| r.credit).sum();
    if debit != credit {
        return Err(ApiError::bad(
            code::VOUCHER_UNBALANCED,
            format!("Verifikationen är inte balanserad (debet {debit}, kredit {credit})."),
        ));
    }
    let voucher = Voucher {
        approval_state: 0,
        comments: draft.comments,
        cost_center: draft.cost_center,
        description: draft.description,
        project: draft.project,
        reference_number: draft.reference_number,
        reference_type: draft.reference_type,
        transaction_date: draft.transaction_date,
        voucher_number: series.next_number,
        voucher_rows: draft.rows,
        voucher_series: series.code.clone(),
        year: year.id,
    };
    tx.execute(
        "UPDATE voucher_series SET next_number = next_number + 1 WHERE year = ?1 AND code = ?2",
        params![year.id, series.code],
    )?;
    tx.execute(
        "INSERT INTO vouchers (year, series, number, transaction_date, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            voucher.year,
            voucher.voucher_series,
            voucher.voucher_number,
            voucher.transaction_date.to_string(),
            serde_json::to_string(&voucher)?
        ],
    )?;
    Ok(voucher)
}

/// One voucher.
pub fn get(
    conn: &Connection,
    year: i64,
    series: &str,
    number: i64,
) -> Result<Option<Voucher>, ApiError> {
    let mut stmt =
        conn.prepare("SELECT data FROM vouchers WHERE year = ?1 AND series = ?2 AND number = ?3")?;
    let mut rows = stmt.query(params![year, series.to_uppercase(), number])?;
    match rows.next()? {
        Some(row) => Ok(Some(serde_json::from_str(&row.get::<_, String>(0)?)?)),
        None => Ok(None),
    }
}

/// Vouchers of one year, optionally one series and a date range, by series then number.
pub fn list(
    conn: &Connection,
    year: i64,
    series: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Voucher>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT data FROM vouchers
         WHERE year = ?1 AND (?2 IS NULL OR series = ?2)
           AND (?3 IS NULL OR transaction_date >= ?3) AND (?4 IS NULL OR transaction_date <= ?4)
         ORDER BY series, number",
    )?;
    let series = series.map(str::to_uppercase);
    let texts = stmt
        .query_map(
            params![year, series, from.map(|d| d.to_string()), to.map(|d| d.to_string())],
            |row| row.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    texts.iter().map(|t| serde_json::from_str(t).map_err(ApiError::from)).collect()
}
