//! Tokens: client credentials, requests without a valid token, access-token expiry, and the
//! authorization-code flow with rotating, revocable refresh tokens and enforced scopes (part of
//! the `sandbox_api` binary).

use std::time::Duration;

use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::{Api, options};

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
