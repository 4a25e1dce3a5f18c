//! Small code registers: `/3/units`, `/3/termsofpayments`, `/3/modesofpayments` (list, get,
//! create, update), all keyed by `Code`.

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
use super::routes_customers::urlencode;

/// One code register.
pub struct Register {
    pub kind: &'static str,
    pub path: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub fields: &'static [Field],
    pub not_found_code: u32,
    pub not_found_message: &'static str,
}

pub const UNITS: Register = Register {
    kind: kind::UNIT,
    path: "units",
    singular: "Unit",
    plural: "Units",
    fields: &[
        ("Code", Kind::Text(6)),
        ("CodeEnglish", Kind::Text(6)),
        ("Description", Kind::Text(100)),
    ],
    not_found_code: code::UNIT_NOT_FOUND,
    not_found_message: "Kan inte hitta enheten.",
};

pub const TERMS_OF_PAYMENT: Register = Register {
    kind: kind::TERMS_OF_PAYMENT,
    path: "termsofpayments",
    singular: "TermsOfPayment",
    plural: "TermsOfPayments",
    fields: &[("Code", Kind::Text(10)), ("Description", Kind::Text(50))],
    not_found_code: code::TERMS_OF_PAYMENT_NOT_FOUND,
    not_found_message: "Kan inte hitta betalningsvillkoret.",
};

pub const MODES_OF_PAYMENT: Register = Register {
    kind: kind::MODE_OF_PAYMENT,
    path: "modesofpayments",
    singular: "ModeOfPayment",
    plural: "ModesOfPayments",
    fields: &[
        ("AccountNumber", Kind::Integer),
        ("Code", Kind::Text(10)),
        ("Description", Kind::Text(50)),
    ],
    not_found_code: code::MODE_OF_PAYMENT_NOT_FOUND,
    not_found_message: "Kan inte hitta betalningssättet.",
};

pub fn router() -> Router<Shared> {
    let mut router = Router::new();
    for register in [&UNITS, &TERMS_OF_PAYMENT, &MODES_OF_PAYMENT] {
        router = router
            .route(
                &format!("/{}", register.path),
                get(move |s: State<Shared>, p: Params| list_codes(register, s, p))
                    .post(move |s: State<Shared>, b: Bytes| create_code(register, s, b)),
            )
            .route(
                &format!("/{}/{{code}}", register.path),
                get(move |s: State<Shared>, c: Path<String>| get_code(register, s, c)).put(
                    move |s: State<Shared>, c: Path<String>, b: Bytes| {
                        update_code(register, s, c, b)
                    },
                ),
            );
    }
    router
}

fn url(base: &str, register: &Register, code: &str) -> String {
    format!("{base}/3/{}/{}", register.path, urlencode(code))
}

fn not_found(register: &Register) -> ApiError {
    ApiError::not_found(register.not_found_code, register.not_found_message)
}

async fn list_codes(
    register: &'static Register,
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let items: Vec<Value> = documents::all(conn, register.kind)?
                .into_iter()
                .filter(|d| params.matches("code", Some(documents::text(d, "Code"))))
                .map(|d| {
                    let link = url(&base, register, documents::text(&d, "Code"));
                    documents::with_url(d, &link)
                })
                .collect();
            let (page, meta) = params.page(items)?;
            Ok(Json(list(register.plural, meta, page)))
        })
        .await
}

async fn get_code(
    register: &'static Register,
    State(state): State<Shared>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let doc =
                documents::get(conn, register.kind, &code)?.ok_or_else(|| not_found(register))?;
            Ok(Json(single(
                register.singular,
                documents::with_url(doc, &url(&base, register, &code)),
            )))
        })
        .await
}

async fn create_code(
    register: &'static Register,
    State(state): State<Shared>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = lenient::envelope(&body, register.singular)?;
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = Map::new();
            documents::apply(&mut doc, &input, register.fields)?;
            let code = documents::text(&doc, "Code").trim().to_owned();
            if code.is_empty() {
                return Err(ApiError::field("Code", "saknas"));
            }
            if documents::exists(&tx, register.kind, &code)? {
                return Err(ApiError::field("Code", &format!("{code} används redan")));
            }
            doc.insert("Code".to_owned(), json!(code));
            doc.entry("Description").or_insert_with(|| json!(""));
            documents::put(&tx, register.kind, &code, &doc)?;
            tx.commit()?;
            let value = documents::with_url(doc, &url(&base, register, &code));
            Ok((StatusCode::CREATED, Json(single(register.singular, value))))
        })
        .await
}

async fn update_code(
    register: &'static Register,
    State(state): State<Shared>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut input = lenient::envelope(&body, register.singular)?;
    input.retain(|k, _| !k.eq_ignore_ascii_case("Code"));
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc =
                documents::get(&tx, register.kind, &code)?.ok_or_else(|| not_found(register))?;
            documents::apply(&mut doc, &input, register.fields)?;
            documents::put(&tx, register.kind, &code, &doc)?;
            tx.commit()?;
            Ok(Json(single(
                register.singular,
                documents::with_url(doc, &url(&base, register, &code)),
            )))
        })
        .await
}
