//! Error responses in the shapes Fortnox uses, and every error code the sandbox answers with.
//!
//! Owns the mapping from [`ApiError`] to an HTTP response. Handlers never build error bodies
//! themselves. Codes live in [`code`]: the ones Fortnox documents, and (clearly marked) the ones
//! we chose because no source gives Fortnox's own.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Fortnox error codes used by the sandbox.
pub mod code {
    // ---- Documented by Fortnox (docs/fortnox-api.md §5) ----
    /// Internal system exception (also used for injected faults).
    pub const SYSTEM_EXCEPTION: u32 = 1_000_003;
    /// Invalid parameter value.
    pub const INVALID_PARAMETER: u32 = 2_000_588;
    /// Invalid filter.
    pub const INVALID_FILTER: u32 = 2_000_587;
    /// Empty or incorrect request body.
    pub const EMPTY_BODY: u32 = 2_001_392;
    /// Invalid field name in a request body.
    pub const INVALID_FIELD_NAME: u32 = 2_001_399;
    /// JSON syntax error.
    pub const JSON_SYNTAX: u32 = 2_002_115;
    /// Account not found while validating a voucher row ("Kunde inte hitta konto").
    pub const ACCOUNT_NOT_FOUND: u32 = 2_001_304;
    /// Account not found on `GET /3/accounts/{n}` ("Kan inte hitta kontot.").
    pub const ACCOUNT_NOT_FOUND_GET: u32 = 2_000_423;
    /// Voucher list date range outside the selected financial year.
    pub const DATE_OUTSIDE_YEAR_LIST: u32 = 2_002_363;
    /// No access to the scope the resource needs (sent with 403, our choice of status).
    pub const NO_ACCESS_TO_SCOPE: u32 = 2_000_663;
    /// Customer not found.
    pub const CUSTOMER_NOT_FOUND: u32 = 2_000_433;
    /// Customer number already used.
    pub const CUSTOMER_NUMBER_USED: u32 = 2_000_637;
    /// Article not found.
    pub const ARTICLE_NOT_FOUND: u32 = 2_001_302;
    /// Article number already used.
    pub const ARTICLE_NUMBER_USED: u32 = 2_000_013;
    /// Invoice not found.
    pub const INVOICE_NOT_FOUND: u32 = 2_000_434;
    /// Order not found.
    pub const ORDER_NOT_FOUND: u32 = 2_000_439;
    /// Unit not found.
    pub const UNIT_NOT_FOUND: u32 = 2_000_432;
    /// Terms of payment not found.
    pub const TERMS_OF_PAYMENT_NOT_FOUND: u32 = 2_000_429;

    // ---- OUR CHOICE: no source gives Fortnox's code for these (docs/fortnox-api.md §5 says
    // "unconfirmed"). Clients must not rely on them; they only need to be stable and distinct.
    /// Debits do not equal credits. Borrowed from the mirrors' "not balanced" (supplier invoice).
    pub const VOUCHER_UNBALANCED: u32 = 2_000_755;
    /// Account exists but is inactive in that financial year.
    pub const ACCOUNT_INACTIVE: u32 = 2_099_001;
    /// No financial year for the date, or the given financial year Id does not exist.
    pub const FINANCIAL_YEAR_MISSING: u32 = 2_099_002;
    /// Voucher series is not flagged Manual ("Verifikationsserien är inte manuell").
    pub const SERIES_NOT_MANUAL: u32 = 2_099_003;
    /// Transaction date on or before the locked period's end date.
    pub const PERIOD_LOCKED: u32 = 2_099_004;
    /// Voucher series does not exist in that financial year.
    pub const SERIES_NOT_FOUND: u32 = 2_099_005;
    /// `TransactionDate` is outside the financial year given by `financialyear`.
    pub const DATE_OUTSIDE_YEAR: u32 = 2_099_006;
    /// Fewer than two voucher rows.
    pub const TOO_FEW_ROWS: u32 = 2_099_007;
    /// A required field is missing, too long or malformed (field named in the message).
    pub const INVALID_FIELD: u32 = 2_099_008;
    /// An amount has more than two decimals.
    pub const TOO_MANY_DECIMALS: u32 = 2_099_009;
    /// Voucher not found (404).
    pub const VOUCHER_NOT_FOUND: u32 = 2_099_010;
    /// Financial year not found (404 on `GET /3/financialyears/{Id}`).
    pub const FINANCIAL_YEAR_NOT_FOUND: u32 = 2_099_011;
    /// Voucher series not found (404 on `GET /3/voucherseries/{Code}`).
    pub const SERIES_NOT_FOUND_GET: u32 = 2_099_012;
    /// VAT rate not configured ("Kunde inte hitta moms").
    pub const VAT_NOT_FOUND: u32 = 2_099_013;
    /// Order already invoiced, invoice already booked, or similar state conflicts.
    pub const INVALID_STATE: u32 = 2_099_014;
    /// Mode of payment not found (404).
    pub const MODE_OF_PAYMENT_NOT_FOUND: u32 = 2_099_015;
    /// A route that does not exist under `/3/`.
    pub const NO_SUCH_ROUTE: u32 = 2_099_016;
    /// No inbox/archive file with that Id (404), or an upload without a `file` part.
    pub const FILE_NOT_FOUND: u32 = 2_099_017;
    /// The file is already connected to a voucher.
    pub const FILE_ALREADY_CONNECTED: u32 = 2_099_018;
    /// A row on an account that requires a cost centre names none.
    pub const COST_CENTER_REQUIRED: u32 = 2_099_019;
    /// No cost centre with that code (a GET, or a voucher naming one; Fortnox's code for
    /// either is unconfirmed).
    pub const COST_CENTER_NOT_FOUND: u32 = 2_099_020;
    /// No project with that number (404 on a GET, as Fortnox answers it; a voucher naming one
    /// gets the same code here, Fortnox's is unconfirmed).
    pub const PROJECT_NOT_FOUND: u32 = 2_001_161;
}

/// Body of a 429; Fortnox's own body is unconfirmed, this one is our choice.
pub const RATE_LIMIT_MESSAGE: &str = "Too Many Requests";

/// An error answered to the client, in one of the shapes Fortnox uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400 with lower-case keys `{"ErrorInformation":{"error":1,"message":…,"code":…}}`.
    BadRequest { code: u32, message: String },
    /// 404 with capitalised keys `{"ErrorInformation":{"Error":1,"Message":…,"Code":…}}`.
    NotFound { code: u32, message: String },
    /// 403 with lower-case keys (missing scope).
    Forbidden { code: u32, message: String },
    /// 401 `{"message":"unauthorized"}`.
    Unauthorized,
    /// OAuth token endpoint errors `{"error":…,"error_description":…}`.
    OAuth { status: StatusCode, error: &'static str, description: String },
    /// 429 Too Many Requests.
    RateLimited { retry_after: Duration },
    /// 500 system exception (code 1000003).
    Internal(String),
}

impl ApiError {
    pub fn bad(code: u32, message: impl Into<String>) -> Self {
        ApiError::BadRequest { code, message: message.into() }
    }

    /// Fortnox's answer for a date no financial year covers.
    pub fn no_financial_year(date: chrono::NaiveDate) -> Self {
        ApiError::bad(
            code::FINANCIAL_YEAR_MISSING,
            format!("Det finns inget räkenskapsår för datumet {date}."),
        )
    }

    pub fn not_found(code: u32, message: impl Into<String>) -> Self {
        ApiError::NotFound { code, message: message.into() }
    }

    pub fn invalid_parameter(name: &str) -> Self {
        ApiError::bad(code::INVALID_PARAMETER, format!("Ogiltig parameter: {name}."))
    }

    pub fn field(field: &str, problem: &str) -> Self {
        ApiError::bad(code::INVALID_FIELD, format!("Fältet {field}: {problem}."))
    }

    pub fn invalid_client() -> Self {
        ApiError::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "The client credentials are invalid".to_owned(),
        }
    }

    pub fn invalid_grant(description: &str) -> Self {
        ApiError::OAuth {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
            description: description.to_owned(),
        }
    }

    pub fn oauth_request(error: &'static str, description: &str) -> Self {
        ApiError::OAuth {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.to_owned(),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        tracing::error!(error = %err, "sandbox store error");
        ApiError::Internal(err.to_string())
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        tracing::error!(error = %err, "sandbox stored JSON unreadable");
        ApiError::Internal(err.to_string())
    }
}

/// The 500 answered both for real internal errors and for injected faults.
pub fn system_exception() -> Response {
    let body = json!({"ErrorInformation": {
        "error": 1,
        "message": "Ett systemfel har uppstått.",
        "code": code::SYSTEM_EXCEPTION,
    }});
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest { code, message } => {
                let body =
                    json!({"ErrorInformation": {"error": 1, "message": message, "code": code}});
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
            ApiError::NotFound { code, message } => {
                let body =
                    json!({"ErrorInformation": {"Error": 1, "Message": message, "Code": code}});
                (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
            }
            ApiError::Forbidden { code, message } => {
                let body =
                    json!({"ErrorInformation": {"error": 1, "message": message, "code": code}});
                (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
            }
            ApiError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "unauthorized"})))
                    .into_response()
            }
            ApiError::OAuth { status, error, description } => {
                let body = json!({"error": error, "error_description": description});
                let mut response = (status, axum::Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            ApiError::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(json!({"message": RATE_LIMIT_MESSAGE})),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
                response
            }
            ApiError::Internal(_) => system_exception(),
        }
    }
}
