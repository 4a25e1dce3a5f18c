//! The loopback consent page of the authorization-code flow: `GET /oauth-v1/auth` shows
//! Approve / Deny links; Approve stores a single-use code (10 min) and redirects to
//! `redirect_uri` with `code` and `state`, Deny with `error=access_denied`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::Shared;
use super::auth::{CODE_LIFETIME, Grant, expiry, insert_token, random_part};
use super::seed::DATABASE_NUMBER;

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn consent_error(message: &str) -> Response {
    let page =
        format!("<!doctype html><title>Fortnox sandbox</title><p>{}</p>", html_escape(message));
    (axum::http::StatusCode::BAD_REQUEST, Html(page)).into_response()
}

fn url_with(base: &str, pairs: &[(&str, &str)]) -> Option<String> {
    let mut url = reqwest::Url::parse(base).ok()?;
    url.query_pairs_mut().extend_pairs(pairs);
    Some(url.to_string())
}

/// `GET /oauth-v1/auth`: a consent page with Approve / Deny links.
pub async fn consent_page(
    State(state): State<Shared>,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    for required in ["client_id", "redirect_uri", "state", "scope"] {
        if get(required).is_empty() {
            return consent_error(&format!("Parameter {required} saknas."));
        }
    }
    if get("response_type") != "code" {
        return consent_error("response_type måste vara code.");
    }
    if reqwest::Url::parse(get("redirect_uri")).is_err() {
        return consent_error("redirect_uri är ingen giltig URL.");
    }
    let pass = [
        ("client_id", get("client_id")),
        ("redirect_uri", get("redirect_uri")),
        ("scope", get("scope")),
        ("state", get("state")),
    ];
    let base = state.base_url.as_str();
    let (Some(approve), Some(deny)) = (
        url_with(&format!("{base}/oauth-v1/auth/approve"), &pass),
        url_with(&format!("{base}/oauth-v1/auth/deny"), &pass),
    ) else {
        return consent_error("Ogiltig adress.");
    };
    let page = format!(
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">\
         <title>Fortnox sandbox – godkänn integration</title></head><body>\
         <h1>Fortnox sandbox</h1><p>Integrationen <b>{client}</b> begär behörighet: <b>{scope}</b>.</p>\
         <p>Företag: Sandlådan Café &amp; Butik AB (databasnummer {db}).</p>\
         <p><a id=\"approve\" href=\"{approve}\" style=\"padding:.5em 1em;background:#0a7;color:#fff\">\
         Godkänn (Approve)</a> <a id=\"deny\" href=\"{deny}\">Avbryt (Deny)</a></p></body></html>",
        client = html_escape(get("client_id")),
        scope = html_escape(get("scope")),
        db = DATABASE_NUMBER,
        approve = html_escape(&approve),
        deny = html_escape(&deny),
    );
    Html(page).into_response()
}

/// `GET /oauth-v1/auth/approve`: creates a single-use code and redirects with `code` + `state`.
pub async fn approve(
    State(state): State<Shared>,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (client_id, redirect_uri, scope, st) =
        (get("client_id"), get("redirect_uri"), get("scope"), get("state"));
    if client_id.is_empty() || reqwest::Url::parse(&redirect_uri).is_err() {
        return consent_error("client_id eller redirect_uri saknas.");
    }
    let code = random_part(24);
    let stored_code = code.clone();
    let stored_redirect = redirect_uri.clone();
    let saved = state
        .store
        .call(move |conn| {
            let grant =
                Grant { client_id, tenant: DATABASE_NUMBER.to_string(), scope, with_refresh: true };
            insert_token(
                conn,
                &stored_code,
                "code",
                &grant,
                Some(&stored_redirect),
                expiry(CODE_LIFETIME),
            )?;
            Ok(())
        })
        .await;
    if let Err(err) = saved {
        return err.into_response();
    }
    match url_with(&redirect_uri, &[("code", &code), ("state", &st)]) {
        Some(target) => Redirect::to(&target).into_response(),
        None => consent_error("Ogiltig redirect_uri."),
    }
}

/// `GET /oauth-v1/auth/deny`: redirects with `error=access_denied`.
pub async fn deny(Form(q): Form<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    match url_with(get("redirect_uri"), &[("error", "access_denied"), ("state", get("state"))]) {
        Some(target) => Redirect::to(&target).into_response(),
        None => consent_error("Ogiltig redirect_uri."),
    }
}
