//! The loopback listener for the consent redirect of `connect`: binds the address of the
//! configured `redirect_uri` (loopback http only), serves the browser's return, refuses answers
//! with the wrong `state`, and hands back the authorization code or the error the redirect
//! carries.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::super::error::Error;
use super::{REDIRECT_HINT, config_error};

/// The redirect listener could not bind `addr`.
fn listen_error(addr: SocketAddr, e: &std::io::Error) -> Error {
    let what = format!("cannot listen on {addr} for the redirect");
    if e.kind() == std::io::ErrorKind::AddrInUse {
        let hint = format!(
            "another program uses port {}: stop it, or change `[fortnox] redirect_uri` here \
             and in the Fortnox developer portal",
            addr.port()
        );
        config_error(&what, e, &hint)
    } else {
        config_error(&what, e, REDIRECT_HINT)
    }
}

/// A loopback listener for the consent redirect.
pub struct RedirectListener {
    listener: TcpListener,
    path: String,
    redirect_uri: String,
}

/// Binds the loopback address of `redirect_uri` (`http://127.0.0.1:PORT/path`, `localhost` or
/// `[::1]`; port 0 picks a free port, reflected in [`RedirectListener::redirect_uri`]).
pub async fn listen(redirect_uri: &str) -> Result<RedirectListener, Error> {
    let url = reqwest::Url::parse(redirect_uri)
        .map_err(|e| config_error("redirect uri", e, REDIRECT_HINT))?;
    let ip = match url.host() {
        Some(oauth2::url::Host::Domain("localhost")) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(oauth2::url::Host::Ipv4(ip)) if ip.is_loopback() => IpAddr::V4(ip),
        Some(oauth2::url::Host::Ipv6(ip)) if ip.is_loopback() => IpAddr::V6(ip),
        _ => {
            return Err(config_error(
                "redirect uri",
                format!("`{redirect_uri}` is not a loopback http URL"),
                REDIRECT_HINT,
            ));
        }
    };
    if url.scheme() != "http" {
        return Err(config_error(
            "redirect uri",
            format!("`{redirect_uri}` must use http"),
            REDIRECT_HINT,
        ));
    }
    let addr = SocketAddr::new(ip, url.port().unwrap_or(80));
    let listener = TcpListener::bind(addr).await.map_err(|e| listen_error(addr, &e))?;
    let port =
        listener.local_addr().map_err(|e| config_error("listener", e, REDIRECT_HINT))?.port();
    let mut actual = url.clone();
    actual
        .set_port(Some(port))
        .map_err(|()| config_error("redirect uri", "no port", REDIRECT_HINT))?;
    Ok(RedirectListener { listener, path: url.path().to_owned(), redirect_uri: actual.to_string() })
}

type Outcome = Result<String, Error>;

fn page(title: &str, text: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>fortnox-bridge</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    ))
}

impl RedirectListener {
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Serves the redirect until one arrives with the expected `state` (others are refused and
    /// ignored), then returns its code, or the error it carries, or times out.
    pub async fn wait_for_code(self, state: &str, timeout: Duration) -> Result<String, Error> {
        let (tx, mut rx) = mpsc::channel::<Outcome>(1);
        let expected = state.to_owned();
        let path = self.path.clone();
        let handler = move |uri: axum::http::Uri, Query(q): Query<HashMap<String, String>>| {
            let tx = tx.clone();
            let expected = expected.clone();
            let path = path.clone();
            async move { callback(&uri, &path, &q, &expected, &tx) }
        };
        let app = axum::Router::new().fallback(handler);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            axum::serve(self.listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        let outcome = tokio::time::timeout(timeout, rx.recv()).await;
        // Let the browser receive its page before the server stops.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = stop.send(());
        let _ = server.await;
        match outcome {
            Ok(Some(result)) => result,
            Ok(None) => Err(Error::NotConnected("the redirect listener stopped".to_owned())),
            Err(_) => Err(Error::NotConnected(format!(
                "no answer from the consent page within {} minutes",
                timeout.as_secs() / 60
            ))),
        }
    }
}

fn callback(
    uri: &axum::http::Uri,
    path: &str,
    q: &HashMap<String, String>,
    expected: &str,
    tx: &mpsc::Sender<Outcome>,
) -> Response {
    if uri.path() != path {
        return (axum::http::StatusCode::NOT_FOUND, "not found").into_response();
    }
    if q.get("state").map(String::as_str) != Some(expected) {
        tracing::warn!("consent redirect with a wrong state ignored");
        return (
            axum::http::StatusCode::BAD_REQUEST,
            page("Wrong state", "This answer does not belong to the running `connect`; ignored."),
        )
            .into_response();
    }
    if let Some(error) = q.get("error") {
        let _ =
            tx.try_send(Err(Error::NotConnected(format!("the consent was not given ({error})"))));
        return page("Not connected", "The consent was not given. You can close this window.")
            .into_response();
    }
    match q.get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            let _ = tx.try_send(Ok(code.clone()));
            page("Connected", "fortnox-bridge received the consent. You can close this window.")
                .into_response()
        }
        None => (axum::http::StatusCode::BAD_REQUEST, page("No code", "The answer has no code."))
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_redirect_port_has_its_own_hint() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let uri = format!("http://127.0.0.1:{port}/fortnox/callback");
        let Err(error) = listen(&uri).await else { panic!("port {port} was free") };
        let text = error.to_string();
        assert!(matches!(error, Error::Setup { .. }), "{error:?}");
        assert!(text.contains(&format!("another program uses port {port}")), "{text}");
        assert!(text.contains("[fortnox] redirect_uri"), "{text}");
        assert!(!text.contains("run `fortnox-bridge connect`"), "{text}");
    }

    #[tokio::test]
    async fn redirect_listener_refuses_non_loopback_and_wrong_state() {
        assert!(listen("http://192.0.2.1:1/cb").await.is_err());
        assert!(listen("https://127.0.0.1:0/cb").await.is_err());
        let listener = listen("http://127.0.0.1:0/cb").await.expect("listen");
        let uri = listener.redirect_uri().to_owned();
        let waiter = tokio::spawn(listener.wait_for_code("good", Duration::from_secs(10)));
        let http = reqwest::Client::new();
        let wrong = http.get(format!("{uri}?code=x&state=evil")).send().await.expect("get");
        assert_eq!(wrong.status(), 400);
        let right = http.get(format!("{uri}?code=c0de&state=good")).send().await.expect("get");
        assert_eq!(right.status(), 200);
        assert_eq!(waiter.await.expect("join").expect("code"), "c0de");
    }
}
