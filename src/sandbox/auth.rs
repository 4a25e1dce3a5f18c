//! `OAuth2` like Fortnox's `apps.fortnox.se/oauth-v1`: the token endpoint (client credentials,
//! authorization code, rotating single-use refresh tokens), revocation, a loopback consent page,
//! and the bearer-token check in front of every `/3/` route.
//!
//! Any client id/secret is accepted; tokens are stored in `SQLite` so they survive a restart.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::FormRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::Shared;
use super::consent;
use super::errors::ApiError;
use super::seed::DATABASE_NUMBER;

/// Authorization codes live 10 minutes and are single use.
pub(super) const CODE_LIFETIME: Duration = Duration::from_mins(10);
/// Refresh tokens live 45 days and are single use (each refresh returns a new one).
const REFRESH_LIFETIME: Duration = Duration::from_hours(45 * 24);
/// Scope granted when the client asks for none.
const DEFAULT_SCOPE: &str = "bookkeeping companyinformation settings customer article order invoice inbox costcenter \
     project";

/// Who made an authenticated `/3/` request; rate limits are kept per `rate_key`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub rate_key: String,
    /// Space-separated scopes of the token.
    pub scope: String,
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/oauth-v1/token", post(token))
        .route("/oauth-v1/revoke", post(revoke))
        .route("/oauth-v1/auth", get(consent::consent_page))
        .route("/oauth-v1/auth/approve", get(consent::approve))
        .route("/oauth-v1/auth/deny", get(consent::deny))
}

fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

pub(super) fn expiry(lifetime: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX))
}

pub(super) fn random_part(bytes: usize) -> String {
    let mut buf = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A JWT-shaped access token (unsigned signature part; only the sandbox reads it back), carrying
/// the `tenantId` claim like Fortnox's.
fn access_token(client_id: &str, tenant: &str, scope: &str, lifetime: Duration) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let iat = now_ms() / 1000;
    let claims = json!({
        "iss": "fortnox-bridge-sandbox",
        "tenantId": tenant.parse::<i64>().map_or_else(|_| json!(tenant), |n| json!(n)),
        "clientId": client_id,
        "scope": scope,
        "iat": iat,
        "exp": iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
        "jti": random_part(12),
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.{}", random_part(32))
}

/// `Authorization: Basic base64(id:secret)` → client id; anything else → `invalid_client`.
fn basic_client(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::invalid_client)?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(ApiError::invalid_client)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::invalid_client());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ApiError::invalid_client())?;
    let text = String::from_utf8(decoded).map_err(|_| ApiError::invalid_client())?;
    match text.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok(id.to_owned()),
        _ => Err(ApiError::invalid_client()),
    }
}

pub(super) struct Grant {
    pub client_id: String,
    pub tenant: String,
    pub scope: String,
    pub with_refresh: bool,
}

/// Issues an access token (and a refresh token) and returns the token response.
fn issue(
    conn: &rusqlite::Connection,
    grant: &Grant,
    lifetime: Duration,
) -> Result<Response, ApiError> {
    let access = access_token(&grant.client_id, &grant.tenant, &grant.scope, lifetime);
    insert_token(conn, &access, "access", grant, None, expiry(lifetime))?;
    let mut body = json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
        "scope": grant.scope,
    });
    if grant.with_refresh {
        let refresh = random_part(32);
        insert_token(conn, &refresh, "refresh", grant, None, expiry(REFRESH_LIFETIME))?;
        body["refresh_token"] = json!(refresh);
    }
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) fn insert_token(
    conn: &rusqlite::Connection,
    token: &str,
    kind: &str,
    grant: &Grant,
    redirect_uri: Option<&str>,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tokens (token, kind, client_id, tenant, scope, redirect_uri, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![token, kind, grant.client_id, grant.tenant, grant.scope, redirect_uri, expires_at],
    )?;
    Ok(())
}

/// The client (HTTP Basic) and the form of a token endpoint request.
fn client_request(
    headers: &HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<(String, HashMap<String, String>), ApiError> {
    let client_id = basic_client(headers)?;
    let Form(form) =
        form.map_err(|_| ApiError::oauth_request("invalid_request", "Invalid request body"))?;
    Ok((client_id, form))
}

/// Marks an unused, unexpired token of `kind` for `client_id` as used and returns its grant.
fn consume(
    conn: &rusqlite::Connection,
    token: &str,
    kind: &str,
    client_id: &str,
) -> rusqlite::Result<Option<(Grant, Option<String>)>> {
    let found = conn
        .query_row(
            "SELECT tenant, scope, redirect_uri FROM tokens
             WHERE token = ?1 AND kind = ?2 AND client_id = ?3 AND used = 0 AND expires_at > ?4",
            params![token, kind, client_id, now_ms()],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((tenant, scope, redirect_uri)) = found else { return Ok(None) };
    conn.execute("UPDATE tokens SET used = 1 WHERE token = ?1", [token])?;
    let grant = Grant { client_id: client_id.to_owned(), tenant, scope, with_refresh: true };
    Ok(Some((grant, redirect_uri)))
}

async fn token(
    State(state): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, ApiError> {
    if state.planned.take(|p| &mut p.rate_limit_next_tokens) {
        return Err(ApiError::RateLimited { retry_after: Duration::from_secs(5) });
    }
    if state.planned.take(|p| &mut p.garble_next_tokens) {
        tracing::info!("sandbox fault injection: answering a token request with a broken body");
        return Ok("<html>maintenance</html>".into_response());
    }
    let (client_id, form) = client_request(&headers, form)?;
    let lifetime = state.options.access_token_lifetime;
    let tenant_header = headers.get("tenantid").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let response = match grant_type.as_str() {
                "client_credentials" => {
                    let grant = Grant {
                        client_id,
                        tenant: tenant_header.unwrap_or_else(|| DATABASE_NUMBER.to_string()),
                        scope: form
                            .get("scope")
                            .cloned()
                            .unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
                        with_refresh: false,
                    };
                    issue(&tx, &grant, lifetime)?
                }
                "authorization_code" => {
                    let code = form.get("code").map_or("", String::as_str);
                    let (grant, redirect) = consume(&tx, code, "code", &client_id)?
                        .ok_or_else(|| ApiError::invalid_grant("Invalid authorization code"))?;
                    if let (Some(expected), Some(given)) = (redirect, form.get("redirect_uri"))
                        && &expected != given
                    {
                        return Err(ApiError::invalid_grant("Invalid redirect uri"));
                    }
                    issue(&tx, &grant, lifetime)?
                }
                "refresh_token" => {
                    let refresh = form.get("refresh_token").map_or("", String::as_str);
                    let (grant, _) = consume(&tx, refresh, "refresh", &client_id)?
                        .ok_or_else(|| ApiError::invalid_grant("Invalid refresh token"))?;
                    issue(&tx, &grant, lifetime)?
                }
                "" => {
                    return Err(ApiError::oauth_request("invalid_request", "Missing grant_type"));
                }
                _ => {
                    return Err(ApiError::oauth_request(
                        "unsupported_grant_type",
                        "The grant type is not supported",
                    ));
                }
            };
            tx.commit()?;
            Ok(response)
        })
        .await
}

async fn revoke(
    State(state): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, ApiError> {
    let (client_id, form) = client_request(&headers, form)?;
    let token = form.get("token").cloned().unwrap_or_default();
    state
        .store
        .call(move |conn| {
            conn.execute(
                "UPDATE tokens SET used = 1 WHERE token = ?1 AND client_id = ?2",
                params![token, client_id],
            )?;
            Ok(Json(json!({"revoked": true})).into_response())
        })
        .await
}

/// Middleware for `/3/`: requires a valid, unexpired, unrevoked bearer access token.
pub async fn require_bearer(
    State(state): State<Shared>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .ok_or(ApiError::Unauthorized)?;
    let caller = state
        .store
        .call(move |conn| {
            let found = conn
                .query_row(
                    "SELECT client_id, tenant, scope FROM tokens
                     WHERE token = ?1 AND kind = 'access' AND used = 0 AND expires_at > ?2",
                    params![token, now_ms()],
                    |row| {
                        Ok(Caller {
                            rate_key: format!(
                                "{}:{}",
                                row.get::<_, String>(0)?,
                                row.get::<_, String>(1)?
                            ),
                            scope: row.get(2)?,
                        })
                    },
                )
                .optional()?;
            Ok(found)
        })
        .await?
        .ok_or(ApiError::Unauthorized)?;
    req.extensions_mut().insert(caller);
    Ok(next.run(req).await)
}

/// Deletes tokens that expired more than a day ago (start-up housekeeping).
pub fn prune_tokens(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM tokens WHERE expires_at < ?1", [now_ms() - 24 * 3600 * 1000])
}
