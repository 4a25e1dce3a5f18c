//! The embedded Fortnox sandbox over real HTTP on 127.0.0.1 (free port), driven with reqwest.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

#[path = "sandbox_api/archive.rs"]
mod archive;
#[path = "sandbox_api/auth.rs"]
mod auth;
#[path = "sandbox_api/bookkeeping.rs"]
mod bookkeeping;
#[path = "sandbox_api/documents.rs"]
mod documents;
#[path = "sandbox_api/faults.rs"]
mod faults;
#[path = "sandbox_api/robustness.rs"]
mod robustness;

use chrono::NaiveDate;
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};
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
