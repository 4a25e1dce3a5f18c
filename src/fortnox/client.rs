//! The HTTP client: one per tenant, cheap to clone (clones share the token, the rate limiter and
//! the connection pool). Paces requests under Fortnox's 25 per 5 s window, fetches and renews
//! the access token (renewing once on a 401), retries reads on transient failures with jittered
//! exponential backoff, and never re-sends a write that Fortnox may have acted on: the caller
//! decides, after looking for the document ([`Client::day_vouchers`]). GETs that act
//! (e-mailing an invoice) count as writes: sent once (`Client::get_once`).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::{Authenticator, Credentials, Mode, transport};
use super::breaker::Breaker;
use super::error::Error;
use super::health::TokenHealth;
use super::limiter::RateLimiter;
use super::model::MetaInformation;
use super::settings::{Endpoints, RetryPolicy};
use super::stats::{ClientStats, Counters, bump};
use super::tokens::TokenStore;
use super::wire::{Payload, classify, multipart};

pub(crate) use super::wire::encode;

/// Builds a [`Client`].
pub struct ClientBuilder {
    endpoints: Endpoints,
    credentials: Credentials,
    store: Option<TokenStore>,
    retry: RetryPolicy,
    unpaced: bool,
}

impl ClientBuilder {
    /// Authorization-code mode: tokens come from (and rotate in) `store`.
    #[must_use]
    pub fn token_store(mut self, store: TokenStore) -> ClientBuilder {
        self.store = Some(store);
        self
    }

    /// No client-side pacing: only for a sandbox started with its rate limit off (benchmarks);
    /// a 429 still pauses and retries.
    #[must_use]
    pub fn unpaced(mut self, unpaced: bool) -> ClientBuilder {
        self.unpaced = unpaced;
        self
    }

    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> ClientBuilder {
        self.retry = retry;
        self
    }

    pub fn build(self) -> Client {
        let http = reqwest::Client::builder()
            .timeout(self.retry.timeout)
            .connect_timeout(Duration::from_secs(10).min(self.retry.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let who = match &self.store {
            Some(store) => store.path().display().to_string(),
            None => self.credentials.tenant_id.clone().unwrap_or_default(),
        };
        let key = format!("{} {} {who}", self.endpoints.api_base, self.credentials.client_id);
        let gap = super::limiter::gap_for(&self.endpoints);
        let mode = match self.store {
            Some(store) => Mode::RefreshToken(store),
            None => Mode::ClientCredentials,
        };
        let auth = Authenticator::new(
            http.clone(),
            self.endpoints.token_url.clone(),
            self.credentials.clone(),
            mode,
        );
        Client {
            inner: Arc::new(Inner {
                counters: Counters::default(),
                breaker: Breaker::default(),
                http,
                endpoints: self.endpoints,
                credentials: self.credentials,
                auth,
                limiter: if self.unpaced {
                    Arc::new(RateLimiter::new(usize::MAX, Duration::ZERO, Duration::ZERO))
                } else {
                    RateLimiter::shared(&key, gap)
                },
                retry: self.retry,
            }),
        }
    }
}

struct Inner {
    counters: Counters,
    /// Holds requests back while Fortnox cannot be reached.
    breaker: Breaker,
    http: reqwest::Client,
    endpoints: Endpoints,
    credentials: Credentials,
    auth: Authenticator,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
}

impl Inner {
    /// Fortnox answered 429 to a request for `what`: every request of this tenant waits
    /// `Retry-After` (at least the configured wait) before the next is sent.
    fn pause_tenant(&self, retry_after: Option<Duration>, what: &str) -> Error {
        let wait = retry_after.unwrap_or_default().max(self.retry.rate_limit_wait);
        tracing::warn!(
            what,
            ?wait,
            "fortnox answered 429 (too many requests); pausing requests to it"
        );
        bump(&self.counters.rate_limited);
        self.limiter.pause(wait);
        Error::RateLimited(wait)
    }
}

/// A Fortnox API client for one tenant.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.inner.endpoints.api_base)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client-credentials client for a Fortnox-compatible server whose API and token endpoint
    /// share `base_url` (the sandbox), e.g. `http://127.0.0.1:8787`.
    pub fn new(base_url: &str, credentials: Credentials) -> Client {
        Client::builder(Endpoints::for_base(base_url), credentials).build()
    }

    pub fn builder(endpoints: Endpoints, credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            endpoints,
            credentials,
            store: None,
            retry: RetryPolicy::default(),
            unpaced: false,
        }
    }

    /// The connection's health, from the token store (no network).
    pub fn token_health(&self) -> TokenHealth {
        match self.inner.auth.store() {
            Some(store) => TokenHealth::of_store(store),
            None => TokenHealth::ClientCredentials,
        }
    }

    /// Refreshes the token pair if its refresh token nears its 45-day end; call daily so that an
    /// idle service keeps its connection. Reports a revoked consent as an error.
    pub async fn keep_alive(&self) -> Result<TokenHealth, Error> {
        self.inner.auth.keep_alive().await?;
        Ok(self.token_health())
    }

    /// What this client and its clones did so far.
    pub fn stats(&self) -> ClientStats {
        self.inner.counters.snapshot()
    }

    /// GET `path` (below `/3`) with retries on transient failures; 404 is Fortnox's
    /// [`Error::Rejected`] (its code and message). For typed endpoints in other files.
    pub(crate) async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.read_retrying(path).await
    }

    /// Like [`Client::read`], but 404 becomes `None`.
    pub(crate) async fn read_optional<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, Error> {
        match self.read_retrying(path).await {
            Ok(found) => Ok(Some(found)),
            Err(Error::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GET with retries on transient failures (up to `read_attempts`).
    async fn read_retrying<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.inner.breaker.check()?;
        self.read_tries(path).await
    }

    async fn read_tries<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt::<(), T>(&Method::GET, path, Payload::Empty).await {
                // The limiter already holds every request back for the 429's wait.
                Err(Error::RateLimited(_)) if attempt < self.inner.retry.read_attempts => {
                    bump(&self.inner.counters.retries);
                }
                Err(e) if e.is_retriable() && attempt < self.inner.retry.read_attempts => {
                    bump(&self.inner.counters.retries);
                    let wait = self.inner.retry.backoff(attempt);
                    tracing::debug!(%path, attempt, ?wait, "fortnox read failed, retrying: {e}");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// Every item of a paged list: `key` is the plural (`"Accounts"`), `path` may already
    /// carry a query.
    pub(crate) async fn read_all<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, Error> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        for page in 1_u64.. {
            let value: serde_json::Value =
                self.read(&format!("{path}{sep}limit=500&page={page}")).await?;
            let decode = |what: &str, e: serde_json::Error| {
                Error::Decode(format!("GET {path} page {page}: {what}: {e}"))
            };
            let meta: MetaInformation =
                serde_json::from_value(value.get("MetaInformation").cloned().unwrap_or_default())
                    .map_err(|e| decode("MetaInformation", e))?;
            let items: Vec<T> = serde_json::from_value(value.get(key).cloned().unwrap_or_default())
                .map_err(|e| decode(key, e))?;
            let empty = items.is_empty();
            all.extend(items);
            if meta.current_page >= meta.total_pages || empty {
                break;
            }
        }
        Ok(all)
    }

    /// A write (POST/PUT/DELETE), re-sent only when Fortnox certainly did not act on it (429,
    /// no connection, 401 before renewal). A success whose answer cannot be read is reported
    /// as [`Error::Transport`]: the document may exist.
    pub(crate) async fn write<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.send_once(method, path, Payload::Json(body)).await
    }

    /// Uploads a file as `multipart/form-data` (the part `file`), with the same rules as
    /// [`Client::write`]: re-sent only when Fortnox certainly did not receive it.
    pub(crate) async fn write_file<T: DeserializeOwned>(
        &self,
        path: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<T, Error> {
        self.send_once::<(), T>(Method::POST, path, Payload::File { name, bytes }).await
    }

    /// A GET that makes Fortnox act (`/invoices/{n}/email` sends an e-mail), with the rules of
    /// [`Client::write`] instead of a read's retries: re-sent only when Fortnox certainly did
    /// not receive it, and a lost answer is [`Error::Transport`] (outcome unknown).
    pub(crate) async fn get_once<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.send_once::<(), T>(Method::GET, path, Payload::Empty).await
    }

    async fn send_once<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Payload<'_, B>,
    ) -> Result<T, Error> {
        self.inner.breaker.check()?;
        self.send_tries(method, path, body).await
    }

    async fn send_tries<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Payload<'_, B>,
    ) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(&method, path, body.clone()).await {
                Err(Error::RateLimited(_)) if attempt < self.inner.retry.write_attempts => {
                    bump(&self.inner.counters.retries);
                }
                Err(Error::Unreachable(e)) if attempt < self.inner.retry.write_attempts => {
                    bump(&self.inner.counters.retries);
                    let wait = self.inner.retry.backoff(attempt);
                    tracing::debug!(%path, attempt, ?wait, "fortnox unreachable, retrying: {e}");
                    tokio::time::sleep(wait).await;
                }
                Err(Error::Decode(e)) => {
                    return Err(Error::Transport(format!(
                        "{method} {path} succeeded but its answer could not be read ({e})"
                    )));
                }
                other => return other,
            }
        }
    }

    /// One request (plus one renewal of the access token on a 401), paced by the limiter.
    async fn attempt<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        body: Payload<'_, B>,
    ) -> Result<T, Error> {
        let inner = &self.inner;
        let mut rejected: Option<String> = None;
        loop {
            // The slot first: a paused tenant waits here instead of asking for tokens.
            let permit = inner.limiter.acquire().await;
            // Without a token nothing is sent: a lost or unreadable token answer is no unknown
            // outcome (and no refusal of the document), just an unreachable Fortnox.
            let token = match inner.auth.token(rejected.as_deref()).await {
                Ok(token) => token,
                Err(Error::RateLimited(wait)) => {
                    drop(permit);
                    return Err(inner.pause_tenant(Some(wait), "the token endpoint"));
                }
                Err(Error::Transport(m) | Error::Decode(m)) => {
                    return Err(Error::Unreachable(format!("token endpoint: {m}")));
                }
                Err(Error::Unreachable(m)) => {
                    inner.breaker.trip(&m);
                    return Err(Error::Unreachable(m));
                }
                Err(other) => return Err(other),
            };
            let mut request = inner
                .http
                .request(method.clone(), format!("{}{path}", inner.endpoints.api_base))
                .bearer_auth(&token)
                .header("Accept", "application/json");
            match &body {
                Payload::Empty => {}
                Payload::Json(body) => request = request.json(body),
                Payload::File { name, bytes } => {
                    let (content_type, form) = multipart(name, bytes);
                    request = request.header("Content-Type", content_type).body(form);
                }
            }
            let response = match request.send().await.map_err(|e| transport(&e)) {
                Ok(response) => response,
                Err(Error::Unreachable(m)) => {
                    inner.breaker.trip(&m);
                    return Err(Error::Unreachable(m));
                }
                Err(e) => return Err(e),
            };
            inner.breaker.close();
            let status = response.status();
            bump(&inner.counters.answered);
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let text = response.text().await.map_err(|e| transport(&e))?;
            drop(permit);
            if status == StatusCode::UNAUTHORIZED && rejected.is_none() {
                // Expired early or revoked: renew once, then give up.
                tracing::debug!(%path, "fortnox answered 401; renewing the access token");
                bump(&inner.counters.renewals);
                rejected = Some(token);
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Err(inner.pause_tenant(retry_after, path));
            }
            if status.is_success() {
                let text = if text.trim().is_empty() { "null" } else { text.as_str() };
                return serde_json::from_str(text)
                    .map_err(|e| Error::Decode(format!("{method} {path}: {e}")));
            }
            return Err(classify(status, &text));
        }
    }
}
