//! The locked period, financial years, voucher series and accounts, and vouchers: creation,
//! numbering, reading, listing and Fortnox-shaped validation errors (part of the `sandbox_api`
//! binary).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, assert_bad, assert_not_found, balanced, options, voucher};
use fortnox_bridge::sandbox::error_code;

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
