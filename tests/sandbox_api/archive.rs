//! Inbox uploads and voucher file connections (part of the `sandbox_api` binary).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, assert_bad, assert_not_found, balanced, options};
use fortnox_bridge::sandbox::{FaultPlan, error_code};

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/json\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    ("multipart/form-data; boundary=b0undary".to_owned(), body)
}

impl Api {
    async fn upload(&self, path: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
        let (content_type, body) = multipart(name, bytes);
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap())
    }

    /// A posted voucher in series A: its number.
    async fn posted(&self, date: &str) -> String {
        let (status, body) = self.post("/3/vouchers", &balanced("A", date)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["Voucher"]["VoucherNumber"].to_string()
    }
}

fn connection(file_id: &str, number: &str) -> Value {
    json!({"VoucherFileConnection": {"FileId": file_id, "VoucherNumber": number, "VoucherSeries": "A"}})
}

#[tokio::test]
async fn uploaded_files_are_listed_downloaded_and_connected_once() {
    let api = Api::start(options()).await;
    let original = b"{\"z_number\": 1042,\r\n \"total\": 125.00}\n";
    let (status, body) = api.upload("/3/inbox?path=inbox_v", "z-1042.json", original).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let file = &body["File"];
    let id = file["Id"].as_str().unwrap().to_owned();
    assert_eq!(file["Name"], json!("z-1042.json"));
    assert_eq!(file["Size"], json!(original.len()));
    assert_eq!(file["Path"], json!("inbox_v"));

    let (status, folder) = api.get("/3/inbox?path=inbox_v").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(folder["Folder"]["Files"].as_array().unwrap().len(), 1);
    assert_eq!(folder["Folder"]["Files"][0]["Id"], json!(id));
    let (_, root) = api.get("/3/inbox").await;
    assert!(root["Folder"]["Files"].as_array().unwrap().is_empty(), "{root}");
    let resp =
        api.http.get(api.url(&format!("/3/inbox/{id}"))).bearer_auth(&api.token).send().await;
    assert_eq!(resp.unwrap().bytes().await.unwrap().as_ref(), original);

    let (status, body) = api.get(&format!("/3/voucherfileconnections/{id}")).await;
    assert_not_found(status, &body, error_code::FILE_NOT_FOUND);

    let number = api.posted("2025-06-10").await;
    // Without financialyeardate Fortnox looks in the previous year: the voucher is not there.
    let (status, body) = api.post("/3/voucherfileconnections", &connection(&id, &number)).await;
    assert_not_found(status, &body, error_code::VOUCHER_NOT_FOUND);
    let path = "/3/voucherfileconnections?financialyeardate=2025-06-10";
    let (status, body) = api.post(path, &connection(&id, &number)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let c = &body["VoucherFileConnection"];
    assert_eq!(c["FileId"], json!(id));
    assert_eq!(c["VoucherSeries"], json!("A"));
    assert_eq!(c["VoucherNumber"], json!(number));
    let (status, again) = api.post(path, &connection(&id, &number)).await;
    assert_bad(status, &again, error_code::FILE_ALREADY_CONNECTED);

    let (status, read) = api.get(&format!("/3/voucherfileconnections/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["VoucherFileConnection"]["VoucherNumber"], json!(number));
    let (_, all) = api.get("/3/voucherfileconnections").await;
    assert_eq!(all["VoucherFileConnections"].as_array().unwrap().len(), 1);

    let (status, body) = api.post(path, &connection("no-such-file", &number)).await;
    assert_not_found(status, &body, error_code::FILE_NOT_FOUND);
}

#[tokio::test]
async fn uploads_need_a_file_part_and_the_inbox_scope() {
    let api = Api::start(options()).await;
    let resp = api
        .http
        .post(api.url("/3/inbox"))
        .bearer_auth(&api.token)
        .header("Content-Type", "multipart/form-data; boundary=x")
        .body("--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhi\r\n--x--\r\n")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_bad(status, &body, error_code::FILE_NOT_FOUND);

    let base = api.sandbox.base_url();
    let resp = api
        .http
        .post(format!("{base}/oauth-v1/token"))
        .basic_auth("client-b", Some("secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "bookkeeping")])
        .send()
        .await
        .unwrap();
    let token: Value = resp.json().await.unwrap();
    let narrow = Api {
        sandbox: api.sandbox,
        http: api.http.clone(),
        token: token["access_token"].as_str().unwrap().to_owned(),
    };
    let (status, body) = narrow.upload("/3/inbox", "z.json", b"{}").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["ErrorInformation"]["code"], json!(error_code::NO_ACCESS_TO_SCOPE));
    let (status, _) = narrow.get("/3/voucherfileconnections/x").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "bookkeeping reads connections");
}

#[tokio::test]
async fn a_dropped_connection_write_is_committed_and_only_that_write_is_dropped() {
    let api = Api::start(options()).await;
    api.sandbox.plan_faults(FaultPlan {
        drop_next_writes: 1,
        only_under: Some("/voucherfileconnections"),
        ..FaultPlan::default()
    });
    let (status, body) = api.upload("/3/inbox?path=inbox_v", "z.json", b"{}").await;
    assert_eq!(status, StatusCode::CREATED, "uploads are not dropped: {body}");
    let id = body["File"]["Id"].as_str().unwrap().to_owned();
    let number = api.posted("2025-06-10").await;
    let path = "/3/voucherfileconnections?financialyeardate=2025-06-10";
    let sent = api
        .http
        .post(api.url(path))
        .bearer_auth(&api.token)
        .json(&connection(&id, &number))
        .send()
        .await;
    assert!(sent.is_err(), "the connection is dropped after the commit");
    let (status, read) = api.get(&format!("/3/voucherfileconnections/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    // The plan is used up: the next write is answered.
    let number = api.posted("2025-06-11").await;
    assert!(!number.is_empty());
}
