//! Parsers: bytes in, typed records or located diagnostics out.
//!
//! Pure: no file system, network or clock in here. Each input format has its own submodule.

pub mod cp1252;
pub mod orders;
pub mod sie;
pub mod zreport;
