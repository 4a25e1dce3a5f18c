//! The command-line commands (the contract in `docs/architecture.md`). Only this layer and
//! `main.rs` use `anyhow`.

pub mod accounts;
pub mod audit;
pub mod check;
pub mod connect;
pub mod demo;
pub mod init;
pub mod ops;
pub mod sandbox;
pub mod service;
pub mod status;
pub mod zreport;
