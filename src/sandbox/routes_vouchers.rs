//! `/3/vouchers`: create, get one, list and sublist per series.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};
use super::routes_meta::in_year;
use super::vouchers::{self, Voucher};
use super::{ListComments, Shared};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/vouchers", get(list_vouchers).post(create_voucher))
        .route("/vouchers/sublist/{series}", get(sublist))
        .route("/vouchers/{series}/{number}", get(get_voucher))
}

fn voucher_url(base: &str, v: &Voucher) -> String {
    format!("{base}/3/vouchers/{}/{}?financialyear={}", v.voucher_series, v.voucher_number, v.year)
}

/// The full voucher with rows, as answered by create and get.
pub fn voucher_json(base: &str, v: &Voucher) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(v)?;
    if let Value::Object(map) = &mut value {
        map.insert("@url".to_owned(), json!(voucher_url(base, v)));
    }
    Ok(value)
}

/// A list item: no rows, but Description and Comments as [`ListComments`] says.
fn list_item(base: &str, v: &Voucher, comments: ListComments) -> Value {
    let mut item = json!({
        "@url": voucher_url(base, v),
        "ApprovalState": v.approval_state,
        "Comments": v.comments,
        "Description": v.description,
        "ReferenceNumber": v.reference_number,
        "ReferenceType": v.reference_type,
        "TransactionDate": v.transaction_date.to_string(),
        "VoucherNumber": v.voucher_number,
        "VoucherSeries": v.voucher_series,
        "Year": v.year,
    });
    if let Value::Object(map) = &mut item {
        match comments {
            ListComments::Full => {}
            ListComments::Absent => drop(map.remove("Comments")),
            ListComments::Null => drop(map.insert("Comments".to_owned(), Value::Null)),
        }
    }
    item
}

async fn create_voucher(
    State(state): State<Shared>,
    params: Params,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let obj = lenient::envelope(&body, "Voucher")?;
    let draft = vouchers::parse_draft(&obj)?;
    in_year(state, params, move |conn, year, _, base| {
        let voucher = vouchers::create(conn, &year, draft, true)?;
        Ok((StatusCode::CREATED, Json(single("Voucher", voucher_json(base, &voucher)?))))
    })
    .await
}

async fn get_voucher(
    State(state): State<Shared>,
    Path((series, number)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let not_found =
        || ApiError::not_found(code::VOUCHER_NOT_FOUND, "Kan inte hitta verifikationen.");
    let number: i64 = number.trim().parse().map_err(|_| not_found())?;
    in_year(state, params, move |conn, year, _, base| {
        let voucher = vouchers::get(conn, year.id, &series, number)?.ok_or_else(not_found)?;
        Ok(Json(single("Voucher", voucher_json(base, &voucher)?)))
    })
    .await
}

async fn list_vouchers(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let series = params.get("voucherseries").map(str::to_owned);
    list_in(state, params, series).await
}

async fn sublist(
    State(state): State<Shared>,
    Path(series): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    list_in(state, params, Some(series)).await
}

async fn list_in(
    state: Shared,
    params: Params,
    series: Option<String>,
) -> Result<Json<Value>, ApiError> {
    let from = params.date("fromdate")?;
    let to = params.date("todate")?;
    let comments = state.options.list_comments;
    in_year(state, params, move |conn, year, params, base| {
        if from.is_some_and(|d| !year.contains(d)) {
            return Err(ApiError::bad(
                code::DATE_OUTSIDE_YEAR_LIST,
                "Fråndatumet ligger utanför aktuellt räkenskapsår",
            ));
        }
        if to.is_some_and(|d| !year.contains(d)) {
            return Err(ApiError::bad(
                code::DATE_OUTSIDE_YEAR_LIST,
                "Tilldatumet ligger utanför aktuellt räkenskapsår",
            ));
        }
        let cost_center = params.get("costcenter").map(str::to_owned);
        let items: Vec<Value> = vouchers::list(conn, year.id, series.as_deref(), from, to)?
            .iter()
            .filter(|v| {
                cost_center.as_deref().is_none_or(|cc| {
                    v.cost_center.as_deref() == Some(cc)
                        || v.voucher_rows.iter().any(|r| r.cost_center.as_deref() == Some(cc))
                })
            })
            .map(|v| list_item(base, v, comments))
            .collect();
        let (page, meta) = params.page(items)?;
        Ok(Json(list("Vouchers", meta, page)))
    })
    .await
}
