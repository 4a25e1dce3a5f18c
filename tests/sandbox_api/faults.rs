//! The rate limit, injected faults (failures, latency, a dropped or failed answer after a
//! commit), a refused non-loopback address, and data kept across a restart on the same file
//! (part of the `sandbox_api` binary).

use std::time::{Duration, Instant};

use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::{Api, balanced, client_credentials, date, options};

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
