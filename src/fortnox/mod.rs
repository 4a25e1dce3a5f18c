//! The Fortnox API client: typed requests and responses, authentication (client credentials and
//! the authorization-code flow with rotating refresh tokens), pacing and retries.
//!
//! Owns: everything that crosses the wire to Fortnox (or a Fortnox-compatible sandbox), and the
//! encrypted token store. Knows nothing about files, the ledger or the pipeline. Never logs a
//! token or a secret.
//!
//! Files: `client.rs` (requests, retries), `settings.rs` (endpoints, retry policy),
//! `limiter.rs` (25 per 5 s), `auth.rs` (access tokens, refresh protocol), `tokens.rs`
//! (encrypted store, lock) + `tokens/encryption.rs` (key file, sealing), `health.rs`,
//! `connect.rs` (consent flow, scopes) +
//! `connect/redirect.rs` (the redirect listener), `error.rs`,
//! `model.rs` (DTOs), `bookkeeping.rs` (voucher-side endpoints), `archive.rs` (inbox upload,
//! voucher file connections), `documents.rs` +
//! `model_documents.rs` (customers, articles, units, orders, invoices).

pub mod archive;
mod auth;
mod bookkeeping;
mod breaker;
mod client;
pub mod connect;
mod documents;
mod error;
mod health;
mod limiter;
pub mod model;
mod settings;
mod stats;
mod tokens;
mod wire;

pub use auth::Credentials;
pub use client::{Client, ClientBuilder};
pub use error::{Error, Problem};
pub use health::TokenHealth;
pub use reqwest::Method;
pub use settings::{Endpoints, RetryPolicy};
pub use stats::ClientStats;
pub use tokens::{StorePoint, TokenSet, TokenStore};
pub mod model_documents;
