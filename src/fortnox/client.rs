//! The HTTP client: one per tenant. Paces requests under Fortnox's 25 per 5 s window, fetches
//! and renews the access token, retries reads on transient failures and never re-sends a write
//! on its own (the caller decides, after looking for the document).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use super::error::Error;
use super::model::{
    Account, FinancialYear, LockedPeriod, MetaInformation, Voucher, VoucherEnvelope,
    VoucherRequest, VoucherSeries,
};

/// How the client proves who it is: a service account's client credentials.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    pub tenant_id: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Credentials").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Requests allowed per window; one below Fortnox's 25 for margin.
const WINDOW_REQUESTS: usize = 24;
const WINDOW: Duration = Duration::from_secs(5);
/// Attempts for reads before a transient failure is returned.
const READ_ATTEMPTS: u32 = 4;
/// A token is renewed this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_mins(5);

struct Token {
    value: String,
    expires: Instant,
}

pub struct Client {
    http: reqwest::Client,
    api_base: String,
    token_url: String,
    credentials: Credentials,
    token: Mutex<Option<Token>>,
    sent: Mutex<VecDeque<Instant>>,
}

impl Client {
    /// A client for a Fortnox-compatible server whose API and token endpoint share `base_url`
    /// (the sandbox), e.g. `http://127.0.0.1:8787`.
    pub fn new(base_url: &str, credentials: Credentials) -> Client {
        let base = base_url.trim_end_matches('/');
        Client::with_urls(&format!("{base}/3"), &format!("{base}/oauth-v1/token"), credentials)
    }

    /// A client for live Fortnox.
    pub fn live(credentials: Credentials) -> Client {
        Client::with_urls(
            "https://api.fortnox.se/3",
            "https://apps.fortnox.se/oauth-v1/token",
            credentials,
        )
    }

    fn with_urls(api_base: &str, token_url: &str, credentials: Credentials) -> Client {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Client {
            http,
            api_base: api_base.to_owned(),
            token_url: token_url.to_owned(),
            credentials,
            token: Mutex::new(None),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// The financial year containing `date`, or `None` when Fortnox has none.
    pub async fn financial_year(&self, date: NaiveDate) -> Result<Option<FinancialYear>, Error> {
        #[derive(serde::Deserialize)]
        struct List {
            #[serde(rename = "FinancialYears")]
            years: Vec<FinancialYear>,
        }
        let path = format!("/financialyears?date={date}");
        let list: List = self.read(&path).await?;
        Ok(list.years.into_iter().next())
    }

    /// A voucher series of a financial year, or `None` when it does not exist.
    pub async fn voucher_series(
        &self,
        code: &str,
        year: u64,
    ) -> Result<Option<VoucherSeries>, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            #[serde(rename = "VoucherSeries")]
            series: VoucherSeries,
        }
        let path = format!("/voucherseries/{}?financialyear={year}", encode(code));
        Ok(self.read_optional::<One>(&path).await?.map(|o| o.series))
    }

    /// An account of a financial year, or `None` when it does not exist.
    pub async fn account(&self, number: u32, year: u64) -> Result<Option<Account>, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            #[serde(rename = "Account")]
            account: Account,
        }
        let path = format!("/accounts/{number}?financialyear={year}");
        Ok(self.read_optional::<One>(&path).await?.map(|o| o.account))
    }

    /// The last locked date; postings on or before it are refused.
    pub async fn locked_period(&self) -> Result<Option<NaiveDate>, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            #[serde(rename = "LockedPeriod")]
            period: LockedPeriod,
        }
        let one: One = self.read("/settings/lockedperiod").await?;
        Ok(one.period.end_date)
    }

    /// Creates a voucher in financial year `year`. Sent once: on [`Error::outcome_unknown`]
    /// the caller must look for it ([`Client::vouchers`]) before sending again.
    pub async fn create_voucher(
        &self,
        year: u64,
        voucher: &VoucherRequest,
    ) -> Result<Voucher, Error> {
        let path = format!("/vouchers?financialyear={year}");
        let body = VoucherEnvelope { voucher };
        let created: VoucherEnvelope<Voucher> = self.write(Method::POST, &path, &body).await?;
        Ok(created.voucher)
    }

    /// One voucher by series and number.
    pub async fn voucher(
        &self,
        series: &str,
        number: u64,
        year: u64,
    ) -> Result<Option<Voucher>, Error> {
        let path = format!("/vouchers/{}/{number}?financialyear={year}", encode(series));
        Ok(self.read_optional::<VoucherEnvelope<Voucher>>(&path).await?.map(|e| e.voucher))
    }

    /// All vouchers of a series between two dates (inclusive), every page.
    pub async fn vouchers(
        &self,
        series: &str,
        year: u64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Voucher>, Error> {
        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(rename = "MetaInformation")]
            meta: MetaInformation,
            #[serde(rename = "Vouchers")]
            vouchers: Vec<Voucher>,
        }
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let path = format!(
                "/vouchers/sublist/{}?financialyear={year}&fromdate={from}&todate={to}\
                 &limit=500&page={page}",
                encode(series)
            );
            let p: Page = self.read(&path).await?;
            all.extend(p.vouchers);
            if p.meta.current_page >= p.meta.total_pages {
                return Ok(all);
            }
            page += 1;
        }
    }

    /// GET `path` (below `/3`); 404 is an error. For typed endpoints in other files.
    pub(crate) async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.read_optional(path)
            .await?
            .ok_or_else(|| Error::Decode(format!("`{path}` answered 404 not found")))
    }

    /// GET with retries on transient failures; 404 becomes `None`.
    pub(crate) async fn read_optional<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send::<(), T>(Method::GET, path, None).await {
                Err(Error::Rejected { status: 404, .. }) => return Ok(None),
                Err(e) if e.is_retriable() && attempt < READ_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt, &e)).await;
                }
                other => return other.map(Some),
            }
        }
    }

    /// A write (POST/PUT): retried only when Fortnox certainly did not act on it (429).
    pub(crate) async fn write<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send(method.clone(), path, Some(body)).await {
                Err(e @ Error::RateLimited(_)) if attempt < READ_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt, &e)).await;
                }
                other => return other,
            }
        }
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, Error> {
        let mut renewed = false;
        loop {
            let token = self.access_token().await?;
            self.pace().await;
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.api_base))
                .bearer_auth(&token)
                .header("Accept", "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|e| Error::Transport(e.to_string()))?;
            let status = response.status();
            let text = response.text().await.map_err(|e| Error::Transport(e.to_string()))?;
            if status == StatusCode::UNAUTHORIZED && !renewed {
                // The token may have expired early or been revoked: renew once.
                *self.token.lock().await = None;
                renewed = true;
                continue;
            }
            if status.is_success() {
                return serde_json::from_str(&text)
                    .map_err(|e| Error::Decode(format!("{method} {path}: {e}")));
            }
            return Err(classify(status, &text));
        }
    }

    async fn access_token(&self) -> Result<String, Error> {
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref()
            && token.expires > Instant::now() + RENEW_BEFORE
        {
            return Ok(token.value.clone());
        }
        let mut request = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.credentials.client_id, Some(&self.credentials.client_secret))
            .form(&[("grant_type", "client_credentials")]);
        if let Some(tenant) = &self.credentials.tenant_id {
            request = request.header("TenantId", tenant);
        }
        let response = request.send().await.map_err(|e| Error::Transport(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| Error::Transport(e.to_string()))?;
        if !status.is_success() {
            return Err(match classify(status, &text) {
                Error::Rejected { status, message, .. } => Error::Unauthorized { status, message },
                other => other,
            });
        }
        let parsed: TokenResponse =
            serde_json::from_str(&text).map_err(|e| Error::Decode(format!("token: {e}")))?;
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        *slot =
            Some(Token { value: parsed.access_token.clone(), expires: Instant::now() + lifetime });
        Ok(parsed.access_token)
    }

    /// Waits until one more request fits the sliding window.
    async fn pace(&self) {
        let mut sent = self.sent.lock().await;
        loop {
            let now = Instant::now();
            while sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                sent.pop_front();
            }
            match sent.front() {
                Some(oldest) if sent.len() >= WINDOW_REQUESTS => {
                    let wait = WINDOW.saturating_sub(now.duration_since(*oldest));
                    tokio::time::sleep(wait).await;
                }
                _ => break,
            }
        }
        sent.push_back(Instant::now());
    }
}

/// Exponential backoff with jitter; at least 5 s after a 429.
fn backoff(attempt: u32, error: &Error) -> Duration {
    let base = Duration::from_millis(250 * 2u64.pow(attempt.min(6)));
    let jitter = Duration::from_millis(rand::random_range(0..250));
    match error {
        Error::RateLimited(wait) => (*wait).max(base) + jitter,
        _ => base + jitter,
    }
}

/// Turns a non-success response into an [`Error`], reading `ErrorInformation` in either key
/// casing, OAuth `error_description` and the auth layer's `message`.
fn classify(status: StatusCode, body: &str) -> Error {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let info = json.get("ErrorInformation").unwrap_or(&json);
    let field = |names: &[&str]| names.iter().find_map(|n| info.get(*n)).cloned();
    let message = field(&["message", "Message", "error_description"])
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect());
    let code = field(&["code", "Code"])
        .and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        .unwrap_or(0);
    let status_code = status.as_u16();
    match status_code {
        401 | 403 => Error::Unauthorized { status: status_code, message },
        429 => Error::RateLimited(Duration::from_secs(5)),
        500.. => Error::Server { status: status_code, message },
        _ => Error::Rejected { status: status_code, code, message },
    }
}

/// Percent-encodes a path segment (series codes, article numbers).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_both_error_casings_and_auth_shapes() {
        let lower =
            r#"{"ErrorInformation":{"error":1,"message":"Kunde inte hitta konto","code":2001304}}"#;
        match classify(StatusCode::BAD_REQUEST, lower) {
            Error::Rejected { code, message, .. } => {
                assert_eq!(code, 2_001_304);
                assert_eq!(message, "Kunde inte hitta konto");
            }
            other => panic!("{other:?}"),
        }
        let upper = r#"{"ErrorInformation":{"Error":1,"Message":"Kan inte hitta kunden.","Code":"2000433"}}"#;
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, upper),
            Error::Rejected { status: 404, code: 2_000_433, .. }
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, r#"{"message":"unauthorized"}"#),
            Error::Unauthorized { .. }
        ));
        assert!(classify(StatusCode::TOO_MANY_REQUESTS, "").is_retriable());
        assert!(classify(StatusCode::BAD_GATEWAY, "<html>").is_retriable());
        assert!(!classify(StatusCode::BAD_REQUEST, "{}").is_retriable());
    }

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode("A"), "A");
        assert_eq!(encode("KASSA 1/2"), "KASSA%201%2F2");
    }
}
