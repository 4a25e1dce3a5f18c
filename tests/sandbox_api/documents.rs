//! Customers, articles, registers, orders and invoices (part of the `sandbox_api` binary).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, assert_bad, assert_not_found, options};
use fortnox_bridge::sandbox::error_code;

impl Api {
    async fn put(&self, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let mut req = self.http.put(self.url(path)).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.unwrap();
        (resp.status(), resp.json().await.unwrap())
    }
}

#[tokio::test]
async fn customers_search_create_get() {
    let api = Api::start(options()).await;
    let (status, body) = api.get("/3/customers?name=KAFÉ").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["MetaInformation"],
        json!({"@TotalResources": 1, "@TotalPages": 1, "@CurrentPage": 1})
    );
    let item = &body["Customers"][0];
    assert_eq!(item["Name"], json!("Kafé Exempel AB"));
    assert_eq!(item["CustomerNumber"], json!("1"));
    assert!(item.get("Type").is_none(), "list items are a subset");
    let (_, body) = api.get("/3/customers?email=LUNCHBOLAGET").await;
    assert_eq!(body["Customers"][0]["CustomerNumber"], json!("2"));
    let (_, body) = api.get("/3/customers?organisationnumber=0011").await;
    assert_eq!(body["Customers"].as_array().unwrap().len(), 1);
    let (_, body) = api.get("/3/customers?name=ingen%20s%C3%A5dan").await;
    assert_eq!(
        body,
        json!({"MetaInformation": {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1},
               "Customers": []})
    );
    let (status, body) = api.get("/3/customers?filter=nonsense").await;
    assert_bad(status, &body, error_code::INVALID_FILTER);

    let new = json!({"Customer": {"Name": "Bageri Åkersberga HB", "Email": "a@example.com",
        "OrganisationNumber": "969999-0012"}});
    let (status, body) = api.post("/3/customers", &new).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let number = body["Customer"]["CustomerNumber"].as_str().unwrap().to_owned();
    assert_eq!(number, "5");
    assert_eq!(body["Customer"]["Country"], json!("Sverige"));
    assert_eq!(body["Customer"]["@url"], json!(api.url("/3/customers/5")));
    let (status, body) = api.get("/3/customers/5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Customer"]["Name"], json!("Bageri Åkersberga HB"));
    let (status, body) = api.get("/3/customers/999").await;
    assert_not_found(status, &body, error_code::CUSTOMER_NOT_FOUND);
    assert_eq!(
        body,
        json!({"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta kunden.", "Code": 2_000_433}})
    );
    let dup = json!({"Customer": {"Name": "X", "CustomerNumber": "5"}});
    let (status, body) = api.post("/3/customers", &dup).await;
    assert_bad(status, &body, error_code::CUSTOMER_NUMBER_USED);
    let unknown = json!({"Customer": {"Name": "X", "Nickname": "y"}});
    let (status, body) = api.post("/3/customers", &unknown).await;
    assert_bad(status, &body, error_code::INVALID_FIELD_NAME);
    let (status, body) = api.post("/3/customers", &json!({"Customer": {"Email": "x@y"}})).await;
    assert_bad(status, &body, error_code::INVALID_FIELD);
}

#[tokio::test]
async fn articles_units_terms_and_modes() {
    let api = Api::start(options()).await;
    let (_, body) = api.get("/3/articles?description=bulle").await;
    assert_eq!(body["Articles"][0]["ArticleNumber"], json!("BULLE"));
    let article = json!({"Article": {"ArticleNumber": "SYLT", "Description": "Hallonsylt",
        "Unit": "st", "VAT": 12, "QuantityInStock": "3.125", "SalesAccount": 3002}});
    let (status, body) = api.post("/3/articles", &article).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["Article"]["QuantityInStock"].to_string(), "3.13");
    let (status, body) = api.post("/3/articles", &article).await;
    assert_eq!(assert_bad(status, &body, 2_000_013), "Artikelnummer \"SYLT\" används redan.");
    let update = json!({"Article": {"QuantityInStock": 10}});
    let (status, body) = api.put("/3/articles/SYLT", Some(&update)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Article"]["QuantityInStock"].to_string(), "10.00");
    assert_eq!(body["Article"]["Description"], json!("Hallonsylt"));
    let (status, body) = api.get("/3/articles/NOPE").await;
    assert_not_found(status, &body, 2_001_302);
    let bad_vat = json!({"Article": {"Description": "Moms 7", "VAT": 7}});
    let (status, body) = api.post("/3/articles", &bad_vat).await;
    assert!(
        assert_bad(status, &body, error_code::VAT_NOT_FOUND).starts_with("Kunde inte hitta moms")
    );

    let (_, body) = api.get("/3/units").await;
    assert!(body["Units"].as_array().unwrap().iter().any(|u| u["Code"] == json!("st")));
    let (status, body) = api.get("/3/units/zz").await;
    assert_not_found(status, &body, 2_000_432);
    let (status, body) =
        api.post("/3/units", &json!({"Unit": {"Code": "ask", "Description": "Ask"}})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["Unit"]["Code"], json!("ask"));
    let (_, body) = api.get("/3/termsofpayments/30").await;
    assert_eq!(body["TermsOfPayment"]["Description"], json!("30 dagar netto"));
    let (status, body) = api.get("/3/termsofpayments/99").await;
    assert_not_found(status, &body, 2_000_429);
    let (_, body) = api.get("/3/modesofpayments").await;
    let kort =
        body["ModesOfPayments"].as_array().unwrap().iter().find(|m| m["Code"] == json!("KORT"));
    assert_eq!(kort.unwrap()["AccountNumber"], json!(1580));
}

#[tokio::test]
async fn order_to_invoice_to_voucher() {
    let api = Api::start(options()).await;
    let order = json!({"Order": {
    "CustomerNumber": "1",
    "OrderDate": "2025-05-10",
    "ExternalInvoiceReference1": "1234",
    "YourOrderNumber": "web-77",
    "OrderRows": [
        {"ArticleNumber": "BULLE", "OrderedQuantity": 2, "DeliveredQuantity": "2"},
        {"Description": "Tårta special", "DeliveredQuantity": 1.125, "Price": 199.995,
         "VAT": 12, "AccountNumber": 3002},
        {"ArticleNumber": "KASSE", "DeliveredQuantity": 1}
    ]}});
    let (status, body) = api.post("/3/orders", &order).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let o = &body["Order"];
    assert_eq!(o["DocumentNumber"], json!("1"));
    assert_eq!(o["CustomerName"], json!("Kafé Exempel AB"));
    let rows = o["OrderRows"].as_array().unwrap();
    assert_eq!(rows[0]["Price"].to_string(), "28.00");
    assert_eq!(rows[0]["OrderedQuantity"], json!("2"), "quantities come back as strings");
    assert_eq!(rows[1]["DeliveredQuantity"], json!("1.13"));
    assert_eq!(rows[1]["Price"].to_string(), "200.00");
    assert_eq!(rows[1]["Total"].to_string(), "226.00");
    // Net 56 + 226 + 49 = 331; VAT 12 % of 282 = 33.84, 25 % of 49 = 12.25; gross 377.09.
    assert_eq!(o["Net"].to_string(), "331.00");
    assert_eq!(o["TotalVAT"].to_string(), "46.09");
    assert_eq!(o["Total"].to_string(), "377.00");
    assert_eq!(o["RoundOff"].to_string(), "-0.09");

    let bad = json!({"Order": {"CustomerNumber": "1", "OrderRows": [{"Description": "x", "VAT": 7, "Price": 1, "DeliveredQuantity": 1}]}});
    let (status, body) = api.post("/3/orders", &bad).await;
    assert_bad(status, &body, error_code::VAT_NOT_FOUND);
    let other = json!({"Order": {"CustomerNumber": "2", "ExternalInvoiceReference1": "123", "OrderRows": []}});
    assert_eq!(api.post("/3/orders", &other).await.0, StatusCode::CREATED);
    // Substring match, like Fortnox: 123 also matches 1234.
    let (_, body) = api.get("/3/orders?externalinvoicereference1=123").await;
    assert_eq!(body["MetaInformation"]["@TotalResources"], json!(2));
    let (_, body) = api.get("/3/orders?externalinvoicereference1=1234").await;
    assert_eq!(body["Orders"][0]["DocumentNumber"], json!("1"));
    assert_eq!(body["Orders"][0]["ExternalInvoiceReference1"], json!("1234"));
    let (status, body) = api.get("/3/orders/99").await;
    assert_not_found(status, &body, 2_000_439);

    let (status, body) = api.put("/3/orders/1/createinvoice", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let invoice = &body["Invoice"];
    let number = invoice["DocumentNumber"].as_str().unwrap().to_owned();
    assert_eq!(invoice["OrderReference"], json!("1"));
    assert_eq!(invoice["Total"].to_string(), "377.00");
    assert_eq!(invoice["Booked"], json!(false));
    assert_eq!(invoice["ExternalInvoiceReference1"], json!("1234"));
    assert_eq!(invoice["InvoiceDate"], json!("2025-06-15"));
    assert_eq!(invoice["DueDate"], json!("2025-07-15"));
    let (_, body) = api.get("/3/orders/1").await;
    assert_eq!(body["Order"]["InvoiceReference"], json!(number));
    let (status, body) = api.put("/3/orders/1/createinvoice", None).await;
    assert_bad(status, &body, error_code::INVALID_STATE);

    let (status, body) = api.put(&format!("/3/invoices/{number}/bookkeep"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let inv = &body["Invoice"];
    assert_eq!(inv["Booked"], json!(true));
    assert_eq!(
        (&inv["VoucherSeries"], &inv["VoucherNumber"], &inv["VoucherYear"]),
        (&json!("B"), &json!(1), &json!(2))
    );
    let (status, body) = api.get("/3/vouchers/B/1?financialyear=2").await;
    assert_eq!(status, StatusCode::OK);
    let v = &body["Voucher"];
    assert_eq!(v["ReferenceType"], json!("INVOICE"));
    assert_eq!(v["ReferenceNumber"], json!(number));
    let row = |account: i64| {
        v["VoucherRows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["Account"] == json!(account))
            .cloned()
            .unwrap()
    };
    assert_eq!(row(1510)["Debit"].to_string(), "377.00");
    assert_eq!(row(3002)["Credit"].to_string(), "282.00");
    assert_eq!(row(3001)["Credit"].to_string(), "49.00");
    assert_eq!(row(2621)["Credit"].to_string(), "33.84");
    assert_eq!(row(2611)["Credit"].to_string(), "12.25");
    assert_eq!(row(3740)["Debit"].to_string(), "0.09");
    let (status, body) = api.put(&format!("/3/invoices/{number}/bookkeep"), None).await;
    assert_bad(status, &body, error_code::INVALID_STATE);

    let (status, body) = api.get(&format!("/3/invoices/{number}/email")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["Invoice"]["Sent"], json!(true));
    let (_, body) = api.get("/3/invoices?externalinvoicereference1=1234").await;
    assert_eq!(body["MetaInformation"]["@TotalResources"], json!(1));
    assert_eq!(body["Invoices"][0]["Booked"], json!(true));
    let (_, body) = api.get("/3/invoices?filter=unbooked").await;
    assert_eq!(body["MetaInformation"]["@TotalResources"], json!(0));
    let (status, body) = api.get("/3/invoices/404").await;
    assert_not_found(status, &body, 2_000_434);

    // A direct invoice for a customer without e-mail cannot be e-mailed.
    let direct = json!({"Invoice": {"CustomerNumber": "3", "InvoiceRows": [
        {"ArticleNumber": "KOKBOK", "DeliveredQuantity": 1}]}});
    let (status, body) = api.post("/3/invoices", &direct).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["Invoice"]["Total"].to_string(), "264.00");
    let n = body["Invoice"]["DocumentNumber"].as_str().unwrap().to_owned();
    let (status, body) = api.get(&format!("/3/invoices/{n}/email")).await;
    assert_bad(status, &body, error_code::INVALID_FIELD);
    let (status, body) =
        api.post("/3/invoices", &json!({"Invoice": {"CustomerNumber": "77"}})).await;
    assert_bad(status, &body, error_code::CUSTOMER_NOT_FOUND);
}
