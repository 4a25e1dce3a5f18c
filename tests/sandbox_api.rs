//! The embedded Fortnox sandbox over real HTTP on 127.0.0.1 (free port), driven with reqwest.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

#[path = "sandbox_api/archive.rs"]
mod archive;
#[path = "sandbox_api/documents.rs"]
mod documents;
#[path = "sandbox_api/robustness.rs"]
mod robustness;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions, error_code};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Today is 2025-06-15: years 2024 (Id 1), 2025 (Id 2), 2026 (Id 3); locked until 2025-03-31.
fn options() -> SandboxOptions {
    SandboxOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        today: date("2025-06-15"),
        rate_limit: None,
        ..SandboxOptions::default()
    }
}

struct Api {
    sandbox: Sandbox,
    http: Client,
    token: String,
}

impl Api {
    async fn start(options: SandboxOptions) -> Api {
        let sandbox = Sandbox::start(options).await.unwrap();
        let http = Client::new();
        let token = client_credentials(&http, &sandbox.base_url(), "client-a").await;
        Api { sandbox, http, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.url(path)).bearer_auth(&self.token).send().await.unwrap();
        (resp.status(), resp.json().await.unwrap())
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap())
    }
}

async fn client_credentials(http: &Client, base: &str, client_id: &str) -> String {
    let resp = http
        .post(format!("{base}/oauth-v1/token"))
        .basic_auth(client_id, Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

fn voucher(series: &str, date: &str, rows: &[(u32, &str, &str)]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|(account, debit, credit)| {
            json!({"Account": account, "Debit": debit.parse::<f64>().unwrap(), "Credit": credit.parse::<f64>().unwrap()})
        })
        .collect();
    json!({"Voucher": {
        "Description": "Z-rapport 42 [zr:test]",
        "TransactionDate": date,
        "VoucherSeries": series,
        "VoucherRows": rows,
    }})
}

fn balanced(series: &str, date: &str) -> Value {
    voucher(series, date, &[(1930, "125", "0"), (3001, "0", "100"), (2611, "0", "25")])
}

/// Asserts an error answer: the `expected` status and a body whose only top-level key is
/// `ErrorInformation`, holding exactly the keys `[error, message, code]` (spelt as given) with
/// error 1 and the given code. Returns the message.
fn assert_error(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
    [error, message, code_key]: [&str; 3],
    code: u32,
) -> String {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "one top-level key: {body}");
    let info = body["ErrorInformation"].as_object().unwrap();
    let mut keys: Vec<&str> = info.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = [error, message, code_key];
    want.sort_unstable();
    assert_eq!(keys, want, "{body}");
    assert_eq!(info[error], json!(1), "{body}");
    assert_eq!(info[code_key], json!(code), "{body}");
    info[message].as_str().unwrap().to_owned()
}

/// Asserts a 400 validation error (lower-case keys) and returns its message.
fn assert_bad(status: StatusCode, body: &Value, code: u32) -> String {
    assert_error(status, body, StatusCode::BAD_REQUEST, ["error", "message", "code"], code)
}

/// Asserts a 404 (capitalised keys).
fn assert_not_found(status: StatusCode, body: &Value, code: u32) {
    assert_error(status, body, StatusCode::NOT_FOUND, ["Error", "Message", "Code"], code);
}

#[tokio::test]
async fn token_issue_and_unauthorized_requests() {
    let sandbox = Sandbox::start(options()).await.unwrap();
    let base = sandbox.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let http = Client::new();

    // No Basic auth: invalid_client.
    let resp = http
        .post(format!("{base}/oauth-v1/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_client", "error_description": "The client credentials are invalid"})
    );

    // Any client id/secret works for client credentials; TenantId header optional.
    let resp = http
        .post(format!("{base}/oauth-v1/token"))
        .basic_auth("any-client", Some("any-secret"))
        .header("TenantId", "9990001")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["access_token", "expires_in", "scope", "token_type"]);
    assert_eq!(body["token_type"], json!("bearer"));
    assert_eq!(body["expires_in"], json!(3600));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "JWT-shaped");

    let unauthorized = json!({"message": "unauthorized"});
    let resp = http.get(format!("{base}/3/companyinformation")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json::<Value>().await.unwrap(), unauthorized);
    let resp = http
        .get(format!("{base}/3/companyinformation"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json::<Value>().await.unwrap(), unauthorized);

    let resp =
        http.get(format!("{base}/3/companyinformation")).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["CompanyInformation"]["DatabaseNumber"], json!(9_990_001));
    assert!(body["CompanyInformation"]["CompanyName"].is_string());
    assert!(body["CompanyInformation"]["OrganizationNumber"].is_string());
    sandbox.stop().await;
}

#[tokio::test]
async fn access_tokens_expire() {
    let api = Api::start(SandboxOptions {
        access_token_lifetime: Duration::from_millis(1500),
        ..options()
    })
    .await;
    assert_eq!(api.get("/3/settings/lockedperiod").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let (status, body) = api.get("/3/settings/lockedperiod").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"message": "unauthorized"}));
}

#[tokio::test]
async fn settings_years_series_and_accounts() {
    let api = Api::start(options()).await;
    let (status, body) = api.get("/3/settings/lockedperiod").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"LockedPeriod": {"EndDate": "2025-03-31"}}));

    let (status, body) = api.get("/3/financialyears").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["MetaInformation"],
        json!({"@TotalResources": 3, "@TotalPages": 1, "@CurrentPage": 1})
    );
    let ids: Vec<&Value> =
        body["FinancialYears"].as_array().unwrap().iter().map(|y| &y["Id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3)]);

    let (_, body) = api.get("/3/financialyears?date=2025-05-01").await;
    let years = body["FinancialYears"].as_array().unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(years[0]["Id"], json!(2));
    assert_eq!(years[0]["FromDate"], json!("2025-01-01"));
    assert_eq!(years[0]["ToDate"], json!("2025-12-31"));
    assert_eq!(years[0]["AccountingMethod"], json!("ACCRUAL"));
    assert!(years[0]["@url"].as_str().unwrap().ends_with("/3/financialyears/2"));

    let (status, body) = api.get("/3/financialyears?date=2030-01-01").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"MetaInformation": {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1},
               "FinancialYears": []})
    );
    let (status, body) = api.get("/3/financialyears/3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["FinancialYear"]["FromDate"], json!("2026-01-01"));
    let (status, body) = api.get("/3/financialyears/9").await;
    assert_not_found(status, &body, error_code::FINANCIAL_YEAR_NOT_FOUND);

    let (status, body) = api.get("/3/voucherseries?financialyear=1").await;
    assert_eq!(status, StatusCode::OK);
    let series = body["VoucherSeriesCollection"].as_array().unwrap();
    let codes: Vec<&str> = series.iter().map(|s| s["Code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["A", "B", "C", "D", "E", "F"]);
    assert!(series.iter().all(|s| s["Year"] == json!(1) && s["NextVoucherNumber"] == json!(1)));
    let manual: Vec<bool> = series.iter().map(|s| s["Manual"].as_bool().unwrap()).collect();
    assert_eq!(manual, [true, false, true, true, true, true]);
    let (status, body) = api.get("/3/voucherseries/F?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["VoucherSeries"]["Description"], json!("Kassa"));
    assert_eq!(body["VoucherSeries"]["Year"], json!(2));

    let (status, body) = api.get("/3/accounts/1630?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Account"]["Active"], json!(false));
    assert_eq!(body["Account"]["Number"], json!(1630));
    assert_eq!(body["Account"]["Year"], json!(2));
    let (_, body) = api.get("/3/accounts/3001").await;
    assert_eq!(body["Account"]["VATCode"], json!("MP1"));
    assert_eq!(body["Account"]["Active"], json!(true));
    let (status, body) = api.get("/3/accounts/9999?financialyear=2").await;
    assert_not_found(status, &body, error_code::ACCOUNT_NOT_FOUND_GET);

    let (_, body) = api.get("/3/accounts?financialyear=3&limit=10&page=2").await;
    let total = body["MetaInformation"]["@TotalResources"].as_u64().unwrap();
    assert!(total >= 30);
    assert_eq!(body["MetaInformation"]["@TotalPages"], json!(total.div_ceil(10)));
    assert_eq!(body["MetaInformation"]["@CurrentPage"], json!(2));
    assert_eq!(body["Accounts"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn vouchers_are_created_numbered_and_listed() {
    let api = Api::start(options()).await;
    let (status, body) =
        api.post("/3/vouchers?financialyear=2", &balanced("A", "2025-05-02")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v = &body["Voucher"];
    assert_eq!(v["VoucherNumber"], json!(1));
    assert_eq!(v["VoucherSeries"], json!("A"));
    assert_eq!(v["Year"], json!(2));
    assert_eq!(v["TransactionDate"], json!("2025-05-02"));
    assert_eq!(v["Description"], json!("Z-rapport 42 [zr:test]"));
    assert_eq!(v["ReferenceType"], json!("MANUAL"));
    assert_eq!(v["@url"], json!(api.url("/3/vouchers/A/1?financialyear=2")));
    let rows = v["VoucherRows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["Account"], json!(1930));
    assert_eq!(rows[0]["Debit"].to_string(), "125.00");
    assert_eq!(rows[0]["Credit"].to_string(), "0.00");
    assert_eq!(rows[0]["Removed"], json!(false));
    assert_eq!(rows[0]["Description"], json!("Företagskonto / checkkonto / affärskonto"));

    // Numbering is per series and per year; a rejected voucher consumes no number.
    let (status, body) =
        api.post("/3/vouchers?financialyear=2", &balanced("A", "2025-05-03")).await;
    assert_eq!((status, &body["Voucher"]["VoucherNumber"]), (StatusCode::CREATED, &json!(2)));
    let unbalanced = voucher("A", "2025-05-03", &[(1930, "100", "0"), (3001, "0", "99.99")]);
    let (status, body) = api.post("/3/vouchers?financialyear=2", &unbalanced).await;
    assert_bad(status, &body, error_code::VOUCHER_UNBALANCED);
    let mut with_comments = balanced("A", "2025-05-04");
    with_comments["Voucher"]["Comments"] = json!("[zr:2025-05-04:shop1]");
    let (status, body) = api.post("/3/vouchers?financialyear=2", &with_comments).await;
    assert_eq!((status, &body["Voucher"]["VoucherNumber"]), (StatusCode::CREATED, &json!(3)));
    let (_, body) = api.post("/3/vouchers?financialyear=2", &balanced("F", "2025-05-04")).await;
    assert_eq!(body["Voucher"]["VoucherNumber"], json!(1));
    let (status, body) =
        api.post("/3/vouchers?financialyear=3", &balanced("A", "2026-01-10")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (&body["Voucher"]["VoucherNumber"], &body["Voucher"]["Year"]),
        (&json!(1), &json!(3))
    );
    // Without financialyear the preselected (current) year is used.
    let (status, body) = api.post("/3/vouchers", &balanced("C", "2025-06-01")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["Voucher"]["Year"], json!(2));

    let (_, body) = api.get("/3/voucherseries/A?financialyear=2").await;
    assert_eq!(body["VoucherSeries"]["NextVoucherNumber"], json!(4));

    // Get one, with rows.
    let (status, body) = api.get("/3/vouchers/A/3?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Voucher"]["Comments"], json!("[zr:2025-05-04:shop1]"));
    assert_eq!(body["Voucher"]["VoucherRows"].as_array().unwrap().len(), 3);
    let (status, body) = api.get("/3/vouchers/A/99?financialyear=2").await;
    assert_not_found(status, &body, error_code::VOUCHER_NOT_FOUND);

    // List: no rows, with Description and Comments, sorted by series then number.
    let (status, body) = api.get("/3/vouchers?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["MetaInformation"],
        json!({"@TotalResources": 5, "@TotalPages": 1, "@CurrentPage": 1})
    );
    let items = body["Vouchers"].as_array().unwrap();
    let ids: Vec<String> = items
        .iter()
        .map(|v| format!("{}{}", v["VoucherSeries"].as_str().unwrap(), v["VoucherNumber"]))
        .collect();
    assert_eq!(ids, ["A1", "A2", "A3", "C1", "F1"]);
    assert!(items.iter().all(|v| v.get("VoucherRows").is_none()));
    assert_eq!(items[2]["Comments"], json!("[zr:2025-05-04:shop1]"));
    assert_eq!(items[2]["Description"], json!("Z-rapport 42 [zr:test]"));
    assert_eq!(items[0]["@url"], json!(api.url("/3/vouchers/A/1?financialyear=2")));

    let (_, body) =
        api.get("/3/vouchers?financialyear=2&fromdate=2025-05-03&todate=2025-05-04").await;
    assert_eq!(body["Vouchers"].as_array().unwrap().len(), 3);
    let (_, body) = api
        .get("/3/vouchers/sublist/A?financialyear=2&fromdate=2025-05-04&todate=2025-05-04")
        .await;
    assert_eq!(
        body,
        json!({
            "MetaInformation": {"@TotalResources": 1, "@TotalPages": 1, "@CurrentPage": 1},
            "Vouchers": [{
                "@url": api.url("/3/vouchers/A/3?financialyear=2"),
                "ApprovalState": 0,
                "Comments": "[zr:2025-05-04:shop1]",
                "Description": "Z-rapport 42 [zr:test]",
                "ReferenceNumber": null,
                "ReferenceType": "MANUAL",
                "TransactionDate": "2025-05-04",
                "VoucherNumber": 3,
                "VoucherSeries": "A",
                "Year": 2,
            }],
        })
    );
    let (_, body) = api.get("/3/vouchers/sublist/A?financialyear=2&limit=2&page=2").await;
    assert_eq!(
        body["MetaInformation"],
        json!({"@TotalResources": 3, "@TotalPages": 2, "@CurrentPage": 2})
    );
    assert_eq!(body["Vouchers"][0]["VoucherNumber"], json!(3));
    let (status, body) = api.get("/3/vouchers?financialyear=2&fromdate=2024-12-01").await;
    assert_bad(status, &body, error_code::DATE_OUTSIDE_YEAR_LIST);
    let (_, body) = api.get("/3/vouchers?financialyear=3").await;
    assert_eq!(body["MetaInformation"]["@TotalResources"], json!(1));
}

#[tokio::test]
async fn voucher_validation_errors_are_fortnox_shaped() {
    let api = Api::start(options()).await;
    let post = |body: Value| {
        let api = &api;
        async move { api.post("/3/vouchers?financialyear=2", &body).await }
    };
    let (s, b) = post(voucher("A", "2025-05-02", &[(1930, "100", "0"), (3001, "0", "90")])).await;
    assert!(assert_bad(s, &b, error_code::VOUCHER_UNBALANCED).contains("balans"));
    let (s, b) = post(voucher("A", "2025-05-02", &[(1930, "100", "0"), (3998, "0", "100")])).await;
    assert!(assert_bad(s, &b, error_code::ACCOUNT_NOT_FOUND).starts_with("Kunde inte hitta konto"));
    let (s, b) = post(voucher("A", "2025-05-02", &[(1630, "100", "0"), (3001, "0", "100")])).await;
    assert!(assert_bad(s, &b, error_code::ACCOUNT_INACTIVE).contains("1630"));
    let (s, b) = post(voucher("A", "2025-05-02", &[(1930, "100", "0"), (3960, "0", "100")])).await;
    assert_bad(s, &b, error_code::ACCOUNT_INACTIVE);
    let (s, b) = post(voucher("B", "2025-05-02", &[(1510, "100", "0"), (3001, "0", "100")])).await;
    assert_eq!(
        assert_bad(s, &b, error_code::SERIES_NOT_MANUAL),
        "Verifikationsserien är inte manuell."
    );
    let (s, b) = post(voucher("X", "2025-05-02", &[(1930, "100", "0"), (3001, "0", "100")])).await;
    assert_bad(s, &b, error_code::SERIES_NOT_FOUND);
    let (s, b) = post(voucher("A", "2025-03-31", &[(1930, "100", "0"), (3001, "0", "100")])).await;
    assert_bad(s, &b, error_code::PERIOD_LOCKED);
    let (s, b) = post(voucher("A", "2030-01-02", &[(1930, "100", "0"), (3001, "0", "100")])).await;
    assert_bad(s, &b, error_code::FINANCIAL_YEAR_MISSING);
    let (s, b) = post(voucher("A", "2024-05-02", &[(1930, "100", "0"), (3001, "0", "100")])).await;
    assert_bad(s, &b, error_code::DATE_OUTSIDE_YEAR);
    let (s, b) = api
        .post(
            "/3/vouchers?financialyear=7",
            &voucher("A", "2025-05-02", &[(1930, "1", "0"), (3001, "0", "1")]),
        )
        .await;
    assert_bad(s, &b, error_code::FINANCIAL_YEAR_MISSING);
    let (s, b) = post(voucher("A", "2025-05-02", &[(1930, "100", "0")])).await;
    assert_bad(s, &b, error_code::TOO_FEW_ROWS);
    let (s, b) =
        post(voucher("A", "2025-05-02", &[(1930, "100.005", "0"), (3001, "0", "100.005")])).await;
    assert_bad(s, &b, error_code::TOO_MANY_DECIMALS);
    let mut long = voucher("A", "2025-05-02", &[(1930, "1", "0"), (3001, "0", "1")]);
    long["Voucher"]["Description"] = json!("x".repeat(201));
    let (s, b) = post(long.clone()).await;
    assert_bad(s, &b, error_code::INVALID_FIELD);
    long["Voucher"]["Description"] = json!("");
    assert_bad(post(long.clone()).await.0, &post(long.clone()).await.1, error_code::INVALID_FIELD);
    long["Voucher"]["Description"] = json!("ok");
    long["Voucher"]["Comments"] = json!("c".repeat(1001));
    let (s, b) = post(long.clone()).await;
    assert_bad(s, &b, error_code::INVALID_FIELD);
    long["Voucher"]["Comments"] = json!("c".repeat(1000));
    long["Voucher"]["VoucherRows"][0]["TransactionInformation"] = json!("t".repeat(101));
    let (s, b) = post(long.clone()).await;
    assert_bad(s, &b, error_code::INVALID_FIELD);
    let resp = api
        .http
        .post(api.url("/3/vouchers?financialyear=2"))
        .bearer_auth(&api.token)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_bad(status, &resp.json().await.unwrap(), error_code::JSON_SYNTAX);

    // Lenient: amounts and accounts as strings are accepted; nothing above consumed a number.
    let lenient = json!({"Voucher": {"Description": "Strängar", "TransactionDate": "2025-05-02",
        "VoucherSeries": "a", "VoucherRows": [
            {"Account": "1930", "Debit": "10.50", "Credit": "0"},
            {"Account": 3001, "Debit": 0, "Credit": "10.5"}]}});
    let (s, b) = post(lenient).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["Voucher"]["VoucherNumber"], json!(1));
    assert_eq!(b["Voucher"]["VoucherSeries"], json!("A"));
}

#[tokio::test]
async fn rate_limit_answers_429_on_the_26th_request_within_the_window() {
    // A 60-second window (instead of Fortnox's 5 s) so that a slow machine cannot let the first
    // requests age out of the window before the 26th: the 429 is deterministic.
    let api =
        Api::start(SandboxOptions { rate_limit: Some((25, Duration::from_mins(1))), ..options() })
            .await;
    for i in 0..25 {
        let (status, _) = api.get("/3/settings/lockedperiod").await;
        assert_eq!(status, StatusCode::OK, "request {}", i + 1);
    }
    let resp = api
        .http
        .get(api.url("/3/settings/lockedperiod"))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"message": "Too Many Requests"}));
    // Another client id has its own budget.
    let other = client_credentials(&api.http, &api.sandbox.base_url(), "client-b").await;
    let resp =
        api.http.get(api.url("/3/settings/lockedperiod")).bearer_auth(other).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn data_survives_a_restart_with_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sandbox.sqlite");
    let opts = SandboxOptions { data: Some(data.clone()), ..options() };
    let api = Api::start(opts.clone()).await;
    let (status, _) = api.post("/3/vouchers?financialyear=2", &balanced("F", "2025-05-02")).await;
    assert_eq!(status, StatusCode::CREATED);
    let token = api.token.clone();
    api.sandbox.stop().await;

    // Another "today" and lock must not reseed the existing database.
    let sandbox =
        Sandbox::start(SandboxOptions { data: Some(data), today: date("2027-01-01"), ..options() })
            .await
            .unwrap();
    let api = Api { http: Client::new(), sandbox, token };
    let (status, body) = api.get("/3/vouchers/F/1?financialyear=2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["Voucher"]["VoucherRows"][1]["Credit"].to_string(), "100.00");
    let (_, body) = api.get("/3/financialyears").await;
    assert_eq!(body["MetaInformation"]["@TotalResources"], json!(3));
    let (_, body) = api.get("/3/settings/lockedperiod").await;
    assert_eq!(body["LockedPeriod"]["EndDate"], json!("2025-03-31"));
    let (status, body) =
        api.post("/3/vouchers?financialyear=2", &balanced("F", "2025-05-03")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["Voucher"]["VoucherNumber"], json!(2));
    api.sandbox.stop().await;
}

#[tokio::test]
async fn drop_after_commit_commits_but_the_client_sees_a_connection_error() {
    let api = Api::start(SandboxOptions { drop_after_commit_rate: 1.0, ..options() }).await;
    let result = api
        .http
        .post(api.url("/3/vouchers?financialyear=2"))
        .bearer_auth(&api.token)
        .json(&balanced("F", "2025-05-02"))
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    let err = result.expect_err("the connection must be dropped without a response");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.is_request() || err.is_connect() || err.is_body(), "{err:?}");
    // Reads are not dropped; the voucher was committed.
    let (status, body) = api.get("/3/vouchers/F/1?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Voucher"]["Description"], json!("Z-rapport 42 [zr:test]"));
    let (_, body) = api
        .get("/3/vouchers/sublist/F?financialyear=2&fromdate=2025-05-02&todate=2025-05-02")
        .await;
    assert_eq!(body["MetaInformation"]["@TotalResources"], json!(1));
}

#[tokio::test]
async fn fail_after_commit_answers_500_but_the_voucher_is_booked() {
    let api = Api::start(SandboxOptions { fail_after_commit_rate: 1.0, ..options() }).await;
    let (status, body) =
        api.post("/3/vouchers?financialyear=2", &balanced("F", "2025-05-02")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["ErrorInformation"]["code"], json!(1_000_003));
    // Reads are answered normally: the voucher was committed although the answer was a 500.
    let (status, body) = api.get("/3/vouchers/F/1?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Voucher"]["Description"], json!("Z-rapport 42 [zr:test]"));
}

#[tokio::test]
async fn fault_injection_fails_and_delays() {
    let api = Api::start(SandboxOptions { fail_rate: 1.0, ..options() }).await;
    let (status, body) = api.get("/3/settings/lockedperiod").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["ErrorInformation"]["code"], json!(1_000_003));
    // Nothing was done: no voucher.
    let (status, _) = api.post("/3/vouchers?financialyear=2", &balanced("F", "2025-05-02")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);

    let api = Api::start(SandboxOptions { latency: Duration::from_millis(300), ..options() }).await;
    let started = Instant::now();
    assert_eq!(api.get("/3/settings/lockedperiod").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    let refused =
        Sandbox::start(SandboxOptions { listen: "0.0.0.0:0".parse().unwrap(), ..options() }).await;
    assert!(refused.err().unwrap().to_string().contains("not a loopback address"));
}

#[tokio::test]
async fn authorization_code_and_rotating_refresh_tokens() {
    let sandbox = Sandbox::start(options()).await.unwrap();
    let base = sandbox.base_url();
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirect_uri = "http://127.0.0.1:9/callback";
    let resp = http
        .get(format!("{base}/oauth-v1/auth"))
        .query(&[
            ("client_id", "app-1"),
            ("redirect_uri", redirect_uri),
            ("scope", "bookkeeping companyinformation"),
            ("state", "xyz 1"),
            ("response_type", "code"),
            ("access_type", "offline"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    let start = page.find("id=\"approve\" href=\"").unwrap() + "id=\"approve\" href=\"".len();
    let approve = page[start..].split('"').next().unwrap().replace("&amp;", "&");
    let resp = http.get(&approve).send().await.unwrap();
    assert!(resp.status().is_redirection());
    let location = reqwest::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let pairs: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "xyz 1");
    let code = pairs["code"].clone();

    let token = |form: Vec<(&'static str, String)>| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let resp = http
                .post(format!("{base}/oauth-v1/token"))
                .basic_auth("app-1", Some("s3cret"))
                .form(&form)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let exchange = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.clone()),
        ("redirect_uri", redirect_uri.to_owned()),
    ];
    let (status, first) = token(exchange.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["scope"], json!("bookkeeping companyinformation"));
    assert_eq!(first["token_type"], json!("bearer"));
    let refresh1 = first["refresh_token"].as_str().unwrap().to_owned();
    // The code is single use.
    let (status, body) = token(exchange).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], json!("invalid_grant"));

    let refresh =
        |t: &str| vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", t.to_owned())];
    let (status, second) = token(refresh(&refresh1)).await;
    assert_eq!(status, StatusCode::OK);
    let refresh2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh1, refresh2);
    let access2 = second["access_token"].as_str().unwrap().to_owned();
    let resp = http
        .get(format!("{base}/3/companyinformation"))
        .bearer_auth(&access2)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // Scopes are enforced: this token has no `customer` scope.
    let resp = http.get(format!("{base}/3/customers")).bearer_auth(&access2).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["ErrorInformation"]["code"], json!(2_000_663));

    // The old refresh token is dead.
    let invalid = json!({"error": "invalid_grant", "error_description": "Invalid refresh token"});
    assert_eq!(token(refresh(&refresh1)).await, (StatusCode::BAD_REQUEST, invalid.clone()));
    let (status, third) = token(refresh(&refresh2)).await;
    assert_eq!(status, StatusCode::OK);
    let refresh3 = third["refresh_token"].as_str().unwrap().to_owned();

    // Revocation kills a refresh token.
    let resp = http
        .post(format!("{base}/oauth-v1/revoke"))
        .basic_auth("app-1", Some("s3cret"))
        .form(&[("token_type_hint", "refresh_token"), ("token", refresh3.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"revoked": true}));
    assert_eq!(token(refresh(&refresh3)).await, (StatusCode::BAD_REQUEST, invalid));
    sandbox.stop().await;
}
