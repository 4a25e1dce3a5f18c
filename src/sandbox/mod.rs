//! The embedded Fortnox sandbox: a loopback HTTP server that behaves like the parts of the
//! Fortnox API v3 this product uses (see `docs/fortnox-api.md`, §9), so everything can be tried
//! and tested without a Fortnox account.
//!
//! Owns: the server lifecycle ([`Sandbox::start`] / [`Sandbox::stop`]), the `SQLite` store
//! behind it, seed data, `OAuth2`, rate limiting and fault injection. Must not: listen on
//! anything but loopback, or depend on the rest of the crate (it is the test double for the `fortnox` client).
//!
//! Files: `server.rs` (accept loop), `auth.rs` (`OAuth2` + bearer check), `consent.rs`
//! (consent page), `scopes.rs`, `limits.rs` (rate limit, faults), `store.rs` (`SQLite`),
//! `seed.rs`, `errors.rs` (shapes and codes), `paging.rs`, `lenient.rs` (request parsing),
//! `vouchers.rs`, `routes_archive.rs` (inbox files, voucher file connections), `documents.rs`, `sales*.rs`, `invoice_voucher.rs` and `routes_*.rs`
//! (resources).

mod auth;
mod consent;
mod documents;
mod errors;
mod invoice_voucher;
mod lenient;
mod limits;
mod paging;
mod resource;
mod routes_archive;
mod routes_articles;
mod routes_customers;
mod routes_invoices;
mod routes_meta;
mod routes_orders;
mod routes_registers;
mod routes_vouchers;
mod sales;
mod sales_fields;
mod scopes;
mod seed;
mod server;
mod store;
mod vouchers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use errors::code as error_code;
pub use limits::FaultPlan;
pub use seed::{DATABASE_NUMBER, INACTIVE_ACCOUNTS, default_locked_until};

/// How the sandbox is started.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Loopback address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `SQLite` file, kept across restarts; `None` = in memory.
    pub data: Option<PathBuf>,
    /// Seeds calendar financial years `today.year-1 ..= today.year+1` (Ids 1, 2, 3); the year
    /// covering it is the "preselected" year used when a request names none.
    pub today: NaiveDate,
    /// Locked period end; `None` = keep the stored one, or seed the default (last day of the
    /// month three months before today's month) on a new database.
    pub locked_until: Option<NaiveDate>,
    /// Share (0..=1) of `/3/` requests answered 500 before doing anything.
    pub fail_rate: f64,
    /// Added to every response.
    pub latency: Duration,
    /// Sliding window per client and tenant; `None` = no limit.
    pub rate_limit: Option<(u32, Duration)>,
    /// Share (0..=1) of successful writes whose connection is closed without a response.
    pub drop_after_commit_rate: f64,
    /// Share (0..=1) of successful writes answered with a 500 after they were committed (a
    /// server failing on its way out).
    pub fail_after_commit_rate: f64,
    /// Lifetime of issued access tokens.
    pub access_token_lifetime: Duration,
    /// What voucher list items say of `Comments` (where the bridge's markers are).
    pub list_comments: ListComments,
    /// `PUT /3/orders/{n}/createinvoice` answers `{"Order":…}` (as the SDKs read the answer)
    /// instead of `{"Invoice":…}` (as the official spec documents it): which one Fortnox
    /// sends is not confirmed, so the client must take either.
    pub create_invoice_answers_order: bool,
    /// `createinvoice` makes the invoice but the order does not name it (a Fortnox lagging
    /// behind): the answer is the order without `InvoiceReference`, and the order is not
    /// marked invoiced, so a second `createinvoice` makes a second invoice.
    pub create_invoice_unnamed: bool,
}

/// How voucher list items carry `Comments`: Fortnox's documented example has none, the C#
/// SDK's subset has them, and a list that names the field without filling it is possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListComments {
    /// The voucher's comments.
    Full,
    /// No `Comments` key (the documented example).
    Absent,
    /// `"Comments": null` on every item.
    Null,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data: None,
            today: chrono::Local::now().date_naive(),
            locked_until: None,
            fail_rate: 0.0,
            latency: Duration::ZERO,
            rate_limit: Some((25, Duration::from_secs(5))),
            drop_after_commit_rate: 0.0,
            fail_after_commit_rate: 0.0,
            access_token_lifetime: Duration::from_hours(1),
            list_comments: ListComments::Full,
            create_invoice_answers_order: false,
            create_invoice_unnamed: false,
        }
    }
}

/// Why the sandbox could not start or load data.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "sandbox listen address `{0}` is not a loopback address (hint: use 127.0.0.1 or [::1])"
    )]
    NotLoopback(SocketAddr),
    #[error("sandbox option `{name}` is `{value}`, expected a share between 0.0 and 1.0")]
    InvalidRate { name: &'static str, value: f64 },
    #[error("sandbox could not listen on `{addr}`: {source} (hint: is another sandbox running?)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("sandbox store `{path}`: {source}")]
    Store { path: String, source: rusqlite::Error },
    #[error("sandbox store `{path}`: seeding failed: {message}")]
    Seed { path: String, message: String },
    #[error("sandbox start-up task failed: {0}")]
    Task(String),
}

/// What every handler shares.
pub(crate) struct AppState {
    store: store::Store,
    options: SandboxOptions,
    base_url: String,
    limiter: limits::RateLimiter,
    planned: limits::PlannedFaults,
    /// `/3/` requests received ([`Sandbox::api_requests`]).
    api_requests: std::sync::atomic::AtomicU64,
}

type Shared = Arc<AppState>;

/// A running sandbox. Dropping it without [`Sandbox::stop`] also stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    store: store::Store,
    store_name: String,
    state: Shared,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Binds, seeds (if the database is new), spawns the server task, returns once listening.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, SandboxError> {
        if !options.listen.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(options.listen));
        }
        for (name, value) in [
            ("fail_rate", options.fail_rate),
            ("drop_after_commit_rate", options.drop_after_commit_rate),
            ("fail_after_commit_rate", options.fail_after_commit_rate),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(SandboxError::InvalidRate { name, value });
            }
        }
        let store_name = options
            .data
            .as_ref()
            .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string());
        let store = open_store(&options, &store_name).await?;
        let listener = TcpListener::bind(options.listen)
            .await
            .map_err(|source| SandboxError::Bind { addr: options.listen, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr: options.listen, source })?;
        let base_url = format!("http://{addr}");
        let state = Arc::new(AppState {
            store: store.clone(),
            options,
            base_url: base_url.clone(),
            limiter: limits::RateLimiter::default(),
            planned: limits::PlannedFaults::default(),
            api_requests: std::sync::atomic::AtomicU64::new(0),
        });
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, router(Arc::clone(&state)), receiver));
        tracing::info!(%base_url, store = %store_name, "fortnox sandbox listening");
        Ok(Sandbox { addr, base_url, store, store_name, state: Arc::clone(&state), shutdown, task })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Loads a chart of accounts (`(number, name)`, e.g. from a SIE file's `#KONTO` lines) into
    /// every financial year: new accounts are added as active, existing ones renamed.
    /// Returns how many accounts were accepted.
    pub async fn load_chart(&self, accounts: &[(String, String)]) -> Result<usize, SandboxError> {
        let accounts = accounts.to_vec();
        let path = self.store_name.clone();
        self.store
            .call(move |conn| seed::load_chart(conn, &accounts).map_err(errors::ApiError::from))
            .await
            .map_err(|err| SandboxError::Task(format!("loading a chart into `{path}`: {err:?}")))
    }

    /// Adds cost centres and projects (`(code, name)`, e.g. from a SIE file's `#OBJEKT` lines of
    /// dimensions 1 and 6) that are not there yet. Returns how many of each were added.
    pub async fn load_objects(
        &self,
        cost_centers: &[(String, String)],
        projects: &[(String, String)],
    ) -> Result<(usize, usize), SandboxError> {
        let (cost_centers, projects) = (cost_centers.to_vec(), projects.to_vec());
        let path = self.store_name.clone();
        self.store
            .call(move |conn| seed::load_objects(conn, &cost_centers, &projects))
            .await
            .map_err(|err| SandboxError::Task(format!("loading objects into `{path}`: {err:?}")))
    }

    /// How many e-mails invoice `number` was sent (`GET /3/invoices/{n}/email` answered 200 or
    /// committed before its connection was dropped).
    pub async fn invoice_emails(&self, number: &str) -> Result<u64, SandboxError> {
        let number = number.to_owned();
        let path = self.store_name.clone();
        self.store
            .call(move |conn| {
                routes_invoices::emails_sent(conn, &number).map_err(errors::ApiError::from)
            })
            .await
            .map_err(|err| SandboxError::Task(format!("counting e-mails in `{path}`: {err:?}")))
    }

    /// How many `/3/` requests the sandbox received (answered or not), for tests that count
    /// what a client asks.
    pub fn api_requests(&self) -> u64 {
        self.state.api_requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Schedules deterministic faults for the next requests (added to any still pending).
    pub fn plan_faults(&self, plan: FaultPlan) {
        self.state.planned.add(plan);
    }

    /// Graceful shutdown: stops accepting, lets open requests finish (up to 5 s).
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        if let Err(err) = self.task.await {
            tracing::warn!(error = %err, "sandbox server task ended abnormally");
        }
    }
}

async fn open_store(options: &SandboxOptions, name: &str) -> Result<store::Store, SandboxError> {
    let path = options.data.clone();
    let today = options.today;
    let locked = options.locked_until;
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        let fail = |source| SandboxError::Store { path: name.clone(), source };
        let store = store::Store::open(path.as_deref()).map_err(fail)?;
        store
            .with(|conn| -> Result<(), rusqlite::Error> {
                seed::seed_if_new(conn, today)?;
                auth::prune_tokens(conn)?;
                if let Some(locked) = locked {
                    store::set_setting(conn, store::LOCKED_UNTIL_KEY, &locked.to_string())?;
                }
                Ok(())
            })
            .map_err(fail)?;
        store.with(seed::seed_registers).map_err(|err| SandboxError::Seed {
            path: name.clone(),
            message: format!("{err:?}"),
        })?;
        Ok(store)
    })
    .await
    .map_err(|err| SandboxError::Task(err.to_string()))?
}

fn router(state: Shared) -> Router {
    let api = Router::new()
        .merge(routes_meta::router())
        .merge(routes_vouchers::router())
        .merge(routes_archive::router())
        .merge(routes_customers::router())
        .merge(routes_articles::router())
        .merge(routes_registers::router())
        .merge(routes_orders::router())
        .merge(routes_invoices::router())
        .layer(from_fn_with_state(Arc::clone(&state), limits::drop_after_commit))
        .layer(from_fn_with_state(Arc::clone(&state), limits::rate_limit))
        .layer(axum::middleware::from_fn(scopes::require_scope))
        .layer(from_fn_with_state(Arc::clone(&state), auth::require_bearer))
        .layer(from_fn_with_state(Arc::clone(&state), limits::fail_rate))
        .layer(from_fn_with_state(Arc::clone(&state), limits::count));
    Router::new()
        .nest("/3", api)
        .merge(auth::router())
        .fallback(fallback)
        .layer(from_fn_with_state(Arc::clone(&state), limits::latency))
        .with_state(state)
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/3/") {
        errors::ApiError::not_found(errors::code::NO_SUCH_ROUTE, "Resursen finns inte.")
            .into_response()
    } else {
        (StatusCode::NOT_FOUND, "not found").into_response()
    }
}
