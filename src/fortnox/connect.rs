//! The authorization-code flow behind `fortnox-bridge connect`: the consent URL (with a random
//! `state`, `access_type=offline` and the minimal scopes), a loopback listener for the redirect
//! that checks `state` (`connect/redirect.rs`), the code exchange (HTTP Basic, via the `oauth2`
//! crate), and the first durable save of the token pair.
//!
//! `oauth2` 5 is tied to reqwest 0.12 (as is this crate); it cannot add the `TenantId` header,
//! which is why client credentials use a plain reqwest POST (see [`super::auth`]).

mod redirect;

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, RedirectUrl, RequestTokenError,
    Scope, TokenResponse as _, TokenUrl,
};

use super::auth::{Credentials, TokenResponse};
use super::client::Client;
use super::error::Error;
use super::model::CompanyInformation;
use super::settings::Endpoints;
use super::tokens::{TokenSet, TokenStore};

pub use redirect::{RedirectListener, listen};

/// Authorization codes live 10 minutes (docs/fortnox-api.md §1).
pub const CODE_LIFETIME: Duration = Duration::from_mins(10);

/// The features whose scopes a connection asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Vouchers (SIE files, Z-reports).
    Vouchers,
    /// Orders from web-shop exports.
    Orders,
    /// Invoices (created, bookkept, e-mailed).
    Invoices,
    /// Source files attached to vouchers (`[zreport] attach_file`): uploaded to the inbox,
    /// connected with the `bookkeeping` scope.
    Attachments,
}

/// The minimal scopes for `features` (docs/fortnox-api.md §1): `bookkeeping` for vouchers,
/// years, series and accounts; `settings` because the scope of the locked period and voucher
/// series is unconfirmed and a missing scope costs the customer a new consent;
/// `companyinformation` to name the company and learn its tenant id.
pub fn scopes_for(features: &[Feature]) -> Vec<String> {
    let mut scopes = vec!["companyinformation"];
    for feature in features {
        let more: &[&str] = match feature {
            Feature::Vouchers => &["bookkeeping", "settings", "costcenter", "project"],
            Feature::Orders => &["order", "customer", "article", "settings"],
            Feature::Invoices => &["invoice", "customer", "article", "settings", "bookkeeping"],
            Feature::Attachments => &["inbox", "bookkeeping"],
        };
        for scope in more {
            if !scopes.contains(scope) {
                scopes.push(scope);
            }
        }
    }
    scopes.into_iter().map(str::to_owned).collect()
}

/// A consent URL and the `state` its redirect must carry back.
pub struct ConsentRequest {
    pub url: String,
    state: String,
    redirect_uri: String,
}

impl std::fmt::Debug for ConsentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentRequest")
            .field("url", &self.url)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Hint for a redirect URI that cannot be used.
const REDIRECT_HINT: &str = "set `[fortnox] redirect_uri` to a loopback http URL such as \
     http://127.0.0.1:47800/fortnox/callback, the same here and in the Fortnox developer portal";

/// A setting `connect` cannot use; `hint` says which one to fix.
fn config_error(what: &str, e: impl std::fmt::Display, hint: &str) -> Error {
    Error::Setup { message: format!("{what}: {e}"), hint: hint.to_owned() }
}

/// An auth or token URL that does not parse.
fn target_error(what: &str, e: impl std::fmt::Display) -> Error {
    config_error(what, e, "check `[fortnox] target`")
}

/// Whose consent `connect` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// A user's: the token pair is kept and renewed (`auth = "authorization_code"`).
    User,
    /// The company's service account (`account_type=service`), consented once by an
    /// administrator; afterwards the service signs in with client credentials and the tenant id
    /// (`auth = "client_credentials"`).
    ServiceAccount,
}

/// Builds the consent URL.
pub fn consent_request(
    endpoints: &Endpoints,
    client_id: &str,
    redirect_uri: &str,
    scopes: &[String],
    grant: Grant,
) -> Result<ConsentRequest, Error> {
    let client = BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_auth_uri(
            AuthUrl::new(endpoints.auth_url.clone()).map_err(|e| target_error("auth url", e))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_owned())
                .map_err(|e| config_error("redirect uri", e, REDIRECT_HINT))?,
        );
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .add_extra_param("access_type", "offline");
    if grant == Grant::ServiceAccount {
        request = request.add_extra_param("account_type", "service");
    }
    let (url, state) = request.url();
    Ok(ConsentRequest {
        url: url.to_string(),
        state: state.secret().clone(),
        redirect_uri: redirect_uri.to_owned(),
    })
}

/// Exchanges an authorization code for the first token pair (not yet stored).
pub async fn exchange_code(
    endpoints: &Endpoints,
    credentials: &Credentials,
    request: &ConsentRequest,
    code: &str,
) -> Result<TokenSet, Error> {
    let client = BasicClient::new(ClientId::new(credentials.client_id.clone()))
        .set_client_secret(ClientSecret::new(credentials.client_secret.clone()))
        .set_token_uri(
            TokenUrl::new(endpoints.token_url.clone()).map_err(|e| target_error("token url", e))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(request.redirect_uri.clone())
                .map_err(|e| config_error("redirect uri", e, REDIRECT_HINT))?,
        );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Error::Transport(e.to_string()))?;
    let answer = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .request_async(&http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => {
                let description = r.error_description().cloned().unwrap_or_default();
                match r.error() {
                    BasicErrorResponseType::InvalidClient => Error::Unauthorized {
                        status: 401,
                        message: format!("invalid_client: {description}"),
                    },
                    other => Error::Unauthorized {
                        status: 400,
                        message: format!(
                            "{other}: {description} (the code is single use and \
                                          lives 10 minutes)"
                        ),
                    },
                }
            }
            RequestTokenError::Request(e) => Error::Transport(e.to_string()),
            // Never quote the body: it may hold tokens.
            RequestTokenError::Parse(..) => {
                Error::Decode("token endpoint answer unreadable".to_owned())
            }
            RequestTokenError::Other(e) => Error::Decode(e),
        })?;
    TokenResponse {
        access_token: answer.access_token().secret().clone(),
        refresh_token: answer.refresh_token().map(|t| t.secret().clone()),
        expires_in: answer.expires_in().map(|d| d.as_secs()),
        scope: answer.scopes().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
    }
    .into_set(1)
}

/// What `connect` achieved.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The company, when the `companyinformation` scope was granted.
    pub company: Option<CompanyInformation>,
    pub scope: String,
    /// Unix seconds.
    pub refresh_expires_at: i64,
}

/// The whole flow: listen, show the consent URL (`show` prints or opens it), wait for the
/// redirect, exchange the code, store the pair durably, and read the company back with it.
pub async fn connect(
    endpoints: &Endpoints,
    credentials: &Credentials,
    store: &TokenStore,
    redirect_uri: &str,
    scopes: &[String],
    grant: Grant,
    show: impl FnOnce(&str),
) -> Result<Connected, Error> {
    let listener = listen(redirect_uri).await?;
    let request =
        consent_request(endpoints, &credentials.client_id, listener.redirect_uri(), scopes, grant)?;
    show(&request.url);
    let code = listener.wait_for_code(&request.state, CODE_LIFETIME).await?;
    let mut set = exchange_code(endpoints, credentials, &request, &code).await?;
    let target = store.clone();
    let first = set.clone();
    set = tokio::task::spawn_blocking(move || {
        let guard = target.lock()?;
        let previous = guard.load().ok().flatten().map_or(0, |s| s.generation);
        let mut set = first;
        set.generation = previous + 1;
        guard.save(&set)?;
        Ok::<_, Error>(set)
    })
    .await
    .map_err(|e| Error::TokenStore(format!("save task failed: {e}")))??;
    let client =
        Client::builder(endpoints.clone(), credentials.clone()).token_store(store.clone()).build();
    let company = client.company_information().await.ok();
    Ok(Connected { company, scope: set.scope.clone(), refresh_expires_at: set.refresh_expires_at })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn consent_url_carries_what_fortnox_requires() {
        let endpoints = Endpoints::live();
        let scopes = scopes_for(&[Feature::Vouchers]);
        let request = |grant| {
            consent_request(&endpoints, "abc", "http://127.0.0.1:47800/cb", &scopes, grant)
                .expect("url")
        };
        let service = reqwest::Url::parse(&request(Grant::ServiceAccount).url).expect("parses");
        let q: HashMap<_, _> = service.query_pairs().into_owned().collect();
        assert_eq!(q["account_type"], "service");
        let r = request(Grant::User);
        let url = reqwest::Url::parse(&r.url).expect("parses");
        let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert!(!q.contains_key("account_type"), "{q:?}");
        assert!(r.url.starts_with("https://apps.fortnox.se/oauth-v1/auth?"));
        assert_eq!(q["client_id"], "abc");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:47800/cb");
        assert_eq!(q["scope"], "companyinformation bookkeeping settings costcenter project");
        assert_eq!(q["state"], r.state);
        assert!(r.state.len() >= 16);
    }

    #[test]
    fn scopes_are_minimal_per_feature() {
        assert_eq!(scopes_for(&[]), vec!["companyinformation"]);
        let all = scopes_for(&[Feature::Vouchers, Feature::Orders, Feature::Invoices]);
        assert_eq!(all.len(), 9, "{all:?}");
    }
}
