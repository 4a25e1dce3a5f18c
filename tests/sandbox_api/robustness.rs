//! Concurrency, strict field names, path quirks and the chart hook (part of `sandbox_api`).

use reqwest::StatusCode;
use serde_json::json;

use super::{Api, assert_bad, balanced, options, voucher};
use fortnox_bridge::sandbox::error_code;

#[tokio::test]
async fn concurrent_vouchers_get_distinct_consecutive_numbers() {
    let api = Api::start(options()).await;
    let body = balanced("E", "2025-05-02");
    let posts = (0..12).map(|_| api.post("/3/vouchers?financialyear=2", &body));
    let results = futures_join_all(posts).await;
    let mut numbers: Vec<u64> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            body["Voucher"]["VoucherNumber"].as_u64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=12).collect::<Vec<u64>>());
}

/// `join_all` without pulling in the futures crate: spawn-free, polls all futures together.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn unknown_voucher_fields_are_rejected_and_trailing_slashes_accepted() {
    let api = Api::start(options()).await;
    let mut body = balanced("A", "2025-05-02");
    body["Voucher"]["TransactionInfo"] = json!("typo");
    let (status, resp) = api.post("/3/vouchers?financialyear=2", &body).await;
    assert_eq!(
        assert_bad(status, &resp, error_code::INVALID_FIELD_NAME),
        "Ogiltigt fältnamn: TransactionInfo."
    );
    let mut body = balanced("A", "2025-05-02");
    body["Voucher"]["VoucherRows"][0]["Amount"] = json!(1);
    let (status, resp) = api.post("/3/vouchers?financialyear=2", &body).await;
    assert_bad(status, &resp, error_code::INVALID_FIELD_NAME);
    // Read-only fields (as returned by a GET) are accepted and ignored.
    let mut body = balanced("A", "2025-05-02");
    body["Voucher"]["VoucherNumber"] = json!(99);
    body["Voucher"]["@url"] = json!("x");
    let (status, resp) = api.post("/3/vouchers/?financialyear=2", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    assert_eq!(resp["Voucher"]["VoucherNumber"], json!(1));
    let (status, _) = api.get("/3/voucherseries/").await;
    assert_eq!(status, StatusCode::OK);
    let (status, resp) = api.get("/3/nosuchthing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(resp["ErrorInformation"]["Code"], json!(error_code::NO_SUCH_ROUTE));
}

#[tokio::test]
async fn a_chart_can_be_loaded_into_every_year() {
    let api = Api::start(options()).await;
    let chart = vec![
        ("7690".to_owned(), "Övriga personalkostnader".to_owned()),
        ("1630".to_owned(), "Skattekonto".to_owned()),
        ("abc".to_owned(), "skipped".to_owned()),
    ];
    assert_eq!(api.sandbox.load_chart(&chart).await.unwrap(), 2);
    for year in 1..=3 {
        let (status, body) = api.get(&format!("/3/accounts/7690?financialyear={year}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["Account"]["Active"], json!(true));
    }
    let (_, body) = api.get("/3/accounts/1630?financialyear=2").await;
    assert_eq!(body["Account"]["Description"], json!("Skattekonto"));
    assert_eq!(body["Account"]["Active"], json!(false), "loading keeps the Active flag");
}

#[tokio::test]
async fn planned_faults_are_served_in_order_then_stop() {
    use fortnox_bridge::sandbox::FaultPlan;
    let api = Api::start(options()).await;
    api.sandbox.plan_faults(FaultPlan {
        fail_next: 1,
        rate_limit_next: 2,
        drop_next_writes: 1,
        only_under: None,
        ..FaultPlan::default()
    });
    let (status, body) = api.get("/3/settings/lockedperiod").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["ErrorInformation"]["code"], json!(1_000_003));
    for _ in 0..2 {
        let (status, body) = api.get("/3/settings/lockedperiod").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body, json!({"message": "Too Many Requests"}));
    }
    // A rejected write is not dropped; the planned drop waits for a successful one.
    let unbalanced = super::voucher("A", "2025-05-02", &[(1930, "1", "0"), (3001, "0", "2")]);
    let (status, body) = api.post("/3/vouchers?financialyear=2", &unbalanced).await;
    assert_bad(status, &body, error_code::VOUCHER_UNBALANCED);
    let dropped = api
        .http
        .post(api.url("/3/vouchers?financialyear=2"))
        .bearer_auth(&api.token)
        .json(&balanced("A", "2025-05-02"))
        .send()
        .await;
    assert!(dropped.is_err());
    let (status, body) =
        api.post("/3/vouchers?financialyear=2", &balanced("A", "2025-05-02")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["Voucher"]["VoucherNumber"], json!(2), "the dropped write was committed");
}

/// The accountant's new year: created with the chart and series of the others; a year that
/// overlaps one that exists is refused.
#[tokio::test]
async fn a_financial_year_can_be_created_but_not_over_another() {
    let api = Api::start(options()).await;
    let year = |from: &str, to: &str| json!({"FinancialYear": {"FromDate": from, "ToDate": to}});
    let (status, body) = api.post("/3/financialyears", &year("2031-01-01", "2031-12-31")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["FinancialYear"]["Id"].as_u64().unwrap();
    let (_, found) = api.get("/3/financialyears?date=2031-06-30").await;
    assert_eq!(found["FinancialYears"][0]["Id"].as_u64(), Some(id), "{found}");
    let (status, _) = api.get(&format!("/3/accounts/1910?financialyear={id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api.get(&format!("/3/voucherseries/A?financialyear={id}")).await;
    assert_eq!(
        (status, body["VoucherSeries"]["NextVoucherNumber"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    let (status, body) = api.post("/3/financialyears", &year("2031-07-01", "2032-06-30")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = api.post("/3/financialyears", &year("2033-12-31", "2033-01-01")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Account 6110 requires a cost centre: the account says so, and a row without one is refused.
#[tokio::test]
async fn an_account_that_requires_a_cost_centre_refuses_a_row_without_one() {
    let api = Api::start(options()).await;
    let (_, account) = api.get("/3/accounts/6110?financialyear=2").await;
    assert_eq!(account["Account"]["CostCenterSettings"], json!("MANDATORY"));
    let mut body = voucher("A", "2025-05-02", &[(6110, "80", "0"), (1930, "0", "80")]);
    let (status, answer) = api.post("/3/vouchers?financialyear=2", &body).await;
    assert_bad(status, &answer, error_code::COST_CENTER_REQUIRED);
    body["Voucher"]["VoucherRows"][0]["CostCenter"] = json!("10");
    let (status, answer) = api.post("/3/vouchers?financialyear=2", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}
