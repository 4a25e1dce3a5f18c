//! fortnox-bridge: watches folders for SIE files, Z-reports and order exports and posts them to
//! Fortnox exactly once.
//!
//! The modules follow the data flow of `docs/architecture.md`; each stage only calls the ones below
//! it:
//!
//! `watch` → `claim` → `detect` → `parse` → `convert` → `preflight` → `ledger` → `upload` →
//! `archive` (+ `audit`), driven by `pipeline` and `service`, talking to Fortnox (or the embedded
//! `sandbox`) through `fortnox`.

pub mod diagnostic;
pub mod parse;
pub mod sandbox;
