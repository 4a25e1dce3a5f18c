//! fortnox-bridge: watches folders for SIE files, Z-reports and order exports and posts them to
//! Fortnox exactly once.
//!
//! The modules follow the data flow of `docs/architecture.md`; each stage only calls the ones below
//! it:
//!
//! `watch` → `claim` → `detect` → `parse` → `convert` → `preflight` → `ledger` → `upload` →
//! `archive` (+ `audit`), driven by `pipeline` and `service`, talking to Fortnox (or the embedded
//! `sandbox`) through `fortnox`.

// Shared vocabulary.
pub mod config;
pub mod diagnostic;
pub mod org_number;
pub mod similar;

// The stages, in data-flow order.
pub mod archive;
pub mod audit;
pub mod claim;
pub mod convert;
pub mod detect;
pub mod export;
pub mod ledger;
pub mod parse;
pub mod preflight;
pub mod upload;
pub mod watch;

// Driving the stages, and what they talk to.
pub mod fortnox;
pub mod notify;
pub mod pipeline;
pub mod sandbox;
pub mod service;
