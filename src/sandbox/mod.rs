//! The embedded Fortnox-compatible sandbox server.
