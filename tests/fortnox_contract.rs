//! Contract tests: the real `fortnox::Client` against a real in-process sandbox on a free
//! loopback port, for every endpoint the product uses, every refusal it must explain, the
//! transient faults it must survive, and the token protocol (including crashes and two
//! processes refreshing at once, with child processes of this test binary).
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

#[path = "fortnox_contract/auth.rs"]
mod auth;
#[path = "fortnox_contract/endpoints.rs"]
mod endpoints;
#[path = "fortnox_contract/faults.rs"]
mod faults;

use std::time::Duration;

use chrono::NaiveDate;
use fortnox_bridge::fortnox::model::{VoucherRequest, VoucherRow};
use fortnox_bridge::fortnox::{Client, Credentials, Endpoints, RetryPolicy};
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};
use rust_decimal::Decimal;

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Today is 2025-06-15: years 2024 (Id 1), 2025 (Id 2), 2026 (Id 3); locked until 2025-03-31;
/// Fortnox's own limit of 25 requests per 5 s is on.
pub fn options() -> SandboxOptions {
    SandboxOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        today: date("2025-06-15"),
        ..SandboxOptions::default()
    }
}

pub fn credentials() -> Credentials {
    Credentials {
        client_id: "contract-tests".into(),
        client_secret: "contract-secret".into(),
        tenant_id: None,
    }
}

/// Short backoffs so failure tests run quickly; the 429 wait stays Fortnox's 5 s.
pub fn fast() -> RetryPolicy {
    RetryPolicy {
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
        ..RetryPolicy::default()
    }
}

pub async fn start(options: SandboxOptions) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(options).await.unwrap();
    let client = Client::builder(Endpoints::for_base(&sandbox.base_url()), credentials())
        .retry(fast())
        .build();
    (sandbox, client)
}

pub fn amount(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A voucher with rows `(account, debit, credit)`.
pub fn voucher(
    series: &str,
    on: &str,
    rows: &[(u32, &str, &str)],
    comments: Option<&str>,
) -> VoucherRequest {
    VoucherRequest {
        description: format!("Contract test {on}"),
        comments: comments.map(str::to_owned),
        transaction_date: date(on),
        voucher_series: series.to_owned(),
        voucher_rows: rows
            .iter()
            .map(|&(account, debit, credit)| VoucherRow {
                account,
                debit: amount(debit),
                credit: amount(credit),
                transaction_information: None,
                cost_center: None,
                project: None,
                quantity: None,
            })
            .collect(),
    }
}

/// A balanced day's takings: 1250.00 to the bank, 1000.00 sales, 250.00 VAT.
pub fn takings(series: &str, on: &str, comments: Option<&str>) -> VoucherRequest {
    voucher(
        series,
        on,
        &[(1930, "1250.00", "0"), (3001, "0", "1000.00"), (2611, "0", "250.00")],
        comments,
    )
}
