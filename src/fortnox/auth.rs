//! Access tokens, both ways Fortnox offers: client credentials of a service account (client id,
//! secret and `TenantId` header; no refresh token) and the rotating single-use refresh token of
//! the authorization-code flow, kept in an encrypted [`TokenStore`].
//!
//! Refresh protocol: one task per process at a time (an async mutex), one process at a time (the
//! store's OS file lock); whoever gets the lock first re-reads the store, so a process that
//! waited uses the pair the other one stored instead of spending the dead refresh token. The
//! new pair is durable before its access token is used (see [`super::tokens`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use tokio::sync::Mutex;

use super::error::Error;
use super::tokens::{StorePoint, TokenSet, TokenStore};

/// Who the client is: the app's client id and secret, and for client credentials the tenant
/// (`DatabaseNumber`) it acts for.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    pub tenant_id: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

/// Refresh tokens live 45 days from issue (docs/fortnox-api.md §1).
pub const REFRESH_LIFETIME: Duration = Duration::from_hours(45 * 24);
/// A refresh token with less than this left is reported as expiring.
pub const REFRESH_WARNING: Duration = Duration::from_hours(14 * 24);
/// Access tokens are renewed this long before they expire (at most a quarter of their life).
const RENEW_BEFORE: Duration = Duration::from_mins(5);

pub(crate) fn now_secs() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// An access token and when it must be renewed (unix seconds).
struct Cached {
    value: String,
    renew_at: i64,
}

fn renew_at(expires_at: i64, lifetime: i64) -> i64 {
    expires_at - secs(RENEW_BEFORE).min(lifetime / 4)
}

/// How the client gets its access tokens.
pub(crate) enum Mode {
    ClientCredentials,
    RefreshToken(TokenStore),
}

pub(crate) struct Authenticator {
    http: reqwest::Client,
    token_url: String,
    credentials: Credentials,
    mode: Mode,
    cached: Mutex<Option<Cached>>,
}

/// The token endpoint's answer. Not `Debug`: it holds tokens.
#[derive(serde::Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default, deserialize_with = "super::model::lenient_opt_u64")]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl TokenResponse {
    /// The pair to store, `generation` after the previous one.
    pub(crate) fn into_set(self, generation: u64) -> Result<TokenSet, Error> {
        let refresh_token = self.refresh_token.ok_or_else(|| {
            Error::Decode("the token endpoint answered without a refresh token".into())
        })?;
        let now = now_secs();
        Ok(TokenSet {
            access_token: self.access_token,
            access_expires_at: now
                .saturating_add(i64::try_from(self.expires_in.unwrap_or(3600)).unwrap_or(i64::MAX)),
            refresh_token,
            refresh_expires_at: now.saturating_add(secs(REFRESH_LIFETIME)),
            scope: self.scope.unwrap_or_default(),
            obtained_at: now,
            generation,
            revoked: None,
        })
    }
}

/// An OAuth error answer `{"error","error_description"}`.
#[derive(serde::Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Maps a failed token request; `invalid_grant` on a refresh means the chain is dead. Only
/// 400/401/403 are refused credentials; another status (a 404 from a wrong URL) points at the
/// configured target.
pub(crate) fn token_error(status: StatusCode, body: &str) -> Error {
    let parsed: OAuthError = serde_json::from_str(body).unwrap_or_default();
    let text = parsed
        .error_description
        .or(parsed.message)
        .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
    let message = if parsed.error.is_empty() { text } else { format!("{}: {text}", parsed.error) };
    match (status.as_u16(), parsed.error.as_str()) {
        (_, "invalid_grant") => Error::ConsentRevoked(message),
        (429, _) => Error::RateLimited(Duration::from_secs(5)),
        (500.., _) => Error::Server { status: status.as_u16(), message },
        (code @ (400 | 401 | 403), _) => Error::Unauthorized { status: code, message },
        (code, _) => Error::Setup {
            message: format!("token endpoint: {message}"),
            hint: format!("check `[fortnox] target` (the token URL answered HTTP {code})"),
        },
    }
}

pub(crate) fn transport(e: &reqwest::Error) -> Error {
    if e.is_connect() {
        Error::Unreachable(cause(e))
    } else if e.is_timeout() {
        Error::Transport(format!("timed out: {}", cause(e)))
    } else {
        Error::Transport(cause(e))
    }
}

/// What went wrong in words an operator can act on: the innermost cause (`Connection refused
/// (os error 111)`, a name that does not resolve), not reqwest's "error sending request for
/// url (...)", and where to (host and path, without the query).
fn cause(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    let root = source.to_string();
    match e.url() {
        Some(url) => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{root} ({}{port}{})", url.host_str().unwrap_or_default(), url.path())
        }
        None => root,
    }
}

impl Authenticator {
    pub(crate) fn new(
        http: reqwest::Client,
        token_url: String,
        credentials: Credentials,
        mode: Mode,
    ) -> Authenticator {
        Authenticator { http, token_url, credentials, mode, cached: Mutex::new(None) }
    }

    pub(crate) fn store(&self) -> Option<&TokenStore> {
        match &self.mode {
            Mode::RefreshToken(store) => Some(store),
            Mode::ClientCredentials => None,
        }
    }

    /// A valid access token. `rejected` is one the API just answered 401 to: never returned.
    pub(crate) async fn token(&self, rejected: Option<&str>) -> Result<String, Error> {
        let mut cached = self.cached.lock().await;
        let now = now_secs();
        if let Some(c) = cached.as_ref()
            && c.renew_at > now
            && Some(c.value.as_str()) != rejected
        {
            return Ok(c.value.clone());
        }
        let fresh = match &self.mode {
            Mode::ClientCredentials => self.client_credentials().await?,
            Mode::RefreshToken(store) => self.stored_token(store, rejected).await?,
        };
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    async fn client_credentials(&self) -> Result<Cached, Error> {
        let mut request = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.credentials.client_id, Some(&self.credentials.client_secret))
            .form(&[("grant_type", "client_credentials")]);
        if let Some(tenant) = &self.credentials.tenant_id {
            request = request.header("TenantId", tenant);
        }
        let answer = self.token_request(request).await?;
        let lifetime = i64::try_from(answer.expires_in.unwrap_or(3600)).unwrap_or(i64::MAX);
        let expires = now_secs().saturating_add(lifetime);
        Ok(Cached { value: answer.access_token, renew_at: renew_at(expires, lifetime) })
    }

    async fn token_request(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<TokenResponse, Error> {
        let response = request.send().await.map_err(|e| transport(&e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| transport(&e))?;
        if !status.is_success() {
            return Err(token_error(status, &body));
        }
        // The body holds tokens: never quote it in an error.
        serde_json::from_str(&body)
            .map_err(|e| Error::Decode(format!("token endpoint answer unreadable ({e:.0})")))
    }

    fn usable(set: &TokenSet, rejected: Option<&str>, now: i64) -> Option<Cached> {
        let lifetime = set.access_expires_at - set.obtained_at;
        let renew = renew_at(set.access_expires_at, lifetime);
        (set.revoked.is_none() && renew > now && Some(set.access_token.as_str()) != rejected)
            .then(|| Cached { value: set.access_token.clone(), renew_at: renew })
    }

    async fn stored_token(
        &self,
        store: &TokenStore,
        rejected: Option<&str>,
    ) -> Result<Cached, Error> {
        // Another process may have refreshed: look without the lock first.
        let stored = store.load()?.ok_or_else(|| {
            Error::NotConnected(format!("no tokens in `{}`", store.path().display()))
        })?;
        if let Some(revoked) = &stored.revoked {
            return Err(Error::ConsentRevoked(revoked.1.clone()));
        }
        if let Some(c) = Self::usable(&stored, rejected, now_secs()) {
            return Ok(c);
        }
        self.refresh(store, rejected, false).await
    }

    /// Refreshes under the cross-process lock unless the stored pair is (now) usable and
    /// `force` is false. The new pair is durable before this returns its access token.
    async fn refresh(
        &self,
        store: &TokenStore,
        rejected: Option<&str>,
        force: bool,
    ) -> Result<Cached, Error> {
        let locker = store.clone();
        let guard = tokio::task::spawn_blocking(move || locker.lock())
            .await
            .map_err(|e| Error::TokenStore(format!("lock task failed: {e}")))??;
        let stored = guard.load()?.ok_or_else(|| {
            Error::NotConnected(format!("no tokens in `{}`", store.path().display()))
        })?;
        if let Some(revoked) = &stored.revoked {
            return Err(Error::ConsentRevoked(revoked.1.clone()));
        }
        let now = now_secs();
        if !force && let Some(c) = Self::usable(&stored, rejected, now) {
            return Ok(c);
        }
        if stored.refresh_expires_at <= now {
            let message = "the refresh token expired (45 days without use)".to_owned();
            let mut dead = stored.clone();
            dead.revoked = Some((now, message.clone()));
            guard.save(&dead)?;
            tracing::error!("{}", Error::ConsentRevoked(message.clone()));
            return Err(Error::ConsentRevoked(message));
        }
        let request = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.credentials.client_id, Some(&self.credentials.client_secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", &stored.refresh_token)]);
        match self.token_request(request).await {
            Ok(answer) => {
                store.at(StorePoint::RefreshAnswered);
                let mut set = answer.into_set(stored.generation + 1)?;
                if set.scope.is_empty() {
                    set.scope.clone_from(&stored.scope);
                }
                guard.save(&set)?;
                drop(guard);
                tracing::info!(generation = set.generation, "fortnox tokens refreshed and stored");
                let lifetime = set.access_expires_at - set.obtained_at;
                Ok(Cached {
                    renew_at: renew_at(set.access_expires_at, lifetime),
                    value: set.access_token,
                })
            }
            Err(Error::ConsentRevoked(message)) => {
                let mut dead = stored.clone();
                dead.revoked = Some((now, message.clone()));
                guard.save(&dead)?;
                let error = Error::ConsentRevoked(message);
                tracing::error!("{error}");
                Err(error)
            }
            Err(e) => {
                tracing::warn!("fortnox token refresh failed: {e}");
                Err(e)
            }
        }
    }

    /// Refreshes now if the refresh token has less than [`REFRESH_WARNING`] left (a service
    /// that posted nothing for weeks keeps its connection alive this way).
    pub(crate) async fn keep_alive(&self) -> Result<(), Error> {
        let Mode::RefreshToken(store) = &self.mode else { return Ok(()) };
        let mut cached = self.cached.lock().await;
        let stored = store.load()?.ok_or_else(|| {
            Error::NotConnected(format!("no tokens in `{}`", store.path().display()))
        })?;
        if let Some(revoked) = &stored.revoked {
            return Err(Error::ConsentRevoked(revoked.1.clone()));
        }
        if stored.refresh_expires_at - now_secs() > secs(REFRESH_WARNING) {
            return Ok(());
        }
        *cached = Some(self.refresh(store, None, true).await?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_400_401_403_are_refused_credentials() {
        for status in [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN] {
            let e = token_error(status, r#"{"error":"invalid_client"}"#);
            assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
        }
        let e = token_error(StatusCode::NOT_FOUND, "<html>not found</html>");
        assert!(matches!(e, Error::Setup { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains("check `[fortnox] target` (the token URL answered HTTP 404)"),
            "{text}"
        );
        assert!(!text.contains("FORTNOX_CLIENT_SECRET"), "{text}");
        assert!(matches!(
            token_error(StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#),
            Error::ConsentRevoked(_)
        ));
    }
}
