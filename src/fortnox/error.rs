//! What can go wrong talking to Fortnox, classified by what the caller should do about it.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fortnox refused the request (4xx with `ErrorInformation`): retrying cannot fix it.
    #[error("fortnox rejected the request: {message} (code {code}){}", explain(*code))]
    Rejected { status: u16, code: i64, message: String },
    /// The credentials were refused; the operator must act.
    #[error("fortnox refused the credentials ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    /// Too many requests; wait and retry.
    #[error("fortnox rate limit reached (429); retrying after {0:?}")]
    RateLimited(Duration),
    /// Fortnox failed (5xx); retry later.
    #[error("fortnox is failing ({status}): {message}")]
    Server { status: u16, message: String },
    /// The request may or may not have reached Fortnox (timeout, dropped connection). For
    /// writes the outcome is unknown: look for the document before sending it again.
    #[error("no answer from fortnox: {0}")]
    Transport(String),
    /// Fortnox answered something we cannot read.
    #[error("unexpected answer from fortnox: {0}")]
    Decode(String),
}

impl Error {
    /// True when the same request may succeed later (network, 5xx, 429).
    pub fn is_retriable(&self) -> bool {
        matches!(self, Error::RateLimited(_) | Error::Server { .. } | Error::Transport(_))
    }

    /// True when a write may have been committed although no answer arrived.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::Transport(_))
    }
}

/// English explanation and hint for the Fortnox codes shop owners meet most.
fn explain(code: i64) -> &'static str {
    match code {
        2_001_304 | 2_000_423 => {
            " - the account does not exist in Fortnox (hint: add it to the chart of accounts \
             for that financial year, or map another account)"
        }
        2_001_101 | 2_001_103 => {
            " - the Fortnox licence for this is missing (hint: the company must add the \
             product or API licence in Fortnox)"
        }
        2_000_663 => {
            " - the connection lacks a scope (hint: run `fortnox-bridge connect` again to \
             grant it)"
        }
        _ => "",
    }
}
