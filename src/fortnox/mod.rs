//! The Fortnox API client: typed requests and responses, authentication, pacing and retries.
//!
//! Owns: everything that crosses the wire to Fortnox (or a Fortnox-compatible sandbox). Knows
//! nothing about files, the ledger or the pipeline.

mod client;
mod documents;
mod error;
pub mod model;
pub mod model_documents;

pub use client::{Client, Credentials};
pub use error::Error;
pub use reqwest::Method;
