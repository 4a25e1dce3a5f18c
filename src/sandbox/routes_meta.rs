//! Bookkeeping settings: financial years (listed, and created as the accountant does at the
//! turn of the year), voucher series, accounts, the locked period and company information.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::Connection;
use serde_json::{Value, json};

use super::Shared;
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};
use super::seed::{COST_CENTER_REQUIRED, DATABASE_NUMBER};
use super::store::{self, Account, FinancialYear, Series};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/financialyears", get(list_years).post(create_year))
        .route("/financialyears/{id}", get(get_year))
        .route("/voucherseries", get(list_series))
        .route("/voucherseries/{code}", get(get_series))
        .route("/accounts", get(list_accounts))
        .route("/accounts/{number}", get(get_account))
        .route("/settings/lockedperiod", get(locked_period))
        .route("/companyinformation", get(company_information))
        .route("/settings/company", get(company_settings))
}

fn year_json(base: &str, year: &FinancialYear) -> Value {
    json!({
        "@url": format!("{base}/3/financialyears/{}", year.id),
        "Id": year.id,
        "FromDate": year.from.to_string(),
        "ToDate": year.to.to_string(),
        "AccountChartType": year.chart_type,
        "AccountingMethod": year.accounting_method,
    })
}

/// `POST /3/financialyears`: a new year `FromDate..ToDate` that overlaps none, with the chart
/// and series of the others.
async fn create_year(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let obj = lenient::envelope(&body, "FinancialYear")?;
    let date = |name: &str| -> Result<chrono::NaiveDate, ApiError> {
        lenient::field(&obj, name)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ApiError::field(name, "ett datum ÅÅÅÅ-MM-DD krävs"))
    };
    let (from, to) = (date("FromDate")?, date("ToDate")?);
    if to < from {
        return Err(ApiError::field("ToDate", "före FromDate"));
    }
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            if store::financial_years(conn)?.iter().any(|y| y.from <= to && from <= y.to) {
                return Err(ApiError::field("FromDate", "överlappar ett befintligt räkenskapsår"));
            }
            let tx = conn.transaction()?;
            let id = super::seed::add_year(&tx, from, to)?;
            tx.commit()?;
            let year = store::financial_year(conn, id)?
                .ok_or_else(|| ApiError::Internal("created year not found".to_owned()))?;
            Ok((StatusCode::CREATED, Json(single("FinancialYear", year_json(&base, &year)))))
        })
        .await
}

fn series_json(base: &str, series: &Series) -> Value {
    json!({
        "@url": format!("{base}/3/voucherseries/{}?financialyear={}", series.code, series.year),
        "Code": series.code,
        "Description": series.description,
        "Manual": series.manual,
        "NextVoucherNumber": series.next_number,
        "Year": series.year,
        "Approver": {"Id": 0, "Name": ""},
    })
}

fn account_json(base: &str, account: &Account) -> Value {
    json!({
        "@url": format!("{base}/3/accounts/{}?financialyear={}", account.number, account.year),
        "Active": account.active,
        "BalanceBroughtForward": 0,
        "BalanceCarriedForward": 0,
        "CostCenter": null,
        "CostCenterSettings": if COST_CENTER_REQUIRED.contains(&account.number) {
            "MANDATORY"
        } else {
            "ALLOWED"
        },
        "Description": account.description,
        "Number": account.number,
        "Project": null,
        "ProjectSettings": "ALLOWED",
        "QuantitySettings": "ALLOWED",
        "QuantityUnit": null,
        "SRU": account.sru,
        "TransactionInformation": null,
        "TransactionInformationSettings": "ALLOWED",
        "VATCode": account.vat_code,
        "Year": account.year,
    })
}

/// Runs `f` in the store with the financial year the request names (`financialyear`,
/// `financialyeardate`, else the one covering today), its parameters and the base URL.
pub async fn in_year<T, F>(state: Shared, params: Params, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Connection, FinancialYear, &Params, &str) -> Result<T, ApiError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let year = store::resolve_year(
                conn,
                params.get("financialyear"),
                params.get("financialyeardate"),
                today,
            )?;
            f(conn, year, &params, &base)
        })
        .await
}

async fn list_years(State(state): State<Shared>, params: Params) -> Result<Json<Value>, ApiError> {
    let date = params.date("date")?;
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let years: Vec<Value> = store::financial_years(conn)?
                .iter()
                .filter(|y| date.is_none_or(|d| y.contains(d)))
                .map(|y| year_json(&base, y))
                .collect();
            let (page, meta) = params.page(years)?;
            Ok(Json(list("FinancialYears", meta, page)))
        })
        .await
}

async fn get_year(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let not_found =
        || ApiError::not_found(code::FINANCIAL_YEAR_NOT_FOUND, "Kan inte hitta räkenskapsåret.");
    let id: i64 = id.trim().parse().map_err(|_| not_found())?;
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let year = store::financial_year(conn, id)?.ok_or_else(not_found)?;
            Ok(Json(single("FinancialYear", year_json(&base, &year))))
        })
        .await
}

async fn list_series(State(state): State<Shared>, params: Params) -> Result<Json<Value>, ApiError> {
    in_year(state, params, |conn, year, params, base| {
        let items: Vec<Value> =
            store::all_series(conn, year.id)?.iter().map(|s| series_json(base, s)).collect();
        let (page, meta) = params.page(items)?;
        Ok(Json(list("VoucherSeriesCollection", meta, page)))
    })
    .await
}

async fn get_series(
    State(state): State<Shared>,
    Path(series_code): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    in_year(state, params, move |conn, year, _, base| {
        let series = store::series(conn, year.id, &series_code)?.ok_or_else(|| {
            ApiError::not_found(code::SERIES_NOT_FOUND_GET, "Kan inte hitta verifikationsserien.")
        })?;
        Ok(Json(single("VoucherSeries", series_json(base, &series))))
    })
    .await
}

async fn list_accounts(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    in_year(state, params, |conn, year, params, base| {
        let sru = params.get("sru").map(str::trim);
        let items: Vec<Value> = store::accounts(conn, year.id)?
            .iter()
            .filter(|a| sru.is_none_or(|s| a.sru.is_some_and(|n| n.to_string() == s)))
            .map(|a| account_json(base, a))
            .collect();
        let (page, meta) = params.page(items)?;
        Ok(Json(list("Accounts", meta, page)))
    })
    .await
}

async fn get_account(
    State(state): State<Shared>,
    Path(number): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::not_found(code::ACCOUNT_NOT_FOUND_GET, "Kan inte hitta kontot.");
    let number: i64 = number.trim().parse().map_err(|_| not_found())?;
    in_year(state, params, move |conn, year, _, base| {
        let account = store::account(conn, year.id, number)?.ok_or_else(not_found)?;
        Ok(Json(single("Account", account_json(base, &account))))
    })
    .await
}

async fn locked_period(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    state
        .store
        .call(|conn| {
            let end = store::locked_until(conn)?.map(|d| d.to_string());
            Ok(Json(json!({"LockedPeriod": {"EndDate": end}})))
        })
        .await
}

/// The seeded company; made up.
fn company() -> Value {
    json!({
        "Address": "Testgatan 1",
        "City": "Sandvik",
        "CountryCode": "SE",
        "DatabaseNumber": DATABASE_NUMBER,
        "CompanyName": "Sandlådan Café & Butik AB",
        "OrganizationNumber": "559999-0005",
        "VisitAddress": "Testgatan 1",
        "VisitCity": "Sandvik",
        "VisitCountryCode": "SE",
        "VisitZipCode": "123 45",
        "ZipCode": "123 45",
    })
}

async fn company_information() -> Json<Value> {
    Json(single("CompanyInformation", company()))
}

async fn company_settings() -> Json<Value> {
    let c = company();
    Json(json!({"CompanySettings": {
        "Address": c["Address"],
        "City": c["City"],
        "CountryCode": c["CountryCode"],
        "DatabaseNumber": c["DatabaseNumber"],
        "Email": "info@sandladan.example",
        "Name": c["CompanyName"],
        "OrganizationNumber": c["OrganizationNumber"],
        "ZipCode": c["ZipCode"],
    }}))
}
