//! The Fortnox API client: typed requests and responses, authentication, pacing and retries.
//!
//! Owns: everything that crosses the wire to Fortnox (or a Fortnox-compatible sandbox). Knows
//! nothing about files, the ledger or the pipeline.

mod client;
mod error;
pub mod model;

pub use client::{Client, Credentials};
pub use error::Error;
pub use reqwest::Method;
